"""The catalog of digitized documents, one repository per area over one database.

    catalog = Catalog(settings.catalog, settings.zone)
    catalog.batches   batches, files, documents, inbox drops, uploads  (storage/catalog/batches.py)
    catalog.people    people and dossiers                               (people.py)
    catalog.accounts  accounts, login sessions, API tokens, audit log  (accounts.py)
    catalog.review    reviewers' corrections and confirmations         (review.py)
    catalog.search    the officers' search, scoped                     (search.py)
    catalog.archive   archive packages, fixity state, 766 counts       (packages.py)

Tables are in models.py, row mappings in rows.py, the full-text dialect in fulltext.py.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from schemas.settings import OFFICE_TIMEZONE
from storage.catalog.accounts import AccountRepository
from storage.catalog.batches import BatchRepository
from storage.catalog.database import Database
from storage.catalog.packages import ArchiveRepository
from storage.catalog.people import PeopleRepository
from storage.catalog.review import ReviewRepository
from storage.catalog.search import SearchRepository


class Catalog:
    """Opens the database once (upgrading it to the latest schema) and hands out its repositories."""

    def __init__(self, url: str, zone: ZoneInfo = ZoneInfo(OFFICE_TIMEZONE)) -> None:
        self.database = Database(url)
        self.batches = BatchRepository(self.database)
        self.people = PeopleRepository(self.database)
        self.accounts = AccountRepository(self.database)
        self.review = ReviewRepository(self.database)
        self.search = SearchRepository(self.database, zone)
        self.archive = ArchiveRepository(self.database)

    def close(self) -> None:
        """Close the pooled connections (the catalog must not be used afterwards)."""
        self.database.close()


__all__ = ["Catalog"]
