"""`manage.py demo_issue`: one demo class from locked periods to sealed records, offline.

`prepare_class` makes a demo class issuable the way the school would, through the ordinary
audited actions: the periods without any entry are filled with demo values (`save_sheet` as
SEED, like `seed_demo_entries`), and every period not yet locked is locked by the principal
(`lock_entry`, with a reason naming this command). Profiles are not invented: a pupil whose
profile is incomplete or unverified, or who needs a supplementary assessment, stays blocked
and is listed with the reasons.

`issue_class` then takes every ready pupil through the chain with the demo certificates and
the demo PIN: snapshot and verification by the homeroom teacher, the homeroom teacher's batch,
the principal's batch, the school seal's batch (each `batches.start_batch`, run here at once;
a worker running at the same time is harmless), DEMO TSA timestamps. `write_outputs` writes
each sealed PDF, the XAdES-signed XML the seal step stored with it (`signing_chain.seal_xml`:
the one signing path; nothing is signed here) and demo-ca.pem.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hocbaso.assessment.actions.locks import LockScope, lock_entry, lock_states
from hocbaso.assessment.demo_entries import DEMO_STRUGGLING, fill_class_period
from hocbaso.assessment.models import Entry
from hocbaso.assessment.sheets import sheet_keys
from hocbaso.org.models import ClassGroup, Period
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Enrolment, User
from hocbaso.records.actions import create_snapshot
from hocbaso.records.batch_runner import run_batch
from hocbaso.records.batches import start_batch
from hocbaso.records.issuance_log import no_signed_xml_reason, signed_xml_file
from hocbaso.records.models import RecordFile, RecordPage, SigningBatch
from hocbaso.records.readiness import issuance_blockers
from hocbaso.records.signing_chain import STEPS, current_pdf, verify_page
from hocbaso.records.snapshot import homeroom_teacher_of, principal_of
from hocbaso.records.storage import read_signed_xml
from hocbaso.signing.demo_seed import seed_school_certificates
from hocbaso.signing.demo_store import demo_ca_path
from hocbaso.signing.keystore import current_certificate

LOCK_REASON = "Khóa sổ để chạy thử phát hành học bạ (lệnh demo_issue)."
DEMO_SEED = 2026


@dataclass
class IssueResult:
    sealed: list[RecordPage] = field(default_factory=list)
    blocked: dict[str, list[str]] = field(default_factory=dict)  # pupil name → reasons
    failed: list[str] = field(default_factory=list)
    without_signed_xml: list[str] = field(default_factory=list)  # page: why no XAdES XML


def prepare_class(class_group: ClassGroup, principal: User) -> list[str]:
    """Fill the periods that have no entry yet and lock every open period; what was done."""
    done: list[str] = []
    rng = random.Random(DEMO_SEED)  # noqa: S311 — deterministic demo data, not secrets
    keys = sheet_keys(class_group.grade)
    for period in Period.objects.filter(school_year=class_group.school_year).order_by("order"):
        if not Entry.objects.filter(sheet__class_group=class_group, sheet__period=period).exists():
            cells = fill_class_period(class_group, period.code, rng, struggling=DEMO_STRUGGLING)
            done.append(f"Nhập {cells} ô kết quả mẫu cho {period.get_code_display()}.")
        states = lock_states(class_group.school, period, [(class_group, k) for k in keys])
        if not all(state.locked for state in states.values()):
            scope = LockScope(class_group.school_id, period.code, class_id=class_group.pk)
            lock_entry(scope, acting_user=principal, reason=LOCK_REASON, override_open_flags=True)
            done.append(f"Hiệu trưởng khóa sổ {period.get_code_display()}.")
    return done


def signers_of(class_group: ClassGroup) -> tuple[User, User]:
    teacher, principal = homeroom_teacher_of(class_group), principal_of(class_group)
    if teacher is None or principal is None:
        raise ActionError("Lớp chưa có giáo viên chủ nhiệm hoặc trường chưa có Hiệu trưởng.")
    if current_certificate(user=teacher) is None or current_certificate(user=principal) is None:
        seed_school_certificates(class_group.school, now=timezone.now())
    return teacher, principal


def _latest(student_id: int, class_group: ClassGroup) -> RecordPage | None:
    return (
        RecordPage.objects.filter(student_id=student_id, class_group=class_group)
        .exclude(state=RecordPage.State.SUPERSEDED)
        .order_by("-version")
        .first()
    )


def _run(role: str, class_group: ClassGroup, user: User, result: IssueResult) -> None:
    waiting = RecordPage.objects.filter(class_group=class_group, state=STEPS[role].from_state)
    if not waiting.exists():
        return
    batch = start_batch(
        role=role, class_id=class_group.pk, pin=settings.SIGNING_DEMO_PIN, acting_user=user
    )
    run_batch(batch.pk)  # at once, whatever the task backend; a second run is a no-op
    for item in batch.items.filter(status="failed").select_related("page"):
        result.failed.append(f"{item.page}: {item.error}")
    if SigningBatch.objects.get(pk=batch.pk).status != SigningBatch.Status.FINISHED:
        result.failed.append(f"Đợt kí {batch.pk} chưa kết thúc.")


def issue_class(class_group: ClassGroup) -> IssueResult:
    teacher, principal = signers_of(class_group)
    result = IssueResult()
    enrolments = Enrolment.objects.filter(class_group=class_group, transfer_out_on__isnull=True)
    for enrolment in enrolments.select_related("student").order_by("student__full_name"):
        student = enrolment.student
        page = _latest(student.pk, class_group)
        if page is None or page.state == RecordPage.State.DRAFT:
            reasons = issuance_blockers(student, class_group)
            if reasons:
                result.blocked[student.full_name] = reasons
                continue
            if page is None:
                page = create_snapshot(student.pk, class_group.pk, acting_user=teacher)
            verify_page(page.pk, acting_user=teacher)
    _run("homeroom", class_group, teacher, result)
    _run("principal", class_group, principal, result)
    _run("seal", class_group, principal, result)
    result.sealed = list(
        RecordPage.objects.filter(class_group=class_group, state=RecordPage.State.SEALED)
        .select_related("class_group__school")
        .order_by("record_code", "version")
    )
    return result


def write_outputs(result: IssueResult, class_group: ClassGroup, out: Path) -> list[Path]:
    """Each sealed PDF, its stored XAdES-signed XML, and the DEMO CA certificate, into ``out``.
    A page sealed without a signed XML (sealed before the seal signed it, or by a remote key)
    is listed in ``result.without_signed_xml`` with the reason."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for page in result.sealed:
        pdf = current_pdf(page)
        if pdf is None:
            raise ActionError(f"Không tìm thấy tệp đã đóng dấu của {page}.")
        stem = f"{page.record_code}-v{page.version}"
        files = [(f"{stem}.pdf", pdf)]
        signed = signed_xml_file(page)
        if signed is not None:
            files.append((f"{stem}.xml", read_signed_xml(signed.sha256)))
        else:
            sealed = RecordFile.objects.get(page=page, step=RecordFile.Step.SEAL)
            result.without_signed_xml.append(f"{page}: {no_signed_xml_reason(sealed)}")
        for name, data in files:
            (out / name).write_bytes(data)
            written.append(out / name)
    ca = out / "demo-ca.pem"
    ca.write_bytes(demo_ca_path().read_bytes())
    written.append(ca)
    return written
