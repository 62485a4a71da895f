"""Cards printed in a font without Vietnamese letters: the empty boxes found on the image, marked,
read back and restored (ocr.identity.missing_glyphs)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.identity.missing_glyphs import mark_missing_glyphs, missing_glyph_boxes, restore_line
from ocr.identity.mrz_reader import ocr_lines
from ocr.identity.printed import extract_name, extract_printed
from ocr.identity.reader import read_identity
from tests.generators import cards, pages

DPI = 600


def _printed(text: str, family: str, *, bold: bool = False, look: cards.Look | None = None) -> np.ndarray:
    """One line of `text` as a card printer with `family` prints it, 10 pt at 600 dpi, grey."""
    image = Image.new("L", (2600, 220), 235)
    font = pages._font(family, bold, round(10 * DPI / 72))
    look = look or cards.Look(labels=family, values=family, boxes=True)
    cards._boxed_text(ImageDraw.Draw(image), (60, 150), text, font, 30, "ls", look, bold)
    return np.asarray(image)


@pytest.mark.parametrize(("stroke", "width", "bold"), [(0.03, 0.5, False), (0.09, 0.85, True),
                                                       (0.06, 0.7, False)])
def test_each_letter_the_font_lacks_is_one_box_found_on_the_image(stroke: float, width: float,
                                                                  bold: bool) -> None:
    look = cards.Look(labels="Nimbus Sans", values="Nimbus Sans", boxes=True, box_stroke=stroke,
                      box_width=width)
    line = _printed("ĐẶNG NGỌC Đồng Dương 0 O D Q", "Nimbus Sans", bold=bold, look=look)
    boxes = missing_glyph_boxes(line, DPI)
    assert len(boxes) == 5  # Ặ, Ọ, ồ, ư, ơ: not Đ, the digit 0, O, D or Q


def test_a_font_with_every_letter_shows_no_box() -> None:
    line = _printed("ĐẶNG NGỌC Đồng Dương 0 O D Q", "Liberation Sans")
    assert missing_glyph_boxes(line, DPI) == []
    assert mark_missing_glyphs(line, DPI)[1] == 0


@pytest.mark.parametrize("bold", [False, True])
def test_marked_boxes_read_back_as_the_marker_and_restore_to_the_name(bold: bool) -> None:
    line = _printed("LƯƠNG THỊ NGỌC", "Nimbus Sans", bold=bold)
    marked, count = mark_missing_glyphs(line, DPI)
    assert count == 4
    (read,) = ocr_lines(marked, language="vie", psm=7, dpi=DPI, timeout=30)
    assert read.text.lower().count("z") == 4
    assert restore_line(read.text) == "LƯƠNG THỊ NGỌC"


@pytest.mark.parametrize(("read", "expected"), [
    # A whole place settles words that alone could be several ("Lzi": Lợi, Lại, Lội...).
    ("Phzzng Tân Lzi, Buôn Ma Thuzt, Đzk Lzk", "Phường Tân Lợi, Buôn Ma Thuột, Đắk Lắk"),
    ("Sz 254 Lý Thzzng Kizt,", "Số 254 Lý Thường Kiệt,"),
    ("Hz và tên / Full name:", "Họ và tên / Full name:"),
    ("Gizi tính / Sex: Nz Quzc tzch / Nationality: Vizt Nam",
     "Giới tính / Sex: Nữ Quốc tịch / Nationality: Việt Nam"),
    ("Tz 20, Thz trzn Đông Anh", "Tổ 20, Thị trấn Đông Anh"),
    # Two overlapping places agree on the word ("Đông Thọ", "Thọ Thanh").
    ("Đông Thz, Thanh Hóa, Thanh Hóa", "Đông Thọ, Thanh Hóa, Thanh Hóa"),
    # A name in capitals takes the most common name syllable that fits; a look-alike is forgiven.
    ("NGUYzN THz NGzC HzzNG", "NGUYỄN THỊ NGỌC HƯƠNG"),
    ("DzzNG ĐzC", "DƯƠNG ĐỨC"),
    ("CzNG HÒA XÃ Hzl CHz NGHĨA VIzT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("Ðzng Nai", "Đồng Nai"),
    ("NGZ¿C", "NGỌC"),  # junk Tesseract puts beside a marker at times
    ("Giz tính / Sex: Nữ", "Giới tính / Sex: Nữ"),  # an i lost beside the marker
    # A narrow marker read as a 7 or a slash between letters.
    ("Ph77ng Tân L7i, Ð/k Lắk", "Phường Tân Lợi, Đắk Lắk"),
    ("ĐẶNG NG/ZC NHUNG", "ĐẶNG NGỌC NHUNG"),  # one box read twice: its edge as a slash, then the marker
])
def test_marked_words_are_restored_from_what_a_card_can_say(read: str, expected: str) -> None:
    assert restore_line(read) == expected


@pytest.mark.parametrize("read", ["Kzzx 12, Qzzv", "Citizen Identity Card", "Số 12 Lê Lợi", "",
                                  "Tổ 17, Số 7A Lê Lợi", "Số/No.: 0123"])
def test_words_nothing_fits_or_without_marker_stay_as_read(read: str) -> None:
    assert restore_line(read) == read


@pytest.mark.parametrize(("read", "expected"), [
    ("NGUY `N THANH NG C OANH", "NGUYỄN THANH NGỌC OANH"),  # dev set cccd_0009, scanned coarser
    ("PH M QU C HUY", "PHẠM QUỐC HUY"),
    ("TR N VĂN AN", "TRẦN VĂN AN"),
    ("NGUY N-THANH NG.C OANH ..,", "NGUYỄN THANH NGỌC OANH"),  # a shaded copy: a speck for a space
])
def test_a_box_read_as_a_gap_does_not_part_its_syllable(read: str, expected: str) -> None:
    assert extract_name(read, boxed=True) == expected
    assert extract_name(read) != expected  # on a card whose font has every letter, a gap is a gap


@pytest.mark.parametrize(("read", "expected"), [
    ("NGUY N THANH NGCOANH", "NGUYỄN THANH NGỌC OANH"),  # a stress copy of dev set cccd_0009: box and space lost
    ("LÊ TRNGLONG", "LÊ TRỌNG LONG"),
])
def test_a_box_read_as_nothing_beside_a_lost_space_parts_the_two_syllables(read: str, expected: str) -> None:
    assert extract_name(read, boxed=True) == expected
    assert extract_name(read) != expected  # a font with every letter printed none: no box to restore


def test_a_syllable_missing_boxes_is_the_one_that_lost_the_fewest() -> None:
    """"TRNG" (dev set cccd_0032, a photo scaled down): TRỌNG lost one box, TRƯƠNG and TRƯỜNG two;
    each box read as nothing is a miss of its own, so TRỌNG is likelier."""
    assert extract_name("TR.N TRNG QUANG", boxed=True) == "TRẦN TRỌNG QUANG"


def test_a_boxed_name_whose_label_ocr_ruined_is_found_as_the_cards_one_run_of_capitals() -> None:
    """Dev set cccd_0009 turned and scaled down: "Họ và tên" read "H: và ta", the name's boxes as
    gaps; the card's one run of capitals is its name, read as a box font prints it."""
    lines = ["CĂN C::C CÔNG DÂN", "s:: 040185165132", "H: và ta NGUY N THANH NG'C OANH",
             "Ngây, thắng, năm sinh: 11/06/1985", "GÝt tính: N Qưcc tch: VÉẾt Nam",
             "Quê quán: Xã Nghi Phong, Nghị L?c, Ngh An"]
    assert extract_printed(lines).fields["full_name"].value == "NGUYỄN THANH NGỌC OANH"


