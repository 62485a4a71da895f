"""What scanning staff and officers read for the codes the pipeline and catalog store: one catalogue,
in Vietnamese, shared by the CLI's batch report and the web pages. A reason comes with what to do
next, because the person reading it is the one who must act (rescan, copy again, fix the manifest).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATUSES = {"ok": "Hoàn tất", "needs_review": "Cần duyệt", "quarantined": "Bị loại",
            "duplicate": "Trùng lặp", "failed": "Chưa xử lý xong (sẽ thử lại)"}
BATCH_STATUSES = {"done": "Hoàn tất", "partial": "Hoàn tất một phần", "failed": "Thất bại"}
REASONS = {
    "unsupported_type": "định dạng không hỗ trợ", "corrupt": "tệp hỏng", "truncated": "tệp bị cắt cụt",
    "encrypted": "tệp có mật khẩu", "too_large": "tệp quá lớn", "too_many_pages": "quá nhiều trang",
    "too_many_pixels": "ảnh quá lớn", "empty": "tệp rỗng", "unsafe_archive_member": "tệp nén không an toàn",
    "manifest_invalid": "batch.yaml không hợp lệ", "ocr_timeout": "nhận dạng quá thời gian",
    "low_confidence": "độ tin cậy thấp", "no_text": "không đọc được chữ", "missing_page": "thiếu trang",
    "page_count_mismatch": "số trang không khớp", "page_failed": "trang lỗi",
    "qr_unreadable": "không đọc được mã QR", "mrz_checksum_failed": "MRZ sai số kiểm tra",
    "mrz_unreadable": "không đọc được MRZ", "id_invalid": "số định danh không hợp lệ",
    "id_dob_mismatch": "số định danh không khớp ngày sinh",
    "id_sex_mismatch": "số định danh không khớp giới tính",
    "sources_disagree": "QR, MRZ và chữ in không khớp", "date_invalid": "ngày không hợp lệ",
    "expiry_before_issue": "ngày hết hạn trước ngày cấp", "field_missing": "thiếu trường thông tin",
    "processing_failed": "lỗi lưu trữ, hệ thống sẽ tự thử lại",
}
# Pages for HTTP errors that are no refusal of the service's own (an unknown address, a wrong method,
# a crash): a title and what to do next.
HTTP_ERRORS = {
    400: ("Yêu cầu không hợp lệ", "Trình duyệt gửi yêu cầu không đúng dạng. Hãy tải lại trang rồi thử lại."),
    404: ("Không tìm thấy trang", "Địa chỉ này không có trong hệ thống. Hãy kiểm tra đường dẫn hoặc về trang chính."),
    405: ("Thao tác không hợp lệ", "Trang này không nhận thao tác đó. Hãy quay lại và dùng các nút trên trang."),
    413: ("Dữ liệu quá lớn", "Dữ liệu gửi lên quá lớn. Hãy chia nhỏ lô tệp rồi gửi lại."),
    500: ("Hệ thống gặp lỗi", "Hệ thống gặp lỗi khi xử lý yêu cầu này; những gì đã lưu không bị mất. "
                             "Hãy thử lại sau ít phút; nếu vẫn lỗi, báo quản trị."),
}
OTHER_HTTP_ERROR = ("Không thực hiện được", "Yêu cầu không thực hiện được. Hãy thử lại; nếu vẫn lỗi, báo quản trị.")
RESCAN_REASONS = frozenset({"corrupt", "truncated", "missing_page", "page_count_mismatch", "no_text",
                            "page_failed", "low_confidence"})

# What the scanning staff should do about each reason (reasons not listed need nothing from them).
NEXT_STEPS = {
    "unsupported_type": "hãy quét lại thành PDF, PNG, JPEG hoặc TIFF rồi thả lại",
    "corrupt": "tệp hỏng khi quét hoặc sao chép — hãy quét lại tài liệu này",
    "truncated": "tệp bị cắt ngắn khi sao chép — hãy sao chép lại từ máy quét",
    "encrypted": "hãy bỏ mật khẩu (hoặc in ra và quét lại) rồi thả lại",
    "too_large": "hãy quét lại ở 300 dpi, hoặc tách thành nhiều tệp",
    "too_many_pages": "hãy tách thành nhiều tệp nhỏ hơn rồi thả lại",
    "too_many_pixels": "hãy quét lại ở 300 dpi",
    "empty": "tệp không có nội dung — hãy quét lại",
    "unsafe_archive_member": "hãy giải nén và thả các tệp trực tiếp vào thư mục lô",
    "manifest_invalid": "hãy sửa batch.yaml (mã cơ quan, mã hồ sơ, tên thành phần) rồi thả lại lô",
    "missing_page": "hãy quét bổ sung trang còn thiếu",
    "page_count_mismatch": "hãy kiểm tra và quét lại cho đủ số trang",
    "no_text": "hãy quét lại rõ hơn (300 dpi, không nghiêng, đủ sáng)",
    "low_confidence": "hãy quét lại rõ hơn nếu người duyệt không đọc được",
    "page_failed": "hãy quét lại trang này",
    "processing_failed": "không cần làm gì: hệ thống sẽ tự thử lại",
}

# Form and query fields as the pages name them, for validation messages.
FIELD_NAMES = {
    "q": "Nội dung tìm", "files": "Tệp", "file": "Tệp", "dossier_code": "Mã hồ sơ", "code": "Mã hồ sơ",
    "date_of_birth": "Ngày sinh", "created_from": "Từ ngày", "created_to": "Đến ngày",
    "page": "Trang", "page_size": "Số kết quả mỗi trang", "doc_type": "Loại giấy tờ", "status": "Trạng thái",
    "username": "Tên đăng nhập", "password": "Mật khẩu", "value": "Giá trị", "reason": "Lý do",
    "direction": "Chiều hồ sơ", "component": "Thành phần hồ sơ", "office_code": "Mã cơ quan",
}
_VALIDATION = {
    "missing": "chưa có — hãy nhập hoặc chọn",
    "string_too_long": "dài quá {max_length} ký tự — hãy rút gọn",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "too_long": "quá nhiều mục (tối đa {max_length})",
    "date_parsing": "cần là một ngày, dạng dd/mm/yyyy",
    "date_from_datetime_parsing": "cần là một ngày, dạng dd/mm/yyyy",
    "date_type": "cần là một ngày, dạng dd/mm/yyyy",
    "int_parsing": "cần là một số",
    "int_type": "cần là một số",
    "greater_than_equal": "cần từ {ge} trở lên",
    "greater_than": "cần lớn hơn {gt}",
    "less_than_equal": "tối đa {le}",
    "enum": "hãy chọn một giá trị trong danh sách",
    "literal_error": "hãy chọn một giá trị trong danh sách",
    "bool_parsing": "cần là có hoặc không",
}


def validation_message(error: Mapping[str, Any]) -> str:
    """One pydantic validation error as a Vietnamese sentence naming the field (never its value:
    the input may hold an ID number or a name)."""
    location = error.get("loc") or ("?",)
    field = next((str(part) for part in reversed(location) if isinstance(part, str)), "?")
    name = FIELD_NAMES.get(field, field)
    context = error.get("ctx") or {}
    if error.get("type") == "value_error" and context.get("error") is not None:
        return f"{name}: {context['error']}"  # the schemas' own validators speak Vietnamese
    template = _VALIDATION.get(str(error.get("type")), "giá trị không hợp lệ — hãy kiểm tra lại")
    try:
        return f"{name}: {template.format(**context)}"
    except (KeyError, IndexError):
        return f"{name}: giá trị không hợp lệ — hãy kiểm tra lại"
