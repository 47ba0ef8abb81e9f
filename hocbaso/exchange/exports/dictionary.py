"""Our fields → the national data dictionary's names (spec §8), with where each name comes from
and how sure we are. docs/exchange.md prints this table; the XML and the .xlsx use it.

Sources (spec §8): DICT — the national data dictionary's học bạ fields
(`thongtinsohocbasotieuhoc`, `_quatrinhhoctap`, `_dsbangdiem`), known only from third-party
material [P]; CSDL_EXPORT — the CSDL ngành results export (maHocSinh, namHoc, hocKy, …),
third-party material [P]; CSDL_TEMPLATE — the CSDL Excel upload template hints ("C1-HocSinh",
"Mã lớp", "Mã học sinh", "Họ tên") [P]; QCVN — QCVN 109:2017/BTTTT codes; OURS — a name we chose
in the dictionary's style (lower-case Vietnamese without diacritics), to be replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    DICT = "từ điển dữ liệu ngành (tài liệu bên thứ ba)"
    CSDL_EXPORT = "tệp xuất kết quả CSDL ngành (tài liệu bên thứ ba)"
    CSDL_TEMPLATE = "mẫu Excel CSDL ngành (tài liệu bên thứ ba)"
    QCVN = "QCVN 109:2017/BTTTT"
    OURS = "của hocbaso"


class Confidence(StrEnum):
    MEDIUM = "trung bình"  # the name is in the material; its exact use is not confirmed
    LOW = "thấp"  # inferred from a neighbouring name or a template header
    OURS = "tạm đặt"  # no known national name


@dataclass(frozen=True)
class Field:
    name: str  # XML element/attribute name
    ours: str  # where the value comes from in hocbaso
    source: Source
    confidence: Confidence
    xlsx_header: str = ""  # the .xlsx column header, when the file has one


D, E, T, Q, OWN = Source.DICT, Source.CSDL_EXPORT, Source.CSDL_TEMPLATE, Source.QCVN, Source.OURS
M, L, U = Confidence.MEDIUM, Confidence.LOW, Confidence.OURS

PUPIL_FIELDS: tuple[Field, ...] = (
    Field("matruong", "School.code", D, M, "Mã trường"),
    Field("malop", "ClassGroup.name", T, L, "Mã lớp"),
    Field("makhoi", "ClassGroup.grade", D, M, "Khối"),
    Field("mahocsinh", "Student.moet_code", D, M, "Mã học sinh"),
    Field("sodinhdanhcanhan", "Student.personal_id (only for who may read it)", OWN, U,
          "Số định danh cá nhân"),
    Field("hovaten", "Student.full_name", D, M, "Họ tên"),
    Field("ngaysinh", "Student.birth_date (ISO date; dd/mm/yyyy in .xlsx)", OWN, U, "Ngày sinh"),
    Field("gioitinh", "Student.gender (1 Nam, 2 Nữ)", Q, M, "Giới tính"),
    Field("dantoc", "Student.ethnicity (GSO code in @ma, name as text)", D, M, "Dân tộc"),
    Field("quoctich", "Student.nationality (ISO code in @ma, name as text)", D, M, "Quốc tịch"),
    Field("noisinh", "Student.birth_place", OWN, U, "Nơi sinh"),
    Field("quequan", "Student.hometown", OWN, U, "Quê quán"),
    Field("noiohiennay", "Student.current_address", OWN, U, "Nơi ở hiện nay"),
    Field("hotencha", "Student.father_name", D, M, "Họ tên cha"),
    Field("hotenme", "Student.mother_name", D, M, "Họ tên mẹ"),
    Field("hotennguoigiamho", "Student.guardian_name", D, M, "Họ tên người giám hộ"),
    Field("doituongchinhsach", "Student.policy_group", D, M, "Đối tượng chính sách"),
    Field("sodangbo", "Enrolment.register_number", OWN, U, "Số đăng bộ"),
    Field("ngaynhaphoc", "Enrolment.enrolled_on", OWN, U, "Ngày nhập học"),
)  # fmt: skip

RESULT_FIELDS: tuple[Field, ...] = (
    Field("maHocSinh", "Student.moet_code", E, M),
    Field("namHoc", "SchoolYear.code", E, M),
    Field("hocKy", "period: GHKI, CHKI → 1; GHKII, CN → 2", E, L),
    Field("giaiDoan", "period: GK (mid-term), CK (end of semester I), CN (year)", E, L),
    Field("mamonhoc", "D1 unit code (tieng_viet, toan, …)", D, L),
    Field("mucdat", "Entry.level (T/H/C; T/Đ/C)", OWN, U),
    Field("diemktdk", "Entry.score (tested units only, D4)", OWN, U),
    Field("maDanhHieu", "year-end award code (hoc_sinh_xuat_sac, hoc_sinh_tieu_bieu)", E, L),
    Field("ketQuaGiaoDuc", "year-end result HTXS/HTT/HT/CHT (D5)", OWN, U),
    Field("hthanhCtrinhLhoc", "completed the grade (0/1)", E, M),
    Field("hoanThanhChuongTrinhTieuHoc", "grade 5 completed primary (0/1)", E, M),
    Field("lenLop", "promoted (0/1, empty when not applicable)", E, M),
)  # fmt: skip

RECORD_FIELDS: tuple[Field, ...] = (
    Field("madinhdanhhocba", "RecordPage.record_code", D, M, "Mã định danh học bạ"),
    Field("phienban", "RecordPage.version", OWN, U, "Phiên bản"),
    Field("trangthaithongtinhocba", "current / superseded / submitted (D10)", D, L, "Trạng thái"),
    Field("bam_sha256", "RecordPage.sha256 (canonical XML)", OWN, U, "Mã băm XML (SHA-256)"),
    Field("bampdf_sha256", "sealed PDF SHA-256", OWN, U, "Mã băm PDF đã đóng dấu (SHA-256)"),
    Field("ngayphathanh", "date the school seal was applied", OWN, U, "Ngày phát hành"),
    Field("nguoiki", "signers: homeroom → principal → seal, title, time (D8)", OWN, U, "Người kí"),
    Field("chucvugiamhieu", "the principal's title as signed", D, M, "Chức vụ người kí"),
)  # fmt: skip
