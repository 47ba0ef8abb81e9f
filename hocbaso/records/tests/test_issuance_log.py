"""The issuance log: append-only rows written with their audit event, and who may download."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.records.issuance_log import (
    can_read_issued,
    can_read_log,
    log_access,
    log_of_record,
    open_issued_file,
)
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.storage import store_pdf

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%sealed\n%%EOF\n"


def _page(world: World, state: str = RecordPage.State.SEALED, version: int = 1) -> RecordPage:
    xml = f"<hocba v='{version}'/>".encode()
    page = RecordPage.objects.create(
        record_code="HB-LOG",
        student=world.pupil_a,
        class_group=world.class_4a,
        version=version,
        state=state,
        xml=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
    )
    for step in ("rendered", "homeroom", "principal", "seal"):
        data = PDF + step.encode()
        RecordFile.objects.create(page=page, step=step, sha256=store_pdf(data), size=len(data))
    return page


@transaction.atomic
def _log_then_fail(page: RecordPage, actor: object) -> None:
    log_access(page, kind="download", acting_user=actor)
    raise RuntimeError("rollback")


def test_log_access_writes_the_row_and_its_event_together(world: World) -> None:
    page = _page(world)
    principal = world.user("principal")
    row = log_access(page, kind="print", acting_user=principal, purpose=" Hồ sơ chuyển trường ")
    # the row names the version, the actor, the served file (default: the current, sealed one)
    seal = RecordFile.objects.get(page=page, step="seal")
    assert (row.version, row.actor, row.sha256, row.purpose) == (
        1,
        principal,
        seal.sha256,
        "Hồ sơ chuyển trường",
    )
    event = AuditEvent.objects.get(action="record.printed")
    assert event.subject_id == str(page.pk)
    assert event.data["new"] == {
        "version": 1,
        "file": seal.sha256,
        "kind": "print",
        "purpose": "Hồ sơ chuyển trường",
    }
    # a rolled-back caller leaves neither
    with pytest.raises(RuntimeError, match="rollback"):
        _log_then_fail(page, principal)
    assert RecordAccess.objects.count() == 1
    assert not AuditEvent.objects.filter(action="record.downloaded").exists()


def test_the_log_is_append_only(world: World) -> None:
    row = log_access(_page(world), kind="issue", acting_user=world.user("principal"))
    assert AuditEvent.objects.filter(action="record.issued").count() == 1
    row.purpose = "sửa"
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()
    with pytest.raises(ValueError, match="unknown access kind"):
        log_access(row.page, kind="copy", acting_user=world.user("principal"))
    assert RecordAccess.objects.get().purpose == ""


def test_who_may_download_and_read_the_log(world: World) -> None:
    class_4a = world.class_4a
    readers = {p for p in world.users if can_read_issued(world.user(p), class_4a)}
    assert readers == {"homeroom_4a", "principal", "vice_principal", "school_admin", "inspector"}
    log_readers = {p for p in world.users if can_read_log(world.user(p), class_4a)}
    assert log_readers == {"principal", "vice_principal", "inspector"}


def test_open_issued_file_checks_access_and_state(world: World) -> None:
    sealed = _page(world)
    # an inspector downloads the sealed PDF
    served = open_issued_file(
        sealed.pk, fmt="pdf", kind="download", acting_user=world.user("inspector")
    )
    assert served.data == PDF + b"seal"
    assert served.access.sha256 == hashlib.sha256(served.data).hexdigest()
    # the pupil's linked parent does (issue 6); another parent and the other school's
    # principal do not
    parents = open_issued_file(
        sealed.pk, fmt="pdf", kind="download", acting_user=world.user("parent_a")
    )
    assert parents.access.actor == world.user("parent_a")
    with pytest.raises(Http404):
        open_issued_file(sealed.pk, fmt="pdf", kind="download", acting_user=world.user("parent_b"))
    with pytest.raises(Http404):
        open_issued_file(
            sealed.pk, fmt="pdf", kind="download", acting_user=world.user("other_principal")
        )
    with pytest.raises(PermissionDenied):
        open_issued_file(
            sealed.pk, fmt="pdf", kind="download", acting_user=world.user("group_head")
        )
    # a superseded version and a page not yet sealed are refused, nothing logged
    RecordPage.objects.filter(pk=sealed.pk).update(state=RecordPage.State.SUPERSEDED)
    draft = _page(world, RecordPage.State.SIGNED_BY_PRINCIPAL, version=2)
    principal = world.user("principal")
    with pytest.raises(ActionError, match="đã được thay thế"):
        open_issued_file(sealed.pk, fmt="pdf", kind="download", acting_user=principal)
    RecordFile.objects.filter(page=draft, step="seal").delete()
    with pytest.raises(ActionError, match="chưa được phát hành"):
        open_issued_file(draft.pk, fmt="xml", kind="extract", acting_user=principal)
    assert RecordAccess.objects.count() == 2
    # the record's log spans its versions
    assert [r.version for r in log_of_record(draft)] == [1, 1]
