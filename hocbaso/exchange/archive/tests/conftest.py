"""An archive world: pupil A of 4A with one sealed year page, an age key pair, and a helper
that empties the installation (hocbaso tables and private files) to stand for a fresh one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

from hocbaso.exchange.archive.export import Exported, export_archive
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordPage
from hocbaso.records.tests.chain_world import give_signers
from hocbaso.records.tests.conftest import (
    after_cn_deadline,  # noqa: F401 - fixture
    ready,  # noqa: F401 - fixture
)
from hocbaso.records.tests.transfer_world import PIN, seal_page
from hocbaso.signing.demo_store import DemoAuthority

YEAR = "2026-2027"


@dataclass
class ArchiveWorld:
    world: World
    page: RecordPage
    identity_file: Path
    recipient: str
    out: Path

    def export(self) -> Exported:
        return export_archive(
            school_code=self.world.school.code,
            year_code=YEAR,
            out=self.out,
            recipients=[self.recipient],
            pin=PIN,
            acting_user=self.world.user("principal"),
        )


@pytest.fixture
def aw(ready: World, demo_authority: DemoAuthority, tmp_path: Path) -> ArchiveWorld:  # noqa: F811
    signers = give_signers(ready, demo_authority)
    page = seal_page(ready, signers)
    identity = pyrage.x25519.Identity.generate()
    keyfile = tmp_path / "archive.key"
    keyfile.write_text(f"# test key\n{identity}\n", encoding="ascii")
    return ArchiveWorld(ready, page, keyfile, str(identity.to_public()), tmp_path / "ts.tar.age")


def empty_installation() -> None:
    """Delete every hocbaso row (in the test's transaction) and every private file."""
    models = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("hocbaso") or m._meta.app_label in {"people", "audit"}
    ]
    tables = sorted({m._meta.db_table for m in models})
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # fire the deferred FK checks before TRUNCATE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    shutil.rmtree(Path(settings.PRIVATE_MEDIA_ROOT), ignore_errors=True)
