"""Benchmark: search latency of the officers' service under load, over large synthetic catalogs.

Builds a catalog of N synthetic records (documents with metadata and page text; ID cards with their
identity; people with old CMND aliases; dossiers) by bulk insert, without OCR, then serves it with
`sohoa serve` (uvicorn, every request authenticated, every search written to the audit log) and
loads it with closed-loop HTTP clients on this machine: each client (a kept-alive connection of
wrk) sends its next search when the previous answer arrived. The query mix is what a counter
sees: whole ID numbers, last digits, old CMND numbers, names with and without marks or with a
typo, words of the text, and filters. wrk (C, `apt-get install wrk`) rather than a Python client:
the clients share the server's two cores, and a Python HTTP client spent ~2 ms of CPU per request,
a third of what it measured. A single client then runs the mix once more from Python, to time
each kind of query.

    .venv/bin/python -m tests.benchmarks.search_load --records 100000 1000000 --clients 1 10 50
    .venv/bin/python -m tests.benchmarks.search_load --catalog postgresql ...   (the same catalog, copied
                                                   into a private PostgreSQL cluster, tests/pgserver.py)

Catalogs are kept in --work (default /tmp/sohoa-search-load) and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
from sqlalchemy import make_url

from schemas.accounts import Role, User
from schemas.vntext import fold
from storage.catalog import Catalog
from storage.catalog.fulltext import office_token, words_of
from tests.generators.corpus import SENTENCES
from tests.generators.people import _BIRTH_WEIGHTS, GIVEN_NAMES, MIDDLE_NAMES, SURNAMES
from tests.pgserver import PostgresServer, running_postgres
from web.security import digest, new_token

OFFICES = [f"H{n:02d}" for n in range(1, 31)]
CARD_TYPES = ["id_cccd2021", "id_cancuoc2024", "id_cccd2016", "id_cmnd9"]
PAPER_TYPES = ["birth_certificate", "residence_confirmation", "land_use_certificate", "judicial_record",
               "marriage_certificate", "business_registration", "application"]
HEADINGS = {"birth_certificate": "GIẤY KHAI SINH", "residence_confirmation": "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
            "land_use_certificate": "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", "judicial_record": "PHIẾU LÝ LỊCH TƯ PHÁP",
            "marriage_certificate": "GIẤY CHỨNG NHẬN KẾT HÔN",
            "business_registration": "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "application": "ĐƠN ĐỀ NGHỊ"}
TEXT_QUERIES = ["xac nhan cu tru", "thua dat", "giay khai sinh", "ly lich tu phap", "uy ban nhan dan",
                "bien ban tiep nhan", "dang ky doanh nghiep", "ket hon", "le phi", "muc dich su dung"]
USER, OFFICE = "bench", "H07"
BATCH_SIZE = 20_000


def _people(rng: random.Random, count: int) -> list[tuple[str, str, str, str, str | None]]:
    """(id_number, full name, date of birth, sex, old CMND number) of invented citizens."""
    provinces, weights = list(_BIRTH_WEIGHTS), list(_BIRTH_WEIGHTS.values())
    surnames, surname_weights = list(SURNAMES), list(SURNAMES.values())
    people, seen = [], set()
    while len(people) < count:
        sex = rng.choice("MF")
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(68 * 365))
        digit = 2 * ((born.year - 1900) // 100) + (sex == "F")
        number = f"{rng.choices(provinces, weights)[0]}{digit}{born.year % 100:02d}{rng.randrange(10**6):06d}"
        if number in seen:
            continue
        seen.add(number)
        name = " ".join((rng.choices(surnames, surname_weights)[0], rng.choice(MIDDLE_NAMES[sex]),
                         rng.choice(GIVEN_NAMES[sex])))
        old = f"{rng.randrange(10**9):09d}" if born.year < 1995 and rng.random() < 0.5 else None
        people.append((number, name, born.isoformat(), sex, old))
    return people


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, records: int, seed: int = 7) -> dict[str, list[str]]:
    """A catalog of `records` documents; returns samples of what exists, for the query mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Catalog(f"sqlite:///{path}").close()  # every migration, the same schema as production
    rng = random.Random(seed)
    people = _people(rng, records // 2)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
        db.execute(f"PRAGMA {pragma}")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    db.execute("BEGIN")
    db.execute("INSERT INTO batch VALUES ('bench', 'bench', 'bench', '{}', 'done', ?, ?, NULL, '[]')",
               (_stamp(now), _stamp(now)))
    db.executemany("INSERT INTO person (id_number, full_name, folded_name, date_of_birth, sex, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)",
                   [(n, name, fold(name), born, sex, _stamp(now)) for n, name, born, sex, _ in people])
    db.executemany("INSERT OR IGNORE INTO person_alias VALUES (?, ?)", [(old, n) for n, *_, old in people if old])
    db.execute("COMMIT")
    sentences = [unicodedata.normalize("NFC", s) for s in SENTENCES]
    for start in range(0, records, BATCH_SIZE):
        rows: dict[str, list[dict]] = defaultdict(list)
        for index in range(start, min(records, start + BATCH_SIZE)):
            _document_rows(rng, index, people, sentences, now, rows)
        db.execute("BEGIN")
        for table, values in rows.items():
            columns = list(values[0])
            db.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
                           f"VALUES ({', '.join(':' + c for c in columns)})", values)
        db.execute("COMMIT")
        print(f"  {min(records, start + BATCH_SIZE):>9,} records", file=sys.stderr, end="\r")
    db.execute("ANALYZE")
    db.close()
    print(file=sys.stderr)
    with_old = [old for *_, old in people if old]
    return {"ids": [p[0] for p in people[:5000]], "old": with_old[:2000],
            "names": [p[1] for p in people[:5000]]}


