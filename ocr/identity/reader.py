"""One Identity from the page images of one document: find the cards, read every source, fuse.

For each card found (ocr.identity.locate) the QR (decoded while turning the card upright), the MRZ
(ocr.identity.mrz_reader) and the printed text (Tesseract `vie` on the rectified card, labels found
by ocr.identity.printed) are read; the readings of every side of the document are fused once
(ocr.identity.fusion), so a front and a back on two pages, or side by side on one page, make one
identity.

Printed text is the least reliable source and the only one on CCCD 2016, CMND and cards with a
damaged QR. A misread digit in the random part of an ID number passes every structural check, so
digit fields (ID number, dates) are read twice: once in the page pass and once from their own crop
under a digit whitelist. Two reads that agree are trusted; otherwise a third read decides, and a
value no two reads agree on goes to review with low confidence. Tone marks on capitals are `vie`'s
weak spot: each word of a printed name is read three times and the marks two reads agree on are
kept, and the surname (a closed set) is restored where OCR dropped one of its marks.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, timedelta

import cv2
import numpy as np
from rapidfuzz import fuzz

from ocr.engine import OcrTimeout
from ocr.identity.fusion import card_type_of, fuse, name_letters
from ocr.identity.idnumber import check_id_number, digits_from_ocr, id_numbers_in
from ocr.identity.locate import LocatedCard, locate_cards
from ocr.identity.missing_glyphs import mark_missing_glyphs, missing_glyph_boxes, restore_line
from ocr.identity.mrz import MrzReading, parse_mrz
from ocr.identity.mrz_reader import OcrLine, OcrWord, find_mrz_band, ocr_lines, read_mrz, union_box
from ocr.identity.names import has_name_letters, is_name_syllable, likeliest_syllable, name_syllable
from ocr.identity.places import is_address_word, is_listed
from ocr.identity.printed import (PrintedReading, card_type_from_text, extract_name, extract_printed,
                                  parse_date)
from ocr.identity.qr import QrReading, parse_qr_payload
from ocr.identity.skipped_lines import skipped_lines
from ocr.images import card_shaped, plausible_dpi, to_grey
from ocr.preprocess import flatten_background, paper_light
from schemas.identity import (
    NO_EXPIRY,
    CardType,
    FieldValue,
    Identity,
    IdSource,
    ReviewReason,
    SourceReading,
)
from schemas.vntext import fold

log = logging.getLogger(__name__)

OCR_CARD_WIDTH = 1600  # px of a rectified card for OCR: 475 dpi, 4-pt labels ~25 px tall
_MIN_PAGE_SIDE = 64
_DIGIT_HEIGHT = 40  # px of a digit crop for the whitelisted re-read
_DATE_CHARACTERS = "0123456789/-."
_INK_ROW = 0.2  # of the inkiest row's dark pixels: a row of the text's band, not a speck's
# Of a word box's height: a band of ink lower than this is the text, the rest specks (a date's slashes
# stand a fifth taller than its digits, and its box with them).
_INK_BAND = 0.6
_DIGIT_WIDTH = 0.6  # of its height: a narrow digit's advance, to count at least the digits a box holds
_GROUP_LENGTH = (8, 16)  # characters of a date (dd/mm/yyyy) or a spaced ID number; an MRZ line
# is longer
_NUMBER_LABEL = re.compile(r"so\W*no\W*")  # "Số / No.:" folded, its words run together
_LABEL_WORDS = 3  # words OCR may split that label into
_DIGIT_FIELDS = ("id_number", "old_id_number", "date_of_birth", "date_of_issue", "date_of_expiry")
_REREADS = ((1.0, 7), (1.5, 8))  # scale and page segmentation mode of the second and third read
_PUNCTUATION = ".,:;'\"!?-_/()"
_MAX_DOTS = 4000  # more tiny specks than this is noise, not dotted lines
_COLUMN_LINES = 3  # lines starting at one x make a column edge
_EDGES_APART = 3.0  # of the column tolerance (0.5 mm): edges nearer than this are one column's
_COLUMN_SLACK = 3.0  # mm: a line starting this close to a column edge belongs to that column
_LEAN_LINES = 4  # lines on a column's edge needed to measure its lean ...
_MOST_LEAN = 0.1  # ... which is at most this (px across per px down: 6°); beyond, the column is upright
_SURE = 50  # Tesseract's confidence below which a word of one or two signs may be a speck
_SMUDGE_WIDTH = 1.5  # of a line's letter height: a word this wide that Tesseract gave up on is print
_SPECK_HEIGHT = 0.35  # of its line's typical word height: a short word this low Tesseract was unsure of is a speck
_SLOPE_WORDS = 3  # words a line needs for its slant to count
_SAME_ROW = 0.35  # of the smaller piece's height: two pieces this near in level are one row
_WORD_GAP = 1.5  # of a line's height: a gap no wider than this is between words, not columns
_AGREED = 0.9  # confidence of a digit field two independent reads agree on
_GUESSED = 0.5  # a value guessed (a date by the law's rule, a name's lost marks): below fusion's bar alone
_SMALLER = 0.6  # scale of the second read of a card front whose ID number was not read
_NAME_BLOCK_REREAD = (1.0, 6)  # scale and page segmentation mode of a name line read again as a block
_PLACE_REREAD = (1.5, 7)  # scale and page segmentation mode of a place line read again alone
# ... of a line at the expiry's label read again alone, then as a block when specks between label
# and date spoil the line's read ("Có giá trị đến: ⁘ 07/11/2029" read "…1/2029")
_EXPIRY_REREADS = ((1.0, 7), (1.0, 6))
_SPECK_NUMBER = re.compile(r"(?!.*\d)(?=[^,]*[^\w\s,])[^\s,]{1,3},?")  # "+,", "T;": three signs or fewer, one no letter
_EXPIRY_LABEL = 75  # partial ratio of a line to the expiry's label, either language
_EXPIRY_ABOVE = (2.2, 2.4)  # the band above "Date of expiry" read for its unread line: heights, widths
_PLACE_FIELDS = ("place_of_residence", "place_of_origin")
_DOUBTFUL = 0.5  # confidence of a value no two reads agree on: below fusion's review threshold
_FACE_MIN_FIELDS = 3  # labelled fields (name, birth date, places...) that make a card-shaped region a card
_MILESTONE_AGES = (14, 25, 40, 60)  # birthdays on which a CCCD / Căn cước stops being valid
_RENEWAL_GRACE_DAYS = 2 * 365  # a card issued this near before a milestone lasts to the next one
_GRACE_DOUBT_DAYS = 45  # a milestone this near the grace's end: which one the card ends on is unsure
_FADED_INK = 100  # grey levels between a card's paper and its darkest ink below which it is faded
# When each kind of card was issued (Law on Citizen Identification 2014 from 2016; chip cards from
# the end of 2020 until the Law on Identification 2023 took effect on 1 July 2024), kept wide.
_FIRST_CARD_AGE = 14  # years: no card of either kind was issued younger
_ISSUED_BETWEEN = {CardType.CCCD2016: (date(2016, 1, 1), date(2021, 6, 30)),
                   CardType.CCCD2021: (date(2020, 12, 1), date(2024, 6, 30))}
_DATE_LIKE = re.compile(r"\d[\dOoIlS]?\s*[/.\-]\s*\d[\dOoIlS]?\s*[/.\-]\s*\d[\dOoIlS]{3}")

# Vietnamese surnames, folded → written. A closed set (the hundred commonest cover nearly everyone):
# OCR that drops a mark from a surname ("NGUYÊN") can be corrected with certainty. Folded forms
# shared by two surnames (Dương and Đường, Trịnh and Trình, Đoàn and Doãn) are left out: either
# may be the one printed.
_SURNAME_LIST = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Trịnh", "Lương", "Đoàn", "Vương", "Lâm",
    "Phùng", "Mai", "Tạ", "Tô", "Hà", "Thái", "Cao", "Lưu", "Kiều", "Quách", "Triệu", "Châu",
    "Chu", "Nghiêm", "Đào", "Văn", "Khúc", "Lại", "Hứa", "Mạc", "Thân", "Tăng", "Giang", "Lục",
    "Âu", "Bạch", "Bế", "Diệp", "Đàm", "Hầu", "Khổng", "Kim", "Lò", "Nông", "Ông", "Phí",
    "Quan", "Tiêu", "Tống", "Thạch", "Ung", "Vi", "Viên", "Yên", "Doãn", "Đường", "Trình",
    "Chế", "Cù", "Hàn", "Khương", "Mẫn", "Ninh", "Nhữ", "Quang", "Sầm", "Từ",
)
SURNAMES = {fold(name): name for name in _SURNAME_LIST
            if sum(fold(other) == fold(name) for other in _SURNAME_LIST) == 1}


# ---------------------------------------------------------------------------------------------------
# Images


def _as_page(pixels: object) -> np.ndarray | None:
    """8-bit grey or RGB pixels, or None for anything that is not a usable image."""
    if not isinstance(pixels, np.ndarray) or pixels.ndim not in (2, 3) or pixels.size == 0:
        return None
    if pixels.ndim == 3:
        if pixels.shape[2] not in (1, 3, 4):
            return None
        pixels = pixels[..., 0] if pixels.shape[2] == 1 else pixels[..., :3]
    if min(pixels.shape[:2]) < _MIN_PAGE_SIDE:
        return None
    if pixels.dtype != np.uint8:
        values = np.nan_to_num(pixels.astype(np.float64))
        peak = 65535.0 if values.max(initial=0) > 255 else 255.0
        pixels = np.clip(values * (255.0 / peak), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(pixels)



def _row_neighbours(centres: np.ndarray, px_per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """For each dot, the distance to the nearest dot on its left and on its right in the same row
    (inf when none within 1.5 mm)."""
    dx = centres[None, :, 0] - centres[:, None, 0]
    same_row = np.abs(centres[None, :, 1] - centres[:, None, 1]) <= 0.15 * px_per_mm
    near = same_row & (np.abs(dx) >= 0.3 * px_per_mm) & (np.abs(dx) <= 1.5 * px_per_mm)
    right = np.where(near & (dx > 0), dx, np.inf).min(axis=1)
    left = np.where(near & (dx < 0), -dx, np.inf).min(axis=1)
    return left, right


def without_dotted_lines(grey: np.ndarray, px_per_mm: float) -> np.ndarray:
    """Typed cards (the CMND) print their values over dotted lines, which Tesseract takes for a
    wall of punctuation that swallows the text: erase dots that stand in evenly spaced rows.
    A dot under a letter (ạ, ệ) has no evenly spaced neighbours on both sides and stays."""
    ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    tiny = 0.3 * px_per_mm
    dots = np.flatnonzero((stats[:, cv2.CC_STAT_WIDTH] <= tiny)
                          & (stats[:, cv2.CC_STAT_HEIGHT] <= tiny))
    dots = dots[dots > 0]
    if not 8 <= len(dots) <= _MAX_DOTS:
        return grey
    left, right = _row_neighbours(centroids[dots], px_per_mm)
    finite = np.isfinite(left) & np.isfinite(right)
    difference = np.subtract(left, right, out=np.zeros_like(left), where=finite)
    inside = finite & (np.abs(difference) <= 0.2 * right)
    # The two ends of a row have one neighbour, at the row's spacing.
    spacing = np.where(inside, right, np.nan)
    in_row = inside.copy()
    for i in np.flatnonzero(~inside):
        near = [j for j in np.flatnonzero(inside)
                if abs(centroids[dots[j]][1] - centroids[dots[i]][1]) <= 0.15 * px_per_mm
                and abs(abs(centroids[dots[j]][0] - centroids[dots[i]][0]) - spacing[j])
                <= 0.2 * spacing[j]]
        in_row[i] = bool(near)
    if in_row.sum() < 8:
        return grey
    erase = np.isin(labels, dots[in_row]).astype(np.uint8)
    cleaned = grey.copy()
    cleaned[cv2.dilate(erase, np.ones((3, 3), np.uint8)) > 0] = int(np.percentile(grey, 90))
    return cleaned


# ---------------------------------------------------------------------------------------------------
# Reading order


def _start(line: OcrLine, *, sure: bool = False) -> int:
    """Where a line's print starts: its first letter or digit (specks read in front of a label,
    "-_ Quê quán", of a heading, ": SOCIALIST", or glued to a word, "-Phường.13", start nothing),
    placed within its word as if each sign were as wide as the others. `sure`: nor do words of one or
    two letters Tesseract was unsure of ("xa", "ớt" before "thường trú"). A word Tesseract gave up on
    (confidence 0) as wide as a few letters is print, whatever signs it was read as ("Long" read
    '."' under a shadow, before "Thành, Đồng Nai")."""
    for word in line.words:
        first = next((number for number, char in enumerate(word.text) if char.isalnum()), None)
        if first is None and word.conf == 0 and word.box[2] >= _SMUDGE_WIDTH * _letter_height(line):
            return word.box[0]
        if first is None or (sure and word.conf < _SURE and sum(map(str.isalnum, word.text)) <= 2):
            continue
        if word.conf == 0:  # a smudge read as signs: where they fall in its box means nothing
            return word.box[0]
        return word.box[0] + round(word.box[2] * first / len(word.text))
    return line.box[0]


def _letter_height(line: OcrLine) -> float:
    """The median height of the line's words that hold a letter or digit (infinite without any)."""
    heights = [word.box[3] for word in line.words if any(map(str.isalnum, word.text))]
    return float(np.median(heights)) if heights else float("inf")


