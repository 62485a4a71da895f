"""The FastAPI application: public login, health and static files; everything else signed in.

`create_app` wires the catalog and object store that the settings name. Pages are server-rendered
Vietnamese HTML (Jinja2); the same operations are a JSON API under /api for provincial systems,
described by an OpenAPI schema at /api/openapi.json (signed in too: it is part of the service).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.accounts import AuditAction, AuditEntry
from schemas.messages import HTTP_ERRORS, OTHER_HTTP_ERROR, validation_message
from schemas.settings import Settings, WebSettings
from storage.resources import resources
from web.auditing import GroupCommit
from web.gate import RequestGate
from web.rendering import render, templates
from web.sealing import Sealer, service_key
from web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Forbidden,
    NotAuthenticated,
    Principal,
    authenticated,
    check_password,
    client_address,
    digest,
    new_token,
    open_session,
    principal_of,
    same_secret,
)
from web.service import NotFound, Refused

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "frame-ancestors 'self'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


class SecurityHeaders:
    """Adds the security headers (and no-store) to every answer that does not set its own.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware (`@app.middleware`) runs each request
    through an extra task and stream, a measurable share of a search's time.
    """

    _HEADERS = [(name.lower().encode(), value.encode())
                for name, value in {**_SECURITY_HEADERS, "Cache-Control": "no-store"}.items()]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((name, value) for name, value in self._HEADERS if name not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


_LOGIN_FORM_LIFE = timedelta(hours=1)


def login_token(request: Request) -> str:
    """The login form's double-submit token, sealed by the service: a cookie an attacker planted
    (a login CSRF) is not one the service made, so it does not open."""
    return request.app.state.sealer.seal(new_token())


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api")


_KNOWN_STATUSES = frozenset(status.value for status in HTTPStatus)


def _error_page(request: Request, status: int, headers: Mapping[str, str] | None = None,
                code: str | None = None) -> Response:
    """An HTTP error as the site's page in Vietnamese; for the API a machine `code` (the status's
    name by default) plus that `message`."""
    title, message = HTTP_ERRORS.get(status, OTHER_HTTP_ERROR)
    if getattr(request.state, "principal", None) is None and status != 500:
        try:  # an unknown address has no route to ask who is there: the page shows their menu
            request.state.principal = principal_of(request.app.state.catalog,
                                                   request.headers.get("authorization", ""),
                                                   request.cookies.get(SESSION_COOKIE))
        except NotAuthenticated:
            pass
    if _wants_json(request):
        code = code or (HTTPStatus(status).phrase.lower().replace(" ", "_") if status in _KNOWN_STATUSES
                        else "error")
        return JSONResponse({"detail": code, "message": message}, status, dict(headers or {}))
    response = render(request, "error.html", status, title=title, message=message)
    response.headers.update(dict(headers or {}))
    return response


def create_app(settings: Settings | None = None, web: WebSettings | None = None) -> FastAPI:
    """The service over the catalog and object store that `settings` name."""
    from web import api, pages

    settings = settings or Settings()
    web = web or settings.web
    app = FastAPI(title="sohoa", summary="Tra cứu và tái sử dụng giấy tờ đã số hóa",
                  version="0.1.0", docs_url=None, redoc_url=None, openapi_url=None)
    opened = resources(settings)
    app.state.settings, app.state.web = settings, web
    app.state.catalog, app.state.objects, app.state.inbox = opened.catalog, opened.objects, opened.inbox
    app.state.templates = templates(settings.zone)
    app.state.auditor = GroupCommit(lambda entries: opened.catalog.accounts.record_audit(*entries))
    app.state.sealer = Sealer(service_key(web.secret_key.get_secret_value(), settings.data_dir / "web"))

    app.add_middleware(RequestGate, catalog=lambda: app.state.catalog, upload_bytes=web.max_upload_bytes)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so refusals carry the headers too

    @app.exception_handler(NotAuthenticated)
    async def _login_first(request: Request, _exc: NotAuthenticated) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "not authenticated"}, 401, {"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    def denied(request: Request, why: str) -> None:
        """Audit a refusal of a known account: the route's pattern, never the values in the URL."""
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is not None:
            route = request.scope.get("route")
            app.state.auditor.record(AuditEntry(username=principal.user.username, action=AuditAction.DENIED,
                                                client=client_address(request),
                                                detail={"route": getattr(route, "path", "?"),
                                                        "method": request.method, "why": why}))

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        denied(request, "forbidden")
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, 403)
        return render(request, "error.html", 403, title="Không có quyền",
                      message="Tài khoản của bạn không được phép thực hiện thao tác này.")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound) -> Response:
        denied(request, "not_found")
        if _wants_json(request):
            return JSONResponse({"detail": "not found"}, 404)
        return render(request, "error.html", 404, title="Không tìm thấy",
                      message="Không có mục này, hoặc tài khoản của bạn không được xem.")

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, 409)
        return render(request, "error.html", 409, title="Không thực hiện được", message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # Field names and messages only: the input may hold an ID number or a name (Decree 13/2023).
        problems = [{"loc": e["loc"], "type": e["type"], "msg": e["msg"], "message": validation_message(e)}
                    for e in exc.errors()]
        if _wants_json(request):
            return JSONResponse({"detail": problems}, 422)
        return render(request, "error.html", 422, title="Dữ liệu không hợp lệ",
                      message="; ".join(problem["message"] for problem in problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown addresses, wrong methods, bodies too large: the site's own page, not Starlette's."""
        code = exc.detail if isinstance(exc.detail, str) and exc.detail.isidentifier() else None
        return _error_page(request, exc.status_code, getattr(exc, "headers", None), code)

    @app.exception_handler(Exception)
    async def _crashed(request: Request, exc: Exception) -> Response:
        log.error("request failed: %s %s (%s)", request.method, getattr(request.scope.get("route"), "path", "?"),
                  type(exc).__name__)
        return _error_page(request, 500)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _public_routes(app)
    app.include_router(pages.router, dependencies=[Depends(authenticated)])
    app.include_router(api.router, dependencies=[Depends(authenticated)])

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=[Depends(authenticated)])
    async def openapi() -> JSONResponse:
        if app.openapi_schema is None:
            # Pages and public routes are left out of the schema (include_in_schema=False).
            app.openapi_schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                                             routes=app.routes)
        return JSONResponse(app.openapi_schema)

    return app


def _public_routes(app: FastAPI) -> None:
    """The only routes that answer without an account."""

    @app.get("/health", include_in_schema=False)
    def health(request: Request) -> JSONResponse:
        """200 only when the catalog answers and the audit log takes entries: a service that cannot
        audit must not look healthy to the load balancer."""
        request.app.state.catalog.database.ping()
        if request.app.state.auditor.failing:
            return JSONResponse({"status": "audit_failing",
                                 "message": "Không ghi được nhật ký truy cập; báo quản trị."}, 503)
        return JSONResponse({"status": "ok"})

    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/") -> Response:
        token = login_token(request)
        response = render(request, "login.html", login_token=token, next=_local_path(next), error=None)
        _set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
        return response

    @app.post("/login", include_in_schema=False)
    def login(request: Request, username: Annotated[str, Form(max_length=64)],
                    password: Annotated[str, Form(max_length=1024)],
                    csrf_token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
        state = request.app.state
        cookie = request.cookies.get(LOGIN_COOKIE)
        if not same_secret(csrf_token, cookie) or request.app.state.sealer.open(cookie, _LOGIN_FORM_LIFE) is None:
            raise Forbidden("login form expired")
        username = username.strip().lower()
        outcome = check_password(state.catalog, state.web, username, password, client_address(request))
        user = outcome.user
        if user is None:
            token = login_token(request)
            error = "Sai tên đăng nhập hoặc mật khẩu. Hãy nhập lại; chữ hoa, chữ thường được phân biệt."
            if outcome.wait_until is not None:
                at = outcome.wait_until.astimezone(state.settings.zone).strftime("%H:%M")
                error = (f"Đã nhập sai nhiều lần: trên máy này, tên đăng nhập này tạm bị khóa đến {at}. "
                         "Hãy thử lại sau giờ đó, hoặc nhờ quản trị mở khóa (sohoa user unlock).")
            response = render(request, "login.html", 401, login_token=token, next=_local_path(next),
                              error=error, username=username)
            _set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
            return response
        response = RedirectResponse(_local_path(next), status_code=303)
        _set_cookie(request, response, SESSION_COOKIE,
                    open_session(state.catalog, state.web, user, client_address(request)),
                    max_age=int(state.web.session_hours * 3600))
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, principal: Principal = Depends(authenticated)) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        request.app.state.catalog.accounts.end_login(digest(cookie), datetime.now(UTC))
        request.app.state.catalog.accounts.record_audit(AuditEntry(username=principal.user.username,
                                                   action=AuditAction.LOGOUT,
                                                   client=client_address(request)))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _local_path(target: str) -> str:
    """Only same-site paths after login: an open redirect would help phishing."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=request.app.state.web.cookie_secure)
