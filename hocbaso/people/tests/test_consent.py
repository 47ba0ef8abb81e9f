"""Consent: the versioned register, giving, withdrawing (a new row), the child's own consent
from age 7, and refusals that change nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.consent import give_consent, record_child_consent, withdraw_consent
from hocbaso.people.consent import consent_state, consent_states_for, has_consent
from hocbaso.people.consent_texts import (
    CONSENT_PURPOSES,
    PURPOSES_BY_CODE,
    ConsentText,
    age_on,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.models import ConsentRecord, Student
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

# Published texts never change: a new wording is a new version. Pin every published text.
PUBLISHED = {
    ("notify_sms", 1): "5dae07746b74187fa45f9d9fd07c9b6eccdc4b1f8f5f71b36093b691af78066b",
    ("notify_zalo", 1): "6c0b3ee2bcd8d5736ca24bf6833f241310d77a4c6f2497a906ad2a0eedcb6aac",
    ("photo_publication", 1): "1e6201df3eb8f15f821736bde6fe6dc54475822d7c0ab6235e3a003e69ee8d70",
}


def _counts() -> tuple[int, int]:
    return AuditEvent.objects.count(), ConsentRecord.objects.count()


def _refused(call: Callable[[], Any], message: str) -> None:
    before = _counts()
    with pytest.raises(ActionError) as caught:
        call()
    assert caught.value.messages == [message]
    assert _counts() == before


def test_published_consent_texts_are_never_edited() -> None:
    published = {(p.code, t.version): t.sha256 for p in CONSENT_PURPOSES for t in p.texts}
    assert published == PUBLISHED


@pytest.mark.parametrize(
    ("_case", "born", "day", "age"),
    [
        ("birthday today", dt.date(2019, 11, 30), dt.date(2026, 11, 30), 7),
        ("day before", dt.date(2019, 12, 1), dt.date(2026, 11, 30), 6),
        ("pupil A", dt.date(2016, 3, 15), dt.date(2026, 11, 30), 10),
    ],
)
def test_age_on(_case: str, born: dt.date, day: dt.date, age: int) -> None:
    assert age_on(born, day) == age


def test_a_parent_gives_and_withdraws_consent_as_new_rows(world: World) -> None:
    parent = world.user("parent_a")
    pupil = Student.objects.get(pk=world.pupil_a.pk)
    # when
    (granted,) = give_consent(pupil.pk, "notify_zalo", version=1, acting_user=parent)
    # then
    text = PURPOSES_BY_CODE["notify_zalo"].current
    assert (granted.subject, granted.decision, granted.text_version, granted.text_sha256) == (
        "parent",
        "granted",
        1,
        text.sha256,
    )
    assert has_consent(pupil, "notify_zalo")
    guardian_id = granted.guardian_id
    assert has_consent(pupil, "notify_zalo", guardian_id=guardian_id)
    # when withdrawn
    withdrawn = withdraw_consent(pupil.pk, "notify_zalo", acting_user=parent)
    # then a second row, the first untouched
    assert withdrawn.decision == "withdrawn"
    assert ConsentRecord.objects.get(pk=granted.pk).decision == "granted"
    assert not has_consent(pupil, "notify_zalo")
    assert list(
        AuditEvent.objects.filter(action__startswith="consent.").values_list("action", flat=True)
    ) == ["consent.granted", "consent.withdrawn"]


def test_photo_use_needs_the_childs_consent_from_age_7(world: World) -> None:
    parent = world.user("parent_a")
    pupil = Student.objects.get(pk=world.pupil_a.pk)  # born 2016: 10 years old
    give_consent(pupil.pk, "photo_publication", version=1, acting_user=parent)
    state = consent_state(pupil, "photo_publication")
    assert (state.parent_granted, state.child_needed, state.effective) == (True, True, False)
    # the homeroom teacher records the child's own consent from the signed paper form
    row = record_child_consent(
        pupil.pk, "photo_publication", granted=True, acting_user=world.user("homeroom_4a")
    )
    assert (row.subject, row.method, row.guardian) == ("child", "paper", None)
    assert has_consent(pupil, "photo_publication")
    # a parent may also record it together with their own
    withdraw_consent(pupil.pk, "photo_publication", acting_user=parent)
    assert not has_consent(pupil, "photo_publication")


def test_a_younger_child_needs_only_the_parent(world: World) -> None:
    pupil = Student.objects.get(pk=world.pupil_a.pk)
    Student.objects.filter(pk=pupil.pk).update(birth_date=dt.date(2020, 1, 10))
    pupil.refresh_from_db()
    give_consent(pupil.pk, "photo_publication", version=1, acting_user=world.user("parent_a"))
    assert has_consent(pupil, "photo_publication")
    _refused(
        lambda: record_child_consent(
            pupil.pk, "photo_publication", granted=True, acting_user=world.user("homeroom_4a")
        ),
        "Chỉ ghi nhận ý kiến riêng của học sinh từ đủ 7 tuổi, cho mục đích cần ý kiến đó.",
    )


def test_consent_refusals_change_nothing(world: World) -> None:
    parent = world.user("parent_a")
    pupil = world.pupil_a.pk
    _refused(
        lambda: give_consent(pupil, "marketing", version=1, acting_user=parent),
        "Mục đích xử lí dữ liệu không có trong danh mục.",
    )
    _refused(
        lambda: give_consent(pupil, "notify_sms", version=0, acting_user=parent),
        "Văn bản đồng ý đã được cập nhật; vui lòng đọc lại văn bản mới trước khi đồng ý.",
    )
    _refused(
        lambda: give_consent(pupil, "notify_sms", version=1, child_too=True, acting_user=parent),
        "Mục đích này không cần sự đồng ý riêng của học sinh.",
    )
    _refused(
        lambda: withdraw_consent(pupil, "notify_sms", acting_user=parent),
        "«Nhận thông báo qua tin nhắn SMS»: chưa có sự đồng ý nào để rút lại.",
    )
    give_consent(pupil, "notify_sms", version=1, acting_user=parent)
    _refused(
        lambda: give_consent(pupil, "notify_sms", version=1, acting_user=parent),
        "«Nhận thông báo qua tin nhắn SMS»: bạn đã đồng ý văn bản này.",
    )
    _refused(
        lambda: record_child_consent(
            pupil, "photo_publication", granted=False, acting_user=world.user("homeroom_4a")
        ),
        "«Sử dụng ảnh của học sinh ngoài học bạ»: học sinh chưa đồng ý nên không có gì để rút lại.",
    )


def test_only_a_linked_parent_gives_consent(world: World) -> None:
    before = _counts()
    for persona in ("parent_b", "homeroom_4a"):
        with pytest.raises(Http404):
            give_consent(world.pupil_a.pk, "notify_sms", version=1, acting_user=world.user(persona))
        with pytest.raises(Http404):
            withdraw_consent(world.pupil_a.pk, "notify_sms", acting_user=world.user(persona))
    assert _counts() == before


def test_a_new_text_version_needs_consent_again(world: World, monkeypatch: Any) -> None:
    pupil = Student.objects.get(pk=world.pupil_a.pk)
    give_consent(pupil.pk, "notify_sms", version=1, acting_user=world.user("parent_a"))
    purpose = PURPOSES_BY_CODE["notify_sms"]
    newer = ConsentText(2, dt.date(2027, 1, 1), purpose.current.body + " (sửa đổi)")
    revised = dataclasses.replace(purpose, texts=(*purpose.texts, newer))
    monkeypatch.setitem(PURPOSES_BY_CODE, "notify_sms", revised)
    monkeypatch.setattr(
        "hocbaso.people.consent.CONSENT_PURPOSES",
        tuple(revised if p.code == "notify_sms" else p for p in CONSENT_PURPOSES),
    )
    state = consent_state(pupil, "notify_sms")
    assert (state.parent_granted, state.outdated, state.effective) == (False, True, False)
    assert [s.outdated for s in consent_states_for([pupil])[pupil.pk]] == [True, False, False]