def _document_rows(rng: random.Random, index: int, people: list, sentences: list[str], now: datetime,
                   rows: dict[str, list[dict]]) -> None:
    """One synthetic document and everything that hangs off it."""
    document_id = f"b{index:019d}"
    office = rng.choice(OFFICES)
    receipt = (now - timedelta(days=index % 900)).date()
    dossier = f"000.00.{int(office[1:]):02d}.{office}-{receipt:%y%m%d}-{index // 5 % 10000:04d}"
    created = now - timedelta(days=index % 900, seconds=index % 86400)
    person = people[index % len(people)] if index % 2 == 0 else people[rng.randrange(len(people))]
    number, name, born, sex, old = person
    card = index % 5 < 2
    if card:
        doc_type = CARD_TYPES[index % len(CARD_TYPES)]
        expiry = (date.fromisoformat(born) + timedelta(days=365 * rng.choice((25, 40, 60)))).isoformat()
        identity = {key: {"value": value, "source": "qr", "confidence": 1.0} for key, value in (
            ("id_number", number), ("full_name", name), ("date_of_birth", born), ("sex", sex),
            ("date_of_expiry", expiry))}
        if old:
            identity["old_id_number"] = {"value": old, "source": "qr", "confidence": 1.0}
        text = (f"CĂN CƯỚC CÔNG DÂN\nSố / No.: {number}\nHọ và tên / Full name: {name.upper()}\n"
                f"Ngày sinh / Date of birth: {born}\nCó giá trị đến: {expiry}")
    else:
        doc_type = PAPER_TYPES[index % len(PAPER_TYPES)]
        identity = None
        body = " ".join(rng.sample(sentences, 6))
        text = f"{HEADINGS[doc_type]}\nÔng/bà {name}, số định danh cá nhân {number}.\n{body}"
    rows["document"].append(dict(
        id=document_id, sha256=f"sha-{document_id}", kind="png", original_name=f"{document_id}.png",
        batch_id="bench", page_count=1, status="needs_review" if index % 50 == 0 else "ok", problems="[]",
        dossier_code=dossier, office_code=office, procedure_code=f"1.{index % 40:03d}", direction="input",
        component=None, doc_type=doc_type, doc_type_score=0.9,
        identity=json.dumps(identity, ensure_ascii=False) if identity else None, created_at=_stamp(created)))
    rows["page"].append(dict(document_id=document_id, number=1, source="ocr", text=text, mean_conf=90.0,
                             width=1240, height=1754, dpi=300, rotation=0, skew_degrees=0.0, decision="",
                             problems="[]", seconds=1.0))
    rows["document_search"].append(dict(document_id=document_id, name=fold(f"{document_id}.png"),
                                        code=fold(dossier), body=fold(text)))
    rows["document_person"].append(dict(document_id=document_id, id_number=number))
    rows["stored_object"].append(dict(document_id=document_id, key=f"docs/{document_id}/thumbnail.jpg",
                                      role="thumbnail", sha256="0" * 64, size=1000, content_type="image/jpeg"))
    rows["dossier"].append(dict(code=dossier, office_code=office, procedure_code=f"1.{index % 40:03d}",
                                receipt_date=receipt.isoformat(), channel="counter", returns_paper_result=1))
    rows["dossier_document"].append(dict(dossier_code=dossier, document_id=document_id, direction="input",
                                         component=None, reused=0, source_dossier=None, attached_by=None,
                                         attached_at=_stamp(created), override_reason=None))


