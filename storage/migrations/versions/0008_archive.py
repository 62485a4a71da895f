"""Archive packages, archived records and fixity state (storage/catalog/archive.py).

Revision ID: 0008_archive
Revises: 0007_search_indexes
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_archive"
down_revision: str | Sequence[str] | None = "0007_search_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types: a migration never imports live code, so editing the models cannot rewrite history.
UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "archive_package",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("office_code", sa.String(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        sa.Column("input_records", sa.Integer(), nullable=False),
        sa.Column("output_records", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("pdfa_copies", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("tagmanifest_sha256", sa.String(), nullable=True),
        sa.Column("tagmanifest_sha512", sa.String(), nullable=True),
        sa.Column("retain_until", UTC_DATETIME, nullable=True),
        sa.Column("retention_mode", sa.String(), nullable=False),
        sa.Column("store", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_package")),
        sa.UniqueConstraint("key", name=op.f("uq_archive_package_key")),
    )
    op.create_index(op.f("ix_archive_package_office_code"), "archive_package", ["office_code"])
    op.create_index(op.f("ix_archive_package_day"), "archive_package", ["day"])
    op.create_table(
        "archive_file",
        sa.Column("package_id", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("retain_until", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["package_id"], ["archive_package.id"],
                                name=op.f("fk_archive_file_package_id_archive_package")),
        sa.PrimaryKeyConstraint("package_id", "path", name=op.f("pk_archive_file")),
    )
    op.create_table(
        "archive_record",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("package_id", sa.String(), nullable=False),
        sa.Column("record_class", sa.String(), nullable=False),
        sa.Column("archived_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"],
                                name=op.f("fk_archive_record_document_id_document")),
        sa.ForeignKeyConstraint(["package_id"], ["archive_package.id"],
                                name=op.f("fk_archive_record_package_id_archive_package")),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_archive_record")),
    )
    op.create_index(op.f("ix_archive_record_package_id"), "archive_record", ["package_id"])
    op.create_table(
        "fixity_state",
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("checked_at", UTC_DATETIME, nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("area", "key", name=op.f("pk_fixity_state")),
    )


def downgrade() -> None:
    op.drop_table("fixity_state")
    op.drop_table("archive_record")
    op.drop_table("archive_file")
    op.drop_table("archive_package")
