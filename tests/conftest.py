"""Test-wide set-up: Prefect runs against one temporary, offline test server for the whole session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads its settings when imported: point it at a throw-away home, with no analytics (there is
# no network here), before anything imports it.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="sohoa-prefect-home-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from schemas.settings import Settings  # noqa: E402

pytest_plugins = ["tests.s3server"]


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for every flow test (starting one costs several seconds)."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SOHOA_DATA_DIR (inbox, objects, catalog, quarantine) for one test."""
    data = tmp_path / "data"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(data))
    return data


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings()
