"""Writes to the organisation. Only the Sở's system administrators (and the seed) create
schools, years and classes here; each write leaves its audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup, Commune, Period, Province, School, SchoolName, SchoolYear


class OrgError(Exception):
    """A refused organisation change (Vietnamese message)."""


def _ensure_admin(actor: Any) -> None:
    if isinstance(actor, SystemActor) or getattr(actor, "is_superuser", False):
        return
    raise OrgError("Chỉ quản trị hệ thống của Sở được thay đổi cơ cấu tổ chức.")


@transaction.atomic
def create_province(*, code: str, name: str, department_name: str, acting_user: Any) -> Province:
    _ensure_admin(acting_user)
    province = Province.objects.create(code=code, name=name, department_name=department_name)
    log(
        "org.province_created",
        actor=acting_user,
        subject=province,
        data={"new": {"code": code, "name": name}},
    )
    return province


@transaction.atomic
def create_commune(
    *, province: Province, code: str, name: str, kind: str, acting_user: Any
) -> Commune:
    _ensure_admin(acting_user)
    commune = Commune.objects.create(province=province, code=code, name=name, kind=kind)
    log(
        "org.commune_created",
        actor=acting_user,
        subject=commune,
        data={"new": {"code": code, "name": name}},
    )
    return commune


@transaction.atomic
def create_school(
    *,
    commune: Commune,
    code: str,
    name: str,
    valid_from: dt.date,
    acting_user: Any,
    address: str = "",
) -> School:
    _ensure_admin(acting_user)
    if School.objects.filter(code=code).exists():
        raise OrgError(f"Mã trường «{code}» đã tồn tại.")
    school = School.objects.create(commune=commune, code=code, name=name, address=address)
    SchoolName.objects.create(school=school, name=name, valid_from=valid_from)
    log(
        "org.school_created",
        actor=acting_user,
        subject=school,
        school_id=school.pk,
        data={"new": {"code": code, "name": name, "commune": commune.code}},
    )
    return school


@transaction.atomic
def rename_school(
    school_id: int, *, new_name: str, valid_from: dt.date, decision: str, acting_user: Any
) -> School:
    """Close the current name on `valid_from` and open the new one (documents dated before keep
    the old name)."""
    _ensure_admin(acting_user)
    school = School.objects.select_for_update().get(pk=school_id)
    current = school.names.filter(valid_until__isnull=True).order_by("-valid_from").first()
    if current is not None:
        if valid_from <= current.valid_from:
            raise OrgError("Ngày đổi tên phải sau ngày bắt đầu của tên hiện tại.")
        SchoolName.objects.filter(pk=current.pk).update(valid_until=valid_from)
    SchoolName.objects.create(
        school=school, name=new_name, valid_from=valid_from, decision=decision
    )
    old_name = school.name
    school.name = new_name
    school.save(update_fields=["name"])
    log(
        "org.school_renamed",
        actor=acting_user,
        subject=school,
        school_id=school.pk,
        data={
            "old": {"name": old_name},
            "new": {"name": new_name, "valid_from": valid_from.isoformat()},
        },
    )
    return school


def default_periods(start_year: int) -> list[tuple[str, dt.date, dt.date]]:
    """Assessment points near weeks 9, 18, 27 and 35 (spec §2, [A]); each year's real calendar
    is set by the Sở and can be changed per year."""
    y, n = start_year, start_year + 1
    return [
        (Period.Code.GHKI, dt.date(y, 10, 20), dt.date(y, 11, 10)),
        (Period.Code.CHKI, dt.date(n, 1, 2), dt.date(n, 1, 20)),
        (Period.Code.GHKII, dt.date(n, 3, 10), dt.date(n, 3, 31)),
        (Period.Code.CN, dt.date(n, 5, 5), dt.date(n, 5, 25)),
    ]


@transaction.atomic
def create_school_year(*, province: Province, start_year: int, acting_user: Any) -> SchoolYear:
    _ensure_admin(acting_user)
    code = f"{start_year}-{start_year + 1}"
    year = SchoolYear.objects.create(
        province=province,
        code=code,
        starts_on=dt.date(start_year, 9, 5),
        ends_on=dt.date(start_year + 1, 5, 31),
    )
    Period.objects.bulk_create(
        Period(school_year=year, code=c, order=i, entry_opens_on=o, entry_deadline=d)
        for i, (c, o, d) in enumerate(default_periods(start_year), start=1)
    )
    log("org.school_year_created", actor=acting_user, subject=year, data={"new": {"code": code}})
    return year


@transaction.atomic
def create_class(
    *, school: School, school_year: SchoolYear, grade: int, name: str, acting_user: Any
) -> ClassGroup:
    _ensure_admin(acting_user)
    if not 1 <= grade <= 5:
        raise OrgError("Khối lớp phải từ 1 đến 5.")
    if ClassGroup.objects.filter(school=school, school_year=school_year, name=name).exists():
        raise OrgError(f"Lớp «{name}» đã có trong năm học {school_year.code}.")
    class_group = ClassGroup.objects.create(
        school=school, school_year=school_year, grade=grade, name=name
    )
    log(
        "org.class_created",
        actor=acting_user,
        subject=class_group,
        school_id=school.pk,
        data={"new": {"name": name, "grade": grade, "year": school_year.code}},
    )
    return class_group
