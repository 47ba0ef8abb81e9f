"""What people decide at year end, each an atomic action with its audit event (D5).

- ``record_commendation``: the homeroom teacher proposes "Học sinh Tiêu biểu…" (only for an HTT
  pupil, with a justification and the class's recognition, TT27 Art. 13 cl. 1a) or an ad-hoc
  award (Art. 13 cl. 1b); ``void_commendation`` withdraws one.
- ``record_supplementary``: the homeroom teacher records the supplementary assessment of a CHT
  pupil (Art. 11 cl. 2): new values for the shortfall items only; the classification re-runs.
- ``decide_promotion``: the principal decides lên lớp / ở lại lớp for a pupil still CHT after
  it (Art. 11 cl. 3).

Each locks the pupil's enrolment row, so two decisions on one pupil are serialised, and voids
the current row it replaces (void and replace, never edit). A refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from hocbaso.assessment.models import (
    Commendation,
    Entry,
    PromotionDecision,
    SupplementaryAssessment,
    YearEndDecision,
)
from hocbaso.assessment.year_end import (
    REGIME,
    PupilYearEnd,
    can_decide_promotion,
    can_propose,
    class_year_end,
    shortfall_items,
)
from hocbaso.audit.actors import SystemActor
from hocbaso.audit.log import log
from hocbaso.org.models import ClassGroup
from hocbaso.people import access as people_access
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment
from hocbaso.regulation.catalogue import CATALOGUES
from hocbaso.regulation.cells import check_rated_cell, check_subject_cell
from hocbaso.regulation.types import Period as PeriodCode
from hocbaso.regulation.types import YearResult

TEXT_MAX = 500


def _class(user: Any, class_id: int) -> ClassGroup:
    if isinstance(user, SystemActor):
        return ClassGroup.objects.select_related("school", "school_year").get(pk=class_id)
    return people_access.access_class_for_user(user, class_id)


def ensure_can_propose(user: Any, class_id: int) -> ClassGroup:
    """The class, when the user is its homeroom teacher; 404 when hidden, 403 otherwise."""
    class_group = _class(user, class_id)
    if not can_propose(user, class_group):
        raise PermissionDenied
    return class_group


def ensure_can_decide(user: Any, class_id: int) -> ClassGroup:
    """The class, when the user is its school's principal; 404 when hidden, 403 otherwise."""
    class_group = _class(user, class_id)
    if not can_decide_promotion(user, class_group):
        raise PermissionDenied
    return class_group


def _text(raw: object, label: str, *, required: bool) -> str:
    text = unicodedata.normalize("NFC", "" if raw is None else str(raw)).strip()
    if required and not text:
        raise ActionError(f"Chưa nhập {label}.")
    if len(text) > TEXT_MAX:
        raise ActionError(f"{label[0].upper()}{label[1:]} dài quá {TEXT_MAX} kí tự.")
    return text


def _day(raw: dt.date | None, label: str) -> dt.date:
    if raw is None:
        raise ActionError(f"Chưa nhập {label}.")
    if raw > timezone.localdate():
        raise ActionError(f"{label[0].upper()}{label[1:]} không được sau hôm nay.")
    return raw


