"""The HTML pages, in Vietnamese, each a thin shell over `web.service.Desk`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from schemas.accounts import AuditAction, Role
from schemas.batch import Direction
from schemas.document import DocType, FileStatus
from schemas.identity import IDENTITY_FIELDS
from schemas.search import FIRST_DAY, LAST_DAY, SAVED_NAME_LENGTH, SAVED_SEARCHES, SearchRequest, SortOrder
from storage.catalog.search import day_start
from web.account_admin import AccountChange, change_account, managed_accounts
from web.rendering import render
from web.security import Principal, authenticated
from web.service import Desk, NotFound, Refused, desk_for

router = APIRouter(include_in_schema=False)
officer = desk_for(Role.OFFICER)
reader = desk_for(Role.OFFICER, Role.REVIEWER)
reviewer = desk_for(Role.REVIEWER)
scanner = desk_for(Role.SCANNER)
admin = desk_for(Role.ADMIN)
_HOME = ((Role.OFFICER, "/search"), (Role.REVIEWER, "/review"), (Role.SCANNER, "/upload"),
         (Role.ADMIN, "/audit"))
_RECENT = 10  # papers on the search page before anything is asked
_QUEUE_SHOWN = 500  # the review queue is counted up to this many


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home(principal: Annotated[Principal, Depends(authenticated)]) -> Response:
    """Each role lands on its own work."""
    for role, url in _HOME:
        if principal.user.has(role):
            return _see_other(url)
    raise NotFound("no page for this account")


class SearchForm(SearchRequest):
    """The search page's form: the search, and the dossier the officer is looking for papers for."""

    for_dossier: str | None = Field(None, max_length=60)


class SearchLink(SearchForm):
    """A results page's address: the search sealed into `s`, or plain parameters; `kept` reports
    what became of a search the officer asked to keep."""

    s: str | None = Field(None, max_length=4000)
    kept: Literal["saved", "full", "expired", "deleted"] | None = None


_KEPT_NOTICES = {
    "saved": "Đã lưu tìm kiếm. Bấm vào tên của nó trong «Tìm kiếm đã lưu» để tìm lại.",
    "full": f"Đã lưu đủ {SAVED_SEARCHES} tìm kiếm. Hãy xóa bớt một tìm kiếm cũ rồi lưu lại.",
    "expired": "Liên kết tìm kiếm đã hết hạn nên chưa lưu được. Hãy tìm lại rồi bấm «Lưu».",
    "deleted": "Đã xóa tìm kiếm đã lưu.",
}


@router.get("/search")
async def search(request: Request, desk: Annotated[Desk, Depends(officer)],
                 form: Annotated[SearchLink, Query()]) -> Response:
    """Results of a sealed search link (`?s=`), or of plain parameters (bookmarks of filters)."""
    notice = _KEPT_NOTICES.get(form.kept or "")
    landing = form.s is None
    if form.s is not None:
        sealed = request.app.state.sealer.open(form.s, timedelta(hours=desk.web.search_link_hours))
        form = SearchLink.model_validate(sealed) if isinstance(sealed, dict) else SearchLink()
        if sealed is None:
            notice = "Liên kết tìm kiếm này đã hết hạn hoặc không đúng. Hãy nhập lại điều cần tìm."
    criteria = SearchRequest.model_validate(form.model_dump(exclude={"for_dossier", "s", "kept"}))
    asked = criteria.model_dump(exclude_defaults=True, exclude={"page", "page_size", "sort"})
    found = await desk.search(criteria) if asked else None
    recent, queue, saved = None, 0, []
    if found is None and landing:  # the landing page: the office's newest papers, the queue, saved searches
        recent = await desk.search(SearchRequest(page_size=_RECENT))
        if desk.user.has(Role.REVIEWER):
            queue = desk.catalog.search.count_review_queue(desk.scope, limit=_QUEUE_SHOWN)
        saved = [(kept, _sealed_search(request, SearchForm.model_validate(kept.criteria.model_dump())))
                 for kept in desk.catalog.search.saved_searches(desk.user.username)]
    pages, this_search = {}, None
    if found is not None:
        around = {"previous": found.page - 1 if found.page > 1 else None,
                  "next": found.page + 1 if found.has_next else None}
        pages = {name: _sealed_search(request, form.model_copy(update={"page": number}))
                 for name, number in around.items() if number is not None}
        this_search = _seal(request, form.model_copy(update={"page": 1}))
    return render(request, "search.html", form=criteria, found=found, for_dossier=form.for_dossier,
                  pages=pages, notice=notice, recent=recent, queue=queue, queue_more=queue >= _QUEUE_SHOWN,
                  saved=saved, this_search=this_search,
                  filtered=bool(set(asked) - {"q"}) or criteria.sort is not SortOrder.RELEVANCE,
                  doc_types=list(DocType), statuses=list(FileStatus), sort_orders=list(SortOrder))


