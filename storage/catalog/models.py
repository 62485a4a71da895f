"""The catalog's tables (SQLAlchemy 2.0 declarative), portable between SQLite and PostgreSQL.

Status and kind columns are plain strings rather than database enums: new reason codes and statuses
then need no migration. JSON columns hold lists of `Problem` and the batch manifest as the pydantic
models dump them. The full-text indexes are not here: they are dialect-specific (fulltext.py, migrations).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints let later migrations drop or alter them (SQLite needs names for batch mode).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants in UTC and hands them back timezone-aware.

    SQLite keeps no time zone, so without this a value written as 08:00+07:00 would come back as a
    naive 08:00 and compare wrongly with the UTC clock. Naive input is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JsonDocument, list[Any]: JsonDocument}


class BatchRow(Base):
    """A dropped batch. `status` stays NULL until the batch has finished."""

    __tablename__ = "batch"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)
    manifest: Mapped[dict[str, Any]]
    status: Mapped[str | None] = mapped_column(String)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    report_key: Mapped[str | None] = mapped_column(String)
    problems: Mapped[list[Any]] = mapped_column(server_default="[]")


class InboxDropRow(Base):
    """The watcher's attempts at one inbox drop (schemas.batch.DropAttempt)."""

    __tablename__ = "inbox_drop"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String)
    attempts: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(String)
    state: Mapped[str] = mapped_column(String)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    retry_at: Mapped[datetime | None]


class DocumentRow(Base):
    """One unique file content (deduplicated by sha256); its text lives in its pages."""

    __tablename__ = "document"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    sha256: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[str] = mapped_column(String)
    original_name: Mapped[str] = mapped_column(String)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batch.id"), index=True)
    page_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String)
    problems: Mapped[list[Any]]
    dossier_code: Mapped[str | None] = mapped_column(String, index=True)
    office_code: Mapped[str | None] = mapped_column(String)
    procedure_code: Mapped[str | None] = mapped_column(String)
    direction: Mapped[str | None] = mapped_column(String)
    component: Mapped[str | None] = mapped_column(String)
    heading: Mapped[str | None] = mapped_column(String)
    doc_type: Mapped[str] = mapped_column(String, index=True)
    doc_type_score: Mapped[float] = mapped_column(Float, server_default="0")
    identity: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]

    pages: Mapped[list[PageRow]] = relationship(
        order_by="PageRow.number", cascade="all, delete-orphan", passive_deletes=True
    )
    objects: Mapped[list[StoredObjectRow]] = relationship(
        order_by="StoredObjectRow.key", cascade="all, delete-orphan", passive_deletes=True
    )
    people: Mapped[list[DocumentPersonRow]] = relationship(
        order_by="DocumentPersonRow.id_number", cascade="all, delete-orphan", passive_deletes=True
    )


class PageRow(Base):
    """One page's text and how it was obtained; the word boxes live in the object store."""

    __tablename__ = "page"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)
    mean_conf: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer)
    skew_degrees: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(Text)
    problems: Mapped[list[Any]]
    seconds: Mapped[float] = mapped_column(Float)


class StoredObjectRow(Base):
    """An object the document owns in the object store (original, searchable PDF, words JSON, ...)."""

    __tablename__ = "stored_object"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String, primary_key=True)
    role: Mapped[str] = mapped_column(String)
    sha256: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String)


class BatchFileRow(Base):
    """One dropped file's final outcome in its batch; the (batch, name) key makes reruns upserts."""

    __tablename__ = "batch_file"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batch.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String, primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String)
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String)
    problems: Mapped[list[Any]]
    pages: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String)
    seconds: Mapped[float] = mapped_column(Float)


class PersonRow(Base):
    """A citizen, keyed by the 12-digit personal identification number (DESIGN 5.1)."""

    __tablename__ = "person"

    id_number: Mapped[str] = mapped_column(String, primary_key=True)
    full_name: Mapped[str | None] = mapped_column(String)
    folded_name: Mapped[str | None] = mapped_column(String, index=True)
    date_of_birth: Mapped[str | None] = mapped_column(String)
    sex: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[datetime]


class PersonAliasRow(Base):
    """An old 9-digit (or 12-digit CMND) number that still appears on papers, kept for the person."""

    __tablename__ = "person_alias"

    alias: Mapped[str] = mapped_column(String, primary_key=True)
    id_number: Mapped[str] = mapped_column(ForeignKey("person.id_number"), index=True)


class DocumentPersonRow(Base):
    """A document that carries a person's number: their card, or any paper printing the number."""

    __tablename__ = "document_person"
    # A person's documents straight from the index, without a row read each (migration 0007).
    __table_args__ = (Index("ix_document_person_id_number_document_id", "id_number", "document_id"),)

    document_id: Mapped[str] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    id_number: Mapped[str] = mapped_column(ForeignKey("person.id_number"), primary_key=True)


class DossierRow(Base):
    """A dossier (hồ sơ) keyed by its code as written (DESIGN 5.5)."""

    __tablename__ = "dossier"

    code: Mapped[str] = mapped_column(String, primary_key=True)
    office_code: Mapped[str | None] = mapped_column(String, index=True)
    procedure_code: Mapped[str | None] = mapped_column(String)
    receipt_date: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String)
    returns_paper_result: Mapped[bool] = mapped_column(Boolean)


