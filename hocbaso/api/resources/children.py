"""/children: a parent's linked pupils and each one's profile (the identity page of the học bạ).

Every route reads the child through `people.guardianship.access_child_for_parent`: a pupil not
linked to the token's holder answers 404, byte for byte like a missing id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Prefetch, prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from hocbaso.api.errors import AUTHENTICATED, NOT_FOUND
from hocbaso.api.pagination import Page, PageParams, page_of
from hocbaso.api.resources.ids import Id
from hocbaso.people.current_enrolment import current_enrolments
from hocbaso.people.guardianship import access_child_for_parent, children_of
from hocbaso.people.models import FieldVerification, Student
from hocbaso.people.profile_display import display_value
from hocbaso.people.profile_fields import PROFILE_FIELDS

router = Router(tags=["Con của tôi"])


class SchoolOut(Schema):
    id: int
    code: str
    name: str


class CurrentClassOut(Schema):
    id: int
    name: str
    grade: int
    school_year: str


class ChildOut(Schema):
    id: int
    full_name: str
    gender: int = Field(..., description="1 = nam, 2 = nữ (QCVN 109:2017/BTTTT).")
    birth_date: dt.date
    school: SchoolOut
    current_class: CurrentClassOut | None = Field(
        ..., description="Lớp đang học (không có nếu đã chuyển đi)."
    )


class ProfileFieldOut(Schema):
    name: str = Field(..., description="Tên trường thông tin (full_name, birth_date, …).")
    label: str
    value: str = Field(..., description="Giá trị như in trên học bạ; số định danh bị che.")
    missing: bool
    verifiable: bool = Field(..., description="Thông tin cần được xác minh trước khi kí học bạ.")
    verified_by: list[str] = Field(
        ...,
        description="Nguồn đã xác minh giá trị hiện tại: birth_certificate, "
        "parent_confirmation, population_db.",
    )


class ChildProfileOut(ChildOut):
    profile: list[ProfileFieldOut]


def _current_enrolments() -> Prefetch[Any]:
    """`people.current_enrolment` at the pupil's school, for many pupils in one query."""
    return Prefetch(
        "enrolments",
        queryset=current_enrolments()
        .filter(class_group__school_id=F("student__school_id"))
        .select_related("class_group__school_year")
        .order_by("-enrolled_on", "-pk"),
        to_attr="current_enrolments",
    )


def child_out(student: Student) -> dict[str, Any]:
    enrolments = getattr(student, "current_enrolments", [])
    current = enrolments[0].class_group if enrolments else None
    school = student.school
    return {
        "id": student.pk,
        "full_name": student.full_name,
        "gender": student.gender,
        "birth_date": student.birth_date,
        "school": {"id": school.pk, "code": school.code, "name": school.name},
        "current_class": (
            {
                "id": current.pk,
                "name": current.name,
                "grade": current.grade,
                "school_year": current.school_year.code,
            }
            if current is not None
            else None
        ),
    }


def profile_of(student: Student) -> list[dict[str, Any]]:
    """Each identity field with the sources that verified its current value (one query)."""
    sources: dict[tuple[str, str], list[str]] = {}
    for field, value_hash, source in (
        FieldVerification.objects.filter(student=student)
        .order_by("verified_at", "pk")
        .values_list("field", "value_hash", "source")
    ):
        found = sources.setdefault((field, value_hash), [])
        if source not in found:
            found.append(source)
    rows = []
    for pf in PROFILE_FIELDS:
        value = getattr(student, pf.name)
        missing = value is None or (isinstance(value, str) and not value.strip())
        verified_by = (
            sources.get((pf.name, FieldVerification.hash_value(value)), [])
            if pf.verifiable and not missing
            else []
        )
        rows.append(
            {
                "name": pf.name,
                "label": str(pf.label),
                "value": display_value(student, pf.name),
                "missing": missing,
                "verifiable": pf.verifiable,
                "verified_by": verified_by,
            }
        )
    return rows


@router.get(
    "/children",
    response={200: Page[ChildOut], **AUTHENTICATED},
    summary="Các con của tôi (học sinh đã liên kết với tài khoản)",
    operation_id="list_children",
)
def list_children(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    page = page_of(children_of(request.user).prefetch_related(_current_enrolments()), params)
    page["items"] = [child_out(s) for s in page["items"]]
    return page


@router.get(
    "/children/{child_id}",
    response={200: ChildProfileOut, **AUTHENTICATED, **NOT_FOUND},
    summary="Hồ sơ của con (trang thông tin học sinh trên học bạ)",
    operation_id="get_child",
)
def get_child(request: HttpRequest, child_id: Id) -> dict[str, Any]:
    child = access_child_for_parent(request.user, child_id)
    prefetch_related_objects([child], _current_enrolments())
    return {**child_out(child), "profile": profile_of(child)}
