"""Vietnamese administrative sentences for test documents, with made-up people, places and dates.

Generators need text that looks like what one-stop offices actually receive (petitions, declarations,
residence confirmations) so that OCR, trust checks and search are tested on real Vietnamese: stacked
marks (Ấ, Ệ, Ỹ), đ/Đ, capitalised headings, digits in dates, ID numbers and addresses. Every name,
number and address below is invented.
"""

from __future__ import annotations

import random

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

HEADINGS: list[str] = [
    "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ",
    "GIẤY ỦY QUYỀN",
    "ĐƠN ĐỀ NGHỊ ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI",
    "BIÊN BẢN TIẾP NHẬN HỒ SƠ",
]

SENTENCES: list[str] = [
    "Kính gửi Ủy ban nhân dân phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh.",
    "Tôi tên là Nguyễn Thị Thu Hằng, sinh ngày 12 tháng 3 năm 1985, quốc tịch Việt Nam.",
    "Số định danh cá nhân 079185001234, cấp ngày 20/04/2021 tại Cục Cảnh sát quản lý hành chính"
    " về trật tự xã hội.",
    "Nơi cư trú hiện nay tại số 47 đường Lê Lợi, phường Phú Hội, thành phố Huế, tỉnh Thừa Thiên Huế.",
    "Ông Trần Văn Đức, sinh năm 1962, thường trú tại thôn Đông Xuyên, xã Tiền Phong, huyện Ân Thi,"
    " tỉnh Hưng Yên.",
    "Bà Lê Thị Ngọc Ánh là chủ hộ, có quan hệ với người yêu cầu là mẹ đẻ.",
    "Đề nghị cơ quan có thẩm quyền xem xét và giải quyết hồ sơ theo quy định của pháp luật.",
    "Người ủy quyền chịu trách nhiệm trước pháp luật về nội dung đã cam đoan trong giấy này.",
    "Hồ sơ gồm tờ khai, bản sao giấy khai sinh và giấy tờ chứng minh nơi cư trú của người yêu cầu.",
    "Thời hạn giải quyết là năm ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "Trường hợp hồ sơ chưa đầy đủ, cán bộ tiếp nhận hướng dẫn người nộp bổ sung một lần.",
    "Thửa đất số 215, tờ bản đồ số 09, diện tích 120,5 mét vuông, mục đích sử dụng là đất ở tại đô thị.",
    "Lý do đề nghị: giấy chứng nhận đã cấp bị hư hỏng, rách nát trong quá trình sử dụng.",
    "Tôi xin cam đoan những thông tin khai trên đây là đúng sự thật và xin chịu trách nhiệm.",
    "Lệ phí đã nộp theo biên lai số 0012345 ngày 05 tháng 11 năm 2024 tại bộ phận một cửa.",
    "Người được khai sinh là Phạm Minh Khôi, giới tính nam, sinh ngày 02/09/2023 tại Bệnh viện"
    " Phụ sản Hà Nội.",
    "Cha là Phạm Quốc Huy, dân tộc Kinh; mẹ là Đặng Thị Mỹ Duyên, dân tộc Tày.",
    "Công an phường Hòa Cường Bắc, quận Hải Châu, thành phố Đà Nẵng xác nhận thông tin về cư trú như sau.",
    "Giấy xác nhận này có giá trị sử dụng trong thời hạn một năm kể từ ngày cấp.",
    "Bên nhận ủy quyền được thay mặt bên ủy quyền nộp hồ sơ, nhận kết quả và ký các giấy tờ có liên quan.",
    "Mã hồ sơ 000.00.12.H29-240315-0042, ngày hẹn trả kết quả 22/03/2024.",
    "Chuyên viên tiếp nhận đã kiểm tra thành phần hồ sơ và đối chiếu với bản chính.",
    "Căn cứ Luật Cư trú ngày 13 tháng 11 năm 2020 và các văn bản hướng dẫn thi hành.",
    "Thông tin về nơi thường trú: tổ dân phố số 6, phường Quang Trung, thành phố Thái Nguyên.",
    "Hộ gia đình đang sử dụng đất ổn định, không có tranh chấp, phù hợp với quy hoạch được phê duyệt.",
    "Văn bản được lập thành hai bản, mỗi bên giữ một bản có giá trị pháp lý như nhau.",
    "Ông Võ Thành Nhân, số điện thoại 0912 345 678, đề nghị nhận kết quả qua dịch vụ bưu chính công ích.",
    "Ngày 18 tháng 6 năm 2024, Ủy ban nhân dân xã Ea Tu, thành phố Buôn Ma Thuột đã tiếp nhận đơn.",
]


def paragraphs(rng: random.Random, n: int, sentences_each: int = 3) -> list[str]:
    """`n` paragraphs of `sentences_each` sentences; no sentence repeats until the corpus runs out.

    Repeats would make reading-order tests blind (the same words in both columns), so sentences are
    drawn from a shuffled deck that is only reshuffled once every sentence has been used.
    """
    deck: list[str] = []
    result: list[str] = []
    for _ in range(n):
        picked: list[str] = []
        while len(picked) < sentences_each:
            if not deck:
                deck = rng.sample(SENTENCES, len(SENTENCES))
            picked.append(deck.pop())
        result.append(" ".join(picked))
    return result
