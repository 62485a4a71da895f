"""Letters a card's font could not print: found as empty boxes on the image, restored from what a
Vietnamese card can say.

Some card printers use fonts with Western European letters only: every ơ, ư and every letter with a
dot or hook below or a stacked mark then prints as the font's missing-glyph box ("Đ□NG NG□C"), which
Tesseract reads as I, l, [], Ll or nothing, differently each time. On the image the box is plain to
see (a hollow rectangle as tall as a capital, walls even all round), so each one is painted over
with a "Z", a letter Vietnamese never writes and whose shape survives a half turn, which Tesseract
reads back reliably. Each word holding that marker is then matched against a card's vocabulary
(its labels, name syllables, the listed places, common street names): the printed letters must
agree and each marker stands for one letter the font lacks. A word that several entries fit is
settled by its neighbours (a whole place or street name); a name in capitals takes the most common
name syllable that fits; anything else keeps its marker, so nothing is guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cv2
import numpy as np

from ocr.identity.names import NAME_SYLLABLES
from ocr.identity.places import place_names
from ocr.identity.streets import STREETS
from schemas.vntext import nfc

# The letters of Vietnamese that fonts with only Latin-1 and Latin Extended-A lack (ơ, ư and the
# Latin Extended Additional block but ỳ, which such fonts carry).
UNPRINTABLE = frozenset("ơưƠƯ" + "".join(map(chr, range(0x1EA0, 0x1EFA)))) - {"Ỳ", "ỳ"}
MARKER = "z"

Box = tuple[int, int, int, int]  # x, y, width, height in pixels

# A missing-glyph box: a capital's height on a card (labels are ~1.2 mm tall, headings ~3 mm), narrower
# than tall, its outline filling its bounding box, one rectangular hole with walls of even thickness.
_HEIGHT_MM = (0.8, 4.5)
_WIDTH_OF_HEIGHT = (0.25, 0.95)
_SOLID = 0.85  # the outline's area over its bounding box's: a rectangle, not an O, 0 or D
_HOLE_SQUARE = 0.8  # the hole's area over its own bounding box's
_HOLE_SHARE = 0.25  # the hole's area over the box's: a box, not a blot
_WALL_SPREAD = 2.5  # thickest wall over the thinnest (plus a pixel): a frame, not a letter
_FONT = cv2.FONT_HERSHEY_SIMPLEX

# Card wording with letters such fonts lack (labels, headings, values and address words).
_CARD_WORDING = (
    "Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập Tự do Hạnh phúc", "Căn cước công dân",
    "Căn cước", "Giấy chứng minh nhân dân", "Số", "Số định danh cá nhân", "Họ và tên",
    "Họ, chữ đệm và tên khai sinh", "Ngày sinh", "Ngày, tháng, năm sinh", "Sinh ngày", "Giới tính",
    "Quốc tịch", "Quê quán", "Nguyên quán", "Nơi thường trú", "Nơi cư trú", "Nơi ĐKHK thường trú",
    "Nơi đăng ký khai sinh", "Có giá trị đến", "Không thời hạn", "Ngày, tháng, năm", "Nữ", "Nam",
    "Việt Nam", "Đặc điểm nhân dạng", "Dấu vết riêng và dị hình", "Dân tộc", "Tôn giáo", "Kinh",
    "Ngón trỏ trái", "Ngón trỏ phải", "Bộ Công an", "Cục trưởng cục cảnh sát quản lý hành chính về trật "
    "tự xã hội", "Giám đốc công an", "Thành phố", "Tỉnh", "Quận", "Huyện", "Thị xã", "Thị trấn",
    "Phường", "Xã", "Ấp", "Thôn", "Tổ", "Tổ dân phố", "Khu phố", "Khu", "Xóm", "Bản", "Khóm",
    "Đường", "Phố", "Ngõ", "Ngách", "Hẻm", "Kiệt", "Lô", "Căn hộ", "Tầng",
)
_LONGEST = 8  # words in the longest phrase tried around a marker
_WORD_RE = re.compile(r"[^\W\d_]+|\d+")
_TOKEN_RE = re.compile(r"[^\W_]+")
# What Tesseract confuses next to a box ("Hzl" for "H□I"), and the Icelandic eth it reads for Đ.
_LOOK_ALIKE = str.maketrans("l1|ð", "iiiđ")


# ---------------------------------------------------------------------------------------------------
# On the image


def missing_glyph_boxes(grey: np.ndarray, dpi: int) -> list[Box]:
    """The empty boxes a font prints for letters it lacks, on a card image at `dpi`."""
    px_per_mm = dpi / 25.4
    block = max(11, 2 * round(0.65 * px_per_mm) + 1)
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    found = []
    for outline, (_, _, hole, parent) in zip(contours, hierarchy[0]):
        x, y, w, h = cv2.boundingRect(outline)
        if parent != -1 or hole == -1 or hierarchy[0][hole][0] != -1 \
                or not _HEIGHT_MM[0] * px_per_mm <= h <= _HEIGHT_MM[1] * px_per_mm \
                or not _WIDTH_OF_HEIGHT[0] * h <= w <= _WIDTH_OF_HEIGHT[1] * h \
                or cv2.contourArea(outline) < _SOLID * w * h:
            continue
        hx, hy, hw, hh = cv2.boundingRect(contours[hole])
        hole_area = cv2.contourArea(contours[hole])
        walls = (hx - x, x + w - hx - hw, hy - y, y + h - hy - hh)
        if hole_area >= _HOLE_SQUARE * hw * hh and hole_area >= _HOLE_SHARE * w * h \
                and max(walls) <= _WALL_SPREAD * max(min(walls), 1) + 1:
            found.append((x, y, w, h))
    return found


def mark_missing_glyphs(grey: np.ndarray, dpi: int) -> tuple[np.ndarray, int]:
    """`grey` with each missing-glyph box painted over by a "Z" in the box's ink, and how many."""
    boxes = missing_glyph_boxes(grey, dpi)
    if not boxes:
        return grey, 0
    marked = grey.copy()
    for x, y, w, h in boxes:
        paper = int(np.median(grey[y + h // 3:y + h - h // 3, x + w // 3:x + w - w // 3]))
        ink = int(grey[y:y + h, x:x + w].min())
        marked[y:y + h, x:x + w] = paper
        thickness = max(1, round(h / 9))
        scale = min(cv2.getFontScaleFromHeight(_FONT, h - thickness, thickness),
                    cv2.getFontScaleFromHeight(_FONT, round((w + thickness) / 0.75), thickness))
        (width, height), _ = cv2.getTextSize("Z", _FONT, scale, thickness)
        cv2.putText(marked, "Z", (x + (w - width) // 2, y + h - (h - height) // 2), _FONT, scale, ink,
                    thickness, cv2.LINE_AA)
    return marked, len(boxes)


# ---------------------------------------------------------------------------------------------------
# In the text


def _key(word: str) -> str:
    """How a word reads with each letter the font lacks as the marker, look-alikes folded."""
    return "".join(MARKER if letter in UNPRINTABLE else letter for letter in word).lower() \
        .translate(_LOOK_ALIKE)


_Phrase = tuple[tuple[str, ...], str]  # its words, and where it comes from (_WORDING, _NAME...)
_WORDING, _NAME, _PLACE = "wording", "name", "place"


@lru_cache(maxsize=1)
def _vocabulary() -> dict[tuple[str, ...], frozenset[_Phrase]]:
    """Marked keys of phrases (and of their single words) → the phrases that read so."""
    index: dict[tuple[str, ...], set[_Phrase]] = {}
    sources = ((_CARD_WORDING, _WORDING), (NAME_SYLLABLES, _NAME), (place_names(), _PLACE),
               (STREETS, _PLACE))
    for phrases, source in sources:
        for phrase in phrases:
            words = tuple(_WORD_RE.findall(nfc(phrase)))
            if not any(letter in UNPRINTABLE for word in words for letter in word):
                continue
            index.setdefault(tuple(_key(word) for word in words), set()).add((words, source))
            for word in words:
                if any(letter in UNPRINTABLE for letter in word):
                    index.setdefault((_key(word),), set()).add(((word,), source))
    return {key: frozenset(found) for key, found in index.items()}


@lru_cache(maxsize=1)
def _name_rank() -> dict[str, int]:
    """Name syllables (upper case) by how common they are (the list's order)."""
    rank: dict[str, int] = {}
    for position, syllable in enumerate(NAME_SYLLABLES):
        rank.setdefault(nfc(syllable).upper(), position)
    return rank


def _cased(like: str, word: str, capitals: bool) -> str:
    """`word` in the case of the token it replaces (all capitals on a line of capitals)."""
    letters = [letter for letter in like if letter.isalpha() and letter.lower() != MARKER]
    if capitals or (len(letters) >= 2 and all(letter.isupper() for letter in letters)):
        return word.upper()
    return (word[0].upper() if like[:1].isupper() else word[0].lower()) + word[1:]


def _phrases(key: tuple[str, ...], sources: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {words for words, source in _vocabulary().get(key, frozenset()) if source in sources}


def _single(key: str, capitals: bool) -> str | None:
    """The one word a marked token can be: on a line of capitals (a name, a heading) the most common
    name syllable that fits, else the card's own wording; elsewhere the only word that fits, else
    the card's own wording ("Sz" is "Số" before a house number, not "Sở")."""
    if capitals and (names := _phrases((key,), (_NAME,))):
        return min((word for (word,) in names), key=lambda word: _name_rank()[word.upper()])
    for sources in ((_WORDING,) if capitals else (_WORDING, _NAME, _PLACE), (_WORDING,)):
        found = _phrases((key,), sources)
        if len({word.lower() for (word,) in found}) == 1:
            return next(iter(found))[0]
    return None


def restore_line(text: str) -> str:
    """One OCR line with every marked word restored where the vocabulary says which word it is:
    first as part of a phrase around it (card wording, a place or street; headings only on a line of
    capitals, where names are), then alone. Spaces and punctuation stay as read."""
    tokens = list(_TOKEN_RE.finditer(text))
    keys = [token.group().lower().translate(_LOOK_ALIKE) for token in tokens]
    letters = [letter for key, token in zip(keys, tokens) for letter in token.group()
               if letter.isalpha() and letter.lower() != MARKER]
    capitals = len(letters) >= 3 and sum(letter.isupper() for letter in letters) >= 0.8 * len(letters)
    sources = (_WORDING,) if capitals else (_WORDING, _PLACE)
    restored = [token.group() for token in tokens]
    done = [MARKER not in key for key in keys]
    for i in range(len(tokens)):
        if done[i]:
            continue
        for length in range(min(_LONGEST, len(tokens)), 1, -1):
            fits = [(start, phrase) for start in range(max(0, i - length + 1), min(i, len(tokens) - length) + 1)
                    if len(phrase := _phrases(tuple(keys[start:start + length]), sources)) == 1]
            if len(fits) == 1:
                start, (phrase,) = fits[0][0], fits[0][1]
                for j, word in enumerate(phrase, start):
                    restored[j], done[j] = _cased(restored[j], word, capitals), True
                break
        if not done[i] and (word := _single(keys[i], capitals)) is not None:
            restored[i], done[i] = _cased(restored[i], word, capitals), True
    pieces, position = [], 0
    for token, word in zip(tokens, restored):
        pieces += [text[position:token.start()], word]
        position = token.end()
    return "".join(pieces) + text[position:]
