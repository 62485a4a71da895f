"""The gate every request passes before the application sees it: who is asking, and how much it sends.

FastAPI reads and parses a request's body before the route's dependencies run, so an anonymous
100 MB JSON body would be parsed (and memory spent) before the answer "log in first". Here, in front of
the application, a request that sends a body to anything but the public routes is refused unless its
bearer token or session cookie names an active account, and a body is refused with 413 when its declared length, or
the bytes actually arriving, pass the cap of its route: small for forms and JSON, the upload limit for
uploads. The account found is handed on, so the route does not look it up again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storage.catalog import Catalog
from web.security import SESSION_COOKIE, NotAuthenticated, principal_of

log = logging.getLogger(__name__)
PUBLIC_PATHS = ("/login", "/health", "/static/")
UPLOAD_PATHS = ("/upload", "/api/uploads")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_BYTES = 64 * 1024  # the largest form or JSON body of any other route (a review, a dossier)


class BodyTooLarge(HTTPException):
    """More bytes arrived than the route accepts (an HTTPException, so FastAPI's body reader passes
    it on as a 413 instead of calling it a parse error)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="too_large")


class RequestGate:
    """Authentication before any body is read, and a running cap on every body."""

    def __init__(self, app: ASGIApp, catalog: Callable[[], Catalog], upload_bytes: int) -> None:
        self.app = app
        self.catalog = catalog
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        # Reads carry no body: the routes' own dependency asks who is there (an unknown path then
        # stays a 404, and a browser's favicon request never lands on the login form).
        if scope["method"] not in _READS and not path.startswith(PUBLIC_PATHS):
            try:
                scope.setdefault("state", {})["principal"] = principal_of(
                    self.catalog(), _header(scope, b"authorization"), _cookie(scope, SESSION_COOKIE))
            except NotAuthenticated:
                await _refuse(scope, send, 401)
                return
        cap = self.upload_bytes if path.startswith(UPLOAD_PATHS) else FORM_BYTES
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > cap:
            await _refuse(scope, send, 413)
            return
        started = False
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send, 413)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: an answer, not a traceback
            # Only the kind of failure is logged: a traceback would carry the request's values (an ID
            # number in a URL, a name in a query's parameters) into the server log (Decree 13/2023).
            log.error("%s request failed: %s", scope["method"], type(exc).__name__)
            if not started:
                await _refuse(scope, send, 500)


def _header(scope: Scope, name: bytes) -> str:
    return next((value.decode("latin-1") for key, value in scope["headers"] if key == name), "")


def _cookie(scope: Scope, name: str) -> str | None:
    for part in _header(scope, b"cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


_MESSAGES = {
    401: ("not_authenticated", "Bạn cần đăng nhập trước."),
    413: ("too_large", "Dữ liệu gửi lên quá lớn. Hãy chia nhỏ lô tệp rồi gửi lại."),
    500: ("internal_error", "Hệ thống gặp lỗi khi xử lý yêu cầu này. Hãy thử lại; nếu vẫn lỗi, báo quản trị."),
}


async def _refuse(scope: Scope, send: Send, status: int) -> None:
    """401 (pages: back to the login form), 413 or 500, without reading the body."""
    code, message = _MESSAGES[status]
    if status == 401 and not scope["path"].startswith("/api"):
        target = scope["path"].encode() + (b"?" + scope["query_string"] if scope.get("query_string") else b"")
        headers = [(b"location", b"/login?next=" + _quoted(target)), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = json.dumps({"detail": code, "message": message}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _quoted(target: bytes) -> bytes:
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(target, safe="/").encode()
