"""Identity parsers: ID structure, QR payloads, MRZ check digits and repairs, printed labels, fusion."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr.identity import (
    card_type_from_text,
    check_digit,
    check_id_number,
    check_old_id_number,
    digits_from_ocr,
    extract_printed,
    fuse,
    id_matches_birth,
    id_matches_sex,
    parse_date,
    parse_mrz,
    parse_qr_payload,
    parse_td1,
    parse_td3,
)
from ocr.identity.fusion import MIN_CONFIDENCE
from ocr.identity.mrz import CONF_WEAK
from ocr.identity.provinces import PROVINCES
from schemas.identity import (
    EXPORT_KEYS,
    CardSide,
    CardType,
    FieldValue,
    Identity,
    IdSource,
)
from schemas.identity import (
    ReviewReason as R,
)
from schemas.vntext import fold
from tests.generators.card_codes import qr_payload, td1_lines, td3_lines

TODAY = date(2025, 6, 1)
ID = "079203012345"  # Hồ Chí Minh, 2000s male, born 2003
NAME = "Nguyễn Văn Đức"
RESIDENCE = "Số 12 Lê Lợi, Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh"
CARD = dict(id_number=ID, full_name=NAME, date_of_birth="2003-05-17", sex="M",
            date_of_expiry="2028-05-17")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def values(reading) -> dict[str, str]:
    return {name: field.value for name, field in reading.fields.items()}


# --- 12-digit ID numbers ------------------------------------------------------------------------


def test_province_table_has_the_63_codes_of_circular_07_2016() -> None:
    assert len(PROVINCES) == 63
    assert PROVINCES["001"] == "Hà Nội" and PROVINCES["079"] == "Hồ Chí Minh"
    assert PROVINCES["096"] == "Cà Mau" and "003" not in PROVINCES


@pytest.mark.parametrize(("number", "century", "year", "sex"), [
    ("001085012345", 1900, 1985, "M"),
    ("001185012345", 1900, 1985, "F"),
    ("079203012345", 2000, 2003, "M"),
    ("092325000001", 2000, 2025, "F"),
])
def test_century_and_sex_digit(number: str, century: int, year: int, sex: str) -> None:
    info = check_id_number(number, today=TODAY).info
    assert info is not None
    assert (info.century, info.birth_year, info.sex) == (century, year, sex)


def test_birth_registered_abroad() -> None:
    for code in ("101", "200", "295"):
        info = check_id_number(code + "085012345", today=TODAY).info
        assert info is not None and info.born_abroad and info.province is None
    assert not check_id_number("296085012345", today=TODAY).ok


@pytest.mark.parametrize("number", [
    "003085012345",  # no such province
    "000085012345",
    "097085012345",  # after Cà Mau
    "079403012345",  # 2103: a birth year in the future
    "079226012345",  # 2026, after TODAY
    "07920301234",  # 11 digits
    "0792030123456",
    "07920301234O",  # a letter
    "０７９２０３０１２３４５",  # full-width digits are not digits of an ID
])
def test_invalid_numbers_are_refused_with_reasons(number: str) -> None:
    check = check_id_number(number, today=TODAY)
    assert not check.ok and check.problems
    assert all(number not in problem for problem in check.problems)


def test_id_against_date_of_birth_and_sex() -> None:
    assert id_matches_birth(ID, "2003-05-17") and id_matches_birth(ID, date(2003, 1, 1))
    assert not id_matches_birth(ID, "1903-05-17")  # same YY, other century
    assert not id_matches_birth(ID, "not a date") and not id_matches_birth("123", "2003-05-17")
    assert id_matches_sex(ID, "M") and not id_matches_sex(ID, "F")


def test_old_cmnd_numbers() -> None:
    assert check_old_id_number("012345678") == []
    assert check_old_id_number("079085012345") == []  # the 12-digit CMND of 2012-2015
    assert check_old_id_number("01234567") and check_old_id_number("01234567X")


def test_digits_from_ocr_repairs_look_alike_letters_only() -> None:
    assert digits_from_ocr("O79 2O3 Ol2345") == "079203012345"
    assert digits_from_ocr("I l | B S s Z z G") == "111855226"
    assert digits_from_ocr("07X") == "07X"  # anything else stays, for validation to refuse


# --- QR payloads --------------------------------------------------------------------------------


def test_qr_well_formed() -> None:
    payload = qr_payload(ID, "025123456", NAME, "2003-05-17", "M", RESIDENCE, "2021-07-10")
    assert payload == f"{ID}|025123456|{NAME}|17052003|Nam|{RESIDENCE}|10072021"
    reading = parse_qr_payload(payload)
    assert reading.reasons == [] and reading.extra == []
    assert values(reading) == {
        "id_number": ID, "old_id_number": "025123456", "full_name": NAME,
        "date_of_birth": "2003-05-17", "sex": "M", "place_of_residence": RESIDENCE,
        "date_of_issue": "2021-07-10"}
    assert all(f.source == IdSource.QR and f.confidence == 1.0 for f in reading.fields.values())


def test_qr_tolerates_nfd_bytes_mojibake_and_blanks() -> None:
    payload = f" {ID}||{NAME}|17052003|Nữ|{RESIDENCE}|10072021\n"
    for variant in (payload, unicodedata.normalize("NFD", payload), payload.encode(),
                    payload.encode().decode("latin-1")):
        reading = parse_qr_payload(variant)
        assert reading.reasons == []
        assert reading.fields["full_name"].value == NAME and reading.fields["sex"].value == "F"
        assert "old_id_number" not in reading.fields


def test_qr_2024_extended_keeps_extra_fields_raw() -> None:
    payload = f"{ID}||{NAME}|17052003|Nam|{RESIDENCE}|10072024|Nguyễn Văn Bình|Lê Thị Lan|"
    reading = parse_qr_payload(payload)
    assert reading.reasons == [] and reading.fields["date_of_issue"].value == "2024-07-10"
    assert reading.extra == ["Nguyễn Văn Bình", "Lê Thị Lan", ""]


@pytest.mark.parametrize("payload", [
    f"{ID}||{NAME}|17052003|Nam",  # truncated
    "https://example.gov.vn/tra-cuu",
    "",
    f"07920301234||{NAME}|17052003|Nam|{RESIDENCE}|10072021",  # 11-digit ID
    "|||||||",
])
def test_qr_unreadable(payload: str) -> None:
    reading = parse_qr_payload(payload)
    assert reading.reasons == [R.QR_UNREADABLE] and reading.fields == {}


def test_qr_invalid_date_is_dropped_with_a_reason() -> None:
    reading = parse_qr_payload(f"{ID}||{NAME}|31022003|Nam|{RESIDENCE}|10072021")
    assert R.DATE_INVALID in reading.reasons and "date_of_birth" not in reading.fields
    assert reading.fields["id_number"].value == ID


# --- MRZ check digits and layouts ---------------------------------------------------------------


def test_check_digits_of_the_icao_9303_specimens() -> None:
    # ICAO Doc 9303 part 4 (TD3) and part 5 (TD1) specimen values.
    assert check_digit("L898902C3") == 6
    assert check_digit("740812") == 2
    assert check_digit("120415") == 9
    assert check_digit("ZE184226B<<<<<") == 1
    assert check_digit("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1") == 0
    assert check_digit("D23145890") == 7
    td1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6"]
    assert check_digit(td1[0][5:30] + td1[1][0:7] + td1[1][8:15] + td1[1][18:29]) == 6
    with pytest.raises(ValueError):
        check_digit("ab")


def test_icao_td3_specimen_parses() -> None:
    reading = parse_td3(["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                         "L898902C36UTO7408122F1204159ZE184226B<<<<<10"], today=TODAY)
    assert reading.composite_ok and reading.reasons == []
    assert values(reading) == {
        "document_number": "L898902C3", "date_of_birth": "1974-08-12", "sex": "F",
        "date_of_expiry": "2012-04-15", "nationality": "UTO", "full_name": "ERIKSSON ANNA MARIA"}


def test_td1_lines_follow_the_vietnamese_layout() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    assert [len(line) for line in (line1, line2, line3)] == [30, 30, 30]
    assert line1.startswith("IDVNM" + ID[3:]) and line1[15:27] == ID and line1[27:29] == "<<"
    assert int(line1[14]) == check_digit(ID[3:]) and int(line1[29]) == check_digit(ID)
    assert line2[:6] == "030517" and int(line2[6]) == check_digit("030517")
    assert line2[7] == "M" and line2[8:14] == "280517" and line2[15:18] == "VNM"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    assert int(line2[29]) == check_digit(composite)
    assert line3 == "NGUYEN<<VAN<DUC".ljust(30, "<")


def test_td1_round_trip() -> None:
    reading = parse_td1(td1_lines(**CARD), today=TODAY)
    assert reading.composite_ok and reading.reasons == [] and reading.format == "td1"
    assert values(reading) == {
        "id_number": ID, "date_of_birth": "2003-05-17", "sex": "M", "date_of_expiry": "2028-05-17",
        "nationality": "Việt Nam", "full_name": "NGUYEN VAN DUC"}
    name = reading.fields["full_name"]
    assert name.folded and name.confidence < MIN_CONFIDENCE  # no diacritics: needs another source
    assert reading.fields["id_number"].confidence == 1.0


def test_a_speck_read_as_a_letter_in_the_mrz_names_filler_is_no_name() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    specked = parse_td1([line1, line2, line3[:-3] + "X<<"], today=TODAY)
    assert specked.fields["full_name"].value == "NGUYEN VAN DUC"
    doubled = parse_td1([line1, line2, "NGUYEN<<VAN<<DUC".ljust(30, "<")], today=TODAY)
    assert doubled.fields["full_name"].value == "NGUYEN VAN DUC"  # a filler read twice inside the names


def test_a_td1_zone_whose_name_line_the_scan_cut_gives_every_checked_field_from_two_lines() -> None:
    """A tight back scan at a slant (a stress copy of dev set cccd_0029): the card's edge was lost off
    the scan, its cut-out lost half the name line ("AICQIIVENMCCIUANCTAMCCCLCLCCLECL4LLEEEE"), and
    the two whole lines, which hold every checked field and the composite check, were thrown away."""
    line1, line2, _ = td1_lines(**CARD)
    whole = values(parse_td1(td1_lines(**CARD), today=TODAY))
    for cut in (["AICQIIVENMCCIUANCTAMCCCLCLCCLECL4LLEEEE"], []):
        reading = parse_td1([line1, line2, *cut], today=TODAY)
        assert reading.composite_ok and reading.format == "td1"
        assert values(reading) == {name: value for name, value in whole.items() if name != "full_name"}
    # Two lines whose composite does not verify are no zone: nothing is taken from them.
    assert parse_td1([line1, line2[:-1] + str((int(line2[-1]) + 1) % 10)], today=TODAY).fields == {}


def test_a_card_zone_with_a_junk_line_as_long_as_a_passports_is_read_as_a_card_zone() -> None:
    """A stained back of dev set cccd_0029 cut tight: its name line read as 42 letters of junk made
    the zone look passport-long, and its two whole lines, verifying, gave nothing."""
    line1, line2, _ = td1_lines(**CARD)
    reading = parse_mrz([line1, line2, "AIPIAVEMCLHAIAARISCTAMSLILILILLZLCLHBDEEEE"], today=TODAY)
    assert reading.composite_ok and reading.format == "td1"
    assert values(reading) == {name: value for name, value in values(parse_td1(td1_lines(**CARD), today=TODAY)).items()
                               if name != "full_name"}


@pytest.mark.parametrize(("line", "at"), [(0, 5), (0, 12), (1, 0), (1, 9)])
def test_a_sign_read_twice_in_a_line_of_codes_is_taken_out_where_every_check_then_verifies(line: int, at: int) -> None:
    """A back of dev set cccd_0029 enlarged to 475 dpi: Tesseract read "IDVNMO0707825403…", one sign
    too many; bringing the line to 30 by a filler shifted every field and the number was lost."""
    lines = list(td1_lines(**CARD))
    lines[line] = lines[line][:at] + lines[line][at] + lines[line][at:]
    reading = parse_td1(lines, today=TODAY)
    assert reading.composite_ok and reading.reasons == []
    assert values(reading) == values(parse_td1(td1_lines(**CARD), today=TODAY))


def test_td1_without_expiry() -> None:
    lines = td1_lines(**{**CARD, "date_of_expiry": "none"})
    assert lines[1][8:15] == "<<<<<<<"
    assert parse_td1(lines, today=TODAY).fields["date_of_expiry"].value == "none"


def test_td3_round_trip_with_personal_number() -> None:
    lines = td3_lines(document_number="C1234567", full_name="Trần Thị Mỹ Hạnh",
                      date_of_birth="1985-12-03", sex="F", date_of_expiry="2031-01-20",
                      personal_number="001185012345")
    reading = parse_mrz(lines, today=TODAY)
    assert reading.format == "td3" and reading.composite_ok and reading.reasons == []
    assert values(reading) == {
        "document_number": "C1234567", "id_number": "001185012345", "date_of_birth": "1985-12-03",
        "sex": "F", "date_of_expiry": "2031-01-20", "nationality": "Việt Nam",
        "full_name": "TRAN THI MY HANH"}


def test_builders_refuse_bad_fields_without_echoing_them() -> None:
    with pytest.raises(ValueError) as error:
        td1_lines(**{**CARD, "id_number": "07920301234"})
    assert "07920301234" not in str(error.value)
    with pytest.raises(ValueError):
        td1_lines(**{**CARD, "date_of_birth": "17/05/2003"})
    with pytest.raises(ValueError):
        td3_lines(document_number="C-1", full_name=NAME, date_of_birth="2003-05-17", sex="M",
                  date_of_expiry="2030-01-01")


syllables = st.sampled_from(["Nguyễn", "Trần", "Lê", "Đặng", "Văn", "Thị", "Ngọc", "Đức", "Khánh",
                             "Kiều", "Hương", "Quỳnh", "Yến", "Ánh", "Thủy", "Mỹ", "An"])


@st.composite
def people(draw: st.DrawFn) -> dict[str, str]:
    born = draw(st.dates(TODAY - timedelta(days=365 * 99), TODAY))
    sex = draw(st.sampled_from("MF"))
    century_digit = 2 * ((born.year - 1900) // 100) + (sex == "F")
    province = draw(st.sampled_from(sorted(PROVINCES)))
    number = f"{province}{century_digit}{born.year % 100:02d}{draw(st.integers(0, 999_999)):06d}"
    expiry = draw(st.one_of(st.just("none"), st.dates(date(2000, 1, 1), date(2099, 12, 31))
                            .map(date.isoformat)))
    name = " ".join(draw(st.lists(syllables, min_size=2, max_size=4)))
    return dict(id_number=number, full_name=name, date_of_birth=born.isoformat(), sex=sex,
                date_of_expiry=expiry)


@FAST
@given(people())
def test_td1_builder_and_parser_are_inverse(person: dict[str, str]) -> None:
    reading = parse_td1(td1_lines(**person), today=TODAY)
    assert reading.composite_ok and reading.reasons == []
    expected = {**person, "full_name": fold(person["full_name"]).upper(), "nationality": "Việt Nam"}
    assert values(reading) == expected


@FAST
@given(people(), st.from_regex(r"[A-Z][0-9]{7}", fullmatch=True))  # Vietnamese passport numbers
def test_td3_builder_and_parser_are_inverse(person: dict[str, str], passport: str) -> None:
    lines = td3_lines(document_number=passport, personal_number=person["id_number"],
                      **{k: v for k, v in person.items() if k != "id_number"})
    reading = parse_td3(lines, today=TODAY)
    assert reading.composite_ok and reading.reasons == []
    assert values(reading)["document_number"] == passport
    assert values(reading)["id_number"] == person["id_number"]


# --- MRZ repairs --------------------------------------------------------------------------------


def test_ocr_confusions_are_repaired_where_the_check_digits_then_verify() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    ocr = [" ".join([line1[:12], line1[12:]]).replace("0", "O").replace("<<", "K«"),
           line2.replace("0", "O").replace("1", "I").replace("<", "K"),
           line3.replace("<", "K")]
    reading = parse_td1(ocr, today=TODAY)
    assert reading.composite_ok and reading.reasons == []
    assert values(reading)["id_number"] == ID and values(reading)["date_of_birth"] == "2003-05-17"
    assert values(reading)["full_name"] == "NGUYEN VAN DUC"


def test_k_starting_a_vietnamese_syllable_stays_a_letter() -> None:
    lines = td1_lines(**{**CARD, "full_name": "Kiều Khánh Ly"})
    lines[2] = lines[2].replace("<", "K")
    assert parse_td1(lines, today=TODAY).fields["full_name"].value == "KIEU KHANH LY"


def test_miscounted_fillers_and_noise_lines_are_tolerated() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    ocr = ["Đặc điểm nhận dạng: sẹo", line1.replace("<<", "<<<"), line2.replace("<" * 11, "<" * 9),
           line3.rstrip("<")]
    reading = parse_td1(ocr, today=TODAY)
    assert reading.composite_ok and values(reading)["id_number"] == ID


def test_a_digit_misread_as_its_confusable_is_repaired_but_not_trusted_alone() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    assert line2[3] == "5"
    reading = parse_td1([line1, line2[:3] + "6" + line2[4:], line3], today=TODAY)
    dob = reading.fields["date_of_birth"]
    assert dob.value == "2003-05-17" and dob.confidence == CONF_WEAK < MIN_CONFIDENCE
    assert reading.composite_ok and reading.fields["id_number"].confidence == 1.0


def test_a_repair_that_is_not_the_only_one_is_refused() -> None:
    line1, line2, line3 = td1_lines(**{**CARD, "date_of_birth": "2003-08-17"})
    assert line2[3] == "8"  # read as 3: both 030817 and 080317 then verify both check digits
    reading = parse_td1([line1, line2[:3] + "3" + line2[4:], line3], today=TODAY)
    assert "date_of_birth" not in reading.fields and R.MRZ_CHECKSUM_FAILED in reading.reasons


def test_a_misread_no_repair_explains_is_refused() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    reading = parse_td1([line1, line2[:3] + "2" + line2[4:], line3], today=TODAY)  # 5 read as 2
    assert "date_of_birth" not in reading.fields
    assert reading.reasons == [R.MRZ_CHECKSUM_FAILED] and not reading.composite_ok
    assert reading.fields["id_number"].value == ID  # its own check digit still verifies


def test_a_birth_date_whose_check_digit_alone_was_misread_is_kept_weak_by_its_expiry_and_number() -> None:
    """Its month and day are the verified expiry's, its year the verified ID number's: only its check
    digit (and the composite, here lost) was misread. A birth year misread as well stays refused."""
    line1, line2, line3 = td1_lines(**CARD)
    wrong_check = str((int(line2[6]) + 2) % 10)
    reading = parse_td1([line1, line2[:6] + wrong_check + line2[7:-1] + "<", line3], today=TODAY)
    dob = reading.fields["date_of_birth"]
    assert dob.value == "2003-05-17" and dob.confidence == CONF_WEAK < MIN_CONFIDENCE
    assert R.MRZ_CHECKSUM_FAILED in reading.reasons
    other_year = parse_td1([line1, line2[:1] + "8" + line2[2:6] + wrong_check + line2[7:-1] + "<", line3],
                           today=TODAY)
    assert "date_of_birth" not in other_year.fields


def test_two_verifying_copies_of_the_id_that_differ_are_both_refused() -> None:
    line1, line2, line3 = td1_lines(**CARD)
    other = td1_lines(**{**CARD, "id_number": "079203012346"})[0]
    reading = parse_td1([other[:15] + line1[15:], line2, line3], today=TODAY)
    assert "id_number" not in reading.fields and R.MRZ_CHECKSUM_FAILED in reading.reasons


def test_a_wrong_repair_that_fools_both_check_digits_is_never_trusted() -> None:
    # Weights 7,3,1: a first digit misread 5 apart and a 3↔8 repair of the second digit cancel out
    # in both the ID's and the composite check digit. The parser may return that wrong number, but
    # only as a repair, and fusion then routes the card to review.
    number = "036085012345"
    line1, line2, line3 = td1_lines(**{**CARD, "id_number": number, "date_of_birth": "1985-05-17"})
    misread = line1[:15] + "5" + line1[16:]
    reading = parse_td1([misread, line2, line3], today=TODAY)
    wrong = reading.fields["id_number"]
    assert wrong.value == "586085012345" and wrong.confidence < MIN_CONFIDENCE
    identity = fuse(None, reading, None, today=TODAY)
    assert identity.needs_review and {R.ID_INVALID, R.LOW_CONFIDENCE} <= set(identity.review_reasons)


alphabet = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<«K ")


@FAST
@given(people(), st.integers(0, 2), st.integers(0, 29), alphabet,
       st.sampled_from(["misread", "added", "dropped"]))
def test_one_misread_character_never_yields_a_trusted_wrong_field(
        person: dict[str, str], line: int, position: int, char: str, error: str) -> None:
    lines = td1_lines(**person)
    text = lines[line]
    lines[line] = {"misread": text[:position] + char + text[position + 1:],
                   "added": text[:position] + char + text[position:],
                   "dropped": text[:position] + text[position + 1:]}[error]
    reading = parse_td1(lines, today=TODAY)
    for name in ("id_number", "date_of_birth", "date_of_expiry"):
        field = reading.fields.get(name)
        if field is not None and field.confidence >= MIN_CONFIDENCE:
            assert field.value == person[name]


@pytest.mark.parametrize("lines", [[], ["IDVNM"], ["x" * 30] * 3, "\n\n\n", ["<" * 30] * 3,
                                   ["IDVNM" + "1" * 25, "2" * 30, "Ä" * 30]])
def test_unreadable_mrz(lines: list[str] | str) -> None:
    reading = parse_td1(lines, today=TODAY)
    assert R.MRZ_UNREADABLE in reading.reasons
    assert not ({"id_number", "date_of_birth", "date_of_expiry"} & reading.fields.keys())


# --- printed text -------------------------------------------------------------------------------

CHIP_FRONT = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
SOCIALIST REPUBLIC OF VIET NAM
CĂN CƯỚC CÔNG DÂN
Citizen Identity Card
Số / No.: 079203012345
Họ và tên / Full name:
NGUYỄN VĂN ĐỨC
Ngày sinh / Date of birth: 17/05/2003
Giới tính / Sex: Nam Quốc tịch / Nationality: Việt Nam
Quê quán / Place of origin:
Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên
Nơi thường trú / Place of residence: Số 12 Lê Lợi,
Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh
Có giá trị đến: 17/05/2028 Date of expiry"""

