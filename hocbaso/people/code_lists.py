"""Code lists for the identity page.

Ethnic groups: the 54 groups of the General Statistics Office list (QĐ 121-TCTK/PPCĐ, 1979),
codes 01–54, plus 55 "Người nước ngoài". Nationalities: ISO 3166-1 alpha-2 codes for the
countries a Vietnamese primary school meets most; "khac" for any other.
"""

from __future__ import annotations

ETHNICITIES: dict[str, str] = {
    "01": "Kinh", "02": "Tày", "03": "Thái", "04": "Hoa", "05": "Khmer",
    "06": "Mường", "07": "Nùng", "08": "Mông", "09": "Dao", "10": "Gia Rai",
    "11": "Ngái", "12": "Ê Đê", "13": "Ba Na", "14": "Xơ Đăng", "15": "Sán Chay",
    "16": "Cơ Ho", "17": "Chăm", "18": "Sán Dìu", "19": "Hrê", "20": "Mnông",
    "21": "Raglay", "22": "Xtiêng", "23": "Bru - Vân Kiều", "24": "Thổ", "25": "Giáy",
    "26": "Cơ Tu", "27": "Giẻ Triêng", "28": "Mạ", "29": "Khơ Mú", "30": "Co",
    "31": "Tà Ôi", "32": "Chơ Ro", "33": "Kháng", "34": "Xinh Mun", "35": "Hà Nhì",
    "36": "Chu Ru", "37": "Lào", "38": "La Chí", "39": "La Ha", "40": "Phù Lá",
    "41": "La Hủ", "42": "Lự", "43": "Lô Lô", "44": "Chứt", "45": "Mảng",
    "46": "Pà Thẻn", "47": "Cờ Lao", "48": "Cống", "49": "Bố Y", "50": "Si La",
    "51": "Pu Péo", "52": "Brâu", "53": "Ơ Đu", "54": "Rơ Măm", "55": "Người nước ngoài",
}  # fmt: skip

NATIONALITIES: dict[str, str] = {
    "VN": "Việt Nam",
    "LA": "Lào",
    "KH": "Campuchia",
    "CN": "Trung Quốc",
    "KR": "Hàn Quốc",
    "JP": "Nhật Bản",
    "TW": "Đài Loan",
    "TH": "Thái Lan",
    "US": "Hoa Kỳ",
    "FR": "Pháp",
    "AU": "Ô-xtrây-li-a",
    "khac": "Quốc tịch khác",
}

# Provinces' codes in the first three digits of the personal identification number
# (Circular 59/2021/TT-BCA, Appendix: codes of the 63 provinces before the 2025 merger; numbers
# issued before the merger keep them).
PERSONAL_ID_PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

NOT_APPLICABLE = "không"
