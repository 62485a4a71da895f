"""What a read document amounts to: its review problems, its status, its record and the batch's verdict.

Pure rules over what the pipeline produced (pages, understanding, the clerk's manifest), so the ingest
flow only moves data between these functions and the stores. Messages say what is wrong and never carry
the values themselves (Decree 13/2023).
"""

from __future__ import annotations

from datetime import datetime

from ocr.classify import Classification
from ocr.understanding import Understanding
from schemas.batch import BatchManifest, BatchReport, BatchStatus, FileReport
from schemas.document import (
    DocType,
    Document,
    FileKind,
    FileStatus,
    PageText,
    Problem,
    Reason,
    StoredObject,
    TextSource,
)
from schemas.identity import ReviewReason

IDENTITY_MESSAGES = {
    ReviewReason.QR_UNREADABLE: "không đọc được mã QR trên thẻ",
    ReviewReason.MRZ_CHECKSUM_FAILED: "vùng MRZ sai số kiểm tra",
    ReviewReason.MRZ_UNREADABLE: "không đọc được vùng MRZ",
    ReviewReason.ID_INVALID: "số định danh không đúng cấu trúc",
    ReviewReason.ID_DOB_MISMATCH: "số định danh không khớp năm sinh",
    ReviewReason.ID_SEX_MISMATCH: "số định danh không khớp giới tính",
    ReviewReason.SOURCES_DISAGREE: "mã QR, vùng MRZ và chữ in không khớp nhau",
    ReviewReason.LOW_CONFIDENCE: "một số trường nhân thân đọc với độ tin cậy thấp",
    ReviewReason.DATE_INVALID: "một ngày trên thẻ không phải ngày có thật",
    ReviewReason.EXPIRY_BEFORE_ISSUE: "ngày hết hạn trước ngày cấp",
    ReviewReason.FIELD_MISSING: "không tìm thấy một trường nhân thân bắt buộc",
}


def page_count_problems(manifest: BatchManifest, name: str, pages: int) -> list[Problem]:
    """The clerk said how many pages to expect: fewer is a missing page, more a mismatch."""
    entry = manifest.files.get(name)
    if entry is None or entry.expected_pages is None or entry.expected_pages == pages:
        return []
    code = Reason.MISSING_PAGE if pages < entry.expected_pages else Reason.PAGE_COUNT_MISMATCH
    return [Problem(code=code, message=f"có {pages} trang, cần {entry.expected_pages} trang")]


def document_problems(pages: list[PageText], understood: Understanding, manifest: BatchManifest,
                      name: str) -> list[Problem]:
    """Everything a reviewer should look at: page problems, page count, identity review reasons."""
    problems = [p for page in pages for p in page.problems] + page_count_problems(manifest, name, len(pages))
    if understood.identity is not None:
        problems += [Problem(code=Reason(reason.value), message=IDENTITY_MESSAGES[reason])
                     for reason in understood.identity.review_reasons]
    return problems


def build_document(*, document_id: str, sha256: str, kind: FileKind, name: str, batch_id: str,
                   manifest: BatchManifest, pages: list[PageText], understood: Understanding,
                   objects: list[StoredObject], created_at: datetime) -> Document:
    """The catalog record of a digitized file: `needs_review` as soon as anything is doubtful."""
    problems = document_problems(pages, understood, manifest, name)
    entry = manifest.files.get(name)
    return Document(
        id=document_id, sha256=sha256, kind=kind, original_name=name, batch_id=batch_id,
        page_count=len(pages), status=FileStatus.NEEDS_REVIEW if problems else FileStatus.OK,
        problems=problems, dossier_code=manifest.dossier_code, office_code=manifest.office_code,
        procedure_code=manifest.procedure_code, direction=manifest.direction.value,
        component=entry.component if entry else None, heading=understood.heading, text=document_text(pages),
        doc_type=understood.classification.doc_type, doc_type_score=understood.classification.score,
        identity=understood.identity, people=understood.people, created_at=created_at, objects=objects,
    )


def failed_page(number: int, error: str) -> PageText:
    """A page whose reading broke unexpectedly (`error` is the exception's type): reviewed, not lost."""
    return PageText(number=number, source=TextSource.NONE, problems=[
        Problem(code=Reason.PAGE_FAILED, message=f"không đọc được trang ({error})", page=number)])


def not_understood() -> Understanding:
    """What an unreadable document still is: a paper of no known type, with no identity."""
    return Understanding(classification=Classification(doc_type=DocType.OTHER, score=0.0))


def document_text(pages: list[PageText]) -> str:
    return "\n\n".join(page.text for page in pages)


def batch_status(files: list[FileReport], problems: list[Problem]) -> BatchStatus:
    """done: every file ok or a duplicate; partial: something needs a human or a retry; failed: the batch
    itself could not be processed (an invalid manifest, no files)."""
    if problems:
        return BatchStatus.FAILED
    if all(f.status in (FileStatus.OK, FileStatus.DUPLICATE) for f in files):
        return BatchStatus.DONE
    return BatchStatus.PARTIAL


def failed_file(name: str) -> FileReport:
    """A file left unprocessed by a fault outside it: nothing recorded, so the next run redoes it."""
    return FileReport(file=name, status=FileStatus.FAILED, problems=[Problem(
        code=Reason.PROCESSING_FAILED,
        message="xử lý dừng do lỗi kho lưu trữ hoặc danh mục; hệ thống sẽ tự thử lại lô này")])


def retired(report: BatchReport) -> bool:
    """Whether the drop may leave the inbox: every file committed, quarantined or a duplicate."""
    return not report.count(FileStatus.FAILED)
