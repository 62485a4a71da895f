"""The officers' web service: accounts, sessions, API tokens, audit log, corrections, uploads; the
people index (names and number suffixes) and the indexes the search filters use.

Revision ID: 0005_web
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_web"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types: a migration never imports live code, so editing the models cannot rewrite history.
UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

_APPEND_ONLY = ("UPDATE", "DELETE")
# Indexes of the officers' searches: (name, table, columns).
_SEARCH_INDEXES = (
    ("ix_document_office_code_created_at", "document", ["office_code", "created_at"]),
    ("ix_document_created_at", "document", ["created_at"]),
    ("ix_document_status", "document", ["status"]),
    ("ix_document_procedure_code", "document", ["procedure_code"]),
    ("ix_person_date_of_birth", "person", ["date_of_birth"]),
)
# SQLite's people index. FTS5 needs a stable integer rowid, which the person table (text key) lacks
# across VACUUM, so a small key table owns one; triggers on person keep it (and through it the FTS
# table) in step with every writer. It also holds the number reversed, so "ends with 4321" is an
# index range on "1234...", not a scan of every person.
_REVERSED = " || ".join(f"substr({{row}}.id_number, {i}, 1)" for i in range(12, 0, -1))
_FTS_INSERT = "INSERT INTO person_search (rowid, folded_name) VALUES (new.id, new.folded_name);"
_FTS_DELETE = ("INSERT INTO person_search (person_search, rowid, folded_name) "
               "VALUES ('delete', old.id, old.folded_name);")
_SQLITE_PEOPLE_INDEX = (
    "CREATE TABLE person_search_key (id INTEGER PRIMARY KEY, id_number TEXT NOT NULL UNIQUE, "
    "folded_name TEXT, reversed_number TEXT NOT NULL)",
    "CREATE INDEX ix_person_search_key_reversed_number ON person_search_key (reversed_number)",
    "CREATE VIRTUAL TABLE person_search USING fts5(folded_name, content='person_search_key', "
    "content_rowid='id', tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3')",
    "CREATE VIRTUAL TABLE person_search_vocab USING fts5vocab(person_search, 'row')",
    f"CREATE TRIGGER person_search_key_ai AFTER INSERT ON person_search_key BEGIN {_FTS_INSERT} END",
    f"CREATE TRIGGER person_search_key_ad AFTER DELETE ON person_search_key BEGIN {_FTS_DELETE} END",
    f"CREATE TRIGGER person_search_key_au AFTER UPDATE ON person_search_key BEGIN {_FTS_DELETE} {_FTS_INSERT} END",
    "CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN "
    "INSERT INTO person_search_key (id_number, folded_name, reversed_number) "
    f"VALUES (new.id_number, new.folded_name, {_REVERSED.format(row='new')}); END",
    "CREATE TRIGGER person_search_au AFTER UPDATE OF folded_name ON person BEGIN "
    "UPDATE person_search_key SET folded_name = new.folded_name WHERE id_number = new.id_number; END",
    "CREATE TRIGGER person_search_ad AFTER DELETE ON person BEGIN "
    "DELETE FROM person_search_key WHERE id_number = old.id_number; END",
    "INSERT INTO person_search_key (id_number, folded_name, reversed_number) "
    f"SELECT id_number, folded_name, {_REVERSED.format(row='person')} FROM person",
)
_SQLITE_DROP_PEOPLE_INDEX = (
    "DROP TRIGGER person_search_ai", "DROP TRIGGER person_search_au", "DROP TRIGGER person_search_ad",
    "DROP TABLE person_search_vocab", "DROP TABLE person_search", "DROP TABLE person_search_key",
)

# PostgreSQL's people index: expression indexes on the person table itself (its folded name's words,
# its number reversed in byte order), and the vocabulary of name words kept by a trigger.
_POSTGRES_PEOPLE_INDEX = (
    "CREATE INDEX ix_person_name_terms ON person USING GIN (to_tsvector('simple', coalesce(folded_name, '')))",
    'CREATE INDEX ix_person_reversed_number ON person ((reverse(id_number) COLLATE "C"))',
    "CREATE TABLE person_search_vocab (word TEXT PRIMARY KEY)",
    "CREATE FUNCTION person_search_vocab_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO person_search_vocab (word) SELECT DISTINCT token FROM "
    "unnest(tsvector_to_array(to_tsvector('simple', coalesce(NEW.folded_name, '')))) AS token "
    "ON CONFLICT DO NOTHING; RETURN NEW; END $$",
    "CREATE TRIGGER person_search_vocab_ai AFTER INSERT OR UPDATE OF folded_name ON person "
    "FOR EACH ROW EXECUTE FUNCTION person_search_vocab_add()",
    "INSERT INTO person_search_vocab (word) SELECT DISTINCT unnest(tsvector_to_array("
    "to_tsvector('simple', coalesce(folded_name, '')))) FROM person ON CONFLICT DO NOTHING",
)
_POSTGRES_DROP_PEOPLE_INDEX = (
    "DROP TRIGGER person_search_vocab_ai ON person", "DROP FUNCTION person_search_vocab_add()",
    "DROP TABLE person_search_vocab", "DROP INDEX ix_person_reversed_number",
    "DROP INDEX ix_person_name_terms",
)
# PostgreSQL keeps the audit log in a schema of its own (on the catalog's search path), so a
# deployment can grant the web service INSERT and SELECT there and nothing more.
AUDIT_SCHEMA = "audit"
_POSTGRES_APPEND_ONLY = (
    f"CREATE FUNCTION {AUDIT_SCHEMA}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    f"CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {AUDIT_SCHEMA}.audit_log "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {AUDIT_SCHEMA}.audit_log_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("office_code", sa.String(), nullable=True),
        sa.Column("roles", JSON_DOCUMENT, nullable=False),
        sa.Column("province_wide", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_app_user")),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["username"], ["app_user.username"],
                                name=op.f("fk_web_session_username_app_user")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_username"), "web_session", ["username"])
    op.create_index(op.f("ix_web_session_expires_at"), "web_session", ["expires_at"])
    op.create_table(
        "api_token",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["username"], ["app_user.username"],
                                name=op.f("fk_api_token_username_app_user")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_token")),
    )
    op.create_index(op.f("ix_api_token_username"), "api_token", ["username"])
    postgres = op.get_bind().dialect.name == "postgresql"
    audit_schema = AUDIT_SCHEMA if postgres else None
    if postgres:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {AUDIT_SCHEMA}")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=True),
        sa.Column("dossier_code", sa.String(), nullable=True),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema=audit_schema,
    )
    for column in ("at", "username", "action", "document_id"):
        op.create_index(op.f(f"ix_audit_log_{column}"), "audit_log", [column], schema=audit_schema)
    op.create_table(
        "field_correction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("machine_value", sa.Text(), nullable=True),
        sa.Column("corrected_by", sa.String(), nullable=False),
        sa.Column("corrected_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"],
                                name=op.f("fk_field_correction_document_id_document")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_correction")),
    )
    op.create_index(op.f("ix_field_correction_document_id"), "field_correction", ["document_id"])
    op.create_table(
        "web_upload",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("folder", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("office_code", sa.String(), nullable=True),
        sa.Column("dossier_code", sa.String(), nullable=True),
        sa.Column("direction", sa.String(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_upload")),
        sa.UniqueConstraint("folder", name=op.f("uq_web_upload_folder")),
    )
    op.create_index(op.f("ix_web_upload_username"), "web_upload", ["username"])
    op.create_index(op.f("ix_web_upload_created_at"), "web_upload", ["created_at"])
    for name, table, columns in _SEARCH_INDEXES:
        op.create_index(name, table, columns)
    for statement in _POSTGRES_PEOPLE_INDEX + _POSTGRES_APPEND_ONLY if postgres else _SQLITE_PEOPLE_INDEX:
        op.execute(statement)
    if not postgres:
        for verb in _APPEND_ONLY:
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(f"DROP SCHEMA {AUDIT_SCHEMA} CASCADE")
    else:
        for verb in _APPEND_ONLY:
            op.execute(f"DROP TRIGGER audit_log_no_{verb.lower()}")
    for statement in _POSTGRES_DROP_PEOPLE_INDEX if postgres else _SQLITE_DROP_PEOPLE_INDEX:
        op.execute(statement)
    for name, table, _ in _SEARCH_INDEXES:
        op.drop_index(name, table)
    for name in ("web_upload", "field_correction", "api_token", "web_session", "app_user"):
        op.drop_table(name)
    if not postgres:
        op.drop_table("audit_log")
