"""The staff of a demo school: leadership, group heads, subject teachers and one homeroom
teacher per class, who teaches the class most of its subjects."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hocbaso.people.actions.bulk_staff import AccountRow
from hocbaso.people.demo import names
from hocbaso.people.demo.logins import school_username
from hocbaso.people.models import Gender, Role
from hocbaso.regulation.catalogue import subjects_for_grade

# Subjects taught by a specialist across the school (base username of that teacher).
SPECIALIST_SUBJECTS: dict[str, str] = {
    "ngoai_ngu_1": "gvngoaingu",
    "tin_hoc": "gvtinhoc",
    "cong_nghe": "gvcongnghe",
    "am_nhac": "gvamnhac",
    "mi_thuat": "gvmithuat",
    "giao_duc_the_chat": "gvtheduc",
}
# Optional units opened only where the school has the pupils and a teacher for them.
NOT_OPENED = frozenset({"tieng_dan_toc"})
# Professional groups (tổ chuyên môn): grades 1–2, grade 3, grades 4–5.
GROUP_GRADES: tuple[tuple[int, ...], ...] = ((1, 2), (3,), (4, 5))
FEMALE_SHARE = 0.78  # most primary teachers are women


@dataclass(frozen=True)
class StaffMember:
    key: str  # the role's base username: "hieutruong", "totruong45", "gvtinhoc", "gvcn4a"
    account: AccountRow
    role: Role | None = None
    grades: tuple[int, ...] = ()


def homeroom_subjects(grade: int) -> tuple[str, ...]:
    """What the homeroom teacher teaches: every unit of the grade but the specialists' ones."""
    return tuple(
        code
        for code in subjects_for_grade(grade)
        if code not in SPECIALIST_SUBJECTS and code not in NOT_OPENED
    )


def specialist_subjects(grade: int) -> tuple[str, ...]:
    return tuple(code for code in subjects_for_grade(grade) if code in SPECIALIST_SUBJECTS)


def _adult_name(rng: random.Random) -> str:
    gender = Gender.FEMALE if rng.random() < FEMALE_SHARE else Gender.MALE
    return names.full_name(rng, gender, adult=True)


def school_staff(
    rng: random.Random, school_index: int, school_code: str, class_names: list[str]
) -> list[StaffMember]:
    def member(key: str, role: Role | None = None, grades: tuple[int, ...] = ()) -> StaffMember:
        account = AccountRow(
            username=school_username(school_index, school_code, key),
            full_name=_adult_name(rng),
            phone=names.mobile_number(rng),
        )
        return StaffMember(key, account, role, grades)

    staff = [
        member("hieutruong", Role.PRINCIPAL),
        member("phohieutruong", Role.VICE_PRINCIPAL),
        member("quantri", Role.SCHOOL_ADMIN),
    ]
    staff += [
        member("totruong" + "".join(map(str, grades)), Role.GROUP_HEAD, grades)
        for grades in GROUP_GRADES
    ]
    staff += [member(base) for base in SPECIALIST_SUBJECTS.values()]
    staff += [member(f"gvcn{name.lower()}") for name in class_names]
    return staff
