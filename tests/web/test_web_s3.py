"""On an S3 object store the service hands out a short-lived presigned link after its own checks,
instead of streaming the object through itself, and an upload goes to the office's prefix of the S3
inbox, where a watcher on any machine finds it (SeaweedFS as the S3 server)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from flows.ingest import ingest_batch
from flows.watch import watch_inbox
from schemas.accounts import AuditAction
from schemas.settings import Settings
from storage.resources import resources
from tests.helpers import write_manifest, write_page
from tests.s3server import S3Endpoint
from tests.web.conftest import login
from tests.web.fixtures import ACCOUNTS, PASSWORD
from web.app import create_app
from web.security import CSRF_HEADER, hash_password

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def s3_site(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Endpoint,
            prefect_server: None) -> Iterator[tuple[TestClient, str]]:
    with pytest.MonkeyPatch.context() as env:
        root = tmp_path_factory.mktemp("web-s3")
        env.setenv("SOHOA_DATA_DIR", str(root / "data"))
        for name, value in {"OBJECT_STORE": "s3", "S3_ENDPOINT": s3_server.endpoint,
                            "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key,
                            "S3_BUCKET": f"sohoa-web-{secrets.token_hex(4)}"}.items():
            env.setenv(f"SOHOA_{name}", value)
        settings = Settings()
        folder = root / "quay-s3"  # given to the flow by path: `sohoa ingest` of a folder outside the inbox
        write_page(folder / "to_khai.png", 41, title="TỜ KHAI ĐĂNG KÝ KHAI SINH")
        write_manifest(folder, office_code="H12")
        report = ingest_batch(str(folder))
        for account in ("can-bo", "so-hoa"):
            resources(settings).catalog.accounts.record_user(ACCOUNTS[account], hash_password(PASSWORD))
        client = TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False)
        login(client, "can-bo")
        yield client, report.files[0].document_id


def test_an_upload_goes_to_the_offices_inbox_prefix_and_the_watcher_ingests_it_from_there(
        s3_site: tuple[TestClient, str], s3_server: S3Endpoint, tmp_path: Path) -> None:
    app = s3_site[0].app
    settings: Settings = app.state.settings
    scanner = TestClient(app, base_url="https://testserver", follow_redirects=False)
    login(scanner, "so-hoa")
    scanner.headers[CSRF_HEADER] = re.search(r'name="csrf_token" value="([^"]+)"', scanner.get("/upload").text)[1]
    write_page(tmp_path / "don.png", 43, title="ĐƠN ĐỀ NGHỊ")
    sent = scanner.post("/upload", data={"direction": "input", "components": ["Đơn đề nghị"]},
                        files=[("files", ("don.png", (tmp_path / "don.png").read_bytes(), "image/png"))])
    assert sent.status_code == 303, sent.text
    client, bucket = s3_server.client(), settings.s3_bucket
    [folder] = {o.object_name.split("/")[2] for o in client.list_objects(bucket, prefix="inbox/", recursive=True)}
    assert sorted(o.object_name for o in client.list_objects(bucket, prefix="inbox/", recursive=True)) == [
        f"inbox/H12/{folder}/batch.yaml", f"inbox/H12/{folder}/don.png"]
    assert not settings.inbox.exists()  # nothing on this machine another one would need

    assert watch_inbox() == [f"H12/{folder}"]
    progress = scanner.get("/api" + sent.headers["location"]).json()
    assert progress["state"] == "finished" and progress["files_done"] == 1
    assert list(client.list_objects(bucket, prefix="inbox/", recursive=True)) == []


def test_opening_a_pdf_on_s3_redirects_to_a_presigned_link_that_works_without_credentials(
        s3_site: tuple[TestClient, str], s3_server: S3Endpoint) -> None:
    client, document_id = s3_site
    opened = client.get(f"/documents/{document_id}/pdf")
    assert opened.status_code == 307
    link = opened.headers["location"]
    assert link.startswith(f"http://{s3_server.endpoint}/") and "X-Amz-Signature=" in link
    pdf = httpx.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    unsigned = httpx.get(link.split("?", 1)[0])
    assert unsigned.status_code == 403  # the bucket itself is not public
    entry = client.app.state.catalog.accounts.find_audit(document_id=document_id, limit=1)[0]
    assert entry.action == AuditAction.VIEW and entry.username == "can-bo"


def test_no_link_is_handed_out_without_an_account(s3_site: tuple[TestClient, str]) -> None:
    client, document_id = s3_site
    anonymous = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    refused = anonymous.get(f"/documents/{document_id}/pdf")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
