"""Arbitrary input to the parsers that read what a citizen or a scanner hands in (QR payloads, MRZ
lines, printed card text, the batch manifest): each answers with its documented result (readings with
reasons, or a manifest problem) and never raises."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr.identity import extract_printed, parse_mrz, parse_qr_payload
from ocr.staging import read_manifest
from schemas.document import Reason

# QR-like: fields split by '|' with digits, dates and Vietnamese text, or anything at all.
QR_FIELD = st.one_of(st.from_regex(r"[0-9]{0,13}", fullmatch=True), st.text(max_size=30))
MRZ_LINE = st.one_of(st.from_regex(r"[A-Z0-9<]{0,34}", fullmatch=True), st.text(max_size=40))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(QR_FIELD, max_size=12).map("|".join), st.binary(max_size=300), st.text()))
def test_qr_payload_parser_never_raises(payload: str | bytes) -> None:
    reading = parse_qr_payload(payload)
    assert reading.fields or reading.reasons  # read, or told why not


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(MRZ_LINE, max_size=4), st.text(max_size=120)))
def test_mrz_parser_never_raises(lines: list[str] | str) -> None:
    reading = parse_mrz(lines)
    assert reading.fields or reading.reasons


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=60), st.sampled_from(
    ["Số / No.: 0792030", "Họ và tên / Full name:", "Ngày sinh: 31/02/1990", "Nơi thường trú:", "CĂN CƯỚC"])),
    max_size=15))
def test_printed_card_parser_never_raises(lines: list[str]) -> None:
    extract_printed("\n".join(lines))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 st.sampled_from(["dossier_code: [1, 2", "files: 3", "- a\n- b", "!!python/object:os.system x",
                                  "dossier_code: 000.00.12.H12-240315-0001\nfiles:\n  a.png: {pages: -1}"])))
def test_manifest_reader_never_raises(tmp_path: Path, text: str) -> None:
    manifest_file = tmp_path / "batch.yaml"
    manifest_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    manifest, problems = read_manifest(manifest_file)
    assert all(problem.code == Reason.MANIFEST_INVALID for problem in problems)
