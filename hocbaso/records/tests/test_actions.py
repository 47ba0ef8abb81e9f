"""`create_snapshot`: who may freeze a page, refusal with the blockers, the stored draft and its
event, and the version chain of one page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.records.actions import (
    RESNAPSHOT_REASON,
    VOIDED_BEFORE_ISSUE_REASON,
    create_snapshot,
)
from hocbaso.records.models import RecordPage
from hocbaso.records.xml_record import parse_xml, sha256_of, validate_xml

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_cn_deadline")]


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="record.snapshot_created").order_by("pk"))


@pytest.mark.parametrize(
    ("persona", "outcome"),
    [
        ("homeroom_4a", None),
        ("principal", None),
        ("vice_principal", None),
        ("school_admin", PermissionDenied),
        ("group_head", PermissionDenied),
        ("commune_officer", PermissionDenied),
        ("province_officer", PermissionDenied),
        ("inspector", PermissionDenied),
        ("sysadmin", PermissionDenied),
        ("subject_teacher_5b", Http404),
        ("other_principal", Http404),
        ("parent_a", Http404),
        ("parent_b", Http404),
    ],
)
def test_who_may_snapshot_a_page(ready: World, persona: str, outcome: type | None) -> None:
    user = ready.user(persona)
    if outcome is None:
        page = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=user)
        assert page.created_by == user
        assert len(_events()) == 1
    else:
        with pytest.raises(outcome):
            create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=user)
        assert not RecordPage.objects.exists()
        assert _events() == []


def test_a_pupil_outside_the_class_is_not_found(ready: World) -> None:
    with pytest.raises(Http404):
        create_snapshot(ready.pupil_5b.pk, ready.class_4a.pk, acting_user=ready.user("principal"))


def test_a_page_with_blockers_is_refused_with_every_reason(world: World) -> None:
    with pytest.raises(ActionError) as caught:
        create_snapshot(world.pupil_a.pk, world.class_4a.pk, acting_user=world.user("principal"))
    messages = caught.value.messages
    assert messages[0].startswith("Chưa có số định danh cá nhân")
    assert not any("chưa khóa sổ" in m for m in messages)  # past every deadline: all locked
    assert any(m.startswith("Chưa đủ kết quả cuối năm học:") for m in messages)
    assert not RecordPage.objects.exists()
    assert _events() == []


def test_the_draft_holds_the_validated_xml_and_its_hash(ready: World) -> None:
    # when
    page = create_snapshot(
        ready.pupil_a.pk, ready.class_4a.pk, acting_user=ready.user("homeroom_4a")
    )
    # then
    page.refresh_from_db()
    data = bytes(page.xml)
    validate_xml(data)
    assert page.sha256 == sha256_of(data)
    assert (page.version, page.state, page.supersedes) == (1, RecordPage.State.DRAFT, None)
    assert page.record_code == f"HB-58-TH-DV-{ready.pupil_a.pk}-2026-2027"
    snapshot = parse_xml(data)
    assert (snapshot.record_code, snapshot.version) == (page.record_code, 1)
    (event,) = _events()
    assert event.subject_type == "records.recordpage"
    assert event.subject_id == str(page.pk)
    assert event.data == {
        "new": {
            "record_code": page.record_code,
            "version": 1,
            "sha256": page.sha256,
            "state": "draft",
            "supersedes": None,
        }
    }


def test_a_new_snapshot_supersedes_the_previous_draft(ready: World) -> None:
    principal = ready.user("principal")
    first = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    # when
    second = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    # then
    first.refresh_from_db()
    assert (first.state, first.superseded_reason) == (
        RecordPage.State.SUPERSEDED,
        RESNAPSHOT_REASON,
    )
    assert (second.version, second.state, second.supersedes) == (2, "draft", first)
    assert second.record_code == first.record_code
    # the XML differs only by its version number
    assert bytes(second.xml) == bytes(first.xml).replace(
        b"<phienban>1</phienban>", b"<phienban>2</phienban>"
    )
    assert [e.data["new"]["version"] for e in _events()] == [1, 2]
    assert _events()[1].data["new"]["supersedes"] == 1


@pytest.mark.parametrize(
    "state",
    [
        RecordPage.State.VERIFIED,
        RecordPage.State.SIGNED_BY_HOMEROOM,
        RecordPage.State.SIGNED_BY_PRINCIPAL,
    ],
)
def test_a_new_snapshot_before_sealing_voids_the_unfinished_version(
    ready: World, state: str
) -> None:
    """D10: any change before sealing returns the page to draft; the partly signed version's
    signatures no longer count (its files stay, as evidence)."""
    principal = ready.user("principal")
    first = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    RecordPage.objects.filter(pk=first.pk).update(state=state)
    # when
    second = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=principal)
    # then
    first.refresh_from_db()
    assert (first.state, first.superseded_reason) == (
        RecordPage.State.SUPERSEDED,
        VOIDED_BEFORE_ISSUE_REASON,
    )
    assert (second.version, second.state, second.supersedes) == (2, "draft", first)
    assert _events()[1].data["new"]["voided_state"] == state
