"""What an officer, reviewer or clerk can do, once, for both the HTML pages and the JSON API.

A `Desk` is one authenticated request's view of the catalog and object store: it applies the
account's office scope and roles, checks validity before reuse, and writes the audit entry of every
search, view, download, reuse, correction and upload it serves.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO, Literal
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel

from ocr.identity.idnumber import check_id_number, check_old_id_number
from ocr.preflight import HEAD_BYTES, unreadable_head
from schemas.accounts import AuditAction, AuditEntry, FieldCorrection, Reusability, Role, Upload, User
from schemas.batch import BatchManifest, BatchReport, Direction, ManifestFile
from schemas.codes import parse_dossier_code
from schemas.document import FileStatus
from schemas.dossier import Dossier, DossierDocument
from schemas.identity import IDENTITY_FIELDS, NO_EXPIRY, Identity
from schemas.search import DocumentSummary, Scope, SearchRequest, typed_day
from schemas.settings import Settings, WebSettings
from schemas.vntext import fold, nfc
from storage.catalog import Catalog
from storage.catalog.review import latest_values
from storage.inbox import Inbox
from storage.objects import LinkingStore, ObjectNotFound, ObjectStore
from web import labels
from web.auditing import GroupCommit
from web.reuse import reusability
from web.security import Principal, client_address, require
from web.uploads import UploadRefused, folder_name, safe_name

_STREAM_CHUNK = 256 * 1024
_STALL_FACTOR, _STALL_MARGIN_SECONDS = 6, 60  # an upload still waiting after 6 watch rounds + 1 min
ObjectRole = Literal["searchable_pdf", "original", "thumbnail", "card"]


class NotFound(LookupError):
    """Unknown, or not visible to this account: the same answer, so nothing leaks."""


class Refused(ValueError):
    """The request is understood but not allowed as it stands; the message is for the user."""


class RefusedFile(BaseModel):
    """One file refused at upload: its name, the reason with the next step, the paper it repeats."""

    name: str
    reason: str
    duplicate_of: str | None = None  # a document this account may open


class FilesRefused(Refused):
    """Files of an upload that cannot be digitized, each with why and what to do; nothing was kept."""

    def __init__(self, files: list[RefusedFile]) -> None:
        super().__init__(f"Chưa nhận lô: {len(files)} tệp không dùng được (xem bảng dưới). "
                         "Hãy bỏ các tệp đó ra rồi chọn lại các tệp còn lại.")
        self.files = files


class Hit(DocumentSummary):
    """A result line with its reuse verdict."""

    reusability: Reusability


class SearchPage(BaseModel):
    hits: list[Hit]
    page: int
    page_size: int
    has_next: bool


class ReviewedField(BaseModel):
    """One identity field as the reviewer sees it: current value, the machine's, and who changed it."""

    name: str
    value: str | None = None
    machine_value: str | None = None
    source: str | None = None
    confidence: float | None = None
    reasons: list[str] = []
    corrected_by: str | None = None
    corrected_at: datetime | None = None


class DocumentDetail(BaseModel):
    document: Hit
    fields: list[ReviewedField]
    corrections: list[FieldCorrection]
    dossiers: list[DossierDocument]
    objects: list[str] = []
    text: str = ""


class UploadProgress(BaseModel):
    upload: Upload
    state: Literal["waiting", "processing", "finished"]
    files_done: int
    report: BatchReport | None = None
    stalled: bool = False  # waiting far longer than the watcher takes to pick a batch up


def reviewed_fields(identity: Identity | None, corrections: list[FieldCorrection]) -> list[ReviewedField]:
    """Every identity field, with the reviewer's latest value over the machine's."""
    latest = latest_values(corrections)
    fields = []
    for name in IDENTITY_FIELDS:
        read = identity.field(name) if identity else None
        corrected = latest.get(name)
        fields.append(ReviewedField(
            name=name, value=corrected.value if corrected else (read.value if read else None),
            machine_value=read.value if read else None, source=read.source.value if read else None,
            confidence=read.confidence if read else None,
            reasons=[reason.value for reason in (identity.field_reasons.get(name, []) if identity else [])],
            corrected_by=corrected.corrected_by if corrected else None,
            corrected_at=corrected.corrected_at if corrected else None))
    return fields


