"""Scanning staff upload a batch in the browser; it lands in the watcher's inbox whole, is ingested by
the real watcher and flow, and the page shows the batch's report."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from flows.watch import ready_batches, watch_inbox
from schemas.accounts import Upload
from schemas.batch import BatchManifest
from schemas.messages import NEXT_STEPS
from storage.inbox import UploadRefused
from tests.helpers import folder_inbox, write_page, write_truncated_png
from tests.web.conftest import Site
from web.security import CSRF_HEADER

RESULT_DOSSIER = "000.00.12.H12-261120-0007"


@pytest.fixture(scope="module")
def scanner(site: Site) -> TestClient:
    client = site.client("so-hoa")
    client.headers[CSRF_HEADER] = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/upload").text)[1]
    return client


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("scans")
    write_page(folder / "giay_phep.png", 21, title="GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH")
    write_truncated_png(folder / "trang_loi.png")
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.fixture(scope="module")
def uploaded(site: Site, scanner: TestClient, scans: dict[str, bytes]) -> str:
    """A folder upload (names keep their sub-folder) as the upload page's script sends it."""
    response = scanner.post("/upload", data={
        "dossier_code": RESULT_DOSSIER, "procedure_code": "2.000", "direction": "output",
        "components": ["Giấy chứng nhận", "Trang lỗi"],
    }, files=[("files", (f"lo-1/{name}", io.BytesIO(data), "image/png")) for name, data in sorted(scans.items())])
    assert response.status_code == 303, response.text
    return response.headers["location"]


def inbox(site: Site) -> Path:
    return site.data / "inbox"


def test_the_upload_lands_in_the_inbox_as_one_batch_with_its_manifest(site: Site, uploaded: str,
                                                                      scanner: TestClient) -> None:
    folders = [p for p in inbox(site).iterdir() if p.name.startswith("tai-len-")]
    assert len(folders) == 1 and not any(p.name.startswith(".") for p in inbox(site).iterdir())
    batch = folders[0]
    assert sorted(p.relative_to(batch).as_posix() for p in batch.rglob("*") if p.is_file()) == \
        ["batch.yaml", "lo-1/giay_phep.png", "lo-1/trang_loi.png"]
    manifest = BatchManifest.model_validate(yaml.safe_load((batch / "batch.yaml").read_text(encoding="utf-8")))
    assert manifest.office_code == "H12" and manifest.operator == "so-hoa"  # the account's office, always
    assert manifest.dossier_code == RESULT_DOSSIER and manifest.direction == "output"
    assert manifest.files["lo-1/giay_phep.png"].component == "Giấy chứng nhận"
    waiting = scanner.get(uploaded).text
    assert "Đang chờ xử lý" in waiting and batch.name in waiting


def test_the_watcher_ingests_it_and_the_page_shows_the_report(site: Site, uploaded: str,
                                                              scanner: TestClient) -> None:
    started = watch_inbox()
    assert len(started) == 1 and started[0].startswith("tai-len-")
    page = scanner.get(uploaded).text
    assert "Hoàn tất một phần" in page
    broken = page[page.index('data-file="lo-1/trang_loi.png"'):]
    broken = broken[:broken.index("</tr>")]
    assert "Bị loại" in broken and "tệp bị cắt cụt" in broken and "Cần quét lại" in broken
    assert NEXT_STEPS["truncated"] in broken  # what to do, not only what went wrong
    good = page[page.index('data-file="lo-1/giay_phep.png"'):]
    assert "Hoàn tất" in good[:good.index("</tr>")]
    assert "/documents/" not in good[:good.index("</tr>")]  # a scanner may not open papers: no dead link
    progress = scanner.get("/api" + uploaded).json()
    assert progress["state"] == "finished" and progress["files_done"] == 2
    officer = site.client("can-bo")
    found = officer.get("/api/search", params={"dossier_code": RESULT_DOSSIER}).json()["hits"]
    assert [(hit["original_name"], hit["direction"], hit["component"]) for hit in found] == \
        [("lo-1/giay_phep.png", "output", "Giấy chứng nhận")]


