"""A parent's issued học bạ pages: only current, issued versions are listed; each download is
the stored file, logged in the issuance log with its audit event."""

from __future__ import annotations

import hashlib

import pytest

from hocbaso.api.tests.fixtures import ApiWorld, client_for, sealed_page
from hocbaso.audit.models import AuditEvent
from hocbaso.records.models import RecordAccess, RecordPage

pytestmark = pytest.mark.django_db


def test_only_current_issued_pages_are_listed(api_world: ApiWorld) -> None:
    w = api_world.world
    draft = sealed_page(w.pupil_a, w.class_4a, "HB-NHAP")
    RecordPage.objects.filter(pk=draft.pk).update(state=RecordPage.State.DRAFT)
    old = sealed_page(w.pupil_a, w.class_4a, "HB-CU")
    RecordPage.objects.filter(pk=old.pk).update(state=RecordPage.State.SUPERSEDED)
    client = client_for(w.user("parent_a"))
    body = client.get(f"/api/v1/children/{w.pupil_a.pk}/records").json()
    assert [(r["id"], r["record_code"], r["state"]) for r in body["items"]] == [
        (api_world.page_a.pk, "HB-API-A", "sealed")
    ]
    assert body["items"][0]["xml_sha256"] == api_world.page_a.sha256
    # a draft or superseded page of one's own child answers like a missing one
    missing = client.get(f"/api/v1/children/{w.pupil_a.pk}/records/987654321.pdf")
    for page in (draft, old):
        hidden = client.get(f"/api/v1/children/{w.pupil_a.pk}/records/{page.pk}.pdf")
        assert (hidden.status_code, hidden.content) == (404, missing.content)
    # and a page of another child, even through one's own child's path
    other = client.get(f"/api/v1/children/{w.pupil_a.pk}/records/{api_world.page_5b.pk}.pdf")
    assert (other.status_code, other.content) == (404, missing.content)


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("pdf", "application/pdf"), ("xml", "application/xml")]
)
def test_a_download_is_the_stored_file_and_is_logged(
    api_world: ApiWorld, fmt: str, content_type: str
) -> None:
    w = api_world.world
    page = api_world.page_a
    response = client_for(w.user("parent_a")).get(
        f"/api/v1/children/{w.pupil_a.pk}/records/{page.pk}.{fmt}"
    )
    assert (response.status_code, response["Content-Type"], response["Cache-Control"]) == (
        200,
        content_type,
        "no-store",
    )
    assert response["Content-Disposition"] == f'attachment; filename="HB-API-A-v1.{fmt}"'
    expected = b"%PDF-1.7\n%HB-API-A\n%%EOF\n" if fmt == "pdf" else bytes(page.xml)
    assert response.content == expected
    digest = hashlib.sha256(expected).hexdigest()
    assert response["X-Content-SHA256"] == digest
    access = RecordAccess.objects.get()
    assert (access.page_id, access.kind, access.actor, access.sha256) == (
        page.pk,
        "download",
        w.user("parent_a"),
        digest,
    )
    event = AuditEvent.objects.get(action="record.downloaded")
    assert (event.actor_id, event.data["new"]["format"]) == (w.user("parent_a").pk, fmt)
