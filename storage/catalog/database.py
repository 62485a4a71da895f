"""The catalog database: one engine, short read and write transactions, and migrations on open.

Every repository of the catalog (batches, people, accounts, review, search, archive) works through one
`Database`: SQLite by default (tuned below for several threads and processes at once), PostgreSQL at
scale. Opening it upgrades the schema to the single head of the migration history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from storage.catalog.fulltext import FullTextIndex, full_text_index

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Execution option marking transactions that will write (SQLite then takes the write lock up front).
_WRITES = "sohoa_writes"


def migration_config(connection: Connection) -> Config:
    """An alembic configuration for the catalog's migrations, running on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


_MMAP_BYTES = 64 * 1024**3  # SQLite lowers it to its compile-time limit
AUDIT_SCHEMA = "audit"


def audit_database(catalog_database: str | None) -> str:
    """The file of a SQLite catalog's audit log: beside the catalog, `catalog.sqlite3` →
    `catalog-audit.sqlite3` (in memory for an in-memory catalog)."""
    if not catalog_database or catalog_database == ":memory:":
        return ":memory:"
    path = Path(catalog_database)
    return str(path.with_name(f"{path.stem}-audit{path.suffix}"))


def _tune_sqlite(engine: Engine) -> None:
    """Make one SQLite file safe for several threads and processes writing at once.

    WAL lets readers run while one writer writes; busy_timeout makes a writer wait for the lock
    instead of failing. Write transactions start with BEGIN IMMEDIATE: a transaction that first
    reads and later writes could otherwise fail with 'database is locked' when another writer
    committed in between (SQLite cannot upgrade a stale read snapshot). SQLAlchemy emits BEGIN
    itself because Python's sqlite3 module would not begin before reads or DDL.

    Reads go through a memory map (as large as SQLite's build allows: 2 GiB in Debian's): a search
    then reads pages in place instead of copying each out of the OS cache with a system call,
    which was a third of its time on a million-record catalog.

    The audit log lives in a database file of its own, attached to every connection as `audit`
    (its table is found without the prefix): every search writes an audit entry, and a write to
    the catalog file would make every other connection drop its page cache and memory map at its
    next read (SQLite's rule for a changed WAL), so each search would start cold.
    """
    audit_file = audit_database(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"ATTACH DATABASE ? AS {AUDIT_SCHEMA}", (audit_file,))
        for pragma in ("journal_mode = WAL", f"{AUDIT_SCHEMA}.journal_mode = WAL", "busy_timeout = 30000",
                       "foreign_keys = ON", f"mmap_size = {_MMAP_BYTES}"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(_WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


# Any constant shared by every catalog process: the key of PostgreSQL's advisory writer lock.
_WRITER_LOCK = 0x50_48_4F_41
_NUL, _REPLACEMENT = "\x00", "\ufffd"


def _without_nul(value: Any) -> Any:
    """`value` with every NUL character in its strings (nested in dicts, lists and tuples)
    replaced by U+FFFD: PostgreSQL text and JSONB cannot hold NUL, which SQLite stores, and a PDF's
    text layer or a typed search may carry one."""
    if isinstance(value, str):
        return value.replace(_NUL, _REPLACEMENT) if _NUL in value else value
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(item) for item in value)
    return value


def _json_without_nul(value: Any) -> str:
    return json.dumps(_without_nul(value))


def _tune_postgres(engine: Engine) -> None:
    """Give PostgreSQL the two rules the catalog's code relies on in SQLite.

    The audit log's schema is on the search path, so the same unqualified statements find it.
    Write transactions run one at a time (an advisory lock taken at BEGIN, released at COMMIT):
    the repositories read and then write (a re-dropped batch, a login's failure count, a person
    seen again) and must not interleave, as SQLite's BEGIN IMMEDIATE guarantees. Writes are short
    (one document, one audit entry), reads take no lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO public, {AUDIT_SCHEMA}")
        dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_WRITES, False):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITER_LOCK})")

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _before_execute(_connection: Connection, _cursor: Any, statement: str, parameters: Any,
                        _context: Any, _executemany: bool) -> tuple[str, Any]:
        return statement, _without_nul(parameters)


def open_engine(url: str) -> Engine:
    """An engine on the catalog at `url`, with what its dialect needs (see _tune_sqlite and
    _tune_postgres). A plain `postgresql://` URL is read as psycopg 3's, the driver installed."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        engine = create_engine(parsed)
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True, json_serializer=_json_without_nul)
    _tune_postgres(engine)
    return engine


class Database:
    """The catalog's engine and sessions; each write is one short transaction."""

    def __init__(self, url: str) -> None:
        """Open the database at a SQLAlchemy URL, e.g. 'sqlite:////abs/path/catalog.sqlite3'."""
        self.engine = open_engine(url)
        # Core connections for the reads and writes every request makes (login check, audit, search):
        # the ORM's per-statement overhead showed in the search latency.
        self.writer = self.engine.execution_options(**{_WRITES: True})
        self.fulltext: FullTextIndex = full_text_index(self.engine.dialect.name)
        self._read_sessions = sessionmaker(self.engine)
        self._write_sessions = sessionmaker(self.writer)
        with self.writer.begin() as connection:
            command.upgrade(migration_config(connection), "head")

    def reading(self) -> Session:
        """A session for reads: `with database.reading() as session`."""
        return self._read_sessions()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one write transaction, committed on leaving (rolled back on error)."""
        with self._write_sessions.begin() as session:
            yield session

    def ping(self) -> None:
        """Raise unless the database answers (the health check)."""
        with self.engine.connect() as connection:
            connection.execute(select(1))

    def close(self) -> None:
        """Close the pooled connections (the database must not be used afterwards)."""
        self.engine.dispose()