# The same card as Tesseract might read it: damaged labels and marks, O/l for 0/1, a wrapped origin.
CHIP_FRONT_OCR = """CONG HOA XA HOI CHU NGHIA VIET NAM
CAN CUOC CONG DAN
Citizen ldentity Card
Sô / No: 0792O30l2345
Họ và tèn / Fuli narne:
NGUYÊN VĂN ĐỨC
Ngay sình / Date of blrth: 17l05l2003
Giói tính / Sex: Nam   Quốc tich / Nationality: Viêt Nam
Quê quán / Place of orlgin:
Xã Tiền Phong, Huyện
Ân Thi, Tỉnh Hưng Yên
Nơi thưòng trú / Place of resldence: Số 12 Lê Lợi,
Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh
Có giá tri đến: 17/O5/2028"""

EXPECTED_FRONT = {
    "id_number": ID, "date_of_birth": "2003-05-17", "sex": "M", "nationality": "Việt Nam",
    "place_of_origin": "Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên",
    "place_of_residence": RESIDENCE, "date_of_expiry": "2028-05-17"}


def test_printed_chip_front() -> None:
    reading = extract_printed(CHIP_FRONT)
    assert values(reading) == {**EXPECTED_FRONT, "full_name": "NGUYỄN VĂN ĐỨC"}
    assert reading.card_type == CardType.CCCD2021 and reading.side == CardSide.FRONT
    assert reading.reasons == []


