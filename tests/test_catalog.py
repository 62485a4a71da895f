"""The catalog on a real SQLite file: schema, round trips, reruns, search, export, threads."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from schemas.accounts import AuditAction, AuditEntry, Role, User
from schemas.batch import BatchManifest, BatchReport, BatchStatus, FileReport
from schemas.document import (
    Document,
    FileKind,
    FileStatus,
    PageText,
    Problem,
    Reason,
    StoredObject,
    TextSource,
    Word,
)
from schemas.search import SAVED_SEARCHES, DocumentSummary, MatchKind, Scope, SearchRequest, SortOrder
from storage.catalog import Catalog
from storage.catalog.database import AUDIT_SCHEMA, migration_config, open_engine
from storage.catalog.fulltext import full_text_index
from storage.catalog.models import Base

BATCH = "2025-06-02-quay-1"

CCCD = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
CĂN CƯỚC CÔNG DÂN / Citizen Identity Card
Số / No.: 079203001234
Họ và tên / Full name: NGUYỄN VĂN ĐỨC
Ngày sinh / Date of birth: 15/03/2003
Quê quán / Place of origin: Phường Thanh Hoà, Quận Hoàn Kiếm, Hà Nội"""

KHAI_SINH = [
    """GIẤY KHAI SINH
Họ, chữ đệm, tên: TRẦN THỊ THÚY HẰNG
Nơi sinh: Bệnh viện Đa khoa tỉnh Hòa Bình
Họ, chữ đệm, tên người cha: Trần Văn Đông""",
    """Người đi đăng ký khai sinh: Nguyễn Thị Lan
Quan hệ với người được khai sinh: mẹ ruột""",
]

CT07 = """XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ
Họ và tên: Lê Hoàng Nam
Số định danh cá nhân: 001099012345
Nơi thường trú: số 12 đường Điện Biên Phủ, Phường Ba Đình, Hà Nội
Kèm theo bản sao giấy khai sinh"""


def make_document(
    doc_id: str, name: str, texts: list[str], batch_id: str = BATCH, status: FileStatus = FileStatus.OK,
    problems: list[Problem] | None = None,
) -> tuple[Document, list[PageText], FileReport]:
    """A recorded document as the ingest flow would hand it over."""
    sha256 = hashlib.sha256(doc_id.encode()).hexdigest()
    pages = [
        PageText(number=n, source=TextSource.OCR, text=text, mean_conf=91.5, width=2480, height=3508,
                 words=[Word(text=text.split()[0], left=10, top=20, width=100, height=30, conf=95)],
                 decision="no text layer", seconds=1.5)
        for n, text in enumerate(texts, start=1)
    ]
    document = Document(
        id=doc_id, sha256=sha256, kind=FileKind.PDF, original_name=name, batch_id=batch_id,
        page_count=len(pages), status=status, problems=problems or [], doc_type="other",
        dossier_code="000.00.12.H12-250602-0001", office_code="H12", direction="input",
        created_at=datetime(2025, 6, 2, 8, 30, tzinfo=timezone(timedelta(hours=7))),
        objects=[StoredObject(role="original", key=f"docs/{sha256[:2]}/{sha256}/original.pdf",
                              sha256=sha256, size=1234, content_type="application/pdf")],
    )
    file = FileReport(file=name, status=status, sha256=sha256, size=1234, pages=len(pages),
                      problems=problems or [], seconds=3.0)
    return document, pages, file


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    opened = Catalog(catalog_url)
    opened.batches.begin_batch(BATCH, "quay-1", "inbox/quay-1", BatchManifest(office_code="H12"))
    yield opened
    opened.close()


@pytest.fixture
def searchable(catalog: Catalog) -> Catalog:
    """A catalog holding the three sample documents."""
    catalog.batches.record_document(*make_document("cccd", "cccd_mat_truoc.pdf", [CCCD]))
    catalog.batches.record_document(*make_document("khaisinh", "khai_sinh.pdf", KHAI_SINH))
    catalog.batches.record_document(*make_document("ct07", "xac_nhan_cu_tru.pdf", [CT07]))
    return catalog


def found(catalog: Catalog, query: str) -> set[str]:
    return {hit.id for hit in catalog.search.find(SearchRequest(q=query), Scope.everything()).hits}


