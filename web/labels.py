"""Vietnamese words for the codes the catalog stores, as officers read them on screen."""

from __future__ import annotations

from schemas.messages import BATCH_STATUSES, REASONS, RESCAN_REASONS, STATUSES  # noqa: F401 - for the pages

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
MATCHES = {"id": "Trùng số định danh", "alias": "Trùng số CMND cũ", "id_suffix": "Trùng các số cuối",
           "name": "Trùng họ tên", "name_fuzzy": "Gần đúng họ tên", "text": "Trùng nội dung", "filter": ""}
DIRECTIONS = {"input": "Thành phần hồ sơ (đầu vào)", "output": "Kết quả (đầu ra)"}
SOURCES = {"qr": "mã QR", "mrz": "MRZ", "printed": "chữ in"}