def test_empty_wrong_or_repeated_files_are_refused_on_the_spot_and_the_form_is_kept(
        site: Site, uploaded: str, scanner: TestClient, scans: dict[str, bytes]) -> None:
    before = sorted(p.name for p in inbox(site).iterdir())
    refused = scanner.post("/upload", data={"dossier_code": RESULT_DOSSIER, "procedure_code": "2.000",
                                            "direction": "output"}, files=[
        ("files", ("rong.png", io.BytesIO(b""), "image/png")),
        ("files", ("ghi_chu.jpg", io.BytesIO("chỉ là chữ".encode()), "image/jpeg")),
        ("files", ("lai_lan_nua.png", io.BytesIO(scans["giay_phep.png"]), "image/png")),  # ingested above
    ])
    assert refused.status_code == 422 and "Chưa nhận lô: 3 tệp không dùng được" in refused.text
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)", refused.text))
    assert rows["rong.png"].startswith("Tệp rỗng (0 byte) — hãy quét lại")
    assert rows["ghi_chu.jpg"].startswith("Không phải ảnh quét PNG, JPEG, TIFF")
    assert rows["lai_lan_nua.png"].startswith("Đã số hóa rồi (tệp «lo-1/giay_phep.png»)")
    assert f'value="{RESULT_DOSSIER}"' in refused.text and 'value="2.000"' in refused.text
    assert '<option value="output" selected>' in refused.text
    assert sorted(p.name for p in inbox(site).iterdir()) == before  # nothing half-accepted


def test_unsafe_names_and_other_roles_are_refused(site: Site, scanner: TestClient) -> None:
    before = sorted(p.name for p in inbox(site).iterdir())
    evil = scanner.post("/upload", files=[("files", ("../../etc/x.png", io.BytesIO(b"x"), "image/png"))])
    assert evil.status_code == 422 and "tên tệp không hợp lệ" in evil.text
    manifest = scanner.post("/upload", files=[("files", ("batch.yaml", io.BytesIO(b"office_code: X"), "text/yaml"))])
    assert manifest.status_code == 422
    assert sorted(p.name for p in inbox(site).iterdir()) == before
    assert site.client("can-bo").get("/upload").status_code == 403


class _WatchedSource(io.BytesIO):
    """File bytes that look at the inbox, as the watcher would, while they are being written."""

    def __init__(self, data: bytes, inbox: Path) -> None:
        super().__init__(data)
        self.inbox, self.seen_during_write = inbox, None

    def read(self, size: int | None = -1) -> bytes:
        if self.seen_during_write is None:
            self.seen_during_write = ready_batches(folder_inbox(self.inbox), settle_seconds=0)
        return super().read(size)


def test_the_watcher_never_sees_half_an_upload(tmp_path: Path) -> None:
    source = _WatchedSource(b"\x89PNG" + b"0" * 5000, tmp_path)
    folder_inbox(tmp_path).put_batch("lo-a", [("a.png", source)], BatchManifest(), max_file_bytes=10_000, office_code="H12")
    assert source.seen_during_write == []
    assert [drop.name for drop in ready_batches(folder_inbox(tmp_path), settle_seconds=0)] == ["lo-a"]
    with pytest.raises(UploadRefused):
        folder_inbox(tmp_path).put_batch("lo-b", [("a.png", io.BytesIO(b"1" * 100)), ("b.png", io.BytesIO(b"2" * 20_000))],
                                   BatchManifest(), max_file_bytes=10_000, office_code="H12")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lo-a"]  # nothing half-written left behind


def test_an_upload_no_watcher_picks_up_says_so_instead_of_waiting_for_ever(site: Site, scanner: TestClient) -> None:
    for minutes, stalled in ((0, False), (30, True)):
        upload = Upload(id=f"cho-{minutes}", folder=f"tai-len-cho-{minutes}", username="so-hoa", office_code="H12",
                        direction="input", files=1, created_at=datetime.now(UTC) - timedelta(minutes=minutes))
        site.catalog.batches.record_upload(upload)
        page = scanner.get(f"/uploads/{upload.id}").text
        assert ("sohoa watch" in page and "có lẽ không chạy" in page) is stalled
        assert ("Đang chờ xử lý" in page) is not stalled
