"""OCR accuracy metrics: the 98% character accuracy rule (DESIGN 5.6) is checked with `cer`.

Both texts are NFC-normalised and whitespace-collapsed first, so an NFD hypothesis or a different
line wrapping is not counted as an error: only what a reader would see as different is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

_SPACE_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """NFC with every run of whitespace (newlines, form feeds, tabs) reduced to one space."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _error_rate(reference: Sequence[str], hypothesis: Sequence[str]) -> float:
    """Edit distance over the reference length; an empty reference is 0 when matched, else 1."""
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return Levenshtein.distance(reference, hypothesis) / len(reference)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edits to turn `hypothesis` into `reference`, per reference character.

    A wrong tone mark (phủ/phú) is one substitution, since NFC makes each syllable letter one code
    point. The value can exceed 1 when the hypothesis is much longer than the reference.
    """
    return _error_rate(_normalise(reference), _normalise(hypothesis))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edits per reference word (words split on whitespace)."""
    return _error_rate(_normalise(reference).split(), _normalise(hypothesis).split())
