"""Review before the lock (issue 4; security.md A3), at the action level: who raises, answers,
resolves and reopens a flag; refusals in Vietnamese with nothing written; one audit event per
step; and the lock refused while a covered flag is unresolved, unless overridden with a reason.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hocbaso.assessment.actions.locks import LockScope, OpenFlags, lock_entry
from hocbaso.assessment.actions.review import (
    TEXT_MAX,
    answer_flag,
    raise_flag,
    reopen_flag,
    resolve_flag,
)
from hocbaso.assessment.models import EntryLock, FlagMessage, ReviewFlag
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import create_account, grant_role
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Role, User
from hocbaso.people.tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db

PERIOD = "CHKI"  # open on the test calendar day (deadline 20/01/2027)


def _group_head_of_grade_5(world: World) -> User:
    user = create_account(
        username="group_head_5", full_name="Tổ trưởng khối 5", password=PASSWORD, acting_user=SEED
    )
    grant_role(user.pk, Role.GROUP_HEAD, school_id=world.school.pk, grades=[5], acting_user=SEED)
    return user


def _raise(world: World, persona: str | User = "group_head", *, text: str = "Xem lại điểm",
           code: str = "toan", key: str = "toan", student: int | None = -1) -> ReviewFlag:  # fmt: skip
    user = persona if isinstance(persona, User) else world.user(persona)
    return raise_flag(
        world.class_4a.pk, PERIOD, key,
        student_id=world.pupil_a.pk if student == -1 else student,
        code=code, text=text, acting_user=user,
    )  # fmt: skip


def _counts() -> tuple[int, int, int]:
    return ReviewFlag.objects.count(), FlagMessage.objects.count(), AuditEvent.objects.count()


def _events_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("pk")[before:])


# -- who may raise -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["group_head", "vice_principal", "principal"])
def test_reviewers_of_the_class_raise_a_flag_with_its_message_and_one_event(
    world: World, persona: str
) -> None:
    before = AuditEvent.objects.count()
    flag = _raise(world, persona, text="  Điểm 9 mà mức H?  ")
    assert flag.status == ReviewFlag.Status.OPEN
    assert (flag.student_id, flag.code, flag.raised_by_id) == (
        world.pupil_a.pk,
        "toan",
        world.user(persona).pk,
    )
    assert list(flag.messages.values_list("kind", "text", "author_id")) == [
        (FlagMessage.Kind.RAISED, "Điểm 9 mà mức H?", world.user(persona).pk)
    ]
    events = _events_since(before)
    assert [(e.action, e.subject_type, e.subject_id) for e in events] == [
        ("review.flag_raised", "assessment.reviewflag", str(flag.pk))
    ]
    assert events[0].actor_id == world.user(persona).pk
    assert events[0].chain == f"school:{world.school.pk}"
    assert events[0].data["status"] == "open"
    assert events[0].data["text"] == "Điểm 9 mà mức H?"


def test_a_sheet_wide_flag_needs_no_pupil(world: World) -> None:
    flag = _raise(world, student=None, code="")
    assert (flag.student_id, flag.code) == (None, "")


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("homeroom_4a", PermissionDenied),  # the teacher writes the sheet, never reviews it
        ("school_admin", PermissionDenied),  # sees the school, is not a reviewer
        ("inspector", PermissionDenied),
        ("parent_a", Http404),  # the parent of a pupil of 4A
        ("subject_teacher_5b", Http404),
        ("other_principal", Http404),
        ("group_head_5", Http404),  # leads grade 5 only: class 4A is invisible
    ],
)
def test_others_may_not_raise_a_flag_and_nothing_is_written(
    world: World, persona: str, error: type[Exception]
) -> None:
    user = _group_head_of_grade_5(world) if persona == "group_head_5" else world.user(persona)
    counts = _counts()
    with pytest.raises(error):
        _raise(world, user)
    assert _counts() == counts


def test_the_group_head_of_another_grade_may_not_flag_it_but_flags_their_own(
    world: World,
) -> None:
    head_5 = _group_head_of_grade_5(world)
    flag = raise_flag(
        world.class_5b.pk, PERIOD, "tin_hoc", student_id=world.pupil_5b.pk, code="tin_hoc",
        text="Kiểm tra lại", acting_user=head_5,
    )  # fmt: skip
    assert flag.sheet.class_group_id == world.class_5b.pk
    with pytest.raises(Http404):
        _raise(world, head_5)


# -- refused text and cells, nothing written -----------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "Hãy nhập nội dung cần xem lại."),
        ({"text": ""}, "Hãy nhập nội dung cần xem lại."),
        ({"text": "x" * (TEXT_MAX + 1)}, f"Nội dung dài quá {TEXT_MAX} kí tự."),
        ({"code": "khong_co"}, "Mã «khong_co» không thuộc sổ này."),
        ({"student": None, "code": "toan"}, "Gắn cờ một ô cần chọn học sinh."),
    ],
)
def test_a_refused_flag_says_why_in_vietnamese_and_writes_nothing(
    world: World, kwargs: dict[str, object], message: str
) -> None:
    counts = _counts()
    with pytest.raises(ActionError) as refused:
        _raise(world, **kwargs)  # type: ignore[arg-type]
    assert refused.value.messages == [message]
    assert _counts() == counts


def test_a_pupil_of_another_class_cannot_be_flagged(world: World) -> None:
    counts = _counts()
    with pytest.raises(ActionError, match="Học sinh không thuộc lớp này."):
        _raise(world, student=world.pupil_5b.pk)
    assert _counts() == counts


def test_the_longest_text_allowed_is_kept_whole(world: World) -> None:
    flag = _raise(world, text="y" * TEXT_MAX)
    assert flag.messages.get().text == "y" * TEXT_MAX


# -- answer, resolve, reopen ---------------------------------------------------------------------


def test_the_writer_answers_a_reviewer_resolves_and_reopens_one_event_each(world: World) -> None:
    flag = _raise(world)
    teacher, head = world.user("homeroom_4a"), world.user("group_head")
    steps = [
        (lambda: answer_flag(flag.pk, text="Đã sửa mức", acting_user=teacher),
         "review.flag_answered", ReviewFlag.Status.ANSWERED, FlagMessage.Kind.ANSWER, teacher),
        (lambda: resolve_flag(flag.pk, text="", acting_user=head),
         "review.flag_resolved", ReviewFlag.Status.RESOLVED, FlagMessage.Kind.RESOLVED, head),
        (lambda: reopen_flag(flag.pk, text="Chưa khớp điểm", acting_user=head),
         "review.flag_reopened", ReviewFlag.Status.OPEN, FlagMessage.Kind.REOPENED, head),
        (lambda: resolve_flag(flag.pk, text="Ổn", acting_user=world.user("principal")),
         "review.flag_resolved", ReviewFlag.Status.RESOLVED, FlagMessage.Kind.RESOLVED,
         world.user("principal")),
    ]  # fmt: skip
    for run, action, status, kind, actor in steps:
        before = AuditEvent.objects.count()
        run()
        flag.refresh_from_db()
        assert flag.status == status
        last = flag.messages.order_by("pk").last()
        assert last is not None
        assert (last.kind, last.author_id) == (kind, actor.pk)
        events = _events_since(before)
        assert [(e.action, e.subject_id, e.actor_id) for e in events] == [
            (action, str(flag.pk), actor.pk)
        ]
        assert events[0].data["status"] == status
    texts = list(flag.messages.order_by("pk").values_list("text", flat=True))
    assert texts == ["Xem lại điểm", "Đã sửa mức", "Đã xem, đồng ý.", "Chưa khớp điểm", "Ổn"]


def test_a_reviewer_comment_keeps_the_flag_waiting_for_the_teacher(world: World) -> None:
    flag = _raise(world)
    answer_flag(flag.pk, text="Bổ sung: xem cả nhận xét", acting_user=world.user("principal"))
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.OPEN
    assert flag.messages.count() == 2


@pytest.mark.parametrize(
    ("persona", "error"),
    [("parent_a", Http404), ("other_principal", Http404), ("school_admin", PermissionDenied)],
)
def test_only_the_writer_or_a_reviewer_answers(
    world: World, persona: str, error: type[Exception]
) -> None:
    flag = _raise(world)
    counts = _counts()
    with pytest.raises(error):
        answer_flag(flag.pk, text="Tôi trả lời", acting_user=world.user(persona))
    assert _counts() == counts
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.OPEN


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("homeroom_4a", PermissionDenied),  # the teacher answers, never closes
        ("school_admin", PermissionDenied),
        ("parent_a", Http404),
        ("other_principal", Http404),
    ],
)
def test_only_reviewers_resolve_or_reopen(
    world: World, persona: str, error: type[Exception]
) -> None:
    open_flag = _raise(world)
    closed = _raise(world, text="Một cờ khác")
    resolve_flag(closed.pk, acting_user=world.user("group_head"))
    counts = _counts()
    with pytest.raises(error):
        resolve_flag(open_flag.pk, text="Xong", acting_user=world.user(persona))
    with pytest.raises(error):
        reopen_flag(closed.pk, text="Mở lại", acting_user=world.user(persona))
    assert _counts() == counts
    open_flag.refresh_from_db()
    closed.refresh_from_db()
    assert (open_flag.status, closed.status) == (ReviewFlag.Status.OPEN, ReviewFlag.Status.RESOLVED)


def test_refused_steps_say_why_and_write_nothing(world: World) -> None:
    flag = _raise(world)
    teacher, head = world.user("homeroom_4a"), world.user("group_head")
    refusals = [
        (lambda: answer_flag(flag.pk, text="  ", acting_user=teacher), "Hãy nhập câu trả lời."),
        (lambda: answer_flag(flag.pk, text="z" * (TEXT_MAX + 1), acting_user=teacher),
         f"Nội dung dài quá {TEXT_MAX} kí tự."),
        (lambda: reopen_flag(flag.pk, text="Mở", acting_user=head), "Cờ này vẫn đang mở."),
    ]  # fmt: skip
    for run, message in refusals:
        counts = _counts()
        with pytest.raises(ActionError) as refused:
            run()
        assert refused.value.messages == [message]
        assert _counts() == counts
    resolve_flag(flag.pk, acting_user=head)
    refusals = [
        (lambda: resolve_flag(flag.pk, acting_user=head), "Cờ này đã được đóng."),
        (lambda: answer_flag(flag.pk, text="Muộn", acting_user=teacher),
         "Cờ này đã được đóng; người rà soát có thể mở lại nếu cần."),
        (lambda: reopen_flag(flag.pk, text=" ", acting_user=head), "Hãy nhập lí do mở lại."),
    ]  # fmt: skip
    for run, message in refusals:
        counts = _counts()
        with pytest.raises(ActionError) as refused:
            run()
        assert refused.value.messages == [message]
        assert _counts() == counts
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.RESOLVED


def test_an_unknown_flag_is_refused(world: World) -> None:
    with pytest.raises(ActionError, match="Không tìm thấy cờ rà soát."):
        answer_flag(987654, text="?", acting_user=world.user("homeroom_4a"))


# -- the lock while flags are open ---------------------------------------------------------------


def _scope(world: World, scope: str) -> LockScope:
    narrow: dict[str, dict[str, object]] = {
        "school": {},
        "grade": {"grade": 4},
        "class": {"class_id": world.class_4a.pk},
        "sheet": {"class_id": world.class_4a.pk, "key": "toan"},
    }
    return LockScope(school_id=world.school.pk, period_code=PERIOD, **narrow[scope])  # type: ignore[arg-type]


SCOPES = ["school", "grade", "class", "sheet"]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("answered", [False, True])
def test_an_unresolved_flag_blocks_the_lock_at_every_covering_scope(
    world: World, scope: str, answered: bool
) -> None:
    flag = _raise(world)
    if answered:  # answered is not resolved: it still blocks
        answer_flag(flag.pk, text="Đã xem", acting_user=world.user("homeroom_4a"))
    events = AuditEvent.objects.count()
    with pytest.raises(OpenFlags) as refused:
        lock_entry(_scope(world, scope), reason="Hết kì", acting_user=world.user("principal"))
    assert "Còn 1 cờ rà soát chưa xử lí (lớp 4A: 1)" in refused.value.messages[0]
    assert "override" in refused.value.field_errors
    assert not EntryLock.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("scope", SCOPES)
def test_the_principal_may_override_open_flags_with_a_reason(world: World, scope: str) -> None:
    _raise(world)
    _raise(world, "principal", student=None, code="", text="Cả sổ")
    principal = world.user("principal")
    # override without a reason: refused, and not as OpenFlags
    with pytest.raises(ActionError) as refused:
        lock_entry(_scope(world, scope), reason="  ", override_open_flags=True,
                   acting_user=principal)  # fmt: skip
    assert not isinstance(refused.value, OpenFlags)
    assert refused.value.messages == ["Khóa sổ khi còn cờ rà soát chưa xử lí phải ghi rõ lí do."]
    assert not EntryLock.objects.exists()
    before = AuditEvent.objects.count()
    decision = lock_entry(
        _scope(world, scope), reason="Hết hạn, cờ xử lí sau", override_open_flags=True,
        acting_user=principal,
    )  # fmt: skip
    assert (decision.locked, decision.reason) == (True, "Hết hạn, cờ xử lí sau")
    events = _events_since(before)
    assert [(e.action, e.subject_id) for e in events] == [
        ("assessment.entry_locked", str(decision.pk))
    ]
    assert events[0].data["open_flags_overridden"] == 2
    assert events[0].data["reason"] == "Hết hạn, cờ xử lí sau"


@pytest.mark.parametrize("scope", SCOPES)
def test_resolved_flags_never_block(world: World, scope: str) -> None:
    flag = _raise(world)
    resolve_flag(flag.pk, acting_user=world.user("vice_principal"))
    decision = lock_entry(_scope(world, scope), acting_user=world.user("principal"))
    assert decision.locked is True
    event = AuditEvent.objects.get(action="assessment.entry_locked")
    assert event.data["open_flags_overridden"] == 0


def test_a_reopened_flag_blocks_again(world: World) -> None:
    flag = _raise(world)
    resolve_flag(flag.pk, acting_user=world.user("group_head"))
    reopen_flag(flag.pk, text="Chưa đúng", acting_user=world.user("group_head"))
    with pytest.raises(OpenFlags):
        lock_entry(_scope(world, "sheet"), acting_user=world.user("principal"))


def test_flags_outside_the_scope_do_not_block(world: World) -> None:
    _raise(world)  # on 4A · toán · CHKI
    principal = world.user("principal")
    school = world.school.pk
    lock_entry(LockScope(school, PERIOD, grade=5), acting_user=principal)
    lock_entry(LockScope(school, PERIOD, class_id=world.class_5b.pk), acting_user=principal)
    lock_entry(LockScope(school, PERIOD, class_id=world.class_4a.pk, key="tieng_viet"),
               acting_user=principal)  # fmt: skip
    lock_entry(LockScope(school, "GHKI"), acting_user=principal)  # another period
    assert EntryLock.objects.count() == 4
    with pytest.raises(OpenFlags):
        lock_entry(LockScope(school, PERIOD), acting_user=principal)
