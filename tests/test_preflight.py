"""Preflight and archive extraction: every bad input gets the reason a clerk can act on, valid inputs
pass with the right facts, bombs are refused without being decoded, and no archive writes outside its
destination."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ocr.preflight import preflight, sniff
from ocr.unzip import extract_zip
from schemas.document import FileKind, Problem, Reason
from schemas.settings import Settings
from tests.generators import bad_inputs as bad

QUARANTINE_REASONS = {
    Reason.UNSUPPORTED_TYPE, Reason.CORRUPT, Reason.TRUNCATED, Reason.ENCRYPTED, Reason.TOO_LARGE,
    Reason.TOO_MANY_PAGES, Reason.TOO_MANY_PIXELS, Reason.EMPTY,
}
# Personal data in the folder name: no message may echo it (Decree 13/2023).
PERSONAL_FOLDER = "Hồ sơ Nguyễn Văn An 079301001234"


@pytest.fixture(scope="module")
def limits() -> Settings:
    return Settings(**bad.BAD_INPUT_LIMITS)


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Reason]]:
    folder = tmp_path_factory.mktemp("bad") / PERSONAL_FOLDER
    return folder, bad.write_bad_inputs(folder)


@pytest.fixture(scope="module")
def valid_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bad.Expected]]:
    folder = tmp_path_factory.mktemp("valid")
    return folder, bad.write_valid_inputs(folder)


def _assert_no_personal_data(problems: list[Problem]) -> None:
    for problem in problems:
        assert problem.message
        assert "079301001234" not in problem.message and "Nguyễn" not in problem.message


def _files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


# --- each bad input, its reason ---------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(set(bad.BAD_INPUTS) - bad.ARCHIVES))
def test_bad_file_is_quarantined_with_its_reason(name: str, bad_folder, limits: Settings) -> None:
    folder, expected = bad_folder
    result = preflight(folder / name, limits)
    assert [p.code for p in result.problems] == [expected[name]]
    assert result.quarantined
    _assert_no_personal_data(result.problems)


@pytest.mark.parametrize("name", sorted(bad.ARCHIVES))
def test_bad_archive_opens_but_every_member_is_refused(name: str, bad_folder, limits: Settings,
                                                       tmp_path: Path) -> None:
    folder, expected = bad_folder
    result = preflight(folder / name, limits)
    assert result.kind is FileKind.ZIP and not result.problems

    extracted = extract_zip(folder / name, tmp_path / "dest", limits)
    assert extracted.files == []
    assert extracted.rejected and {p.code for _, p in extracted.rejected} == {expected[name]}
    assert _files_under(tmp_path) == []
    _assert_no_personal_data([p for _, p in extracted.rejected])


def test_bad_inputs_cover_every_quarantine_reason(bad_folder) -> None:
    _, expected = bad_folder
    covered = set(expected.values())
    assert (QUARANTINE_REASONS | {Reason.UNSAFE_ARCHIVE_MEMBER}) - {Reason.TOO_MANY_PAGES} <= covered


# --- valid inputs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(bad.VALID_INPUTS))
def test_valid_file_passes_with_its_facts(name: str, valid_folder) -> None:
    folder, expected = valid_folder
    path = folder / name
    result = preflight(path, Settings())
    assert result.problems == []
    assert (result.kind, result.page_count, result.width, result.height) == tuple(expected[name])
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.size == path.stat().st_size


def test_page_limit_is_enforced_for_tiff_and_pdf(valid_folder) -> None:
    folder, _ = valid_folder
    two_pages = Settings(max_pages=2)
    tiff = preflight(folder / "scan-3-pages.tif", two_pages)
    assert [p.code for p in tiff.problems] == [Reason.TOO_MANY_PAGES] and tiff.page_count == 3
    assert preflight(folder / "form-2-pages.pdf", two_pages).problems == []
    assert [p.code for p in preflight(folder / "form-2-pages.pdf", Settings(max_pages=1)).problems] == [
        Reason.TOO_MANY_PAGES]


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    """A 1 GiB sparse file is refused from its size alone: it is never hashed."""
    path = tmp_path / "huge.tif"
    with path.open("wb") as handle:
        handle.truncate(1024 * 1024 * 1024)
    result = preflight(path, Settings())
    assert [p.code for p in result.problems] == [Reason.TOO_LARGE]
    assert result.sha256 is None and result.size == 1024 * 1024 * 1024


@pytest.mark.parametrize(("head", "kind"), [
    (b"\x89PNG\r\n\x1a\n....", FileKind.PNG),
    (b"\xff\xd8\xff\xe0..JFIF", FileKind.JPEG),
    (b"II*\x00\x08\x00\x00\x00", FileKind.TIFF),
    (b"MM\x00*\x00\x00\x00\x08", FileKind.TIFF),
    (b"II+\x00\x08\x00\x00\x00", FileKind.TIFF),
    (b"MM\x00+\x00\x08\x00\x00", FileKind.TIFF),
    (b"%PDF-1.7\n", FileKind.PDF),
    (b"x" * 1000 + b"%PDF-1.4", FileKind.PDF),
    (b"PK\x03\x04\x14\x00", FileKind.ZIP),
    (b"PK\x05\x06" + bytes(18), FileKind.ZIP),
    (b"x" * 1024 + b"%PDF-1.4", None),  # readers look for the header in the first 1024 bytes only
    (b"GIF89a", None),
    (b"", None),
])
def test_sniff_reads_magic_bytes(head: bytes, kind: FileKind | None) -> None:
    assert sniff(head) is kind


# --- bombs are refused from their headers -----------------------------------------------------------

def test_decompression_bomb_is_a_real_png(bad_folder) -> None:
    """The bomb is honest: valid chunks and a zlib stream that really inflates to BOMB_SIDE² pixels."""
    folder, _ = bad_folder
    data = (folder / "bomb.png").read_bytes()
    assert len(data) < 1024 * 1024
    chunks, offset = {}, 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        offset += 12 + length
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (bad.BOMB_SIDE, bad.BOMB_SIDE)
    inflater, pending, inflated = zlib.decompressobj(), chunks[b"IDAT"], 0
    while pending:
        out = inflater.decompress(pending, 16 * 1024 * 1024)  # bounded: the test must not be a bomb itself
        inflated += len(out)
        assert out.count(0) == len(out)
        pending = inflater.unconsumed_tail
    assert inflater.eof  # reached the end and the Adler-32 checksum matched
    assert inflated == bad.BOMB_SIDE * (1 + bad.BOMB_SIDE // 8)


def test_decompression_bomb_is_refused_without_decoding(bad_folder) -> None:
    """In a fresh process capped at 1 GiB of address space (decoding needs 3.6 GB), peak memory measured."""
    folder, _ = bad_folder
    script = textwrap.dedent("""
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from pathlib import Path
        from ocr.preflight import preflight
        from schemas.settings import Settings
        result = preflight(Path(sys.argv[1]), Settings())
        status = Path("/proc/self/status").read_text()  # ru_maxrss would include the forked parent
        peak = int(status.split("VmHWM:")[1].split()[0])
        print(json.dumps({"codes": [p.code for p in result.problems], "peak_kib": peak}))
    """)
    child = subprocess.run([sys.executable, "-c", script, str(folder / "bomb.png")],
                           capture_output=True, text=True, check=True)
    report = json.loads(child.stdout)
    assert report["codes"] == [Reason.TOO_MANY_PIXELS]
    assert report["peak_kib"] < 200 * 1024


def test_oversized_later_page_is_refused_before_any_decoding(tmp_path: Path) -> None:
    """PIL's own guard sees only the first frame: our header pass must find page 2."""
    path = tmp_path / "scan.tif"
    small, large = bad.page_image(1, (100, 140)), bad.page_image(2, (700, 990))
    small.save(path, "TIFF", save_all=True, append_images=[large])
    result = preflight(path, Settings(max_page_pixels=200_000))
    assert [(p.code, p.page) for p in result.problems] == [(Reason.TOO_MANY_PIXELS, 2)]
    assert (result.page_count, result.width, result.height) == (2, 100, 140)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_just_over_the_pixel_limit_is_refused(valid_folder) -> None:
    folder, _ = valid_folder
    result = preflight(folder / "page.png", Settings(max_page_pixels=620 * 877 - 1))
    assert [(p.code, p.page) for p in result.problems] == [(Reason.TOO_MANY_PIXELS, 1)]
    assert preflight(folder / "page.png", Settings(max_page_pixels=620 * 877)).problems == []


