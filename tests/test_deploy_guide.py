"""docs/deploy.md's PostgreSQL steps, run as an operator would on a fresh cluster: the role and
database commands as written, a `sohoa` command creating the schema over the unix-socket URL, then the
guide's SQL that hands the audit log to its own owner, after which the application still writes its
log and can no longer alter or unprotect it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from schemas.accounts import AuditAction, AuditEntry
from storage.catalog import Catalog
from tests.pgserver import PostgresServer

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"
SOHOA = Path(sys.executable).parent / "sohoa"


def _blocks(language: str) -> list[str]:
    """The guide's fenced blocks in `language`, in order, without their indent."""
    text = GUIDE.read_text(encoding="utf-8")
    return [re.sub(r"(?m)^ {0,2}", "", block) for block in
            re.findall(rf"(?ms)^ *```{language}\n(.*?)^ *```", text)]


def _commands(block: str) -> list[str]:
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture
def operator(postgres_server: PostgresServer) -> Iterator[dict[str, str]]:
    """libpq's environment for the cluster's superuser, as `sudo -u postgres` gives on a database
    machine; the guide's role and database are dropped afterwards."""
    env = {**os.environ, "PGHOST": str(postgres_server.socket_dir), "PGPORT": str(postgres_server.port),
           "PGUSER": postgres_server.user, "PGDATABASE": "postgres"}
    yield env
    with closing(postgres_server.admin()) as admin:
        admin.execute("DROP DATABASE IF EXISTS sohoa WITH (FORCE)")
        for role in ("sohoa", "audit_owner"):
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_the_guides_postgresql_steps_give_a_catalog_whose_audit_log_the_application_cannot_alter(
        operator: dict[str, str], postgres_server: PostgresServer, tmp_path: Path) -> None:
    roles_and_database, urls = _blocks("sh")[:2]
    for command in _commands(roles_and_database):
        subprocess.run(shlex.split(command), env=operator, input="pa55-Word\npa55-Word\n", text=True,
                       check=True, capture_output=True)

    (socket_url,) = [re.search(r"'(.+)'", line).group(1) for line in _commands(urls) if "host=" in line]
    url = socket_url.replace("/var/run/postgresql", str(postgres_server.socket_dir)).replace(
        "port=5432", f"port={postgres_server.port}")
    app = {**os.environ, "SOHOA_CATALOG_URL": url, "SOHOA_DATA_DIR": str(tmp_path)}
    first = subprocess.run([str(SOHOA), "search", "Nguyễn", "--json"], env=app, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr  # the first command created the schema as role sohoa

    (audit_sql,) = _blocks("sql")
    subprocess.run(["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--dbname", "sohoa"], input=audit_sql,
                   env=operator, text=True, check=True, capture_output=True)

    catalog = Catalog(url)
    try:
        catalog.accounts.record_audit(AuditEntry(username="can-bo", action=AuditAction.SEARCH, detail={"q": "x"}))
        assert [entry.username for entry in catalog.accounts.find_audit(limit=5)] == ["can-bo"]
    finally:
        catalog.close()
    attempts = ["UPDATE audit.audit_log SET username = 'khac'", "DELETE FROM audit.audit_log",
                "TRUNCATE audit.audit_log", "ALTER TABLE audit.audit_log DISABLE TRIGGER USER",
                "DROP TABLE audit.audit_log"]
    with closing(psycopg.connect(host=str(postgres_server.socket_dir), port=postgres_server.port,
                                 user="sohoa", dbname="sohoa", autocommit=True)) as application:
        for statement in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                application.execute(statement)
        assert application.execute("SELECT username FROM audit.audit_log").fetchall() == [("can-bo",)]