# --- schema -------------------------------------------------------------------------------------


def test_migrations_build_the_schema_from_nothing_and_stay_at_head(catalog_url: str) -> None:
    Catalog(catalog_url).close()
    Catalog(catalog_url).close()  # opening again must not migrate twice

    engine = open_engine(catalog_url)
    main_schema = inspect(engine).default_schema_name  # PostgreSQL lists the search path's tables
    tables = set(inspect(engine).get_table_names(main_schema))
    assert {"batch", "batch_file", "document", "page", "stored_object", "document_search"} <= tables
    # The audit log has its own file (SQLite: every search writes to it, the catalog's readers stay
    # warm) or schema (PostgreSQL: rights granted apart).
    assert "audit_log" not in tables and inspect(engine).get_table_names(AUDIT_SCHEMA) == ["audit_log"]
    search_index = full_text_index(engine.dialect.name)
    with engine.begin() as connection:
        config = migration_config(connection)
        context = MigrationContext.configure(connection, opts={
            "include_object": lambda _, name, type_, *__: not (type_ in ("table", "index") and (
                search_index.owns(name) or name == "audit_log")),
        })
        heads = ScriptDirectory.from_config(config).get_heads()
        assert len(heads) == 1  # one linear history: `alembic upgrade head` works for an operator
        assert context.get_current_heads() == tuple(heads)
        assert compare_metadata(context, Base.metadata) == []  # the models match the migrations
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names(main_schema)) == {"alembic_version"}
    assert inspect(engine).get_table_names(AUDIT_SCHEMA) == []
    engine.dispose()


def test_papers_catalogued_before_the_office_joined_the_search_index_are_found_within_their_office(
        catalog_url: str) -> None:
    """Migration 0013 adds each document's office to PostgreSQL's full-text entries (a search within
    one office asks for it): entries written before it get the office word a new entry gets. Their
    papers are catalogued, the catalog taken back to 0012 (no office in the entries) and up again."""
    catalog = Catalog(catalog_url)
    catalog.batches.begin_batch(BATCH, "quay-1", "inbox/quay-1", BatchManifest(office_code="H12"))
    text = ["Đơn đề nghị cấp bản sao trích lục hộ tịch"]
    catalog.batches.record_document(*make_document("h12-a", "don_a.pdf", text))
    catalog.batches.record_document(*make_document("h12-b", "don_b.pdf", text))
    other, pages, file = make_document("h13", "don_c.pdf", text)
    catalog.batches.record_document(other.model_copy(update={"office_code": "000.00.13.H13"}), pages, file)
    catalog.close()
    engine = open_engine(catalog_url)
    with engine.begin() as connection:
        command.downgrade(migration_config(connection), "0012_document_heading")
    engine.dispose()

    catalog = Catalog(catalog_url)  # migrates to head again
    for office, expected in (("H12", {"h12-a", "h12-b"}), ("000.00.13.H13", {"h13"})):
        hits = catalog.search.find(SearchRequest(q="ban sao trich luc"), Scope(office_code=office)).hits
        assert {hit.id for hit in hits} == expected, office
    catalog.close()


# --- documents ----------------------------------------------------------------------------------


def test_recorded_document_comes_back_with_objects_text_and_pages(catalog: Catalog) -> None:
    nfd_page = unicodedata.normalize("NFD", KHAI_SINH[1])
    document, pages, file = make_document("khaisinh", "khai_sinh.pdf", [KHAI_SINH[0], nfd_page])
    catalog.batches.record_document(document, pages, file)

    got = catalog.batches.get_document("khaisinh")
    assert got is not None
    assert got.model_dump(exclude={"text"}) == document.model_dump(exclude={"text"})
    assert got.created_at is not None and got.created_at.tzinfo is not None
    assert got.text == KHAI_SINH[0] + "\n\n" + KHAI_SINH[1]  # stored in NFC whatever came in
    assert catalog.batches.get_pages("khaisinh") == [
        page.model_copy(update={"words": [], "text": unicodedata.normalize("NFC", page.text)})
        for page in pages
    ]
    assert catalog.batches.find_by_sha256(document.sha256) == got
    assert catalog.batches.find_by_sha256("0" * 64) is None
    assert catalog.batches.get_document("missing") is None
    recorded_file = file.model_copy(update={"document_id": "khaisinh"})
    assert catalog.batches.get_file_report(BATCH, "khai_sinh.pdf") == recorded_file
    assert catalog.batches.get_file_report(BATCH, "other.pdf") is None


