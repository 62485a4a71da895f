"""Benchmark: archive and fixity-check throughput on generated records (no OCR needed).

Records are made directly in a fresh catalog and local object store, as ingest leaves them: a grey A4
scan at 150 dpi with scanner noise (PNG), the searchable PDF (JPEG page image under Tesseract's
invisible text), the text and the words. They are spread over days of `--per-day` records (a busy
office's day is 5,000 pages). Each day is archived as the nightly flow does it (PDF/A-2b copies, one
BagIt bag with sha256 and sha512 manifests, locked writes, catalog commit); then fixity reads
everything (every object hashed, every bag hashed and validated by bagit). The Prefect wrapper is left
out: it adds a few task runs per night, not per record.

    .venv/bin/python -m tests.benchmarks.archive_throughput --records 10000
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console
from rich.table import Table

from archival.fixity import Verifier, verify
from archival.packaging import Archiver, archive_office_day
from schemas.archive import day_bounds
from schemas.batch import Direction
from schemas.settings import Settings
from storage.archive_store import LocalArchiveStore
from storage.catalog import Catalog
from storage.local import LocalObjectStore
from tests.archive_records import (
    add_batch,
    add_record,
    scan_png,
    searchable_pdf,
    unique_png,
)

FIRST_DAY = date(2025, 6, 2)


def noisy_scan(width: int, height: int) -> bytes:
    """The test scan with speckle on 5% of its pixels: a ~340 KB PNG, like a clean grey scan."""
    pixels = np.asarray(Image.open(io.BytesIO(scan_png(0, width, height)))).astype(np.int16)
    rng = np.random.default_rng(0)
    speckle = (rng.random(pixels.shape) < 0.05) * rng.normal(0, 6, pixels.shape)
    noisy = np.clip(pixels + speckle, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="PNG", dpi=(150, 150))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--per-day", type=int, default=5_000, help="records (one page each) per office day")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-archive-bench-", dir=args.dir) as tmp:
        run(Path(tmp), args.records, args.per_day)


def run(root: Path, records: int, per_day: int) -> None:
    settings = Settings().archive
    zone = Settings().zone
    catalog = Catalog(f"sqlite:///{root / 'catalog.sqlite3'}")
    objects, archive = LocalObjectStore(root / "objects"), LocalArchiveStore(root / "archive")
    scan = noisy_scan(1240, 1754)
    pdf = searchable_pdf(scan)
    days = [FIRST_DAY + timedelta(days=n) for n in range((records + per_day - 1) // per_day)]
    for day in days:
        add_batch(catalog, f"batch-{day}", "H12", datetime.combine(day, datetime.min.time(), zone))
    started = time.perf_counter()

    def make(n: int) -> int:
        day = days[n // per_day]
        start, _ = day_bounds(day, zone)
        return add_record(catalog, objects, seed=n, batch_id=f"batch-{day}", office="H12",
                          created_at=start + timedelta(hours=8, seconds=n % per_day),
                          direction=Direction.OUTPUT if n % 4 == 0 else Direction.INPUT,
                          png=unique_png(scan, n), pdf=pdf).bytes

    with ThreadPoolExecutor(8) as pool:
        stored = sum(pool.map(make, range(records)))
    console = Console()
    console.print(f"generated {records} records, {stored / 1e6:.0f} MB of objects "
                  f"(scan {len(scan) // 1024} KB, searchable PDF {len(pdf) // 1024} KB) in "
                  f"{time.perf_counter() - started:.0f} s")

    archiver = Archiver(catalog=catalog, objects=objects, archive=archive, settings=settings, zone=zone,
                        work_dir=root / "work", software="sohoa benchmark",
                        ocr_engine={"engine": "tesseract", "version": "benchmark"})
    table = Table("phase", "records", "pages", "MB", "seconds", "MB/s", "records/s",
                  title=f"archive throughput ({settings.archive_workers} workers)")
    archived_mb = 0.0
    for day in days:
        ids = catalog.archive.find_unarchived(*day_bounds(day, zone))["H12"]
        started = time.perf_counter()
        package = archive_office_day(archiver, "H12", day, ids)
        seconds = time.perf_counter() - started
        archived_mb += package.bytes / 1e6
        _row(table, f"archive {day} (read {stored / records * len(ids) / 1e6:.0f} MB)", len(ids),
             package.pages, package.bytes / 1e6, seconds)
    started = time.perf_counter()
    report = verify(Verifier(catalog=catalog, objects=objects, archive=archive, settings=settings,
                             work_dir=root / "work"), everything=True)
    seconds = time.perf_counter() - started
    assert report.ok, report.issues
    _row(table, "fixity, everything (objects + bags)", records, records, report.bytes_checked / 1e6, seconds)
    console.print(table)
    catalog.close()


def _row(table: Table, phase: str, records: int, pages: int, megabytes: float, seconds: float) -> None:
    table.add_row(phase, str(records), str(pages), f"{megabytes:.0f}", f"{seconds:.1f}",
                  f"{megabytes / seconds:.1f}", f"{records / seconds:.0f}")


if __name__ == "__main__":
    main()
