"""The downloadable templates: our header row, text-formatted cells, and a "Hướng dẫn" sheet
listing the accepted values. A file built from them is the only shape the import accepts."""

from __future__ import annotations

from django.utils import translation

from hocbaso.people.code_lists import ETHNICITIES, NATIONALITIES, NOT_APPLICABLE
from hocbaso.people.exports.cells import ExportFile, ExportFormat, render_file
from hocbaso.people.imports.columns import STAFF_COLUMNS, Column, student_columns
from hocbaso.people.imports.staff import role_labels
from hocbaso.people.models import Gender


def _required(columns: tuple[Column, ...]) -> list[str]:
    return [
        "Cột bắt buộc",
        ", ".join(c.header for c in columns if c.required),
    ]


def student_template(fmt: ExportFormat | str = ExportFormat.XLSX) -> ExportFile:
    columns = student_columns()
    with translation.override("vi"):
        genders = " hoặc ".join(str(label) for _, label in Gender.choices)
    notes = [
        ["Hướng dẫn", "Mỗi dòng một học sinh; giữ nguyên dòng tiêu đề của sheet đầu tiên."],
        _required(columns),
        ["Giới tính", genders],
        ["Ngày sinh", "dd/mm/yyyy, ví dụ 15/03/2016"],
        ["Dân tộc", ", ".join(ETHNICITIES.values())],
        ["Quốc tịch", ", ".join(NATIONALITIES.values())],
        [
            "Không có",
            f"Ghi «{NOT_APPLICABLE}» ở Họ tên cha/mẹ, Người giám hộ, Đối tượng chính sách",
        ],
        ["Số định danh cá nhân", "12 chữ số; có thể để trống nếu chưa có"],
        ["Lớp", "Tên lớp của năm học hiện tại, ví dụ 4A"],
        ["Tệp CSV", "Lưu bằng bảng mã UTF-8, phân cách bằng dấu phẩy hoặc chấm phẩy"],
    ]
    return render_file(
        ExportFormat(fmt),
        [c.header for c in columns],
        [],
        basename="mau-nhap-hoc-sinh",
        title="Danh sách học sinh",
        widths=[c.width for c in columns],
        notes=notes,
    )


def staff_template(fmt: ExportFormat | str = ExportFormat.XLSX) -> ExportFile:
    notes = [
        [
            "Hướng dẫn",
            "Mỗi dòng một cán bộ, giáo viên; tài khoản mới được tạo với mật khẩu ban đầu.",
        ],
        _required(STAFF_COLUMNS),
        ["Vai trò", "; ".join(role_labels().values()) + " (nhiều vai trò ngăn cách bằng dấu ;)"],
        ["Khối phụ trách", "Chỉ cho Tổ trưởng chuyên môn, ví dụ 4;5"],
        ["Lớp chủ nhiệm", "Tên lớp, ví dụ 4A"],
        ["Phân công", "lớp:môn, ngăn cách bằng dấu ;, ví dụ 4A:toan;4B:Toán"],
        ["Tệp CSV", "Lưu bằng bảng mã UTF-8, phân cách bằng dấu phẩy hoặc chấm phẩy"],
    ]
    return render_file(
        ExportFormat(fmt),
        [c.header for c in STAFF_COLUMNS],
        [],
        basename="mau-nhap-can-bo-giao-vien",
        title="Cán bộ, giáo viên",
        widths=[c.width for c in STAFF_COLUMNS],
        notes=notes,
    )
