"""Identity fields of ID cards and passports from text: QR payloads, MRZ lines and printed OCR text.

Pure, text-level functions (no images, no I/O): the image side finds the card, decodes its QR and
OCRs its MRZ and labels, then calls these. Every parser returns a reading with reasons instead of
raising, and no message ever carries an ID number or a name (Decree 13/2023).
"""

from ocr.identity.fusion import fuse
from ocr.identity.idnumber import (
    IdCheck,
    IdNumberInfo,
    check_id_number,
    check_old_id_number,
    digits_from_ocr,
    id_matches_birth,
    id_matches_sex,
)
from ocr.identity.mrz import (
    MrzReading,
    check_digit,
    parse_mrz,
    parse_td1,
    parse_td3,
)
from ocr.identity.printed import PrintedReading, card_type_from_text, extract_printed, parse_date
from ocr.identity.qr import QrReading, parse_qr_payload

__all__ = [
    "IdCheck", "IdNumberInfo", "MrzReading", "PrintedReading", "QrReading", "card_type_from_text",
    "check_digit", "check_id_number", "check_old_id_number", "digits_from_ocr", "extract_printed",
    "fuse", "id_matches_birth", "id_matches_sex", "parse_date",
    "parse_mrz", "parse_qr_payload", "parse_td1", "parse_td3",
]