def test_printed_chip_front_with_ocr_noise() -> None:
    reading = extract_printed(CHIP_FRONT_OCR)
    assert values(reading) == {**EXPECTED_FRONT, "full_name": "NGUYÊN VĂN ĐỨC"}  # a tone misread
    assert reading.fields["id_number"].confidence < reading.fields["sex"].confidence  # repaired
    assert reading.card_type == CardType.CCCD2021


def test_a_speck_after_a_label_is_no_value_and_a_stop_glued_to_a_word_is_dropped() -> None:
    """Dust read as "s" after "Full name:" must not become the name; "Thôn." is "Thôn"."""
    text = CHIP_FRONT.replace("Họ và tên / Full name:", "Họ và tên / Full name: s").replace(
        "Số 12 Lê Lợi,", "Thôn. 3,")
    reading = extract_printed(text)
    assert reading.fields["full_name"].value == "NGUYỄN VĂN ĐỨC"
    assert reading.fields["place_of_residence"].value.startswith("Thôn 3, Phường Bến Nghé")
    assert extract_printed(CHIP_FRONT.replace("Quận 1,", "Q. 1,")).fields[
        "place_of_residence"].value.endswith("Q. 1, Thành phố Hồ Chí Minh")
    assert extract_printed(CHIP_FRONT.replace("Số 12 Lê Lợi,", "Phường.13, Q.1, Phú.Hội, TP.HCM,")).fields[
        "place_of_residence"].value.startswith("Phường 13, Q.1, Phú Hội, TP.HCM, Phường Bến Nghé")


