"""The trail screen: scope, filters, keyset pages, escaping, and its own audit event."""

from __future__ import annotations

import re

import pytest

from hocbaso.audit.log import SYSTEM_CHAIN
from hocbaso.audit.models import AuditEvent
from hocbaso.inspection.tests.helpers import client_for, vn, write_events
from hocbaso.inspection.trail import (
    PAGE_SIZE,
    TrailFilter,
    TrailScope,
    filtered_events,
    trail_page,
)
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _labels(world: World, flt: TrailFilter) -> list[str]:
    scope = TrailScope.for_school(world.school)
    return list(filtered_events(scope, flt).values_list("subject_label", flat=True))


def test_the_school_trail_is_its_chain_newest_first(world: World) -> None:
    write_events(world.school.pk, subject_label="ours")
    write_events(world.other_school.pk, subject_label="theirs")
    events = list(filtered_events(TrailScope.for_school(world.school), TrailFilter()))
    assert {e.chain for e in events} == {f"school:{world.school.pk}"}
    assert [e.seq for e in events] == sorted((e.seq for e in events), reverse=True)
    assert events[0].subject_label == "ours"


def test_the_province_trail_is_the_chains_of_its_schools_only(world: World) -> None:
    write_events(world.school.pk, subject_label="A")
    write_events(world.other_school.pk, subject_label="B")
    write_events(None, subject_label="system")
    events = list(filtered_events(TrailScope.for_province(world.province), TrailFilter()))
    chains = {e.chain for e in events}
    assert chains == {f"school:{world.school.pk}", f"school:{world.other_school.pk}"}
    assert [e.subject_label for e in events[:2]] == ["B", "A"]
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)


def test_date_range_is_in_vietnam_days(world: World) -> None:
    # given events late on 1/12, on 2/12 and early on 3/12, Vietnam time
    write_events(world.school.pk, subject_label="1/12 23:30", at=vn(1, hour=23).replace(minute=30))
    write_events(world.school.pk, subject_label="2/12 06:30", at=vn(2, hour=6).replace(minute=30))
    write_events(world.school.pk, subject_label="3/12 00:30", at=vn(3, hour=0).replace(minute=30))
    # many events after, so the bisection has work to do
    write_events(world.school.pk, 40, subject_label="later", at=vn(20))
    day = vn(2).date()
    assert _labels(world, TrailFilter(date_from=day, date_to=day)) == ["2/12 06:30"]
    assert _labels(world, TrailFilter(date_to=day))[:2] == ["2/12 06:30", "1/12 23:30"]
    later = _labels(world, TrailFilter(date_from=vn(3).date(), date_to=vn(19).date()))
    assert later == ["3/12 00:30"]
    province = TrailScope.for_province(world.province)
    got = filtered_events(province, TrailFilter(date_from=day, date_to=day))
    assert list(got.values_list("subject_label", flat=True)) == ["2/12 06:30"]


def test_filters_action_actor_subject_and_text(world: World) -> None:
    principal = world.user("principal")
    write_events(world.school.pk, action="student.photo_viewed", actor=principal,
                 subject_type="people.student", subject_id="7", subject_label="Lê Văn Bảy")  # fmt: skip
    write_events(world.school.pk, action="student.photo_viewed", subject_type="people.student",
                 subject_id="8", subject_label="Trần Thị Tám")  # fmt: skip
    viewed = TrailFilter(action="student.photo_viewed")
    assert sorted(_labels(world, viewed)) == ["Lê Văn Bảy", "Trần Thị Tám"]
    assert _labels(world, TrailFilter(action="student.photo_viewed", actor="PRINCIPAL")) == [
        "Lê Văn Bảy"
    ]
    assert _labels(world, TrailFilter(actor="nobody")) == []
    assert _labels(world, TrailFilter(subject_type="people.student", subject_id="8")) == [
        "Trần Thị Tám"
    ]
    assert _labels(world, TrailFilter(q="văn bảy")) == ["Lê Văn Bảy"]


def test_keyset_pages_walk_every_event_once(world: World) -> None:
    write_events(world.school.pk, PAGE_SIZE * 2 + 5, subject_label="bulk")
    scope, flt = TrailScope.for_school(world.school), TrailFilter(q="bulk")
    first = trail_page(scope, flt)
    assert len(first.rows) == PAGE_SIZE
    assert first.is_latest
    assert first.newer is None
    second = trail_page(scope, flt, before=first.older)
    third = trail_page(scope, flt, before=second.older)
    assert (len(second.rows), len(third.rows), third.older) == (PAGE_SIZE, 5, None)
    seqs = [r.event.seq for p in (first, second, third) for r in p.rows]
    assert seqs == sorted(set(seqs), reverse=True)
    assert len(seqs) == PAGE_SIZE * 2 + 5
    # going back up from the third page gives the second again
    back = trail_page(scope, flt, after=third.newer)
    assert [r.event.seq for r in back.rows] == [r.event.seq for r in second.rows]
    assert not back.is_latest
    top = trail_page(scope, flt, after=back.newer)
    assert [r.event.seq for r in top.rows] == [r.event.seq for r in first.rows]
    assert top.is_latest


def test_the_page_shows_a_vietnamese_trail_and_logs_one_view(world: World) -> None:
    write_events(world.school.pk, PAGE_SIZE + 3, action="student.photo_viewed",
                 subject_label="<b>Lê Minh An</b>", data={"old": "<script>x</script>"})  # fmt: skip
    client = client_for("inspector")
    before = AuditEvent.objects.filter(action="audit.trail_viewed").count()
    response = client.get(f"/nhat-ki/truong/{world.school.pk}/", {"action": "student.photo_viewed"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Xem ảnh học sinh" in body
    assert "Nhật kí hệ thống" in body
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body
    assert "<b>Lê Minh An</b>" not in body
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", body)
    assert body.count('data-event="') == PAGE_SIZE
    assert "truoc=" in body
    assert "action=student.photo_viewed" in body
    (view,) = AuditEvent.objects.filter(action="audit.trail_viewed")[before:]
    assert view.chain == f"school:{world.school.pk}"
    assert view.data["filter"] == {"action": "student.photo_viewed"}
    assert view.data["rows"] == PAGE_SIZE
    assert view.actor_label.endswith("(inspector)")
    # the next page is one more view
    older = re.search(r"truoc=(\d+)", body)
    assert older
    page2 = client.get(
        f"/nhat-ki/truong/{world.school.pk}/?action=student.photo_viewed&truoc={older[1]}"
    )
    assert page2.content.decode().count('data-event="') == 3
    assert AuditEvent.objects.filter(action="audit.trail_viewed").count() == before + 2


def test_the_province_view_is_logged_in_the_system_chain(world: World) -> None:
    response = client_for("province_officer").get(f"/nhat-ki/tinh/{world.province.pk}/")
    assert response.status_code == 200
    view = AuditEvent.objects.filter(action="audit.trail_viewed").get()
    assert view.chain == SYSTEM_CHAIN
    assert view.subject_type == "org.province"


def test_a_bad_filter_shows_the_error_and_no_events(world: World) -> None:
    write_events(world.school.pk, subject_label="x")
    response = client_for("principal").get(
        f"/nhat-ki/truong/{world.school.pk}/", {"date_from": "31/02/2026", "action": "nope"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-event="' not in body
    assert "errorlist" in body
    assert not AuditEvent.objects.filter(action="audit.trail_viewed").exists()
