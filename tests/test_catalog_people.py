"""People in the catalog: one per 12-digit number, old numbers as aliases, every document linked."""

from __future__ import annotations

from schemas.document import Document
from schemas.identity import FieldValue, Identity, IdSource, ReviewReason
from storage.catalog import Catalog
from tests.test_catalog import BATCH, catalog, make_document  # noqa: F401 - catalog is a fixture

ID = "079203001234"


def _card_identity(name: str = "Nguyễn Văn Đức", reasons: dict[str, list[ReviewReason]] | None = None) -> Identity:
    def qr(value: str) -> FieldValue:
        return FieldValue(value=value, source=IdSource.QR, confidence=1.0)

    return Identity(id_number=qr(ID), old_id_number=qr("024123456"), full_name=qr(name),
                    date_of_birth=qr("2003-04-05"), sex=qr("M"), date_of_expiry=qr("2028-04-05"),
                    field_reasons=reasons or {},
                    review_reasons=sorted({r for rs in (reasons or {}).values() for r in rs}))


def _with(document: Document, **changes: object) -> Document:
    return document.model_copy(update=changes)



def test_a_card_creates_the_person_with_its_trusted_fields_and_alias(catalog: Catalog) -> None:
    document, pages, file = make_document("card", "cccd.jpg", ["CĂN CƯỚC CÔNG DÂN"])
    catalog.batches.record_document(_with(document, identity=_card_identity(), people=[ID]), pages, file)
    person = catalog.people.get_person(ID)
    assert (person.full_name, person.date_of_birth, person.sex) == ("Nguyễn Văn Đức", "2003-04-05", "M")
    assert person.aliases == ["024123456"] and person.document_ids == ["card"]
    assert catalog.people.get_person("024123456") == person  # the old CMND number finds the same person
    assert catalog.batches.get_document("card").identity.full_name.value == "Nguyễn Văn Đức"


def test_other_papers_carrying_the_number_are_linked_to_the_same_person(catalog: Catalog) -> None:
    document, pages, file = make_document("card", "cccd.jpg", ["CĂN CƯỚC CÔNG DÂN"])
    catalog.batches.record_document(_with(document, identity=_card_identity(), people=[ID]), pages, file)
    birth, pages, file = make_document("birth", "khai_sinh.pdf", [f"GIẤY KHAI SINH số định danh {ID}"])
    catalog.batches.record_document(_with(birth, people=[ID]), pages, file)
    assert catalog.people.get_person(ID).document_ids == ["birth", "card"]
    assert catalog.people.get_person(ID).full_name == "Nguyễn Văn Đức"  # a paper without a name changes nothing


def test_a_doubtful_field_never_overwrites_what_a_good_card_established(catalog: Catalog) -> None:
    good, pages, file = make_document("good", "a.jpg", ["CĂN CƯỚC CÔNG DÂN"])
    catalog.batches.record_document(_with(good, identity=_card_identity(), people=[ID]), pages, file)
    doubtful, pages, file = make_document("doubtful", "b.jpg", ["CĂN CƯỚC CÔNG DÂN"])
    identity = _card_identity("Nguyễn Văn Đúc", {"full_name": [ReviewReason.SOURCES_DISAGREE]})
    catalog.batches.record_document(_with(doubtful, identity=identity, people=[ID]), pages, file)
    assert catalog.people.get_person(ID).full_name == "Nguyễn Văn Đức"


def test_recording_again_keeps_one_person_and_one_link(catalog: Catalog) -> None:
    document, pages, file = make_document("card", "cccd.jpg", ["CĂN CƯỚC CÔNG DÂN"])
    card = _with(document, identity=_card_identity(), people=[ID])
    catalog.batches.record_document(card, pages, file)
    before = catalog.batches.count_rows()
    catalog.batches.record_document(card, pages, file)
    assert catalog.batches.count_rows() == before
    assert (before["people"], before["person_aliases"], before["document_people"]) == (1, 1, 1)


def test_export_has_a_fields_row_for_a_card(catalog: Catalog) -> None:
    document, pages, file = make_document("card", "cccd.jpg", ["CĂN CƯỚC CÔNG DÂN"])
    catalog.batches.record_document(_with(document, identity=_card_identity(), people=[ID]), pages, file)
    rows = [row for row in catalog.batches.export_rows(BATCH) if "fields" in row]
    assert rows == [{"file": "cccd.jpg", "fields": {
        "id_number": ID, "full_name": "Nguyễn Văn Đức", "date_of_birth": "2003-04-05", "sex": "M",
        "nationality": None, "place_of_origin": None, "place_of_residence": None, "date_of_issue": None,
        "date_of_expiry": "2028-04-05", "old_id_number": "024123456"}}]


def test_unknown_numbers_find_nobody(catalog: Catalog) -> None:
    assert catalog.people.get_person("001099000001") is None