def test_printed_confidence_comes_from_the_lines_read() -> None:
    lines = [(line, 91.0) for line in CHIP_FRONT.splitlines()]
    lines[7] = (lines[7][0], 40.0)  # the name line
    reading = extract_printed(lines)
    assert reading.fields["full_name"].confidence == pytest.approx(0.40)
    assert reading.fields["sex"].confidence == pytest.approx(0.91)


def test_printed_cccd_2016_vietnamese_only() -> None:
    text = """CĂN CƯỚC CÔNG DÂN
Số: 001085012345
Họ và tên: LÊ THỊ THU HÀ
Ngày, tháng, năm sinh: 03/12/1985
Giới tính: Nữ    Quốc tịch: Việt Nam
Quê quán: Phường Kim Mã, Quận Ba Đình, Hà Nội
Nơi thường trú: Tổ 5, Phường Dịch Vọng,
Quận Cầu Giấy, Thành phố Hà Nội
Có giá trị đến: 03/12/2025"""
    reading = extract_printed(text)
    assert reading.card_type == CardType.CCCD2016
    assert values(reading) == {
        "id_number": "001085012345", "full_name": "LÊ THỊ THU HÀ", "date_of_birth": "1985-12-03",
        "sex": "F", "nationality": "Việt Nam",
        "place_of_origin": "Phường Kim Mã, Quận Ba Đình, Hà Nội",
        "place_of_residence": "Tổ 5, Phường Dịch Vọng, Quận Cầu Giấy, Thành phố Hà Nội",
        "date_of_expiry": "2025-12-03"}


def test_printed_cancuoc_2024_both_sides() -> None:
    text = """CĂN CƯỚC
IDENTITY CARD
Số định danh cá nhân / Personal identification number:
001305012345
Họ, chữ đệm và tên khai sinh / Full name:
TRẦN THỊ MỸ HẠNH
Ngày, tháng, năm sinh / Date of birth: 03/12/2005
Giới tính / Sex: Nữ
Quốc tịch / Nationality: Việt Nam
Nơi cư trú / Place of residence: Thôn Đông, Xã Uy Nỗ,
Huyện Đông Anh, Thành phố Hà Nội
Nơi đăng ký khai sinh / Place of birth: Xã Cổ Loa,
Huyện Đông Anh, Thành phố Hà Nội
Ngày, tháng, năm cấp / Date of issue: 10/07/2024
Ngày, tháng, năm hết hạn / Date of expiry: 03/12/2030
IDVNM3050123451001305012345<<3"""
    reading = extract_printed(text)
    assert reading.card_type == CardType.CANCUOC2024 and reading.side == CardSide.BOTH
    assert values(reading) == {
        "id_number": "001305012345", "full_name": "TRẦN THỊ MỸ HẠNH",
        "date_of_birth": "2005-12-03", "sex": "F", "nationality": "Việt Nam",
        "place_of_residence": "Thôn Đông, Xã Uy Nỗ, Huyện Đông Anh, Thành phố Hà Nội",
        "place_of_birth": "Xã Cổ Loa, Huyện Đông Anh, Thành phố Hà Nội",
        "date_of_issue": "2024-07-10", "date_of_expiry": "2030-12-03"}