# Tables in an order their foreign keys accept; the full-text and people indexes are the dialect's.
_COPIED_TABLES = ("batch", "person", "person_alias", "document", "page", "document_person",
                  "stored_object", "dossier", "dossier_document")
_BOOLEAN_COLUMNS = {"returns_paper_result", "reused"}


def copy_to_postgres(source: Path, url: str) -> None:
    """The SQLite catalog `source` copied into the empty PostgreSQL catalog at `url` (COPY, then the
    full-text rows split into words as PostgresTsvector stores them; triggers keep the people's
    name vocabulary)."""
    Catalog(url).close()  # the schema, by the same migrations
    lite = sqlite3.connect(source)
    parts = make_url(url)
    with psycopg.connect(host=parts.query["host"], port=parts.query["port"], user=parts.username,
                         dbname=parts.database) as pg:
        search = "SELECT s.document_id, s.name, s.code, s.body, d.office_code FROM document_search AS s " \
                 "JOIN document AS d ON d.id = s.document_id"
        for name in (*_COPIED_TABLES, "document_search"):
            columns = ([row[1] for row in lite.execute(f"PRAGMA table_info({name})")]
                       if name != "document_search" else ["document_id", "name", "code", "body", "office"])
            booleans = [column in _BOOLEAN_COLUMNS for column in columns]
            with pg.cursor().copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                rows = lite.execute(search if name == "document_search" else f"SELECT {', '.join(columns)} FROM {name}")
                for row in rows:
                    if name == "document_search":  # as PostgresTsvector stores an entry
                        row = (row[0], *(" ".join(words_of(text)) for text in row[1:4]), office_token(row[4]))
                    copy.write_row([bool(value) if boolean and value is not None else value
                                    for value, boolean in zip(row, booleans, strict=True)])
            print(f"  copied {name}", file=sys.stderr)
        # What autovacuum does to a catalog in service: statistics, and the visibility map that lets
        # index-only scans skip the table (a fresh copy has none).
        pg.commit()
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE")
    lite.close()


def queries(rng: random.Random, samples: dict[str, list[str]], count: int) -> list[tuple[str, dict]]:
    """(kind, query parameters) in the proportions a counter sees."""
    kinds = [("id", 30), ("id_suffix", 8), ("cmnd", 5), ("name", 22), ("name_marks", 8), ("name_typo", 5),
             ("text", 12), ("filters", 10)]
    chosen = []
    for kind in rng.choices([k for k, _ in kinds], [w for _, w in kinds], k=count):
        if kind == "id":
            params = {"q": rng.choice(samples["ids"])}
        elif kind == "id_suffix":
            params = {"q": rng.choice(samples["ids"])[-6:]}
        elif kind == "cmnd":
            params = {"q": rng.choice(samples["old"])}
        elif kind == "name":
            params = {"q": fold(rng.choice(samples["names"]))}
        elif kind == "name_marks":
            params = {"q": rng.choice(samples["names"])}
        elif kind == "name_typo":
            words = fold(rng.choice(samples["names"])).split()
            last = words[-1]
            words[-1] = last[0] + last[2] + last[1] + last[3:] if len(last) > 2 else last + "h"
            params = {"q": " ".join(words)}
        elif kind == "text":
            params = {"q": rng.choice(TEXT_QUERIES)}
        else:
            params = {"doc_type": rng.choice(PAPER_TYPES), "created_from": "2025-06-01"}
        chosen.append((kind, params))
    return chosen


def serve(data: Path, port: int, workers: int, catalog_url: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "SOHOA_DATA_DIR": str(data), "SOHOA_WEB_PORT": str(port)}
    if catalog_url is not None:
        env["SOHOA_CATALOG_URL"] = catalog_url
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--workers", str(workers)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the service did not start: " + process.stderr.read().decode()[-2000:])


