"""Build the demo province through the actions (`manage.py seed_demo`).

The province, its communes, the school year and the province-level accounts are written in one
transaction; then each school (classes, staff, roles, assignments, pupils, parents' accounts)
in its own, so memory stays flat however many schools are asked for. Every write goes through
an action and leaves its audit events, so the demo audit chains verify like real ones.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import reset_queries, transaction

from hocbaso.audit.actors import SEED
from hocbaso.audit.context import request_context
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup, Commune, Province, School, SchoolYear
from hocbaso.people.actions import assignments
from hocbaso.people.actions.bulk import PupilRow, bulk_create_students, link_guardian_accounts
from hocbaso.people.actions.bulk_staff import (
    AccountRow,
    ClassStaffing,
    assign_class_teachers,
    bulk_create_accounts,
)
from hocbaso.people.demo import names, places
from hocbaso.people.demo.logins import DEMO_PASSWORD, commune_officer_username, school_username
from hocbaso.people.demo.portraits import PortraitStore
from hocbaso.people.demo.pupils import SERIAL_SPACE, ClassContext, class_rows
from hocbaso.people.demo.staff import (
    SPECIALIST_SUBJECTS,
    homeroom_subjects,
    school_staff,
    specialist_subjects,
)
from hocbaso.people.demo.totp import enrol_demo_totp
from hocbaso.people.models import Gender, Role, User

GRADES = (1, 2, 3, 4, 5)
CLASS_LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class SeedOptions:
    schools: int = 3
    classes_per_grade: int = 2
    students_per_class: int = 30
    seed: int = 2026
    school_year_start: int = 2026

    @property
    def pupils_per_school(self) -> int:
        return len(GRADES) * self.classes_per_grade * self.students_per_class

    def problems(self) -> list[str]:
        """What is wrong with the options, in Vietnamese (empty when they can be used)."""
        out = []
        if self.schools < 1:
            out.append("Số trường phải từ 1 trở lên.")
        if not 1 <= self.classes_per_grade <= len(CLASS_LETTERS):
            out.append(f"Số lớp mỗi khối phải từ 1 đến {len(CLASS_LETTERS)}.")
        if self.students_per_class < 1:
            out.append("Số học sinh mỗi lớp phải từ 1 trở lên.")
        if self.schools * self.pupils_per_school > SERIAL_SPACE:
            out.append(f"Tổng số học sinh không được vượt quá {SERIAL_SPACE:,}.".replace(",", "."))
        return out


@dataclass
class SeedReport:
    schools: int = 0
    communes: int = 0
    classes: int = 0
    pupils: int = 0
    accounts: int = 0
    photo_files: int = 0


@dataclass(frozen=True)
class ProvinceContext:
    province: Province
    year: SchoolYear
    communes: list[tuple[places.CommunePlan, Commune]]
    password_hash: str


Progress = Callable[[int, SeedReport], None]


def seed_demo(options: SeedOptions, *, progress: Progress | None = None) -> SeedReport:
    report = SeedReport()
    with request_context("seed"):
        ctx = _seed_province(options, report)
        portraits = PortraitStore()
        for index in range(options.schools):
            with transaction.atomic():
                _seed_school(index, options, ctx, portraits, report)
            reset_queries()  # with DEBUG on, Django keeps every query's SQL until told not to
            if progress is not None:
                progress(index + 1, report)
        report.photo_files = len(portraits)
    return report


def _adult(rng: random.Random, gender: int) -> str:
    return names.full_name(rng, gender, adult=True)


@transaction.atomic
def _seed_province(options: SeedOptions, report: SeedReport) -> ProvinceContext:
    rng = random.Random(f"{options.seed}:province")  # noqa: S311 - demo data, not secrets
    province = org_actions.create_province(
        code=places.PROVINCE_CODE,
        name=places.PROVINCE_NAME,
        department_name=places.DEPARTMENT_NAME,
        acting_user=SEED,
    )
    year = org_actions.create_school_year(
        province=province, start_year=options.school_year_start, acting_user=SEED
    )
    communes = []
    for index in range(places.commune_count(options.schools)):
        plan = places.commune_plan(index)
        commune = org_actions.create_commune(
            province=province, code=plan.code, name=plan.name, kind=plan.kind, acting_user=SEED
        )
        communes.append((plan, commune))
    rows = [
        AccountRow("admin", _adult(rng, Gender.MALE), names.mobile_number(rng), is_superuser=True),
        AccountRow("canboso", _adult(rng, Gender.FEMALE), names.mobile_number(rng)),
        AccountRow("thanhtra", _adult(rng, Gender.MALE), names.mobile_number(rng)),
    ]
    rows += [
        AccountRow(
            commune_officer_username(plan.index, plan.code),
            _adult(rng, rng.choice((Gender.MALE, Gender.FEMALE))),
            names.mobile_number(rng),
        )
        for plan, _ in communes
    ]
    password_hash = make_password(DEMO_PASSWORD)  # hashed once for every demo account
    users = bulk_create_accounts(rows, password_hash=password_hash, acting_user=SEED)
    grant = assignments.grant_role
    grant(users[1].pk, Role.PROVINCE_OFFICER, province_id=province.pk, acting_user=SEED)
    grant(users[2].pk, Role.INSPECTOR, province_id=province.pk, acting_user=SEED)
    for user, (_, commune) in zip(users[3:], communes, strict=True):
        grant(user.pk, Role.COMMUNE_OFFICER, commune_id=commune.pk, acting_user=SEED)
    report.communes = len(communes)
    report.accounts += len(users)
    return ProvinceContext(province, year, communes, password_hash)


def _rank_in_commune(index: int, schools: int, communes: int) -> int:
    commune = places.commune_of_school(index, schools, communes)
    rank = 0
    while (
        index - rank - 1 >= 0
        and places.commune_of_school(index - rank - 1, schools, communes) == commune
    ):
        rank += 1
    return rank


def _create_classes(school: School, options: SeedOptions, ctx: ProvinceContext) -> list[ClassGroup]:
    return [
        org_actions.create_class(
            school=school,
            school_year=ctx.year,
            grade=grade,
            name=f"{grade}{letter}",
            acting_user=SEED,
        )
        for grade in GRADES
        for letter in CLASS_LETTERS[: options.classes_per_grade]
    ]


def _seed_school(
    index: int,
    options: SeedOptions,
    ctx: ProvinceContext,
    portraits: PortraitStore,
    report: SeedReport,
) -> None:
    rng = random.Random(f"{options.seed}:school:{index}")  # noqa: S311 - demo data
    commune_index = places.commune_of_school(index, options.schools, len(ctx.communes))
    plan, commune = ctx.communes[commune_index]
    code = places.school_code(index)
    school = org_actions.create_school(
        commune=commune,
        code=code,
        name=places.school_name(
            index, plan, _rank_in_commune(index, options.schools, len(ctx.communes))
        ),
        valid_from=dt.date(rng.randint(1976, 2012), 9, 5),
        address=places.address(rng, plan),
        acting_user=SEED,
    )
    classes = _create_classes(school, options, ctx)
    staff = school_staff(rng, index, code, [c.name for c in classes])

    first_serial = index * options.pupils_per_school
    pupils: list[list[PupilRow]] = []
    for position, class_group in enumerate(classes):
        class_ctx = ClassContext(
            code, options.school_year_start, class_group.grade, plan, options.seed
        )
        offset = position * options.students_per_class
        pupils.append(
            class_rows(
                class_ctx,
                count=options.students_per_class,
                first_serial=first_serial + offset,
                first_register=offset + 1,
                class_name=class_group.name,
                portraits=portraits,
            )
        )

    # A parent's account for the first pupil of each grade's first class.
    parent_of: dict[int, AccountRow] = {}
    for position, class_group in enumerate(classes):
        if not class_group.name.endswith("A"):
            continue
        guardian = next(g for g in pupils[position][0].guardians if g.phone)
        parent_of[position] = AccountRow(
            school_username(index, code, f"ph{class_group.name.lower()}"),
            guardian.full_name,
            guardian.phone,
        )
    rows = [member.account for member in staff] + list(parent_of.values())
    users = bulk_create_accounts(
        rows, password_hash=ctx.password_hash, acting_user=SEED, school_id=school.pk
    )
    by_key: dict[str, User] = dict(zip((m.key for m in staff), users[: len(staff)], strict=True))
    parent_users = dict(zip(parent_of, users[len(staff) :], strict=True))

    for member in staff:
        if member.role is not None:
            assignments.grant_role(
                by_key[member.key].pk,
                member.role,
                school_id=school.pk,
                grades=list(member.grades),
                acting_user=SEED,
            )
        if member.role == Role.PRINCIPAL:
            # the demo principals show the second factor: `manage.py demo_totp hieutruong`
            enrol_demo_totp(by_key[member.key])
    staffing = []
    for class_group in classes:
        homeroom = by_key[f"gvcn{class_group.name.lower()}"]
        subjects = {subject: homeroom.pk for subject in homeroom_subjects(class_group.grade)}
        for subject in specialist_subjects(class_group.grade):
            subjects[subject] = by_key[SPECIALIST_SUBJECTS[subject]].pk
        staffing.append(ClassStaffing(class_group.pk, homeroom.pk, subjects))
    assign_class_teachers(staffing, acting_user=SEED)

    links: list[tuple[int, int]] = []
    for position, class_group in enumerate(classes):
        created = bulk_create_students(
            pupils[position],
            class_group.pk,
            acting_user=SEED,
            enrolled_on=ctx.year.starts_on,
            verified_by=by_key[f"gvcn{class_group.name.lower()}"],
        )
        if position in parent_users:
            linked = next(g for g in created[0].guardians if g.phone)
            links.append((linked.pk, parent_users[position].pk))
        report.pupils += len(created)
    link_guardian_accounts(links, acting_user=SEED)
    report.schools += 1
    report.classes += len(classes)
    report.accounts += len(users)
