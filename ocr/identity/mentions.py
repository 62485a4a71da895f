"""Personal ID numbers printed on any paper (birth certificates, CT07, forms), to link it to people."""

from __future__ import annotations

import re

from ocr.identity.idnumber import check_id_number

# 12 digits, possibly printed in groups ("079 203 001 234", "079.203.001.234"), never inside a
# longer run of digits (a phone or account number).
_CANDIDATE = re.compile(r"(?<![\d.])(\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{3})(?![\d])")


def id_numbers_in(text: str) -> list[str]:
    """Valid 12-digit personal ID numbers found in `text` (structure checked), in order, no repeats."""
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        number = re.sub(r"\D", "", match.group(1))
        if number not in found and not check_id_number(number).problems:
            found.append(number)
    return found