def test_a_heading_read_as_a_box_font_prints_it_is_no_second_name() -> None:
    """Own tofu CMND front: "Họ tên" read "H7 tên", the name whole; restored as a box font prints
    names, the heading "GIñY CHNG MINH NHÂN DÂN" became CƯỜNG MINH NHÂN DÂN, a second run of name
    syllables, and the card lost its name. Boxes are read into names only when no run is found as read."""
    lines = ["CING HÒA XÃ HII CHI NGHĨA VIIT NAM", "GIñY CHNG MINH NHÂN DÂN", "s2 124509319",
             "H7 tên: TRẦN NGỌC TRUNG", "Sinh ngày: 04-11-1967", "Nguyên quán: Phường Tân Bình, Thành phố Đồng Xoài,",
             "Tỉnh Bình Phước", "Ni ĐKHK thường trú: Tổ 17, Phường Hiệp Bình Chánh,"]
    assert extract_printed(lines).fields["full_name"].value == "TRẦN NGỌC TRUNG"


def test_a_card_printed_with_boxes_is_read_with_its_marks() -> None:
    """A chip card whose QR is covered, printed in the tofu look: name and places from print alone."""
    sample = cards.sample_at(11, "chip_qr_covered", 0, "tofu")
    assert sample.image.size
    identity = read_identity([(np.asarray(sample.image), sample.dpi)])
    assert identity is not None
    truth = sample.person.expected_fields()
    fields = identity.export_fields()
    for name in ("id_number", "date_of_birth", "sex", "place_of_residence"):
        assert fields[name] == truth[name], name
    assert fields["full_name"].casefold() == truth["full_name"].casefold()  # printed in capitals
