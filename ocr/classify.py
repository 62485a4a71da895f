"""What kind of paper a document is, from its text: headings matched on folded, OCR-tolerant text.

Administrative papers announce themselves in a heading ("GIẤY KHAI SINH", "XÁC NHẬN THÔNG TIN VỀ CƯ
TRÚ"): matching those headings fuzzily on the folded text survives Tesseract's usual damage (lost tone
marks, a wrong letter). ID cards are told apart by their own label sets (ocr.identity.printed).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from ocr.identity.printed import card_type_from_text
from schemas.document import DocType
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
    best, best_score = DocType.OTHER, 0.0
    for doc_type, cues in _HEADINGS.items():
        score = max(_heading_score(cue, folded) for cue in cues)
        if score > best_score:
            best, best_score = doc_type, score
    if best_score < _ACCEPT:
        return Classification(doc_type=DocType.OTHER, score=round(1 - best_score / 100, 2))
    return Classification(doc_type=best, score=round(best_score / 100, 2))


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
    opening = [" ".join(re.sub(r"[^\w]+", " ", fold(line)).split())
               for line in text.splitlines() if line.strip()][:_CARD_HEADING_LINES]
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
