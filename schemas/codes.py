"""Administrative codes that travel with a dossier (DESIGN 5.5): parsed tolerantly, raw string kept."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel

# Circular 01/2018: V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX ; Circular 03/2025 (04/2025):
# MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-[AA]XXXX. Both are "agency code - receipt date - sequence".
_DOSSIER_RE = re.compile(
    r"^(?P<agency>[0-9A-Z]+(?:\.[0-9A-Z]+)*)-(?P<date>\d{6})-(?P<prefix>[A-Z]{0,2})(?P<seq>\d{4,})$"
)


class DossierCode(BaseModel):
    """A parsed dossier code (mã hồ sơ); `raw` is the key everywhere else."""

    raw: str
    agency_code: str
    receipt_date: date
    sequence: str


def parse_dossier_code(value: str) -> DossierCode:
    """Parse a dossier code or raise ValueError saying what is wrong (never echoing personal data)."""
    raw = value.strip().upper()
    match = _DOSSIER_RE.match(raw)
    if match is None:
        raise ValueError(
            "mã hồ sơ cần có dạng MÃ.CƠ.QUAN-YYMMDD-XXXX (Thông tư 01/2018 hoặc 03/2025),"
            " ví dụ 000.00.12.H12-250602-0001"
        )
    agency = match["agency"]
    if len(agency) > 35:
        raise ValueError("mã hồ sơ: mã cơ quan dài quá 35 ký tự")
    yymmdd = match["date"]
    try:
        receipt = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError as exc:
        raise ValueError("mã hồ sơ: ngày tiếp nhận YYMMDD không phải ngày có thật") from exc
    return DossierCode(raw=raw, agency_code=agency, receipt_date=receipt,
                       sequence=match["prefix"] + match["seq"])


_OFFICE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def office_prefix(office_code: str | None) -> str:
    """An office's part of the shared inbox (`inbox/<this>/…`): its code as it is ('H12',
    '000.00.12.H12'), or its letters and digits when it holds anything a key segment should not."""
    code = office_code or ""
    return code if _OFFICE_SEGMENT.fullmatch(code) else "".join(ch for ch in code if ch.isalnum())
