"""The web tests' world: batches ingested once per session by the real flow, then one private copy
of the data folder per test module, so what a module changes (reuse, corrections) stays there."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from schemas.batch import BatchReport
from schemas.settings import Settings
from storage.catalog import Catalog
from storage.resources import resources
from tests.web import fixtures
from web.app import create_app
from web.security import LOGIN_COOKIE, hash_password

CATALOG, AUDIT = "catalog.sqlite3", "catalog-audit.sqlite3"


@dataclass(frozen=True)
class Ingested:
    data: Path
    reports: dict[str, BatchReport]  # batch folder name → report

    def document_id(self, file: str) -> str:
        return next(f.document_id for report in self.reports.values() for f in report.files
                    if f.file == file and f.document_id)


@pytest.fixture(scope="session")
def ingested(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    """Both offices' batches through the ingest flow, and the accounts, in one data folder."""
    from flows.ingest import ingest_batch

    data = tmp_path_factory.mktemp("web-session") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(data))
        env.setenv("SOHOA_OFFICE_AGENCIES", json.dumps(fixtures.OFFICE_AGENCIES))
        batches = fixtures.write_batches(data / "inbox")
        reports = {batch.name: ingest_batch(str(batch)) for batch in batches}
        catalog = resources(Settings()).catalog
        for user in fixtures.ACCOUNTS.values():
            catalog.accounts.record_user(user, hash_password(fixtures.PASSWORD))
    return Ingested(data, reports)


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


def copy_data(source: Path, target: Path) -> None:
    """Objects as files; the catalog and its audit log through SQLite's backup, consistent while
    they are open elsewhere."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(f"{CATALOG}*", f"{AUDIT}*"))
    for database in (CATALOG, AUDIT):
        with sqlite3.connect(source / database) as live, sqlite3.connect(target / database) as copy:
            live.backup(copy)


@pytest.fixture(scope="module")
def site(ingested: Ingested, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("web-site") / "data"
    copy_data(ingested.data, data)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(data))
        env.setenv("SOHOA_OFFICE_AGENCIES", json.dumps(fixtures.OFFICE_AGENCIES))
        yield Site(create_app(Settings()), data, ingested)
