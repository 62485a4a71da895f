"""The embedded default starts one Prefect server on first use and every later command reuses it; when
no server answers, the clerk reads one Vietnamese sentence and exit code 3, never a traceback.

These run `sohoa` as a separate process, as a clerk does, without PREFECT_API_URL (the test session's
own server is not inherited).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.server import LocalServer, healthy, pid_alive
from tests.helpers import write_page, write_typed_pdf

SOHOA = str(Path(sys.executable).parent / "sohoa")
DEADLINE_SECONDS = 400  # bounds a hung command only (a cold server start on two busy cores)


def _sohoa(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SOHOA_"))}
    return subprocess.run([SOHOA, *args], env={**clean, "SOHOA_DATA_DIR": str(data), **env}, text=True,
                          capture_output=True, timeout=DEADLINE_SECONDS, check=False)


def _recorded(data: Path) -> LocalServer:
    return LocalServer.model_validate_json((data / "prefect" / "server.json").read_text(encoding="utf-8"))


def test_the_first_ingest_starts_a_local_server_that_the_next_commands_reuse(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_typed_pdf(tmp_path / "mot" / "don.pdf", seed=81)
    write_page(tmp_path / "hai" / "trang.png", seed=82)
    try:
        first = _sohoa(data, "ingest", str(tmp_path / "mot"), "--json")
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["status"] == "done"
        server = _recorded(data)
        assert healthy(server.url)

        second = _sohoa(data, "ingest", str(tmp_path / "hai"), "--json")
        assert second.returncode == 0, second.stderr
        assert _recorded(data) == server  # the same server answered the second command
        assert "khởi động" not in second.stderr

        status = _sohoa(data, "server", "status")
        assert status.returncode == 0 and server.url in status.stdout
    finally:
        stopped = _sohoa(data, "server", "stop")
    assert stopped.returncode == 0 and not pid_alive(server.pid)
    assert _sohoa(data, "server", "status").returncode == 1


# `sohoa` in a process that cannot import Prefect or OpenCV: it succeeds only if the resident process
# read the batch.
_WITHOUT_THE_ENGINE = ("import sys; sys.modules.update(prefect=None, cv2=None, pytesseract=None); "
                       "from cli.launch import main; sys.argv[0] = 'sohoa'; main()")


def test_after_the_first_ingest_a_resident_process_reads_the_next_and_ends_with_the_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_typed_pdf(tmp_path / "mot" / "don.pdf", seed=84)
    write_page(tmp_path / "hai" / "trang.png", seed=85)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SOHOA_"))}
    try:
        first = _sohoa(data, "ingest", str(tmp_path / "mot"), "--json")
        assert first.returncode == 0, first.stderr
        status = _sohoa(data, "server", "status")
        assert "Tiến trình tiếp nhận thường trú: đang chạy" in status.stdout

        second = subprocess.run([sys.executable, "-c", _WITHOUT_THE_ENGINE, "ingest", str(tmp_path / "hai"), "--json"],
                                env={**clean, "SOHOA_DATA_DIR": str(data)}, text=True, capture_output=True,
                                timeout=DEADLINE_SECONDS, check=False)
        assert second.returncode == 0, second.stderr
        report = json.loads(second.stdout)
        assert report["status"] == "done" and len(report["files"]) == 1
        shown = _sohoa(data, "show", report["files"][0]["document_id"])  # in the catalog, like any other
        assert shown.returncode == 0 and "trang.png" in shown.stdout
    finally:
        _sohoa(data, "server", "stop")
    assert not (data / "prefect" / "resident.sock").exists()
    assert "đang chạy" not in _sohoa(data, "server", "status").stdout


@pytest.mark.parametrize("command", [["ingest"], ["watch", "--once"]])
def test_no_server_answering_ends_in_a_sentence_and_exit_3(tmp_path: Path, command: list[str]) -> None:
    write_typed_pdf(tmp_path / "mot" / "don.pdf", seed=83)
    args = [*command, str(tmp_path / "mot")] if command == ["ingest"] else command
    result = _sohoa(tmp_path / "data", *args, PREFECT_API_URL="http://127.0.0.1:9/api")
    assert result.returncode == 3
    assert "Không kết nối được máy chủ Prefect" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (tmp_path / "mot" / "don.pdf").is_file()  # nothing was lost
