"""Who uses the officers' service, what they did, and what reviewers changed: accounts, audit, review.

Accounts belong to an office: an officer sees the documents of that office (and those reused into its
dossiers), a province-wide account sees all. The audit log is append-only and records every search,
view, download, reuse, correction and login with the client address; it is a protected record, not
an application log, so it may name what was searched for.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from schemas.batch import Direction
from schemas.identity import IDENTITY_FIELDS

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"


class Role(StrEnum):
    """What an account may do; an account may hold several roles."""

    OFFICER = "officer"  # search, open and reuse documents in dossiers
    REVIEWER = "reviewer"  # work the review queue, correct identity fields
    SCANNER = "scanner"  # upload batches and follow their reports
    ADMIN = "admin"  # read the audit log and every page


class User(BaseModel):
    """An account. `province_wide` lifts the office restriction (provincial staff, auditors)."""

    username: str = Field(pattern=USERNAME_PATTERN)
    full_name: str = ""
    office_code: str | None = None
    roles: list[Role] = []
    province_wide: bool = False
    active: bool = True

    def has(self, role: Role) -> bool:
        """Admins may do everything; others only what their roles say."""
        return role in self.roles or Role.ADMIN in self.roles


class BackOff(BaseModel):
    """How long a name must wait before it may be tried again from a client after wrong passwords."""

    free_attempts: int = 5
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(hours=24)

    def wait(self, failures: int) -> timedelta:
        """Doubling from `first_wait` at the last free attempt, up to `longest_wait`."""
        doublings = min(failures - self.free_attempts, 20)
        return min(self.longest_wait, self.first_wait * 2 ** max(doublings, 0))


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SEARCH = "search"
    VIEW = "view"
    DOWNLOAD = "download"
    DOSSIER = "dossier"  # created or looked up a dossier
    REUSE = "reuse"
    CORRECT = "correct"
    CONFIRM = "confirm"
    UPLOAD = "upload"
    AUDIT_READ = "audit_read"  # someone read the audit log itself
    DENIED = "denied"  # refused: not allowed, not found, or a missing CSRF token
    ACCOUNT = "account"  # an admin disabled, enabled, unlocked an account, revoked tokens, set a password


class AuditEntry(BaseModel):
    """One audited act: who, when, what, on which document or dossier, from where."""

    id: int | None = None
    at: datetime | None = None
    username: str
    action: AuditAction
    document_id: str | None = None
    dossier_code: str | None = None
    client: str | None = Field(None, description="client IP address as the server saw it")
    detail: dict[str, object] = {}


class FieldCorrection(BaseModel):
    """A reviewer's value for one identity field; the machine's value stays in the document."""

    document_id: str
    field: str
    value: str
    machine_value: str | None = None
    corrected_by: str
    corrected_at: datetime | None = None

    @field_validator("field")
    @classmethod
    def _identity_field(cls, field: str) -> str:
        if field not in IDENTITY_FIELDS:
            raise ValueError("not an identity field")
        return field


class Upload(BaseModel):
    """A batch uploaded through the web page; its folder name is the batch name in the catalog."""

    id: str
    folder: str
    username: str
    office_code: str | None = None
    dossier_code: str | None = None
    direction: Direction = Direction.INPUT
    files: int
    created_at: datetime | None = None


class Reusability(BaseModel):
    """Whether a document may be reused in a new dossier without asking the citizen again."""

    reusable: bool
    reason: str | None = Field(None, description="why not, in Vietnamese, for the officer")
    valid_until: date | None = None