class DossierDocumentRow(Base):
    """A document attached to a dossier as input or output, scanned for it or reused."""

    __tablename__ = "dossier_document"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossier.code"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), primary_key=True, index=True)
    direction: Mapped[str] = mapped_column(String, primary_key=True)
    component: Mapped[str | None] = mapped_column(String)
    reused: Mapped[bool] = mapped_column(Boolean)
    source_dossier: Mapped[str | None] = mapped_column(String)
    attached_by: Mapped[str | None] = mapped_column(String)
    attached_at: Mapped[datetime]
    override_reason: Mapped[str | None] = mapped_column(Text)


# --- the officers' service: accounts, logins, tokens, audit, corrections, uploads ------------


class UserRow(Base):
    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(String, primary_key=True)
    full_name: Mapped[str] = mapped_column(String)
    office_code: Mapped[str | None] = mapped_column(String)
    roles: Mapped[list[Any]]
    province_wide: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]


class LoginRow(Base):
    """A signed-in browser (a login session); the cookie holds the token, the table only its digest."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), index=True)
    csrf_token: Mapped[str] = mapped_column(String)
    client: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginThrottleRow(Base):
    """Failed logins of one account name from one client address, and until when that pair waits.

    Keyed by the name as typed (known account or not) and the client, so nobody can lock an officer
    out from elsewhere and the answer never tells whether a name exists."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String, primary_key=True)
    client: Mapped[str] = mapped_column(String, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class SavedSearchRow(Base):
    """A search an officer keeps to run again from the search page: the form's criteria as JSON."""

    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("username", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    name: Mapped[str] = mapped_column(String)
    criteria: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A machine client's bearer token (a provincial one-stop system), stored as its digest."""

    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), index=True)
    label: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditRow(Base):
    """Append-only (the migration forbids UPDATE and DELETE on SQLite with triggers)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String, index=True)
    action: Mapped[str] = mapped_column(String, index=True)
    document_id: Mapped[str | None] = mapped_column(String, index=True)
    dossier_code: Mapped[str | None] = mapped_column(String)
    client: Mapped[str | None] = mapped_column(String)
    detail: Mapped[dict[str, Any]]


class FieldCorrectionRow(Base):
    __tablename__ = "field_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    field: Mapped[str] = mapped_column(String)
    value: Mapped[str] = mapped_column(Text)
    machine_value: Mapped[str | None] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String)
    corrected_at: Mapped[datetime]


class UploadRow(Base):
    __tablename__ = "web_upload"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    folder: Mapped[str] = mapped_column(String, unique=True)
    username: Mapped[str] = mapped_column(String, index=True)
    office_code: Mapped[str | None] = mapped_column(String)
    dossier_code: Mapped[str | None] = mapped_column(String)
    direction: Mapped[str] = mapped_column(String)
    files: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)


# --- the archive: packages, their files and records, fixity state ----------------------------


class ArchivePackageRow(Base):
    """One BagIt bag in the archive store."""

    __tablename__ = "archive_package"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    office_code: Mapped[str | None] = mapped_column(String, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    status: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    input_records: Mapped[int] = mapped_column(Integer)
    output_records: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    pdfa_copies: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)
    tagmanifest_sha256: Mapped[str | None] = mapped_column(String)
    tagmanifest_sha512: Mapped[str | None] = mapped_column(String)
    retain_until: Mapped[datetime | None]
    retention_mode: Mapped[str] = mapped_column(String)
    store: Mapped[str] = mapped_column(String)


class ArchiveFileRow(Base):
    """A file of a bag: what fixity compares the stored bytes with."""

    __tablename__ = "archive_file"

    package_id: Mapped[str] = mapped_column(ForeignKey("archive_package.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String, primary_key=True)
    sha256: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(BigInteger)
    retain_until: Mapped[datetime]


class ArchiveRecordRow(Base):
    """A document that is in a complete package; at most one package per document."""

    __tablename__ = "archive_record"

    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("archive_package.id"), index=True)
    record_class: Mapped[str] = mapped_column(String)
    archived_at: Mapped[datetime]


class FixityStateRow(Base):
    """When a stored object (or a whole package) was last verified, and with what outcome."""

    __tablename__ = "fixity_state"

    area: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    checked_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String)


# Indexes the search needs on the shared tables (created by migration 0005_web).
SEARCH_INDEXES = (
    Index("ix_document_office_code_created_at", DocumentRow.office_code, DocumentRow.created_at),
    Index("ix_document_created_at", DocumentRow.created_at),
    Index("ix_document_status", DocumentRow.status),
    Index("ix_document_procedure_code", DocumentRow.procedure_code),
    Index("ix_person_date_of_birth", PersonRow.date_of_birth),
)
# A document's scope and age without reading its row (migration 0007): the people and text
# searches check thousands of candidates against the office for a page of twenty.
SCOPE_INDEX = Index("ix_document_id_office_code_created_at",
                    DocumentRow.id, DocumentRow.office_code, DocumentRow.created_at)
