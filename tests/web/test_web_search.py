"""An officer finds a citizen's papers the ways people actually ask, then opens them."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
from fastapi.testclient import TestClient

from schemas.accounts import AuditAction
from schemas.identity import IdSource
from schemas.search import MatchKind
from tests.web.conftest import Site
from tests.web.fixtures import COVERED, CT07, DOSSIER, EXPIRED, OTHER_PETITION, PETITION, VALID
from web import labels

# The web service's API on both catalogs (tests/web/conftest.py).
BOTH_CATALOGS = True

TIERS = list(MatchKind)


@pytest.fixture(scope="module")
def officer(site: Site) -> TestClient:
    return site.client("can-bo")


def hits(client: TestClient, **params: object) -> list[dict]:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def names(found: list[dict]) -> list[str]:
    return [hit["original_name"] for hit in found]


def test_a_whole_id_number_finds_the_card_first(officer: TestClient) -> None:
    found = hits(officer, q=VALID.id_number)
    assert names(found)[0] == VALID.file and found[0]["match"] == "id"
    assert found[0]["full_name"] == VALID.full_name


def test_the_last_digits_of_the_number_find_the_card(officer: TestClient) -> None:
    found = hits(officer, q=VALID.id_number[-6:])
    assert VALID.file in names(found)
    assert all(hit["id_number"].endswith(VALID.id_number[-6:]) for hit in found if hit["match"] == "id_suffix")


def test_the_old_cmnd_number_finds_the_new_card(officer: TestClient) -> None:
    found = hits(officer, q=VALID.old_id_number)
    assert names(found)[0] == VALID.file and found[0]["match"] == "alias"


@pytest.mark.parametrize("typed", ["nguyen thanh giang", "NGUYEN THANH GIANG", "Nguyễn Thanh Giang",
                                   "nguyen thanh gaing", "nguyen tanh giang"])
def test_a_name_with_or_without_marks_or_with_a_typo_finds_the_person(officer: TestClient, typed: str) -> None:
    found = hits(officer, q=typed)
    assert names(found)[0] == VALID.file
    assert found[0]["match"] in ("name", "name_fuzzy")


def test_tiers_never_mix_exact_ids_first_then_names_then_text(officer: TestClient) -> None:
    for query in (VALID.id_number, "phan", "giang", "001"):
        ranks = [TIERS.index(MatchKind(hit["match"])) for hit in hits(officer, q=query, page_size=100)]
        assert ranks == sorted(ranks), query


def test_date_of_birth_document_type_and_dossier_filters_combine(officer: TestClient) -> None:
    assert names(hits(officer, date_of_birth=VALID.date_of_birth)) == [VALID.file]
    year, month, day = VALID.date_of_birth.split("-")
    assert names(hits(officer, date_of_birth=f"{day}/{month}/{year}")) == [VALID.file]  # as officers type it
    assert names(hits(officer, q="phan", date_of_birth=EXPIRED.date_of_birth)) == [EXPIRED.file]
    assert names(hits(officer, doc_type="residence_confirmation")) == [CT07]
    in_dossier = set(names(hits(officer, dossier_code=DOSSIER.lower())))
    assert in_dossier == {VALID.file, EXPIRED.file, COVERED.file, CT07, PETITION}
    assert names(hits(officer, dossier_code=DOSSIER, doc_type="residence_confirmation")) == [CT07]
    assert hits(officer, dossier_code=DOSSIER, procedure_code="9.999") == []
    assert set(names(hits(officer, created_from="2020-01-01", status="needs_review"))) >= {COVERED.file}


def test_full_text_without_marks_finds_the_petition_with_its_words_highlighted(officer: TestClient) -> None:
    found = hits(officer, q="trich luc ho tich")
    assert names(found)[0] == PETITION and found[0]["match"] == "text"
    assert "«TRÍCH LỤC HỘ TỊCH»" in found[0]["snippet"].upper()
    page = officer.get("/search", params={"q": "trich luc ho tich"}).text
    assert re.search(r"<mark>trích lục hộ tịch</mark>", page, re.IGNORECASE)


def test_results_page_through_without_repeating(officer: TestClient) -> None:
    first = officer.get("/api/search", params={"dossier_code": DOSSIER, "page_size": 2}).json()
    second = officer.get("/api/search", params={"dossier_code": DOSSIER, "page_size": 2, "page": 2}).json()
    third = officer.get("/api/search", params={"dossier_code": DOSSIER, "page_size": 2, "page": 3}).json()
    assert first["has_next"] and second["has_next"] and not third["has_next"]
    seen = names(first["hits"]) + names(second["hits"]) + names(third["hits"])
    assert len(seen) == len(set(seen)) == 5


def test_a_result_shows_type_thumbnail_date_source_dossier_and_validity(officer: TestClient) -> None:
    page = officer.get("/search", params={"q": "phan"}).text
    expired = page[page.index(f'data-document="{hits(officer, q=EXPIRED.id_number)[0]["id"]}"'):]
    expired = expired[:expired.index("</article>")]
    assert "CCCD gắn chip" in expired and "Hết hiệu lực" in expired and "/thumbnail" in expired
    assert "hồ sơ gốc <a" in expired and DOSSIER in expired and "Số hóa " in expired
    assert "Giấy tờ đã hết hạn (có giá trị đến 27/10/2026)" in expired
    valid = hits(officer, q=VALID.id_number)[0]
    assert valid["reusability"]["reusable"] and valid["thumbnail"]
    ct07 = hits(officer, doc_type="residence_confirmation")[0]
    assert not ct07["reusability"]["reusable"] and ct07["reusability"]["valid_until"] == "2025-03-15"


def test_an_officer_sees_only_what_the_office_may_see(site: Site, officer: TestClient) -> None:
    theirs = site.ingested.document_id(OTHER_PETITION)
    assert OTHER_PETITION not in names(hits(officer, q="uy quyen"))
    assert officer.get(f"/api/documents/{theirs}").status_code == 404
    assert officer.get(f"/documents/{theirs}/pdf").status_code == 404
    other = site.client("can-bo-h13")
    found = hits(other, q="uy quyen")
    assert names(found) == [OTHER_PETITION]
    # A paper of no known type, named by no component, is titled by the heading read at its top.
    assert found[0]["doc_type"] == "other" and found[0]["heading"] == "GIẤY ỦY QUYỀN"
    page = other.get("/search", params={"q": "uy quyen"}).text
    assert re.search(r"<h2><a [^>]*>Giấy ủy quyền</a>", page)
    assert VALID.file not in names(hits(other, q=VALID.id_number))
    assert OTHER_PETITION in names(hits(site.client("quan-tri"), q="uy quyen"))  # province-wide


def test_opening_streams_the_searchable_pdf_and_the_audit_log_records_it(site: Site, officer: TestClient) -> None:
    document_id = site.ingested.document_id(PETITION)
    opened = officer.get(f"/documents/{document_id}/pdf")
    assert opened.status_code == 200 and opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline")
    with pdfplumber.open(io.BytesIO(opened.content)) as pdf:
        assert "TRÍCH LỤC" in pdf.pages[0].extract_text().upper()
    saved = officer.get(f"/documents/{document_id}/pdf", params={"download": 1})
    assert saved.headers["content-disposition"].startswith("attachment") and saved.content == opened.content
    thumbnail = officer.get(f"/documents/{document_id}/thumbnail")
    assert thumbnail.headers["content-type"] == "image/jpeg" and thumbnail.content[:2] == b"\xff\xd8"
    actions = [(e.action, e.detail.get("object")) for e in site.catalog.accounts.find_audit(username="can-bo",
                                                                                   document_id=document_id)]
    assert actions[:3] == [(AuditAction.VIEW, "thumbnail"), (AuditAction.DOWNLOAD, "searchable_pdf"),
                           (AuditAction.VIEW, "searchable_pdf")]  # a thumbnail shows a legible card too


def test_every_search_is_audited_with_what_was_asked_and_found(site: Site, officer: TestClient) -> None:
    hits(officer, q=VALID.id_number, doc_type="id_cccd2021")
    entry = site.catalog.accounts.find_audit(username="can-bo", action=AuditAction.SEARCH, limit=1)[0]
    assert entry.detail["q"] == VALID.id_number and entry.detail["doc_type"] == "id_cccd2021"
    assert entry.detail["results"] == [site.ingested.document_id(VALID.file)]
    assert entry.client == "testclient" and entry.at is not None


def test_the_search_page_opens_on_the_offices_newest_papers_and_counts_what_it_shows(officer: TestClient) -> None:
    landing = officer.get("/search")
    assert "Giấy tờ số hóa gần đây" in landing.text
    shown = re.findall(r'<article class="hit card" data-document="([^"]+)"', landing.text)
    newest = [hit["id"] for hit in hits(officer, page_size=10)]  # no criteria: newest first
    assert shown == newest and shown
    token = re.search(r'name="csrf_token" value="([^"]+)"', landing.text)[1]
    found = officer.post("/search", data={"q": "phan", "csrf_token": token}, follow_redirects=True)
    count = len(re.findall(r'<article class="hit card"', found.text))
    assert f"Kết quả 1–{count}." in found.text and "Trang 1" not in found.text  # one page: no pager
    nothing = officer.post("/search", data={"q": "khongcoaitenthe", "csrf_token": token}, follow_redirects=True)
    assert "Không tìm thấy giấy tờ nào. Hãy thử bớt bộ lọc" in nothing.text and "Trang 1" not in nothing.text


def test_results_can_be_sorted_newest_first_and_the_form_keeps_the_choice(officer: TestClient) -> None:
    reordered = 0
    for query in ("phan", "giang", "001", "nguyen", "ho tich", "cu tru"):
        best = hits(officer, q=query, page_size=100)
        newest = hits(officer, q=query, sort="newest", page_size=100)
        assert {hit["id"] for hit in newest} == {hit["id"] for hit in best}, query
        created = [hit["created_at"] for hit in newest]
        assert created == sorted(created, reverse=True), query
        reordered += [hit["id"] for hit in newest] != [hit["id"] for hit in best]
    assert reordered  # the order asked for is not the best-first order by chance
    token = re.search(r'name="csrf_token" value="([^"]+)"', officer.get("/search").text)[1]
    page = officer.post("/search", data={"q": "phan", "sort": "newest", "csrf_token": token},
                        follow_redirects=True).text
    assert '<option value="newest" selected>Mới số hóa trước</option>' in page
    shown = re.findall(r'<article class="hit card" data-document="([^"]+)"', page)
    assert shown == [hit["id"] for hit in hits(officer, q="phan", sort="newest")][:len(shown)] and shown


def test_an_officer_keeps_a_search_and_runs_it_again_from_the_search_page(site: Site) -> None:
    officer, other = site.client("can-bo"), site.client("can-bo-h13")
    token = re.search(r'name="csrf_token" value="([^"]+)"', officer.get("/search").text)[1]
    results = officer.post("/search", data={"q": "phan", "sort": "newest", "csrf_token": token},
                           follow_redirects=True)
    sealed = re.search(r'name="s" value="([^"]+)"', results.text)[1]
    assert "phan" not in results.url.query.decode()  # what was typed stays out of addresses
    kept = officer.post("/search/saved", data={"name": "  Hồ sơ   họ Phan ", "s": sealed, "csrf_token": token},
                        follow_redirects=True)
    assert "Đã lưu tìm kiếm." in kept.text
    link = re.search(r'<li><a href="([^"]+)">Hồ sơ họ Phan</a>', kept.text)
    assert link, "the landing page lists the kept search by its name"
    again = officer.get(link[1].replace("&amp;", "&"))
    shown = re.findall(r'<article class="hit card" data-document="([^"]+)"', again.text)
    assert shown == [hit["id"] for hit in hits(officer, q="phan", sort="newest")][:len(shown)] and shown
    assert '<option value="newest" selected>' in again.text  # the sort order was kept too
    saved_id = re.search(r'action="/search/saved/(\d+)/delete"', kept.text)[1]
    other_token = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/search").text)[1]
    assert "Hồ sơ họ Phan" not in other.get("/search").text  # another officer neither sees it ...
    other.post(f"/search/saved/{saved_id}/delete", data={"csrf_token": other_token})
    assert "Hồ sơ họ Phan" in officer.get("/search").text  # ... nor can delete it
    deleted = officer.post(f"/search/saved/{saved_id}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Đã xóa tìm kiếm đã lưu." in deleted.text and "Hồ sơ họ Phan" not in deleted.text
    expired = officer.post("/search/saved", data={"name": "x", "s": "khong-phai-lien-ket", "csrf_token": token},
                           follow_redirects=True)
    assert "Liên kết tìm kiếm đã hết hạn nên chưa lưu được" in expired.text


@pytest.mark.parametrize(("doc_type", "component", "expected"), [
    ("other", "Giấy ủy quyền", "Giấy ủy quyền"),  # what the scanning staff called it
    ("other", None, "Giấy tờ khác"),
    ("birth_certificate", "Bản sao", "Giấy khai sinh"),  # a known type names itself
    ("application", None, "Tờ khai, đơn đề nghị"),
])
def test_a_paper_of_no_known_type_is_titled_by_its_dossier_component(doc_type: str, component: str | None,
                                                                    expected: str) -> None:
    assert labels.title(doc_type, component) == expected


def test_every_source_of_a_machine_read_field_is_named_in_vietnamese() -> None:
    assert set(labels.SOURCES) == {source.value for source in IdSource}
