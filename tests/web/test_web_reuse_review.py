"""Reuse in a new dossier (validity enforced) and the review queue (corrections kept beside the
machine's reading), as an officer and a reviewer do it; the audit log shows all of it."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cli import app as sohoa
from schemas.accounts import AuditAction
from schemas.document import FileStatus
from schemas.search import Scope
from tests.web.conftest import Site
from tests.web.fixtures import COVERED, CT07, DOSSIER, EXPIRED, VALID
from web.security import CSRF_HEADER

# The web service's API on both catalogs (tests/web/conftest.py).
BOTH_CATALOGS = True

NEW_DOSSIER = "000.00.12.H12-261123-0042"


def csrf(client: TestClient, page: str = "/dossiers") -> dict[str, str]:
    return {CSRF_HEADER: re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)[1]}


@pytest.fixture(scope="module")
def officer(site: Site) -> TestClient:
    client = site.client("can-bo")
    client.headers.update(csrf(client))
    return client


@pytest.fixture(scope="module")
def reviewer(site: Site) -> TestClient:
    client = site.client("duyet")
    client.headers.update(csrf(client, "/review"))
    return client


def test_a_dossier_code_is_validated_and_a_new_dossier_belongs_to_the_office(site: Site, officer: TestClient) -> None:
    bad = officer.post("/api/dossiers", json={"code": "HS-2026-0042"})
    assert bad.status_code == 409 and "Mã hồ sơ không hợp lệ" in bad.json()["detail"]
    page = officer.post("/dossiers", data={"code": "000.00.12.H12-261341-0042"})  # 41st of the 13th month
    assert page.status_code == 409 and "Mã hồ sơ không hợp lệ" in page.text
    made = officer.post("/api/dossiers", json={"code": NEW_DOSSIER.lower(), "procedure_code": "1.004"}).json()
    assert made["code"] == NEW_DOSSIER and made["office_code"] == "H12" and made["receipt_date"] == "2026-11-23"
    assert officer.post("/api/dossiers", json={"code": NEW_DOSSIER}).json() == made  # looked up, not remade
    assert site.client("can-bo-h13").get(f"/api/dossiers/{NEW_DOSSIER}").status_code == 404


def test_a_valid_card_is_reused_without_asking_the_citizen_again(site: Site, officer: TestClient) -> None:
    card = site.ingested.document_id(VALID.file)
    done = officer.post("/reuse", data={"dossier_code": NEW_DOSSIER, "document_id": card,
                                        "direction": "input", "component": "Bản sao CCCD"})
    assert done.status_code == 303 and done.headers["location"] == f"/dossiers/{NEW_DOSSIER}"
    link = next(d for d in site.catalog.people.get_dossier(NEW_DOSSIER).documents if d.document_id == card)
    assert link.reused and link.source_dossier == DOSSIER and link.attached_by == "can-bo"
    assert link.component == "Bản sao CCCD" and link.override_reason is None
    page = officer.get(f"/dossiers/{NEW_DOSSIER}").text
    row = page[page.index(f'data-document="{card}"'):]
    assert "Tái sử dụng" in row[:row.index("</tr>")] and DOSSIER in row[:row.index("</tr>")]


@pytest.mark.parametrize("file", [EXPIRED.file, CT07])
def test_an_expired_paper_needs_an_explicit_reason_to_be_reused(site: Site, officer: TestClient, file: str) -> None:
    document_id = site.ingested.document_id(file)
    refused = officer.post(f"/api/dossiers/{NEW_DOSSIER}/documents", json={"document_id": document_id})
    assert refused.status_code == 409 and "Muốn vẫn dùng, hãy ghi rõ lý do" in refused.json()["detail"]
    page = officer.post("/reuse", data={"dossier_code": NEW_DOSSIER, "document_id": document_id})
    assert page.status_code == 409 and "Muốn vẫn dùng, hãy ghi rõ lý do" in page.text
    assert all(d.document_id != document_id for d in site.catalog.people.get_dossier(NEW_DOSSIER).documents)
    reason = "Công dân đang chờ cấp lại, cán bộ đã đối chiếu bản chính"
    kept = officer.post(f"/api/dossiers/{NEW_DOSSIER}/documents",
                        json={"document_id": document_id, "override_reason": reason})
    assert kept.status_code == 200 and kept.json()["override_reason"] == reason and kept.json()["reused"]


def test_the_review_queue_lists_what_needs_a_look_with_its_reasons(site: Site, reviewer: TestClient) -> None:
    queue = reviewer.get("/review").text
    covered = site.ingested.document_id(COVERED.file)
    row = queue[queue.index(f'data-document="{covered}"'):]
    assert "không đọc được mã QR" in row[:row.index("</tr>")]
    page = reviewer.get(f"/review/{covered}").text
    # The card cut out of the A4 copy is shown, the whole scan one link away.
    assert f'src="/documents/{covered}/card"' in page and f'value="{COVERED.id_number}"' in page
    assert f'href="/documents/{covered}/image"' in page
    card = reviewer.get(f"/documents/{covered}/card")
    assert card.status_code == 200 and card.headers["content-type"] == "image/jpeg"
    image = reviewer.get(f"/documents/{covered}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_a_correction_is_kept_beside_the_machine_value_and_confirming_makes_the_record_ok(
        site: Site, reviewer: TestClient) -> None:
    covered = site.ingested.document_id(COVERED.file)
    machine = site.catalog.batches.get_document(covered).identity
    wrong = reviewer.post(f"/review/{covered}", data={"id_number": "12345", "action": "save"})
    assert wrong.status_code == 422 and "Số định danh không hợp lệ" in wrong.text
    bad_day = reviewer.post(f"/review/{covered}", data={"date_of_birth": "31/02/1995", "full_name": "Phan Ngọc",
                                                        "action": "save"})
    assert bad_day.status_code == 422 and "Ngày sinh: cần là một ngày có thật, dạng dd/mm/yyyy" in bad_day.text
    assert 'value="31/02/1995"' in bad_day.text and 'value="Phan Ngọc"' in bad_day.text  # what was typed stays
    assert site.catalog.review.get_corrections(covered) == []
    saved = reviewer.post(f"/review/{covered}", data={"full_name": COVERED.full_name, "sex": "M",
                                                      "id_number": COVERED.id_number, "action": "save"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/review/{covered}"
    name_fix = next(c for c in site.catalog.review.get_corrections(covered) if c.field == "full_name")
    assert name_fix.value == COVERED.full_name and name_fix.corrected_by == "duyet"
    assert name_fix.machine_value == (machine.full_name.value if machine.full_name else None)
    assert site.catalog.batches.get_document(covered).status == FileStatus.NEEDS_REVIEW  # saved, not confirmed
    page = reviewer.get(f"/review/{covered}").text
    assert 'name="sex" value="Nam"' in page  # shown as officers write it
    day, month, year = COVERED.date_of_birth[8:], COVERED.date_of_birth[5:7], COVERED.date_of_birth[:4]
    confirmed = reviewer.post(f"/review/{covered}", data={"date_of_birth": f"{day}/{month}/{year}",
                                                          "action": "confirm"})
    waiting = [hit.id for hit in site.catalog.search.find_review_queue(Scope(office_code="H12"), limit=1)]
    assert confirmed.headers["location"] == (f"/review/{waiting[0]}" if waiting else "/review")  # next paper
    document = site.catalog.batches.get_document(covered)
    assert document.status == FileStatus.OK and document.identity == machine  # machine values kept
    assert f'data-document="{covered}"' not in reviewer.get("/review").text
    person = site.catalog.people.get_person(COVERED.id_number)
    assert person.full_name == COVERED.full_name and person.date_of_birth == COVERED.date_of_birth
    found = site.client("can-bo").get("/api/search", params={"q": "phan ngoc phuc"}).json()["hits"]
    assert found[0]["id"] == covered and found[0]["full_name"] == COVERED.full_name


def test_a_corrected_number_moves_the_card_to_the_right_person(site: Site, reviewer: TestClient) -> None:
    card = site.ingested.document_id(EXPIRED.file)
    right = "001301900823"  # what the reviewer reads on the card in this scenario
    # The card was read without doubt, so it is not in the queue: a reviewer may not touch it...
    assert reviewer.post(f"/api/review/{card}", json={"values": {"id_number": right}}).status_code == 409
    admin = site.client("quan-tri")  # ...an administrator may
    admin.headers.update(csrf(admin, "/review"))
    done = admin.post(f"/api/review/{card}", json={"values": {"id_number": right}, "confirm": True})
    assert done.status_code == 200 and [c["field"] for c in done.json()] == ["id_number"]
    assert card in site.catalog.people.get_person(right).document_ids
    assert card not in site.catalog.people.get_person(EXPIRED.id_number).document_ids
    officer = site.client("can-bo")
    assert officer.get("/api/search", params={"q": right}).json()["hits"][0]["id"] == card


def test_the_audit_log_holds_every_act_and_cannot_be_rewritten(site: Site) -> None:
    actions = {(e.username, e.action) for e in site.catalog.accounts.find_audit(limit=1000)}
    assert {("can-bo", AuditAction.DOSSIER), ("can-bo", AuditAction.REUSE), ("duyet", AuditAction.CORRECT),
            ("duyet", AuditAction.CONFIRM), ("duyet", AuditAction.VIEW), ("can-bo", AuditAction.LOGIN)} <= actions
    override = next(e for e in site.catalog.accounts.find_audit(action=AuditAction.REUSE)
                    if e.document_id == site.ingested.document_id(CT07))
    assert override.dossier_code == NEW_DOSSIER and override.detail["override_reason"]
    listed = CliRunner().invoke(sohoa, ["audit", "--user", "duyet", "--action", "confirm", "--json"],
                                env={"SOHOA_DATA_DIR": str(site.data)}, catch_exceptions=False)
    confirmed = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {entry["document_id"] for entry in confirmed} == {site.ingested.document_id(COVERED.file)}
    assert all(date.fromisoformat(entry["at"][:10]) and entry["client"] == "testclient" for entry in confirmed)
    for statement in ("UPDATE audit_log SET username = 'someone-else'", "DELETE FROM audit_log"):
        with site.catalog.database.engine.begin() as db, pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))


def test_the_audit_page_says_what_each_act_was_in_vietnamese(site: Site) -> None:
    page = site.client("quan-tri").get("/audit", params={"action": "reuse"})
    assert page.status_code == 200
    details = re.findall(r"<td><small>(.*?)</small></td>", page.text)
    assert details and any("Thành phần hồ sơ (đầu vào)" in d or "Kết quả (đầu ra)" in d for d in details)
    assert any("lý do dùng giấy tờ hết hạn:" in d for d in details)
    assert not any("=" in d or "None" in d or "override_reason" in d for d in details)
