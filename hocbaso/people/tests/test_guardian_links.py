"""Invitation codes and linking parents' accounts (issue 6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from hocbaso.audit.context import request_context
from hocbaso.audit.models import AuditEvent
from hocbaso.people import guardian_links as rules
from hocbaso.people.actions.guardian_links import (
    LinkLocked,
    create_class_invitations,
    redeem_invitation,
    unlink_guardian,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.guardianship import children_of
from hocbaso.people.models import Guardian, GuardianInvitation, LinkAttempt, User
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db
BAD = "Mã mời không đúng, đã dùng hoặc đã hết hạn. Hãy kiểm tra lại thư mời của nhà trường."


def _code_for_pupil_a(world: World, persona: str = "homeroom_4a") -> str:
    issued = create_class_invitations(world.class_4a.pk, acting_user=world.user(persona))
    return next(i.code for i in issued if i.student == world.pupil_a)


def test_homeroom_teacher_makes_one_code_per_pupil_stored_hashed(world: World) -> None:
    issued = create_class_invitations(world.class_4a.pk, acting_user=world.user("homeroom_4a"))
    assert [i.student for i in issued] == [world.pupil_a]
    code = issued[0].code
    assert len(code) == 12
    assert set(code) <= set(rules.ALPHABET)
    assert issued[0].grouped == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    row = GuardianInvitation.objects.get()
    assert row.code_hash == rules.code_hash(code)
    assert code not in row.code_hash
    assert row.expires_at - row.created_at == dt.timedelta(days=120)
    event = AuditEvent.objects.get(action="guardian.invitations_created")
    assert event.data == {"new": {"class": world.class_4a.pk, "codes": 1, "revoked": 0}}
    assert code not in str(event.data)


def test_principal_may_make_codes_and_a_new_batch_revokes_the_old(world: World) -> None:
    old = _code_for_pupil_a(world, "principal")
    new = _code_for_pupil_a(world, "school_admin")
    assert old != new
    with pytest.raises(ActionError) as refused:
        redeem_invitation(old, relation="cha", acting_user=world.user("parent_b"))
    assert refused.value.messages == [BAD]
    redeem_invitation(new, relation="me", acting_user=world.user("parent_b"))


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("group_head", PermissionDenied),
        ("inspector", PermissionDenied),
        ("subject_teacher_5b", Http404),
        ("parent_a", Http404),
        ("other_principal", Http404),
    ],
)
def test_others_may_not_make_codes(world: World, persona: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        create_class_invitations(world.class_4a.pk, acting_user=world.user(persona))
    assert GuardianInvitation.objects.count() == 0


def test_a_parent_links_with_a_code_typed_loosely(world: World) -> None:
    code = _code_for_pupil_a(world)
    parent = world.user("parent_b")
    typed = f" {code[:4].lower()} {code[4:8]}-{code[8:]} ".replace("0", "o").replace("1", "l")
    guardian = redeem_invitation(typed, relation="me", acting_user=parent)
    assert list(children_of(parent)) == [world.pupil_a]
    assert (guardian.relation, guardian.user, guardian.link_method) == ("me", parent, "code")
    assert guardian.full_name == "Persona parent_b"  # a new row: pupil A had no mother row
    invitation = GuardianInvitation.objects.get()
    assert invitation.used_by == parent
    event = AuditEvent.objects.filter(action="guardian.account_linked").get()
    assert event.data["new"]["method"] == "code"
    assert event.chain == f"school:{world.school.pk}"


def test_linking_takes_the_free_row_of_that_relation(world: World) -> None:
    mother = Guardian.objects.create(student=world.pupil_a, relation="me", full_name="Trần Thị Mẹ")
    guardian = redeem_invitation(
        _code_for_pupil_a(world), relation="me", acting_user=world.user("parent_b")
    )
    assert guardian.pk == mother.pk
    assert Guardian.objects.filter(student=world.pupil_a).count() == 2


def test_a_code_is_single_use(world: World) -> None:
    code = _code_for_pupil_a(world)
    redeem_invitation(code, relation="me", acting_user=world.user("parent_b"))
    other = User.objects.create_user("ba-ngoai", password="x")
    with pytest.raises(ActionError) as refused:
        redeem_invitation(code, relation="giam_ho", acting_user=other)
    assert refused.value.messages == [BAD]
    assert list(children_of(other)) == []


def test_an_expired_code_is_refused(world: World) -> None:
    code = _code_for_pupil_a(world)
    later = timezone.now() + dt.timedelta(days=121)
    with time_machine.travel(later), pytest.raises(ActionError) as refused:
        redeem_invitation(code, relation="me", acting_user=world.user("parent_b"))
    assert refused.value.messages == [BAD]


def test_an_already_linked_parent_keeps_the_code_unused(world: World) -> None:
    code = _code_for_pupil_a(world)
    with pytest.raises(ActionError) as refused:
        redeem_invitation(code, relation="me", acting_user=world.user("parent_a"))
    assert refused.value.messages == ["Tài khoản của bạn đã được liên kết với học sinh này."]
    assert GuardianInvitation.objects.get().used_at is None


def test_relation_is_required(world: World) -> None:
    with pytest.raises(ActionError) as refused:
        redeem_invitation(_code_for_pupil_a(world), relation="", acting_user=world.user("parent_b"))
    assert refused.value.messages == ["Hãy chọn bạn là cha, mẹ hay người giám hộ của học sinh."]


def test_five_failures_lock_the_account_even_for_a_good_code(world: World) -> None:
    code = _code_for_pupil_a(world)
    parent = world.user("parent_b")
    for _ in range(rules.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(ActionError):
            redeem_invitation("AAAA-BBBB-CCCC", relation="me", acting_user=parent)
    assert LinkAttempt.objects.filter(user=parent, succeeded=False).count() == 5
    assert AuditEvent.objects.filter(action="guardian.link_refused").count() == 1
    with pytest.raises(LinkLocked) as locked:
        redeem_invitation(code, relation="me", acting_user=parent)
    assert locked.value.messages == [
        "Bạn đã nhập sai quá nhiều lần. Vì an toàn, chức năng liên kết tạm khóa; "
        "hãy thử lại sau 60 phút hoặc liên hệ giáo viên chủ nhiệm."
    ]
    assert list(children_of(parent)) == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        redeem_invitation(code, relation="me", acting_user=parent)
    assert list(children_of(parent)) == [world.pupil_a]


def test_twenty_failures_from_one_address_lock_every_account_there(world: World) -> None:
    code = _code_for_pupil_a(world)
    with request_context("web", ip="203.0.113.9"):
        for i in range(rules.MAX_FAILURES_PER_IP):
            user = User.objects.create_user(f"bot{i}", password="x")
            with pytest.raises(ActionError):
                redeem_invitation("AAAA-BBBB-CCCC", relation="me", acting_user=user)
        with pytest.raises(LinkLocked):
            redeem_invitation(code, relation="me", acting_user=world.user("parent_b"))
    # from another address the parent is not locked
    with request_context("web", ip="198.51.100.7"):
        redeem_invitation(code, relation="me", acting_user=world.user("parent_b"))


def test_unlinking_ends_access_and_keeps_the_row(world: World) -> None:
    parent = world.user("parent_a")
    guardian = Guardian.objects.get(user=parent)
    with pytest.raises(PermissionDenied):
        unlink_guardian(guardian.pk, acting_user=world.user("parent_b"))
    unlink_guardian(guardian.pk, acting_user=world.user("principal"))
    guardian.refresh_from_db()
    assert guardian.user == parent
    assert guardian.unlinked_at is not None
    assert list(children_of(parent)) == []
    assert AuditEvent.objects.filter(action="guardian.unlinked").count() == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7KQ2-M9XD-4TAB", "7KQ2M9XD4TAB"),
        ("7kq2 m9xd 4tab", "7KQ2M9XD4TAB"),
        ("OIL2-M9XD-4TAB", "0112M9XD4TAB"),
        ("7KQ2-M9XD-4TA", None),
        ("7KQ2-M9XD-4TAU", None),
        ("", None),
    ],
)
def test_code_normalisation(raw: str, expected: str | None) -> None:
    assert rules.normalise(raw) == expected
