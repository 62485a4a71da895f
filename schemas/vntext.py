"""Vietnamese text normalization: one NFC form for display, one folded key for search (DESIGN 5.8)."""

from __future__ import annotations

import re
import unicodedata

# Old-style tone placement ("hoà", "thuý") versus the new style ("hòa", "thúy"): both are correct
# Vietnamese and both occur in scans, so they are unified before any comparison.
_OLD_TO_NEW_TONE = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_OLD_TONE_RE = re.compile(
    "(" + "|".join(sorted(_OLD_TO_NEW_TONE, key=len, reverse=True)) + r")(?![a-zàáảãạăâêôơưđ])",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Every string enters the system in NFC: Tesseract and PDF text layers may hand us NFD."""
    return unicodedata.normalize("NFC", text)


def _new_tone(match: re.Match[str]) -> str:
    found = match.group(1)
    replacement = _OLD_TO_NEW_TONE[found.lower()]
    return replacement.upper() if found.isupper() else (
        replacement[0].upper() + replacement[1:] if found[0].isupper() else replacement
    )


def unify_tones(text: str) -> str:
    """Rewrite old-style tone placement at the end of a syllable (hoà → hòa, thuý → thúy)."""
    return _OLD_TONE_RE.sub(_new_tone, nfc(text))


def fold(text: str) -> str:
    """Search key: no marks, đ→d, casefolded, single spaces. 'Nguyễn Văn Đức' → 'nguyen van duc'."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACE_RE.sub(" ", stripped.casefold()).strip()


def has_vietnamese_marks(text: str) -> bool:
    """True when the text carries at least one Vietnamese diacritic (tone or vowel mark, or đ)."""
    return fold(text) != _SPACE_RE.sub(" ", text.casefold()).strip()
