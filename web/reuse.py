"""Whether a digitized paper may still be reused instead of asking the citizen for it again.

Cards stop being valid on their expiry date, and the 9-digit CMND on 31/12/2024 whatever it says
(DESIGN 5.4); a CT07 residence confirmation is valid for one year from when it was handed in. Any
other paper is reusable. An expired document can still be attached, but only with a reason.
"""

from __future__ import annotations

from datetime import date

from schemas.accounts import Reusability
from schemas.document import DocType
from schemas.identity import NO_EXPIRY
from schemas.search import DocumentSummary

CMND_END = date(2024, 12, 31)


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return date(day.year + 1, 3, 1)


def reusability(document: DocumentSummary, today: date) -> Reusability:
    """The verdict shown beside every result and enforced when attaching to a dossier."""
    until: date | None = None
    if document.doc_type.is_identity_card and document.date_of_expiry not in (None, NO_EXPIRY):
        try:
            until = date.fromisoformat(str(document.date_of_expiry))
        except ValueError:
            until = None
    if document.doc_type is DocType.ID_CMND9:
        until = min(until, CMND_END) if until else CMND_END
    if document.doc_type is DocType.RESIDENCE_CONFIRMATION:
        until = _one_year_after(document.reference_date)
    if until is not None and until < today:
        kind = ("Xác nhận cư trú (CT07) chỉ có giá trị một năm"
                if document.doc_type is DocType.RESIDENCE_CONFIRMATION else "Giấy tờ đã hết hạn")
        return Reusability(reusable=False, reason=f"{kind} (có giá trị đến {until:%d/%m/%Y})",
                           valid_until=until)
    return Reusability(reusable=True, valid_until=until)
