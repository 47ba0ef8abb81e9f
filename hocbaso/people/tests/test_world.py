from __future__ import annotations

import pytest

from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import Student

pytestmark = pytest.mark.django_db


def test_world_builds_through_actions_and_audits_each_write(world) -> None:
    # then: three pupils, and each creation left exactly one event on its school's chain
    assert Student.objects.count() == 3
    created = AuditEvent.objects.filter(action="student.created")
    assert sorted(created.values_list("subject_label", flat=True)) == sorted(
        ["Lê Minh An", "Phạm Thu Hà", "Nguyễn Canary Bảo Mật"]
    )
    chain = list(AuditEvent.objects.filter(chain=f"school:{world.school.pk}").order_by("seq"))
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(chain, chain[1:], strict=False))
