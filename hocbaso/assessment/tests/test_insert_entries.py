"""`insert_entries`, the hand-written multi-row INSERT behind every save: each stored column
equals what the ORM's bulk_create stores, ids come back in order, and batches split."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from hocbaso.assessment import cell_writes
from hocbaso.assessment.cell_writes import ENTRY_FIELDS, insert_entries
from hocbaso.assessment.models import Entry, Sheet, SheetSave
from hocbaso.org.models import Period

pytestmark = pytest.mark.django_db

COMPARED = (
    "student_id", "sheet_id", "kind", "code", "level", "score", "comment", "sheet_version",
    "save_record_id", "created_by_id", "voided_at", "voided_by_id", "void_reason", "replaces_id",
)  # fmt: skip


def _rows(world, sheet, record, *, codes, replaces=None):
    now = timezone.now()
    user = world.user("homeroom_4a")
    pupils = [world.pupil_a.pk, world.pupil_5b.pk]
    return [
        (p, sheet.pk, "subject", code, "HTC"[i % 3], i % 11 or None, f"Nhận xét {i} — tốt",
         3, record.pk, user.pk, now, "", replaces)
        for i, (p, code) in enumerate((p, c) for c in codes for p in pupils)
    ]  # fmt: skip


def _sheet(world):
    period = Period.objects.get(school_year=world.class_4a.school_year, code="CHKI")
    sheet = Sheet.objects.create(class_group=world.class_4a, period=period, key="toan")
    record = SheetSave.objects.create(sheet=sheet, idempotency_key="t", version=3, changed=0)
    return sheet, record


def _stored(ids):
    by_id = {e.pk: e for e in Entry.objects.filter(pk__in=ids)}
    return [tuple(getattr(by_id[pk], f) for f in COMPARED) for pk in ids]


def test_stored_rows_equal_the_orm_ones_and_ids_come_back_in_order(world) -> None:
    sheet, record = _sheet(world)
    rows = _rows(world, sheet, record, codes=["a", "b", "c"])
    with transaction.atomic():
        ids = insert_entries(rows)
    # the same rows through the ORM, under other codes
    orm_rows = _rows(world, sheet, record, codes=["d", "e", "f"])
    attnames = [Entry._meta.get_field(f).attname for f in ENTRY_FIELDS]  # type: ignore[union-attr]
    orm = Entry.objects.bulk_create(Entry(**dict(zip(attnames, r, strict=True))) for r in orm_rows)
    ours = _stored(ids)
    theirs = _stored([e.pk for e in orm])
    code = COMPARED.index("code")
    assert [r[code] for r in ours] == ["a", "a", "b", "b", "c", "c"]
    assert [r[:code] + r[code + 1 :] for r in ours] == [r[:code] + r[code + 1 :] for r in theirs]
    assert len(set(ids)) == 6
    # the timestamp is the one given, stored as an aware datetime like the ORM's
    stored_at = Entry.objects.get(pk=ids[0]).created_at
    assert abs(stored_at - rows[0][ENTRY_FIELDS.index("created_at")]) < dt.timedelta(seconds=1)


def test_more_rows_than_one_batch_are_split(world, monkeypatch) -> None:
    monkeypatch.setattr(cell_writes, "INSERT_BATCH", 4)
    sheet, record = _sheet(world)
    rows = _rows(world, sheet, record, codes=["a", "b", "c", "d", "e"])  # 10 rows, 3 batches
    with transaction.atomic():
        ids = insert_entries(rows)
    assert len(ids) == 10
    assert [r[COMPARED.index("code")] for r in _stored(ids)] == [r[3] for r in rows]
