"""What an outside probe with accounts in two offices found, each closed and kept closed (issue 10).

Every test here failed on the service as the probe found it: another office's dossier code accepted,
bodies parsed before anyone was asked who they are, a lock-out anybody could turn against an officer
and that ten concurrent guesses slipped past, an old CMND number learned in another office shown to
this one, reviewers correcting papers outside their queue, accounts that could not be switched off,
weak passwords, and 500s on edge inputs.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli import app as sohoa
from schemas.accounts import AuditAction, AuditEntry
from tests.web.conftest import Site, login
from tests.test_catalog import make_document
from tests.web.fixtures import DOSSIER, PASSWORD, VALID
from web.auditing import GroupCommit
from web.gate import FORM_BYTES
from web.security import CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE

# The web service's API on both catalogs (tests/web/conftest.py).
BOTH_CATALOGS = True

H12_NEW = "000.00.12.H12-250102-0042"


def bearer(site: Site, username: str) -> dict[str, str]:
    made = CliRunner().invoke(sohoa, ["user", "token", username], env={"SOHOA_DATA_DIR": str(site.data)},
                              catch_exceptions=False)
    return {"Authorization": f"Bearer {made.stdout.strip()}"}


def csrf(client: TestClient, page: str) -> dict[str, str]:
    return {CSRF_HEADER: re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)[1]}


def cli(site: Site, *args: str, stdin: str | None = None):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(sohoa, list(args), input=stdin, env={"SOHOA_DATA_DIR": str(site.data)},
                              catch_exceptions=False)


# --- 1 (high) and 12: dossiers belong to the office whose agency code they carry ------------------


def test_an_office_cannot_open_a_dossier_under_another_offices_agency_code(site: Site) -> None:
    h13 = bearer(site, "can-bo-h13")
    claimed = site.client().post("/api/dossiers", json={"code": H12_NEW}, headers=h13)
    assert claimed.status_code == 409 and "đơn vị khác" in claimed.json()["detail"]
    assert site.catalog.people.get_dossier(H12_NEW) is None
    # the same answer for another office's existing dossier: no oracle of what exists
    existing = site.client().post("/api/dossiers", json={"code": DOSSIER}, headers=h13)
    assert (existing.status_code, existing.json()) == (claimed.status_code, claimed.json())
    # the rightful office opens its own code
    own = site.client().post("/api/dossiers", json={"code": H12_NEW}, headers=bearer(site, "can-bo"))
    assert own.status_code == 200 and own.json()["office_code"] == "H12"


def test_a_scanner_cannot_upload_into_another_offices_dossier(site: Site) -> None:
    scanner = site.client("so-hoa")
    scanner.headers.update(csrf(scanner, "/upload"))
    refused = scanner.post("/upload", data={"dossier_code": "000.00.13.H13-250901-0002", "direction": "input",
                                            "procedure_code": "", "components": [""]},
                           files=[("files", ("a.png", io.BytesIO(b"\x89PNG\r\n\x1a\n"), "image/png"))])
    assert refused.status_code == 422 and "đơn vị khác" in refused.text  # the form again, with the reason
    assert not any((site.data / "inbox").glob("*/a.png"))


# --- 2: nobody's body is read before they are known, and no body is larger than its route takes ---


def test_an_anonymous_body_is_refused_before_it_is_read(site: Site) -> None:
    """401, not 422: the JSON (malformed as well as big) was never parsed."""
    answer = site.client().post("/api/dossiers", content=b"{" * 50_000,
                                headers={"content-type": "application/json"})
    assert answer.status_code == 401 and answer.json()["detail"] == "not_authenticated"


def test_a_body_larger_than_its_route_takes_is_refused_with_413(site: Site) -> None:
    h12 = bearer(site, "can-bo")
    declared = site.client().post("/api/dossiers", content=b"{" + b" " * FORM_BYTES + b"}",
                                  headers={**h12, "content-type": "application/json"})
    assert declared.status_code == 413 and "quá lớn" in declared.json()["message"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"code": "'
        for _ in range(10):
            yield b"0" * (FORM_BYTES // 4)
        yield b'"}'

    streamed = site.client().post("/api/dossiers", content=chunked(),
                                  headers={**h12, "content-type": "application/json"})
    assert streamed.status_code == 413


# --- 3, 4, 7: a back-off per name and client that nobody can turn against an officer -------------


def wrong(client: TestClient, username: str, password: str = "sai-mat-khau-roi") -> str:
    client.get("/login")
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": client.cookies.get(LOGIN_COOKIE)})
    assert answer.status_code == 401
    return answer.text


def from_address(site: Site, address: str) -> TestClient:
    return TestClient(site.app, base_url="https://testserver", follow_redirects=False, client=(address, 50000))


def test_guessing_from_one_machine_never_locks_the_officer_out_of_another(site: Site) -> None:
    attacker = from_address(site, "10.0.0.66")
    for _ in range(5):
        page = wrong(attacker, "duyet")
    assert "tạm bị khóa đến" in page and "sohoa user unlock" in page
    waiting = site.catalog.accounts.get_blocked_until("duyet", "10.0.0.66", _now())
    assert waiting is not None
    wrong(attacker, "duyet", PASSWORD)  # even the right password waits there...
    assert site.catalog.accounts.get_blocked_until("duyet", "10.0.0.66", _now()) == waiting  # ...never extended
    assert login(from_address(site, "10.0.0.7"), "duyet") == "/"  # the officer's own machine
    assert cli(site, "user", "unlock", "duyet").exit_code == 0
    assert login(attacker, "duyet") == "/"


def test_concurrent_wrong_passwords_all_count_and_then_the_right_one_waits(site: Site) -> None:
    address = "10.0.0.99"

    def guess() -> None:
        wrong(from_address(site, address), "so-hoa")

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    throttled = site.catalog.accounts.get_blocked_until("so-hoa", address, _now())
    assert throttled is not None
    refused = from_address(site, address)
    assert "tạm bị khóa" in wrong(refused, "so-hoa", PASSWORD) and SESSION_COOKIE not in refused.cookies


def test_failed_logins_under_made_up_names_are_not_audited_without_end(site: Site) -> None:
    client = from_address(site, "10.0.0.200")
    for _ in range(30):
        client.get("/login")
        client.post("/login", data={"username": "khong-co-ai", "password": "x" * 12,
                                    "csrf_token": client.cookies.get(LOGIN_COOKIE)})
    rows = site.catalog.accounts.find_audit(username="khong-co-ai", action=AuditAction.LOGIN_FAILED, limit=1000)
    assert 5 <= len(rows) <= 10


# --- 5, 11: odd inputs get answers, never a 500 --------------------------------------------------


def test_a_refused_request_says_in_vietnamese_which_field_is_wrong_and_how_to_fix_it(site: Site) -> None:
    """Machine code for programs, a Vietnamese sentence for people; never the typed value."""
    api = site.client()
    headers = bearer(site, "can-bo")
    too_long = api.get("/api/search", params={"q": "9" * 201}, headers=headers)
    (problem,) = too_long.json()["detail"]
    assert too_long.status_code == 422 and problem["type"] == "string_too_long"
    assert problem["message"] == "Nội dung tìm: dài quá 200 ký tự — hãy rút gọn"
    assert "9" * 201 not in too_long.text
    bad_code = api.post("/api/dossiers", json={"code": "khong-phai-ma"}, headers=headers)
    assert bad_code.status_code in (409, 422), bad_code.text
    assert "mã hồ sơ cần có dạng MÃ.CƠ.QUAN-YYMMDD-XXXX" in bad_code.text  # with an example
    not_a_date = api.get("/api/search", params={"date_of_birth": "hôm qua"}, headers=headers)
    assert not_a_date.json()["detail"][0]["message"] == "Ngày sinh: cần là một ngày, dạng dd/mm/yyyy"


@pytest.mark.parametrize("query", [
    {"q": '"'}, {"q": "\x00"}, {"q": 'nguy"ễn'}, {"created_from": "0001-01-01"}, {"created_to": "9999-12-31"},
    {"date_of_birth": "9999-12-31"}, {"page": "100000000000000000000"},
])
def test_odd_searches_get_an_answer(site: Site, query: dict[str, str]) -> None:
    answer = site.client().get("/api/search", params=query, headers=bearer(site, "can-bo"))
    assert answer.status_code in (200, 422)


@pytest.mark.parametrize("path", ["/api/review?offset=100000000000000000000",
                                  "/api/audit?since=2024-01-01T00:00:00%2B14:00",
                                  "/audit?since=0001-01-01", "/audit?since=9999-12-31"])
def test_odd_paging_and_dates_get_an_answer(site: Site, path: str) -> None:
    admin = site.client("quan-tri")
    assert admin.get(path).status_code in (200, 422)


# --- 6: an old CMND number learned in one office is not shown to another --------------------------


def test_an_alias_from_another_offices_card_is_neither_shown_nor_a_way_in(site: Site) -> None:
    """H12 holds the citizen's card (which carries the old CMND number); H13 only a letter printing
    the 12-digit number: H13 sees the citizen, not the alias, and cannot look the citizen up by it."""
    batch = next(report.batch_id for name, report in site.ingested.reports.items() if name == "quay-h13")
    letter, pages, file = make_document("thu-h13", "thu_h13.pdf", [f"Giấy ủy quyền. CCCD số {VALID.id_number}."],
                                        batch_id=batch)
    site.catalog.batches.record_document(letter.model_copy(update={
        "office_code": "H13", "dossier_code": None, "people": [VALID.id_number]}), pages, file)
    h13 = bearer(site, "can-bo-h13")
    seen = site.client().post("/api/persons", json={"number": VALID.id_number}, headers=h13)
    assert seen.status_code == 200 and seen.json()["aliases"] == []
    assert site.client().post("/api/persons", json={"number": VALID.old_id_number}, headers=h13).status_code == 404
    h12 = site.client().post("/api/persons", json={"number": VALID.old_id_number}, headers=bearer(site, "can-bo"))
    assert h12.status_code == 200 and h12.json()["aliases"] == [VALID.old_id_number]


# --- 8, 9: accounts can be switched off, their grants end on any change, weak passwords refused ---


def test_disabling_an_account_ends_its_sessions_and_revokes_its_tokens(site: Site) -> None:
    browser, token = site.client("can-bo-h13"), bearer(site, "can-bo-h13")
    assert cli(site, "user", "disable", "can-bo-h13").exit_code == 0
    assert browser.get("/search").headers["location"].startswith("/login")
    assert site.client().get("/api/search", params={"q": "a"}, headers=token).status_code == 401
    assert cli(site, "user", "enable", "can-bo-h13").exit_code == 0
    assert site.client().get("/api/search", params={"q": "a"}, headers=token).status_code == 401  # stays revoked
    listed = cli(site, "user", "token", "list", "can-bo-h13")
    assert listed.exit_code == 0 and "api" in listed.output


def test_a_new_password_ends_the_old_sessions(site: Site) -> None:
    old = site.client("can-bo")
    assert cli(site, "user", "password", "can-bo", "--password-stdin", stdin="mot-cau-mat-khau-moi\n").exit_code == 0
    assert old.get("/search").headers["location"].startswith("/login")
    assert login(site.client(), "can-bo", "mot-cau-mat-khau-moi") == "/"
    assert cli(site, "user", "password", "can-bo", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 0


def test_revoking_a_token_by_label_leaves_the_others(site: Site) -> None:
    first = bearer(site, "duyet")
    labelled = cli(site, "user", "token", "duyet", "--label", "he-thong-tinh").stdout.strip()
    assert cli(site, "user", "token", "revoke", "duyet", "--label", "he-thong-tinh").exit_code == 0
    assert site.client().get("/api/review", headers={"Authorization": f"Bearer {labelled}"}).status_code == 401
    assert site.client().get("/api/review", headers=first).status_code == 200


def test_an_account_asked_without_its_office_or_with_two_different_passwords_is_refused_in_vietnamese(
        site: Site) -> None:
    no_office = cli(site, "user", "add", "moi", "--role", "officer", "--password-stdin", stdin=PASSWORD + "\n")
    assert no_office.exit_code == 2 and "--office" in no_office.stderr and "hãy" in no_office.stderr
    mismatch = cli(site, "user", "add", "moi", "--role", "officer", "--office", "H12",
                   stdin="mot-cau-mat-khau-dai\nmot-cau-mat-khau-khac\n")
    assert mismatch.exit_code == 2 and "không khớp" in mismatch.stderr
    assert "Mật khẩu" in mismatch.stdout and "Nhập lại mật khẩu" in mismatch.stdout
    assert site.catalog.accounts.get_user("moi") is None
    asked = cli(site, "user", "add", "moi", "--role", "officer", "--office", "H12",
                stdin="mot-cau-mat-khau-dai\nmot-cau-mat-khau-dai\n")
    assert asked.exit_code == 0 and site.catalog.accounts.get_user("moi") is not None


@pytest.mark.parametrize("password", ["ngan-qua", "a" * 14, " " * 12, "matkhau12345", "yeu-qua-1234567"])
def test_weak_passwords_are_refused(site: Site, password: str) -> None:
    made = cli(site, "user", "add", "yeu", "--role", "officer", "--office", "H12", "--password-stdin",
               stdin=password + "\n")
    assert made.exit_code == 2 and site.catalog.accounts.get_user("yeu") is None


# --- 10: reviewers correct only what waits for them, and only reasonable values -----------------


def test_a_reviewer_corrects_only_papers_in_the_queue_and_only_short_values(site: Site) -> None:
    reviewer = site.client("duyet")
    reviewer.headers.update(csrf(reviewer, "/review"))
    queued = reviewer.get("/api/review").json()[0]["id"]
    too_long = reviewer.post(f"/api/review/{queued}", json={"values": {"place_of_residence": "x" * 1000}})
    assert too_long.status_code == 409
    assert site.catalog.review.get_corrections(queued) == []


def _now():  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime.now(UTC)


# --- 7: denied attempts, thumbnails and reading the audit log are audited; health tells ----------


def test_refusals_and_reading_the_audit_log_are_audited(site: Site) -> None:
    officer = site.client("can-bo")
    assert officer.get("/audit").status_code == 403
    assert officer.get("/api/documents/khong-co-tai-lieu-nay").status_code == 404
    denied = site.catalog.accounts.find_audit(username="can-bo", action=AuditAction.DENIED, limit=10)
    assert {e.detail["route"] for e in denied} >= {"/audit", "/api/documents/{document_id}"}
    assert all("khong-co" not in str(e.detail) for e in denied)  # the pattern, never the URL's values
    admin = site.client("quan-tri")
    assert admin.get("/audit").status_code == 200
    assert site.catalog.accounts.find_audit(username="quan-tri", action=AuditAction.AUDIT_READ, limit=1)


def test_health_is_not_ok_while_the_audit_log_takes_no_entries(site: Site) -> None:
    auditor = site.app.state.auditor
    assert site.client().get("/health").status_code == 200
    auditor.failing = True  # as after a group that could not be written
    try:
        assert site.client().get("/health").status_code == 503
    finally:
        auditor.failing = False


def test_searches_answered_together_are_audited_in_one_transaction_before_any_answers(site: Site) -> None:
    groups: list[list[AuditEntry]] = []

    def write(entries: list[AuditEntry]) -> None:
        groups.append(entries)
        if len(groups) > 1:
            raise OSError("disk full")
        site.catalog.accounts.record_audit(*entries)

    auditor = GroupCommit(write)

    async def searches(first: int) -> list[BaseException | None]:
        return await asyncio.gather(*(auditor.record_soon(AuditEntry(
            username="can-bo", action=AuditAction.SEARCH, detail={"q": f"tim-{first + n}"})) for n in range(3)),
            return_exceptions=True)

    assert asyncio.run(searches(0)) == [None, None, None] and len(groups) == 1
    written = site.catalog.accounts.find_audit(username="can-bo", action=AuditAction.SEARCH, limit=3)
    assert sorted(entry.detail["q"] for entry in written) == ["tim-0", "tim-1", "tim-2"]
    assert all(entry.at is not None for entry in written)
    failed = asyncio.run(searches(3))  # the disk refuses the next group: none of its searches answers
    assert len(groups) == 2 and all(isinstance(outcome, OSError) for outcome in failed) and auditor.failing


# --- 5: what an officer types into the search form never reaches a URL ----------------------------


def test_a_search_typed_into_the_form_travels_sealed_not_in_the_url(site: Site) -> None:
    officer = site.client("can-bo")
    typed = {"q": VALID.full_name, "page_size": "1"}
    posted = officer.post("/search", data=typed, headers=csrf(officer, "/search"))
    link = posted.headers["location"]
    assert posted.status_code == 303 and link.startswith("/search?s=")
    folded = VALID.full_name.split()[-1].lower()
    assert folded not in link.lower() and VALID.id_number not in link  # nothing typed, nothing found
    results = officer.get(link).text
    assert f'data-document="{site.ingested.document_id(VALID.file)}"' in results
    assert f'value="{VALID.full_name}"' in results  # the form keeps what was typed
    number = officer.post("/search", data={"q": VALID.id_number}, headers=csrf(officer, "/search"))
    assert VALID.id_number not in number.headers["location"]


def test_a_forged_or_damaged_search_link_asks_to_search_again(site: Site) -> None:
    officer = site.client("can-bo")
    link = officer.post("/search", data={"q": VALID.full_name}, headers=csrf(officer, "/search")).headers["location"]
    damaged = officer.get(link[:-6] + "AAAAAA")
    assert damaged.status_code == 200 and "Hãy nhập lại điều cần tìm" in damaged.text
    assert "data-document=" not in damaged.text
    other_key = site.client("can-bo-h13").get(link)  # a sealed link works for any officer: still scoped
    assert f'data-document="{site.ingested.document_id(VALID.file)}"' not in other_key.text


def test_a_login_token_the_service_did_not_make_is_refused(site: Site) -> None:
    """A login CSRF: the attacker plants a cookie and posts the same value with their own account."""
    client = site.client()
    client.cookies.set(LOGIN_COOKIE, "chosen-by-the-attacker", domain="testserver")
    planted = client.post("/login", data={"username": "can-bo", "password": PASSWORD,
                                          "csrf_token": "chosen-by-the-attacker", "next": "/"})
    assert planted.status_code == 403
    assert login(site.client(), "can-bo") == "/"  # the form's own token still works


# --- 4: the admin's accounts page ---------------------------------------------------------------


def test_an_admin_manages_accounts_of_the_office_from_a_page(site: Site) -> None:
    admin = site.client("quan-tri")
    listed = admin.get("/accounts")
    assert listed.status_code == 200 and 'data-account="can-bo"' in listed.text
    token = bearer(site, "can-bo")
    officer = site.client("can-bo")
    changed = admin.post("/accounts/can-bo", data={"change": "disable"}, headers=csrf(admin, "/accounts"))
    assert changed.status_code == 200 and "Đã khóa tài khoản can-bo" in changed.text
    assert officer.get("/search").headers["location"].startswith("/login")  # the session ended
    assert site.client().get("/api/search", params={"q": "x"}, headers=token).status_code == 401
    weak = admin.post("/accounts/can-bo", data={"change": "password", "password": "123456789012"},
                      headers=csrf(admin, "/accounts"))
    assert weak.status_code == 422 and "phổ biến" in weak.text
    admin.post("/accounts/can-bo", data={"change": "enable"}, headers=csrf(admin, "/accounts"))
    assert login(site.client(), "can-bo") == "/"
    changes = site.catalog.accounts.find_audit(username="quan-tri", action=AuditAction.ACCOUNT, limit=5)
    assert [(e.detail["account"], e.detail["change"]) for e in changes][:2] == [("can-bo", "enable"),
                                                                              ("can-bo", "disable")]


def test_an_admin_cannot_reach_accounts_outside_the_office_nor_lock_themselves_out(site: Site) -> None:
    admin = site.client("quan-tri")
    me = admin.post("/accounts/quan-tri", data={"change": "disable"}, headers=csrf(admin, "/accounts"))
    assert me.status_code == 422 and "Không thể tự khóa" in me.text
    assert site.catalog.accounts.get_user("quan-tri").active
    office_admin = site.client("quan-tri-h13")
    page = office_admin.get("/accounts").text
    assert 'data-account="can-bo-h13"' in page and 'data-account="can-bo"' not in page
    other = office_admin.post("/accounts/can-bo", data={"change": "disable"}, headers=csrf(office_admin, "/accounts"))
    assert other.status_code == 404 and site.catalog.accounts.get_user("can-bo").active
    assert site.client("can-bo").get("/accounts").status_code == 403


def test_an_unknown_address_or_a_wrong_method_gets_the_sites_page_in_vietnamese(site: Site) -> None:
    browser = site.client("can-bo")
    missing = browser.get("/khong-co-trang-nay")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in missing.text and "trang chính" in missing.text
    assert "Not Found" not in missing.text and 'href="/search"' in missing.text  # in the site's layout
    wrong_method = browser.put("/search")
    assert wrong_method.status_code == 405 and "Thao tác không hợp lệ" in wrong_method.text
    api = site.client().get("/api/khong-co", headers=bearer(site, "can-bo"))
    assert api.status_code == 404 and api.json() == {"detail": "not_found", "message": api.json()["message"]}
    assert api.json()["message"].startswith("Địa chỉ này không có")
