"""Identity through the whole ingest flow: a clerk drops a citizen's card and a birth certificate.

The card (chip CCCD, both sides photocopied on one A4 page) must come out typed, with its fields in the
export, linked to a person; the certificate printing the same ID number must be linked to that person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from flows.ingest import ingest_batch
from ocr.identity.barcode import read_qr
from schemas.batch import BatchReport
from schemas.document import DocType, FileStatus
from schemas.settings import Settings
from storage.resources import resources
from tests.generators import cards, pages, people

pytestmark = pytest.mark.usefixtures("prefect_server")


@dataclass
class Ingested:
    settings: Settings
    report: BatchReport
    person: people.Person

    def document_id(self, name: str) -> str:
        return next(f.document_id for f in self.report.files if f.file == name)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Ingested]:
    rng = np.random.default_rng(45)
    person = people.make_person(rng, "cccd_chip")
    folder = tmp_path_factory.mktemp("identity") / "ho-so-khai-sinh"
    folder.mkdir()
    faces = [cards.chip_front(person).image, cards.chip_back(person).image]
    scene = cards.on_a4(faces, rng, angle_deg=6.0)
    pages.save_png(scene.image, folder / "cccd.png", dpi=scene.dpi)
    certificate = pages.render_page(
        [f"Họ, chữ đệm, tên người yêu cầu: {person.full_name}. "
         f"Số định danh cá nhân: {person.id_number}. Quan hệ với người được khai sinh: cha."],
        title="Tờ khai đăng ký khai sinh")
    pages.save_png(certificate.image, folder / "to_khai.png")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(tmp_path_factory.mktemp("identity-data") / "data"))
        settings = Settings()
        yield Ingested(settings, ingest_batch(str(folder)), person)


def test_the_card_is_typed_and_its_fields_exported_exactly(ingested: Ingested) -> None:
    catalog = resources(ingested.settings).catalog
    document = catalog.batches.get_document(ingested.document_id("cccd.png"))
    assert document.doc_type is DocType.ID_CCCD2021
    fields = next(row["fields"] for row in catalog.batches.export_rows(ingested.report.batch_id)
                  if row.get("file") == "cccd.png" and "fields" in row)
    expected = ingested.person.expected_fields()
    for key in ("id_number", "date_of_birth", "sex", "date_of_expiry"):
        assert fields[key] == expected[key], key
    assert fields["full_name"].casefold() == expected["full_name"].casefold()
    assert document.identity.id_number.source.value in ("qr", "mrz")


def test_the_card_and_the_paper_printing_its_number_belong_to_one_person(ingested: Ingested) -> None:
    catalog = resources(ingested.settings).catalog
    person = catalog.people.get_person(ingested.person.id_number)
    assert person is not None
    assert set(person.document_ids) == {ingested.document_id("cccd.png"), ingested.document_id("to_khai.png")}
    assert person.date_of_birth == ingested.person.date_of_birth.isoformat()


def test_a_clean_card_needs_no_review(ingested: Ingested) -> None:
    card = next(f for f in ingested.report.files if f.file == "cccd.png")
    assert card.status is FileStatus.OK, [p.code for p in card.problems]


def test_the_card_is_kept_cut_out_and_upright_for_the_reviewer_and_a_form_gets_no_card(ingested: Ingested) -> None:
    catalog, store = resources(ingested.settings).catalog, resources(ingested.settings).objects
    card = catalog.batches.get_document(ingested.document_id("cccd.png"))
    picture = next(o for o in card.objects if o.role == "card")
    image = cv2.imdecode(np.frombuffer(store.get_bytes(picture.key), np.uint8), cv2.IMREAD_COLOR)
    height, width = image.shape[:2]
    assert abs(width / height - 85.6 / (2 * 54)) < 0.1  # front above back, each ID-1 shaped
    # Upright, front first: the front's QR code sits in the top right corner of the picture.
    code = read_qr(image)
    assert code is not None and code.centre[0] > width * 0.6 and code.centre[1] < height * 0.25
    form = catalog.batches.get_document(ingested.document_id("to_khai.png"))
    assert all(o.role != "card" for o in form.objects)