def test_a_nul_character_in_page_text_or_an_audit_detail_is_stored_not_refused(catalog: Catalog) -> None:
    """PDF text layers and typed searches can carry NUL, which PostgreSQL text cannot hold."""
    catalog.batches.record_document(*make_document("nul", "nul.pdf", ["Giấy xác\x00 nhận cư trú"]))
    assert found(catalog, "xac nhan cu tru") == {"nul"}
    catalog.accounts.record_audit(AuditEntry(username="can-bo", action=AuditAction.SEARCH,
                                             detail={"q": "a\x00b"}))
    (entry,) = catalog.accounts.find_audit(username="can-bo", limit=1)
    assert entry.detail["q"] in ("a\x00b", "a\ufffdb")


CCCD_BACK = "Mặt sau: ĐẶC ĐIỂM NHÂN DẠNG: nốt ruồi cách 2cm trên đuôi mắt trái"


def test_recording_the_same_document_again_adds_nothing(catalog: Catalog) -> None:
    catalog.batches.record_document(*make_document("cccd", "cccd.pdf", [CCCD, CCCD_BACK]))
    before = catalog.batches.count_rows()
    catalog.batches.record_document(*make_document("cccd", "cccd.pdf", [CCCD, CCCD_BACK]))
    assert catalog.batches.count_rows() == before == {
        "batches": 1, "batch_files": 1, "documents": 1, "pages": 2, "stored_objects": 1,
        "people": 0, "person_aliases": 0, "document_people": 0, "dossiers": 1, "dossier_documents": 1,
    }
    assert found(catalog, "079203001234") == {"cccd"}


def test_a_rerun_replaces_pages_and_search_text(catalog: Catalog) -> None:
    catalog.batches.record_document(*make_document("cccd", "cccd.pdf", [CCCD, CCCD_BACK]))
    old_card = "GIẤY CHỨNG MINH NHÂN DÂN số 025123456"
    catalog.batches.record_document(*make_document("cccd", "cccd.pdf", [old_card]))
    assert catalog.batches.count_rows()["pages"] == 1
    assert found(catalog, "nguyen van duc") == set()
    assert found(catalog, "chung minh") == {"cccd"}


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "Nguyễn Văn Đức", "nguyen van duc", "NGUYEN VAN DUC", "nguyễn văn đức", "Nguyen Van Duc",
    unicodedata.normalize("NFD", "Nguyễn Văn Đức"),
])
def test_a_name_is_found_with_or_without_diacritics_or_case(searchable: Catalog, query: str) -> None:
    assert found(searchable, query) == {"cccd"}


@pytest.mark.parametrize(("query", "expected"), [
    ("Điện Biên Phủ", {"ct07"}), ("dien bien phu", {"ct07"}), ("ĐIỆN BIÊN", {"ct07"}),
    ("Đức", {"cccd"}), ("đức", {"cccd"}),
    ("Thanh Hòa", {"cccd"}), ("thanh hoà", {"cccd"}),  # document written with the old placement
    ("Thuý Hằng", {"khaisinh"}), ("thúy hằng", {"khaisinh"}),  # document written with the new one
])
def test_d_stroke_and_both_tone_placements_match(
    searchable: Catalog, query: str, expected: set[str]
) -> None:
    assert found(searchable, query) == expected


def test_every_word_must_match_across_pages(searchable: Catalog) -> None:
    assert found(searchable, "nguyen") == {"cccd", "khaisinh"}
    assert found(searchable, "nguyen duc") == {"cccd"}
    assert found(searchable, "nguyen hang") == {"khaisinh"}  # Hằng on page 1, Nguyễn on page 2
    assert found(searchable, "tran nam") == set()


def test_the_last_word_matches_as_a_prefix(searchable: Catalog) -> None:
    assert found(searchable, "nguy") == {"cccd", "khaisinh"}
    assert found(searchable, "hoang na") == {"ct07"}
    assert found(searchable, "nguy van") == set()  # only the last word is a prefix
    assert found(searchable, "07920300") == {"cccd"}


