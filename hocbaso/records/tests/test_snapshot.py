"""The snapshot of a filled, locked, verified page: its content comes from the CN entries, the
year end and the decisions, the identity fields and the names valid on its date."""

from __future__ import annotations

import datetime as dt

import pytest

from hocbaso.assessment.models import Entry
from hocbaso.assessment.year_end import class_year_end
from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.people.tests.world import World
from hocbaso.records.snapshot import SnapshotUnavailable, build_snapshot
from hocbaso.records.tests.conftest import PUPIL_A_PERSONAL_ID
from hocbaso.records.xml_record import parse_xml, to_xml, validate_xml
from hocbaso.regulation.catalogue import (
    GENERAL_COMPETENCIES,
    QUALITIES,
    SPECIFIC_COMPETENCIES,
    subjects_for_grade,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_cn_deadline")]
ON = dt.date(2027, 5, 28)


def test_the_snapshot_holds_the_page(ready: World) -> None:
    # given pupil A of 4A, filled, locked and verified
    pupil = ready.pupil_a
    # when
    snapshot = build_snapshot(pupil, ready.class_4a, on=ON)
    # then the header and identity
    assert snapshot.record_code == f"HB-58-TH-DV-{pupil.pk}-2026-2027"
    assert (snapshot.version, snapshot.issued_on, snapshot.regime) == (1, ON, "TT27")
    assert (snapshot.school_year, snapshot.grade, snapshot.class_name) == ("2026-2027", 4, "4A")
    assert snapshot.unit.school_name == "Trường Tiểu học Đô Vinh"
    assert snapshot.unit.commune_name == snapshot.unit.place_of_issue == "Phường Đô Vinh"
    assert (snapshot.unit.province_code, snapshot.unit.province_name) == ("58", "Ninh Thuận")
    assert snapshot.pupil.personal_id == PUPIL_A_PERSONAL_ID
    assert snapshot.pupil.full_name == "Lê Minh An"
    assert (snapshot.pupil.gender, snapshot.pupil.birth_date) == ("Nam", dt.date(2016, 3, 15))
    assert (snapshot.pupil.ethnicity, snapshot.pupil.nationality) == ("Kinh", "Việt Nam")
    assert snapshot.pupil.moet_code == ""
    # the units in catalogue order (no Tiếng dân tộc: nobody in the demo studies it)
    assert [r.code for r in snapshot.subjects] == [
        c for c in subjects_for_grade(4) if c != "tieng_dan_toc"
    ]
    assert [r.code for r in snapshot.qualities] == list(QUALITIES)
    assert [r.code for r in snapshot.general_competencies] == list(GENERAL_COMPETENCIES)
    assert [r.code for r in snapshot.specific_competencies] == list(SPECIFIC_COMPETENCIES)
    # each row is the current CN entry
    cn = {
        (e.kind, e.code): e
        for e in Entry.objects.current().filter(student=pupil, sheet__period__code="CN")
    }
    for row in snapshot.subjects:
        entry = cn[("subject", row.code)]
        assert (row.level, row.score, row.comment) == (entry.level, entry.score, entry.comment)
    for quality in snapshot.qualities:
        entry = cn[("quality", quality.code)]
        assert (quality.level, quality.comment) == (entry.level, entry.comment)
    untested = {r.code: r.score for r in snapshot.subjects if r.code in ("dao_duc", "am_nhac")}
    assert untested == {"dao_duc": None, "am_nhac": None}
    # the year end as derived by assessment.year_end
    (year_end,) = class_year_end(ready.class_4a).pupils
    assert year_end.result is not None
    assert (snapshot.result_code, snapshot.result_name) == (year_end.result.value, "Hoàn thành")
    assert snapshot.awards == ()
    assert (snapshot.completed, snapshot.completion) == (True, "Hoàn thành chương trình lớp 4")
    assert (snapshot.promoted, snapshot.supplementary) == (True, "")
    # the signers
    assert snapshot.homeroom_teacher == "Persona homeroom_4a"
    assert (snapshot.principal_name, snapshot.principal_title) == (
        "Persona principal",
        "Hiệu trưởng",
    )
    # and the XML of it is valid and reads back
    data = to_xml(snapshot)
    validate_xml(data)
    assert parse_xml(data) == snapshot


def test_the_school_name_is_the_one_valid_on_the_date(ready: World) -> None:
    # given the school renamed from 1 June 2027
    org_actions.rename_school(
        ready.school.pk,
        new_name="Trường Tiểu học Nguyễn Du",
        valid_from=dt.date(2027, 6, 1),
        decision="QĐ 12/QĐ-UBND",
        acting_user=SEED,
    )
    # then a page dated before keeps the old name, one dated after the new one
    before = build_snapshot(ready.pupil_a, ready.class_4a, on=ON)
    after = build_snapshot(ready.pupil_a, ready.class_4a, on=dt.date(2027, 6, 2))
    assert before.unit.school_name == "Trường Tiểu học Đô Vinh"
    assert after.unit.school_name == "Trường Tiểu học Nguyễn Du"


def test_the_same_data_gives_the_same_bytes(ready: World) -> None:
    first = to_xml(build_snapshot(ready.pupil_a, ready.class_4a, on=ON))
    second = to_xml(build_snapshot(ready.pupil_a, ready.class_4a, on=ON))
    assert first == second


def test_no_snapshot_without_a_result(world: World) -> None:
    with pytest.raises(SnapshotUnavailable, match="chưa đủ kết quả cuối năm học"):
        build_snapshot(world.pupil_a, world.class_4a, on=ON)
