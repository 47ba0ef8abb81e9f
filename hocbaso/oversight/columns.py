"""The columns of each dashboard table: one list drives the HTML table and the .xlsx export,
so the file always has what the screen shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from hocbaso.oversight.rows import Row, ratio

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    Text = str | StrPromise


@dataclass(frozen=True)
class Column:
    label: Text
    value: Callable[[Row], Text]


def _label_column(label: Text) -> Column:
    return Column(label, lambda r: r.label)


_AREA: tuple[Column, ...] = (
    Column(_("Số trường"), lambda r: str(r.schools)),
    Column(_("Trường dùng học bạ số"), lambda r: ratio(r.live, r.schools)),
    Column(_("Trường có Quy chế"), lambda r: ratio(r.regulations, r.schools)),
)
_PUPILS: tuple[Column, ...] = (
    Column(_("Học sinh"), lambda r: str(r.pupils)),
    Column(_("Lớp 1 có học bạ số"), lambda r: ratio(r.grade1_issued, r.grade1)),
    Column(_("Học sinh có học bạ số"), lambda r: ratio(r.issued, r.pupils)),
    Column(_("Hồ sơ đầy đủ"), lambda r: ratio(r.complete, r.pupils)),
    Column(_("Có ảnh"), lambda r: ratio(r.photo, r.pupils)),
    Column(_("Có số định danh"), lambda r: ratio(r.personal_id, r.pupils)),
)
_STAFF: tuple[Column, ...] = (
    Column(_("Cán bộ, giáo viên"), lambda r: str(r.staff)),
    Column(_("Đã tập huấn"), lambda r: ratio(r.trained, r.staff)),
    Column(_("Có chứng thư số còn hiệu lực"), lambda r: ratio(r.certified, r.staff)),
)
_PERIOD: tuple[Column, ...] = (
    Column(_("Nhập đánh giá (%)"), lambda r: str(r.entry_percent)),
    Column(_("Lớp đã khóa sổ"), lambda r: ratio(r.locked, r.classes)),
    Column(_("Cờ rà soát chưa đóng"), lambda r: str(r.open_flags)),
    Column(_("Trang học bạ đã kí"), lambda r: str(r.signed)),
    Column(_("Trang đã đóng dấu"), lambda r: str(r.sealed)),
    Column(_("Trang đã gửi lên Kho"), lambda r: ratio(r.submitted, r.sealed)),
)
_CORRECTIONS = Column(_("Đề nghị sửa / 100 sổ"), lambda r: r.correction_rate)

PROVINCE_COLUMNS = (
    _label_column(_("Xã/phường")),
    *_AREA,
    *_PUPILS,
    *_STAFF,
    *_PERIOD,
    _CORRECTIONS,
)
COMMUNE_COLUMNS = (
    _label_column(_("Trường")),
    Column(_("Dùng học bạ số"), lambda r: _("Có") if r.live else _("Chưa")),
    Column(_("Quy chế"), lambda r: r.regulation or _("Chưa có")),
    *_PUPILS,
    *_STAFF,
    *_PERIOD,
    _CORRECTIONS,
)
SCHOOL_COLUMNS = (
    _label_column(_("Lớp")),
    *_PUPILS,
    Column(_("Nhập đánh giá (%)"), lambda r: str(r.entry_percent)),
    Column(_("Đã khóa sổ"), lambda r: _("Có") if r.locked else _("Chưa")),
    *_PERIOD[2:],
)
GRADE_COLUMNS = (
    _label_column(_("Khối")),
    Column(_("Học sinh"), lambda r: str(r.pupils)),
    Column(_("Có học bạ số"), lambda r: ratio(r.issued, r.pupils)),
    Column(_("Hồ sơ đầy đủ"), lambda r: ratio(r.complete, r.pupils)),
)


def cells(columns: tuple[Column, ...], row: Row) -> list[str]:
    return [str(c.value(row)) for c in columns]
