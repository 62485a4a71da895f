"""Accounts as an office runs them: nothing without logging in, roles, CSRF, tokens, lock-out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi import FastAPI
from sqlalchemy import text
from typer.testing import CliRunner

from cli import app as sohoa
from schemas.accounts import AuditAction
from tests.web.conftest import Site, login
from tests.web.fixtures import DOSSIER, PASSWORD
from web.security import CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE

# The web service's API on both catalogs (tests/web/conftest.py).
BOTH_CATALOGS = True

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/health"), ("GET", "/static")}


def routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, with included routers flattened (FastAPI includes them lazily)."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for context in contexts:
            endpoint = getattr(context, "original_route", context)
            for method in sorted(getattr(endpoint, "methods", None) or {"GET"}):
                if method != "HEAD":
                    yield method, context.path


def test_every_route_except_login_health_and_static_needs_an_account(site: Site) -> None:
    anonymous = site.client()
    seen, public = set(), set()
    for method, path in routes(site.app):
        url = re.sub(r"\{[^}]+\}", "x", path)
        response = anonymous.request(method, url + ("/app.css" if path == "/static" else ""))
        seen.add(path)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
        elif not (response.status_code == 303 and response.headers["location"].startswith("/login")):
            public.add((method, path))  # answered (a page, a form error) without asking who we are
    assert public == PUBLIC
    assert {"/search", "/documents/{document_id}/pdf", "/api/search", "/review/{document_id}", "/upload",
            "/audit", "/api/openapi.json", "/logout"} <= seen


def test_login_gives_a_secure_httponly_samesite_session_and_lands_on_the_role_page(site: Site) -> None:
    client = site.client()
    assert login(client, "can-bo") == "/"
    cookie = next(header for header in client.cookies.jar if header.name == SESSION_COOKIE)
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"
    assert client.get("/").headers["location"] == "/search"
    page = client.get("/search")
    assert page.status_code == 200 and "Trần Thu Hà · H12" in page.text
    assert site.client("so-hoa").get("/").headers["location"] == "/upload"


def test_a_login_form_from_another_site_is_refused(site: Site) -> None:
    client = site.client()
    forged = client.post("/login", data={"username": "can-bo", "password": PASSWORD, "csrf_token": "x"})
    assert forged.status_code == 403 and SESSION_COOKIE not in client.cookies


def test_a_state_changing_request_without_the_csrf_token_is_refused(site: Site) -> None:
    client = site.client("can-bo")
    assert client.post("/dossiers", data={"code": DOSSIER}).status_code == 403
    assert client.post("/api/dossiers", json={"code": DOSSIER}).status_code == 403
    assert client.post("/logout").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dossiers").text)[1]
    opened = client.post("/dossiers", data={"code": DOSSIER, "csrf_token": token})
    assert opened.status_code == 303 and opened.headers["location"] == f"/dossiers/{DOSSIER}"
    assert client.post("/api/dossiers", json={"code": DOSSIER}, headers={CSRF_HEADER: token}).status_code == 200


def test_each_role_reaches_only_its_own_work(site: Site) -> None:
    officer, reviewer, scanner = site.client("can-bo"), site.client("duyet"), site.client("so-hoa")
    assert officer.get("/audit").status_code == 403
    assert officer.get("/review").status_code == 403
    assert reviewer.get("/search?q=giang").status_code == 403
    assert reviewer.get("/review").status_code == 200
    assert scanner.get("/api/search?q=giang").status_code == 403
    assert scanner.get("/upload").status_code == 200
    assert site.client("quan-tri").get("/audit").status_code == 200  # admins may see everything


def test_logging_out_ends_the_session_for_good(site: Site) -> None:
    client = site.client("can-bo")
    stolen = client.cookies.get(SESSION_COOKIE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/search").text)[1]
    assert client.post("/logout", data={"csrf_token": token}).headers["location"] == "/login"
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, stolen, domain="testserver")
    assert replay.get("/search").headers["location"].startswith("/login")


def test_machine_clients_use_api_tokens_stored_only_as_digests(site: Site) -> None:
    runner = CliRunner()
    made = runner.invoke(sohoa, ["user", "token", "can-bo", "--label", "mot-cua-tinh"],
                         env={"SOHOA_DATA_DIR": str(site.data)}, catch_exceptions=False)
    token = made.stdout.strip()
    assert made.exit_code == 0 and len(token) >= 40
    api = site.client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/search", params={"q": "giang"}, headers=bearer).status_code == 200
    # no cookie, so no CSRF token needed to write
    assert api.post("/api/dossiers", json={"code": DOSSIER}, headers=bearer).status_code == 200
    assert api.get("/api/search", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    schema = api.get("/api/openapi.json", headers=bearer).json()
    assert {"/api/search", "/api/dossiers/{code}/documents", "/api/review/{document_id}"} <= set(schema["paths"])
    with site.catalog.database.engine.connect() as db:
        stored = list(db.execute(text("SELECT token_hash FROM api_token")).scalars())
        hashes = list(db.execute(text("SELECT password_hash FROM app_user")).scalars())
    assert token not in stored and len(stored[0]) == 64
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_sohoa_user_add_creates_an_account_that_can_log_in(site: Site) -> None:
    result = CliRunner().invoke(
        sohoa, ["user", "add", "moi", "--role", "officer", "--role", "reviewer", "--office", "H12",
                "--name", "Cán bộ mới", "--password-stdin"],
        input="mot-mat-khau-dai\n", env={"SOHOA_DATA_DIR": str(site.data)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    client = site.client()
    assert login(client, "moi", "mot-mat-khau-dai") == "/"
    assert client.get("/review").status_code == 200
    short = CliRunner().invoke(sohoa, ["user", "add", "ngan", "--role", "officer", "--office", "H12",
                                       "--password-stdin"], input="ngan\n",
                               env={"SOHOA_DATA_DIR": str(site.data)})
    assert short.exit_code == 2 and site.catalog.accounts.get_user("ngan") is None


def test_a_wrong_password_keeps_the_name_typed_and_says_what_to_do(site: Site) -> None:
    client = site.client()
    client.get("/login")
    refused = client.post("/login", data={"username": "can-bo", "password": "sai-mat-khau",
                                          "csrf_token": client.cookies.get(LOGIN_COOKIE), "next": "/"})
    assert refused.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu. Hãy nhập lại" in refused.text
    assert 'name="username" autocomplete="username" required value="can-bo"' in refused.text
    assert "sai-mat-khau" not in refused.text  # never the password
