"""The web tests' world: batches ingested once per session by the real flow, then one private copy
of the data folder per test module, so what a module changes (reuse, corrections) stays there."""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from schemas.batch import BatchReport
from schemas.settings import Settings
from storage.catalog import Catalog
from storage.resources import resources
from tests.pgserver import PostgresServer
from tests.web import fixtures
from web.app import create_app
from web.security import LOGIN_COOKIE, hash_password

CATALOG, AUDIT = "catalog.sqlite3", "catalog-audit.sqlite3"


@dataclass(frozen=True)
class Ingested:
    data: Path
    reports: dict[str, BatchReport]  # batch folder name → report
    catalog_url: str | None = None  # a PostgreSQL catalog; None: SQLite in the data folder

    def document_id(self, file: str) -> str:
        return next(f.document_id for report in self.reports.values() for f in report.files
                    if f.file == file and f.document_id)


def _ingest(data: Path, catalog_url: str | None) -> Ingested:
    """Both offices' batches through the ingest flow, and the accounts, in one data folder (and,
    with `catalog_url`, one PostgreSQL catalog)."""
    from flows.ingest import ingest_batch

    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(data))
        env.setenv("SOHOA_OFFICE_AGENCIES", json.dumps(fixtures.OFFICE_AGENCIES))
        if catalog_url is not None:
            env.setenv("SOHOA_CATALOG_URL", catalog_url)
        batches = fixtures.write_batches(data / "inbox")
        reports = {batch.name: ingest_batch(str(batch)) for batch in batches}
        catalog = resources(Settings()).catalog
        for user in fixtures.ACCOUNTS.values():
            catalog.accounts.record_user(user, hash_password(fixtures.PASSWORD))
        catalog.close()  # PostgreSQL copies a database only while nobody is connected to it
    return Ingested(data, reports, catalog_url)


@pytest.fixture(scope="session")
def ingested(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    return _ingest(tmp_path_factory.mktemp("web-session") / "data", None)


@pytest.fixture(scope="session")
def ingested_postgres(prefect_server: None, postgres_server: PostgresServer,
                      tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    return _ingest(tmp_path_factory.mktemp("web-session-pg") / "data",
                   postgres_server.url(postgres_server.create_database()))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules that set BOTH_CATALOGS run every test on a SQLite and on a PostgreSQL catalog."""
    if "site" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_CATALOGS", False):
        metafunc.parametrize("site", ["sqlite", "postgresql"], indirect=True, scope="module")


@dataclass
class Site:
    """One module's copy of the service: its app, data folder and catalog."""

    app: FastAPI
    data: Path
    ingested: Ingested

    @property
    def catalog(self) -> Catalog:
        return self.app.state.catalog

    def client(self, username: str | None = None) -> TestClient:
        """A browser-like client (HTTPS, so the Secure cookies travel), logged in through the form."""
        client = TestClient(self.app, base_url="https://testserver", follow_redirects=False)
        if username is not None:
            login(client, username)
        return client


def login(client: TestClient, username: str, password: str = fixtures.PASSWORD) -> str:
    """Log in as a person does (load the form, post it); returns where the service sent us."""
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": client.cookies.get(LOGIN_COOKIE), "next": "/"})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def copy_data(source: Ingested, target: Path, postgres: PostgresServer | None) -> str | None:
    """Objects as files; a SQLite catalog and its audit log through SQLite's backup (consistent
    while they are open elsewhere), a PostgreSQL one as a new database made from it. Returns the
    copy's catalog URL (None: SQLite in `target`)."""
    shutil.copytree(source.data, target, ignore=shutil.ignore_patterns(f"{CATALOG}*", f"{AUDIT}*"))
    if source.catalog_url is None or postgres is None:
        for database in (CATALOG, AUDIT):
            with sqlite3.connect(source.data / database) as live, sqlite3.connect(target / database) as copy:
                live.backup(copy)
        return None
    original = make_url(source.catalog_url).database
    copy_name = f"{original}_{secrets.token_hex(4)}"
    with closing(postgres.admin()) as connection:
        connection.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{original}"')
    return postgres.url(copy_name)


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The service on a private copy of the ingested world: SQLite, or PostgreSQL in modules that
    set BOTH_CATALOGS."""
    postgres = getattr(request, "param", "sqlite") == "postgresql"
    source: Ingested = request.getfixturevalue("ingested_postgres" if postgres else "ingested")
    server: PostgresServer | None = request.getfixturevalue("postgres_server") if postgres else None
    data = tmp_path_factory.mktemp("web-site") / "data"
    catalog_url = copy_data(source, data, server)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(data))
        env.setenv("SOHOA_OFFICE_AGENCIES", json.dumps(fixtures.OFFICE_AGENCIES))
        if catalog_url is not None:
            env.setenv("SOHOA_CATALOG_URL", catalog_url)
        yield Site(create_app(Settings()), data, source)
