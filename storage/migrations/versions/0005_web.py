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

from storage.catalog.finder import SEARCH_INDEXES
from storage.catalog.models import JsonDocument, UTCDateTime
from storage.catalog.search import full_text_index

revision: str = "0005_web"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = ("UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("office_code", sa.String(), nullable=True),
        sa.Column("roles", JsonDocument, nullable=False),
        sa.Column("province_wide", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_app_user")),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
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
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["app_user.username"],
                                name=op.f("fk_api_token_username_app_user")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_api_token")),
    )
    op.create_index(op.f("ix_api_token_username"), "api_token", ["username"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=True),
        sa.Column("dossier_code", sa.String(), nullable=True),
        sa.Column("client", sa.String(), nullable=True),
        sa.Column("detail", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    for column in ("at", "username", "action", "document_id"):
        op.create_index(op.f(f"ix_audit_log_{column}"), "audit_log", [column])
    op.create_table(
        "field_correction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("machine_value", sa.Text(), nullable=True),
        sa.Column("corrected_by", sa.String(), nullable=False),
        sa.Column("corrected_at", UTCDateTime(), nullable=False),
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
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_upload")),
        sa.UniqueConstraint("folder", name=op.f("uq_web_upload_folder")),
    )
    op.create_index(op.f("ix_web_upload_username"), "web_upload", ["username"])
    op.create_index(op.f("ix_web_upload_created_at"), "web_upload", ["created_at"])
    for index in SEARCH_INDEXES:
        op.create_index(index.name, index.table.name, [column.name for column in index.columns])
    bind = op.get_bind()
    for statement in full_text_index(bind.dialect.name).create_person_index_sql():
        op.execute(statement)
    if bind.dialect.name == "sqlite":
        for verb in _APPEND_ONLY:
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for verb in _APPEND_ONLY:
            op.execute(f"DROP TRIGGER audit_log_no_{verb.lower()}")
    for statement in full_text_index(bind.dialect.name).drop_person_index_sql():
        op.execute(statement)
    for index in SEARCH_INDEXES:
        op.drop_index(index.name, index.table.name)
    for name in ("web_upload", "field_correction", "audit_log", "api_token", "web_session", "app_user"):
        op.drop_table(name)
