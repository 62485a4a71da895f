"""The office in PostgreSQL's full-text entries, so a search within one office intersects in the index.

Revision ID: 0013_search_office
Revises: 0012_document_heading
Create Date: 2026-12-05

A phrase common in the province but rare in one office was judged broad by its province-wide count
and then walked document by document through the office's papers (226-500 ms at 1M records). With
the office's token in `terms`, GIN intersects the words with the office's documents. The generated
column's expression changes, which PostgreSQL 15 cannot alter in place: it is dropped and added again
(every row's terms are computed once more) and its index rebuilt. SQLite's FTS5 is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_search_office"
down_revision: str | Sequence[str] | None = "0012_document_heading"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TERMS = ("setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', code), 'A') || "
          "setweight(to_tsvector('simple', body), 'D')")


def _terms(expression: str) -> None:
    op.execute("DROP INDEX ix_document_search_terms")
    op.execute("ALTER TABLE document_search DROP COLUMN terms")
    op.execute(f"ALTER TABLE document_search ADD COLUMN terms tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute("CREATE INDEX ix_document_search_terms ON document_search USING GIN (terms)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE document_search ADD COLUMN office TEXT NOT NULL DEFAULT ''")
    # storage.catalog.fulltext.office_token: 'sohoaoffice' and the office code's letters and digits.
    op.execute("UPDATE document_search AS s SET office = 'sohoaoffice' || "
               "lower(regexp_replace(coalesce(d.office_code, ''), '[^[:alnum:]]', '', 'g')) "
               "FROM document AS d WHERE d.id = s.document_id")
    _terms(f"{_TERMS} || setweight(to_tsvector('simple', office), 'D')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _terms(_TERMS)
    op.execute("ALTER TABLE document_search DROP COLUMN office")