def _dominant_edges(lines: list[OcrLine], tolerance: float,
                    level: Callable[[OcrLine], float]) -> list[float]:
    """Left edges that several lines start at: the columns of the card's layout. Starts each within
    `tolerance` of the previous one are one edge: measured from a group's first start, one column's
    starts (476-483 px at 475 dpi) made two edges, and the line starting leftmost a column of its own.
    A line that goes on from another on its row, a word's gap away, starts no column: Tesseract cut
    the rows of a card in perspective where they climb, and the cuts lined up into a column's edge
    that split the name ("LÊ" … "TRỌNG LONG") and the labels from their values. Nor do specks read as
    lines, far lower than the print."""
    levels = [level(line) for line in lines]
    least = 0.5 * float(np.median([line.box[3] for line in lines]))  # lower: specks, not print
    starts = sorted(float(_start(line)) for number, line in enumerate(lines)
                    if line.box[3] >= least and _piece_before(number, lines, levels) is None)
    groups: list[list[float]] = []
    for x in starts:
        if not groups or x - groups[-1][-1] > tolerance:
            groups.append([])
        groups[-1].append(x)
    edges: list[tuple[float, int]] = []  # (edge, lines starting at it)
    for group in (group for group in groups if len(group) >= _COLUMN_LINES):
        edge = (float(np.median(group)), len(group))
        if edges and edge[0] - edges[-1][0] <= _EDGES_APART * tolerance:
            # No card lays out two columns a letter's width apart: a column whose lines start a
            # little right of it (a stain's edge, "__Phường.13", read in front) is that column.
            edges[-1] = max(edges[-1], edge, key=lambda found: found[1])
        else:
            edges.append(edge)
    return [edge for edge, _ in edges]


def _piece_before(number: int, lines: list[OcrLine], levels: list[float]) -> int | None:
    """The line that line `number` goes on from: on its row, ending a word's gap or less before it."""
    x, _, _, height = lines[number].box
    return next((other for other, line in enumerate(lines)
                 if other != number and abs(levels[other] - levels[number]) <= _SAME_ROW * min(height, line.box[3])
                 and -height <= x - (line.box[0] + line.box[2]) <= _WORD_GAP * height), None)


