"""What kind of paper a document is, from its text: headings matched on folded, OCR-tolerant text.

Administrative papers announce themselves in a heading ("GIẤY KHAI SINH", "XÁC NHẬN THÔNG TIN VỀ CƯ
TRÚ"): matching those headings fuzzily on the folded text survives Tesseract's usual damage (lost tone
marks, a wrong letter). ID cards are told apart by their own label sets (ocr.identity.printed).
"""

from __future__ import annotations

import re
from itertools import groupby

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from ocr.identity.printed import card_type_from_text
from schemas.document import DocType, PageText, Word
from schemas.identity import CardType
from schemas.vntext import fold

# Headings (folded) per type; the strongest match over all of a type's cues is its score.
_HEADINGS: dict[DocType, tuple[str, ...]] = {
    DocType.BIRTH_CERTIFICATE: ("giay khai sinh", "trich luc khai sinh"),
    DocType.MARRIAGE_CERTIFICATE: ("giay chung nhan ket hon", "trich luc ket hon"),
    DocType.LAND_USE_CERTIFICATE: (
        "giay chung nhan quyen su dung dat", "quyen so huu nha o va tai san khac gan lien voi dat"),
    DocType.BUSINESS_REGISTRATION: (
        "giay chung nhan dang ky doanh nghiep", "ma so doanh nghiep", "giay chung nhan dang ky ho kinh doanh"),
    DocType.RESIDENCE_CONFIRMATION: ("xac nhan thong tin ve cu tru", "mau ct07"),
    DocType.JUDICIAL_RECORD: ("phieu ly lich tu phap",),
}
# An application names the paper it asks for ("TỜ KHAI ĐĂNG KÝ KHAI SINH", "ĐƠN ĐỀ NGHỊ CẤP GIẤY
# CHỨNG NHẬN..."): its own title word comes first. Whole words, folded.
_APPLICATION = re.compile(r"(to khai|don de nghi|don xin|don dang ky|don yeu cau|giay de nghi|"
                          r"phieu de nghi|phieu yeu cau|van ban de nghi)\b")
_TITLE_LINES = 10  # motto, office, number, date: the title is within the first lines
_CARD_TYPES = {
    CardType.CMND9: DocType.ID_CMND9, CardType.CCCD2016: DocType.ID_CCCD2016,
    CardType.CCCD2021: DocType.ID_CCCD2021, CardType.CANCUOC2024: DocType.ID_CANCUOC2024,
    CardType.PASSPORT: DocType.PASSPORT,
}
_CARD_MAX_CHARS = 1200  # both sides of a card OCR to well under this; a typed page to far more
_CARD_HEADING_LINES = 6  # motto (2 lines), card name (1-2 lines, bilingual), a stray line or two
_CARD_HEADINGS = ("can cuoc cong dan", "citizen identity card", "can cuoc", "identity card",
                  "giay chung minh nhan dan", "chung minh nhan dan", "ho chieu", "passport")
MRZ_HINTS = ("idvnm", "p<vnm")  # the start of a Vietnamese card MRZ or passport MRZ
_ACCEPT = 85.0  # partial_ratio on folded text; below this a heading is not considered found
_HEAD_CHARS = 600  # headings sit at the top: matching there first avoids a body that cites a paper


class Classification(BaseModel):
    """The document type and how sure we are (0-1)."""

    doc_type: DocType
    score: float = Field(ge=0.0, le=1.0)


def classify(text: str) -> Classification:
    """Classify a document from its (OCR'd or text-layer) text."""
    folded = " ".join(re.sub(r"[^\w<]+", " ", fold(text)).split())
    card = _card_type(text, folded)
    if card in _CARD_TYPES:
        return Classification(doc_type=_CARD_TYPES[card], score=0.95)
    if (application := _application_title(text)) is not None:
        return application
    best, best_score = DocType.OTHER, 0.0
    for doc_type, cues in _HEADINGS.items():
        score = max(_heading_score(cue, folded) for cue in cues)
        if score > best_score:
            best, best_score = doc_type, score
    if best_score < _ACCEPT:
        return Classification(doc_type=DocType.OTHER, score=round(1 - best_score / 100, 2))
    return Classification(doc_type=best, score=round(best_score / 100, 2))


