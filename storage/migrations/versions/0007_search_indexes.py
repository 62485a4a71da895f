"""Covering indexes for the searches: each document's office and date , so
candidates are checked against the account's office without reading document rows; and each
person's documents (replacing the index of numbers alone), without reading document_person rows.

Revision ID: 0007_search_indexes
Revises: 0006_audit_file
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_search_indexes"
down_revision: str | Sequence[str] | None = "0006_audit_file"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SCOPE_INDEX = "ix_document_id_office_code_created_at"


def upgrade() -> None:
    op.create_index(_SCOPE_INDEX, "document", ["id", "office_code", "created_at"])
    op.create_index("ix_document_person_id_number_document_id", "document_person", ["id_number", "document_id"])
    op.drop_index("ix_document_person_id_number", "document_person")


def downgrade() -> None:
    op.create_index("ix_document_person_id_number", "document_person", ["id_number"])
    op.drop_index("ix_document_person_id_number_document_id", "document_person")
    op.drop_index(_SCOPE_INDEX, "document")