# Each wrk thread walks the query list from its own starting point; percentiles come back as JSON.
_WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("SOHOA_BENCH_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("SOHOA_BENCH_TOKEN")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("start", threads * 7919)
end
local position = nil
function request()
  position = (position or start) % #paths + 1
  return wrk.format("GET", paths[position], {["Authorization"] = "Bearer " .. token})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "errors": %d, "p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def load(port: int, token: str, work: list[tuple[str, dict]], clients: int, seconds: int,
         scratch: Path) -> dict[str, float]:
    """Closed-loop wrk clients over the query list for `seconds`: requests, errors, p50/p95/p99 (ms)."""
    paths, script = scratch / "paths.txt", scratch / "search.lua"
    paths.write_text("".join(f"/api/search?{urlencode({**params, 'page_size': 20})}\n" for _, params in work))
    script.write_text(_WRK_SCRIPT)
    done = subprocess.run(
        ["wrk", f"--threads={min(clients, 2)}", f"--connections={clients}", f"--duration={seconds}s",
         "--timeout=30s", f"--script={script}", f"http://127.0.0.1:{port}"],
        env={**os.environ, "SOHOA_BENCH_PATHS": str(paths), "SOHOA_BENCH_TOKEN": token},
        capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def by_kind(port: int, token: str, work: list[tuple[str, dict]]) -> dict[str, list[float]]:
    """Seconds of each search, by kind of query, from one client at a time."""
    measured: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        for kind, params in work:
            started = time.perf_counter()
            client.get("/api/search", params={**params, "page_size": 20}).raise_for_status()
            measured[kind].append(time.perf_counter() - started)
    return measured


def cpu_seconds(session: int) -> float:
    """CPU time used so far by the processes of a session (the server and its workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # fields after the name: state, ppid, pgrp, session, ...
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _warm(path: Path) -> None:
    """Read the catalog once, so the OS page cache holds it as on a server that has been running."""
    with path.open("rb") as catalog:
        while catalog.read(16 * 1024 * 1024):
            pass


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=int, default=30, help="load per concurrency level")
    parser.add_argument("--workers", type=int, default=2, help="server processes (this machine has 2 cores)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sohoa-search-load"))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--catalog", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: the same catalog copied into a private PostgreSQL cluster")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("this benchmark drives the load with wrk: apt-get install wrk")
    with ExitStack() as stack:
        postgres = stack.enter_context(running_postgres()) if args.catalog == "postgresql" else None
        table = _run(args, postgres)
    print("\n| records | concurrent clients | searches/s | p50 (ms) | p95 (ms) | p99 (ms) "
          "| server CPU per search (ms) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for records, clients, found, cpu_ms in table:
        print(f"| {records:,} | {clients} | {found['requests'] / args.seconds:.0f} | {found['p50']:.1f} | "
              f"{found['p95']:.1f} | {found['p99']:.1f} | {cpu_ms:.1f} |")


def _run(args: argparse.Namespace, postgres: PostgresServer | None) -> list[tuple[int, int, dict, float]]:
    table = []
    for records in args.records:
        data = args.work / f"catalog-{records}"
        samples_file = data / "samples.json"
        if not samples_file.exists():
            started = time.monotonic()
            print(f"building {records:,} records in {data}", file=sys.stderr)
            samples = build(data / "catalog.sqlite3", records)
            samples_file.write_text(json.dumps(samples))
            print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)
        samples = json.loads(samples_file.read_text())
        catalog_url = f"sqlite:///{data / 'catalog.sqlite3'}"
        if postgres is not None:
            catalog_url = postgres.url(postgres.create_database())
            started = time.monotonic()
            copy_to_postgres(data / "catalog.sqlite3", catalog_url)
            print(f"copied to PostgreSQL in {time.monotonic() - started:.0f} s", file=sys.stderr)
        catalog = Catalog(catalog_url)  # also brings it to the latest schema
        catalog.accounts.record_user(User(username=USER, office_code=OFFICE, roles=[Role.OFFICER]))
        token = new_token()
        catalog.accounts.record_api_token(digest(token), USER, "benchmark")
        catalog.close()
        _warm(data / "catalog.sqlite3")
        server = serve(data, args.port, args.workers, catalog_url if postgres is not None else None)
        try:
            rng = random.Random(records)
            work = queries(rng, samples, 20_000)
            load(args.port, token, work, 4, 10, data)  # warm the caches
            for clients in args.clients:
                used = cpu_seconds(server.pid)
                found = load(args.port, token, work, clients, args.seconds, data)
                cpu_ms = (cpu_seconds(server.pid) - used) * 1000 / max(found["requests"], 1)
                table.append((records, clients, found, cpu_ms))
                print(f"{records:>9,} records {clients:>3} clients: {found['requests'] / args.seconds:6.0f} searches/s "
                      f"p50 {found['p50']:6.1f} ms  p95 {found['p95']:6.1f} ms  p99 {found['p99']:6.1f} ms  "
                      f"server CPU {cpu_ms:.1f} ms/search  errors {found['errors']}", file=sys.stderr)
            for kind, values in sorted(by_kind(args.port, token, queries(rng, samples, 600)).items()):
                p50, p95, _ = percentiles(values) if len(values) > 1 else (values[0] * 1000,) * 3
                print(f"      one client, {kind:<11} n={len(values):<4} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms",
                      file=sys.stderr)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    return table


if __name__ == "__main__":
    main()
