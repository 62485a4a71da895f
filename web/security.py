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

from schemas.accounts import AuditAction, AuditEntry, BackOff, Role, User
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
_AUDITED_FAILURES = 2  # times the free attempts: later failures of a pair are counted, not each audited


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


MIN_PASSWORD = 12
# The commonest passwords of length 12 and more in public breach lists, and their Vietnamese cousins.
_COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456789abc", "1234567890ab", "abc123456789",
    "password1234", "password123!", "passw0rd1234", "qwertyuiop12", "qwertyuiopas", "qwerty123456",
    "1q2w3e4r5t6y", "1qaz2wsx3edc", "iloveyou1234", "admin1234567", "administrator", "welcome12345",
    "matkhau12345", "matkhau123456", "matkhaumoi123", "anhyeuem1234", "emyeuanh1234", "vietnam12345",
    "hanoi1234567", "saigon123456", "abcd12345678", "aaaaaaaa1111", "motcuamotdau",
})


def weak_password(password: str, username: str = "") -> str | None:
    """Why a password may not be used (a Vietnamese sentence saying what to do), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự. Hãy dùng một câu ngắn dễ nhớ."
    if len(set(password)) == 1:
        return "Mật khẩu không được chỉ lặp lại một ký tự. Hãy dùng một câu ngắn dễ nhớ."
    if password.lower() in _COMMON_PASSWORDS or (username and username.lower() in password.lower()):
        return "Mật khẩu này quá phổ biến hoặc chứa tên đăng nhập. Hãy chọn mật khẩu khác."
    return None


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


@dataclass(frozen=True)
class LoginOutcome:
    """The account when the password was right and the name was not waiting, and until when the
    name must wait from this client when it is (for the message; never says if the name exists)."""

    user: User | None
    wait_until: datetime | None = None


def back_off(settings: WebSettings) -> BackOff:
    return BackOff(free_attempts=settings.login_attempts, longest_wait=timedelta(minutes=settings.lockout_minutes))


def check_password(catalog: Catalog, settings: WebSettings, username: str, password: str,
                   client: str | None) -> LoginOutcome:
    """Check a login; failures of a name from a client make that pair wait, exponentially longer.

    Keyed by name and client address, so an attacker elsewhere cannot lock an officer out, and a try
    while waiting is refused without counting (waiting never extends itself). Failures are counted in
    one write transaction each, so concurrent guesses all count, and a right password is let in only
    if no failure committed meanwhile. Only the first failures of a pair are audited one by one.
    """
    accounts, now, where = catalog.accounts, datetime.now(UTC), client or "unknown"
    waiting = accounts.get_blocked_until(username, where, now)
    if waiting is not None:
        return LoginOutcome(None, waiting)
    stored = accounts.get_password_hash(username)
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        valid = stored is not None
    except (VerificationError, InvalidHashError):
        valid = False
    if valid and accounts.record_login_success(username, where, now):
        user = accounts.get_user(username)
        accounts.record_audit(AuditEntry(username=username, client=client, action=AuditAction.LOGIN))
        if stored is not None and _hasher.check_needs_rehash(stored):
            accounts.record_password_hash(username, hash_password(password))
        return LoginOutcome(user)
    policy = back_off(settings)
    failures = accounts.record_login_failure(username, where, now, policy) if not valid else policy.free_attempts
    if failures <= policy.free_attempts * _AUDITED_FAILURES:
        accounts.record_audit(AuditEntry(username=username, client=client, action=AuditAction.LOGIN_FAILED,
                                         detail={"failures": failures}))
    return LoginOutcome(None, accounts.get_blocked_until(username, where, now))


def open_session(catalog: Catalog, settings: WebSettings, user: User, client: str | None) -> str:
    """Start a session; returns the cookie value (only its digest is stored)."""
    token = new_token()
    catalog.accounts.record_login(digest(token), user.username, new_token(),
                         datetime.now(UTC) + timedelta(hours=settings.session_hours), client)
    return token


def principal_of(catalog: Catalog, authorization: str, cookie: str | None) -> Principal:
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
    # The gate (web.gate) found the account before the body was read; outside it (tests of a bare
    # router) it is one indexed read of a small table, done on the event loop.
    principal = getattr(request.state, "principal", None) or principal_of(
        request.app.state.catalog, request.headers.get("authorization", ""), request.cookies.get(SESSION_COOKIE))
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