class KeptSearch(BaseModel):
    """The form that keeps the search on screen under a name the officer chooses."""

    name: str = Field("", max_length=400)
    s: str = Field(max_length=4000)


@router.post("/search/saved")
async def keep_search(request: Request, desk: Annotated[Desk, Depends(officer)],
                      form: Annotated[KeptSearch, Form()]) -> Response:
    """Keep a search (sealed, so the criteria never travel in plain form) to run again later."""
    sealed = request.app.state.sealer.open(form.s, timedelta(hours=desk.web.search_link_hours))
    if not isinstance(sealed, dict):
        return _see_other("/search?kept=expired")
    criteria = SearchRequest.model_validate(SearchForm.model_validate(sealed).model_dump(exclude={"for_dossier"}))
    name = " ".join(form.name.split())[:SAVED_NAME_LENGTH] or criteria.q[:SAVED_NAME_LENGTH] or "Tìm kiếm đã lưu"
    kept = desk.catalog.search.save_search(desk.user.username, name, criteria)
    return _see_other("/search?kept=" + ("saved" if kept else "full"))


@router.post("/search/saved/{saved_id}/delete")
async def forget_search(saved_id: int, desk: Annotated[Desk, Depends(officer)]) -> Response:
    """Delete one of the officer's own saved searches (another's is silently not there)."""
    desk.catalog.search.forget_search(desk.user.username, saved_id)
    return _see_other("/search?kept=deleted")


@router.post("/search")
async def search_form(request: Request, _desk: Annotated[Desk, Depends(officer)],
                      form: Annotated[SearchForm, Form()]) -> Response:
    """The search form is posted, so what was typed (a name, an ID number) is never in a URL: the
    results are shown under a sealed link, which also pages and survives the back button."""
    return _see_other(_sealed_search(request, form.model_copy(update={"page": 1})))


def _sealed_search(request: Request, form: SearchForm) -> str:
    return "/search?s=" + _seal(request, form)


def _seal(request: Request, form: SearchForm) -> str:
    return request.app.state.sealer.seal(form.model_dump(mode="json", exclude_defaults=True))


@router.get("/documents/{document_id}")
def document(request: Request, document_id: str, desk: Annotated[Desk, Depends(reader)],
                   for_dossier: str | None = None) -> Response:
    return render(request, "document.html", detail=desk.document(document_id), for_dossier=for_dossier,
                  directions=list(Direction))


@router.get("/documents/{document_id}/pdf")
def document_pdf(document_id: str, desk: Annotated[Desk, Depends(reader)],
                       download: bool = False) -> Response:
    return desk.object_response(document_id, "searchable_pdf", download=download)


@router.get("/documents/{document_id}/original")
def document_original(document_id: str, desk: Annotated[Desk, Depends(reader)]) -> Response:
    return desk.object_response(document_id, "original", download=True)


@router.get("/documents/{document_id}/thumbnail")
def document_thumbnail(document_id: str, desk: Annotated[Desk, Depends(reader)]) -> Response:
    return desk.object_response(document_id, "thumbnail", download=False)


@router.get("/documents/{document_id}/card")
def document_card(document_id: str, desk: Annotated[Desk, Depends(reader)]) -> Response:
    """The identity card cut out of the scan and turned upright, as the reader read it."""
    return desk.object_response(document_id, "card", download=False)


