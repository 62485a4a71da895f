"""Dossiers: documents scanned for a dossier are its components; reused ones are reuse links."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.batch import Direction
from schemas.dossier import Channel, Dossier, DossierDocument
from storage.catalog import Catalog
from tests.test_catalog import BATCH, catalog, make_document  # noqa: F401 - catalog is a fixture

SCANNED_FOR = "000.00.12.H12-250602-0001"  # the dossier code make_document's documents carry
NEW = "000.00.12.H12-250610-0007"



def test_a_scanned_document_becomes_an_input_of_the_dossier_its_batch_named(catalog: Catalog) -> None:
    catalog.batches.record_document(*make_document("don", "don.pdf", ["ĐƠN ĐỀ NGHỊ"]))
    dossier = catalog.people.get_dossier(SCANNED_FOR)
    assert dossier.receipt_date == date(2025, 6, 2)  # from the code itself
    assert [(d.document_id, d.direction, d.reused) for d in dossier.documents] == [
        ("don", Direction.INPUT, False)]


def test_reusing_a_document_in_a_new_dossier_is_recorded_as_reuse(catalog: Catalog) -> None:
    catalog.batches.record_document(*make_document("cccd", "cccd.jpg", ["CĂN CƯỚC CÔNG DÂN"]))
    catalog.people.record_dossier(Dossier.from_code(NEW, office_code="H12", channel=Channel.COUNTER))
    catalog.people.record_attachment(DossierDocument(dossier_code=NEW, document_id="cccd", direction=Direction.INPUT,
                                   component="CCCD", reused=True, source_dossier=SCANNED_FOR,
                                   attached_by="officer-1", attached_at=datetime(2025, 6, 10, tzinfo=UTC)))
    reused = catalog.people.get_dossier(NEW).documents
    assert [(d.document_id, d.reused, d.source_dossier, d.attached_by) for d in reused] == [
        ("cccd", True, SCANNED_FOR, "officer-1")]
    assert [d.code for d in catalog.people.find_dossiers(office_code="H12", received_from=date(2025, 6, 5))] == [NEW]


def test_attaching_to_an_unknown_dossier_or_document_is_refused(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        catalog.people.record_attachment(DossierDocument(dossier_code=NEW, document_id="x", direction=Direction.INPUT))
    catalog.people.record_dossier(Dossier.from_code(NEW))
    with pytest.raises(KeyError):
        catalog.people.record_attachment(DossierDocument(dossier_code=NEW, document_id="nope", direction=Direction.INPUT))


def test_an_invalid_dossier_code_is_refused() -> None:
    with pytest.raises(ValueError):
        Dossier.from_code("H12-251340-0001")  # month 13