def test_printed_cmnd_front_and_back() -> None:
    text = """GIẤY CHỨNG MINH NHÂN DÂN
SỐ 025123456
Họ tên: HỒ TẤN PHÁT
Sinh ngày: 01-02-1980
Nguyên quán: Xã Kim Liên, Huyện Nam Đàn,
Tỉnh Nghệ An
Nơi ĐKHK thường trú: Số 5 Lê Duẩn,
Phường Hưng Bình, Thành phố Vinh, Tỉnh Nghệ An
Dân tộc: Kinh    Tôn giáo: Không
DẤU VẾT RIÊNG VÀ DỊ HÌNH
Ngày 15 tháng 08 năm 2005"""
    reading = extract_printed(text)
    assert reading.card_type == CardType.CMND9 and reading.side == CardSide.BOTH
    assert values(reading) == {
        "old_id_number": "025123456", "full_name": "HỒ TẤN PHÁT", "date_of_birth": "1980-02-01",
        "place_of_origin": "Xã Kim Liên, Huyện Nam Đàn, Tỉnh Nghệ An",
        "place_of_residence": "Số 5 Lê Duẩn, Phường Hưng Bình, Thành phố Vinh, Tỉnh Nghệ An",
        "date_of_issue": "2005-08-15"}


def test_chip_back_issue_date_and_no_expiry() -> None:
    reading = extract_printed("Đặc điểm nhận dạng / Personal identification: Nốt ruồi\n"
                              "Ngày, tháng, năm / Date, month, year: 10/07/2021\n"
                              "CỤC TRƯỞNG CỤC CẢNH SÁT")
    assert values(reading) == {"date_of_issue": "2021-07-10"}
    assert reading.side == CardSide.BACK and reading.card_type == CardType.CCCD2021
    front = extract_printed("Số / No.: 079203012345\nCó giá trị đến / Date of expiry: Không thời hạn")
    assert values(front)["date_of_expiry"] == "none"


def test_a_name_label_whose_english_half_ocr_ruined_is_followed_by_the_name_in_capitals() -> None:
    """"Họ và tên / E0 are": the scraps of "Full name" are no name; the capitals below are."""
    reading = extract_printed("Họ và tên / E0 are\nLÊ TRỌNG LONG\nNgày sinh / Date of birth: 16/05/1979")
    assert values(reading)["full_name"] == "LÊ TRỌNG LONG"
    same_line = extract_printed("Họ và tên: NGUYỄN VĂN A\nNgày sinh: 16/05/1979")  # a 2016 card
    assert values(same_line)["full_name"] == "NGUYỄN VĂN A"
    speck = extract_printed("Hovê tên 7 Full name: Ñ\nNGUYỄN BÍCH THẢO\nNgày sinh / Date of birth: 07/12/1975")
    assert values(speck)["full_name"] == "NGUYỄN BÍCH THẢO"  # one capital after the label is a speck


def test_the_one_run_of_name_syllables_in_capitals_is_the_name_whose_label_ocr_ruined() -> None:
    """"Họ và vé: TRẦN ĐÌNH BẢO" (a soft 2016 card): no label found, but a card prints one run of
    capitals made of name syllables; headings ("CHỦ NGHĨA VIỆT NAM" wrapped) are none, two runs
    are no answer, and a back's capitals may be its signer's."""
    front = "CỘNG HÒA XÃ HỘI\nCHỦ NGHĨA VIỆT NAM\nsố: 089080569684\nHọ và vé: TRẦN ĐÌNH BẢO\nNgày sinh: 17/03/1980"
    reading = extract_printed(front)
    assert values(reading)["full_name"] == "TRẦN ĐÌNH BẢO"
    labelled = extract_printed(front.replace("Họ và vé", "Họ và tên"))
    assert reading.fields["full_name"].confidence < labelled.fields["full_name"].confidence
    assert "full_name" not in extract_printed(front + "\nLÊ VĂN AN").fields
    back = "Đặc điểm nhân dạng: nốt ruồi\nNgày, tháng, năm: 10/07/2021\nGIÁM ĐỐC CÔNG AN\nNGUYỄN VĂN LONG"
    assert "full_name" not in extract_printed(back).fields


def test_a_label_line_below_an_unreadable_name_is_no_name() -> None:
    """The name line read as "LÊ No LONG" (no name: TRỌNG lost) and the next label damaged beyond
    the label search: words in no capitals that no name is made of are no name; a name whose case
    OCR lost still is one."""
    reading = extract_printed("Họ và tên / Full name\nLÊ No LONG\nNgây 3h / Date of bước 16/05/1979")
    assert "full_name" not in reading.fields
    lost_case = extract_printed("Họ và tên / Full name\nnguyễn văn an\nNgày sinh / Date of birth: 16/05/1979")
    assert values(lost_case)["full_name"] == "nguyễn văn an"


def test_the_date_in_the_year_the_number_encodes_is_the_birth_date_whose_label_ocr_ruined() -> None:
    """"me ø teø: 30/01/1982" on the card of 079082868008 (born in 1982 by its century digit and
    next two): that date is the birth date; the expiry "30/01/2042" is in another year."""
    front = "Số / No.: 079082868008\nme ø teø: 30/01/1982\nCó giá trị đến: 30/01/2042"
    assert values(extract_printed(front))["date_of_birth"] == "1982-01-30"
    assert "date_of_birth" not in extract_printed(front.replace("1982", "1983")).fields
    assert "date_of_birth" not in extract_printed(front.replace("079082868008", "")).fields  # no number


def test_the_one_date_of_a_back_whose_label_ocr_ruined_is_its_issue_date() -> None:
    """A back prints its dates of birth and expiry only in the MRZ: its one written date is the
    issue date, taken with less confidence than a labelled one; two dates are no answer."""
    back = ("dạng 7 Personal identification\nlQ, năm / Date, ønonith, year: 10/07/2021\n"
            "TRƯỞNG CỤC CẢNH SÁT\nNgón tró trái Ngón trỏ phải\n")
    reading = extract_printed(back)
    assert reading.side == CardSide.BACK and values(reading) == {"date_of_issue": "2021-07-10"}
    labelled = extract_printed(back.replace("lQ, năm / Date, ønonith, year", "Ngày, tháng, năm / Date, month, year"))
    assert reading.fields["date_of_issue"].confidence < labelled.fields["date_of_issue"].confidence
    assert "date_of_issue" not in extract_printed(back + "Nốt ruồi 12/03/2020\n").fields
    # A front's unlabelled date is no issue date.
    assert "date_of_issue" not in extract_printed("Số / No.: 079203012345\nlQ, năm: 10/07/2021").fields


def test_an_id_number_whose_label_ocr_ruined_is_the_cards_one_run_of_twelve_digits() -> None:
    reading = extract_printed(CHIP_FRONT.replace("Số / No.: 079203012345", "sóé¿No: 079203012345."))
    assert reading.fields["id_number"].value == "079203012345"
    assert reading.fields["id_number"].confidence < reading.fields["sex"].confidence  # no label seen
    # Two well-formed runs: neither is taken; an MRZ line's digits are never the printed number.
    both = extract_printed(CHIP_FRONT.replace("Số / No.: 079203012345", "sóé¿No: 079203012345 001089000123"))
    assert "id_number" not in both.fields
    mrz = extract_printed("IDVNM2030123453 079203012345<<2\nNgày sinh / Date of birth: 17/05/2003")  # OCR's gap
    assert "id_number" not in mrz.fields


