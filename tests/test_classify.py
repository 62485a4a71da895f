"""Document classification from headings, tolerant of what Tesseract does to them."""

from __future__ import annotations

import pytest

from ocr.classify import classify, heading
from schemas.document import DocType, PageText, TextSource, Word

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"


@pytest.mark.parametrize(("text", "expected"), [
    (MOTTO + "GIẤY KHAI SINH\nHọ, chữ đệm, tên: Lê Thị Hoa", DocType.BIRTH_CERTIFICATE),
    (MOTTO + "GIAY KHAI SlNH\nHo, chu dem, ten", DocType.BIRTH_CERTIFICATE),  # marks lost, l for I
    (MOTTO + "GIẤY CHỨNG NHẬN KẾT HÔN\nHọ, chữ đệm, tên vợ", DocType.MARRIAGE_CERTIFICATE),
    ("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở", DocType.LAND_USE_CERTIFICATE),
    ("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP\nCÔNG TY TNHH\nMã số doanh nghiệp: 0101234567",
     DocType.BUSINESS_REGISTRATION),
    (MOTTO + "XÁC NHẬN THÔNG TIN VÈ CƯ TRÚ\nMẫu CT07", DocType.RESIDENCE_CONFIRMATION),
    ("PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1", DocType.JUDICIAL_RECORD),
    ("CĂN CƯỚC CÔNG DÂN\nCitizen Identity Card\nSố / No.\nHọ và tên / Full name", DocType.ID_CCCD2021),
    ("CĂN CƯỚC\nIDENTITY CARD\nSố định danh cá nhân / Personal identification number",
     DocType.ID_CANCUOC2024),
    ("GIẤY CHỨNG MINH NHÂN DÂN\nSỐ 123456789\nHọ tên", DocType.ID_CMND9),
    (MOTTO + "ĐƠN ĐỀ NGHỊ\nKính gửi: Ủy ban nhân dân phường", DocType.APPLICATION),
    (MOTTO + "TỜ KHAI ĐĂNG KÝ KHAI SINH\nKính gửi: Ủy ban nhân dân xã", DocType.APPLICATION),  # not the certificate
    (MOTTO + "Số: 12/UBND\nV/v trả lời đơn xin của bà Lan\nKính gửi: bà Lan", DocType.OTHER),  # cites an application
    (MOTTO + "GIẤY KHAI SINH\nHọ, chữ đệm, tên\nTờ khai số 12", DocType.BIRTH_CERTIFICATE),
])
def test_headings_decide_the_type(text: str, expected: DocType) -> None:
    assert classify(text).doc_type is expected


def test_a_paper_cited_deep_in_a_letter_does_not_make_the_letter_that_paper() -> None:
    letter = MOTTO + "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO\n" + "Kính gửi Ủy ban nhân dân phường. " * 30 + \
        "Kèm theo: bản sao giấy khai sinh."
    assert classify(letter).doc_type is DocType.APPLICATION


def test_scores_say_how_sure() -> None:
    assert classify(MOTTO + "GIẤY KHAI SINH").score == 1.0
    assert 0 <= classify("").score <= 1


def test_a_form_that_names_a_card_in_its_body_is_not_a_card() -> None:
    form = MOTTO + "TỜ KHAI\n" + "Kính gửi Ủy ban nhân dân phường Bến Nghé. " * 40 + \
        "Kèm theo bản sao căn cước công dân và giấy khai sinh của người yêu cầu."
    assert classify(form).doc_type is DocType.APPLICATION


def test_a_card_back_is_a_card_by_its_machine_readable_zone() -> None:
    back = "Đặc điểm nhân dạng\n" + "x " * 700 + "\nIDVNM0123456789001234567890<<8\n"
    assert classify(back).doc_type is not DocType.OTHER


def test_a_short_note_that_names_a_card_is_not_a_card() -> None:
    note = MOTTO + "GIẤY BIÊN NHẬN\n\nĐã nhận bản sao căn cước công dân của người nộp hồ sơ.\n"
    assert classify(note).doc_type is DocType.OTHER


def _page(lines: list[tuple[int, int, str]]) -> PageText:
    """A read A4 page at 300 dpi from (left, top, text) lines, words 40 px tall."""
    words = []
    for number, (left, top, text) in enumerate(lines, start=1):
        for index, word in enumerate(text.split()):
            words.append(Word(text=word, left=left + 120 * index, top=top, width=110, height=40, conf=90,
                              block=number, line=1))
    return PageText(number=1, source=TextSource.OCR, words=words, text="\n".join(t for _, _, t in lines),
                    width=2480, height=3508)


def test_the_heading_is_the_title_under_the_motto_not_the_office_beside_it() -> None:
    page = _page([(150, 180, "ỦY BAN NHÂN DÂN"), (1300, 180, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                  (150, 240, "XÃ HẢI ANH"), (1350, 240, "Độc lập - Tự do - Hạnh phúc"),
                  (700, 420, "GIẤY XÁC NHẬN"), (600, 480, "HOÀN CẢNH GIA ĐÌNH KHÓ KHĂN"),
                  (200, 620, "Kính gửi: Trường Tiểu học Hải Anh"), (200, 3000, "NGƯỜI LÀM ĐƠN KÝ TÊN")])
    assert heading(page) == "GIẤY XÁC NHẬN HOÀN CẢNH GIA ĐÌNH KHÓ KHĂN"


def test_a_page_without_a_line_in_capitals_near_its_top_has_no_heading() -> None:
    page = _page([(200, 300, "Kính gửi: Ủy ban nhân dân xã Hải Anh"), (200, 3000, "NGƯỜI LÀM ĐƠN KÝ TÊN")])
    assert heading(page) is None
