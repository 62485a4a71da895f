"""A private PostgreSQL cluster for the tests: Debian's `postgresql` binaries, `initdb` into a temp
folder, listening on a unix socket only (no TCP port, no system service, nothing left behind).

The session fixture `postgres_server` starts it once (about two seconds); `postgres_url` makes a
fresh database per test and answers the catalog URL in the form operators use,
`postgresql+psycopg://USER@/DB?host=SOCKET_DIR&port=PORT`. PostgreSQL refuses to run as root, so under
root the cluster runs as the `postgres` account the Debian package creates (or `nobody`).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

_USER = "postgres"  # the superuser, as on a database machine ("sohoa" is the application's role)
_START_SECONDS = 60


@dataclass(frozen=True)
class PostgresServer:
    """A running cluster: its socket folder and port (the socket file's name), and its superuser."""

    socket_dir: Path
    port: int
    user: str = _USER

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def admin(self) -> psycopg.Connection:
        """An autocommit connection to the maintenance database (CREATE/DROP DATABASE)."""
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user,
                               dbname="postgres", autocommit=True)

    def create_database(self) -> str:
        name = f"t_{secrets.token_hex(6)}"
        with closing(self.admin()) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name


def _bindir() -> Path:
    """Where Debian keeps the server binaries (/usr/lib/postgresql/N/bin: not on PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        pytest.fail("PostgreSQL is not installed: `make install` installs Debian's postgresql package")
    return Path(initdb).resolve().parent


def _account() -> pwd.struct_passwd | None:
    """The account to run the server as when the tests run as root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail("running as root without a `postgres` or `nobody` account to run PostgreSQL as")


def _free_port() -> int:
    # The port only names the socket file, but keep it free on TCP too in case someone enables it.
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway cluster; stop it and delete its folder on leaving."""
    bindir, account = _bindir(), _account()
    folder = Path(tempfile.mkdtemp(prefix="sohoa-pg-"))
    folder.chmod(0o755)
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    as_account: dict[str, int] = {}
    if account is not None:
        os.chown(sockets, account.pw_uid, account.pw_gid)
        as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    log = folder / "server.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        data.mkdir()
        if account is not None:
            os.chown(data, account.pw_uid, account.pw_gid)
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", _USER, "--auth=trust",
                        "-E", "UTF8", "--no-locale", "--no-sync"], check=True, capture_output=True,
                       cwd=folder, **as_account)  # type: ignore[call-overload]
        port = _free_port()
        with log.open("wb") as output:
            # Durability is not under test: fsync off makes each test's CREATE DATABASE fast.
            server = subprocess.Popen(
                [str(bindir / "postgres"), "-D", str(data), "-k", str(sockets), "-p", str(port),
                 "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                stdout=output, stderr=subprocess.STDOUT, cwd=folder, **as_account)  # type: ignore[call-overload]
        running = PostgresServer(sockets, port)
        deadline = time.monotonic() + _START_SECONDS
        while True:
            try:
                running.admin().close()
                break
            except psycopg.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"PostgreSQL did not start:\n{log.read_text(errors='replace')[-4000:]}")
                time.sleep(0.1)
        yield running
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # fast shutdown: ends the clients' sessions
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's cluster, as a catalog URL."""
    return postgres_server.url(postgres_server.create_database())