@router.get("/documents/{document_id}/image")
def document_image(document_id: str, desk: Annotated[Desk, Depends(reader)]) -> Response:
    """What the reviewer compares the fields with: the scan itself when browsers can show it."""
    hit = desk.hit(document_id)
    shows_original = hit.original_name.lower().rsplit(".", 1)[-1] in ("png", "jpg", "jpeg")
    return desk.object_response(document_id, "original" if shows_original else "thumbnail", download=False)


@router.get("/dossiers")
def dossiers(request: Request, desk: Annotated[Desk, Depends(officer)]) -> Response:
    since = desk.today() - timedelta(days=30)
    office = None if desk.user.province_wide else desk.user.office_code
    recent = desk.catalog.people.find_dossiers(office_code=office, received_from=since) \
        if (desk.user.office_code or desk.user.province_wide) else []
    return render(request, "dossiers.html", recent=list(reversed(recent)), error=None)


@router.post("/dossiers")
def open_dossier(request: Request, desk: Annotated[Desk, Depends(officer)],
                       code: Annotated[str, Form(max_length=60)],
                       procedure_code: Annotated[str, Form(max_length=60)] = "") -> Response:
    try:
        dossier = desk.open_dossier(code, procedure_code)
    except Refused as exc:
        return render(request, "dossiers.html", 409, recent=[], error=str(exc), code=code)
    return _see_other(f"/dossiers/{dossier.code}")


@router.get("/dossiers/{code}")
def dossier(request: Request, code: str, desk: Annotated[Desk, Depends(officer)]) -> Response:
    found = desk.dossier(code)
    desk.audit(AuditAction.DOSSIER, dossier_code=found.code)
    summaries = desk.catalog.search.get_summaries([link.document_id for link in found.documents])
    hits = {hit.id: hit for hit in desk.hits(summaries)}
    return render(request, "dossier.html", dossier=found, hits=hits)