def test_id_numbers_and_dossier_codes_are_found(searchable: Catalog) -> None:
    assert found(searchable, "079203001234") == {"cccd"}
    assert found(searchable, "001099012345") == {"ct07"}
    assert found(searchable, "000.00.12.H12-250602-0001") == {"cccd", "khaisinh", "ct07"}
    assert found(searchable, "cu_tru") == {"ct07"}  # the original file name


@pytest.mark.parametrize(("query", "expected"), [
    ('"', set()), ("*", set()), ("(", set()), ("-", set()), ("\x00", set()), ('nguy"ễn', set()),
    ("", {"cccd", "khaisinh", "ct07"}), ("   ", {"cccd", "khaisinh", "ct07"}),  # nothing asked: newest
    ("AND", set()), ("nguyen AND", set()), ("NOT nguyen", set()), ("nguyen OR tran", set()),
    ("NEAR(nguyen van)", set()), ("body:nguyen", set()), ("^nguyen", {"cccd", "khaisinh"}),
    ('"nguyễn', {"cccd", "khaisinh"}), ("nguyen*", {"cccd", "khaisinh"}),
    ("-nguyen", {"cccd", "khaisinh"}),
    ("(079203001234)", {"cccd"}), ("'; DROP TABLE document; --", set()),
])
def test_hostile_queries_are_plain_words(searchable: Catalog, query: str, expected: set[str]) -> None:
    assert found(searchable, query) == expected
    assert searchable.batches.count_rows()["documents"] == 3


def hits(catalog: Catalog, query: str, **paging: Any) -> list[DocumentSummary]:
    return catalog.search.find(SearchRequest(q=query, **paging), Scope.everything()).hits


def test_snippet_shows_the_original_text_with_the_match_marked(searchable: Catalog) -> None:
    [hit] = hits(searchable, "nguyen van duc")
    assert "«NGUYỄN VĂN ĐỨC»" in hit.snippet
    assert hit.original_name == "cccd_mat_truoc.pdf"
    assert (hit.doc_type, hit.status, hit.match) == ("other", FileStatus.OK, MatchKind.TEXT)

    [hit] = hits(searchable, "thanh hoa")
    assert "«Thanh Hoà»" in hit.snippet  # the document's own tone placement, not the query's


def test_results_are_ranked_and_paged(searchable: Catalog) -> None:
    ranked = hits(searchable, "khai sinh")
    # The birth certificate says it in its heading, body and file name; the CT07 once.
    assert [hit.id for hit in ranked] == ["khaisinh", "ct07"]
    assert ranked[0].score > ranked[1].score
    assert [hit.id for hit in hits(searchable, "khai sinh", page_size=1)] == ["khaisinh"]
    assert [hit.id for hit in hits(searchable, "khai sinh", page_size=1, page=2)] == ["ct07"]


def test_results_can_come_newest_first_instead_of_best_first(catalog: Catalog) -> None:
    for doc_id, name, texts, day in (("khaisinh", "khai_sinh.pdf", KHAI_SINH, 1),
                                     ("ct07", "xac_nhan_cu_tru.pdf", [CT07], 20)):
        document, pages, file = make_document(doc_id, name, texts)
        catalog.batches.record_document(document.model_copy(update={"created_at": datetime(2025, 6, day, tzinfo=UTC)}),
                                        pages, file)
    newest = [hit.id for hit in hits(catalog, "khai sinh", sort=SortOrder.NEWEST)]
    assert newest == ["ct07", "khaisinh"]  # best first it is the other way round (the test above)
    assert [hit.id for hit in hits(catalog, "khai sinh", sort=SortOrder.NEWEST, page_size=1, page=2)] == ["khaisinh"]


# --- batches and export -------------------------------------------------------------------------


def report_for(catalog: Catalog, batch_id: str, started: datetime, status: BatchStatus) -> BatchReport:
    files = [f for f in [catalog.batches.get_file_report(batch_id, name) for name in
             ("a_cccd.pdf", "b_khai_sinh.pdf", "c_ban_sao.pdf", "d_cccd_chup_lai.pdf", "e_ghi_chu.docx",
              "ct07.pdf")] if f is not None]
    return BatchReport(batch_id=batch_id, name=batch_id, source=f"inbox/{batch_id}", status=status,
                       manifest=BatchManifest(office_code="H12"), started_at=started,
                       finished_at=started + timedelta(minutes=5), files=files)


