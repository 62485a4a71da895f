"""Identity: document type score and fused identity per document, people, aliases and links.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types: a migration never imports live code, so editing the models cannot rewrite history.
UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("document") as document:
        document.add_column(sa.Column("doc_type_score", sa.Float(), nullable=False, server_default="0"))
        document.add_column(sa.Column("identity", JSON_DOCUMENT, nullable=True))
    op.create_table(
        "person",
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=True),
        sa.Column("folded_name", sa.String(), nullable=True),
        sa.Column("date_of_birth", sa.String(), nullable=True),
        sa.Column("sex", sa.String(), nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id_number", name=op.f("pk_person")),
    )
    op.create_index(op.f("ix_person_folded_name"), "person", ["folded_name"])
    op.create_table(
        "person_alias",
        sa.Column("alias", sa.String(), nullable=False),
        sa.Column("id_number", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["id_number"], ["person.id_number"],
                                name=op.f("fk_person_alias_id_number_person")),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_person_alias")),
    )
    op.create_index(op.f("ix_person_alias_id_number"), "person_alias", ["id_number"])
    op.create_table(
        "document_person",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("id_number", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE",
                                name=op.f("fk_document_person_document_id_document")),
        sa.ForeignKeyConstraint(["id_number"], ["person.id_number"],
                                name=op.f("fk_document_person_id_number_person")),
        sa.PrimaryKeyConstraint("document_id", "id_number", name=op.f("pk_document_person")),
    )
    op.create_index(op.f("ix_document_person_id_number"), "document_person", ["id_number"])


def downgrade() -> None:
    op.drop_table("document_person")
    op.drop_table("person_alias")
    op.drop_table("person")
    with op.batch_alter_table("document") as document:
        document.drop_column("identity")
        document.drop_column("doc_type_score")
