"""Initial catalog: batches, their files, documents, pages, stored objects and the full-text index.

Revision ID: 0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types: a migration never imports live code, so editing the models cannot rewrite history.
UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("manifest", JSON_DOCUMENT, nullable=False),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("report_key", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
    )
    op.create_index(op.f("ix_batch_started_at"), "batch", ["started_at"])
    op.create_table(
        "document",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("original_name", sa.String(), nullable=False),
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("problems", JSON_DOCUMENT, nullable=False),
        sa.Column("dossier_code", sa.String(), nullable=True),
        sa.Column("office_code", sa.String(), nullable=True),
        sa.Column("procedure_code", sa.String(), nullable=True),
        sa.Column("direction", sa.String(), nullable=True),
        sa.Column("component", sa.String(), nullable=True),
        sa.Column("doc_type", sa.String(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_document_batch_id_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("sha256", name=op.f("uq_document_sha256")),
    )
    op.create_index(op.f("ix_document_batch_id"), "document", ["batch_id"])
    op.create_index(op.f("ix_document_dossier_code"), "document", ["dossier_code"])
    op.create_index(op.f("ix_document_doc_type"), "document", ["doc_type"])
    op.create_table(
        "page",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mean_conf", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("skew_degrees", sa.Float(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("problems", JSON_DOCUMENT, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_page_document_id_document"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", "number", name=op.f("pk_page")),
    )
    op.create_table(
        "stored_object",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_stored_object_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "key", name=op.f("pk_stored_object")),
    )
    op.create_table(
        "batch_file",
        sa.Column("batch_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("problems", JSON_DOCUMENT, nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=True),
        sa.Column("duplicate_of", sa.String(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_batch_file_batch_id_batch")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_batch_file_document_id_document")
        ),
        sa.PrimaryKeyConstraint("batch_id", "name", name=op.f("pk_batch_file")),
    )
    op.create_index(op.f("ix_batch_file_document_id"), "batch_file", ["document_id"])
    # The full-text index is dialect-specific; the text arrives folded, so the index only splits it.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE document_search USING fts5(document_id UNINDEXED, name, code, "
                   "body, tokenize = 'unicode61 remove_diacritics 0')")
    elif dialect == "postgresql":
        # Words arrive split and joined by spaces (storage/catalog/fulltext.py); seq orders by recency.
        op.execute("CREATE TABLE document_search (document_id TEXT PRIMARY KEY, seq BIGSERIAL NOT NULL, "
                   "name TEXT NOT NULL, code TEXT NOT NULL, body TEXT NOT NULL, terms tsvector "
                   "GENERATED ALWAYS AS (setweight(to_tsvector('simple', name), 'A') || "
                   "setweight(to_tsvector('simple', code), 'A') || "
                   "setweight(to_tsvector('simple', body), 'D')) STORED)")
        op.execute("CREATE INDEX ix_document_search_terms ON document_search USING GIN (terms)")
        op.execute("CREATE INDEX ix_document_search_seq ON document_search (seq)")
    else:
        raise NotImplementedError(f"the catalog has no full-text search for {dialect!r} databases")


def downgrade() -> None:
    op.execute("DROP TABLE document_search")
    op.drop_table("batch_file")
    op.drop_table("stored_object")
    op.drop_table("page")
    op.drop_table("document")
    op.drop_table("batch")
