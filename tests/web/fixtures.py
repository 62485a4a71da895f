"""What the web tests are about: two offices' batches ingested by the real flow, and the accounts.

Office H12 dropped one batch for a 2024 dossier: three chip ID cards photocopied front and back on
A4 (one valid with an old CMND number in its QR, one expired last month, one whose QR is covered by a
sticker so it needs review), a CT07
residence confirmation (older than a year by its dossier's date) and a petition. Office H13 dropped
one petition. Generated with fixed seeds, so names and numbers below are the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schemas.accounts import Role, User
from tests.generators import cards, pages
from tests.helpers import write_manifest, write_page

PASSWORD = "mat-khau-thu-nghiem"
DOSSIER = "000.00.12.H12-240315-0001"
# The agency codes each office's dossiers carry (SOHOA_OFFICE_AGENCIES), as an operator configures them.
OFFICE_AGENCIES = {"H12": ["000.00.12.H12"], "H13": ["000.00.13.H13"]}
OTHER_DOSSIER = "000.00.13.H13-250901-0002"


@dataclass(frozen=True)
class Citizen:
    file: str
    variant: str
    seed: int
    full_name: str
    id_number: str
    old_id_number: str | None
    date_of_birth: str


VALID = Citizen("cccd_giang.png", "chip_a4", 12, "Nguyễn Thanh Giang", "038182467897", "035106348",
                "1982-04-11")
EXPIRED = Citizen("cccd_hang.png", "chip_a4", 13, "Phan Thị Mỹ Hằng", "001301900822", "034469892",
                  "2001-10-27")
COVERED = Citizen("cccd_phuc.png", "chip_a4_qr_covered", 3, "Phan Ngọc Phúc", "001095452126", None,
                  "1995-12-30")
CT07 = "xac_nhan_cu_tru.png"
PETITION = "don_de_nghi.png"
OTHER_PETITION = "giay_uy_quyen.png"

ACCOUNTS = {
    "can-bo": User(username="can-bo", full_name="Trần Thu Hà", office_code="H12", roles=[Role.OFFICER]),
    "duyet": User(username="duyet", full_name="Lê Minh", office_code="H12", roles=[Role.REVIEWER]),
    "so-hoa": User(username="so-hoa", full_name="Võ Lan", office_code="H12", roles=[Role.SCANNER]),
    "can-bo-h13": User(username="can-bo-h13", office_code="H13", roles=[Role.OFFICER]),
    "quan-tri": User(username="quan-tri", full_name="Quản trị tỉnh", office_code="H12",
                     roles=[Role.ADMIN], province_wide=True),
    "quan-tri-h13": User(username="quan-tri-h13", full_name="Quản trị H13", office_code="H13", roles=[Role.ADMIN]),
}


def write_card(folder: Path, citizen: Citizen) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    sample = cards.make_sample(citizen.variant, np.random.default_rng(citizen.seed))
    assert sample.person.id_number == citizen.id_number  # the generator still makes the same people
    pages.save_png(sample.image.convert("RGB"), folder / citizen.file, dpi=sample.dpi)


def write_batches(inbox: Path) -> tuple[Path, Path]:
    """The two offices' drops, as folders with their manifests."""
    h12 = inbox / "quay-h12"
    for citizen in (VALID, EXPIRED, COVERED):
        write_card(h12, citizen)
    write_page(h12 / CT07, 11, title="XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ")
    write_page(h12 / PETITION, 12, title="ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH")
    write_manifest(h12, office_code="H12", dossier_code=DOSSIER, procedure_code="1.001",
                   files={CT07: {"component": "Xác nhận cư trú"}, VALID.file: {"component": "CCCD"}})
    h13 = inbox / "quay-h13"
    write_page(h13 / OTHER_PETITION, 13, title="GIẤY ỦY QUYỀN")
    write_manifest(h13, office_code="H13", dossier_code=OTHER_DOSSIER)
    return h12, h13
