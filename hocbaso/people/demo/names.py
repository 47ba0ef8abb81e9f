"""Vietnamese personal names for demo people: family, middle and given names by gender, with the
ethnic groups of the former Ninh Thuận area (Kinh, Chăm, Raglay, Hoa), and mobile numbers.

Every name is returned in NFC, the form the profile forms store.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence

from hocbaso.people.models import Gender

# Approximate shares of the most common Vietnamese family names (per cent).
KINH_FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 31.5), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.0),
    ("Huỳnh", 4.0), ("Phan", 4.5), ("Vũ", 3.0), ("Võ", 3.9), ("Đặng", 2.1),
    ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0),
    ("Lý", 0.5), ("Trương", 1.0), ("Đinh", 0.8), ("Lâm", 0.5), ("Mai", 0.5),
    ("Đoàn", 0.5), ("Cao", 0.3), ("Hà", 0.3), ("Tô", 0.2), ("Thái", 0.2), ("Châu", 0.2),
)  # fmt: skip
CHAM_FAMILY_NAMES = (
    "Đàng",
    "Thông",
    "Quảng",
    "Lưu",
    "Trượng",
    "Thuận",
    "Hán",
    "Bá",
    "Phú",
    "Thiên",
)
RAGLAY_FAMILY_NAMES = ("Pinăng", "Chamaléa", "Katơr", "Mấu", "Cao")
HOA_FAMILY_NAMES = ("Lý", "Trương", "Quách", "Lâm", "Hứa", "Diệp", "Tăng")

# (ethnic group as named in the code list, weight in per cent)
ETHNIC_GROUPS: tuple[tuple[str, float], ...] = (
    ("Kinh", 78.0), ("Chăm", 11.0), ("Raglay", 9.0), ("Hoa", 2.0),
)  # fmt: skip

MALE_MIDDLE = (
    "Văn", "Minh", "Quốc", "Gia", "Đức", "Hoàng", "Thành", "Anh", "Bảo", "Nhật",
    "Hữu", "Công", "Trọng", "Tuấn", "Đăng", "Thanh", "Phúc", "Khánh",
)  # fmt: skip
FEMALE_MIDDLE = (
    "Thị", "Ngọc", "Thu", "Bảo", "Khánh", "Minh", "Phương", "Thanh", "Hoài", "Mai",
    "Gia", "Tường", "Diệu", "Quỳnh", "Kim", "Thùy", "Hồng", "Yến",
)  # fmt: skip
MALE_GIVEN = (
    "An", "Bảo", "Khang", "Phúc", "Huy", "Khoa", "Long", "Nam", "Quân", "Tuấn",
    "Dũng", "Hiếu", "Đạt", "Kiên", "Trí", "Thịnh", "Vinh", "Hưng", "Khôi", "Minh",
    "Nguyên", "Phong", "Sơn", "Tài", "Thắng", "Vũ", "Duy", "Hải", "Lâm", "Đăng",
    "Cường", "Hoàng", "Lộc", "Nhân", "Quang", "Tín", "Toàn", "Việt", "Ân", "Đức",
)  # fmt: skip
FEMALE_GIVEN = (
    "An", "Anh", "Chi", "Hà", "Hân", "Hương", "Lan", "Linh", "Mai", "My",
    "Ngân", "Ngọc", "Nhi", "Như", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Trâm",
    "Uyên", "Vy", "Yến", "Ánh", "Diệp", "Giang", "Huyền", "Khuê", "Loan", "Tâm",
    "Hằng", "Nga", "Nhung", "Thư", "Thủy", "Trinh", "Tú", "Vân", "Xuân", "Hoa",
)  # fmt: skip
CHAM_MALE_MIDDLE = ("Văn", "Năng", "Minh", "Thành", "Quang")
RAGLAY_MALE_MIDDLE = ("Văn", "Minh")

# Vietnamese mobile prefixes (Viettel, VinaPhone, MobiFone).
MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
    "081", "082", "083", "084", "085", "088", "091", "094",
    "070", "076", "077", "078", "079", "089", "090", "093",
)  # fmt: skip


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in table], weights=[w for _, w in table])[0]


def pick_ethnicity(rng: random.Random) -> str:
    return _weighted(rng, ETHNIC_GROUPS)


def family_name(rng: random.Random, ethnicity: str = "Kinh") -> str:
    if ethnicity == "Chăm":
        return rng.choice(CHAM_FAMILY_NAMES)
    if ethnicity == "Raglay":
        return rng.choice(RAGLAY_FAMILY_NAMES)
    if ethnicity == "Hoa":
        return rng.choice(HOA_FAMILY_NAMES)
    return _weighted(rng, KINH_FAMILY_NAMES)


def middle_name(
    rng: random.Random, gender: int, ethnicity: str = "Kinh", *, adult: bool = False
) -> str:
    if gender == Gender.FEMALE:
        # Mothers' and teachers' generation mostly carry "Thị"; their daughters less often.
        if rng.random() < (0.6 if adult else 0.2):
            return "Thị"
        return rng.choice(FEMALE_MIDDLE)
    if ethnicity == "Chăm":
        return rng.choice(CHAM_MALE_MIDDLE)
    if ethnicity == "Raglay":
        return rng.choice(RAGLAY_MALE_MIDDLE)
    if adult and rng.random() < 0.5:
        return "Văn"
    return rng.choice(MALE_MIDDLE)


def given_name(rng: random.Random, gender: int) -> str:
    return rng.choice(FEMALE_GIVEN if gender == Gender.FEMALE else MALE_GIVEN)


def full_name(
    rng: random.Random,
    gender: int,
    *,
    family: str | None = None,
    ethnicity: str = "Kinh",
    adult: bool = False,
    avoid_given: str = "",
) -> str:
    """ "Family middle given", e.g. "Nguyễn Thị Thu Hà" style; `avoid_given` keeps a child from
    carrying its parent's given name."""
    family = family or family_name(rng, ethnicity)
    middle = middle_name(rng, gender, ethnicity, adult=adult)
    given = given_name(rng, gender)
    while given in (avoid_given, middle):
        given = given_name(rng, gender)
    return nfc(f"{family} {middle} {given}")


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"


def given_initial(name: str) -> str:
    """The initial a pupil is known by: that of the given name ("Đặng Minh Khôi" → "K")."""
    return nfc(name.split()[-1][:1]).upper()