def reading_order(lines: list[OcrLine], px_per_mm: float) -> list[OcrLine]:
    """Lines split where a word starts on a column edge, then read column by column.

    Tesseract joins text under the portrait ("Có giá trị đến: ...") with the main column's line
    at the same height, which cuts a wrapped address off from its label; split there, and a
    wrapped value follows its label again."""
    if not lines:
        return lines
    tolerance = 0.5 * px_per_mm
    slope = _text_slope(lines)

    def level(segment: OcrLine) -> float:
        """Where the segment's row lies once the text's slant is taken out."""
        return float(np.mean([y + h / 2 - slope * (x + w / 2) for x, y, w, h in (word.box for word in segment.words)]))

    edges = _dominant_edges(lines, tolerance, level)
    slack = _COLUMN_SLACK * px_per_mm
    main = max(edges, key=lambda e: sum(abs(_start(line) - e) <= tolerance for line in lines),
               default=None)

    def opens_main(previous: OcrWord, word: OcrWord) -> bool:
        """Whether `word` begins the main column behind words under the portrait: it starts on the
        main column's edge after a gap; or a speck glued to its front ("23/11/2031 '_n rừng 25": "·Ph"
        read as one word) starts it a little left of that edge, which it crosses while the word
        before ends short of it (only that edge: centred headings line up into edges that words of
        other lines cross); or it starts a little inside behind words that end before the edge ("bơ
        e9 . Phường 25,": a smudge under the portrait read on the residence's second row; "16/09/2939.
        pạ rợng Hòa Cường Bắc,": the expiry's date ending a third of a millimetre short of the edge),
        or further inside after a gap wider than between words ("13/10/2044, 2 Vang,": "Hòa" read
        from its "a")."""
        if main is None:
            return False
        previous_end = previous.box[0] + previous.box[2]
        start, end = word.box[0], word.box[0] + word.box[2]
        on_edge = previous_end < start and abs(start - main) <= tolerance
        glued = previous_end < main and main - slack <= start < main - tolerance and end > main + tolerance
        inside = previous_end < main < start \
            and (start <= main + slack or start - previous_end > _WORD_GAP * word.box[3])
        return on_edge or glued or inside

    def opens_other(previous: OcrWord, word: OcrWord) -> bool:
        """Whether `word` begins another column: it starts on its edge after a gap wider than a
        word's (centred headings can line up, by chance, where a row's words follow each other:
        "Giới" "tính")."""
        previous_end, start = previous.box[0] + previous.box[2], word.box[0]
        return any(abs(start - e) <= tolerance and start - previous_end > _WORD_GAP * word.box[3] for e in edges)

    segments: list[OcrLine] = []
    cut_off: set[int] = set()  # pieces cut from a line at a column's edge: their column is decided
    in_main: set[int] = set()  # ... those that open the main column, wherever they start ("2 Vang,")
    for line in lines:
        current = [line.words[0]]
        for word in line.words[1:]:
            main_column = opens_main(current[-1], word)
            if main_column or opens_other(current[-1], word):
                segments.append(OcrLine(tuple(current)))
                cut_off.add(len(segments))
                if main_column:
                    in_main.add(len(segments))
                current = []
            current.append(word)
        segments.append(OcrLine(tuple(current)))

    def column(segment: OcrLine) -> float:
        left = _start(segment)
        if main is not None and left < main - tolerance and _start(segment, sure=True) >= main - tolerance:
            return main  # the main column's line behind specks Tesseract was unsure of ("xa ` ớt thường trú")
        inside = max((e for e in edges if e <= left + tolerance), default=-1.0)
        if left - inside <= slack:
            return inside
        # A wrapped value may start a little left of its column ("Đình, Hà Nội" under "Nơi thường
        # trú: Số 295 ..."); text under the portrait is far left of it.
        return min((e for e in edges if left + tolerance < e <= left + slack), default=inside)

    # A line Tesseract gave apart that goes on from another on its row is in that one's column (the
    # residence's "Số 74 Hai Bà Trưng," after its label: far right of every edge, it was taken for
    # the headings' column), unless it starts the main column.
    levels = [level(segment) for segment in segments]
    columns = [main if number in in_main and main is not None else column(segment)
               for number, segment in enumerate(segments)]
    main_at = _leaning_edge(lines, main, slack) if main is not None else None
    for number in sorted(range(len(segments)), key=lambda n: segments[n].box[0]):
        before = _piece_before(number, segments, levels)
        _, y, _, height = segments[number].box
        if before is not None and number not in cut_off \
                and (main_at is None or abs(_start(segments[number]) - main_at(y + height / 2)) > tolerance):
            columns[number] = columns[before]
    ordered = sorted(zip(columns, levels, segments), key=lambda placed: placed[:2])
    return _rows_joined(ordered, level)


def _leaning_edge(lines: list[OcrLine], edge: float, slack: float) -> Callable[[float], float]:
    """Where the column at `edge` starts at each height: the starts of its lines fitted by a straight
    line. A card shot at a slant leans its column while its rows stay level (dev set cccd_0033 with a
    keystone: the labels start 475 px in at the top, 497 px at the residence): a row going on at 501 px
    starts the column there, not 19 px inside it."""
    placed = [(line.box[1] + line.box[3] / 2, float(_start(line))) for line in lines]
    points = [(height, start) for height, start in placed if abs(start - edge) <= slack]
    if len(points) < _LEAN_LINES:
        return lambda _: edge
    heights, starts = np.array(points, dtype=float).T
    if np.ptp(heights) == 0:
        return lambda _: edge
    lean, at_top = np.polyfit(heights, starts, 1)
    if abs(lean) > _MOST_LEAN:
        return lambda _: edge
    return lambda height: float(at_top + lean * height)


def _text_slope(lines: list[OcrLine]) -> float:
    """The slant of the text (dy/dx) from the lines of three words or more, weighted by width: a
    card taken whole in perspective, its outline not found, has lines running uphill."""
    slopes, weights = [], []
    for line in lines:
        if len(line.words) < _SLOPE_WORDS:
            continue
        centres = np.array([(x + w / 2, y + h) for x, y, w, h in (word.box for word in line.words)], float)
        if np.ptp(centres[:, 0]) > 0:
            slopes.append(float(np.polyfit(centres[:, 0], centres[:, 1], 1)[0]))
            weights.append(float(np.ptp(centres[:, 0])))
    if not slopes:
        return 0.0
    order = np.argsort(slopes)
    middle = np.searchsorted(np.cumsum(np.array(weights)[order]), sum(weights) / 2)
    return slopes[order[min(middle, len(order) - 1)]]


def _rows_joined(ordered: list[tuple[float, float, OcrLine]], level: Callable[[OcrLine], float]) -> list[OcrLine]:
    """Pieces of one row of a column, given as (column, level, piece) in reading order, joined into
    one line, left to right: Tesseract splits a slanted line where it climbs (dev set cccd_0012's
    origin came out as "Quận Thạnh Khê, Đà Nẵng" before "CA Tam Thuận, Qu"). A word the two pieces
    both read at their seam is kept once."""
    joined: list[tuple[float, float, OcrLine]] = []
    for column, row, segment in ordered:
        if joined and joined[-1][0] == column \
                and abs(joined[-1][1] - row) <= _SAME_ROW * min(joined[-1][2].box[3], segment.box[3]):
            line = _one_line(joined[-1][2].words, segment.words)
            joined[-1] = (column, level(line), line)
        else:
            joined.append((column, row, segment))
    return [segment for _, _, segment in joined]


def _one_line(first: Sequence[OcrWord], second: Sequence[OcrWord]) -> OcrLine:
    """The words of two pieces of a row left to right, without one whose span lies mostly under a
    wider word of the other piece (read by both at their seam). Within a piece every word stays: a
    letter after a font's box can lie half under the word before it ("NGUY" "N")."""
    def covered(word: OcrWord, others: Sequence[OcrWord]) -> bool:
        x, _, w, _ = word.box
        return any(other.box[2] > w and min(x + w, other.box[0] + other.box[2]) - max(x, other.box[0]) > w / 2
                   for other in others)

    kept = [word for word in first if not covered(word, second)] + [word for word in second if not covered(word, first)]
    return OcrLine(tuple(sorted(kept, key=lambda word: word.box[0])))


# ---------------------------------------------------------------------------------------------------
# Digits read twice


def _digit_like(word: OcrWord) -> bool:
    """A word holding a digit that is mostly digits once look-alike letters are repaired (not a
    label: "szINo:", the "S□ / No.:" of a font without Vietnamese letters, holds none)."""
    repaired = digits_from_ocr(word.text)
    return any(ch.isdigit() for ch in word.text) \
        and sum(ch.isdigit() for ch in repaired) >= max(1, 0.6 * len(repaired))


def _digit_groups(line: OcrLine) -> list[tuple[int, int]]:
    """(first, end) word indices of runs of digit-like words long enough to be an ID number or a
    date (an ID may be read as three words), by their text or by their boxes' width (twelve digits
    read "055." in a box as wide as twelve)."""
    groups, start = [], None
    for i, word in enumerate([*line.words, None]):
        if word is not None and _digit_like(word):
            start = i if start is None else start
            continue
        if start is not None:
            read = sum(len(w.text) for w in line.words[start:i])
            boxed = sum(round(w.box[2] / (_DIGIT_WIDTH * max(1, w.box[3]))) for w in line.words[start:i])
            if _GROUP_LENGTH[0] <= max(read, boxed) and read <= _GROUP_LENGTH[1]:
                groups.append((start, i))
            start = None
    return groups or _after_number_label(line)


def _after_number_label(line: OcrLine) -> list[tuple[int, int]]:
    """The words after a card's "Số / No." label as one group, however OCR read them, when they are as
    wide as a number in the label's letters: a speck on a clean number's first digit made Tesseract
    read all twelve as "8ø5...= E1:", which no digit test takes for a number."""
    for end in range(1, min(_LABEL_WORDS, len(line.words) - 1) + 1):
        if _NUMBER_LABEL.fullmatch(fold("".join(word.text for word in line.words[:end]))):
            after, label = line.words[end:], union_box([word.box for word in line.words[:end]])
            width = union_box([word.box for word in after])[2]
            return [(end, len(line.words))] if width >= _GROUP_LENGTH[0] * _DIGIT_WIDTH * label[3] else []
    return []


def _normalized(text: str) -> str | None:
    """What a digit group means: an ISO date, or the digits of a 9- or 12-digit number."""
    parsed = parse_date(text)
    if parsed is not None:
        return parsed[0]
    digits = digits_from_ocr(text)
    return digits if digits.isdigit() and len(digits) in (9, 12) else None


def _ink_rows(box: np.ndarray, top: int, height: int) -> tuple[int, int]:
    """(top, height) of the text in a word box: the box's own, unless its rows of ink make a band
    clearly lower than it (specks above or below a number made Tesseract's box twice its height,
    and the number, shrunk to half the reading height, was misread)."""
    if box.size == 0:
        return top, height
    counts = np.count_nonzero(cv2.threshold(box, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1], axis=1)
    band, start = (0, 0), None
    for row, inked in enumerate([*(counts >= _INK_ROW * counts.max(initial=0)), False]):
        if inked and start is None:
            start = row
        elif not inked and start is not None:
            band, start = max(band, (row - start, start)), None
    length, first = band
    return (top + first, length) if 0 < length < _INK_BAND * height else (top, height)