def test_unreadable_labelled_values_are_reported() -> None:
    reading = extract_printed("Số định danh cá nhân: 07920301234\nNgày sinh: 31/02/2003\nGiới tính:")
    assert reading.fields == {}
    assert reading.problems == {"id_number": R.ID_INVALID, "date_of_birth": R.DATE_INVALID,
                                "sex": R.FIELD_MISSING}


@pytest.mark.parametrize(("text", "iso", "guessed"), [
    ("17/05/2003", "2003-05-17", False), ("17-5-2003", "2003-05-17", False),
    ("l7/O5/2OO3", "2003-05-17", False), ("17 / 05 / 2003", "2003-05-17", False),
    ("17052003", "2003-05-17", True), ("17l05l2003", "2003-05-17", True),
    ("1770571993", "1993-05-17", True), ("30/01/1 982 :", "1982-01-30", False),
    ("17/0571993", "1993-05-17", True), ("17705/1993", "1993-05-17", True),  # one separator read as a digit
    ("30 Q1 1982", "1982-01-30", True),  # a 0 read as Q, the separators as spaces
    ("107122022", "2022-12-10", True),  # one separator read as a 7, the other lost (a stained back)
])
def test_dates_with_ocr_noise(text: str, iso: str, guessed: bool) -> None:
    assert parse_date(text) == (iso, guessed)


@pytest.mark.parametrize("text", ["31/02/2003", "17/13/2003", "1705203", "", "Nam", "17/1371993",
                                  "101012022"])  # 10/10/2022 or 10/01/2022: which separator was lost?
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(("heading", "card_type"), [
    ("CĂN CƯỚC CÔNG DÂN\nCitizen Identity Card", CardType.CCCD2021),
    ("CAN CUOC C0NG DAN\nCitizen ldentity Card", CardType.CCCD2021),
    ("CĂN CƯỚC CÔNG DÂN\nHọ và tên:", CardType.CCCD2016),
    # A font without Vietnamese letters lost the heading's; the birth date's label is the 2016 card's.
    ("CNG HÓA XÃ HICH NGHĨA VÌ T NAM\nĐcIp -T' do - Hnh phúc\nCĂN CC CÔNG DÂN\ns:: 040185165132\n"
     "H: và tên NGUY `N THANH NG C OANH\nNgày, tháng, năm sinh: 11/06/1985", CardType.CCCD2016),
    # Every English half spoiled on a soft copy; the chip card's slashes after its labels stay.
    ("CĂN CƯỚC CÔNG DÂN\nCluzen iđentity Card\nHọ và tên / £UÍl narre\nLÊ TRỌNG LONG\n"
     "Ngày sinh / Oate of búth 16/05/1979 :\nQuê quán / Plạce of ortgin:", CardType.CCCD2021),
    # The 2016 card's dates carry slashes too, never after a label.
    ("CĂN CƯỚC CÔNG DÂN\nHọ và tên: LÊ TRỌNG LONG\nNgày, tháng, năm sinh: 16/05/1979\n"
     "Giới tính: Nam Quốc tịch: Việt Nam\nCó giá trị đến: 16/05/2039", CardType.CCCD2016),
    ("CĂN CƯỚC\nIDENTITY CARD", CardType.CANCUOC2024),
    ("Nơi cư trú:\nNơi đăng ký khai sinh: Xã Cổ Loa", CardType.CANCUOC2024),
    ("GIẤY CHỨNG MINH NHÂN DÂN", CardType.CMND9),
    ("GIAY CHUNG MlNH NHAN DAN", CardType.CMND9),
    ("HỘ CHIẾU / PASSPORT", CardType.PASSPORT),
    ("GIẤY KHAI SINH", CardType.UNKNOWN),
])
def test_card_type_from_headings(heading: str, card_type: CardType) -> None:
    assert card_type_from_text(heading) == card_type


# --- fusion -------------------------------------------------------------------------------------


def readings(printed_text: str = CHIP_FRONT, **qr_changes: str):
    fields = dict(id_number=ID, old_id_number="", full_name=NAME, date_of_birth="2003-05-17",
                  sex="M", place_of_residence=RESIDENCE, date_of_issue="2021-07-10")
    qr = parse_qr_payload(qr_payload(**{**fields, **qr_changes}))
    mrz = parse_td1(td1_lines(**CARD), today=TODAY)
    return qr, mrz, extract_printed(printed_text)


def test_fusion_of_agreeing_sources() -> None:
    identity = fuse(*readings(), today=TODAY)
    assert identity.review_reasons == [] and not identity.needs_review
    assert identity.card_type == CardType.CCCD2021 and identity.side == CardSide.BOTH
    assert identity.export_fields() == {
        "id_number": ID, "full_name": NAME, "date_of_birth": "2003-05-17", "sex": "M",
        "nationality": "Việt Nam", "place_of_origin": "Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên",
        "place_of_residence": RESIDENCE, "date_of_issue": "2021-07-10",
        "date_of_expiry": "2028-05-17", "old_id_number": None}
    assert identity.full_name is not None and identity.full_name.source == IdSource.QR
    assert identity.place_of_origin is not None
    assert identity.place_of_origin.source == IdSource.PRINTED


def test_export_keys_are_exactly_the_issue_columns() -> None:
    assert tuple(Identity().export_fields()) == EXPORT_KEYS == (
        "id_number", "full_name", "date_of_birth", "sex", "nationality", "place_of_origin",
        "place_of_residence", "date_of_issue", "date_of_expiry", "old_id_number")


def test_printed_number_disagreeing_with_the_qr_goes_to_review() -> None:
    identity = fuse(*readings(CHIP_FRONT.replace(ID, "079203012346")), today=TODAY)
    assert identity.review_reasons == [R.SOURCES_DISAGREE]
    assert identity.field_reasons == {"id_number": [R.SOURCES_DISAGREE]}
    assert identity.id_number is not None and identity.id_number.value == ID


def test_mrz_name_is_replaced_by_the_printed_name_with_marks() -> None:
    _, mrz, printed = readings()
    identity = fuse(None, mrz, printed, card_type=CardType.CCCD2021, side=CardSide.FRONT,
                    today=TODAY)
    name = identity.full_name
    assert name is not None and name.value == "NGUYỄN VĂN ĐỨC" and name.source == IdSource.PRINTED
    assert name.confidence > 0.9  # two sources agree
    assert identity.review_reasons == [R.QR_UNREADABLE]  # a chip front must have a QR


def test_mrz_name_contradicted_by_the_printed_name() -> None:
    _, mrz, printed = readings(CHIP_FRONT.replace("NGUYỄN VĂN ĐỨC", "NGUYỄN VĂN ĐẠT"))
    identity = fuse(None, mrz, printed, today=TODAY)
    assert identity.full_name is not None and identity.full_name.value == "NGUYEN VAN DUC"
    assert identity.field_reasons["full_name"] == [R.SOURCES_DISAGREE, R.LOW_CONFIDENCE]