def test_export_rows_follow_batches_then_file_names(catalog: Catalog) -> None:
    low = Problem(code=Reason.LOW_CONFIDENCE, message="page 2 below 60%", page=2)
    unsupported = Problem(code=Reason.UNSUPPORTED_TYPE, message="not an image or PDF")
    # Files finish in any order; the export sorts them by name.
    catalog.batches.record_file(BATCH, FileReport(file="e_ghi_chu.docx", status=FileStatus.QUARANTINED, size=10,
                                          problems=[unsupported]))
    catalog.batches.record_document(*make_document("khaisinh", "b_khai_sinh.pdf", KHAI_SINH,
                                           status=FileStatus.NEEDS_REVIEW, problems=[low]))
    catalog.batches.record_file(BATCH, FileReport(file="c_ban_sao.pdf", status=FileStatus.DUPLICATE,
                                          document_id="khaisinh", duplicate_of="b_khai_sinh.pdf"))
    catalog.batches.record_document(*make_document("cccd", "a_cccd.pdf", [CCCD]))
    catalog.batches.record_file(BATCH, FileReport(file="d_cccd_chup_lai.pdf", status=FileStatus.DUPLICATE,
                                          document_id="cccd", duplicate_of="cccd"))  # an earlier batch's
    later = "2025-06-03-quay-1"
    catalog.batches.begin_batch(later, "quay-1", "inbox/quay-1", BatchManifest())
    catalog.batches.record_document(*make_document("ct07", "ct07.pdf", [CT07], batch_id=later))

    expected_first = [
        {"file": "a_cccd.pdf", "page": 1, "text": CCCD},
        {"file": "a_cccd.pdf", "status": "ok", "reason": None},
        {"file": "b_khai_sinh.pdf", "page": 1, "text": KHAI_SINH[0]},
        {"file": "b_khai_sinh.pdf", "page": 2, "text": KHAI_SINH[1]},
        {"file": "b_khai_sinh.pdf", "status": "needs_review", "reason": "low_confidence"},
        {"file": "c_ban_sao.pdf", "page": 1, "text": KHAI_SINH[0]},
        {"file": "c_ban_sao.pdf", "page": 2, "text": KHAI_SINH[1]},
        {"file": "c_ban_sao.pdf", "status": "duplicate", "reason": None, "duplicate_of": "b_khai_sinh.pdf"},
        {"file": "d_cccd_chup_lai.pdf", "page": 1, "text": CCCD},
        {"file": "d_cccd_chup_lai.pdf", "status": "duplicate", "reason": None, "duplicate_of": "cccd"},
        {"file": "e_ghi_chu.docx", "status": "quarantined", "reason": "unsupported_type"},
    ]
    expected_later = [
        {"file": "ct07.pdf", "page": 1, "text": CT07},
        {"file": "ct07.pdf", "status": "ok", "reason": None},
    ]
    assert list(catalog.batches.export_rows()) == expected_first + expected_later
    assert list(catalog.batches.export_rows(later)) == expected_later
    assert list(catalog.batches.export_rows("no-such-batch")) == []


def test_finished_batches_come_back_as_reports(catalog: Catalog) -> None:
    catalog.batches.record_document(*make_document("cccd", "a_cccd.pdf", [CCCD]))
    corrupt = Problem(code=Reason.CORRUPT, message="cannot be read")
    catalog.batches.record_file(BATCH, FileReport(file="e_ghi_chu.docx", status=FileStatus.QUARANTINED,
                                          problems=[corrupt]))
    assert catalog.batches.get_batch_report(BATCH) is None  # not finished yet
    assert catalog.batches.find_batches() == []

    first = report_for(catalog, BATCH, datetime(2025, 6, 2, 1, 0, tzinfo=UTC), BatchStatus.PARTIAL)
    catalog.batches.finish_batch(first, "reports/2025-06-02-quay-1.json")
    later = "2025-06-03-quay-1"
    catalog.batches.begin_batch(later, "quay-1", "inbox/quay-1", BatchManifest())
    catalog.batches.record_document(*make_document("ct07", "ct07.pdf", [CT07], batch_id=later))
    second = report_for(catalog, later, datetime(2025, 6, 3, 1, 0, tzinfo=UTC), BatchStatus.DONE)
    catalog.batches.finish_batch(second, "reports/2025-06-03-quay-1.json")

    assert catalog.batches.get_batch_report(BATCH) == first
    assert [f.file for f in first.files] == ["a_cccd.pdf", "e_ghi_chu.docx"]
    assert catalog.batches.find_batches() == [second, first]
    assert catalog.batches.find_batches(limit=1) == [second]
    assert catalog.batches.get_batch_report("no-such-batch") is None


