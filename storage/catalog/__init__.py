"""The catalog of digitized documents: tables, migrations and full-text search."""

from storage.catalog.repository import Catalog
from storage.catalog.search import SearchHit

__all__ = ["Catalog", "SearchHit"]
