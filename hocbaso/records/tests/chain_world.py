"""Signers for the signing-chain tests: DEMO certificates (server-held keys, PIN
settings.SIGNING_DEMO_PIN) for the homeroom teacher of 4A, the principal, the vice-principal
and the school seal, and N verified pages of 4A ready for batch signing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from hocbaso.people.tests.world import World
from hocbaso.people.tests.world_snapshot import replayed
from hocbaso.records.actions import create_snapshot
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.render import render_page
from hocbaso.records.signing_chain import field_specs
from hocbaso.records.storage import store_pdf
from hocbaso.records.verify_links import verify_url
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.keystore import signer_for
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.pades import prepare_fields
from hocbaso.signing.signers import DocumentSigner
from hocbaso.signing.testing import give_certificate, give_seal

# Valid both on the records tests' frozen day (28/05/2027) and on the real calendar (a worker
# subprocess is not time-travelled).
ISSUED_AT = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


@dataclass
class Signers:
    homeroom: SigningCertificate
    principal: SigningCertificate
    vice_principal: SigningCertificate
    seal: SigningCertificate

    def signer(self, row: SigningCertificate) -> DocumentSigner:
        return signer_for(row, settings.SIGNING_DEMO_PIN)


def give_signers(world: World, authority: DemoAuthority, now: dt.datetime = ISSUED_AT) -> Signers:
    """(Replayed after its first run from the same state: people/tests/world_snapshot.py.)"""
    return replayed(
        f"records.give_signers:{now.isoformat()}",
        lambda: Signers(
            homeroom=give_certificate(authority, world.user("homeroom_4a"), now=now),
            principal=give_certificate(authority, world.user("principal"), now=now),
            vice_principal=give_certificate(authority, world.user("vice_principal"), now=now),
            seal=give_seal(authority, world.school, now=now),
        ),
    )


def verified_pages(world: World, count: int) -> list[RecordPage]:
    """``count`` verified pages of 4A: pupil A's real snapshot, then copies of its XML under
    other record codes (the batch machinery does not care whose page it is)."""
    first = create_snapshot(
        world.pupil_a.pk, world.class_4a.pk, acting_user=world.user("principal")
    )
    xml = bytes(first.xml)
    pdf = prepare_fields(
        render_page(xml, record_id="T", verify_url=verify_url(first.record_code, 1, first.sha256)),
        field_specs(),
    )
    digest = store_pdf(pdf)
    pages = []
    for index in range(count):
        if index == 0:
            page = first
        else:
            page = RecordPage.objects.create(
                record_code=f"{first.record_code}-T{index}",
                student=first.student,
                class_group=first.class_group,
                version=1,
                xml=xml,
                sha256=first.sha256,
            )
        RecordFile.objects.create(
            page=page, step=RecordFile.Step.RENDERED, sha256=digest, size=len(pdf)
        )
        RecordPage.objects.filter(pk=page.pk).update(state=RecordPage.State.VERIFIED)
        pages.append(page)
    return pages
