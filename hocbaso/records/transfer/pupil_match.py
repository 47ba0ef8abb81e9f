"""Who the pupil of a package is at the receiving school (read-only; `receive` applies it).

Matched by personal ID (D11) among this installation's pupils:

* not found (another installation, or no ID): a **new** pupil is created from ``profile.json``,
  whose values must pass the profile checks (`people.profile_validation`);
* found at the school that made the package (two schools of one installation): the pupil
  **moves** to the receiving school — only once that school has recorded the transfer out;
* found at the receiving school and not enrolled there now: a pupil **returning**;
* found at a third school, or enrolled here now: refused.

"Enrolled now" is `people.current_enrolment` (the latest year's enrolment, not transferred
out): an older year's enrolment left open by the promotion does not count.

A pupil found must be the same person: same name and date of birth as the package.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hocbaso.org.models import School
from hocbaso.people.current_enrolment import studies_at
from hocbaso.people.models import Student
from hocbaso.people.profile_validation import check_personal_id, parse_profile
from hocbaso.records.transfer.page_checks import same_name

if TYPE_CHECKING:
    from hocbaso.records.transfer.checks import TransferReport

CREATE, MOVE, RETURNING = "create", "move", "returning"


@dataclass
class PupilMatch:
    mode: str = ""
    student_id: int | None = None
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    # a new pupil: the package's profile (raw, checked again by the people action that creates
    # the pupil) and its MOET code
    profile: dict[str, Any] = field(default_factory=dict, repr=False)
    moet_code: str = ""


def _new_pupil(report: TransferReport, match: PupilMatch) -> PupilMatch:
    raw = {k: v for k, v in report.profile.items() if k != "moet_code"}
    parsed = parse_profile(raw)
    check_personal_id(
        parsed, birth_date=parsed.values.get("birth_date"), gender=parsed.values.get("gender")
    )
    if parsed.errors:
        match.problems += ["Hồ sơ cá nhân trong hồ sơ chuyển trường chưa hợp lệ:", *parsed.errors]
        return match
    moet_code = report.profile.get("moet_code", "").strip()
    if moet_code and Student.objects.filter(moet_code=moet_code).exists():
        match.problems.append("Mã học sinh (CSDL ngành) trong hồ sơ đã thuộc một học sinh khác.")
        return match
    match.mode = CREATE
    match.profile = raw
    match.moet_code = moet_code
    match.summary = "Học sinh mới ở trường: hồ sơ được tạo từ hồ sơ chuyển trường."
    return match


def match_pupil(report: TransferReport, school: School) -> PupilMatch:
    match = PupilMatch()
    source_code = report.source_school.get("code", "")
    if source_code == school.code:
        match.problems.append("Hồ sơ do chính trường này lập: không tiếp nhận.")
        return match
    personal_id = report.pupil.get("sodinhdanhcanhan", "")
    found = Student.objects.select_related("school").filter(personal_id=personal_id).first()
    if not personal_id or found is None:
        return _new_pupil(report, match)
    birth = report.pupil.get("ngaysinh", "")
    if not same_name(found.full_name, report.pupil.get("hovaten", "")) or (
        found.birth_date != (dt.date.fromisoformat(birth) if birth else None)
    ):
        match.problems.append(
            "Thông tin học sinh trong hồ sơ khác với học sinh có cùng số định danh cá nhân ở "
            "hệ thống."
        )
        return match
    match.student_id = found.pk
    if found.school_id == school.pk:
        if studies_at(found.pk, school.pk):
            match.problems.append("Học sinh đang học tại trường này.")
            return match
        match.mode = RETURNING
        match.summary = "Học sinh đã từng học ở trường: hồ sơ hiện có được dùng tiếp."
        return match
    if found.school.code != source_code:
        match.problems.append(
            "Số định danh cá nhân trong hồ sơ thuộc một học sinh của trường khác (không phải "
            "trường chuyển đi)."
        )
        return match
    if studies_at(found.pk, found.school_id):
        match.problems.append("Trường chuyển đi chưa ghi nhận học sinh chuyển đi.")
        return match
    match.mode = MOVE
    match.summary = (
        "Học sinh có trong hệ thống (cùng Sở): hồ sơ được chuyển sang trường; các trang học bạ "
        "cũ được liên kết, không sao chép."
    )
    return match
