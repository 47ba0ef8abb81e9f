"""Sealing a page tells the pupil's linked parents, once the issuance is committed."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.notifications.models import Notification
from hocbaso.people.models import User
from hocbaso.people.tests.world import World
from hocbaso.records.actions import create_snapshot
from hocbaso.records.signing_chain import sign_page, verify_page
from hocbaso.records.tests.chain_world import Signers, give_signers


@pytest.fixture
def signers(ready: World, demo_authority: Any) -> Signers:
    return give_signers(ready, demo_authority)


def test_the_seal_notifies_linked_parents_after_commit(
    ready: World, signers: Signers, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SIGNING_TSA = ""  # no timestamps: faster, and not what this test is about
    User.objects.filter(pk=ready.user("parent_a").pk).update(email="bo.an@example.vn")
    page = create_snapshot(ready.pupil_a.pk, ready.class_4a.pk, acting_user=ready.user("principal"))
    verify_page(page.pk, acting_user=ready.user("homeroom_4a"))
    for role, certificate, who in (
        ("homeroom", signers.homeroom, "homeroom_4a"),
        ("principal", signers.principal, "principal"),
    ):
        sign_page(
            page.pk, role=role, signer=signers.signer(certificate), certificate_row=certificate,
            acting_user=ready.user(who),
        )  # fmt: skip
    assert Notification.objects.count() == 0
    # when the seal commits
    with django_capture_on_commit_callbacks(execute=True):
        sign_page(
            page.pk, role="seal", signer=signers.signer(signers.seal),
            certificate_row=signers.seal, acting_user=ready.user("principal"),
        )  # fmt: skip
    # then parent A gets one message about this version
    row = Notification.objects.get()
    assert (row.topic, row.channel, row.address, row.status) == (
        "record.issued",
        "email",
        "bo.an@example.vn",
        "sent",
    )
    assert row.dedupe_key == (
        f"record.issued:record:{page.record_code}:v{page.version}:user:{ready.user('parent_a').pk}"
    )
