"""Vietnamese words for the codes the catalog stores, as officers read them on screen."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from schemas.messages import (BATCH_STATUSES, FIELD_NAMES, NEXT_STEPS, REASONS,  # noqa: F401 - for the pages
                              RESCAN_REASONS, STATUSES)

DOC_TYPES = {
    "id_cmnd9": "CMND 9 số",
    "id_cccd2016": "CCCD mã vạch (2016)",
    "id_cccd2021": "CCCD gắn chip",
    "id_cancuoc2024": "Thẻ căn cước (2024)",
    "passport": "Hộ chiếu",
    "birth_certificate": "Giấy khai sinh",
    "marriage_certificate": "Giấy chứng nhận kết hôn",
    "land_use_certificate": "Giấy chứng nhận quyền sử dụng đất",
    "business_registration": "Giấy chứng nhận đăng ký doanh nghiệp",
    "residence_confirmation": "Xác nhận thông tin cư trú (CT07)",
    "judicial_record": "Phiếu lý lịch tư pháp",
    "application": "Tờ khai, đơn đề nghị",
    "other": "Giấy tờ khác",
}
FIELDS = {
    "id_number": "Số định danh", "old_id_number": "Số CMND cũ", "document_number": "Số hộ chiếu",
    "full_name": "Họ và tên", "date_of_birth": "Ngày sinh", "sex": "Giới tính", "nationality": "Quốc tịch",
    "place_of_origin": "Quê quán", "place_of_birth": "Nơi đăng ký khai sinh",
    "place_of_residence": "Nơi thường trú / cư trú", "date_of_issue": "Ngày cấp",
    "date_of_expiry": "Có giá trị đến",
}
ROLES = {"officer": "Cán bộ một cửa", "reviewer": "Người duyệt", "scanner": "Nhân viên số hóa",
         "admin": "Quản trị"}
ACTIONS = {"login": "Đăng nhập", "login_failed": "Đăng nhập thất bại", "logout": "Đăng xuất",
           "search": "Tìm kiếm", "view": "Xem", "download": "Tải xuống", "dossier": "Mở hồ sơ",
           "reuse": "Tái sử dụng", "correct": "Sửa trường", "confirm": "Xác nhận duyệt",
           "upload": "Tải lên", "audit_read": "Xem nhật ký", "denied": "Bị từ chối",
           "account": "Quản lý tài khoản"}
ACCOUNT_CHANGES = {"disable": "khóa tài khoản", "enable": "mở lại tài khoản", "unlock": "mở khóa đăng nhập",
                   "revoke_tokens": "thu hồi mã API", "password": "đặt mật khẩu mới"}
SORT_ORDERS = {"relevance": "Phù hợp nhất trước", "newest": "Mới số hóa trước"}
MATCHES = {"id": "Trùng số định danh", "alias": "Trùng số CMND cũ", "id_suffix": "Trùng các số cuối",
           "name": "Trùng họ tên", "name_fuzzy": "Gần đúng họ tên", "text": "Trùng nội dung", "filter": ""}
DIRECTIONS = {"input": "Thành phần hồ sơ (đầu vào)", "output": "Kết quả (đầu ra)"}
SOURCES = {"qr": "mã QR", "mrz": "MRZ", "printed": "chữ in", "card_type": "loại thẻ (chỉ cấp cho công dân Việt Nam)",
           "id_number": "suy ra từ chữ số giới tính của số định danh, cần đối chiếu"}
OBJECTS = {"original": "bản gốc", "searchable_pdf": "bản PDF", "thumbnail": "ảnh thu nhỏ", "card": "ảnh thẻ"}
REFUSALS = {"forbidden": "không có quyền", "not_found": "không có hoặc không được xem"}


def day(value: object) -> str:
    """An ISO date as officers write it (dd/mm/yyyy); other values as they are."""
    text = "" if value is None else str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:]}/{text[5:7]}/{text[:4]}"
    return text


SEXES = {"M": "Nam", "F": "Nữ"}


def title(doc_type: str, component: str | None, heading: str | None = None) -> str:
    """A paper's title in a list: its type, or for a paper of no known type the name the scanning
    staff gave it in the dossier, else the title read at its top ("GIẤY ỦY QUYỀN" → "Giấy ủy
    quyền"), so that results can be told apart."""
    if doc_type == "other" and (component or heading):
        return component or heading.capitalize()
    return DOC_TYPES.get(doc_type, doc_type)


def shown(field: str, value: str | None) -> str:
    """A stored identity value as officers read and type it: dd/mm/yyyy dates, Nam/Nữ."""
    if value is None:
        return ""
    if field == "sex":
        return SEXES.get(value, value)
    if field == "date_of_expiry" and value == "none":
        return "Không thời hạn"
    return day(value) if field.startswith("date_") else value


_DETAIL_PHRASES: dict[str, Callable[[object], str]] = {
    "results": lambda v: f"{len(v) if isinstance(v, list) else v} kết quả",
    "object": lambda v: OBJECTS.get(str(v), str(v)),
    "created": lambda v: "tạo mới" if v else "",
    "direction": lambda v: DIRECTIONS.get(str(v), str(v)),
    "override_reason": lambda v: f"lý do dùng giấy tờ hết hạn: {v}",
    "field": lambda v: f"trường {FIELDS.get(str(v), str(v))}",
    "previous_status": lambda v: f"trước đó: {STATUSES.get(str(v), str(v))}",
    "files": lambda v: f"{v} tệp",
    "upload": lambda v: "",
    "number_lookup": lambda v: "tra theo số" if v else "",
    "of_account": lambda v: f"của tài khoản {v}",
    "action_read": lambda v: f"thao tác {ACTIONS.get(str(v), str(v))}",
    "entries": lambda v: f"{v} mục",
    "account": lambda v: f"tài khoản {v}",
    "change": lambda v: ACCOUNT_CHANGES.get(str(v), str(v)),
    "failures": lambda v: f"sai lần thứ {v}",
    "why": lambda v: REFUSALS.get(str(v), str(v)),
    "route": lambda v: f"trang {v}",
    "method": lambda v: "",
    "doc_type": lambda v: f"loại {DOC_TYPES.get(str(v), str(v))}",
    "status": lambda v: f"trạng thái {STATUSES.get(str(v), str(v))}",
}


def audit_detail(detail: Mapping[str, object]) -> list[str]:
    """An audit entry's details as short Vietnamese phrases ("3 kết quả", "bản gốc", "lý do: …"),
    for the administrator's log page; unset values are left out."""
    out = []
    for key, value in detail.items():
        if value is None or value == "":
            continue
        if key in _DETAIL_PHRASES:
            phrase = _DETAIL_PHRASES[key](value)
        elif key in ("date_of_birth", "created_from", "created_to", "since"):
            phrase = f"{FIELD_NAMES.get(key, key).lower()} {day(value)}"
        else:
            phrase = f"{FIELD_NAMES.get(key, key).lower()}: {value}"
        if phrase:
            out.append(phrase)
    return out
