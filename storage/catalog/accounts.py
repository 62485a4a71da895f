"""Accounts and the audit log of the officers' service: users, login sessions, API tokens, audit.

Secrets never reach this module in clear: login sessions and API tokens are stored as SHA-256 digests
and passwords as argon2 hashes made by the web layer. The audit log is append-only (SQLite triggers;
on SQLite it lives in its own attached file, see storage.catalog.database).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from schemas.accounts import AuditAction, AuditEntry, BackOff, User
from storage.catalog.database import Database
from storage.catalog.models import ApiTokenRow, AuditRow, LoginRow, LoginThrottleRow, UserRow
from storage.catalog.rows import now, user_of


def _end_grants(session: Session, username: str) -> None:
    """End the account's login sessions and revoke its API tokens, in the caller's transaction."""
    session.execute(delete(LoginRow).where(LoginRow.username == username))
    for row in session.scalars(select(ApiTokenRow).where(ApiTokenRow.username == username,
                                                          ApiTokenRow.revoked_at.is_(None))):
        row.revoked_at = now()


# Run on every request: built once (building a statement costs more than running it).
_TOKEN_USER = (select(*UserRow.__table__.columns).join(ApiTokenRow)
               .where(ApiTokenRow.token_hash == bindparam("token_hash"), ApiTokenRow.revoked_at.is_(None),
                      UserRow.active.is_(True)))
_LOGIN_USER = (select(*UserRow.__table__.columns, LoginRow.csrf_token).join(LoginRow)
               .where(LoginRow.token_hash == bindparam("token_hash"),
                      LoginRow.expires_at > bindparam("now"), UserRow.active.is_(True)))


class AccountRepository:
    """Accounts, login sessions, API tokens and the audit log."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # --- accounts ---------------------------------------------------------------------------

    def record_user(self, user: User, password_hash: str | None = None) -> None:
        """Create or update an account; the password hash is kept when None is given.

        A new password, role, office or scope, or a disabled account, ends every login session and
        revokes every API token of the account: what was granted before no longer holds."""
        with self._db.writing() as session:
            row = session.get(UserRow, user.username)
            if row is None:
                row = UserRow(username=user.username, created_at=now())
                session.add(row)
            roles = [role.value for role in user.roles]
            changed = row.password_hash is not None and (
                password_hash is not None or row.roles != roles or row.office_code != user.office_code
                or row.province_wide != user.province_wide or (row.active and not user.active))
            row.full_name, row.office_code, row.roles = user.full_name, user.office_code, roles
            row.province_wide, row.active = user.province_wide, user.active
            if password_hash is not None:
                row.password_hash = password_hash
            if changed:
                _end_grants(session, user.username)

    def get_user(self, username: str) -> User | None:
        with self._db.reading() as session:
            row = session.get(UserRow, username)
            return None if row is None else user_of(row)

    def find_users(self) -> list[User]:
        with self._db.reading() as session:
            return [user_of(row) for row in session.scalars(select(UserRow).order_by(UserRow.username))]

    def get_password_hash(self, username: str) -> str | None:
        """The stored argon2 hash of an active account, None for unknown or disabled accounts."""
        with self._db.reading() as session:
            row = session.get(UserRow, username)
            return row.password_hash if row is not None and row.active else None

    def record_password_hash(self, username: str, password_hash: str) -> None:
        """Replace a hash of the same password (argon2 parameters were raised since it was made);
        a new password goes through `record_user`, which ends the account's sessions."""
        with self._db.writing() as session:
            row = session.get(UserRow, username)
            if row is not None:
                row.password_hash = password_hash

    # --- login sessions and API tokens --------------------------------------------------------

    def record_login(self, token_hash: str, username: str, csrf_token: str, expires_at: datetime,
                     client: str | None) -> None:
        with self._db.writing() as session:
            session.add(LoginRow(token_hash=token_hash, username=username, csrf_token=csrf_token,
                                 client=client, created_at=now(), expires_at=expires_at))

    def get_login(self, token_hash: str, at: datetime) -> tuple[User, str] | None:
        """The active account of a live login session and its CSRF token."""
        with self._db.engine.connect() as conn:
            found = conn.execute(_LOGIN_USER, {"token_hash": token_hash, "now": at}).first()
            return None if found is None else (user_of(found), found.csrf_token)

    def end_login(self, token_hash: str, at: datetime) -> None:
        """End a login session, and forget every expired one while at it."""
        with self._db.writing() as session:
            session.execute(delete(LoginRow).where(
                (LoginRow.token_hash == token_hash) | (LoginRow.expires_at <= at)))

    def record_api_token(self, token_hash: str, username: str, label: str) -> None:
        with self._db.writing() as session:
            session.add(ApiTokenRow(token_hash=token_hash, username=username, label=label, created_at=now()))

    def find_tokens(self, username: str) -> list[tuple[str, datetime, datetime | None]]:
        """(label, created, revoked) of an account's API tokens, oldest first (never the token)."""
        with self._db.reading() as session:
            return [(row.label, row.created_at, row.revoked_at) for row in session.scalars(
                select(ApiTokenRow).where(ApiTokenRow.username == username).order_by(ApiTokenRow.created_at))]

    def revoke_tokens(self, username: str, label: str | None = None) -> int:
        """Revoke an account's live tokens (only those with `label` when given); how many."""
        with self._db.writing() as session:
            rows = session.scalars(select(ApiTokenRow).where(
                ApiTokenRow.username == username, ApiTokenRow.revoked_at.is_(None),
                *([ApiTokenRow.label == label] if label is not None else []))).all()
            for row in rows:
                row.revoked_at = now()
            return len(rows)

    def get_token_user(self, token_hash: str) -> User | None:
        """The active account a bearer token belongs to, unless the token was revoked."""
        with self._db.engine.connect() as conn:
            row = conn.execute(_TOKEN_USER, {"token_hash": token_hash}).first()
            return None if row is None else user_of(row)

    # --- audit ------------------------------------------------------------------------------

    def record_audit(self, *entries: AuditEntry) -> None:
        """Append entries in one transaction (a group commit hands over several at once)."""
        if not entries:
            return
        with self._db.writer.begin() as conn:
            conn.execute(insert(AuditRow), [
                {"at": entry.at or now(), "username": entry.username,
                 "action": entry.action.value, "document_id": entry.document_id,
                 "dossier_code": entry.dossier_code, "client": entry.client, "detail": entry.detail}
                for entry in entries])

    def find_audit(self, *, username: str | None = None, action: AuditAction | None = None,
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
        with self._db.reading() as session:
            return [AuditEntry(id=row.id, at=row.at, username=row.username, action=row.action,
                               document_id=row.document_id, dossier_code=row.dossier_code,
                               client=row.client, detail=row.detail)
                    for row in session.scalars(query)]

    # --- login back-off ------------------------------------------------------------------------

    def get_blocked_until(self, username: str, client: str, at: datetime) -> datetime | None:
        """Until when this name may not be tried from this client, if it is waiting now."""
        with self._db.reading() as session:
            row = session.get(LoginThrottleRow, (username, client))
            return row.blocked_until if row is not None and row.blocked_until and row.blocked_until > at else None

    def record_login_failure(self, username: str, client: str, at: datetime, policy: BackOff) -> int:
        """Count a failure in one write transaction (concurrent failures all count) and set the
        back-off once the free attempts are used up; returns the failures counted so far."""
        with self._db.writing() as session:
            row = session.get(LoginThrottleRow, (username, client))
            if row is None or at - row.last_failure_at > policy.forget_after:
                row = session.merge(LoginThrottleRow(username=username, client=client, failures=0,
                                                     last_failure_at=at, blocked_until=None))
            row.failures += 1
            row.last_failure_at = at
            if row.failures >= policy.free_attempts:
                row.blocked_until = at + policy.wait(row.failures)
            return row.failures

    def record_login_success(self, username: str, client: str, at: datetime) -> bool:
        """Forget the failures of this name and client, unless a failure committed meanwhile made it
        wait: then the right password does not get in either (False)."""
        with self._db.writing() as session:
            row = session.get(LoginThrottleRow, (username, client))
            if row is not None and row.blocked_until is not None and row.blocked_until > at:
                return False
            if row is not None:
                session.delete(row)
            return True

    def clear_login_failures(self, username: str) -> int:
        """`sohoa user unlock`: forget every failure of an account, from every client."""
        with self._db.writing() as session:
            return session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.username == username)).rowcount
