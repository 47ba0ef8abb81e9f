"""Two demo-like schools for the transfer tests: pupil A of 4A (Đô Vinh) with one sealed year
page, seals with server-held DEMO keys for both schools, and a class 4A at Phước Dân."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings

from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.org.models import ClassGroup
from hocbaso.people.tests.world import World
from hocbaso.people.tests.world_snapshot import replayed
from hocbaso.records.actions import create_snapshot
from hocbaso.records.models import RecordPage
from hocbaso.records.signing_chain import sign_page, verify_page
from hocbaso.records.tests.chain_world import ISSUED_AT, Signers, give_signers
from hocbaso.records.transfer import layout
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.testing import give_seal

PIN = settings.SIGNING_DEMO_PIN
DESTINATION = "Trường Tiểu học Phước Dân"


@dataclass
class TransferWorld:
    world: World
    signers: Signers
    page: RecordPage
    other_seal: SigningCertificate
    class_4a_other: ClassGroup


def seal_page(world: World, signers: Signers) -> RecordPage:
    """Pupil A's year page through the whole D8 chain (sealed, issued)."""
    page = create_snapshot(world.pupil_a.pk, world.class_4a.pk, acting_user=world.user("principal"))
    verify_page(page.pk, acting_user=world.user("homeroom_4a"))
    for role, who, persona in (
        ("homeroom", signers.homeroom, "homeroom_4a"),
        ("principal", signers.principal, "principal"),
        ("seal", signers.seal, "principal"),
    ):
        sign_page(
            page.pk,
            role=role,
            signer=signers.signer(who),
            certificate_row=who,
            acting_user=world.user(persona),
        )
    page.refresh_from_db()
    return page


def build_transfer_world(world: World, authority: DemoAuthority) -> TransferWorld:
    """(Replayed after its first run from the same state: people/tests/world_snapshot.py.)"""
    built = replayed("records.transfer_world", lambda: _build(world, authority))
    built.world = world
    return built


def _build(world: World, authority: DemoAuthority) -> TransferWorld:
    signers = give_signers(world, authority)
    page = seal_page(world, signers)
    other_seal = give_seal(authority, world.other_school, now=ISSUED_AT)
    class_4a_other = org_actions.create_class(
        school=world.other_school, school_year=world.year, grade=4, name="4A", acting_user=SEED
    )
    return TransferWorld(world, signers, page, other_seal, class_4a_other)


def members_of(archive: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as found:
        return [(info.filename, found.read(info)) for info in found.infolist()]


def rewrite(members: list[tuple[str, bytes]]) -> bytes:
    """An archive of ``members`` written like a real package."""
    return layout.write_archive(members)
