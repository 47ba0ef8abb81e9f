"""The organisation: province (Sở) → commune/ward → school, school years, periods, classes.

Spec D7: no district office after 1 July 2025; a legacy district may be kept for pages issued
before that date. A school keeps a stable id and a dated name history.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    code = models.CharField(_("mã tỉnh"), max_length=8, unique=True)
    name = models.CharField(_("tên tỉnh/thành phố"), max_length=200)
    department_name = models.CharField(_("tên Sở GD&ĐT"), max_length=200)

    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LegacyDistrict(models.Model):
    """A district (huyện/quận) as it existed before 1 July 2025, for old pages only."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="legacy_districts"
    )
    code = models.CharField(_("mã huyện"), max_length=8)
    name = models.CharField(_("tên huyện/quận"), max_length=200)
    abolished_on = models.DateField(_("ngày giải thể"), default=dt.date(2025, 7, 1))

    class Meta:
        verbose_name = _("huyện/quận (trước 01/7/2025)")
        verbose_name_plural = _("huyện/quận (trước 01/7/2025)")
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="legacy_district_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    class Kind(models.TextChoices):
        XA = "xa", _("Xã")
        PHUONG = "phuong", _("Phường")
        DAC_KHU = "dac_khu", _("Đặc khu")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    code = models.CharField(_("mã xã/phường"), max_length=8)
    name = models.CharField(_("tên xã/phường"), max_length=200)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.XA)
    legacy_district = models.ForeignKey(
        LegacyDistrict, null=True, blank=True, on_delete=models.PROTECT, related_name="communes"
    )

    class Meta:
        verbose_name = _("xã/phường")
        verbose_name_plural = _("xã/phường")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="commune_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    code = models.CharField(_("mã trường"), max_length=16, unique=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="schools")
    legacy_district = models.ForeignKey(
        LegacyDistrict, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    # Denormalised current name for lists; the dated history in SchoolName is authoritative.
    name = models.CharField(_("tên trường hiện tại"), max_length=200)

    class Meta:
        verbose_name = _("trường")
        verbose_name_plural = _("trường")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def name_on(self, day: dt.date) -> str:
        """The school's name valid on `day` (documents freeze the name valid on their date)."""
        for entry in self.names.all():
            if entry.valid_from <= day and (entry.valid_until is None or day < entry.valid_until):
                return entry.name
        return self.name


class SchoolName(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="names")
    name = models.CharField(_("tên trường"), max_length=200)
    valid_from = models.DateField(_("có hiệu lực từ"))
    valid_until = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)
    decision = models.CharField(_("quyết định"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tên trường theo thời kì")
        verbose_name_plural = _("lịch sử tên trường")
        ordering = ["school", "valid_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from:%d/%m/%Y})"


class SchoolYear(models.Model):
    """A school year of the province, key "YYYY-YYYY"."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="school_years")
    code = models.CharField(_("năm học"), max_length=9)
    starts_on = models.DateField(_("ngày bắt đầu"))
    ends_on = models.DateField(_("ngày kết thúc"))

    class Meta:
        verbose_name = _("năm học")
        verbose_name_plural = _("năm học")
        ordering = ["-code"]
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="school_year_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class Period(models.Model):
    class Code(models.TextChoices):
        GHKI = "GHKI", _("Giữa học kì I")
        CHKI = "CHKI", _("Cuối học kì I")
        GHKII = "GHKII", _("Giữa học kì II")
        CN = "CN", _("Cuối năm học")

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="periods")
    code = models.CharField(_("kì đánh giá"), max_length=5, choices=Code.choices)
    order = models.PositiveSmallIntegerField()
    entry_opens_on = models.DateField(_("mở nhập từ"))
    entry_deadline = models.DateField(_("hạn khóa sổ"))

    class Meta:
        verbose_name = _("kì đánh giá")
        verbose_name_plural = _("kì đánh giá")
        ordering = ["school_year", "order"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "code"], name="period_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.school_year.code}"


class ClassGroup(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("khối"))
    name = models.CharField(_("tên lớp"), max_length=20)

    class Meta:
        verbose_name = _("lớp")
        verbose_name_plural = _("lớp")
        ordering = ["school", "school_year", "grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="class_name_unique_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=5), name="class_grade_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"Lớp {self.name}"
