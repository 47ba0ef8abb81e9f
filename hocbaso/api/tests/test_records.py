"""A parent's issued học bạ pages: only current, issued versions are listed, with the pages
another school issued that were received when the child transferred in (marked, labelled with
that school); each download is the stored file, logged (the issuance log and its audit event,
or `transfer.imported_page_downloaded` for a received page, as in the parents' portal)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from hocbaso.api.tests.fixtures import (
    OLD_SCHOOL,
    OLD_SCHOOL_CODE,
    ApiWorld,
    client_for,
    imported_pdf,
    received_page,
    sealed_page,
)
from hocbaso.audit.models import AuditEvent
from hocbaso.records.models import RecordAccess, RecordPage
from hocbaso.records.transfer.models import ImportedPage

pytestmark = pytest.mark.django_db


def test_only_current_issued_pages_are_listed(api_world: ApiWorld) -> None:
    w = api_world.world
    draft = sealed_page(w.pupil_a, w.class_4a, "HB-NHAP")
    RecordPage.objects.filter(pk=draft.pk).update(state=RecordPage.State.DRAFT)
    old = sealed_page(w.pupil_a, w.class_4a, "HB-CU")
    RecordPage.objects.filter(pk=old.pk).update(state=RecordPage.State.SUPERSEDED)
    client = client_for(w.user("parent_a"))
    body = client.get(f"/api/v1/children/{w.pupil_a.pk}/records").json()
    assert [(r["id"], r["record_code"], r["state"], r["imported"]) for r in body["items"]] == [
        (api_world.page_a.pk, "HB-API-A", "sealed", False),
        (api_world.imported_a.pk, "HB-CU-A", "sealed", True),  # an earlier year
    ]
    assert body["items"][0]["xml_sha256"] == api_world.page_a.sha256
    assert body["items"][0]["issuing_school"] == {"code": w.school.code, "name": w.school.name}
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


def _records(client: Any, child_id: int, **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/children/{child_id}/records", **query)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_received_pages_are_listed_marked_for_the_linked_parent_only(api_world: ApiWorld) -> None:
    w = api_world.world
    received = api_world.imported_a
    # when each parent lists their own child's pages
    own = _records(client_for(w.user("parent_a")), w.pupil_a.pk)
    other = _records(client_for(w.user("parent_b")), w.pupil_5b.pk)
    # then parent_a sees pupil_a's received page, as received, labelled with the old school
    assert own["items"][1] == {
        "id": received.pk,
        "record_code": "HB-CU-A",
        "version": 1,
        "state": "sealed",
        "school_year": "2025-2026",
        "class_name": "3C",
        "grade": 3,
        "issued_at": None,
        "xml_sha256": received.xml_sha256,
        "imported": True,
        "issuing_school": {"code": OLD_SCHOOL_CODE, "name": OLD_SCHOOL},
        "pdf_url": f"/api/v1/children/{w.pupil_a.pk}/records/imported/{received.pk}.pdf",
        "xml_url": None,
    }
    # and parent_b only pupil_5b's: nothing of pupil_a's pages, received or issued
    assert [(r["record_code"], r["imported"]) for r in other["items"]] == [
        ("HB-API-5B", False),
        ("HB-CU-5B", True),
    ]
    assert (own["count"], other["count"]) == (2, 2)
    hidden = client_for(w.user("parent_b")).get(f"/api/v1/children/{w.pupil_a.pk}/records")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")


def test_issued_and_received_pages_are_one_list_in_a_stable_order_paginated(
    api_world: ApiWorld,
) -> None:
    # given pages of pupil_a over three school years, issued here and received
    w = api_world.world
    received_page(w.pupil_a, "HB-CU-B", school_year="2024-2025")
    received_page(w.pupil_a, "HB-CU-A2", school_year="2025-2026", version=2)
    received_page(w.pupil_a, "HB-AA", school_year="2025-2026")
    client = client_for(w.user("parent_a"))
    # when the whole list is read, then in pages of two
    whole = _records(client, w.pupil_a.pk)
    pages = [_records(client, w.pupil_a.pk, limit="2", offset=str(o)) for o in (0, 2, 4)]
    # then newest school year first, then by record code
    expected = [
        ("2026-2027", "HB-API-A", False),
        ("2025-2026", "HB-AA", True),
        ("2025-2026", "HB-CU-A", True),
        ("2025-2026", "HB-CU-A2", True),
        ("2024-2025", "HB-CU-B", True),
    ]
    assert [(r["school_year"], r["record_code"], r["imported"]) for r in whole["items"]] == expected
    assert [(p["count"], p["limit"], p["offset"], len(p["items"])) for p in pages] == [
        (5, 2, 0, 2),
        (5, 2, 2, 2),
        (5, 2, 4, 1),
    ]
    assert [r for p in pages for r in p["items"]] == whole["items"]


def test_a_received_page_downloads_as_issued_and_is_logged(api_world: ApiWorld) -> None:
    w = api_world.world
    parent = w.user("parent_a")
    received = api_world.imported_a
    # when the linked parent downloads pupil_a's received page
    response = client_for(parent).get(
        f"/api/v1/children/{w.pupil_a.pk}/records/imported/{received.pk}.pdf"
    )
    # then the PDF as issued by the old school
    assert (response.status_code, response["Content-Type"], response["Cache-Control"]) == (
        200,
        "application/pdf",
        "no-store",
    )
    assert response.content == imported_pdf("HB-CU-A")
    assert response["Content-Disposition"] == 'attachment; filename="HB-CU-A-v1.pdf"'
    assert response["X-Content-SHA256"] == hashlib.sha256(imported_pdf("HB-CU-A")).hexdigest()
    # logged as the portal logs it: one event, the parent as actor, the issuing school named
    event = AuditEvent.objects.get(action="transfer.imported_page_downloaded")
    assert (event.actor_id, event.subject_id, event.data["new"]) == (
        parent.pk,
        str(w.pupil_a.pk),
        {"record": "HB-CU-A v1", "issued_by": OLD_SCHOOL, "file": received.pdf_sha256},
    )
    assert not RecordAccess.objects.exists()


def test_nobody_else_downloads_a_received_page(api_world: ApiWorld) -> None:
    w = api_world.world
    url = "/api/v1/children/{child}/records/imported/{page}.pdf"
    stranger = client_for(w.user("parent_b"))
    own = client_for(w.user("parent_a"))
    missing = stranger.get(url.format(child=w.pupil_5b.pk, page=987654321))
    cases = {
        # parent_b, pupil_a's page under pupil_a's id or under their own child's id
        "other child": (stranger, w.pupil_a.pk, api_world.imported_a.pk),
        "own child, other's page": (stranger, w.pupil_5b.pk, api_world.imported_a.pk),
        # parent_a, pupil_5b's received page under their own child's id
        "parent_a, 5b's page": (own, w.pupil_a.pk, api_world.imported_5b.pk),
    }
    answers = {
        name: (r.status_code, r.content)
        for name, (client, child, page) in cases.items()
        for r in [client.get(url.format(child=child, page=page))]
    }
    assert answers == dict.fromkeys(cases, (404, missing.content))
    assert not AuditEvent.objects.filter(action="transfer.imported_page_downloaded").exists()


def test_a_received_page_linked_to_the_register_is_listed_once_as_that_page(
    api_world: ApiWorld,
) -> None:
    # given a page an earlier school of this installation issued, linked on receipt
    w = api_world.world
    local = sealed_page(w.pupil_a, w.class_1a_other, "HB-LOCAL")
    linked = received_page(w.pupil_a, "HB-LOCAL", local=local)
    client = client_for(w.user("parent_a"))
    # then it is listed once, as the register's page, labelled with its school
    items = _records(client, w.pupil_a.pk)["items"]
    assert [(r["id"], r["imported"]) for r in items if r["record_code"] == "HB-LOCAL"] == [
        (local.pk, False)
    ]
    row = next(r for r in items if r["record_code"] == "HB-LOCAL")
    assert row["issuing_school"] == {"code": w.other_school.code, "name": w.other_school.name}
    # and read through the register (the issuance log), not as a received copy
    url = f"/api/v1/children/{w.pupil_a.pk}/records"
    assert client.get(f"{url}/imported/{linked.pk}.pdf").status_code == 404
    assert client.get(f"{url}/{local.pk}.pdf").status_code == 200
    assert RecordAccess.objects.get().page_id == local.pk
    assert ImportedPage.objects.filter(local_page=local).count() == 1


def test_a_received_page_whose_stored_file_is_gone_is_refused_and_not_logged(
    api_world: ApiWorld,
) -> None:
    # given a received page whose PDF is not in the record store
    w = api_world.world
    page = api_world.imported_a
    ImportedPage.objects.filter(pk=page.pk).update(pdf_sha256="f" * 64)
    # when the linked parent downloads it
    response = client_for(w.user("parent_a")).get(
        f"/api/v1/children/{w.pupil_a.pk}/records/imported/{page.pk}.pdf"
    )
    # then a refusal in Vietnamese, as for a page issued here, and nothing logged
    assert (response.status_code, response.json()["code"]) == (400, "refused")
    assert response.json()["detail"] == "Không tìm thấy tệp trang học bạ."
    assert not AuditEvent.objects.filter(action="transfer.imported_page_downloaded").exists()


def test_each_listed_page_carries_the_address_it_downloads_from(api_world: ApiWorld) -> None:
    # Issued and received pages are numbered separately: a client follows the listed address
    # and never builds one from the id (a received page's id may be an issued page's too).
    w = api_world.world
    client = client_for(w.user("parent_a"))
    items = client.get(f"/api/v1/children/{w.pupil_a.pk}/records").json()["items"]
    assert {r["imported"] for r in items} == {False, True}
    for item in items:
        pdf = client.get(item["pdf_url"])
        assert pdf.status_code == 200
        assert pdf["Content-Disposition"].endswith(f'{item["record_code"]}-v{item["version"]}.pdf"')
        if item["imported"]:
            assert item["xml_url"] is None
            assert item["pdf_url"].endswith(f"/records/imported/{item['id']}.pdf")
        else:
            xml = client.get(item["xml_url"])
            assert hashlib.sha256(xml.content).hexdigest() == item["xml_sha256"]