MAX_FIELD_CHARS = 300  # the longest address on a card is about 150 characters


_NO_EXPIRY_WORDS = frozenset({NO_EXPIRY, "không thời hạn", "khong thoi han"})
# What a reviewer may type for sex: the codes, the words the pages show (labels.SEXES), unmarked.
_SEXES = {typed.lower(): code for code, word in labels.SEXES.items() for typed in (code, word, fold(word))}


def validate_field(name: str, value: str) -> str:
    """A reviewer's value in the stored form, or Refused naming the field and saying what is wrong
    and how to write it (never echoing the value)."""
    value = nfc(" ".join(value.split()))
    label = labels.FIELDS.get(name, name)
    if len(value) > MAX_FIELD_CHARS:
        raise Refused(f"{label}: quá dài (tối đa {MAX_FIELD_CHARS} ký tự). Hãy kiểm tra lại.")
    if name == "id_number":
        check = check_id_number(value)
        if not check.ok:
            raise Refused(f"{label} không hợp lệ: " + "; ".join(check.problems))
    elif name == "old_id_number" and check_old_id_number(value):
        raise Refused(f"{label}: cần có 9 hoặc 12 chữ số")
    elif name == "date_of_expiry" and value.lower() in _NO_EXPIRY_WORDS:
        value = NO_EXPIRY
    elif name in ("date_of_birth", "date_of_issue", "date_of_expiry"):
        try:
            value = date.fromisoformat(typed_day(value)).isoformat()
        except ValueError:
            raise Refused(f"{label}: cần là một ngày có thật, dạng dd/mm/yyyy (ví dụ 30/12/1995)"
                          + (" hoặc “Không thời hạn”" if name == "date_of_expiry" else "")) from None
    elif name == "sex":
        if value.lower() not in _SEXES:
            raise Refused(f"{label}: hãy nhập Nam hoặc Nữ")
        value = _SEXES[value.lower()]
    return value


class PersonDocuments(BaseModel):
    """A citizen by ID number or old CMND number, with the documents this account may see."""

    id_number: str
    full_name: str | None = None
    date_of_birth: str | None = None
    aliases: list[str] = []
    documents: list[Hit]


