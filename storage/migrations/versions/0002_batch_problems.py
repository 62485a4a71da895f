"""Batch-level problems (an invalid manifest, an empty drop) are kept with the batch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types: a migration never imports live code, so editing the models cannot rewrite history.
UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.add_column(sa.Column("problems", JSON_DOCUMENT, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("batch") as batch:
        batch.drop_column("problems")