@pytest.mark.parametrize("misread", ["AGUYEN VAN DUC", "NGUYEN VAN DXC"])
def test_a_misread_mrz_name_yields_to_a_printed_name_of_name_syllables(misread: str) -> None:
    """The MRZ has no check digit for its name: a word no name is written with is OCR damage, and
    the print's name, every word a name syllable, is taken; the card still goes to review."""
    mrz = parse_td1(td1_lines(**{**CARD, "full_name": misread}), today=TODAY)
    printed = extract_printed(CHIP_FRONT)
    identity = fuse(None, mrz, printed, card_type=CardType.CCCD2021, side=CardSide.BOTH, today=TODAY)
    assert identity.full_name is not None and identity.full_name.value == "NGUYỄN VĂN ĐỨC"
    assert R.SOURCES_DISAGREE in identity.field_reasons["full_name"] and identity.needs_review
    rare = extract_printed(CHIP_FRONT.replace("NGUYỄN VĂN ĐỨC", "NGUYỄN VĂN ĐỨCX"))
    identity = fuse(None, mrz, rare, card_type=CardType.CCCD2021, side=CardSide.BOTH, today=TODAY)
    assert identity.full_name is not None and identity.full_name.value == misread  # no better


@pytest.mark.parametrize(("wrong", "reason"), [
    ("079103012345", R.ID_SEX_MISMATCH),  # female century digit for a man
    ("079204012345", R.ID_DOB_MISMATCH),  # born 2004 by the number, 2003 by the card
    ("003203012345", R.ID_INVALID),  # no such province
])
def test_a_wrong_number_from_printed_text_alone_is_never_ok(wrong: str, reason: R) -> None:
    printed = extract_printed(CHIP_FRONT.replace(ID, wrong))
    identity = fuse(None, None, printed, card_type=CardType.CCCD2016, today=TODAY)
    assert identity.needs_review and reason in identity.field_reasons["id_number"]


