"""The JSON API for the provincial one-stop systems: the same operations as the pages, with bearer
tokens (`sohoa user token`) or a browser session; schema at /api/openapi.json."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from schemas.accounts import AuditAction, AuditEntry, FieldCorrection, Role
from schemas.batch import Direction
from schemas.dossier import Dossier, DossierDocument
from schemas.search import MAX_OFFSET, SearchRequest
from web.service import Desk, DocumentDetail, Hit, PersonDocuments, SearchPage, UploadProgress, desk_for

router = APIRouter(prefix="/api", tags=["sohoa"])
officer = desk_for(Role.OFFICER)
reader = desk_for(Role.OFFICER, Role.REVIEWER)
reviewer = desk_for(Role.REVIEWER)


class DossierRequest(BaseModel):
    code: str = Field(max_length=60, description="mã hồ sơ, Circular 01/2018 or 03/2025 form")
    procedure_code: str | None = Field(None, max_length=60)


class ReuseRequest(BaseModel):
    document_id: str = Field(max_length=64)
    direction: Direction = Direction.INPUT
    component: str | None = Field(None, max_length=200)
    override_reason: str | None = Field(None, max_length=1000,
                                        description="required when the document is no longer valid")


class ReviewRequest(BaseModel):
    values: dict[str, str] = Field({}, description="identity field → reviewed value")
    confirm: bool = Field(False, description="the document becomes ok")


@router.get("/search", response_model=SearchPage)
async def search(desk: Annotated[Desk, Depends(officer)],
                 form: Annotated[SearchRequest, Query()]) -> Response:
    """Documents by ID number (exact or last digits), old CMND number, name, text and filters."""
    # Serialized here, once: no second validation of the result by FastAPI.
    return Response((await desk.search(form)).model_dump_json(), media_type="application/json")


@router.get("/documents/{document_id}", response_model=DocumentDetail)
def document(document_id: str, desk: Annotated[Desk, Depends(reader)]) -> DocumentDetail:
    return desk.document(document_id)


@router.get("/documents/{document_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, 307: {"description": "S3 link"}})
def document_pdf(document_id: str, desk: Annotated[Desk, Depends(reader)],
                 download: bool = False) -> Response:
    """The searchable PDF (streamed, or a short-lived link on S3)."""
    return desk.object_response(document_id, "searchable_pdf", download=download)


@router.get("/persons/{number}", response_model=PersonDocuments)
def person(number: str, desk: Annotated[Desk, Depends(officer)]) -> PersonDocuments:
    return desk.person(number)


class PersonLookup(BaseModel):
    number: str = Field(max_length=20, description="12-digit ID number or 9-digit old CMND number")


@router.post("/persons", response_model=PersonDocuments)
def person_by_body(body: PersonLookup, desk: Annotated[Desk, Depends(officer)]) -> PersonDocuments:
    """The same as GET /api/persons/{number}, with the number in the body: out of URLs and proxy logs."""
    return desk.person(body.number)


@router.post("/search", response_model=SearchPage)
async def search_by_body(form: SearchRequest, desk: Annotated[Desk, Depends(officer)]) -> Response:
    """The same as GET /api/search, with the query in the body: ID numbers stay out of URLs and logs."""
    return await search(desk, form)


@router.post("/dossiers", response_model=Dossier)
def open_dossier(body: DossierRequest, desk: Annotated[Desk, Depends(officer)]) -> Dossier:
    """Look up a dossier of this office, or create it (the code is validated and carries the date)."""
    return desk.open_dossier(body.code, body.procedure_code)


@router.get("/dossiers/{code}", response_model=Dossier)
def dossier(code: str, desk: Annotated[Desk, Depends(officer)]) -> Dossier:
    found = desk.dossier(code)
    desk.audit(AuditAction.DOSSIER, dossier_code=found.code)
    return found


@router.post("/dossiers/{code}/documents", response_model=DossierDocument)
def reuse(code: str, body: ReuseRequest, desk: Annotated[Desk, Depends(officer)]) -> DossierDocument:
    """Attach a digitized document as reused; 409 when it is no longer valid and no reason is given."""
    return desk.reuse(code, body.document_id, body.direction, body.component, body.override_reason)


@router.get("/review", response_model=list[Hit])
def review_queue(desk: Annotated[Desk, Depends(reviewer)],
                 limit: Annotated[int, Query(ge=1, le=500)] = 50,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[Hit]:
    return desk.hits(desk.catalog.search.find_review_queue(desk.scope, limit=limit, offset=offset))


@router.post("/review/{document_id}", response_model=list[FieldCorrection])
def review(document_id: str, body: ReviewRequest,
           desk: Annotated[Desk, Depends(reviewer)]) -> list[FieldCorrection]:
    """Store corrections (kept beside the machine values); `confirm` makes the document ok."""
    return desk.review(document_id, body.values, body.confirm)


@router.get("/uploads/{upload_id}", response_model=UploadProgress)
def upload_progress(upload_id: str, desk: Annotated[Desk, Depends(desk_for(Role.SCANNER))]) -> UploadProgress:
    return desk.upload_progress(upload_id)


@router.get("/audit", response_model=list[AuditEntry])
def audit(desk: Annotated[Desk, Depends(desk_for(Role.ADMIN))],
          username: str | None = None, action: AuditAction | None = None, document_id: str | None = None,
          since: datetime | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[AuditEntry]:
    entries = desk.catalog.accounts.find_audit(username=username, action=action, document_id=document_id,
                                               since=since, limit=limit, offset=offset)
    desk.audit(AuditAction.AUDIT_READ, of_account=username, action_read=action, entries=len(entries))
    return entries