def _whitelisted(grey: np.ndarray, words: list[OcrWord], dpi: int, *, binarize: bool,
                 timeout: float, tight: bool = False) -> str:
    """The words read again from their own crop, digits and date separators only (`tight`: a short
    word, without the half height of margin that would take in its neighbours' letters)."""
    x, y, w, h = union_box([word.box for word in words])
    if not tight:  # a short word's comma is a low band of its own
        y, h = _ink_rows(grey[y:y + h, x:x + w], y, h)
    pad_x, pad_y = 4 if tight else max(4, h // 2), max(4, h // 3)
    crop = grey[max(0, y - pad_y):y + h + pad_y, max(0, x - pad_x):x + w + pad_x]
    height = round(_DIGIT_HEIGHT * (1.4 if binarize else 1.0))
    scale = height / max(h, 1)
    image = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    if binarize:
        image = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    lines = ocr_lines(image, language="eng", psm=7, dpi=round(dpi * scale), timeout=timeout,
                      whitelist=_DATE_CHARACTERS)
    return "".join(line.text.replace(" ", "") for line in lines)


def _agreed_digits(grey: np.ndarray, words: list[OcrWord], dpi: int, timeout: float,
                   meaning: Callable[[str], str | None] = _normalized, *, tight: bool = False) -> tuple[str, bool]:
    """The text of a digit group and whether two independent reads agree on its meaning: the
    page pass, a whitelisted re-read, and a binarized one when those two differ."""
    first = " ".join(word.text for word in words)
    reads = [(first, meaning(first))]
    for binarize in (False, True):
        text = _whitelisted(grey, words, dpi, binarize=binarize, timeout=timeout, tight=tight)
        reads.append((text, meaning(text)))
        meanings = [meaning for _, meaning in reads if meaning is not None]
        agreed = next((m for m in meanings if meanings.count(m) >= 2), None)
        if agreed is not None:
            return next(text for text, meaning in reads if meaning == agreed), True
    readable = [text for text, meaning in reads[1:] if meaning is not None]
    return (readable[0] if readable else first), False


def _with_digits_confirmed(lines: list[OcrLine], grey: np.ndarray, dpi: int,
                           timeout: float) -> tuple[list[OcrLine], dict[str, bool]]:
    """Lines whose digit groups carry the text two reads agree on, and for each group's text
    whether two reads agreed."""
    checked: dict[str, bool] = {}
    out = []
    for line in lines:
        words = list(line.words)
        for start, end in reversed(_digit_groups(line)):
            group = words[start:end]
            text, agreed = _agreed_digits(grey, group, dpi, timeout)
            checked[text] = checked.get(text, True) and agreed
            conf = min(word.conf for word in group)
            words[start:end] = [OcrWord(text, conf, union_box([word.box for word in group]))]
        for i in range(1, len(words)):
            # A hamlet's or house's number read as a speck ("Ấp +,", "Thôn T;"): the digits two
            # whitelisted reads agree on, or the speck as it was.
            if is_address_word(words[i - 1].text.strip(_PUNCTUATION)) and _speck_number(words[i]):
                text, agreed = _agreed_digits(grey, [words[i]], dpi, timeout, _house_number, tight=True)
                if agreed and (number := _house_number(text)) is not None:
                    words[i] = replace(words[i], text=number + "," * words[i].text.endswith(","))
        out.append(OcrLine(tuple(words)))
    return out, checked


def _speck_number(word: OcrWord) -> bool:
    """Whether a word after a hamlet's or house's word may be its number misread: a speck ("+,",
    "T;"), or a word of one or two letters Tesseract was unsure of ("Sì," at confidence 4 for "3,"),
    or in small letters, which no hamlet's name is ("Ấp à," at confidence 60 for "Ấp 2,")."""
    letters = word.text.strip(_PUNCTUATION)
    return bool(_SPECK_NUMBER.fullmatch(word.text)) or ((word.conf < _SURE or letters.islower())
                                                       and 0 < len(letters) <= 2 and letters.isalpha())


# ---------------------------------------------------------------------------------------------------
# Reading one side


@dataclass
class _Side:
    """One card side as read: the card, the grey image OCR saw, its lines and its readings."""

    card: LocatedCard
    grey: np.ndarray  # missing-glyph boxes marked (ocr.identity.missing_glyphs)
    missing_glyphs: int  # how many
    lines: list[OcrLine]
    digits_checked: dict[str, bool]  # text of each digit group → two reads agreed on it
    qr: QrReading | None
    mrz: MrzReading | None
    printed: PrintedReading

    @property
    def is_card(self) -> bool:
        """Whether anything on it says it is an identity card."""
        return bool((self.qr and self.qr.fields) or (self.mrz and self.mrz.fields)
                    or self.printed.card_type != CardType.UNKNOWN or self._card_face)

    @property
    def _card_face(self) -> bool:
        """A card-shaped region whose own reading holds card fields under their labels and one valid
        ID number: a card whose heading was lost (a font without Vietnamese letters, faded red ink,
        blur: "CĂN cước TGOtc DÂN"); found as an outline on the page, or the whole page when that has
        a card's proportions (a tight scan). A letter citing an ID number has neither; a form has no
        card-sized block of labels."""
        height, width = self.card.image.shape[:2]
        return ((self.card.outline_found or card_shaped(width, height))
                and len(self.printed.fields) >= _FACE_MIN_FIELDS
                and _unlabelled_id(self.digits_checked) is not None)


# Letters Vietnamese never uses that Tesseract `vie` puts for Vietnamese ones ("Số" read "sø").
_NOT_VIETNAMESE = str.maketrans({"ø": "o", "Ø": "O"})


def _pairs(lines: list[OcrLine]) -> list[tuple[str, float]]:
    return [(line.text.translate(_NOT_VIETNAMESE), line.conf) for line in lines]


def _restored(lines: list[OcrLine]) -> list[OcrLine]:
    """Lines with the words a font could not print restored (the boxes were marked before OCR);
    restoring keeps the spaces, so each word keeps its box."""
    restored = []
    for line in lines:
        texts = restore_line(line.text).split(" ")
        restored.append(OcrLine(tuple(replace(word, text=text) for word, text in zip(line.words, texts)))
                        if len(texts) == len(line.words) else line)
    return restored


def _printed_lines(grey: np.ndarray, dpi: int, timeout: float, *, missing_glyphs: bool,
                   scale: float = 1.0) -> tuple[list[OcrLine], PrintedReading]:
    """The card's lines in reading order and what they say; `scale` < 1 reads a smaller copy (the
    words' boxes still fit `grey`)."""
    small = grey if scale == 1.0 else cv2.resize(grey, None, fx=scale, fy=scale,
                                                 interpolation=cv2.INTER_AREA)
    lines = ocr_lines(small, language="vie", psm=3, dpi=round(dpi * scale), timeout=timeout)
    lines += skipped_lines(small, round(dpi * scale), lines, timeout)
    if scale != 1.0:
        lines = [OcrLine(tuple(replace(word, box=tuple(round(v / scale) for v in word.box))
                               for word in line.words)) for line in lines]
    lines = [line for line in map(_without_specks, reading_order(lines, dpi / 25.4)) if line.words]
    if missing_glyphs:
        lines = _restored(lines)
    return lines, extract_printed(_pairs(lines))


def _without_specks(line: OcrLine) -> OcrLine:
    """The line without words of one or two letters or digits far lower than its others that
    Tesseract was unsure of: a speck of dust after a name read "A" (conf 0, a fifth of the letters'
    height) became part of it. Longer words stay whatever their box ("Ig.13," in a 2-pixel box held a
    ward's number), and so do commas and dashes, which are low by nature."""
    typical = float(np.median([word.box[3] for word in line.words]))
    return OcrLine(tuple(word for word in line.words
                         if word.conf >= _SURE or word.box[3] >= _SPECK_HEIGHT * typical
                         or not 0 < sum(map(str.isalnum, word.text)) <= 2))


def _has_number(line: OcrLine) -> bool:
    return any(id_numbers_in(re.sub(r"\D", "", word.text)) for word in line.words)


def _without_number(printed: PrintedReading, lines: list[OcrLine]) -> bool:
    """A card front read without its ID number, labelled or not: Tesseract skips a line printed
    very large at times (the 2016 card's number), which it reads on a smaller copy."""
    return not {"id_number", "old_id_number"} & printed.fields.keys() \
        and _mrz_in_lines(lines) is None and not any(_has_number(line) for line in lines)


def _printed_score(reading: PrintedReading, lines: list[OcrLine]) -> tuple[int, int, int]:
    """How much a pass read: a card heading, labelled fields, MRZ fields (a card back has no labels)."""
    mrz = _mrz_in_lines(lines)
    return int(reading.card_type != CardType.UNKNOWN), len(reading.fields), len(mrz.fields) if mrz else 0


def _turned_over(card: LocatedCard) -> LocatedCard:
    return LocatedCard(np.ascontiguousarray(cv2.rotate(card.image, cv2.ROTATE_180)), card.dpi,
                       np.roll(card.quad, 2, axis=0), card.outline_found, card.upright_by, None)


def _faded(grey: np.ndarray, light: np.ndarray) -> bool:
    """Whether a card's darkest ink lies less than `_FADED_INK` grey levels below its paper (a faded
    copy, a dim photo): there Tesseract's one global threshold loses whole lines (a number, a name),
    and the paper's light is divided out first, as on pages. Scans, however hard, keep their ink far
    darker, and flattening them brought out grain that OCR read as letters."""
    return float(np.median(light) - np.percentile(grey, 2)) < _FADED_INK


def _read_side(card: LocatedCard, timeout: float) -> _Side:
    grey = to_grey(card.image)
    light = paper_light(grey)  # measured once: to tell a faded card, then to divide it out
    if _faded(grey, light):
        grey = flatten_background(grey, light)
    grey, missing = mark_missing_glyphs(without_dotted_lines(grey, card.dpi / 25.4), card.dpi)
    lines, printed = _printed_lines(grey, card.dpi, timeout, missing_glyphs=missing > 0)
    if card.upright_by in ("osd", "text", "none") and _printed_score(printed, lines)[1] < 3:
        # Nothing on the card said which way up it lies, and little was read: try it turned over
        # (a marker "Z" reads the same both ways).
        turned = cv2.rotate(grey, cv2.ROTATE_180)
        turned_lines, turned_printed = _printed_lines(turned, card.dpi, timeout,
                                                      missing_glyphs=missing > 0)
        if _printed_score(turned_printed, turned_lines) > _printed_score(printed, lines):
            card, grey, lines, printed = _turned_over(card), turned, turned_lines, turned_printed
    lines, checked = _with_digits_confirmed(lines, grey, card.dpi, timeout)
    printed = extract_printed(_pairs(lines))
    if _without_number(printed, lines):
        # Only the number's line is taken from the smaller copy: the rest reads better full size.
        small_lines, _ = _printed_lines(grey, card.dpi, timeout, scale=_SMALLER,
                                        missing_glyphs=missing > 0)
        numbers, more_checked = _with_digits_confirmed(
            [line for line in small_lines if _has_number(line)], grey, card.dpi, timeout)
        lines = reading_order([*lines, *numbers], card.dpi / 25.4)
        checked |= more_checked
        printed = extract_printed(_pairs(lines))
    qr = parse_qr_payload(card.qr.text) if card.qr is not None else None
    mrz = _zone_reading(read_mrz(card.image, dpi=card.dpi, timeout=timeout), lines)
    return _Side(card, grey, missing, lines, checked, qr, mrz, printed)


# A line of the card's own OCR that is machine-readable zone text: OCR-B capitals, digits and fillers.
_MRZ_CHARACTERS = re.compile(r"[A-Z0-9<]")
_MRZ_LIKE_SHARE = 0.8


def _zone_reading(band: MrzReading | None, lines: list[OcrLine]) -> MrzReading | None:
    """The MRZ as read from its band, unless the band's reads did not verify and the page pass's own
    lines of the zone read better (a back's band read "IDVNMO0707…" where the page pass read it right)."""
    if band is not None and band.composite_ok:
        return band
    return _best_mrz([reading for reading in (band, _mrz_in_lines(lines)) if reading is not None])


def _mrz_in_lines(lines: list[OcrLine]) -> MrzReading | None:
    """The MRZ as the card's page pass read it, when the band finder missed it (a blurred or faint
    band). Its check digits still decide what is trusted, exactly as for the band's own reading."""
    candidates = []
    for line in lines:
        packed = "".join(line.text.split())
        if len(packed) >= 25 and len(_MRZ_CHARACTERS.findall(packed)) >= _MRZ_LIKE_SHARE * len(packed) \
                and ("<<" in packed or packed[:2] in ("ID", "1D", "P<")):
            candidates.append(packed)
    if len(candidates) < 2:
        return None
    reading = parse_mrz(candidates[-3:])
    return reading if reading.fields else None


# ---------------------------------------------------------------------------------------------------
# Names read three times


def _with_surname(name: str) -> str:
    """The name with its surname's marks restored when OCR changed only marks."""
    words = name.split()
    known = SURNAMES.get(fold(words[0])) if words else None
    if known is None:
        return name
    return " ".join([known.upper() if words[0].isupper() else known, *words[1:]])


def _reread_word(side: _Side, word: OcrWord, scale: float, psm: int, timeout: float) -> str:
    """A word read again alone, its strokes thickened: `vie` reads the marks on thin capitals
    better when they are heavier."""
    grey, dpi = side.grey, side.card.dpi
    x, y, w, h = word.box
    pad = max(4, h // 3)
    crop = grey[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad]
    if scale != 1.0:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    size = max(2, round(2 * scale))
    heavier = cv2.erode(crop, np.ones((size, size), np.uint8))
    lines = ocr_lines(heavier, language="vie", psm=psm, dpi=round(dpi * scale), timeout=timeout)
    if side.missing_glyphs:
        lines = _restored(lines)
    return " ".join(line.text for line in lines).strip(_PUNCTUATION)


def _line_words(sides: list[_Side], text: str) -> tuple[_Side, list[OcrWord]] | None:
    """The side and the words of the first line that holds `text`."""
    wanted = " ".join(text.split())
    for side in sides:
        for line in side.lines:
            start = line.text.find(wanted)
            if not wanted or start < 0:
                continue
            words, position = [], 0
            for word in line.words:
                if position + len(word.text) > start and position < start + len(wanted):
                    words.append(word)
                position += len(word.text) + 1
            return side, words
    return None


def _region_read_again(side: _Side, words: list[OcrWord], how: tuple[float, int], timeout: float,
                       what: str) -> str | None:
    """The region of a run of words read again as one (`how`: scale and page segmentation mode);
    None, logged, when Tesseract fails on it."""
    whole = OcrWord("", 0.0, union_box([word.box for word in words]))
    try:
        return _reread_word(side, whole, *how, timeout)
    except (cv2.error, OcrTimeout, RuntimeError) as exc:
        log.warning("%s not read again (%s)", what, type(exc).__name__)
        return None


def _name_read_again(found: tuple[_Side, list[OcrWord]], value: str, timeout: float) -> str | None:
    """The name when a word read on its line was dropped as no part of it ("HOÀNG HỒNG kưïd": the
    page pass took part of the label above into the last word's box): the line's region read again
    as a block, whose name is taken when it holds every word kept, in order, and more."""
    text = _region_read_again(*found, _NAME_BLOCK_REREAD, timeout, "name line")
    if text is None:
        return None
    # The block may take in the label above or specks beside: words no name has, at either end.
    words = (extract_name(text) or "").split()
    while words and not has_name_letters(words[0]):
        words.pop(0)
    while words and not has_name_letters(words[-1]):
        words.pop()
    again = " ".join(words)
    kept, more = [fold(word) for word in value.split()], iter(fold(word) for word in again.split())
    in_order = all(word in more for word in kept)  # each kept word found after the one before
    return again if in_order and len(again.split()) > len(kept) else None


def _one_run(words: list[OcrWord]) -> list[OcrWord]:
    """The words up to the first gap wider than between words: specks a card's width away on the
    name's row ("NGUYỄN BÍCH THẢO °àt", 16 mm on) are no word of it, nor is their region read."""
    run = words[:1]
    for word in words[1:]:
        if word.box[0] - (run[-1].box[0] + run[-1].box[2]) > _WORD_GAP * run[-1].box[3]:
            break
        run.append(word)
    return run


def _voted_name(name: FieldValue, sides: list[_Side], timeout: float) -> FieldValue:
    """The printed name with each word's marks as two of three reads agree (the page pass, and
    the word alone, heavier, at two sizes; a read that changes letters does not count), a word that
    no name has replaced by the one name syllable with its letters (ocr.identity.names); doubtful
    when no two reads agree on a word, when only that list changed it, or when a word read on the
    line is missing from the name (damaged and dropped)."""
    value = name.value
    found = _line_words(sides, (name.raw or value).split(" / ")[0])
    if found is not None:
        found = found[0], _one_run(found[1])
    # A word is one with a letter that has a case, or a digit: a speck read as a modifier mark ("ˆ",
    # a letter to Unicode) is none, and a block read of its line made a word of it ("… TRUNG NA").
    texts = [word.text for word in found[1]] if found is not None else (name.raw or "").split(" / ")[0].split()
    read = [word for word in texts if any(ch.isdigit() or ch.lower() != ch.upper() for ch in word)]
    doubtful = found is None or len(read) > len(value.split())
    if found is not None and len(read) > len(value.split()):
        value = _name_read_again(found, value, timeout) or value
    voted: dict[str, str] = {}
    for word in found[1] if found is not None else []:
        first = word.text.strip(_PUNCTUATION)
        if first not in value.split() or not first.isupper():
            continue
        try:
            reads = [first] + [again for scale, psm in _REREADS
                               if fold(again := _reread_word(found[0], word, scale, psm,
                                                             timeout)) == fold(first)]
        except (cv2.error, OcrTimeout, RuntimeError) as exc:
            log.warning("name not read again (%s)", type(exc).__name__)
            reads = [first]
        chosen = next((read for read in reads if reads.count(read) >= 2), first)
        if not is_name_syllable(chosen):
            # Names are made of name syllables: a read that is one beats reads that are none, even
            # two that agree ("THU" over two reads of "THỦ"); a choice no two reads made is doubtful.
            chosen = next((read for read in reads if is_name_syllable(read)), chosen)
        voted[first] = chosen
        doubtful |= reads.count(chosen) < 2
        if (syllable := name_syllable(voted[first])) is not None:
            # No name has that word; one name syllable has its letters: the marks were misread.
            doubtful |= syllable not in reads
            voted[first] = syllable
    value = _with_surname(" ".join(voted.get(word, word) for word in value.split()))
    update: dict[str, object] = {"value": value}
    if doubtful:
        update["confidence"] = min(name.confidence, _DOUBTFUL)
    return name.model_copy(update=update)


# ---------------------------------------------------------------------------------------------------
# Fields of the printed reading


def _unlabelled_id(checked: dict[str, bool]) -> FieldValue | None:
    """The ID number when OCR mangled its label beyond recognition ("Số:" read "s:"): the one
    valid 12-digit number among the digit groups of the card."""
    numbers = {number for text in checked for number in id_numbers_in(digits_from_ocr(text))}
    if len(numbers) != 1:
        return None
    (number,) = numbers
    text = next(text for text in checked if number in digits_from_ocr(text))
    return FieldValue(value=number, source=IdSource.PRINTED, raw=text,
                      confidence=_AGREED if checked[text] else _DOUBTFUL)


def _confirmed(printed: PrintedReading, sides: list[_Side], timeout: float) -> PrintedReading:
    """Printed digit fields trusted as far as their reads agree; the name's marks voted on."""
    checked = {text: agreed for side in sides for text, agreed in side.digits_checked.items()}
    fields = dict(printed.fields)
    if "id_number" not in fields and (number := _unlabelled_id(checked)) is not None:
        fields["id_number"] = number
    for name, value in fields.items():
        if name not in _DIGIT_FIELDS or value.value == NO_EXPIRY:
            continue
        groups = [agreed for text, agreed in checked.items() if text in (value.raw or "")]
        # A digit field never seen as a digit group (cut from a label) was read once only.
        trusted = bool(groups) and all(groups)
        confidence = max(value.confidence, _AGREED) if trusted else min(value.confidence,
                                                                         _DOUBTFUL)
        fields[name] = value.model_copy(update={"confidence": confidence})
    if (name := fields.get("full_name")) is not None:
        fields["full_name"] = _voted_name(name, sides, timeout)
    for name in _PLACE_FIELDS:
        if (place := fields.get(name)) is not None and not is_listed(place.value):
            fields[name] = _place_read_again(name, place, sides, timeout)
        if (place := fields.get(name)) is not None:
            fields[name] = _house_number_read_again(place, sides, timeout)
    return printed.model_copy(update={"fields": fields})


def _house_number(text: str) -> str | None:
    number = text.strip(_PUNCTUATION)
    return number if number.isdigit() else None


def _house_number_read_again(place: FieldValue, sides: list[_Side], timeout: float) -> FieldValue:
    """A place whose house number ("Số 254") was read twice more alone under a digit whitelist, as
    the card's digit fields are: when those two reads agree on another number, that is the number
    (the page pass read "2544" beside a missing-glyph box). No list can check a house number; the
    image can."""
    value = place.value
    for piece in (place.raw or "").split(" / "):
        found = _line_words(sides, piece)
        for word in found[1] if found is not None else []:
            number = _house_number(word.text)
            if number is None or f" {number} " not in f" {value} ":
                continue
            side = found[0]
            try:
                text, agreed = _agreed_digits(side.grey, [word], side.card.dpi, timeout, _house_number, tight=True)
            except (cv2.error, OcrTimeout, RuntimeError) as exc:
                log.warning("house number not read again (%s)", type(exc).__name__)
                continue
            if agreed and (read := _house_number(text)) is not None and read != number:
                value = re.sub(rf"(?<!\S){number}(?!\S)", read, value, count=1)
    return place if value == place.value else place.model_copy(update={"value": value})


def _place_read_again(name: str, place: FieldValue, sides: list[_Side], timeout: float) -> FieldValue:
    """A place whose ward, district or province is not listed as read, its lines read again one by
    one, enlarged (a speck beside "Xã An Phước," made the page pass read "HA TH,"): the new reading
    replaces the old only when it is a listed ward, district and province."""
    pairs = [pair for side in sides for pair in _pairs(side.lines)]
    for piece in (place.raw or "").split(" / "):
        found = _line_words(sides, piece)
        if found is None or not found[1]:
            continue
        again = _region_read_again(*found, _PLACE_REREAD, timeout, "place")
        if again is None:
            continue
        # The read alone loses the end's comma, which joins the piece to the next line.
        again = again.strip() + piece[len(piece.rstrip(_PUNCTUATION)):]
        at = next((i for i, (text, _) in enumerate(pairs) if piece in text), None)
        if at is None:
            continue
        pairs[at] = (pairs[at][0].replace(piece, again, 1), pairs[at][1])
        better = extract_printed(pairs).fields.get(name)
        if better is not None and is_listed(better.value):
            return better.model_copy(update={"confidence": min(better.confidence, place.confidence)})
    return place


# ---------------------------------------------------------------------------------------------------
# The document


def _best_mrz(readings: list[MrzReading]) -> MrzReading | None:
    return max(readings, key=lambda r: (r.composite_ok, len(r.fields)), default=None)


def _read_sides(pages: Sequence[tuple[np.ndarray, int]], texts: Sequence[str] | None,
                timeout: float) -> list[_Side]:
    sides: list[_Side] = []
    try:
        pages = list(pages)
    except TypeError:
        return sides
    for number, page in enumerate(pages):
        try:
            pixels, dpi = page
        except (TypeError, ValueError):
            continue
        image = _as_page(pixels)
        if image is None or not isinstance(dpi, int | float) or not plausible_dpi(dpi):
            continue
        try:
            cards = locate_cards(image, round(dpi), width=OCR_CARD_WIDTH)
            for card in cards:
                if not card.outline_found and card.qr is None and texts is not None \
                        and not card_shaped(image.shape[1], image.shape[0]) \
                        and number < len(texts) and card_type_from_text(texts[number]) \
                        == CardType.UNKNOWN and find_mrz_band(card.image) is None \
                        and not missing_glyph_boxes(to_grey(card.image), card.dpi):
                    # A page that is not a card: the page text already says so (unless the font
                    # lacked the letters of the card's heading). A page of a card's proportions is
                    # read all the same: its heading may be what the page pass misread (dev set
                    # cccd_0015 turned 1.5°: "CĂN CƯỚC CÔNG DÂN" read as "TRE a.eeseărẩn").
                    continue
                side = _read_side(card, timeout)
                if side.is_card:
                    sides.append(side)
        except (cv2.error, OcrTimeout, RuntimeError, ValueError) as exc:
            log.warning("page %d of an identity document not read (%s)", number + 1,
                        type(exc).__name__)
    return sides


@dataclass(frozen=True)
class CardReading:
    """An identity as read, and the card sides it was read from: cut out of the page and upright,
    for a reviewer to compare the fields with (a card is a small part of an A4 copy)."""

    identity: Identity
    faces: list[np.ndarray]  # grey or RGB, in the order read; none when the card was the whole page


def read_identity(pages: Sequence[tuple[np.ndarray, int]], texts: Sequence[str] | None = None, *,
                  timeout: float = 30) -> Identity | None:
    """The identity shown by one document's pages, given as (pixels, dpi); None when no page shows
    an identity card. See `read_card`."""
    reading = read_card(pages, texts, timeout=timeout)
    return reading.identity if reading is not None else None


def read_card(pages: Sequence[tuple[np.ndarray, int]], texts: Sequence[str] | None = None, *,
              timeout: float = 30) -> CardReading | None:
    """The identity shown by one document's pages, given as (pixels, dpi), with the card sides it
    was read from; None when no page shows an identity card. `texts` are the pages' OCR texts when
    the caller has them: a page whose text names no card and on which no card outline, QR or MRZ is
    seen is skipped without OCR.

    Never raises on odd input: unusable pages are skipped. `timeout` bounds each Tesseract call.
    """
    sides = _read_sides(pages, texts, timeout)
    if not sides:
        return None
    qr_readings = [side.qr for side in sides if side.qr is not None and side.qr.fields]
    mrz_readings = [side.mrz for side in sides if side.mrz is not None]
    lines = [pair for side in sides for pair in _pairs(side.lines)]
    mrz = _best_mrz(mrz_readings)
    # A payload that parsed wins; one that did not (decoded, yet not a card's) still says why.
    decoded = [side.qr for side in sides if side.qr is not None]
    qr = (qr_readings or decoded or [None])[0]
    printed = _confirmed(_with_name_of_mrz(extract_printed(lines), mrz, sides), sides, timeout)
    kind = card_type_of(qr, mrz, printed)
    printed = _with_expiry(printed, [*qr_readings, *mrz_readings], sides, timeout, kind)
    printed = _with_birth_of_expiry(printed, [*qr_readings, *mrz_readings])
    printed = _with_possible_issue(_with_issue_of_back(printed, sides), kind)
    identity = _cross_checked(fuse(qr, mrz, printed), qr_readings, mrz_readings)
    faces = [side.card.image for side in sides if card_shaped(side.card.image.shape[1], side.card.image.shape[0])]
    return CardReading(identity, faces)


def _with_issue_of_back(printed: PrintedReading, sides: list[_Side]) -> PrintedReading:
    """The issue date written on a side whose image shows a machine-readable zone, when its label was
    ruined past the label search ("về Ngày Đứng sản, Dạ, son. ve 10/12/2022") and the sides' text read
    together did not say back (a front beside it on the page, or the back's own cues unread): the
    one date written on that side outside its zone (a back prints birth and expiry only in the
    zone), trusted less than its line as any unlabelled date is."""
    if "date_of_issue" in printed.fields:
        return printed
    for side in sides:
        found = extract_printed(_pairs(side.lines), back=True).fields.get("date_of_issue") \
            if side.mrz is not None else None
        if found is not None:
            return _with_field(printed, "date_of_issue", found)
    return printed


def _with_name_of_mrz(printed: PrintedReading, mrz: MrzReading | None,
                      sides: list[_Side]) -> PrintedReading:
    """The printed name, with its marks, when OCR damaged its label beyond the label search: the
    card line whose letters are exactly the MRZ name's (two independent reads of the same letters;
    the MRZ itself carries no marks). Failing that, a name read (on a line, or as the printed name)
    of two or more words that are the MRZ name's last ones, with the words OCR lost in front taken
    from the MRZ, each the likeliest name syllable of its letters ("KIM MINH PHƯỢNG" under NGUYEN
    KIM MINH PHUONG): a guess, below fusion's bar on its own; the MRZ's agreeing letters lift it
    (only the lost words' marks are guessed)."""
    wanted = mrz.fields.get("full_name") if mrz is not None else None
    if wanted is None or not name_letters(wanted.value):
        return printed
    mrz_words = wanted.value.split()
    letters = [name_letters(word) for word in mrz_words]

    def completed(name: str) -> str | None:
        words = name.split()
        lost = len(letters) - len(words)
        if len(words) < 2 or lost <= 0 or [name_letters(word) for word in words] != letters[lost:]:
            return None
        return " ".join([*(likeliest_syllable(word) or word for word in mrz_words[:lost]), *words])

    read = printed.fields.get("full_name")
    if read is not None:
        whole = completed(read.value)
        return printed if whole is None else _with_field(printed, "full_name", read.model_copy(
            update={"value": whole, "confidence": min(read.confidence, _GUESSED)}))
    names = [(line, name) for side in sides for line in side.lines
             if (name := extract_name(line.text)) is not None and name != fold(name).upper()]
    for line, name in names:
        if name_letters(name) == "".join(letters):
            return _with_field(printed, "full_name", FieldValue(
                value=name, source=IdSource.PRINTED, raw=line.text,
                confidence=min(line.conf / 100, _AGREED)))
    for line, name in names:
        if (whole := completed(name)) is not None:
            return _with_field(printed, "full_name", FieldValue(
                value=whole, source=IdSource.PRINTED, raw=line.text,
                confidence=min(line.conf / 100, _GUESSED)))
    return printed


def _with_expiry(printed: PrintedReading, certain: Sequence[SourceReading], sides: list[_Side],
                 timeout: float, kind: CardType) -> PrintedReading:
    """The expiry date, which the law puts on the holder's 14th, 25th, 40th or 60th birthday (or
    "không thời hạn"). One read one digit off such a birthday is that birthday, to review, unless
    its digits were read twice alike and the birth date's were not: then the birth date is. One the
    page pass missed (4-pt text in a corner that layout analysis skips, or a label OCR ruined) is
    looked for in the lines read, then in a sparse-text pass over each card."""
    born = _first_read((*certain, printed), "date_of_birth")
    if born is None:
        return _with_expiry_of_number(printed, certain, sides)
    birth = date.fromisoformat(born.value)
    # The QR's issue date only: a printed one comes from a back, whose MRZ gives the expiry itself.
    issued = _first_read(certain, "date_of_issue")
    by_law = _expiry_by_law(birth, date.fromisoformat(issued.value)) if issued is not None \
        else _expiry_by_kind(birth, kind)
    read = printed.fields.get("date_of_expiry")
    if read is not None:
        if read.value == NO_EXPIRY:
            return printed
        expiry = date.fromisoformat(read.value)
        written = expiry.strftime("%d/%m/%Y")
        by_law_near = _one_digit_from(written, by_law)
        if _milestone_date(written, birth) is not None and by_law_near is None:
            return printed
        near = by_law_near or _near_milestone_date(written, birth)
        if near is not None and born.source == IdSource.PRINTED and born.confidence < _AGREED <= read.confidence:
            # Two reads agreed on the expiry's digits and not on the birth date's ("17/08/1980"
            # under "17/03/2020"): the birth date is the one misread, its day and month the expiry's.
            with suppress(ValueError):
                return _with_field(printed, "date_of_birth", born.model_copy(update={
                    "value": birth.replace(month=expiry.month, day=expiry.day).isoformat(),
                    "confidence": min(born.confidence, _GUESSED)}))
        return _with_field(printed, "date_of_expiry", near)
    near: FieldValue | None = None
    for text in _expiry_texts(sides, timeout):
        expiry = _milestone_date(text, birth)
        if expiry is not None:
            return _with_field(printed, "date_of_expiry", FieldValue(
                value=expiry, source=IdSource.PRINTED, confidence=_AGREED, raw=expiry))
        near = near or _near_milestone_date(text, birth)
    if near is None and by_law is not None:
        # Printed where no pass could read it: the law's date, to review.
        near = FieldValue(value=by_law, source=IdSource.PRINTED, confidence=_GUESSED, raw=by_law)
    return _with_field(printed, "date_of_expiry", near)


def _expiry_by_law(birth: date, issued: date) -> str | None:
    """The expiry the law gives a card issued on `issued` (Law on Identification 2023, art. 21; the
    2014 law alike): the first of the 14th, 25th, 40th and 60th birthdays more than two years after
    issue, none after 60 (NO_EXPIRY). None where a milestone lies too near those two years to say."""
    grace_ends = issued + timedelta(days=_RENEWAL_GRACE_DAYS)
    for age in _MILESTONE_AGES:
        year = birth.year + age
        about = date(year, birth.month, min(birth.day, 28))  # days apart enough to compare
        if abs((about - grace_ends).days) <= _GRACE_DOUBT_DAYS:
            return None
        if about > grace_ends:
            with suppress(ValueError):
                return birth.replace(year=year).isoformat()
            return None  # born on 29 February, a common year: which day the card prints is unsure
    return NO_EXPIRY


def _expiry_by_kind(birth: date, kind: CardType) -> str | None:
    """The expiry the law gives a card of this kind whenever in its years of issue it was issued
    (born 20/02/1980, a chip card: the 60th birthday, 20/02/2040); None when the issue date matters.
    The law's expiry only moves later with the issue date, so one answer at both ends holds between.
    Both kinds were issued from the 14th birthday on (Law on Citizen Identification 2014, art. 19):
    born 08/01/2004, a 2016 card was issued from 2018 and ends on the 25th birthday, 08/01/2029."""
    if kind not in _ISSUED_BETWEEN:
        return None
    first, last = _ISSUED_BETWEEN[kind]
    first = max(first, date(birth.year + _FIRST_CARD_AGE, birth.month, min(birth.day, 28)))
    if first > last:
        return None  # too young for a card of this kind: the kind was misjudged
    earliest = _expiry_by_law(birth, first)
    return earliest if earliest == _expiry_by_law(birth, last) else None


def _one_digit_from(written: str, by_law: str | None) -> FieldValue | None:
    """The law's expiry when the date read (dd/mm/yyyy) is one digit off it ("31/07/2080" for a card
    the law ends on 31/07/2030): a guess, to review. The law's date alone tells which milestone,
    where one digit off two milestone years ("2080": 2030 and 2050) does not."""
    if by_law is None or by_law == NO_EXPIRY:
        return None
    due = date.fromisoformat(by_law).strftime("%d/%m/%Y")
    if sum(a != b for a, b in zip(written, due)) != 1:
        return None
    return FieldValue(value=by_law, source=IdSource.PRINTED, confidence=_GUESSED, raw=written)


def _with_possible_issue(printed: PrintedReading, kind: CardType) -> PrintedReading:
    """An issue date read that a card of its kind cannot carry ("03/09/2072" on a chip card, issued
    from late 2020 to mid-2024) is the one date a digit off it that the kind's years of issue allow,
    when there is exactly one: a guess, to review. Several ("2025": 2020 to 2024) leave it as read."""
    read = printed.fields.get("date_of_issue")
    if read is None or kind not in _ISSUED_BETWEEN:
        return printed
    first, last = _ISSUED_BETWEEN[kind]
    issued = date.fromisoformat(read.value)
    if first <= issued <= last:
        return printed
    written = issued.strftime("%d%m%Y")
    possible = set()
    for at, digit in itertools.product(range(len(written)), "0123456789"):
        with suppress(ValueError):
            other = written[:at] + digit + written[at + 1:]
            candidate = date(int(other[4:]), int(other[2:4]), int(other[:2]))
            if first <= candidate <= last:
                possible.add(candidate)
    if len(possible) != 1:
        return printed
    return _with_field(printed, "date_of_issue", read.model_copy(
        update={"value": possible.pop().isoformat(), "confidence": min(read.confidence, _GUESSED)}))


def _with_expiry_of_number(printed: PrintedReading, certain: Sequence[SourceReading],
                           sides: list[_Side]) -> PrintedReading:
    """No birth date read and no labelled expiry: the one date on the card's fronts (sides without an
    MRZ, whose issue date could fall on such a year) whose year lies a milestone age after the birth
    year the ID number gives ("07/12/2035" alone under the portrait, its label and the birth date
    smudged; number 046175…). A guess, to review; the birth date then follows from it
    (`_with_birth_of_expiry`)."""
    readings = (*certain, printed)
    number = _first_read(readings, "id_number")
    if _first_read(readings, "date_of_expiry") is not None or number is None \
            or (info := check_id_number(number.value).info) is None:
        return printed
    found = {written for side in sides if side.mrz is None for line in side.lines
             for written in _written_dates(line.text) if written.year - info.birth_year in _MILESTONE_AGES}
    if len(found) != 1:
        return printed
    expiry = found.pop().isoformat()
    return _with_field(printed, "date_of_expiry", FieldValue(
        value=expiry, source=IdSource.PRINTED, confidence=_GUESSED, raw=expiry))


def _with_birth_of_expiry(printed: PrintedReading, certain: Sequence[SourceReading]) -> PrintedReading:
    """The birth date no source read, when the expiry was read and the ID number gives the birth
    year: the law puts the expiry on the 14th, 25th, 40th or 60th birthday, so its day and month are
    the birth date's when the years lie such an age apart ("Ngày, tháng, năm sinh: Mai?" over
    "Có giá trị đến: 14/09/2029", number 079189…: born 14/09/1989). A guess, to review."""
    readings = (*certain, printed)
    expiry, number = _first_read(readings, "date_of_expiry"), _first_read(readings, "id_number")
    if _first_read(readings, "date_of_birth") is not None or expiry is None or expiry.value == NO_EXPIRY \
            or number is None or (info := check_id_number(number.value).info) is None:
        return printed
    ends = date.fromisoformat(expiry.value)
    if ends.year - info.birth_year not in _MILESTONE_AGES:
        return printed
    with suppress(ValueError):
        born = ends.replace(year=info.birth_year).isoformat()
        return _with_field(printed, "date_of_birth", FieldValue(
            value=born, source=IdSource.PRINTED, confidence=_GUESSED, raw=expiry.value))
    return printed


def _first_read(readings: Sequence[SourceReading], name: str) -> FieldValue | None:
    """Field `name` as the first of `readings` that holds it read it (most trusted first)."""
    return next((reading.fields[name] for reading in readings if name in reading.fields), None)


def _with_field(printed: PrintedReading, name: str, value: FieldValue | None) -> PrintedReading:
    """`printed` with field `name` set to `value` (unchanged when None)."""
    if value is None:
        return printed
    return printed.model_copy(update={"fields": {**printed.fields, name: value}})


def _expiry_texts(sides: list[_Side], timeout: float) -> Iterator[str]:
    """Where an unlabelled expiry date may be, cheapest first: the page pass's lines (it may have
    read the date and lost its label), the lines at the expiry's label read again alone (blur can
    spoil a short line in the page pass that reads alone), then a sparse-text pass over each side."""
    yield "\n".join(line.text for side in sides for line in side.lines)
    for side in sides:
        for words in _at_expiry_label(side.lines):
            for how in _EXPIRY_REREADS:
                yield _region_read_again(side, words, how, timeout, "expiry line") or ""
    for side in sides:
        yield "\n".join(line.text for line in ocr_lines(side.grey, language="vie", psm=11,
                                                        dpi=side.card.dpi, timeout=timeout))


def _at_expiry_label(lines: list[OcrLine]) -> Iterator[list[OcrWord]]:
    """The words of each line that holds the expiry's label ("Có giá trị đến: …") with what follows
    it on its row (a date read as a line of its own), and of the line just above one that holds its
    English half alone ("Date of expiry", printed under the date's line), or the band there when no
    line was read above it."""
    for number, line in enumerate(lines):
        folded = fold(line.text)
        if not any(fuzz.partial_ratio(label, folded) >= _EXPIRY_LABEL for label in ("co gia tri den", "date of expiry")):
            continue
        x, y, w, h = line.box
        others = lines[:number] + lines[number + 1:]
        after = [word for other in others for word in other.words
                 if abs(other.box[1] - y) <= h / 2 and 0 <= other.box[0] - (x + w) <= _WORD_GAP * h]
        yield [*line.words, *after]
        above = [other for other in others
                 if other.box[1] + other.box[3] <= y + 2 and other.box[0] < x + w and x < other.box[0] + other.box[2]]
        if above:
            yield list(max(above, key=lambda other: other.box[1] + other.box[3]).words)
        elif fuzz.partial_ratio("co gia tri den", folded) < _EXPIRY_LABEL:
            # The line above the English half was not read at all: the band where it is printed,
            # that line being about twice as long ("Có giá trị đến: 21/06/2030" over "Date of expiry").
            top = max(0, round(y - _EXPIRY_ABOVE[0] * h))
            yield [OcrWord("", 0.0, (max(0, x - h), top, round(_EXPIRY_ABOVE[1] * w), y - top))]


def _written_dates(text: str) -> Iterator[date]:
    """The real dates written in `text` as OCR read them ("14/O9/2029")."""
    for match in _DATE_LIKE.finditer(text):
        if (parsed := parse_date(match.group())) is not None:
            yield date.fromisoformat(parsed[0])


def _milestone_date(text: str, birth: date) -> str | None:
    """A date of `text` on the holder's 14th, 25th, 40th or 60th birthday, or NO_EXPIRY."""
    if "khong thoi han" in fold(text):
        return NO_EXPIRY
    for day in _written_dates(text):
        if (day.month, day.day) == (birth.month, birth.day) and day.year - birth.year in _MILESTONE_AGES:
            return day.isoformat()
    return None


def _near_milestone_date(text: str, birth: date) -> FieldValue | None:
    """A date of `text` in the year of the holder's 14th, 25th, 40th or 60th birthday and one digit
    of day and month off it ("14/05/2039" for a card of someone born 16/05/1979): that birthday, as
    a guess an officer checks. The year must be whole: the milestone years differ from each other
    and from the birth year by one digit ("2046", "2066")."""
    for match in _DATE_LIKE.finditer(text):
        digits = digits_from_ocr(re.sub(r"\D*[/.\-]\D*", "", match.group()))
        for age in _MILESTONE_AGES:
            try:
                milestone = birth.replace(year=birth.year + age)
            except ValueError:  # born on 29 February
                continue
            written = milestone.strftime("%d%m%Y")
            if digits[4:] == written[4:] and sum(a != b for a, b in zip(digits[:4], written)) == 1:
                return FieldValue(value=milestone.isoformat(), source=IdSource.PRINTED,
                                  confidence=_GUESSED, raw=match.group())
    return None


def _cross_checked(identity: Identity, qr_readings: list[QrReading],
                   mrz_readings: list[MrzReading]) -> Identity:
    """Two cards of different people in one document: every QR and MRZ ID number must agree."""
    numbers = {reading.fields["id_number"].value for reading in [*qr_readings, *mrz_readings]
               if "id_number" in reading.fields}
    if len(numbers) <= 1:
        return identity
    reasons = list(dict.fromkeys([*identity.review_reasons, ReviewReason.SOURCES_DISAGREE]))
    by_field = {**identity.field_reasons}
    by_field["id_number"] = list(dict.fromkeys([*by_field.get("id_number", []),
                                                ReviewReason.SOURCES_DISAGREE]))
    return identity.model_copy(update={"review_reasons": reasons, "field_reasons": by_field})
