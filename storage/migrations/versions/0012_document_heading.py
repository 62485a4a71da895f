"""The title printed at the top of a document's first page, to tell papers of no known type apart.

Revision ID: 0012_document_heading
Revises: 0011_saved_searches
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_document_heading"
down_revision: str | Sequence[str] | None = "0011_saved_searches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Papers digitized before keep no heading (NULL): their lists show the type or the component.
    op.add_column("document", sa.Column("heading", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("heading")
