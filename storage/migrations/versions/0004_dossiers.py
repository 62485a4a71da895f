"""Dossiers and the documents attached to them (scanned for them, or reused).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types: a migration never imports live code, so editing the models cannot rewrite history.
UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dossier",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("office_code", sa.String(), nullable=True),
        sa.Column("procedure_code", sa.String(), nullable=True),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("returns_paper_result", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dossier")),
    )
    op.create_index(op.f("ix_dossier_office_code"), "dossier", ["office_code"])
    op.create_index(op.f("ix_dossier_receipt_date"), "dossier", ["receipt_date"])
    op.create_table(
        "dossier_document",
        sa.Column("dossier_code", sa.String(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("direction", sa.String(), nullable=False),
        sa.Column("component", sa.String(), nullable=True),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("source_dossier", sa.String(), nullable=True),
        sa.Column("attached_by", sa.String(), nullable=True),
        sa.Column("attached_at", UTC_DATETIME, nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_code"], ["dossier.code"],
                                name=op.f("fk_dossier_document_dossier_code_dossier")),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"],
                                name=op.f("fk_dossier_document_document_id_document")),
        sa.PrimaryKeyConstraint("dossier_code", "document_id", "direction", name=op.f("pk_dossier_document")),
    )
    op.create_index(op.f("ix_dossier_document_document_id"), "dossier_document", ["document_id"])


def downgrade() -> None:
    op.drop_table("dossier_document")
    op.drop_table("dossier")
