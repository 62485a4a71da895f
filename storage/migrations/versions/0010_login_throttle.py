"""Failed logins per account name and client address, with an exponential back-off (replaces a hard
lock-out that anybody could turn against an officer by typing wrong passwords under their name).

Revision ID: 0010_login_throttle
Revises: 0009_inbox_drops
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_login_throttle"
down_revision: str | Sequence[str] | None = "0009_inbox_drops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", "client", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
