"""The synthetic ID cards tell the truth: the QR holds the DESIGN 5.2 payload, the MRZ verifies
under an independent ICAO 9303 check, each person's data obey the ID-number and expiry rules,
cards land where their quads say, the same seed gives the same pixels, and Vietnamese marks are
printed."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import cv2
import numpy as np
import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont

from schemas.vntext import fold, has_vietnamese_marks
from tests.generators import cards
from tests.generators.pages import _font
from tests.generators.people import CARD_TYPES, ISSUE_WINDOWS, PROVINCE_CODES, Person, birthday, make_person

EXPORT_KEYS = ["id_number", "full_name", "date_of_birth", "sex", "nationality", "place_of_origin",
               "place_of_residence", "date_of_issue", "date_of_expiry", "old_id_number"]


@pytest.fixture(scope="module")
def population() -> list[Person]:
    rng = np.random.default_rng(2024)
    return [make_person(rng, card_type) for card_type in CARD_TYPES for _ in range(150)]


def _longest(population: list[Person], card_type: str, n: int = 3) -> list[Person]:
    """The people whose texts are hardest to fit on a card of `card_type`."""
    holders = [p for p in population if p.card_type == card_type]
    return sorted(holders, key=lambda p: -(len(p.place_of_residence) + len(p.place_of_origin)
                                           + len(p.full_name) + len(p.place_of_birth_text)))[:n]


def px(mm: float) -> int:
    return round(mm * cards.PX_PER_MM)


def _decode_qr(image: Image.Image) -> str:
    return cv2.QRCodeDetector().detectAndDecode(np.asarray(image.convert("L")))[0]


# --- ICAO 9303 check digits, written here independently of the generator --------------------------

_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}


def icao_check(field: str) -> str:
    return str(sum(_VALUES[c] * w for c, w in zip(field, [7, 3, 1] * 30)) % 10)


def test_the_independent_check_matches_the_icao_td1_specimen() -> None:
    line1, line2 = "I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6"
    assert icao_check("D23145890") == line1[14]
    assert icao_check("740812") == line2[6] and icao_check("120415") == line2[14]
    assert icao_check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]) == line2[29]


def test_mrz_lines_follow_design_5_3(population: list[Person]) -> None:
    for person in (p for p in population if p.card_type in ("cccd_chip", "can_cuoc")):
        line1, line2, line3 = cards.td1_lines(person)
        assert all(len(line) == 30 and re.fullmatch(r"[A-Z0-9<]+", line)
                   for line in (line1, line2, line3))
        number = person.id_number
        assert line1[:5] == "IDVNM" and line1[5:14] == number[3:] and line1[15:27] == number
        assert line1[14] == icao_check(line1[5:14])
        assert line1[27:29] == "<<" and line1[29] == icao_check(number)
        assert line2[:6] == person.date_of_birth.strftime("%y%m%d")
        assert line2[6] == icao_check(line2[:6]) and line2[7] == person.sex
        expiry = person.date_of_expiry
        assert line2[8:14] == (expiry.strftime("%y%m%d") if expiry else "<<<<<<")
        # A field of fillers may carry a filler check digit (ICAO 9303-3 4.9).
        assert line2[14] == ("<" if expiry is None else icao_check(line2[8:14]))
        assert line2[15:18] == "VNM"
        assert line2[18:29] == "<" * 11
        assert line2[29] == icao_check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
        surname, _, given = line3.rstrip("<").partition("<<")
        assert surname == fold(person.surname).upper()
        assert given.split("<") == fold(f"{person.middle_name} {person.given_name}").upper().split()


def test_the_back_prints_its_mrz_in_ocr_b(population: list[Person]) -> None:
    person = _longest(population, "cccd_chip", 1)[0]
    back = cards.chip_back(person)
    printed = [line.text for line in back.lines]
    assert back.mrz == cards.td1_lines(person) and all(line in printed for line in back.mrz)


# --- QR -------------------------------------------------------------------------------------------


def test_chip_front_qr_decodes_to_the_design_payload(population: list[Person]) -> None:
    for person in _longest(population, "cccd_chip", 2):
        front = cards.chip_front(person)
        decoded = _decode_qr(front.image)
        assert decoded == cards.chip_qr_payload(person) == front.qr_payload
        fields = decoded.split("|")
        assert fields == [person.id_number, person.old_id_number or "", person.full_name,
                          person.date_of_birth.strftime("%d%m%Y"),
                          "Nam" if person.sex == "M" else "Nữ", person.place_of_residence,
                          person.date_of_issue.strftime("%d%m%Y")]
        assert unicodedata.is_normalized("NFC", decoded)


def test_can_cuoc_back_qr_parses_tolerantly(population: list[Person]) -> None:
    person = _longest(population, "can_cuoc", 1)[0]
    decoded = _decode_qr(cards.can_cuoc_back(person).image)
    fields = decoded.split("|")
    assert decoded == cards.can_cuoc_qr_payload(person)
    assert len(fields) >= 7 and re.fullmatch(r"\d{12}", fields[0])
    assert re.fullmatch(r"\d{8}", fields[3]) and re.fullmatch(r"\d{8}", fields[6])


@pytest.mark.parametrize("variant", ["chip_qr_covered", "chip_qr_scratched"])
def test_a_damaged_qr_reads_as_nothing(variant: str) -> None:
    sample = cards.make_sample(variant, np.random.default_rng(5))
    grey = np.asarray(sample.image.convert("L"))
    for scale in (1.0, 0.5):
        assert cv2.QRCodeDetector().detectAndDecode(cv2.resize(grey, None, fx=scale, fy=scale))[0] \
            == ""
    assert not sample.qr_readable
    fields = sample.expected_fields()
    assert fields["date_of_issue"] is None and fields["id_number"] == sample.person.id_number


# --- People ---------------------------------------------------------------------------------------


def test_people_follow_the_id_number_and_card_rules(population: list[Person]) -> None:
    for person in population:
        fields = person.expected_fields()
        assert list(fields) == EXPORT_KEYS
        number = fields["id_number"]
        assert re.fullmatch(r"\d{12}", number) and number[:3] in PROVINCE_CODES
        assert number[:3] == person.place_of_birth.province_code
        dob = date.fromisoformat(fields["date_of_birth"])
        century_digit = int(number[3])
        assert 1900 + 100 * (century_digit // 2) + int(number[4:6]) == dob.year
        assert ("F" if century_digit % 2 else "M") == fields["sex"]
        assert date(1940, 1, 1) <= dob <= date(2008, 12, 31)
        issued = date.fromisoformat(fields["date_of_issue"])
        first, last = ISSUE_WINDOWS[person.card_type]
        assert first <= issued <= last and issued >= birthday(dob, 14)
        expiry = fields["date_of_expiry"]
        if person.card_type == "cmnd":
            assert expiry == issued.replace(year=issued.year + 15).isoformat()
            assert re.fullmatch(r"\d{9}", fields["old_id_number"] or "")
            continue
        assert fields["old_id_number"] is None or re.fullmatch(r"\d{9}", fields["old_id_number"])
        # Renewal at 25, 40, 60: the first of those birthdays at least two years after issue; none
        # when the card is issued at 58 or later.
        later = [birthday(dob, age) for age in (25, 40, 60)
                 if birthday(dob, age) >= issued.replace(year=issued.year + 2)]
        if later:
            assert expiry == later[0].isoformat()
        else:
            assert expiry == "none" and issued >= birthday(dob, 58)
        assert fields["nationality"] == "Việt Nam"
        assert all(unicodedata.is_normalized("NFC", v) for v in fields.values() if v)


def test_the_population_is_varied(population: list[Person]) -> None:
    codes = {p.id_number[:3] for p in population}
    assert {"001", "031", "048", "079", "092"} <= codes
    assert {p.date_of_expiry is None for p in population} == {True, False}
    assert {p.old_id_number is None for p in population} == {True, False}
    assert {p.sex for p in population} == {"M", "F"}
    assert len({p.full_name for p in population}) > 0.8 * len(population)
    assert any(p.date_of_birth.year >= 2000 for p in population)


# --- Rendering ------------------------------------------------------------------------------------


def test_printed_lines_stay_on_the_card_and_apart(population: list[Person]) -> None:
    width, height = px(cards.CARD_MM[0]), px(cards.CARD_MM[1])
    for (card_type, _), render in cards.FACES.items():
        for person in _longest(population, card_type, 2):
            boxes = [line.box for line in render(person).lines]
            for i, (x0, y0, x1, y1) in enumerate(boxes):
                assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height
                for a0, b0, a1, b1 in boxes[i + 1:]:
                    assert x1 <= a0 or a1 <= x0 or y1 <= b0 or b1 <= y0, "lines overlap"


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    canvas = Image.new("L", (90, 90))
    ImageDraw.Draw(canvas).text((20, 20), char, font=font, fill=255)
    return canvas.tobytes()


def test_vietnamese_marks_are_printed(population: list[Person]) -> None:
    front = cards.chip_front(_longest(population, "cccd_chip", 1)[0])
    ink = np.asarray(front.image.convert("L"))
    marked = [line for line in front.lines if has_vietnamese_marks(line.text)]
    assert len(marked) >= 8
    for line in marked:
        x0, y0, x1, y1 = line.box
        assert ink[y0:y1, x0:x1].min() < 90, f"blank: {line.text!r}"
    # The fonts have real glyphs for every character printed (not the .notdef box).
    text = "".join(line.text for line in front.lines) + "ĐỒỸẬẶỮợứ"
    for family in (cards.SANS, cards.SERIF):
        for bold in (False, True):
            font = _font(family, bold, 40)
            missing = _glyph(font, "\ue000")
            assert all(_glyph(font, ch) != missing for ch in set(text) - {" "})


def test_tesseract_reads_the_heading_and_the_name() -> None:
    """One Tesseract call: the printed marks are the ones OCR will see."""
    person = make_person(np.random.default_rng(4), "cccd_chip")
    front = cards.chip_front(person)
    crop = front.image.crop((px(24), px(12.5), px(84), px(32)))
    text = pytesseract.image_to_string(crop, lang="vie", config="--psm 6")
    assert "CĂN CƯỚC CÔNG DÂN" in text
    assert person.full_name.upper() in text and person.id_number in text


# --- Scenes and the dataset -----------------------------------------------------------------------


@pytest.mark.parametrize("angle", [7.0, -25.0, 90.0, 183.0])
def test_cards_on_a4_land_inside_the_page_where_the_quads_say(angle: float) -> None:
    person = make_person(np.random.default_rng(1), "cccd_chip")
    faces = [cards.chip_front(person).image, cards.chip_back(person).image]
    scene = cards.on_a4(faces, np.random.default_rng(2), angle, dpi=150)
    page = np.asarray(scene.image)
    height, width = page.shape
    assert (width, height) == (round(210 / 25.4 * 150), round(297 / 25.4 * 150))
    inside = np.zeros_like(page)
    for quad in scene.quads:
        corners = np.array(quad)
        assert (corners >= 0).all() and (corners < (width, height)).all()
        sides = np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1)
        assert sides == pytest.approx([53.98 / 25.4 * 150, 85.6 / 25.4 * 150] * 2, abs=2)
        card = np.zeros_like(page)
        cv2.fillPoly(card, [np.round(corners).astype(np.int32)], 1)
        assert page[card == 1].mean() < 235  # print inside the card
        inside |= card
    grown = cv2.dilate(inside, np.ones((9, 9), np.uint8))
    assert page[grown == 0].mean() > 250  # blank paper everywhere else


def test_a_photo_keeps_the_card_in_frame() -> None:
    person = make_person(np.random.default_rng(3), "can_cuoc")
    scene = cards.photo(cards.can_cuoc_back(person).image, np.random.default_rng(3))
    (quad,) = scene.quads
    corners = np.array(quad)
    assert (corners >= 0).all() and (corners < np.array(scene.image.size)).all()
    assert scene.image.mode == "RGB" and 250 < scene.dpi < 450


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_lid_scan_is_the_card_cut_a_little_off_on_the_dark_lid(seed: int) -> None:
    person = make_person(np.random.default_rng(seed), "cccd_chip")
    scene = cards.lid_scan(cards.chip_front(person).image, np.random.default_rng(seed))
    (quad,) = scene.quads
    corners, size = np.array(quad), np.array(scene.image.size)
    mm = scene.dpi / 25.4
    assert scene.dpi in (300, 400) and scene.image.mode == "RGB"
    assert (corners > -1.5 * mm).all() and (corners < size + 1.5 * mm).all()  # cut 1 mm at most
    assert (np.abs(size - (85.6 * mm, 53.98 * mm)) < 8.5 * mm).all()  # the card and a strip of lid
    grey = np.asarray(scene.image.convert("L"), dtype=np.float32)
    card = np.zeros(grey.shape, np.uint8)
    cv2.fillPoly(card, [np.round(corners).astype(np.int32)], 1)
    lid = cv2.erode(1 - card, np.ones((5, 5), np.uint8)) == 1
    if lid.any():
        assert grey[lid].mean() < 130  # the lid is dark where it shows
    assert grey[card == 1].mean() > 150  # the card is light


@pytest.mark.parametrize("variant", ["chip_a4_steep", "chip_photo", "can_cuoc_back"])
def test_a_seed_gives_the_same_pixels(variant: str) -> None:
    first, again, other = (cards.make_sample(variant, np.random.default_rng(seed))
                           for seed in (9, 9, 10))
    assert first.image.tobytes() == again.image.tobytes() and first.person == again.person
    assert first.image.tobytes() != other.image.tobytes()


def test_the_dataset_covers_every_variant_with_honest_labels() -> None:
    samples = list(cards.card_dataset(seed=1, n_per_variant=1))
    assert [s.variant for s in samples] == list(cards.VARIANTS)
    assert {s.card_type for s in samples} == set(CARD_TYPES)
    by_variant = {s.variant: s for s in samples}
    for sample in samples:
        assert len(sample.quads) == len(sample.sides)
        assert sample.mrz_present == ("back" in sample.sides and sample.card_type != "cmnd")
    chip_back = by_variant["chip_back"].expected_fields()
    assert chip_back["id_number"] and chip_back["date_of_issue"]
    assert chip_back["place_of_origin"] is None
    cmnd = by_variant["cmnd_front"].expected_fields()
    assert cmnd["id_number"] is None and cmnd["old_id_number"] and cmnd["sex"] is None
    assert by_variant["can_cuoc_front"].expected_fields()["place_of_origin"] is None
    assert by_variant["chip_low_res"].dpi == cards.LOW_RES_DPI
    assert by_variant["chip_a4_qr_covered"].qr_readable is False
    assert by_variant["chip_a4"].qr_readable and by_variant["chip_a4"].mrz_present


def test_the_glyphless_look_prints_in_a_font_without_vietnamese_letters() -> None:
    font = _font("Nimbus Sans", False, 60)
    assert font.getmask("a").getbbox() is not None
    assert all(font.getmask(letter).getbbox() is None for letter in "ặườệ")  # nothing printed for them
    images = [np.asarray(cards.sample_at(5, "chip_front", index, "glyphless").image) for index in range(2)]
    assert all(image.size for image in images)
