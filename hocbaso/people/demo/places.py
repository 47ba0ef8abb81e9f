"""Places for the demo province: Khánh Hòa after the 1 July 2025 merger (it took in the former
Ninh Thuận), its communes and wards, school names, streets and birth places.

Pupils born before the merger had their births registered in Ninh Thuận, so their birth places
name the old province and their personal IDs start with its code 058.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hocbaso.org.models import Commune

PROVINCE_CODE = "56"
PROVINCE_NAME = "Khánh Hòa"
DEPARTMENT_NAME = "Sở Giáo dục và Đào tạo Khánh Hòa"
BIRTH_PROVINCE_ID_CODE = "058"  # Ninh Thuận in the personal-ID province list

# (name, kind): the former Ninh Thuận area first, then the rest of the province.
COMMUNES: tuple[tuple[str, str], ...] = (
    ("Đô Vinh", Commune.Kind.PHUONG), ("Phan Rang", Commune.Kind.PHUONG),
    ("Phước Dân", Commune.Kind.XA), ("Đông Hải", Commune.Kind.PHUONG),
    ("Ninh Chử", Commune.Kind.PHUONG), ("Bảo An", Commune.Kind.PHUONG),
    ("Ninh Phước", Commune.Kind.XA), ("Phước Hữu", Commune.Kind.XA),
    ("Phước Hậu", Commune.Kind.XA), ("Thuận Nam", Commune.Kind.XA),
    ("Cà Ná", Commune.Kind.XA), ("Phước Hà", Commune.Kind.XA),
    ("Phước Dinh", Commune.Kind.XA), ("Ninh Hải", Commune.Kind.XA),
    ("Xuân Hải", Commune.Kind.XA), ("Vĩnh Hải", Commune.Kind.XA),
    ("Thuận Bắc", Commune.Kind.XA), ("Công Hải", Commune.Kind.XA),
    ("Ninh Sơn", Commune.Kind.XA), ("Lâm Sơn", Commune.Kind.XA),
    ("Anh Dũng", Commune.Kind.XA), ("Mỹ Sơn", Commune.Kind.XA),
    ("Bác Ái", Commune.Kind.XA), ("Bác Ái Đông", Commune.Kind.XA),
    ("Bác Ái Tây", Commune.Kind.XA), ("Nha Trang", Commune.Kind.PHUONG),
    ("Bắc Nha Trang", Commune.Kind.PHUONG), ("Nam Nha Trang", Commune.Kind.PHUONG),
    ("Tây Nha Trang", Commune.Kind.PHUONG), ("Cam Ranh", Commune.Kind.PHUONG),
    ("Ninh Hòa", Commune.Kind.PHUONG), ("Cam Lâm", Commune.Kind.XA),
    ("Diên Khánh", Commune.Kind.XA), ("Vạn Ninh", Commune.Kind.XA),
    ("Khánh Vĩnh", Commune.Kind.XA), ("Khánh Sơn", Commune.Kind.XA),
)  # fmt: skip

SCHOOL_PATRONS = (
    "Kim Đồng", "Lê Văn Tám", "Võ Thị Sáu", "Nguyễn Văn Trỗi", "Trần Quốc Toản",
    "Lý Tự Trọng", "Chu Văn An", "Nguyễn Du", "Lê Quý Đôn", "Trần Phú",
    "Nguyễn Trãi", "Phan Bội Châu", "Ngô Gia Tự", "Hùng Vương", "Lê Lợi",
    "Quang Trung", "Trần Hưng Đạo", "Lê Hồng Phong", "Nguyễn Thị Minh Khai", "Bế Văn Đàn",
    "Phan Chu Trinh", "Huỳnh Thúc Kháng", "Tô Hiến Thành", "Lý Thường Kiệt", "Mạc Đĩnh Chi",
    "Phù Đổng", "Đinh Tiên Hoàng", "Nguyễn Đình Chiểu", "Hoàng Hoa Thám", "Võ Văn Kiệt",
)  # fmt: skip

STREETS = (
    "Lê Lợi", "Thống Nhất", "16 Tháng 4", "Ngô Gia Tự", "Trần Phú", "Nguyễn Văn Cừ",
    "Yên Ninh", "Hải Thượng Lãn Ông", "21 Tháng 8", "Lê Duẩn", "Quang Trung", "Võ Thị Sáu",
    "Trần Quang Diệu", "Minh Mạng", "Nguyễn Trãi", "Tô Hiệu", "Lý Tự Trọng", "Ngô Quyền",
)  # fmt: skip
VILLAGES = (
    "Phước Thiện", "An Thạnh", "Hiếu Thiện", "Tân Sơn", "Mỹ Nghiệp", "Hữu Đức", "Phú Quý",
    "La Chữ", "Vạn Phước", "Thành Ý", "Chất Thường", "Hòa Thủy", "Như Bình", "Tuấn Tú",
)  # fmt: skip
BIRTH_PLACES = (
    ("Bệnh viện Đa khoa tỉnh Ninh Thuận", 40.0),
    ("Thành phố Phan Rang - Tháp Chàm, tỉnh Ninh Thuận", 20.0),
    ("Huyện Ninh Phước, tỉnh Ninh Thuận", 10.0),
    ("Huyện Ninh Hải, tỉnh Ninh Thuận", 8.0),
    ("Huyện Ninh Sơn, tỉnh Ninh Thuận", 6.0),
    ("Huyện Thuận Nam, tỉnh Ninh Thuận", 5.0),
    ("Huyện Bác Ái, tỉnh Ninh Thuận", 4.0),
    ("Thành phố Nha Trang, tỉnh Khánh Hòa", 4.0),
    ("Thành phố Hồ Chí Minh", 3.0),
)
HOMETOWNS = (
    ("Ninh Thuận", 70.0), ("Khánh Hòa", 8.0), ("Bình Thuận", 5.0), ("Quảng Ngãi", 4.0),
    ("Bình Định", 4.0), ("Nghệ An", 3.0), ("Thanh Hóa", 3.0), ("Thừa Thiên Huế", 3.0),
)  # fmt: skip


@dataclass(frozen=True)
class CommunePlan:
    index: int
    code: str
    name: str  # with its kind, e.g. "Phường Đô Vinh"
    short_name: str
    kind: str


def commune_count(schools: int) -> int:
    """Several communes, each with several schools (about three), within the list above."""
    wanted = max(2 if schools > 1 else 1, -(-schools // 3))
    return min(wanted, len(COMMUNES))


def commune_plan(index: int) -> CommunePlan:
    short, kind = COMMUNES[index]
    label = "Phường" if kind == Commune.Kind.PHUONG else "Xã"
    return CommunePlan(index, f"{22700 + 3 * index:05d}", f"{label} {short}", short, kind)


def commune_of_school(school_index: int, schools: int, communes: int) -> int:
    """Contiguous blocks, so the first commune holds the first schools."""
    return school_index * communes // schools


def school_name(school_index: int, commune: CommunePlan, rank_in_commune: int) -> str:
    """The first school of a commune carries its name; the others a patron's name."""
    if rank_in_commune == 0:
        return f"Trường Tiểu học {commune.short_name}"
    patron_index = school_index % len(SCHOOL_PATRONS)
    return f"Trường Tiểu học {SCHOOL_PATRONS[patron_index]}"


def school_code(school_index: int) -> str:
    return f"TH{school_index + 1:03d}"


def address(rng: random.Random, commune: CommunePlan) -> str:
    if commune.kind == Commune.Kind.PHUONG:
        street = rng.choice(STREETS)
        return f"{rng.randint(1, 250)} {street}, phường {commune.short_name}, tỉnh {PROVINCE_NAME}"
    return f"Thôn {rng.choice(VILLAGES)}, xã {commune.short_name}, tỉnh {PROVINCE_NAME}"


def birth_place(rng: random.Random) -> str:
    return rng.choices([p for p, _ in BIRTH_PLACES], weights=[w for _, w in BIRTH_PLACES])[0]


def hometown(rng: random.Random) -> str:
    return rng.choices([p for p, _ in HOMETOWNS], weights=[w for _, w in HOMETOWNS])[0]
