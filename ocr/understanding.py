"""After the pages are read: what the document is, whose it is, and for a card, what it says.

Pure function over the file and its page texts, so the flow only has to call it. ID cards and
passports go through identity extraction (QR, MRZ, printed fields, fused); every document gets a
type and the list of valid 12-digit ID numbers it prints, which links it to people in the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from ocr.classify import MRZ_HINTS, Classification, card_doc_type, classify
from ocr.identity.mentions import id_numbers_in
from ocr.identity.probe import CardEvidence
from ocr.identity.reader import read_identity
from ocr.images import load_page
from schemas.document import FileKind, PageText
from schemas.identity import Identity
from schemas.vntext import fold


class Understanding(BaseModel):
    """Type, identity (cards only) and the personal ID numbers a document carries."""

    classification: Classification
    identity: Identity | None = None
    people: list[str] = []


def understand(path: Path, kind: FileKind, pages: list[PageText], *, dpi: int = 300,
               cards: Sequence[CardEvidence | None] = ()) -> Understanding:
    """Classify the document, read its identity if it is a card, and list the ID numbers it prints.

    `cards` is what each scanned page's image showed of a card (ocr.identity.probe): a page that
    looks like a card is read as one whatever its text says, and a card found so names the type.
    """
    text = "\n\n".join(page.text for page in pages)
    classification = classify(text)
    people = id_numbers_in(text)
    identity = None
    folded = fold(text)
    looked = any(card is not None and card.possible for card in cards)
    if classification.doc_type.is_identity_card or any(hint in folded for hint in MRZ_HINTS) or looked:
        images = [load_page(path, kind, page.number, pdf_dpi=dpi) for page in pages]
        identity = read_identity([(image.pixels, image.dpi) for image in images],
                                 [page.text for page in pages])
        if identity is not None and not classification.doc_type.is_identity_card:
            classification = Classification(doc_type=card_doc_type(identity.card_type), score=0.9)
    if identity is not None and identity.id_number is not None \
            and not identity.field_reasons.get("id_number"):
        people = [identity.id_number.value] + [n for n in people if n != identity.id_number.value]
    return Understanding(classification=classification, identity=identity, people=people)