def _application_title(text: str) -> Classification | None:
    """An application when a line near the top opens with its title word ("TỜ KHAI ...", "ĐƠN ĐỀ
    NGHỊ ...") before any line naming a certificate (a birth certificate citing "tờ khai" in its
    body, a letter mentioning "đơn xin", stay what they are)."""
    for line in _opening_lines(text, _TITLE_LINES):
        if _APPLICATION.match(line):
            return Classification(doc_type=DocType.APPLICATION, score=0.9)
        if any(cue in line for cues in _HEADINGS.values() for cue in cues):
            return None
    return None


def _opening_lines(text: str, count: int) -> list[str]:
    """The first `count` non-blank lines, folded to plain words (only those are folded: pages are long)."""
    lines = []
    for line in text.splitlines():
        if len(lines) == count:
            break
        if line.strip():
            lines.append(_plain_words(line))
    return lines


def _plain_words(text: str) -> str:
    """Folded words separated by single spaces, punctuation dropped."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())


def card_doc_type(card_type: CardType) -> DocType:
    """The document type of a card whose kind the identity reader told (the chip CCCD when unsure:
    the commonest card in dossiers)."""
    return _CARD_TYPES.get(card_type, DocType.ID_CCCD2021)


def _card_type(text: str, folded: str) -> CardType:
    """A card's type, only for text that looks like a card: a machine-readable zone, or a short text
    whose opening names the card.

    Letters and forms often name a card in their body ("bản sao căn cước công dân"); a card itself
    holds a few hundred characters and says what it is right under the national motto.
    """
    if any(hint in folded for hint in MRZ_HINTS):
        return card_type_from_text(text)
    if len(folded) > _CARD_MAX_CHARS:
        return CardType.UNKNOWN
    opening = _opening_lines(text, _CARD_HEADING_LINES)
    return card_type_from_text(text) if any(map(_is_card_heading, opening)) else CardType.UNKNOWN


def _is_card_heading(line: str) -> bool:
    """A line that is a card's name (possibly bilingual, possibly OCR-damaged), not a sentence."""
    return any(fuzz.ratio(cue, line) >= 80 or (cue in line and len(line) <= len(cue) + 25)
               for cue in _CARD_HEADINGS)


def _heading_score(cue: str, folded: str) -> float:
    """A heading near the top counts fully; the same words deep in the body only break ties."""
    head = fuzz.partial_ratio(cue, folded[:_HEAD_CHARS])
    anywhere = fuzz.partial_ratio(cue, folded) * 0.8  # never enough on its own
    return max(head, anywhere)


# The heading is looked for in the top part of the first page: the first line of capitals below the
# national motto (the issuing office's name sits beside the motto, in capitals too).
_HEADING_ZONE = 0.5  # of the page's height
_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc")
_HEADING_CHARS = 160


def heading(page: PageText) -> str | None:
    """The title printed at the top of a page ("GIẤY ỦY QUYỀN"), told by where it stands and how it
    is set: the first line of capitals below the national motto (anywhere near the top when there is
    none), with the next line when the title runs on in capitals. Tells papers of no known type
    apart in a list. None when no line looks like a title."""
    lines = [list(words) for _, words in groupby(page.words, key=lambda w: (w.block, w.line))]
    top = [(line, _is_motto(line)) for line in lines if page.height and line[0].top < _HEADING_ZONE * page.height]
    motto_ends = max((line[0].top + line[0].height for line, motto in top if motto), default=0)
    titles = [line for line, motto in top if line[0].top >= motto_ends and not motto and _in_capitals(line)]
    if not titles:
        return None
    chosen = titles[:1]
    if len(titles) > 1 and titles[1][0].top - chosen[0][0].top < 2.5 * chosen[0][0].height:
        chosen.append(titles[1])
    return " ".join(w.text for line in chosen for w in line)[:_HEADING_CHARS]


def _is_motto(line: list[Word]) -> bool:
    words = _plain_words(" ".join(w.text for w in line))
    return any(fuzz.partial_ratio(motto, words) >= 85 for motto in _MOTTO)


def _in_capitals(line: list[Word]) -> bool:
    letters = [ch for w in line for ch in w.text if ch.isalpha()]
    return len(line) >= 2 and len(letters) >= 6 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
