"""Letters a card's font could not print: found as empty boxes on the image, restored from what a
Vietnamese card can say.

Some card printers use fonts with Western European letters only: every ơ, ư and every letter with a
dot or hook below or a stacked mark then prints as the font's missing-glyph box ("Đ□NG NG□C"), which
Tesseract reads as I, l, [], Ll or nothing, differently each time. On the image the box is plain to
see (a hollow rectangle as tall as a capital, walls even all round), so each one is painted over
with a "Z", a letter Vietnamese never writes and whose shape survives a half turn, which Tesseract
mostly reads back as Z (as 7 or a slash when narrow: forgiven between letters). Each word holding
that marker is then matched against a card's vocabulary (its labels, name syllables, the listed
places, common street names): the printed letters must agree and each marker stands for one letter
the font lacks. A word that several entries fit is settled by its neighbours (a whole place, street
or label); a name in capitals takes the most common name syllable that fits; anything else keeps its
marker, so nothing is guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cv2
import numpy as np

from ocr.identity.names import NAME_SYLLABLES, has_name_letters
from ocr.identity.places import place_names
from ocr.identity.streets import STREETS
from schemas.vntext import fold, nfc

# The letters of Vietnamese that fonts with only Latin-1 and Latin Extended-A lack (ơ, ư and the
# Latin Extended Additional block but ỳ, which such fonts carry).
UNPRINTABLE = frozenset("ơưƠƯ" + "".join(map(chr, range(0x1EA0, 0x1EFA)))) - {"Ỳ", "ỳ"}
MARKER = "z"

Box = tuple[int, int, int, int]  # x, y, width, height in pixels

# A missing-glyph box: a capital's height on a card (labels are ~1.2 mm tall, headings ~3 mm), narrower
# than tall, its outline filling its bounding box, one rectangular hole with walls of even thickness.
_HEIGHT_MM = (0.8, 4.5)
_WIDTH_OF_HEIGHT = (0.25, 0.95)
_SOLID = 0.8  # the outline's area over its bounding box's: a rectangle, not an O, 0 or D
_HOLE_SQUARE = 0.7  # the hole's area over its own bounding box's
_HOLE_SHARE = 0.25  # the hole's area over the box's: a box, not a blot
_WALL_SPREAD = 2.5  # thickest wall over the thinnest (plus a pixel): a frame, not a letter
_CORNER = 0.2  # side of the square looked at in each corner, as a share of the box's narrower side
_CORNER_INK = 0.35  # share of ink in each corner square: square corners, not a D's round ones
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_UPSCALE = 2
_OFFSET = 0.06  # how far below its neighbourhood's mean a pixel is ink, as a share of the contrast
_OFFSET_RANGE = (4.0, 12.0)

# Card wording with letters such fonts lack: headings (read as phrases only) and labels.
_HEADINGS = (
    "Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập Tự do Hạnh phúc", "Căn cước công dân",
    "Căn cước", "Giấy chứng minh nhân dân", "Bộ Công an",
    "Cục trưởng cục cảnh sát quản lý hành chính về trật tự xã hội", "Giám đốc công an",
)
_LABELS = (
    "Số định danh cá nhân", "Họ và tên", "Họ, chữ đệm và tên khai sinh", "Ngày sinh",
    "Ngày, tháng, năm sinh", "Sinh ngày", "Giới tính", "Quốc tịch", "Quê quán", "Nguyên quán",
    "Nơi thường trú", "Nơi cư trú", "Nơi ĐKHK thường trú", "Nơi đăng ký khai sinh", "Có giá trị đến",
    "Không thời hạn", "Ngày, tháng, năm", "Việt Nam", "Đặc điểm nhân dạng", "Dấu vết riêng và dị hình",
    "Dân tộc", "Tôn giáo", "Ngón trỏ trái", "Ngón trỏ phải",
)
# Words a card's values are made of besides names and places: the sex, unit types and the parts of
# an address. A marked word that several entries fit and one of these is one of these ("Sz 12" is
# "Số 12", not "Sở").
_VALUE_WORDS = (
    "Nữ", "Số", "Thành phố", "Tỉnh", "Quận", "Huyện", "Thị xã", "Thị trấn", "Phường", "Ấp", "Thôn",
    "Tổ", "Tổ dân phố", "Khu phố", "Xóm", "Bản", "Đường", "Phố", "Ngõ", "Ngách", "Hẻm", "Lô",
    "Căn hộ", "Tầng",
)
_LONGEST = 8  # words in the longest phrase tried around a marker
_WORD_RE = re.compile(r"[^\W\d_]+|\d+")
_TOKEN_RE = re.compile(r"[^\W_]+(?:/[^\W_]+)*")  # "Đ/NG": a marker read as a slash joins its word
# What a narrow marker reads as between two letters: a 7 or a slash ("Ph77ng", "Đ/NG", not "7A").
_MARKER_LIKE = re.compile(r"(?<=[^\W\d_])[7/]+(?=[^\W\d_])")
# What Tesseract confuses next to a box ("Hzl" for "H□I", "NGUYzÑN"), and the Icelandic eth it reads
# for Đ; the inverted marks it adds beside a marker at times ("NGZ¿C") are dropped.
_LOOK_ALIKE = str.maketrans("l1|ðñ", "iiiđn")
_JUNK = str.maketrans("", "", "¿¡")


# ---------------------------------------------------------------------------------------------------
# On the image


def missing_glyph_boxes(grey: np.ndarray, dpi: int) -> list[Box]:
    """The empty boxes a font prints for letters it lacks, on a card image at `dpi`."""
    # Thin outlines of small boxes break up when thresholded at a card's usual 300-500 dpi: look at
    # a copy of twice the size, where a 1-pixel line is two soft pixels that hold together.
    grey = cv2.resize(grey, None, fx=_UPSCALE, fy=_UPSCALE, interpolation=cv2.INTER_CUBIC)
    px_per_mm = _UPSCALE * dpi / 25.4
    block = max(11, 2 * round(0.65 * px_per_mm) + 1)
    # Ink is what stands out of its surroundings by a share of the card's own contrast: a faint,
    # soft copy has less of it than a crisp print.
    paper, darkest = np.percentile(grey, (90, 1))
    offset = float(np.clip(_OFFSET * (paper - darkest), *_OFFSET_RANGE))
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block,
                                offset)
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
                and max(walls) <= _WALL_SPREAD * max(min(walls), 1) + 1 \
                and _square_corners(ink[y:y + h, x:x + w]):
            left, top = x // _UPSCALE, y // _UPSCALE
            found.append((left, top, -(-(x + w) // _UPSCALE) - left, -(-(y + h) // _UPSCALE) - top))
    return found


def _square_corners(ink: np.ndarray) -> bool:
    """Whether all four corners of a glyph's box are inked, as a frame's are and a D's are not."""
    side = max(2, round(_CORNER * min(ink.shape)))
    corners = (ink[:side, :side], ink[:side, -side:], ink[-side:, :side], ink[-side:, -side:])
    return all(np.count_nonzero(corner) >= _CORNER_INK * corner.size for corner in corners)


