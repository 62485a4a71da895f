"""Accounts, sessions, API tokens, the audit log, reviewers' corrections and web uploads.

These tables serve the officers' web service (migration 0005_web). `AccountsMixin` gives `Catalog`
their methods; it uses the catalog's sessions, so every write is one short transaction like the rest.
Secrets never reach this module in clear: sessions and API tokens are stored as SHA-256 digests and
passwords as argon2 hashes made by the web layer. Reviewers' corrections are new rows beside the
machine's reading, never an overwrite of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Engine,
    ForeignKey,
    Integer,
    Row,
    String,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from schemas.accounts import AuditAction, AuditEntry, FieldCorrection, Upload, User
from schemas.batch import BatchReport
from schemas.document import FileStatus
from schemas.identity import FieldValue, Identity, IdSource
from storage.catalog.models import (
    Base,
    BatchFileRow,
    BatchRow,
    DocumentPersonRow,
    DocumentRow,
    PersonRow,
)


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


class WebSessionRow(Base):
    """A browser session; the cookie holds the token, the table only its digest."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"), index=True)
    csrf_token: Mapped[str] = mapped_column(String)
    client: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


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


# Run on every request: built once (building a statement costs more than running it).
_TOKEN_USER = (select(*UserRow.__table__.columns).join(ApiTokenRow)
               .where(ApiTokenRow.token_hash == bindparam("token_hash"), ApiTokenRow.revoked_at.is_(None),
                      UserRow.active.is_(True)))
_SESSION_USER = (select(*UserRow.__table__.columns, WebSessionRow.csrf_token).join(WebSessionRow)
                 .where(WebSessionRow.token_hash == bindparam("token_hash"),
                        WebSessionRow.expires_at > bindparam("now"), UserRow.active.is_(True)))


def _user(row: UserRow | Row[Any]) -> User:
    return User(username=row.username, full_name=row.full_name, office_code=row.office_code,
                roles=row.roles, province_wide=row.province_wide, active=row.active)


def correction_of(row: FieldCorrectionRow | Row[Any]) -> FieldCorrection:
    return FieldCorrection(document_id=row.document_id, field=row.field, value=row.value,
                           machine_value=row.machine_value, corrected_by=row.corrected_by,
                           corrected_at=row.corrected_at)


def latest_values(corrections: list[FieldCorrection]) -> dict[str, FieldCorrection]:
    """The reviewer's current value per field: the latest correction wins."""
    latest: dict[str, FieldCorrection] = {}
    for correction in sorted(corrections, key=lambda c: c.corrected_at or datetime.min):
        latest[correction.field] = correction
    return latest


def reviewed_identity(identity: Identity | None, corrections: list[FieldCorrection]) -> Identity:
    """The identity as the reviewer confirmed it: corrected values over the machine's, no reasons left."""
    reviewed = (identity or Identity()).model_copy(update={"review_reasons": [], "field_reasons": {}})
    for name, correction in latest_values(corrections).items():
        machine = reviewed.field(name)
        source = machine.source if machine is not None else IdSource.PRINTED
        setattr(reviewed, name, FieldValue(value=correction.value, source=source, confidence=1.0,
                                           raw=machine.raw if machine else None))
    return reviewed


