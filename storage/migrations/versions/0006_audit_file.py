"""SQLite: the audit log moves to its own database file, attached as `audit` (see
the catalog's SQLite tuning for why). Other databases keep it where it is.

The table, its indexes and its append-only triggers are recreated from their own SQL in the other
schema, then the rows follow in order. An audit file left over from an earlier catalog at the same
path keeps its entries: the moved ones are appended after them (an audit log is never emptied).

Revision ID: 0006_audit_file
Revises: 0005_web
Create Date: 2026-11-23
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0006_audit_file"
down_revision: str | Sequence[str] | None = "0005_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "audit_log"
AUDIT_SCHEMA = "audit"  # the name the catalog attaches the audit file under


def _move(source: str, target: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    objects = bind.exec_driver_sql(
        f"SELECT type, name, sql FROM {source}.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "ORDER BY type = 'table' DESC", (_TABLE,)).all()
    existing = bind.exec_driver_sql(
        f"SELECT name FROM {target}.sqlite_master WHERE tbl_name = ?", (_TABLE,)).scalars().all()
    for _, name, sql in objects:
        if name not in existing:
            op.execute(re.sub(rf"^(CREATE (?:UNIQUE )?(?:TABLE|INDEX|TRIGGER) )\"?{name}\"?",
                              rf"\g<1>{target}.{name}", sql, count=1))
    columns = [row[1] for row in bind.exec_driver_sql(f"PRAGMA {source}.table_info({_TABLE})")
               if row[1] != "id"]
    listed = ", ".join(columns)
    op.execute(f"INSERT INTO {target}.{_TABLE} ({listed}) SELECT {listed} FROM {source}.{_TABLE} ORDER BY id")
    op.execute(f"DROP TABLE {source}.{_TABLE}")  # its indexes and triggers go with it


def upgrade() -> None:
    _move("main", AUDIT_SCHEMA)


def downgrade() -> None:
    _move(AUDIT_SCHEMA, "main")