@router.post("/reuse")
def attach(request: Request, desk: Annotated[Desk, Depends(officer)],
           dossier_code: Annotated[str, Form(max_length=60)],
           document_id: Annotated[str, Form(max_length=64)],
           direction: Annotated[Direction, Form()] = Direction.INPUT,
           component: Annotated[str, Form(max_length=200)] = "",
           override_reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Attach from the document page; a dossier code not seen before opens a new dossier."""
    try:
        link = desk.reuse(dossier_code, document_id, direction, component, override_reason)
    except Refused as exc:
        detail = desk.document(document_id, audited=False)
        return render(request, "document.html", 409, detail=detail, for_dossier=dossier_code,
                      directions=list(Direction), error=str(exc))
    return _see_other(f"/dossiers/{link.dossier_code}")


@router.get("/review")
def review_queue(request: Request, desk: Annotated[Desk, Depends(reviewer)],
                       page: Annotated[int, Query(ge=1, le=1000)] = 1) -> Response:
    size = 50
    queue = desk.hits(desk.catalog.search.find_review_queue(desk.scope, limit=size + 1, offset=(page - 1) * size))
    return render(request, "review_list.html", queue=queue[:size], page=page, has_next=len(queue) > size)


@router.get("/review/{document_id}")
def review_page(request: Request, document_id: str, desk: Annotated[Desk, Depends(reviewer)]) -> Response:
    return render(request, "review.html", detail=desk.document(document_id), error=None, typed={},
                  fields=IDENTITY_FIELDS)


@router.post("/review/{document_id}")
async def review(request: Request, document_id: str, desk: Annotated[Desk, Depends(reviewer)]) -> Response:
    """The fields are named after IDENTITY_FIELDS, so the form is read whole; the catalog work runs
    in the thread pool like every other page."""
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in IDENTITY_FIELDS if name in form}
    confirm = form.get("action") == "confirm"
    try:
        await run_in_threadpool(desk.review, document_id, values, confirm)
    except Refused as exc:
        detail = await run_in_threadpool(desk.document, document_id, audited=False)
        return render(request, "review.html", 422, detail=detail, error=str(exc), fields=IDENTITY_FIELDS,
                      typed=values)
    if not confirm:
        return _see_other(f"/review/{document_id}")
    # Confirmed: straight on to the next paper waiting (oldest first), the queue when none is left.
    waiting = desk.catalog.search.find_review_queue(desk.scope, limit=1)
    return _see_other(f"/review/{waiting[0].id}" if waiting else "/review")


@router.get("/upload")
def upload_page(request: Request, desk: Annotated[Desk, Depends(scanner)]) -> Response:
    mine = desk.catalog.batches.find_uploads(username=desk.user.username, limit=20)
    return render(request, "upload.html", uploads=mine, directions=list(Direction), error=None, refused=[],
                  typed={})


@router.post("/upload")
def upload(request: Request, desk: Annotated[Desk, Depends(scanner)],
                 files: Annotated[list[UploadFile], File()],
                 components: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI form default
                 office_code: Annotated[str, Form(max_length=60)] = "",
                 dossier_code: Annotated[str, Form(max_length=60)] = "",
                 procedure_code: Annotated[str, Form(max_length=60)] = "",
                 direction: Annotated[Direction, Form()] = Direction.INPUT) -> Response:
    try:
        done = desk.upload([(f.filename or "", f.file) for f in files if f.filename], components,
                           office_code=office_code or None, dossier_code=dossier_code or None,
                           procedure_code=procedure_code or None, direction=direction)
    except Refused as exc:
        typed = {"office_code": office_code, "dossier_code": dossier_code, "procedure_code": procedure_code,
                 "direction": direction.value}
        return render(request, "upload.html", 422, uploads=[], directions=list(Direction), error=str(exc),
                      refused=getattr(exc, "files", []), typed=typed)
    return _see_other(f"/uploads/{done.id}")


@router.get("/uploads/{upload_id}")
def upload_status(request: Request, upload_id: str,
                        desk: Annotated[Desk, Depends(scanner)]) -> Response:
    return render(request, "upload_status.html", progress=desk.upload_progress(upload_id))


@router.get("/audit")
def audit(request: Request, desk: Annotated[Desk, Depends(admin)],
                username: Annotated[str, Query(max_length=64)] = "",
                action: Annotated[AuditAction | Literal[""], Query()] = "",
                document_id: Annotated[str, Query(max_length=64)] = "",
                since: Annotated[date | Literal[""], Query()] = "",
                page: Annotated[int, Query(ge=1, le=1000)] = 1) -> Response:
    size = 100
    since = min(max(since, FIRST_DAY), LAST_DAY) if since else since  # a day the clock can hold
    entries = desk.catalog.accounts.find_audit(username=username or None, action=action or None,
                                     document_id=document_id or None,
                                     since=day_start(since, desk.settings.zone) if since else None,
                                     limit=size + 1, offset=(page - 1) * size)
    desk.audit(AuditAction.AUDIT_READ, of_account=username or None, action_read=action or None,
               entries=len(entries[:size]))
    return render(request, "audit.html", entries=entries[:size], has_next=len(entries) > size, page=page,
                  filters={"username": username, "action": action.value if action else "",
                           "document_id": document_id, "since": since.isoformat() if since else ""},
                  actions=list(AuditAction))


@router.get("/accounts")
def accounts_page(request: Request, desk: Annotated[Desk, Depends(admin)]) -> Response:
    return _accounts(request, desk)


@router.post("/accounts/{username}")
def change_account_page(request: Request, username: str, desk: Annotated[Desk, Depends(admin)],
                        change: Annotated[AccountChange, Form()],
                        password: Annotated[str, Form(max_length=1024)] = "") -> Response:
    try:
        done = change_account(desk, username, change, password)
    except Refused as exc:
        return _accounts(request, desk, 422, error=str(exc), failed=username)
    return _accounts(request, desk, notice=done)


def _accounts(request: Request, desk: Desk, status_code: int = 200, *, notice: str | None = None,
              error: str | None = None, failed: str | None = None) -> Response:
    return render(request, "accounts.html", status_code, accounts=managed_accounts(desk), notice=notice,
                  error=error, failed=failed)