class AccountsMixin:
    """Account, audit, review and upload methods of `Catalog` (which provides the sessions)."""

    _read_sessions: sessionmaker[Session]
    _write_sessions: sessionmaker[Session]
    _engine: Engine  # Core for the reads and writes every request makes (login check, audit):
    _writer: Engine  # the ORM's per-statement overhead showed in the search latency

    def ping(self) -> None:
        """Raise unless the database answers (the health check)."""
        with self._read_sessions() as session:
            session.execute(select(1))

    # --- accounts ---------------------------------------------------------------------------

    def save_user(self, user: User, password_hash: str | None = None) -> None:
        """Create or update an account; the password hash is kept when None is given."""
        with self._write_sessions.begin() as session:
            row = session.get(UserRow, user.username)
            if row is None:
                row = UserRow(username=user.username, created_at=datetime.now(UTC))
                session.add(row)
            row.full_name, row.office_code, row.roles = user.full_name, user.office_code, \
                [role.value for role in user.roles]
            row.province_wide, row.active = user.province_wide, user.active
            if password_hash is not None:
                row.password_hash = password_hash

    def user(self, username: str) -> User | None:
        with self._read_sessions() as session:
            row = session.get(UserRow, username)
            return None if row is None else _user(row)

    def users(self) -> list[User]:
        with self._read_sessions() as session:
            return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.username))]

    def password_hash(self, username: str) -> str | None:
        """The stored argon2 hash of an active account, None for unknown or disabled accounts."""
        with self._read_sessions() as session:
            row = session.get(UserRow, username)
            return row.password_hash if row is not None and row.active else None

    def set_password_hash(self, username: str, password_hash: str) -> None:
        """Replace a hash (argon2 parameters were raised since it was made)."""
        with self._write_sessions.begin() as session:
            row = session.get(UserRow, username)
            if row is not None:
                row.password_hash = password_hash

    def open_session(self, token_hash: str, username: str, csrf_token: str, expires_at: datetime,
                     client: str | None) -> None:
        with self._write_sessions.begin() as session:
            session.add(WebSessionRow(token_hash=token_hash, username=username, csrf_token=csrf_token,
                                      client=client, created_at=datetime.now(UTC),
                                      expires_at=expires_at))

    def session_user(self, token_hash: str, now: datetime) -> tuple[User, str] | None:
        """The active account of a live session and its CSRF token."""
        with self._engine.connect() as conn:
            found = conn.execute(_SESSION_USER, {"token_hash": token_hash, "now": now}).first()
            return None if found is None else (_user(found), found.csrf_token)

    def close_session(self, token_hash: str, now: datetime) -> None:
        """End a session, and forget every expired one while at it."""
        with self._write_sessions.begin() as session:
            session.execute(delete(WebSessionRow).where(
                (WebSessionRow.token_hash == token_hash) | (WebSessionRow.expires_at <= now)))

    def add_api_token(self, token_hash: str, username: str, label: str) -> None:
        with self._write_sessions.begin() as session:
            session.add(ApiTokenRow(token_hash=token_hash, username=username, label=label,
                                    created_at=datetime.now(UTC)))

    def token_user(self, token_hash: str) -> User | None:
        """The active account a bearer token belongs to, unless the token was revoked."""
        with self._engine.connect() as conn:
            row = conn.execute(_TOKEN_USER, {"token_hash": token_hash}).first()
            return None if row is None else _user(row)

    # --- audit ------------------------------------------------------------------------------

    def audit(self, *entries: AuditEntry) -> None:
        """Append entries in one transaction (a group commit hands over several at once)."""
        if not entries:
            return
        with self._writer.begin() as conn:
            conn.execute(insert(AuditRow), [
                {"at": entry.at or datetime.now(UTC), "username": entry.username,
                 "action": entry.action.value, "document_id": entry.document_id,
                 "dossier_code": entry.dossier_code, "client": entry.client, "detail": entry.detail}
                for entry in entries])

    def audit_log(self, *, username: str | None = None, action: AuditAction | None = None,
                  document_id: str | None = None, since: datetime | None = None,
                  limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Entries, newest first, optionally of one account, action, document or period."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        if username is not None:
            query = query.where(AuditRow.username == username)
        if action is not None:
            query = query.where(AuditRow.action == action.value)
        if document_id is not None:
            query = query.where(AuditRow.document_id == document_id)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        with self._read_sessions() as session:
            return [AuditEntry(id=row.id, at=row.at, username=row.username, action=row.action,
                               document_id=row.document_id, dossier_code=row.dossier_code,
                               client=row.client, detail=row.detail)
                    for row in session.scalars(query)]

    def failed_logins(self, username: str, since: datetime) -> int:
        """Failed logins of an account since a time: the lock-out counter, shared by every worker."""
        with self._read_sessions() as session:
            return session.scalar(select(func.count()).select_from(AuditRow).where(
                AuditRow.username == username, AuditRow.action == AuditAction.LOGIN_FAILED.value,
                AuditRow.at >= since)) or 0

    # --- review -----------------------------------------------------------------------------

    def corrections(self, document_id: str) -> list[FieldCorrection]:
        """Every correction of a document, oldest first (the history the reviewer page shows)."""
        with self._read_sessions() as session:
            return [correction_of(row) for row in session.scalars(
                select(FieldCorrectionRow).where(FieldCorrectionRow.document_id == document_id)
                .order_by(FieldCorrectionRow.id))]

    def review_document(self, document_id: str, values: dict[str, str], reviewer: str,
                        confirm: bool) -> list[FieldCorrection]:
        """Store the reviewer's values that differ from the current ones; with `confirm`, the
        document becomes `ok` and its person record takes the reviewed identity.

        Returns the corrections written now. The machine's identity is left as it was read.
        """
        # The catalog's own rules for people; imported here because repository imports this module.
        from storage.catalog.repository import _document, _record_people

        with self._write_sessions.begin() as session:
            row = session.get(DocumentRow, document_id)
            if row is None:
                raise KeyError("no such document")
            identity = Identity.model_validate(row.identity) if row.identity else None
            earlier = [correction_of(c) for c in session.scalars(
                select(FieldCorrectionRow).where(FieldCorrectionRow.document_id == document_id))]
            current = reviewed_identity(identity, earlier)
            now = datetime.now(UTC)
            written = []
            for name, value in values.items():
                shown = current.field(name)
                if value == (shown.value if shown else None) or (not value and shown is None):
                    continue
                machine = identity.field(name) if identity else None
                correction = FieldCorrection(document_id=document_id, field=name, value=value,
                                             machine_value=machine.value if machine else None,
                                             corrected_by=reviewer, corrected_at=now)
                session.add(FieldCorrectionRow(**correction.model_dump()))
                written.append(correction)
            if confirm:
                row.status = FileStatus.OK.value
                if identity is not None:
                    reviewed = reviewed_identity(identity, earlier + written)
                    self._link_reviewed_person(session, row, identity, reviewed)
                    _record_people(session, _document(row).model_copy(update={
                        "identity": reviewed,
                        "people": [reviewed.id_number.value] if reviewed.id_number else []}))
            return written

    @staticmethod
    def _link_reviewed_person(session: Session, row: DocumentRow, machine: Identity,
                              reviewed: Identity) -> None:
        """Move the card's person link from a misread number to the confirmed one."""
        wrong = machine.id_number.value if machine.id_number else None
        right = reviewed.id_number.value if reviewed.id_number else None
        if wrong == right:
            return
        row.people = [link for link in row.people if link.id_number != wrong]
        session.flush()
        if right is not None and all(link.id_number != right for link in row.people):
            if session.get(PersonRow, right) is None:
                session.add(PersonRow(id_number=right, updated_at=datetime.now(UTC)))
                session.flush()
            row.people.append(DocumentPersonRow(document_id=row.id, id_number=right))

    # --- uploads ----------------------------------------------------------------------------

    def record_upload(self, upload: Upload) -> None:
        with self._write_sessions.begin() as session:
            session.add(UploadRow(**upload.model_dump(exclude={"created_at"}),
                                  created_at=upload.created_at or datetime.now(UTC)))

    def upload(self, upload_id: str) -> Upload | None:
        with self._read_sessions() as session:
            row = session.get(UploadRow, upload_id)
            return None if row is None else Upload.model_validate(row, from_attributes=True)

    def uploads(self, *, username: str | None = None, office_code: str | None = None,
                limit: int = 50) -> list[Upload]:
        """The latest uploads, of one account or one office when given."""
        query = select(UploadRow).order_by(UploadRow.created_at.desc()).limit(limit)
        if username is not None:
            query = query.where(UploadRow.username == username)
        if office_code is not None:
            query = query.where(UploadRow.office_code == office_code)
        with self._read_sessions() as session:
            return [Upload.model_validate(row, from_attributes=True) for row in session.scalars(query)]

    def batch_progress(self, name: str) -> tuple[str | None, int, BatchReport | None]:
        """For the batch named `name` (the upload's folder): its id once ingestion started, how many
        files are recorded so far, and its report once finished."""
        from storage.catalog.repository import _reports  # repository imports this module

        with self._read_sessions() as session:
            batch = session.scalars(select(BatchRow).where(BatchRow.name == name)
                                    .order_by(BatchRow.started_at.desc())).first()
            if batch is None:
                return None, 0, None
            done = session.scalar(select(func.count()).select_from(BatchFileRow)
                                  .where(BatchFileRow.batch_id == batch.id)) or 0
            return batch.id, done, _reports(session, [batch])[0] if batch.status is not None else None
