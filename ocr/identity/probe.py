"""A cheap look at a page image: does it show an identity card? Decided from the image, not the text.

Page text depends on reading order and on the card lying upright; a card askew on an A4 photocopy OCRs
to garbage before it is cut out and turned. So every scanned page is probed before anything is read
from it: a QR code that decodes to a CCCD/Căn cước payload, card outlines (ISO ID-1 proportions, any
angle, several per page) and a machine-readable zone (on the page when it is card-shaped, else on each
rectified outline). A certain sign (QR, MRZ) makes the page a card; an outline or a card-shaped page
makes it a candidate whose cut-out is read for card labels (ocr.identity.reader). Letters that cite a
card number show none of these, so they stay letters.
"""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import BaseModel

from ocr.identity.barcode import read_qr
from ocr.identity.locate import find_card_quads, rectify
from ocr.identity.mrz_reader import find_mrz_band
from ocr.identity.qr import parse_qr_payload
from ocr.images import card_shaped, to_grey

_PROBE_CARD_WIDTH = 800  # px of a rectified outline when looking for its MRZ band


class CardEvidence(BaseModel):
    """What a page image shows of an identity card."""

    qr: bool = False  # a QR code decoded to a CCCD / Căn cước payload
    mrz: bool = False  # a machine-readable zone band (on the card-shaped page or an outline)
    outlines: int = 0  # card-shaped regions found on the page
    card_shaped: bool = False  # the page itself has a card's proportions (a card scanned alone)

    @property
    def certain(self) -> bool:
        return self.qr or self.mrz

    @property
    def possible(self) -> bool:
        """Worth reading as a card: certain, or a card outline or card-shaped page to check."""
        return self.certain or self.outlines > 0 or self.card_shaped


def probe_card(pixels: np.ndarray, dpi: int) -> CardEvidence:
    """Look for a card on a page image (grey or RGB) at `dpi`; tens of milliseconds on an A4 page."""
    code = read_qr(to_grey(pixels))
    qr = code is not None and "id_number" in parse_qr_payload(code.text).fields
    shaped = card_shaped(pixels.shape[1], pixels.shape[0])
    quads = find_card_quads(pixels, dpi, quick=True)
    mrz = False
    if not qr:
        cards = [pixels] if shaped and not quads else [rectify(pixels, quad, _PROBE_CARD_WIDTH) for quad in quads]
        mrz = any(find_mrz_band(_upright_either_way(card)) is not None for card in cards)
    return CardEvidence(qr=qr, mrz=mrz, outlines=len(quads), card_shaped=shaped)


def _upright_either_way(card: np.ndarray) -> np.ndarray:
    """The MRZ band finder reports upside-down bands itself; a portrait cut-out is turned landscape."""
    return cv2.rotate(card, cv2.ROTATE_90_CLOCKWISE) if card.shape[0] > card.shape[1] else card
