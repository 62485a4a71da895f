"""Alembic environment of the catalog. Users never call alembic: `Catalog(url)` upgrades to head.

The catalog hands its own connection (already inside a transaction that holds the write lock) in
`config.attributes["connection"]`, so two processes starting at once cannot both migrate. To write
a new revision after changing storage/catalog/models.py:

    from alembic import command
    from sqlalchemy import create_engine
    from storage.catalog.database import migration_config
    with create_engine("sqlite:////tmp/dev.sqlite3").begin() as connection:  # a catalog at head
        command.revision(migration_config(connection), message="...", autogenerate=True)
"""

from __future__ import annotations

from alembic import context

from storage.catalog.fulltext import full_text_index
from storage.catalog.models import Base

connection = context.config.attributes["connection"]
search_index = full_text_index(connection.dialect.name)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave the full-text index's own tables and indexes (see fulltext.py) out of autogenerate."""
    return not (type_ in ("table", "index") and name is not None and search_index.owns(name))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_name=include_name,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
