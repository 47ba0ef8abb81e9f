"""Issue 5, done when: a demo class goes from locked periods to sealed records in real
Chromium. The homeroom teacher makes the snapshots, confirms the data and batch-signs the class
with the PIN of a DEMO certificate, watching the progress bar reach 100 %; the principal
batch-signs the school's pages, then applies the school seal; the sealed PDF downloaded from
the class page verifies with `verify_record_pdf` (valid, current) and `pdfsig` (poppler)
validates its three signatures against the DEMO CA."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection

from hocbaso.people.tests.world import PASSWORD, World
from hocbaso.records import verification
from hocbaso.records.batch_runner import run_batch
from hocbaso.records.models import RecordAccess, RecordPage, SigningBatch
from hocbaso.records.signing_chain import current_pdf
from hocbaso.records.tests.chain_world import give_signers
from hocbaso.records.tests.conftest import AFTER_CN_DEADLINE, fill_and_lock, verify_profile
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.trust import trust_roots
from tests.browser import chromium_browser, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "123456"
IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "signing"],
    }
}
QUEUED = {  # the batch waits for a worker, which the test runs while the browser watches
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "signing"],
    }
}


@pytest.fixture
def ready_class(world: World, settings: Any) -> Iterator[World]:
    """After the CN deadline (the clock ticks on), 4A's four periods filled and locked, pupil
    A's profile complete and verified; signing batches run inside the request."""
    settings.TASKS = IMMEDIATE
    with time_machine.travel(AFTER_CN_DEADLINE, tick=True):
        fill_and_lock(world)
        verify_profile(world)
        yield world


def _login(browser: Any, base_url: str, username: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base_url, username, PASSWORD)
    return context, page, errors


def _finished(page: Any) -> None:
    """The batch page's bar, polled by htmx, reaches 100 % with every page signed."""
    page.wait_for_selector(
        "[data-testid=batch-progress][data-status=finished][data-percent='100']", timeout=30_000
    )
    assert page.inner_text("[data-testid=batch-percent]") == "100 %"
    assert page.inner_text("[data-testid=count-failed]") == "0"
    assert page.inner_text("[data-testid=count-done]") == page.inner_text(
        "[data-testid=count-total]"
    )


def _worker(batch_id: int) -> None:
    """A signing worker in its own thread (pyHanko's asyncio.run cannot run in the test's
    thread, where Playwright's event loop runs)."""

    def work() -> None:
        try:
            run_batch(batch_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()


def _pdfsig(pdf: Path, ca_pem: bytes, tmp: Path) -> str:
    nss = tmp / "nss"
    nss.mkdir()
    (tmp / "ca.pem").write_bytes(ca_pem)
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True)
    subprocess.run(
        ["certutil", "-A", "-n", "demo", "-t", "CT,C,C", "-i", str(tmp / "ca.pem")]
        + ["-d", f"sql:{nss}"],
        check=True,
    )
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True, text=True
    ).stdout


def test_a_class_goes_from_locked_periods_to_sealed_records_in_the_browser(
    live_server: Any,
    ready_class: World,
    demo_authority: DemoAuthority,
    tmp_path: Path,
    settings: Any,
) -> None:
    world = ready_class
    give_signers(world, demo_authority)  # DEMO certificates, PIN 123456
    base = live_server.url
    downloaded = tmp_path / "hoc-ba.pdf"
    with chromium_browser() as browser:
        # the homeroom teacher goes from the home page to the class's học bạ page
        _, teacher, teacher_errors = _login(browser, base, "homeroom_4a")
        teacher.click("[data-testid=class-records]")
        teacher.wait_for_url(f"{base}/lop/{world.class_4a.pk}/hoc-ba/")
        assert teacher.inner_text("h1") == "Học bạ số lớp 4A"
        row = f"tr[data-student='{world.pupil_a.pk}']"
        assert teacher.get_attribute(row, "data-state") == "none"
        # makes the snapshots, then confirms the data
        teacher.click("[data-testid=snapshot-form] button")
        teacher.wait_for_selector(f"{row}[data-state=draft]")
        teacher.click("[data-testid=verify-form] button")
        teacher.wait_for_selector(f"{row}[data-state=verified]")
        # and signs the whole class with the PIN, watching the progress reach 100 %
        teacher.fill("#id_class_pin", PIN)
        teacher.click("text=Kí số cả lớp")
        teacher.wait_for_url(f"{base}/ki-so/dot/*/")
        _finished(teacher)
        teacher.click(f"a[href='/lop/{world.class_4a.pk}/hoc-ba/']")
        teacher.wait_for_selector(f"{row}[data-state=signed_by_homeroom]")

        # the principal signs the pages the homeroom teachers signed, then applies the seal
        _, principal, principal_errors = _login(browser, base, "principal")
        principal.click("[data-testid=school-records]")
        principal.wait_for_url(f"{base}/truong/{world.school.pk}/hoc-ba/")
        assert principal.input_value("#id_title") == "Hiệu trưởng"
        # (this batch waits for a worker: the page polls while it is queued, then running)
        settings.TASKS = QUEUED
        principal.fill("#id_principal_pin", PIN)
        principal.click("[data-testid=principal-sign-form] button")
        principal.wait_for_url(f"{base}/ki-so/dot/*/")
        principal.wait_for_selector("[data-testid=batch-progress][data-status=queued]")
        assert principal.inner_text("[data-testid=batch-percent]") == "0 %"
        _worker(SigningBatch.objects.get(role="principal").pk)
        _finished(principal)
        settings.TASKS = IMMEDIATE
        principal.click(f"a[href='/truong/{world.school.pk}/hoc-ba/']")
        principal.fill("#id_seal_pin", PIN)
        principal.click("[data-testid=seal-form] button")
        principal.wait_for_url(f"{base}/ki-so/dot/*/")
        _finished(principal)

        # the homeroom teacher downloads the sealed học bạ from the class page
        teacher.reload()
        teacher.wait_for_selector(f"{row}[data-state=sealed]")
        with teacher.expect_download() as info:
            teacher.click(f"{row} [data-testid=download-pdf]")
        info.value.save_as(downloaded)
        assert teacher_errors == []
        assert principal_errors == []

    # (verified outside the browser block: Playwright's event loop runs in this thread)
    page = RecordPage.objects.get(student=world.pupil_a, class_group=world.class_4a)
    assert page.state == RecordPage.State.SEALED
    assert [b.role for b in SigningBatch.objects.order_by("pk")] == [
        "homeroom",
        "principal",
        "seal",
    ]
    pdf = downloaded.read_bytes()
    assert pdf == current_pdf(page)
    log = [(a.kind, a.version, a.actor, a.sha256) for a in RecordAccess.objects.order_by("pk")]
    digest = hashlib.sha256(pdf).hexdigest()
    assert log == [
        ("issue", page.version, world.user("principal"), digest),
        ("download", page.version, world.user("homeroom_4a"), digest),
    ]
    report = verification.verify_record_pdf(pdf, trust_roots=trust_roots())
    assert report.valid, report.problems
    assert report.status == verification.CURRENT
    assert [s.field for s in report.signatures] == ["gvcn", "hieu_truong", "con_dau"]
    if shutil.which("pdfsig") and shutil.which("certutil"):
        checked = _pdfsig(downloaded, demo_authority.ca.cert_pem(), tmp_path)
        assert checked.count("Signature Validation: Signature is Valid.") == 3, checked
        assert checked.count("Certificate Validation: Certificate is Trusted.") == 3, checked