def mark_missing_glyphs(grey: np.ndarray, dpi: int) -> tuple[np.ndarray, int]:
    """`grey` with each missing-glyph box painted over by a "Z" in the box's ink, and how many."""
    boxes = missing_glyph_boxes(grey, dpi)
    if not boxes:
        return grey, 0
    marked = grey.copy()
    for x, y, w, h in boxes:
        paper = int(np.median(grey[y + h // 3:y + h - h // 3, x + w // 3:x + w - w // 3]))
        ink = int(grey[y:y + h, x:x + w].min())
        pad = 1 + h // 20  # the outline's anti-aliased edge
        marked[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad] = paper
        marked[y:y + h, x:x + w] = np.minimum(marked[y:y + h, x:x + w], _marker(w, h, paper, ink))
    return marked, len(boxes)


def _marker(width: int, height: int, paper: int, ink: int) -> np.ndarray:
    """A bold "Z" as tall as a capital squeezed into `width` (a small z between capitals would read
    as lower case, or not at all)."""
    thickness = max(1, round(4 * height / 9))
    canvas = np.full((8 * height, 8 * height), 255, np.uint8)
    scale = cv2.getFontScaleFromHeight(_FONT, 4 * height, thickness)
    cv2.putText(canvas, "Z", (thickness, 8 * height - 2 * thickness), _FONT, scale, 0, thickness,
                cv2.LINE_AA)
    rows, columns = np.nonzero(canvas < 128)
    glyph = canvas[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
    glyph = cv2.resize(glyph, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return np.round(ink + (paper - ink) * glyph).astype(np.uint8)


# ---------------------------------------------------------------------------------------------------
# In the text


def _key(word: str) -> str:
    """How a word reads with each letter the font lacks as the marker, look-alikes folded."""
    return "".join(MARKER if letter in UNPRINTABLE else letter for letter in word).lower() \
        .translate(_LOOK_ALIKE)


_Phrase = tuple[tuple[str, ...], str]  # its words, and where it comes from (_HEADING, _NAME...)
_HEADING, _LABEL, _VALUE, _NAME, _PLACE = "heading", "label", "value", "name", "place"


@lru_cache(maxsize=1)
def _vocabulary() -> dict[tuple[str, ...], frozenset[_Phrase]]:
    """Marked keys of phrases (and of their single words) → the phrases that read so."""
    index: dict[tuple[str, ...], set[_Phrase]] = {}
    sources = ((_HEADINGS, _HEADING), (_LABELS, _LABEL), (_VALUE_WORDS, _VALUE),
               (NAME_SYLLABLES, _NAME), (place_names(), _PLACE), (STREETS, _PLACE))
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
    """`word` in the case of the token it replaces."""
    if capitals:
        return word.upper()
    return (word[0].upper() if like[:1].isupper() else word[0].lower()) + word[1:]


def _phrases(key: tuple[str, ...], sources: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {words for words, source in _vocabulary().get(key, frozenset()) if source in sources}


def _single(key: str, capitals: bool) -> str | None:
    """The one word a marked token can be: in capitals (a name, a heading) the most common name
    syllable that fits, else a heading's word; elsewhere the only word that fits, else the one
    value word ("Sz 12" is "Số 12", not "Sở"), else the one label word that does."""
    if capitals and (names := _phrases((key,), (_NAME,))):
        return min((word for (word,) in names), key=lambda word: _name_rank()[word.upper()])
    choices = ((_HEADING,),) if capitals else \
        ((_HEADING, _LABEL, _VALUE, _NAME, _PLACE), (_VALUE,), (_LABEL,))
    for sources in choices:
        found = _phrases((key,), sources)
        if len({word.lower() for (word,) in found}) == 1:
            return next(iter(found))[0]
    return None


def _in_capitals(tokens: list[str]) -> list[bool]:
    """Per token: written in capitals (its letters but the marker and an l, Tesseract's I, all upper
    case; a token of one such letter only beside another token in capitals), as names and headings
    are."""
    letters = [[letter for letter in token if letter.isalpha() and letter.lower() != MARKER
                and letter != "l"] for token in tokens]
    upper = [bool(found) and all(letter.isupper() for letter in found) for found in letters]
    sure = [is_upper and len(found) >= 2 for is_upper, found in zip(upper, letters)]
    return [upper[i] and (sure[i] or any(sure[max(0, i - 1):i + 2])) for i in range(len(tokens))]


def _token_key(token: str) -> str:
    """A token as read, keyed like the vocabulary (a 7 or slash between letters taken for a marker)."""
    between = _MARKER_LIKE.sub(lambda found: MARKER * len(found.group()), token)
    return between.lower().translate(_LOOK_ALIKE)


def _near(key: str) -> list[str]:
    """`key`, then the keys it may be when Tesseract lost or added an i (or its look-alike l, I)
    beside a marker ("Giz" for "Gi□i", a narrow letter crowded by the marker), or read one marker
    twice (its edge as a slash: "NG/ZC" for "NG□C")."""
    lost = {key[:at] + "i" + key[at:] for at in range(len(key) + 1)
            if key[at - 1:at] == MARKER or key[at:at + 1] == MARKER}
    added = {key[:at] + key[at + 1:] for at in range(len(key))
             if key[at] == "i" and MARKER in (key[at - 1:at], key[at + 1:at + 2])}
    twice = {key[:at] + key[at + 1:] for at in range(len(key) - 1) if key[at] == key[at + 1] == MARKER}
    return [key, *sorted(lost - {key}), *sorted(added - {key}), *sorted(twice - {key})]


# What OCR reads for one box it did not see as such: nothing, one character, or its sides as strokes.
_BOX_READ = r"(?:[il|\[\]1!]{1,2}|.)?"


@lru_cache(maxsize=1)
def _boxed_name_patterns() -> list[tuple[re.Pattern[str], int, str]]:
    """Per name syllable with letters such fonts lack: a pattern of its folded letters with each such
    letter as a box's read, how many letters it prints, and the syllable."""
    found = []
    for syllable in dict.fromkeys(nfc(syllable).upper() for syllable in NAME_SYLLABLES):
        if any(letter in UNPRINTABLE for letter in syllable):
            pattern = "".join(_BOX_READ if letter in UNPRINTABLE else re.escape(fold(letter)) for letter in syllable)
            found.append((re.compile(pattern), sum(letter not in UNPRINTABLE for letter in syllable), syllable))
    return found


def card_wording(text: str) -> bool:
    """Whether `text` is a run of words of a card's printed headings or labels ("CHỦ NGHĨA VIỆT
    NAM", "VIỆT NAM"), marks and case aside: wording every card prints, never a value."""
    words = f" {' '.join(fold(text).split())} "
    return words.strip() != "" and any(words in f" {fold(phrase)} " for phrase in (*_HEADINGS, *_LABELS))


def boxed_name_syllable(word: str) -> str | None:
    """The name syllable a word in capitals reads as when its font's boxes were not found on the
    image and OCR read each as nothing, a letter or strokes ("NGUYIIN" NGUYỄN, "TRŨN" TRẦN, "QURC"
    QUỐC): of those that fit, one printing most of the word's letters, then with the fewest boxes,
    then the most common; None when none fits, or when the word's letters are a name syllable's (its
    marks misread, not boxed)."""
    if has_name_letters(word):
        return None
    letters = fold(word)
    fits = [(printed, syllable) for pattern, printed, syllable in _boxed_name_patterns() if pattern.fullmatch(letters)]
    most = max((printed for printed, _ in fits), default=0)
    # Of those, the one whose fewest boxes OCR must have lost (each box read as nothing is a miss of
    # its own: "TRNG" is TRỌNG before TRƯƠNG), then the most common.
    return min((syllable for printed, syllable in fits if printed == most), key=len, default=None)


def restore_line(text: str) -> str:
    """One OCR line with every marked word restored where the vocabulary says which word it is:
    first as part of a phrase around it (a label, heading, place or street; for a word in capitals,
    a name or a heading, only a heading), then alone. Spaces and punctuation stay as read."""
    text = nfc(text).translate(_JUNK)
    tokens = list(_TOKEN_RE.finditer(text))
    keys = [_token_key(token.group()) for token in tokens]
    restored = [token.group() for token in tokens]
    capitals = _in_capitals(restored)
    done = [MARKER not in key for key in keys]
    for i in range(len(tokens)):
        if done[i]:
            continue
        sources = (_HEADING,) if capitals[i] else (_HEADING, _LABEL, _VALUE, _PLACE)
        for length in range(min(_LONGEST, len(tokens)), 1, -1):
            fits = [(start, next(iter(phrase))) for start in
                    range(max(0, i - length + 1), min(i, len(tokens) - length) + 1)
                    if len(phrase := _phrases(tuple(keys[start:start + length]), sources)) == 1]
            if len(fits) == 1:
                start, phrase = fits[0]
                for j, word in enumerate(phrase, start):
                    restored[j], done[j] = _cased(restored[j], word, capitals[j]), True
                break
            if fits and len(words := {phrase[i - start] for start, phrase in fits}) == 1:
                # Phrases overlapping differently agree on this word ("Đông Thz, Thanh Hóa": both
                # "Đông Thọ" and "Thọ Thanh" are places).
                restored[i], done[i] = _cased(restored[i], words.pop(), capitals[i]), True
                break
        if not done[i] and (word := next(filter(None, (_single(key, capitals[i])
                                                       for key in _near(keys[i]))), None)):
            restored[i], done[i] = _cased(restored[i], word, capitals[i]), True
    pieces, position = [], 0
    for token, word in zip(tokens, restored):
        pieces += [text[position:token.start()], word]
        position = token.end()
    return "".join(pieces) + text[position:]