def test_documents_recorded_from_four_threads_all_land(catalog: Catalog) -> None:
    def record(worker: int) -> None:
        for n in range(5):
            doc_id = f"w{worker}-d{n}"
            texts = [f"Hồ sơ số {worker}{n}0000 trang một", "trang hai"]
            catalog.batches.record_document(*make_document(doc_id, f"{doc_id}.pdf", texts))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(record, range(4)))

    counts = catalog.batches.count_rows()
    assert (counts["documents"], counts["pages"], counts["batch_files"]) == (20, 40, 20)
    assert found(catalog, "ho so") == {f"w{w}-d{n}" for w in range(4) for n in range(5)}
    assert found(catalog, "230000") == {"w2-d3"}


def test_guillemets_in_a_document_are_never_taken_for_match_marks(catalog: Catalog) -> None:
    text = "Đơn đề nghị «</mark><script>x</script>» của ông NGUYỄN VĂN ĐỨC"
    catalog.batches.record_document(*make_document("guillemets", "don.pdf", [text]))
    [hit] = hits(catalog, "nguyen van duc")
    assert hit.snippet.count("«") == 1 and hit.snippet.count("»") == 1
    assert "‹</mark><script>x</script>›" in hit.snippet


def test_the_review_queue_is_counted_within_the_office_and_up_to_a_limit(catalog: Catalog) -> None:
    low = Problem(code=Reason.LOW_CONFIDENCE, message="thấp", page=1)
    for n in range(3):
        catalog.batches.record_document(*make_document(f"cho-{n}", f"cho_{n}.pdf", [CCCD],
                                                       status=FileStatus.NEEDS_REVIEW, problems=[low]))
    catalog.batches.record_document(*make_document("xong", "xong.pdf", [CCCD]))
    office = Scope(office_code="H12")
    assert catalog.search.count_review_queue(office, limit=100) == 3
    assert catalog.search.count_review_queue(office, limit=2) == 2
    assert catalog.search.count_review_queue(Scope(office_code="H13"), limit=100) == 0
    assert [hit.id for hit in catalog.search.find_review_queue(office)] == ["cho-0", "cho-1", "cho-2"]


def test_an_officer_keeps_searches_by_name_and_only_their_own(catalog: Catalog) -> None:
    for username in ("can-bo-a", "can-bo-b"):
        catalog.accounts.record_user(User(username=username, full_name=username, office_code="H12",
                                          roles=[Role.OFFICER]))
    search = catalog.search
    kept = search.save_search("can-bo-a", "Khai sinh tháng 6", SearchRequest(q="khai sinh", sort=SortOrder.NEWEST,
                                                                             page=3))
    assert kept is not None and kept.criteria == SearchRequest(q="khai sinh", sort=SortOrder.NEWEST)  # not the page
    again = search.save_search("can-bo-a", "Khai sinh tháng 6", SearchRequest(q="khai sinh ha noi"))
    assert again is not None and again.id == kept.id  # the same name replaces
    assert [(s.name, s.criteria.q) for s in search.saved_searches("can-bo-a")] == [("Khai sinh tháng 6", "khai sinh ha noi")]
    assert search.saved_searches("can-bo-b") == []
    assert not search.forget_search("can-bo-b", kept.id)  # not theirs
    assert search.forget_search("can-bo-a", kept.id) and search.saved_searches("can-bo-a") == []
    for number in range(SAVED_SEARCHES):
        assert search.save_search("can-bo-b", f"tìm {number:02d}", SearchRequest(q=str(number))) is not None
    assert search.save_search("can-bo-b", "một nữa", SearchRequest(q="x")) is None
