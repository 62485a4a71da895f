"""Who is asking: argon2 passwords, browser sessions with CSRF tokens, bearer tokens for machines.

One dependency, `authenticated`, guards every route except login, health and static files. It also
checks the CSRF token of every state-changing request made with a session cookie (header
`X-CSRF-Token` or form field `csrf_token`), so no form can forget it. Bearer-token clients send no
cookies, so cross-site forgery cannot ride on them and they need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request

from schemas.accounts import AuditAction, AuditEntry, Role, User
from schemas.settings import WebSettings
from storage.catalog import Catalog

SESSION_COOKIE = "sohoa_session"
LOGIN_COOKIE = "sohoa_login"  # double-submit CSRF token of the login form (no session yet)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
# Verified against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class NotAuthenticated(Exception):
    """No valid session or token: pages redirect to the login page, the API answers 401."""


class Forbidden(Exception):
    """Authenticated, but the role, office or CSRF token does not allow this."""


@dataclass(frozen=True)
class Principal:
    """The account behind a request and how it proved itself."""

    user: User
    csrf_token: str | None  # None for bearer tokens
    session_hash: str | None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def new_token() -> str:
    """A secret for a cookie, a CSRF field or an API token (256 bits)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the catalog stores of a secret: enough to recognise it, useless to a thief of the table."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def check_password(catalog: Catalog, settings: WebSettings, username: str, password: str,
                   client: str | None) -> User | None:
    """The account if the password is right and the account is not locked; every attempt is audited.

    Failed attempts are counted in the audit log itself, so the lock-out holds across workers.
    """
    since = datetime.now(UTC) - timedelta(minutes=settings.lockout_minutes)
    locked = catalog.accounts.count_failed_logins(username, since) >= settings.login_attempts
    stored = catalog.accounts.get_password_hash(username)
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        valid = stored is not None
    except (VerificationError, InvalidHashError):
        valid = False
    user = catalog.accounts.get_user(username) if valid and not locked else None
    catalog.accounts.record_audit(AuditEntry(username=username, client=client,
                             action=AuditAction.LOGIN if user else AuditAction.LOGIN_FAILED,
                             detail={"locked": True} if locked else {}))
    if user is not None and stored is not None and _hasher.check_needs_rehash(stored):
        catalog.accounts.record_password_hash(username, hash_password(password))
    return user


def open_session(catalog: Catalog, settings: WebSettings, user: User, client: str | None) -> str:
    """Start a session; returns the cookie value (only its digest is stored)."""
    token = new_token()
    catalog.accounts.record_login(digest(token), user.username, new_token(),
                         datetime.now(UTC) + timedelta(hours=settings.session_hours), client)
    return token


def _principal(catalog: Catalog, authorization: str, cookie: str | None) -> Principal:
    """The account behind a bearer token or a session cookie."""
    if authorization.lower().startswith("bearer "):
        user = catalog.accounts.get_token_user(digest(authorization[7:].strip()))
        if user is None:
            raise NotAuthenticated()
        return Principal(user, None, None)
    found = catalog.accounts.get_login(digest(cookie), datetime.now(UTC)) if cookie else None
    if found is None:
        raise NotAuthenticated()
    return Principal(found[0], found[1], digest(cookie or ""))


async def authenticated(request: Request) -> Principal:
    """The request's account, from a bearer token or a session cookie; CSRF-checked when it writes."""
    # One indexed read of a small table: done on the event loop, saving a thread hand-off per request.
    principal = _principal(request.app.state.catalog, request.headers.get("authorization", ""),
                           request.cookies.get(SESSION_COOKIE))
    if principal.csrf_token is not None and request.method not in _SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and "form" in request.headers.get("content-type", ""):
            given = (await request.form()).get(CSRF_FIELD)  # Starlette caches the parsed form
        if not same_secret(given if isinstance(given, str) else None, principal.csrf_token):
            raise Forbidden("CSRF token missing or wrong")
    request.state.principal = principal
    return principal


def require(*roles: Role):
    """A dependency that lets through only accounts holding one of `roles` (admins always)."""

    async def check(principal: Principal = Depends(authenticated)) -> Principal:
        if not any(principal.user.has(role) for role in roles):
            raise Forbidden("this needs the role " + " or ".join(role.value for role in roles))
        return principal

    return check
