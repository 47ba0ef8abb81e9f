"""Issued page versions for the exchange tests, written directly (no rendering or signing: the
pushes only read the stored XML and the sealed file), and a running stand-in receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from hocbaso.exchange.standin import StandinServer, StandinService
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.storage import store_pdf
from hocbaso.records.tests.samples import sample_snapshot
from hocbaso.records.xml_record import sha256_of, to_xml

TOKEN = "s3cr3t-token-of-the-kho-9f2c"


def issue_page(
    world: World, *, version: int = 1, state: str = "sealed", code: str = ""
) -> RecordPage:
    """Version ``version`` of pupil A's 2026-2027 page, sealed, with its stored PDF."""
    code = code or f"HB-58-TH-DV-{world.pupil_a.pk}-2026-2027"
    xml = to_xml(sample_snapshot(record_code=code, version=version))
    previous = RecordPage.objects.filter(record_code=code, version=version - 1).first()
    page = RecordPage.objects.create(
        record_code=code, student=world.pupil_a, class_group=world.class_4a, version=version,
        state=state, xml=xml, sha256=sha256_of(xml), supersedes=previous,
    )  # fmt: skip
    pdf = b"%PDF-1.7\n% sealed " + code.encode() + b" v" + str(version).encode() + b"\n%%EOF\n"
    RecordFile.objects.create(page=page, step="seal", sha256=store_pdf(pdf), size=len(pdf))
    return page


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    with StandinServer(StandinService(token=TOKEN)) as server:
        url = server.base_url
        with override_settings(
            HOCBASO_EXCHANGE_WAREHOUSE_URL=url,
            HOCBASO_EXCHANGE_WAREHOUSE_TOKEN=TOKEN,
            HOCBASO_EXCHANGE_VNEID_URL=url,
            HOCBASO_EXCHANGE_VNEID_TOKEN=TOKEN,
            HOCBASO_EXCHANGE_TIMEOUT=5,
            HOCBASO_EXCHANGE_BACKOFF_SECONDS=60,
        ):
            yield server
