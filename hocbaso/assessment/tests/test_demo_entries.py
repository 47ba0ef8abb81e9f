from __future__ import annotations

import random

import pytest

from hocbaso.assessment.demo_entries import fill_class_period
from hocbaso.assessment.models import Entry
from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def test_demo_fill_writes_every_sheet_through_save_sheet(world) -> None:
    # when the demo fills 4A's mid-term of semester 1
    written = fill_class_period(world.class_4a, "GHKI", random.Random(1))
    # then each pupil has a level in every compulsory unit and all 15 qualities/competencies,
    # scores only where grade 4 is tested at GHKI (Tiếng Việt, Toán: D4), one save per sheet
    current = Entry.objects.current().filter(student=world.pupil_a)
    assert written == current.count()
    scored = sorted(current.filter(score__isnull=False).values_list("code", flat=True))
    assert scored == ["tieng_viet", "toan"]
    assert current.filter(kind="quality").count() == 5
    assert current.filter(kind="competency").count() == 10
    saves = AuditEvent.objects.filter(action="assessment.sheet_saved")
    assert saves.count() == Entry.objects.values("sheet").distinct().count()


def test_demo_review_story_leaves_a_flag_and_a_pending_correction(world) -> None:
    import datetime as dt

    import time_machine

    from hocbaso.assessment.actions.locks import LOCAL_TZ
    from hocbaso.assessment.demo_review import seed_review_scenario
    from hocbaso.assessment.models import BienBan, CorrectionRequest, ReviewFlag

    # given 4A's mid-term filled, and the day after its deadline (so GHKI is locked)
    fill_class_period(world.class_4a, "GHKI", random.Random(1))
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ), tick=True):
        summary = seed_review_scenario(
            world.school, head_username="group_head", teacher_username="homeroom_4a"
        )
    # then the group head's flag was answered, and a correction with a biên bản awaits
    assert "chờ Hiệu trưởng duyệt" in summary
    flag = ReviewFlag.objects.get()
    assert flag.status == ReviewFlag.Status.ANSWERED
    assert flag.raised_by == world.user("group_head")
    request = CorrectionRequest.objects.get()
    assert request.status == CorrectionRequest.Status.PENDING
    assert request.requested_by == world.user("homeroom_4a")
    assert BienBan.objects.filter(request=request, source="generated").count() == 1
    assert AuditEvent.objects.filter(action="correction.requested").count() == 1


def test_in_the_demo_only_the_struggling_few_get_a_c(world: World) -> None:
    """With a `struggling` share, a pupil either never gets a C or is one of the few who do,
    in every period alike."""
    from hocbaso.assessment.demo_entries import _struggles

    fill_class_period(world.class_4a, "GHKI", random.Random(2), struggling=0.0)
    assert not Entry.objects.current().filter(level="C").exists()
    ids = range(1, 2001)
    share = sum(_struggles(i, 0.06) for i in ids) / len(ids)
    assert 0.04 < share < 0.08
    assert [_struggles(i, 0.06) for i in ids] == [_struggles(i, 0.06) for i in ids]
