"""Test-wide set-up: Prefect runs against one temporary, offline test server for the whole session."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads its settings when imported: point it at a throw-away home, with no analytics (there is
# no network here), before anything imports it.
# The home is removed when the session ends, unless the caller chose their own.
OWN_PREFECT_HOME = None if "PREFECT_HOME" in os.environ else tempfile.mkdtemp(prefix="sohoa-prefect-home-")
if OWN_PREFECT_HOME:
    os.environ["PREFECT_HOME"] = OWN_PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from schemas.settings import Settings  # noqa: E402

pytest_plugins = ["tests.s3server", "tests.pgserver"]

# Every log record of the session (INFO and up, the project's, Prefect's and the libraries') also goes
# to one file; at the end no generated ID number or name may be found in it (Decree 13/2023).
SESSION_LOG = Path(tempfile.mkdtemp(prefix="sohoa-test-log-")) / "session.log"


def _not_sent_by_the_tests(record: logging.LogRecord) -> bool:
    """The test client's own request lines (`https://testserver/...`) are what a browser sent, not
    what the service logged; Prefect's client calls and everything else are kept."""
    return not (record.name.startswith(("httpx", "httpcore")) and "://testserver" in record.getMessage())


def pytest_configure(config: pytest.Config) -> None:
    handler = logging.FileHandler(SESSION_LOG, encoding="utf-8")
    handler.addFilter(_not_sent_by_the_tests)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    for name in ("", "prefect"):
        logging.getLogger(name).addHandler(handler)
    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from schemas.vntext import fold
    from tests.generators.people import ISSUED

    logged = SESSION_LOG.read_text(encoding="utf-8", errors="replace") if SESSION_LOG.exists() else ""
    folded = fold(logged)
    leaked = sorted(value for value in ISSUED if value in logged or fold(value) in folded)
    if leaked:
        session.config.get_terminal_writer().line(
            f"personal data in the session log {SESSION_LOG}: {len(leaked)} generated ID numbers or names, "
            f"e.g. line {next(line for line in logged.splitlines() if leaked[0] in line or fold(leaked[0]) in fold(line))[:200]!r}",
            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:  # a log with a leak stays behind, to be read
        shutil.rmtree(SESSION_LOG.parent, ignore_errors=True)
    if OWN_PREFECT_HOME:
        shutil.rmtree(OWN_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for every flow test (starting one costs several seconds)."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty catalog database of each dialect the catalog supports: the same tests prove
    both (PostgreSQL on the session's private cluster, tests/pgserver.py)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SOHOA_DATA_DIR (inbox, objects, catalog, quarantine) for one test."""
    data = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(data))
    return data


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings()
