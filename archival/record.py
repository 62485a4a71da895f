"""A record's metadata.json: identity, classification, dossier links and its history, from catalog facts.

Pure: the facts come from the catalog, the OCR engine description and the archiving moment from the
caller. The history follows the record through sohoa: received in a batch, checksummed, its text read
(per page: text layer or OCR, why, rotation and skew), classified, attached to dossiers (and by whom,
reused or not), sent to review when a reason was found, corrected and confirmed by reviewers (the
officers' service keeps those), archived.
"""

from __future__ import annotations

from datetime import datetime

from schemas.archive import (
    ArchivalCopy,
    PageRecord,
    RecordEvent,
    RecordFacts,
    RecordMetadata,
)
from schemas.document import TextSource


def record_metadata(facts: RecordFacts, files: dict[str, str], copy: ArchivalCopy, package_id: str,
                    archived_at: datetime, software: str, ocr_engine: dict[str, str]) -> RecordMetadata:
    """The metadata of one record as it goes into package `package_id`."""
    document = facts.document
    return RecordMetadata(
        document_id=document.id, record_class=facts.record_class, sha256=document.sha256,
        original_name=document.original_name, kind=document.kind, page_count=document.page_count,
        status=document.status, problems=document.problems, office_code=document.office_code,
        procedure_code=document.procedure_code, dossier_code=document.dossier_code,
        component=document.component, doc_type=document.doc_type, doc_type_score=document.doc_type_score,
        identity=document.identity, people=document.people, dossiers=facts.links, files=files,
        archival_copy=copy,
        pages=[PageRecord(number=p.number, source=p.source, decision=p.decision, rotation=p.rotation,
                          skew_degrees=p.skew_degrees, dpi=p.dpi, mean_conf=p.mean_conf, problems=p.problems)
               for p in facts.pages],
        events=_events(facts, copy, package_id, archived_at, software, ocr_engine),
    )


def _events(facts: RecordFacts, copy: ArchivalCopy, package_id: str, archived_at: datetime,
            software: str, ocr_engine: dict[str, str]) -> list[RecordEvent]:
    document = facts.document
    sources = [page.source for page in facts.pages]
    events = [
        RecordEvent(event="received", at=facts.batch_started_at, by=facts.operator,
                    details={"batch_id": document.batch_id, "batch": facts.batch_name,
                             "file": document.original_name}),
        # Preflight hashes every file before any other work; the batch start is when it ran.
        RecordEvent(event="checksummed", at=facts.batch_started_at, by=software,
                    details={"algorithm": "sha256", "value": document.sha256}),
        RecordEvent(event="text_read", at=document.created_at, by=software, details={
            "pages_text_layer": sources.count(TextSource.TEXT_LAYER),
            "pages_ocr": sources.count(TextSource.OCR), "pages_without_text": sources.count(TextSource.NONE),
            # The catalog does not keep the engine build per page: this is the build installed where
            # the record was archived, normally the same workers a few hours later.
            **({"ocr_engine": ocr_engine} if TextSource.OCR in sources else {}),
        }),
        RecordEvent(event="classified", at=document.created_at, by=software,
                    details={"doc_type": document.doc_type.value, "score": document.doc_type_score,
                             "card_type": document.identity.card_type.value if document.identity else None}),
    ]
    events += [
        RecordEvent(event="attached", at=link.attached_at, by=link.attached_by, details={
            "dossier": link.dossier_code, "direction": link.direction.value, "component": link.component,
            "reused": link.reused, "source_dossier": link.source_dossier,
            **({"override_reason": link.override_reason} if link.override_reason else {})})
        for link in facts.links
    ]
    if document.problems:
        events.append(RecordEvent(event="review_requested", at=document.created_at, by=software,
                                  details={"reasons": sorted({p.code.value for p in document.problems})}))
    events += [RecordEvent(event="corrected", at=c.corrected_at, by=c.corrected_by,
                           details={"field": c.field, "value": c.value, "machine_value": c.machine_value})
               for c in facts.corrections]
    events += [RecordEvent(event="review_confirmed", at=entry.at, by=entry.username)
               for entry in facts.confirmations]
    events.append(RecordEvent(event="archived", at=archived_at, by=software, details={
        "package": package_id, "archival_copy": copy.method, "pdfa": copy.pdfa}))
    return events