@dataclass
class Desk:
    catalog: Catalog
    objects: ObjectStore
    inbox: Inbox
    settings: Settings
    web: WebSettings
    principal: Principal
    client: str | None
    auditor: GroupCommit

    def today(self) -> date:
        """Today on the office's clock."""
        return datetime.now(self.settings.zone).date()

    @property
    def user(self) -> User:
        return self.principal.user

    @property
    def scope(self) -> Scope:
        return Scope.of(self.user)

    def audit(self, action: AuditAction, *, document_id: str | None = None,
              dossier_code: str | None = None, **detail: object) -> None:
        self.auditor.record(self._entry(action, document_id, dossier_code, detail))

    def _entry(self, action: AuditAction, document_id: str | None, dossier_code: str | None,
               detail: dict[str, object]) -> AuditEntry:
        return AuditEntry(username=self.user.username, action=action, document_id=document_id,
                          dossier_code=dossier_code, client=self.client, detail=detail)

    # --- search and open ----------------------------------------------------------------------

    async def search(self, request: SearchRequest) -> SearchPage:
        """One page of results, audited. On the event loop (a search is a few milliseconds of work,
        and handing it to a thread, then the GIL back and forth at every database row, measured
        20-30% slower under load); its audit entry is written with those of the searches that
        arrived with it, in one transaction."""
        result = self.catalog.search.find(request, self.scope)
        await self.auditor.record_soon(self._entry(
            AuditAction.SEARCH, None, None, {**request.model_dump(mode="json", exclude_defaults=True),
                                             "results": [hit.id for hit in result.hits]}))
        return SearchPage(hits=self.hits(result.hits), page=result.page, page_size=result.page_size,
                          has_next=result.has_next)

    def hits(self, summaries: list[DocumentSummary]) -> list[Hit]:
        day = self.today()
        # The summaries are validated already: no second validation per result line.
        return [Hit.model_construct(**vars(summary), reusability=reusability(summary, day))
                for summary in summaries]

    def hit(self, document_id: str) -> Hit:
        """A visible document's result line, or NotFound."""
        if not self.catalog.search.can_see(document_id, self.scope):
            raise NotFound("no such document")
        found = self.catalog.search.get_summaries([document_id])
        if not found:
            raise NotFound("no such document")
        return self.hits(found)[0]

    def document(self, document_id: str, *, audited: bool = True) -> DocumentDetail:
        hit = self.hit(document_id)
        document = self.catalog.batches.get_document(document_id)
        if document is None:
            raise NotFound("no such document")
        corrections = self.catalog.review.get_corrections(document_id)
        if audited:
            self.audit(AuditAction.VIEW, document_id=document_id)
        return DocumentDetail(document=hit, fields=reviewed_fields(document.identity, corrections),
                              corrections=corrections, dossiers=self.catalog.people.find_document_dossiers(document_id),
                              objects=sorted({stored.role for stored in document.objects}),
                              text=document.text)

    def object_response(self, document_id: str, role: ObjectRole, *, download: bool) -> Response:
        """The stored object after the authorization check: streamed from a local store, a short-lived
        presigned link on S3. Opening the PDF is a view, saving anything is a download."""
        self.hit(document_id)
        document = self.catalog.batches.get_document(document_id)
        stored = next((o for o in document.objects if o.role == role), None) if document else None
        if document is None or stored is None:
            raise NotFound("no such object")
        # A thumbnail shows a legible card too: every object handed out is audited.
        self.audit(AuditAction.DOWNLOAD if download else AuditAction.VIEW, document_id=document_id, object=role)
        if isinstance(self.objects, LinkingStore):
            return RedirectResponse(self.objects.presigned_url(
                stored.key, timedelta(seconds=self.web.presign_seconds)), status_code=307)
        try:
            stream = self.objects.open(stored.key)
        except ObjectNotFound:
            raise NotFound("no such object") from None
        extension = stored.key.rsplit(".", 1)[-1]
        name = f"{document.original_name.rsplit('/', 1)[-1].rsplit('.', 1)[0]}.{extension}"
        disposition = "attachment" if download else "inline"
        return StreamingResponse(
            _chunks(stream), media_type=stored.content_type,
            headers={"Content-Length": str(stored.size), "Cache-Control": "private, no-store",
                     "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})

    def person(self, number: str) -> PersonDocuments:
        """A citizen by ID or old CMND number, with the papers this account may see, and only the old
        numbers those papers show: an alias learned from another office's card stays there, and is no
        way in either."""
        found = self.catalog.people.get_person(number)
        visible = [i for i in found.document_ids if self.catalog.search.can_see(i, self.scope)] if found else []
        shown = set()
        for document_id in visible:
            document = self.catalog.batches.get_document(document_id)
            old = document.identity.old_id_number if document and document.identity else None
            shown |= {old.value} if old else set()
        if found is None or not visible or (number != found.id_number and number not in shown):
            self.audit(AuditAction.SEARCH, number_lookup=True, results=[])
            raise NotFound("no such person")
        self.audit(AuditAction.SEARCH, number_lookup=True, results=visible)
        return PersonDocuments(id_number=found.id_number, full_name=found.full_name,
                               date_of_birth=found.date_of_birth,
                               aliases=[alias for alias in found.aliases if alias in shown],
                               documents=self.hits(self.catalog.search.get_summaries(visible)))

    # --- dossiers and reuse ---------------------------------------------------------------

    def dossier(self, code: str) -> Dossier:
        """A dossier of the account's office (any, province-wide), or NotFound."""
        try:
            code = parse_dossier_code(code).raw
        except ValueError as exc:
            raise Refused(f"Mã hồ sơ không hợp lệ: {exc}") from None
        found = self.catalog.people.get_dossier(code)
        if found is None or not (self.user.province_wide or found.office_code == self.user.office_code):
            raise NotFound("no such dossier")
        return found

    def own_dossier_code(self, code: str) -> str:
        """The code, checked: a valid dossier code whose agency part is the account's office's
        (configured in SOHOA_OFFICE_AGENCIES); any agency for a province-wide account."""
        try:
            parsed = parse_dossier_code(code)
        except ValueError as exc:
            raise Refused(f"Mã hồ sơ không hợp lệ: {exc}") from None
        if not self.user.province_wide and parsed.agency_code not in self.settings.agencies_of(self.user.office_code):
            # The same answer whether or not such a dossier exists: no oracle of other offices' dossiers.
            raise Refused("Mã hồ sơ này mang mã cơ quan của đơn vị khác. Hãy kiểm tra lại mã hồ sơ; "
                          "nếu đơn vị của bạn dùng mã cơ quan này, nhờ quản trị khai báo trong SOHOA_OFFICE_AGENCIES.")
        return parsed.raw

    def open_dossier(self, code: str, procedure_code: str | None = None) -> Dossier:
        """Look a dossier up, or create it for the account's office (the code carries its date)."""
        code = self.own_dossier_code(code)
        try:
            return self.dossier(code)
        except NotFound:
            pass
        if self.catalog.people.get_dossier(code) is not None:
            raise Refused("Hồ sơ này thuộc đơn vị khác")
        if self.user.office_code is None:
            raise Refused("Tài khoản chưa thuộc đơn vị nào nên không tạo được hồ sơ")
        dossier = Dossier.from_code(code, office_code=self.user.office_code,
                                    procedure_code=procedure_code or None)
        self.catalog.people.record_dossier(dossier)
        self.audit(AuditAction.DOSSIER, dossier_code=dossier.code, created=True)
        return dossier

    def reuse(self, code: str, document_id: str, direction: Direction, component: str | None,
              override_reason: str | None) -> DossierDocument:
        """Attach a digitized document to a dossier (opened if new) as reused; an expired one needs
        a reason."""
        dossier = self.open_dossier(code)
        hit = self.hit(document_id)
        reason = (override_reason or "").strip() or None
        if not hit.reusability.reusable and reason is None:
            raise Refused(f"{hit.reusability.reason}. Muốn vẫn dùng, hãy ghi rõ lý do.")
        link = DossierDocument(dossier_code=dossier.code, document_id=document_id, direction=direction,
                               component=(component or "").strip() or None, reused=True,
                               source_dossier=hit.dossier_code, attached_by=self.user.username,
                               attached_at=datetime.now(UTC),
                               override_reason=reason if not hit.reusability.reusable else None)
        self.catalog.people.record_attachment(link)
        self.audit(AuditAction.REUSE, document_id=document_id, dossier_code=dossier.code,
                   direction=direction.value, override_reason=link.override_reason)
        return link

    # --- review ---------------------------------------------------------------------------

    def review(self, document_id: str, values: dict[str, str], confirm: bool) -> list[FieldCorrection]:
        """Store the reviewer's corrections; with `confirm` the document becomes `ok`. Only papers in
        the review queue (an admin may correct any visible one)."""
        hit = self.hit(document_id)
        if hit.status is not FileStatus.NEEDS_REVIEW and not self.user.has(Role.ADMIN):
            raise Refused("Giấy tờ này không nằm trong hàng chờ duyệt nên không sửa được. "
                          "Nếu cần sửa, hãy nhờ quản trị.")
        unknown = set(values) - set(IDENTITY_FIELDS)
        if unknown:
            raise Refused("Trường không tồn tại")
        cleaned = {name: validate_field(name, value) for name, value in values.items() if value.strip()}
        written = self.catalog.review.record_review(document_id, cleaned, self.user.username, confirm)
        for correction in written:
            self.audit(AuditAction.CORRECT, document_id=document_id, field=correction.field)
        if confirm:
            self.audit(AuditAction.CONFIRM, document_id=document_id, previous_status=hit.status.value)
        return written

    # --- uploads --------------------------------------------------------------------------

    def upload(self, files: list[tuple[str, BinaryIO]], components: list[str], *, office_code: str | None,
               dossier_code: str | None, procedure_code: str | None, direction: Direction) -> Upload:
        """Write the files as a batch in the inbox, with a manifest from the form."""
        office = office_code if self.user.province_wide and office_code else self.user.office_code
        if len(files) > self.web.max_upload_files:
            raise Refused(f"Mỗi lần tải lên tối đa {self.web.max_upload_files} tệp")
        try:
            names = [safe_name(name) for name, _ in files]
        except UploadRefused as exc:
            raise Refused(str(exc)) from None
        code = self.own_dossier_code(dossier_code) if dossier_code else None
        refused = [problem for name, (_, stream) in zip(names, files, strict=True)
                   if (problem := self._sniffed(name, stream)) is not None]
        if refused:
            raise FilesRefused(refused)
        manifest = BatchManifest(
            office_code=office, operator=self.user.username, dossier_code=code,
            procedure_code=procedure_code or None, direction=direction,
            files={name: ManifestFile(component=component.strip())
                   for name, component in zip(names, components, strict=False) if component.strip()})
        upload_id = uuid.uuid4().hex
        now = datetime.now(self.settings.zone)
        folder = folder_name(upload_id, office, now)
        try:
            _, count = self.inbox.put_batch(
                folder, [(name, stream) for name, (_, stream) in zip(names, files, strict=True)],
                manifest, self.settings.max_file_bytes, office)
        except UploadRefused as exc:
            raise Refused(str(exc)) from None
        upload = Upload(id=upload_id, folder=folder, username=self.user.username, office_code=office,
                        dossier_code=code, direction=direction, files=count, created_at=now)
        self.catalog.batches.record_upload(upload)
        self.audit(AuditAction.UPLOAD, dossier_code=code, upload=upload_id, files=count)
        return upload

    def _sniffed(self, name: str, stream: BinaryIO) -> RefusedFile | None:
        """Why a file cannot be digitized, told before the batch is accepted: empty, not a scan
        (the bytes, not the name, say what it is), or bytes this office digitized already."""
        head = stream.read(HEAD_BYTES)
        if (unreadable := unreadable_head(head)) is not None:
            return RefusedFile(name=name, reason=unreadable.message)
        digest = hashlib.sha256(head)
        while chunk := stream.read(_STREAM_CHUNK):
            digest.update(chunk)
        stream.seek(0)
        existing = self.catalog.batches.find_by_sha256(digest.hexdigest())
        if existing is None or not self.catalog.search.can_see(existing.id, self.scope):
            return None  # another office's paper is not revealed; the pipeline marks it duplicate
        link = existing.id if self.user.has(Role.OFFICER) or self.user.has(Role.REVIEWER) else None
        return RefusedFile(name=name, duplicate_of=link,
                           reason=f"Đã số hóa rồi (tệp «{existing.original_name}»): không cần tải lên lại.")

    def upload_progress(self, upload_id: str) -> UploadProgress:
        upload = self.catalog.batches.get_upload(upload_id)
        visible = upload is not None and (
            upload.username == self.user.username or self.user.has(Role.ADMIN)
            or (self.user.has(Role.SCANNER) and (self.user.province_wide
                                                 or upload.office_code == self.user.office_code)))
        if not visible:
            raise NotFound("no such upload")
        batch_id, done, report = self.catalog.batches.get_batch_progress(upload.folder)
        state = "finished" if report else ("processing" if batch_id else "waiting")
        # A manifest makes a batch ready at once; the watcher looks every few seconds. Waiting much
        # longer means no watcher is running (or it is stuck): say so rather than wait for ever.
        patience = timedelta(seconds=_STALL_FACTOR * self.settings.watch_interval_seconds + _STALL_MARGIN_SECONDS)
        sent = upload.created_at
        stalled = state == "waiting" and sent is not None and \
            datetime.now(UTC) - (sent if sent.tzinfo else sent.replace(tzinfo=UTC)) > patience
        return UploadProgress(upload=upload, state=state, files_done=done, report=report, stalled=stalled)


def _chunks(stream: BinaryIO):
    with stream:
        while chunk := stream.read(_STREAM_CHUNK):
            yield chunk


def desk_for(*roles: Role):
    """A dependency giving the request's `Desk` to accounts holding one of `roles`."""

    async def build(request: Request, principal: Principal = Depends(require(*roles))) -> Desk:
        state = request.app.state
        return Desk(state.catalog, state.objects, state.inbox, state.settings, state.web, principal,
                    client_address(request), state.auditor)

    return build