def _pupil(class_group: ClassGroup, student_id: int) -> PupilYearEnd:
    """The pupil's year end, with their enrolment locked for the rest of the transaction."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(class_group=class_group, student_id=student_id, transfer_out_on__isnull=True)
        .select_related("student")
        .first()
    )
    if enrolment is None:
        raise ActionError(f"Học sinh mã {student_id} không thuộc lớp {class_group.name}.")
    return class_year_end(class_group, [enrolment.student]).pupils[0]


def _user(actor: Any) -> Any:
    return None if isinstance(actor, SystemActor) else actor


def _void(old: YearEndDecision | None, actor: Any, reason: str) -> None:
    """Void the current row first: one current row per pupil-year is a database constraint."""
    if old is None:
        return
    old.voided_at = timezone.now()
    old.voided_by = _user(actor)
    old.void_reason = reason
    old.save(update_fields=["voided_at", "voided_by", "void_reason"])


def _link(old: YearEndDecision | None, new: YearEndDecision) -> None:
    if old is None:
        return
    old.replaced_by = new
    old.save(update_fields=["replaced_by"])


def _log(action: str, actor: Any, subject: Model, class_group: ClassGroup, **data: Any) -> None:
    log(action, actor=actor, subject=subject, school_id=class_group.school_id, data=data)


def _result(pupil: PupilYearEnd) -> str | None:
    return pupil.result.value if pupil.result else None


# ---- commendations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommendationInput:
    kind: str
    text: object = ""
    awarded_on: dt.date | None = None
    basis: str = ""
    basis_code: str = ""
    class_recognised: bool = False


def _basis_label(grade: int, basis: str, code: str) -> str:
    view = CATALOGUES[REGIME].grade(grade)
    specs: dict[str, Any] = {
        Entry.Kind.SUBJECT: {s.code: s.name_vi for s in view.subjects},
        Entry.Kind.QUALITY: {q.code: q.label_vi for q in view.qualities},
        Entry.Kind.COMPETENCY: {c.code: c.label_vi for c in view.competencies},
    }
    if basis not in specs:
        raise ActionError("Chọn căn cứ: môn học, phẩm chất hoặc năng lực nổi bật, tiến bộ.")
    label = specs[basis].get(code)
    if label is None:
        raise ActionError(f"Mã «{code}» không có trong chương trình lớp {grade}.")
    return str(label)


@transaction.atomic
def record_commendation(
    class_id: int, student_id: int, proposal: CommendationInput, *, acting_user: Any
) -> Commendation:
    class_group = ensure_can_propose(acting_user, class_id)
    pupil = _pupil(class_group, student_id)
    if proposal.kind not in Commendation.Kind.values:
        raise ActionError("Loại khen thưởng không hợp lệ.")
    kind = Commendation.Kind(proposal.kind)
    previous = None
    basis, code, recognised = "", "", False
    if kind is Commendation.Kind.TIEU_BIEU:
        if pupil.result is not YearResult.HTT:
            shown = pupil.result.label if pupil.result else "chưa đủ kết quả cuối năm học"
            raise ActionError(
                "Chỉ học sinh được đánh giá Hoàn thành tốt (HTT) mới được đề nghị khen thưởng "
                f"«{kind.label}»; {pupil.student.full_name}: {shown}."
            )
        _basis_label(class_group.grade, proposal.basis, proposal.basis_code)
        if not proposal.class_recognised:
            raise ActionError("Khen thưởng học sinh tiêu biểu cần được tập thể lớp công nhận.")
        basis, code, recognised = proposal.basis, proposal.basis_code, True
        previous = next((c for c in pupil.commendations if c.kind == kind), None)
    text = _text(proposal.text, "nội dung khen thưởng", required=True)
    awarded_on = _day(proposal.awarded_on, "ngày khen thưởng")
    _void(previous, acting_user, "Thay bằng đề nghị mới")
    commendation = Commendation.objects.create(
        student=pupil.student,
        class_group=class_group,
        kind=kind,
        basis=basis,
        basis_code=code,
        text=text,
        class_recognised=recognised,
        awarded_on=awarded_on,
        created_by=_user(acting_user),
    )
    _link(previous, commendation)
    _log(
        "year_end.commendation_recorded",
        acting_user,
        commendation,
        class_group,
        student=pupil.student.pk,
        result=_result(pupil),
        replaces=previous.pk if previous else None,
        new={
            "kind": kind.value,
            "basis": basis,
            "basis_code": code,
            "text": text,
            "class_recognised": recognised,
            "awarded_on": commendation.awarded_on.isoformat(),
        },
    )
    return commendation


@transaction.atomic
def void_commendation(
    class_id: int, commendation_id: int, reason: object, *, acting_user: Any
) -> None:
    class_group = ensure_can_propose(acting_user, class_id)
    commendation = (
        Commendation.objects.current()
        .select_for_update()
        .filter(pk=commendation_id, class_group=class_group)
        .first()
    )
    if commendation is None:
        raise ActionError("Không tìm thấy đề nghị khen thưởng này (có thể đã được hủy).")
    why = _text(reason, "lí do hủy", required=True)
    commendation.voided_at = timezone.now()
    commendation.voided_by = _user(acting_user)
    commendation.void_reason = why[:200]
    commendation.save(update_fields=["voided_at", "voided_by", "void_reason"])
    _log(
        "year_end.commendation_voided",
        acting_user,
        commendation,
        class_group,
        student=commendation.student_id,
        reason=why,
    )


# ---- supplementary assessment ------------------------------------------------------------------


@dataclass(frozen=True)
class SupplementaryValue:
    """A new value for one shortfall item: ``kind`` is an Entry.Kind value."""

    kind: str
    code: str
    level: object = None
    score: object = None


def _supplementary_values(
    pupil: PupilYearEnd, given: list[SupplementaryValue]
) -> dict[str, dict[str, Any]]:
    """The new values, complete for each item given (what was not re-assessed is kept)."""
    shortfalls = shortfall_items(pupil.values) if pupil.values is not None else ()
    items = {(i.kind, i.code): i for i in shortfalls}
    new: dict[str, dict[str, Any]] = {"subjects": {}, "qualities": {}, "competencies": {}}
    errors: list[str] = []
    for value in given:
        item = items.get((value.kind, value.code))
        if item is None:
            errors.append(f"Mã «{value.code}» không phải nội dung chưa đạt của học sinh này.")
            continue
        if value.level in (None, "") and value.score in (None, ""):
            continue
        if item.kind == Entry.Kind.SUBJECT:
            grade = pupil.grade
            check = check_subject_cell(item.code, grade, PeriodCode.CN, value.level, value.score)
            level = check.level or item.level
            score = check.score if check.score is not None else item.score
            new["subjects"][item.code] = {"level": level, "score": score}
        else:
            check = check_rated_cell(item.label, value.level)
            part = "qualities" if item.kind == Entry.Kind.QUALITY else "competencies"
            new[part][item.code] = check.level
        errors.extend(check.errors)
    if errors:
        raise ActionError(errors)
    if not any(new.values()):
        raise ActionError("Chưa nhập kết quả đánh giá bổ sung cho nội dung nào.")
    return {part: values for part, values in new.items() if values}


@transaction.atomic
def record_supplementary(
    class_id: int,
    student_id: int,
    given: list[SupplementaryValue],
    *,
    assessed_on: dt.date | None,
    note: object = "",
    acting_user: Any,
) -> PupilYearEnd:
    """Record the supplementary assessment and return the pupil re-classified."""
    class_group = ensure_can_propose(acting_user, class_id)
    pupil = _pupil(class_group, student_id)
    if pupil.result is not YearResult.CHT:
        shown = pupil.result.label if pupil.result else "chưa đủ kết quả cuối năm học"
        raise ActionError(
            f"Chỉ đánh giá bổ sung học sinh Chưa hoàn thành; {pupil.student.full_name}: {shown}."
        )
    values = _supplementary_values(pupil, given)
    day = _day(assessed_on, "ngày đánh giá bổ sung")
    text = _text(note, "ghi chú", required=False)
    previous = pupil.supplementary
    _void(previous, acting_user, "Thay bằng kết quả đánh giá bổ sung mới")
    record = SupplementaryAssessment.objects.create(
        student=pupil.student,
        class_group=class_group,
        values=values,
        assessed_on=day,
        note=text,
        created_by=_user(acting_user),
    )
    _link(previous, record)
    after = class_year_end(class_group, [pupil.student]).pupils[0]
    final = after.after_supplementary
    _log(
        "year_end.supplementary_recorded",
        acting_user,
        record,
        class_group,
        student=pupil.student.pk,
        old=previous.values if previous else None,
        new=values,
        result_cn=_result(pupil),
        result_after=final.result.value if final else None,
        assessed_on=record.assessed_on.isoformat(),
    )
    return after


# ---- promotion ---------------------------------------------------------------------------------


@transaction.atomic
def decide_promotion(
    class_id: int,
    student_id: int,
    outcome: str,
    *,
    decided_on: dt.date | None,
    note: object = "",
    acting_user: Any,
) -> PromotionDecision:
    class_group = ensure_can_decide(acting_user, class_id)
    pupil = _pupil(class_group, student_id)
    name = pupil.student.full_name
    if pupil.result is not YearResult.CHT:
        raise ActionError(f"{name} không thuộc diện Chưa hoàn thành, không cần quyết định.")
    if pupil.after_supplementary is None:
        raise ActionError(f"{name}: chưa có kết quả đánh giá bổ sung.")
    if not pupil.awaits_principal:
        raise ActionError(
            f"{name} đã hoàn thành chương trình lớp học sau đánh giá bổ sung, "
            "không cần quyết định lên lớp hoặc ở lại lớp."
        )
    if outcome not in PromotionDecision.Outcome.values:
        raise ActionError("Chọn Lên lớp hoặc Ở lại lớp.")
    text = _text(note, "ghi chú", required=False)
    day = _day(decided_on, "ngày quyết định")
    previous = pupil.decision
    _void(previous, acting_user, "Thay bằng quyết định mới")
    decision = PromotionDecision.objects.create(
        student=pupil.student,
        class_group=class_group,
        outcome=outcome,
        note=text,
        decided_on=day,
        created_by=_user(acting_user),
    )
    _link(previous, decision)
    _log(
        "year_end.promotion_decided",
        acting_user,
        decision,
        class_group,
        student=pupil.student.pk,
        old=previous.outcome if previous else None,
        new=outcome,
        note=decision.note,
        decided_on=decision.decided_on.isoformat(),
    )
    return decision
