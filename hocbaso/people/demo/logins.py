"""The demo logins: one fixed, published password and a username per role of the first school.

Other schools' staff follow the pattern "<school code>.<role>", e.g. "th002.hieutruong",
"th002.gvcn3b"; other communes' officers "canboxa.<commune code>".
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "hocbaso-demo-2026"  # noqa: S105 - published demo password, never production


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    try_first: str


# Usernames in the first school that differ from the general pattern.
FIRST_SCHOOL_USERNAMES = {"totruong45": "totruong", "gvtinhoc": "gvbomon", "ph4a": "phuhuynh"}


def school_username(school_index: int, school_code: str, base: str) -> str:
    if school_index == 0:
        return FIRST_SCHOOL_USERNAMES.get(base, base)
    return f"{school_code.lower()}.{base}"


def commune_officer_username(commune_index: int, commune_code: str) -> str:
    return "canboxa" if commune_index == 0 else f"canboxa.{commune_code}"


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "Hiệu trưởng",
        "hieutruong",
        "Duyệt đề nghị sửa đang chờ (nhập lại mật khẩu và mã xác thực, mã PIN 123456); "
        "kí và đóng dấu học bạ.",
    ),
    DemoLogin(
        "Phó hiệu trưởng",
        "phohieutruong",
        "Xem danh sách lớp và hồ sơ học sinh; thêm học sinh vào lớp.",
    ),
    DemoLogin(
        "Tổ trưởng chuyên môn khối 4–5",
        "totruong",
        "Xem các lớp khối 4 và khối 5 (không thấy khối 1–3).",
    ),
    DemoLogin(
        "Giáo viên chủ nhiệm lớp 4A",
        "gvcn4a",
        "Mở lớp 4A: hồ sơ học sinh; «học bạ số» của lớp: kí số cả lớp (mã PIN 123456).",
    ),
    DemoLogin(
        "Giáo viên bộ môn Tin học (khối 3–5)",
        "gvbomon",
        "Xem các lớp khối 3–5 mình dạy môn Tin học.",
    ),
    DemoLogin(
        "Quản trị nhà trường",
        "quantri",
        "Nhập/xuất danh sách học sinh và cán bộ của trường.",
    ),
    DemoLogin(
        "Cán bộ UBND phường (Phường Đô Vinh)",
        "canboxa",
        "Xem (chỉ đọc) các trường trong phường.",
    ),
    DemoLogin(
        "Cán bộ Sở GD&ĐT",
        "canboso",
        "Xem (chỉ đọc) mọi trường trong tỉnh và mức độ hoàn thiện hồ sơ.",
    ),
    DemoLogin(
        "Thanh tra",
        "thanhtra",
        "Xem (chỉ đọc) hồ sơ học sinh và nhật kí kiểm tra của mọi trường.",
    ),
    DemoLogin(
        "Quản trị hệ thống (Sở)",
        "admin",
        "Trang quản trị /quan-tri/: trường, lớp, tài khoản, nhật kí kiểm tra.",
    ),
    DemoLogin(
        "Phụ huynh (học sinh lớp 4A)",
        "phuhuynh",
        "Trang cha mẹ /phu-huynh/ (trên điện thoại): kết quả Giữa học kì I đã công bố, nhận xét "
        "của giáo viên; không thấy học sinh khác.",
    ),
)
DEMO_USERNAMES = tuple(login.username for login in DEMO_LOGINS)
