"""After the pages are read: what the document is, whose it is, and for a card, what it says.

Pure function over the file and its page texts, so the flow only has to call it. ID cards and
passports go through identity extraction (QR, MRZ, printed fields, fused); every document gets a
type and the list of valid 12-digit ID numbers it prints, which links it to people in the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel

from ocr.classify import MRZ_HINTS, Classification, card_doc_type, classify, heading
from ocr.identity.mentions import id_numbers_in
from ocr.identity.probe import CardEvidence
from ocr.identity.reader import read_card
from ocr.images import encode_jpeg, load_page
from schemas.document import FileKind, PageText
from schemas.identity import Identity
from schemas.vntext import fold


class Understanding(BaseModel):
    """Type, identity (cards only) and the personal ID numbers a document carries."""

    classification: Classification
    identity: Identity | None = None
    people: list[str] = []
    card_picture: bytes | None = None  # JPEG of the card sides read, upright, one above the other
    heading: str | None = None  # the title printed at the top of the first page


def understand(path: Path, kind: FileKind, pages: list[PageText], *, dpi: int = 300,
               cards: Sequence[CardEvidence | None] = ()) -> Understanding:
    """Classify the document, read its identity if it is a card, and list the ID numbers it prints.

    `cards` is what each scanned page's image showed of a card (ocr.identity.probe): a page that
    looks like a card is read as one whatever its text says, and a card found so names the type.
    """
    text = "\n\n".join(page.text for page in pages)
    classification = classify(text)
    people = id_numbers_in(text)
    identity = picture = None
    folded = fold(text)
    looked = any(card is not None and card.possible for card in cards)
    if classification.doc_type.is_identity_card or any(hint in folded for hint in MRZ_HINTS) or looked:
        images = [load_page(path, kind, page.number, pdf_dpi=dpi) for page in pages]
        reading = read_card([(image.pixels, image.dpi) for image in images], [page.text for page in pages])
        identity = reading.identity if reading is not None else None
        picture = card_picture(reading.faces) if reading is not None else None
        if identity is not None and not classification.doc_type.is_identity_card:
            classification = Classification(doc_type=card_doc_type(identity.card_type), score=0.9)
    if identity is not None and identity.id_number is not None \
            and not identity.field_reasons.get("id_number"):
        people = [identity.id_number.value] + [n for n in people if n != identity.id_number.value]
    return Understanding(classification=classification, identity=identity, people=people,
                         card_picture=picture, heading=heading(pages[0]) if pages else None)


_PICTURE_WIDTH = 1000  # px per card side shown: about 300 dpi, the print sharp when zoomed
_PICTURE_GAP = 16  # px of white between two sides


def card_picture(faces: Sequence[np.ndarray]) -> bytes | None:
    """The card sides as one JPEG, each scaled to the same width, one above the other; None for none."""
    if not faces:
        return None
    scaled = [cv2.resize(face, (_PICTURE_WIDTH, round(face.shape[0] * _PICTURE_WIDTH / face.shape[1])),
                         interpolation=cv2.INTER_AREA) for face in faces]
    coloured = [face if face.ndim == 3 else cv2.cvtColor(face, cv2.COLOR_GRAY2RGB) for face in scaled]
    gap = np.full((_PICTURE_GAP, _PICTURE_WIDTH, 3), 255, np.uint8)
    stacked = np.vstack([part for face in coloured for part in (gap, face)][1:])
    return encode_jpeg(stacked, quality=85)