# --- archives ---------------------------------------------------------------------------------------

def test_office_zip_names_are_decoded_and_junk_skipped(tmp_path: Path, limits: Settings) -> None:
    expected = bad.write_office_zip(tmp_path / "batch.zip")
    dest = tmp_path / "dest"
    result = extract_zip(tmp_path / "batch.zip", dest, limits)
    assert result.rejected == []
    assert sorted(result.files) == sorted(expected) == _files_under(dest)
    for name in result.files:
        assert preflight(dest / name, limits).kind is FileKind.PNG


def test_extraction_never_writes_outside_dest(tmp_path: Path, bad_folder, limits: Settings) -> None:
    folder, _ = bad_folder
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "inside" / "dest"
    dest.mkdir(parents=True)
    (dest / "Hồ sơ").symlink_to(outside, target_is_directory=True)  # planted before extraction

    results = [extract_zip(folder / name, dest, limits) for name in ("traversal.zip", "symlink.zip")]
    office = bad.write_office_zip(tmp_path / "office.zip")
    results.append(extract_zip(tmp_path / "office.zip", dest, limits))

    assert _files_under(outside) == []
    assert not Path(bad.ABSOLUTE_MEMBER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inside", "office.zip", "outside"]
    assert [p.name for p in (tmp_path / "inside").iterdir()] == ["dest"]
    assert [p for p in dest.rglob("*") if p.is_symlink()] == [dest / "Hồ sơ"]  # only the planted one
    assert _files_under(dest) == sorted(name for name in office if not name.startswith("Hồ sơ/"))
    refused = {name for result in results for name, _ in result.rejected}
    assert {"Hồ sơ/Giấy khai sinh.png", "Hồ sơ\\Tờ khai.png", "page.png", "../evil.png"} <= refused


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_member_count_limit(tmp_path: Path) -> None:
    page = bad.png_bytes(bad.page_image())
    archive = _zip(tmp_path / "many.zip", {f"page-{n}.png": page for n in range(5)})
    result = extract_zip(archive, tmp_path / "dest", Settings(max_archive_members=3))
    assert result.files == ["page-0.png", "page-1.png", "page-2.png"]
    assert [(name, p.code) for name, p in result.rejected] == [
        ("page-3.png", Reason.TOO_LARGE), ("page-4.png", Reason.TOO_LARGE)]
    assert _files_under(tmp_path / "dest") == result.files


def test_total_unpacked_bytes_limit_counts_real_bytes(tmp_path: Path) -> None:
    mib = 1024 * 1024
    archive = _zip(tmp_path / "big.zip", {f"part-{n}.tif": bytes(3 * mib) for n in range(4)})
    settings = Settings(max_file_bytes=4 * mib, max_archive_bytes=8 * mib)
    result = extract_zip(archive, tmp_path / "dest", settings)
    assert result.files == ["part-0.tif", "part-1.tif"]
    assert [(name, p.code) for name, p in result.rejected] == [
        ("part-2.tif", Reason.TOO_LARGE), ("part-3.tif", Reason.TOO_LARGE)]
    assert all("tổng cộng" in p.message for _, p in result.rejected)
    assert sum(p.stat().st_size for p in (tmp_path / "dest").iterdir()) <= settings.max_archive_bytes


def test_lying_size_header_does_not_let_a_bomb_through(tmp_path: Path, limits: Settings) -> None:
    """The central directory claims 1 KiB for a member that inflates to 64 MiB."""
    archive = tmp_path / "liar.zip"
    bad.write_zip_bomb(archive)
    data = bytearray(archive.read_bytes())
    real = struct.pack("<I", 64 * 1024 * 1024)
    for offset in (data.find(b"PK\x01\x02") + 24, data.find(b"PK\x03\x04") + 22):
        if data[offset:offset + 4] == real:  # the local header may defer sizes to a data descriptor
            data[offset:offset + 4] = struct.pack("<I", 1024)
    archive.write_bytes(bytes(data))
    result = extract_zip(archive, tmp_path / "dest", limits)
    assert result.files == []
    assert [p.code for _, p in result.rejected] == [Reason.CORRUPT]
    assert _files_under(tmp_path / "dest") == []


def test_duplicate_names_keep_only_the_first(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "dup.zip", {"Giấy khai sinh.png": b"first", "GIẤY KHAI SINH.png": b"again"})
    result = extract_zip(archive, tmp_path / "dest", Settings())
    assert result.files == ["Giấy khai sinh.png"]
    assert [(name, p.code) for name, p in result.rejected] == [
        ("GIẤY KHAI SINH.png", Reason.UNSAFE_ARCHIVE_MEMBER)]
    assert (tmp_path / "dest" / "Giấy khai sinh.png").read_bytes() == b"first"


def test_damaged_member_leaves_no_file(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "crc.zip", {"page.png": b"A" * 4096, "ok.png": b"fine"}, zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    data[data.find(b"A" * 4096) + 100] = ord("B")  # stored data no longer matches its CRC
    archive.write_bytes(bytes(data))
    result = extract_zip(archive, tmp_path / "dest", Settings())
    assert result.files == ["ok.png"]
    assert [(name, p.code) for name, p in result.rejected] == [("page.png", Reason.CORRUPT)]
    assert _files_under(tmp_path / "dest") == ["ok.png"]


def test_unopenable_archive_is_one_rejection(tmp_path: Path) -> None:
    archive = tmp_path / "scans.zip"
    archive.write_bytes(b"PK\x03\x04" + bytes(200))
    assert [p.code for p in preflight(archive, Settings()).problems] == [Reason.CORRUPT]
    result = extract_zip(archive, tmp_path / "dest", Settings())
    assert result.files == [] and [(n, p.code) for n, p in result.rejected] == [("scans.zip", Reason.CORRUPT)]


# --- never raises -----------------------------------------------------------------------------------

_MAGICS = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"II+\x00", b"%PDF-1.7\n",
           b"PK\x03\x04", b"PK\x05\x06", b""]
_FUZZ = hypothesis_settings(max_examples=150, deadline=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_verdict(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    result = preflight(path, Settings())
    assert result.kind is not None or result.problems
    assert {p.code for p in result.problems} <= QUARANTINE_REASONS
    assert result.size == len(data)


@_FUZZ
@given(data=st.binary(max_size=4096))
def test_sniff_never_raises(data: bytes) -> None:
    assert sniff(data) in {*FileKind, None}


@_FUZZ
@given(magic=st.sampled_from(_MAGICS), tail=st.binary(max_size=4096))
def test_preflight_never_raises_on_arbitrary_bytes(magic: bytes, tail: bytes, tmp_path: Path) -> None:
    _assert_verdict(tmp_path / "fuzz.bin", magic + tail)


@pytest.fixture(scope="module")
def valid_bytes(valid_folder) -> list[bytes]:
    folder, _ = valid_folder
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("page.png", (folder / "page.png").read_bytes())
    return [(folder / name).read_bytes() for name in sorted(bad.VALID_INPUTS)] + [zipped.getvalue()]


@_FUZZ
@given(which=st.integers(0, len(bad.VALID_INPUTS)), cut=st.floats(0, 1), position=st.floats(0, 1),
       noise=st.binary(min_size=1, max_size=64))
def test_preflight_never_raises_on_damaged_valid_files(valid_bytes: list[bytes], which: int, cut: float,
                                                       position: float, noise: bytes, tmp_path: Path) -> None:
    """Real files cut short and overwritten in place reach deep into the image, PDF and zip parsers."""
    data = bytearray(valid_bytes[which][: max(1, int(len(valid_bytes[which]) * cut))])
    start = int(len(data) * position)
    data[start:start + len(noise)] = noise
    _assert_verdict(tmp_path / "fuzz.bin", bytes(data))



def test_a_photo_printed_to_pdf_is_measured_at_the_resolution_it_will_be_read_at(tmp_path: Path) -> None:
    """A 1280 x 960 photo on a 72 dpi page is 5,333 x 4,000 pixels at 300 dpi, yet read as its own
    1.2 megapixels (ocr.pdf.reading_dpi): it passes a 5-megapixel limit; an A4 scan at 200 dpi, read
    at 300, does not."""
    photo, scan = tmp_path / "photo.pdf", tmp_path / "scan.pdf"
    bad.page_image(1, (1280, 960)).convert("RGB").save(photo, "PDF", resolution=72)
    bad.page_image(2, (1654, 2339)).convert("RGB").save(scan, "PDF", resolution=200)
    limit = Settings(max_page_pixels=5_000_000)
    assert preflight(photo, limit).problems == []
    assert [(p.code, p.page) for p in preflight(scan, limit).problems] == [(Reason.TOO_MANY_PIXELS, 1)]