def test_a_place_with_marks_no_address_has_goes_to_review() -> None:
    """OCR damage the place list could not repair ("TH @1Ou Trì" for "Thị trấn Diêu Trì") is never
    passed as read; an apostrophe (Ea H'leo) and a hyphen (Bà Rịa - Vũng Tàu) are an address's own."""
    damaged = CHIP_FRONT.replace("Xã Tiền Phong, Huyện Ân Thi", "TH @1Ou Trì, Huyện Ân Thi")
    identity = fuse(None, None, extract_printed(damaged), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.field_reasons["place_of_origin"] == [R.LOW_CONFIDENCE]
    written = CHIP_FRONT.replace("Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên",
                                 "Xã Ea Sol, Huyện Ea H'leo, Tỉnh Đắk Lắk")
    identity = fuse(None, None, extract_printed(written), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.review_reasons == []


@pytest.mark.parametrize(("origin", "reasons"), [
    ("Xã Ti3n Phờng Y3, Huyện Ân Thi, Tỉnh Hưng Yên", [R.LOW_CONFIDENCE]),  # no ward of Ân Thi
    ("Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên", None),
    ("Huyện Ân Thi, Tỉnh Hưng Yên", None),  # no ward to check: an old card may print none
    ("Xã Tiền Phong Huyện Ân", [R.LOW_CONFIDENCE]),  # no province: its line lost
    ("Hưng Yên", None),  # a province alone (an old card's origin)
])
def test_a_printed_place_the_lists_do_not_know_goes_to_review(origin: str, reasons: list[R] | None) -> None:
    damaged = CHIP_FRONT.replace("Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên", origin)
    identity = fuse(None, None, extract_printed(damaged), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.field_reasons.get("place_of_origin") == reasons


def test_printed_only_card_without_date_of_birth_is_not_ok() -> None:
    printed = extract_printed(CHIP_FRONT.replace("Ngày sinh / Date of birth: 17/05/2003\n", ""))
    identity = fuse(None, None, printed, card_type=CardType.CCCD2016, today=TODAY)
    assert identity.field_reasons["date_of_birth"] == [R.FIELD_MISSING]


def test_a_card_whose_print_looks_2016_but_has_an_id_cards_mrz_is_a_chip_card_and_wants_its_qr() -> None:
    """A soft copy of a chip card (dev set cccd_0006, reduced): every English label and "IDVNM"
    misread, "CĂN CƯỚC CÔNG DÂN" alone read well, as on the 2016 card, which has no MRZ and no QR.
    Taken for a 2016 card it passed without its places and without its QR, silently."""
    _, mrz, _ = readings()
    printed = extract_printed("CĂN CƯỚC CÔNG DÂN\nldy cà f4 ^as D\nNGUYỄN VĂN ĐỨC")
    assert printed.card_type == CardType.CCCD2016
    identity = fuse(None, mrz, printed, today=TODAY)
    assert identity.card_type == CardType.CCCD2021
    assert R.QR_UNREADABLE in identity.review_reasons and identity.needs_review


def test_printed_only_2016_card_can_be_ok() -> None:
    identity = fuse(None, None, extract_printed(CHIP_FRONT), card_type=CardType.CCCD2016,
                    today=TODAY)
    assert identity.review_reasons == []


@pytest.mark.parametrize("card_type", [CardType.CCCD2016, CardType.CCCD2021, CardType.CANCUOC2024])
@pytest.mark.parametrize("damaged", ["~~", "Việt Màu"])
def test_a_citizen_cards_unread_or_misread_nationality_is_vietnamese_and_says_why(card_type: CardType,
                                                                                   damaged: str) -> None:
    unreadable = CHIP_FRONT.replace("Quốc tịch / Nationality: Việt Nam", f"Quốc tịch / Nationality: {damaged}")
    identity = fuse(None, None, extract_printed(unreadable), card_type=card_type, side=CardSide.FRONT,
                    today=TODAY)
    assert identity.nationality is not None and identity.nationality.value == "Việt Nam"
    assert identity.nationality.source == IdSource.CARD_TYPE  # known from the card, not read


@pytest.mark.parametrize(("card_type", "side"), [(CardType.CMND9, CardSide.FRONT), (CardType.UNKNOWN, CardSide.FRONT),
                                                 (CardType.PASSPORT, CardSide.FRONT), (CardType.CCCD2021, CardSide.BACK)])
def test_nationality_is_never_assumed_where_the_card_does_not_print_it_for_citizens_only(
        card_type: CardType, side: CardSide) -> None:
    unreadable = CHIP_FRONT.replace("Quốc tịch / Nationality: Việt Nam", "Quốc tịch / Nationality: ~~")
    identity = fuse(None, None, extract_printed(unreadable), card_type=card_type, side=side, today=TODAY)
    assert identity.nationality is None


def test_an_unread_sex_is_the_one_the_id_number_gives_and_goes_to_review() -> None:
    """The sex word and its label ruined ("GFI tíah: N"): the number's century digit says male."""
    ruined = CHIP_FRONT.replace("Giới tính / Sex: Nam Quốc tịch", "GFI tíah: ~ Quốc tịch")
    identity = fuse(None, None, extract_printed(ruined), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.sex is not None and identity.sex.value == "M" and identity.sex.source == IdSource.ID_NUMBER
    assert identity.field_reasons["sex"] == [R.LOW_CONFIDENCE]  # derived, not read: an officer checks it
    women = CHIP_FRONT.replace("Giới tính / Sex: Nam Quốc tịch", "GFI tíah: ~ Quốc tịch").replace(ID, "079303012345")
    identity = fuse(None, None, extract_printed(women), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.sex is not None and identity.sex.value == "F"


def test_no_sex_is_derived_from_a_number_whose_year_is_not_the_birth_dates() -> None:
    ruined = CHIP_FRONT.replace("Giới tính / Sex: Nam Quốc tịch", "GFI tíah: ~ Quốc tịch").replace(ID, "079090012345")  # a man born 1990
    identity = fuse(None, None, extract_printed(ruined), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.sex is None and R.FIELD_MISSING in identity.field_reasons["sex"]


def test_a_birth_year_one_digit_off_the_numbers_takes_the_numbers_year_and_goes_to_review() -> None:
    """"17/05/2008" read under a number of 2003 (a soft 3 read as 8): the date keeps its day and
    month, takes the number's year, and the sex follows; both fields stay marked for the officer."""
    blurred = CHIP_FRONT.replace("17/05/2003", "17/05/2008").replace("Giới tính / Sex: Nam Quốc tịch",
                                                                      "GFI tíah: ~ Quốc tịch")
    identity = fuse(None, None, extract_printed(blurred), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.date_of_birth is not None and identity.date_of_birth.value == "2003-05-17"
    assert identity.date_of_birth.raw is not None and "2008" in identity.date_of_birth.raw
    assert identity.sex is not None and identity.sex.value == "M"
    assert R.ID_DOB_MISMATCH in identity.field_reasons["id_number"]
    assert {R.ID_DOB_MISMATCH, R.LOW_CONFIDENCE} <= set(identity.field_reasons["date_of_birth"])


@pytest.mark.parametrize("read", ["17/05/1993", "17/05/2011", "29/02/2004"])
def test_a_birth_date_further_off_or_impossible_in_the_numbers_year_is_left_as_read(read: str) -> None:
    """Two digits off (1993 or 2011 under 2003), or a leap day the number's year has not: nothing to repair."""
    number = ID if read != "29/02/2004" else "079205012345"  # 2005: no 29 February
    identity = fuse(None, None, extract_printed(CHIP_FRONT.replace("17/05/2003", read).replace(ID, number)),
                    card_type=CardType.CCCD2016, today=TODAY)
    day, month, year = read.split("/")
    assert identity.date_of_birth is not None and identity.date_of_birth.value == f"{year}-{month}-{day}"
    assert R.ID_DOB_MISMATCH in identity.field_reasons["date_of_birth"]


def test_date_checks() -> None:
    qr, mrz, printed = readings(date_of_issue="2030-01-01")
    identity = fuse(qr, mrz, printed, today=TODAY)
    assert {R.DATE_INVALID, R.EXPIRY_BEFORE_ISSUE} <= set(identity.review_reasons)
    assert R.DATE_INVALID in identity.field_reasons["date_of_issue"]


def test_qr_and_mrz_expected_on_a_chip_card() -> None:
    _, _, printed = readings()
    identity = fuse(None, None, printed, card_type=CardType.CCCD2021, side=CardSide.BOTH,
                    today=TODAY)
    assert {R.QR_UNREADABLE, R.MRZ_UNREADABLE} <= set(identity.review_reasons)
    garbled = fuse(parse_qr_payload("garbage"), None, printed, card_type=CardType.CCCD2021,
                   side=CardSide.FRONT, today=TODAY)
    assert garbled.review_reasons == [R.QR_UNREADABLE]


def test_low_confidence_and_missing_fields() -> None:
    lines = [(line, 50.0) for line in CHIP_FRONT.splitlines()]
    identity = fuse(None, None, extract_printed(lines), card_type=CardType.CCCD2016, today=TODAY)
    assert identity.review_reasons == [R.LOW_CONFIDENCE]
    empty = fuse(None, None, extract_printed(""), card_type=CardType.CCCD2016, today=TODAY)
    assert empty.review_reasons == [R.FIELD_MISSING]
    assert set(empty.field_reasons) == {"id_number", "full_name", "date_of_birth", "sex", "place_of_origin",
                                        "place_of_residence", "date_of_expiry"}


@pytest.mark.parametrize(("card_type", "expected"), [
    (CardType.CCCD2016, ["place_of_origin"]), (CardType.CCCD2021, ["place_of_origin"]),
    (CardType.CMND9, ["place_of_origin"]), (CardType.CANCUOC2024, []),
])
def test_a_front_without_its_origin_goes_to_review(card_type: CardType, expected: list[str]) -> None:
    """A soft 2016 front (dev set cccd_0015, grey and blurred) whose origin label OCR ruined passed
    as read, without its origin: every front but the 2024 card's prints both places."""
    lost = "\n".join(line for line in CHIP_FRONT.splitlines() if "Quê quán" not in line and "Xã Tiền Phong" not in line)
    identity = fuse(None, None, extract_printed(lost), card_type=card_type, side=CardSide.FRONT, today=TODAY)
    assert [name for name, reasons in identity.field_reasons.items() if R.FIELD_MISSING in reasons] == expected


def test_sources_may_only_carry_identity_fields() -> None:
    from schemas.identity import SourceReading
    field = FieldValue(value=ID, source=IdSource.QR, confidence=1.0)
    with pytest.raises(ValueError) as error:
        SourceReading(source=IdSource.QR, fields={"id": field})
    assert ID not in str(error.value)  # validation errors never echo personal data


# --- no parser ever raises ----------------------------------------------------------------------

lines_of_text = st.lists(st.text(max_size=60), max_size=6)


@FAST
@given(st.text(max_size=300))
def test_qr_parser_never_raises(text: str) -> None:
    parse_qr_payload(text)
    parse_qr_payload(text.encode("utf-8", "surrogatepass"))
    parse_qr_payload("|".join([ID, text, text, text, text, text, text, text]))


@FAST
@given(st.one_of(st.text(max_size=200), lines_of_text,
                 st.lists(st.text("0123456789<KOIBSZGQD«ÄM F", min_size=25, max_size=48),
                          max_size=4)))
def test_mrz_parsers_never_raise(lines: str | list[str]) -> None:
    for parse in (parse_td1, parse_td3, parse_mrz):
        reading = parse(lines, today=TODAY)
        assert reading.fields or reading.reasons


@FAST
@given(st.one_of(st.text(max_size=300), lines_of_text,
                 st.lists(st.tuples(st.text(max_size=60), st.floats(allow_nan=True)), max_size=6)))
def test_printed_parser_never_raises(lines: str | list) -> None:
    reading = extract_printed(lines)
    card_type_from_text(lines if isinstance(lines, str) else "")
    fuse(None, None, reading, today=TODAY)


@FAST
@given(st.text(max_size=300), st.sampled_from(list(CardType)), st.sampled_from(list(CardSide)))
def test_fusion_of_arbitrary_readings_never_raises(text: str, card_type: CardType,
                                                   side: CardSide) -> None:
    identity = fuse(parse_qr_payload(text), parse_mrz(text, today=TODAY), extract_printed(text),
                    card_type=card_type, side=side, today=TODAY)
    assert set(identity.export_fields()) == set(EXPORT_KEYS)


@FAST
@given(st.text(max_size=40))
def test_number_and_date_helpers_never_raise(text: str) -> None:
    check_id_number(text, today=TODAY)
    check_old_id_number(text)
    id_matches_birth(text, text)
    id_matches_sex(text, text)
    digits_from_ocr(text)
    parse_date(text)
