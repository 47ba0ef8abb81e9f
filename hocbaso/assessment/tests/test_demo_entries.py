from __future__ import annotations

import random

import pytest

from hocbaso.assessment.demo_entries import fill_class_period
from hocbaso.assessment.models import Entry
from hocbaso.audit.models import AuditEvent

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
