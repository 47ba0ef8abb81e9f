"""The .xlsx files in the CSDL ngành upload layout — PROVISIONAL (docs/exchange.md).

The layout is derived from third-party material (spec §8 [P]): the pupils sheet is named
"C1-HocSinh" and starts "STT", "Mã lớp", "Mã học sinh", "Họ tên"; the results columns use the
CSDL results export's names (maHocSinh, namHoc, hocKy, giaiDoan, …). Nothing here is confirmed
against the ministry's current templates. Every cell is text, written through
`people.exports.cells` (no cell can become a formula); a second sheet "Hướng dẫn" says what the
file is and that the layout is provisional.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from hocbaso.exchange.exports.dictionary import PUPIL_FIELDS, RECORD_FIELDS
from hocbaso.exchange.exports.rows import ExportScope, PupilRow, RecordRow, ResultRow
from hocbaso.people.exports.cells import write_xlsx
from hocbaso.people.models import Gender
from hocbaso.regulation.catalogue import CATALOGUES
from hocbaso.regulation.types import Regime

SHEETS = {"pupils": "C1-HocSinh", "results": "KetQuaHocTap", "records": "HocBaSo"}
NOTES: tuple[tuple[str, str], ...] = (
    ("Tệp", "Dữ liệu xuất theo bố cục tải lên CSDL ngành — BỐ CỤC TẠM THỜI."),
    ("Nguồn bố cục", "Suy ra từ tài liệu của bên thứ ba, chưa đối chiếu với mẫu chính thức của "
                     "Bộ GD&ĐT; kiểm tra lại trước khi tải lên."),
    ("Mã môn, phẩm chất, năng lực", "Mã máy của hocbaso (D1–D2), ví dụ toan, tieng_viet, "
                                    "pc_yeu_nuoc, nl_tu_chu_tu_hoc."),
    ("Số định danh cá nhân", "Chỉ có với người được phép xem; để trống nếu không được phép."),
)  # fmt: skip
_GENDERS = {1: "Nam", 2: "Nữ"}


def _date(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _pupils(rows: Sequence[PupilRow]) -> tuple[list[str], list[list[str]]]:
    by_name = {f.name: f.xlsx_header for f in PUPIL_FIELDS}
    order = ["malop", "mahocsinh", "hovaten", "ngaysinh", "gioitinh", "dantoc", "quoctich",
             "sodinhdanhcanhan", "noisinh", "quequan", "noiohiennay", "hotencha", "hotenme",
             "hotennguoigiamho", "doituongchinhsach", "makhoi", "matruong", "sodangbo",
             "ngaynhaphoc"]  # fmt: skip
    header = ["STT", *(by_name[name] for name in order)]
    body = [
        [
            str(n),
            r.class_name,
            r.moet_code,
            r.full_name,
            _date(r.birth_date),
            _GENDERS.get(r.gender, str(Gender(r.gender).label)),
            r.ethnicity,
            r.nationality,
            r.personal_id,
            r.birth_place,
            r.hometown,
            r.current_address,
            r.father_name,
            r.mother_name,
            r.guardian_name,
            r.policy_group,
            str(r.grade),
            r.school_code,
            r.register_number,
            _date(r.enrolled_on),
        ]  # fmt: skip
        for n, r in enumerate(rows, start=1)
    ]
    return header, body


def result_columns() -> tuple[list[str], list[str], list[str]]:
    """Unit columns (level, then score), quality and competency columns: every D1–D2 code."""
    catalogue = CATALOGUES[Regime.TT27]
    units = [s.code for s in catalogue.subjects]
    qualities = [f"pc_{q.code}" for q in catalogue.qualities]
    competencies = [f"nl_{c.code}" for c in catalogue.competencies]
    return units, qualities, competencies


def _results(rows: Sequence[ResultRow], year: str) -> tuple[list[str], list[list[str]]]:
    units, qualities, competencies = result_columns()
    header = ["STT", "maTruong", "maLop", "maHocSinh", "hoTen", "namHoc", "hocKy", "giaiDoan",
              "kyDanhGia"]  # fmt: skip
    header += [c for u in units for c in (u, f"{u}_diem")] + qualities + competencies
    header += ["ketQuaGiaoDuc", "maDanhHieu", "hthanhCtrinhLhoc",
               "hoanThanhChuongTrinhTieuHoc", "lenLop"]  # fmt: skip
    body: list[list[str]] = []
    for r in rows:
        for p in r.periods:
            subjects = {m.code: m for m in p.subjects}
            rated = {f"pc_{m.code}": m.level for m in p.qualities}
            rated |= {f"nl_{m.code}": m.level for m in p.competencies}
            line = [str(len(body) + 1), r.school_code, r.class_name, r.moet_code, r.full_name,
                    year, p.semester, p.stage, p.period]  # fmt: skip
            for u in units:
                mark = subjects.get(u)
                score = mark.score if mark is not None else None
                line += [mark.level if mark else "", "" if score is None else str(score)]
            line += [rated.get(c, "") for c in qualities + competencies]
            end = r.year_end if p.period == "CN" else None
            if end is None:
                line += [""] * 5
            else:
                line += [end.result, end.award, str(int(end.completed_grade)),
                         str(int(end.completed_primary)),
                         "" if end.promoted is None else str(int(end.promoted))]  # fmt: skip
            body.append(line)
    return header, body


def _records(rows: Sequence[RecordRow]) -> tuple[list[str], list[list[str]]]:
    header = ["STT", "Mã trường", "Mã lớp", "Mã học sinh", "Họ tên"]
    header += [f.xlsx_header for f in RECORD_FIELDS if f.name != "chucvugiamhieu"]
    body = []
    for n, r in enumerate(rows, start=1):
        signers = "; ".join(
            f"{s.name} ({s.title}, {timezone.localtime(s.at):%d/%m/%Y %H:%M})" for s in r.signers
        )
        body.append(
            [str(n), r.school_code, r.class_name, r.moet_code, r.full_name, r.record_code,
             str(r.version), r.status, r.xml_sha256, r.pdf_sha256, _date(r.issued_on), signers]
        )  # fmt: skip
    return header, body


def to_xlsx(kind: str, scope: ExportScope, rows: Sequence[Any]) -> tuple[bytes, int]:
    """The workbook and its number of data rows."""
    if kind == "pupils":
        header, body = _pupils(rows)
    elif kind == "results":
        header, body = _results(rows, scope.year.code)
    else:
        header, body = _records(rows)
    content = write_xlsx(
        header, body, title=SHEETS[kind], widths=[8] + [18] * (len(header) - 1), notes=NOTES
    )
    return content, len(body)
