"""A small province built through the actions, with the fixed personas of style.md habit 5.

Used by the root conftest (`world` fixture) and by the matrix and browser tests.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup, Commune, Province, School, SchoolYear
from hocbaso.people.actions import assignments, photos, students
from hocbaso.people.models import Guardian, Role, Student, User

PASSWORD = "Mat-khau-thu-nghiem-2026"
CANARY_NAME = "Nguyễn Canary Bảo Mật"
CANARY_PERSONAL_ID = "058216000777"


def pupil_values(
    name: str, *, personal_id: str | None = None, gender: str = "Nam"
) -> dict[str, Any]:
    return {
        "full_name": name,
        "gender": gender,
        "birth_date": "15/03/2016",
        "ethnicity": "Kinh",
        "nationality": "VN",
        "birth_place": "Phan Rang - Tháp Chàm, Ninh Thuận",
        "hometown": "Ninh Thuận",
        "current_address": "12 Lê Lợi, phường Đô Vinh",
        "father_name": "Nguyễn Văn Cha",
        "mother_name": "Trần Thị Mẹ",
        "guardian_name": "không",
        "policy_group": "không",
        "personal_id": personal_id or "",
    }


def sample_photo(color: tuple[int, int, int] = (120, 160, 200), fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (90, 120), color)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@dataclass
class World:
    province: Province
    commune: Commune
    other_commune: Commune
    school: School
    other_school: School
    year: SchoolYear
    class_4a: ClassGroup
    class_5b: ClassGroup
    class_1a_other: ClassGroup
    pupil_a: Student  # in 4A, child of parent_a
    pupil_5b: Student
    canary: Student  # in the other school; must never leak
    users: dict[str, User] = field(default_factory=dict)

    def user(self, persona: str) -> User:
        return self.users[persona]


PERSONAS = (
    "parent_a",
    "parent_b",
    "homeroom_4a",
    "subject_teacher_5b",
    "group_head",
    "vice_principal",
    "principal",
    "school_admin",
    "other_principal",
    "commune_officer",
    "province_officer",
    "inspector",
    "sysadmin",
)


def build_world() -> World:
    a = SEED
    province = org_actions.create_province(
        code="58", name="Ninh Thuận", department_name="Sở GD&ĐT Ninh Thuận", acting_user=a
    )
    commune = org_actions.create_commune(
        province=province, code="22738", name="Phường Đô Vinh", kind="phuong", acting_user=a
    )
    other_commune = org_actions.create_commune(
        province=province, code="22780", name="Xã Phước Dân", kind="xa", acting_user=a
    )
    school = org_actions.create_school(
        commune=commune,
        code="TH-DV",
        name="Trường Tiểu học Đô Vinh",
        valid_from=dt.date(2000, 9, 1),
        acting_user=a,
    )
    other_school = org_actions.create_school(
        commune=other_commune,
        code="TH-PD",
        name="Trường Tiểu học Phước Dân",
        valid_from=dt.date(2000, 9, 1),
        acting_user=a,
    )
    year = org_actions.create_school_year(province=province, start_year=2026, acting_user=a)
    class_4a = org_actions.create_class(
        school=school, school_year=year, grade=4, name="4A", acting_user=a
    )
    class_5b = org_actions.create_class(
        school=school, school_year=year, grade=5, name="5B", acting_user=a
    )
    class_1a_other = org_actions.create_class(
        school=other_school, school_year=year, grade=1, name="1A", acting_user=a
    )

    users: dict[str, User] = {}
    for persona in PERSONAS:
        users[persona] = assignments.create_account(
            username=persona, full_name=f"Persona {persona}", password=PASSWORD, acting_user=a
        )
    users["sysadmin"].is_superuser = True
    users["sysadmin"].is_staff = True
    users["sysadmin"].save(update_fields=["is_superuser", "is_staff"])
    grant = assignments.grant_role
    grant(users["principal"].pk, Role.PRINCIPAL, school_id=school.pk, acting_user=a)
    grant(users["vice_principal"].pk, Role.VICE_PRINCIPAL, school_id=school.pk, acting_user=a)
    grant(users["school_admin"].pk, Role.SCHOOL_ADMIN, school_id=school.pk, acting_user=a)
    grant(users["group_head"].pk, Role.GROUP_HEAD, school_id=school.pk, grades=[4], acting_user=a)
    grant(users["other_principal"].pk, Role.PRINCIPAL, school_id=other_school.pk, acting_user=a)
    grant(users["commune_officer"].pk, Role.COMMUNE_OFFICER, commune_id=commune.pk, acting_user=a)
    grant(
        users["province_officer"].pk, Role.PROVINCE_OFFICER, province_id=province.pk, acting_user=a
    )
    grant(users["inspector"].pk, Role.INSPECTOR, province_id=province.pk, acting_user=a)
    assignments.assign_homeroom(users["homeroom_4a"].pk, class_4a.pk, acting_user=a)
    assignments.assign_teacher(users["homeroom_4a"].pk, class_4a.pk, "toan", acting_user=a)
    assignments.assign_teacher(
        users["subject_teacher_5b"].pk, class_5b.pk, "tin_hoc", acting_user=a
    )

    day = dt.date(2026, 9, 5)
    pupil_a = students.create_student(
        pupil_values("Lê Minh An"), class_4a.pk, enrolled_on=day, acting_user=a
    )
    pupil_5b = students.create_student(
        pupil_values("Phạm Thu Hà", gender="Nữ"), class_5b.pk, enrolled_on=day, acting_user=a
    )
    canary = students.create_student(
        pupil_values(CANARY_NAME, personal_id=CANARY_PERSONAL_ID),
        class_1a_other.pk,
        enrolled_on=day,
        acting_user=a,
    )
    photos.set_student_photo(pupil_a.pk, sample_photo(), acting_user=a)
    guardian = students.add_guardian(
        pupil_a.pk, relation="cha", full_name="Lê Văn Bố", acting_user=a
    )
    Guardian.objects.filter(pk=guardian.pk).update(user=users["parent_a"])
    return World(
        province=province,
        commune=commune,
        other_commune=other_commune,
        school=school,
        other_school=other_school,
        year=year,
        class_4a=class_4a,
        class_5b=class_5b,
        class_1a_other=class_1a_other,
        pupil_a=pupil_a,
        pupil_5b=pupil_5b,
        canary=canary,
        users=users,
    )
