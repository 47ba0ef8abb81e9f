"""The D8 signing chain of a year page version: verify, then homeroom → principal → seal.

Each step is an action: access-checked (`signing_access`), one transaction, audited. A step
locks the page row (``select_for_update``), checks its state, signs the page's current PDF,
stores the new PDF (`storage`, by SHA-256), appends its `RecordFile` and moves the state — all
in that transaction, so the current file (the file of the latest step) is never half-signed and
no page is ever signed twice: a second signer finds the state already moved (`AlreadyPastStep`).

* `verify_page`: draft → verified, refused with `issuance_blockers`' reasons; renders the page
  (`render_page`, the QR link of `verify_links.verify_url`) and adds the three empty signature
  fields (`SIGNATURE_FIELDS`) at the form's boxes: the ``rendered`` file.
* `sign_page(role=homeroom|principal|seal)`: the homeroom signature certifies the document
  (DocMDP, later signatures allowed); each carries a timestamp when a TSA is configured. The
  seal issues the page ("record.issued") and supersedes the record's older versions
  ("record.superseded", with the correction's biên bản and reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.db import transaction
from django.utils import timezone
from pyhanko.stamp import StaticStampStyle

from hocbaso.audit.log import log
from hocbaso.notifications import parent_events
from hocbaso.people.errors import ActionError
from hocbaso.records import signing_access as access
from hocbaso.records.certificate_checks import certificate_problems
from hocbaso.records.issuance_log import log_access
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.readiness import issuance_blockers
from hocbaso.records.render import render_page, signature_boxes
from hocbaso.records.storage import read_pdf, store_pdf
from hocbaso.records.supersede import supersede_older_versions
from hocbaso.records.verify_links import verify_url
from hocbaso.signing.ltv import extend_for_installation
from hocbaso.signing.models import CertificateKind, SigningCertificate
from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf
from hocbaso.signing.signers import DocumentSigner
from hocbaso.signing.stamp import appearance
from hocbaso.signing.trust import configured_timestamper

State = RecordPage.State
# The signature fields of a year page, in D8 order (`verification.SIGNATURE_FIELDS`).
SIGNATURE_FIELDS: tuple[str, str, str] = ("gvcn", "hieu_truong", "con_dau")
SIGN_REASON = "Phát hành học bạ"


@dataclass(frozen=True)
class Step:
    role: str
    from_state: str
    to_state: str
    previous_file: str
    file_step: str
    field: str
    certify: bool
    kind: str


STEPS: dict[str, Step] = {
    access.HOMEROOM: Step(
        access.HOMEROOM, State.VERIFIED, State.SIGNED_BY_HOMEROOM, RecordFile.Step.RENDERED,
        RecordFile.Step.HOMEROOM, SIGNATURE_FIELDS[0], True, CertificateKind.PERSONAL,
    ),
    access.PRINCIPAL: Step(
        access.PRINCIPAL, State.SIGNED_BY_HOMEROOM, State.SIGNED_BY_PRINCIPAL,
        RecordFile.Step.HOMEROOM, RecordFile.Step.PRINCIPAL, SIGNATURE_FIELDS[1], False,
        CertificateKind.PERSONAL,
    ),
    access.SEAL: Step(
        access.SEAL, State.SIGNED_BY_PRINCIPAL, State.SEALED, RecordFile.Step.PRINCIPAL,
        RecordFile.Step.SEAL, SIGNATURE_FIELDS[2], False, CertificateKind.SEAL,
    ),
}  # fmt: skip
STATE_ORDER: list[str] = [
    State.DRAFT, State.VERIFIED, State.SIGNED_BY_HOMEROOM, State.SIGNED_BY_PRINCIPAL,
    State.SEALED, State.SUBMITTED,
]  # fmt: skip
FILE_ORDER = [s.value for s in RecordFile.Step]


class AlreadyPastStep(ActionError):
    """The page has already passed this step (signed by someone else, or by an earlier run)."""


def field_specs() -> list[SignatureFieldSpec]:
    boxes = signature_boxes()

    def rect(role: str) -> tuple[int, int, int, int]:
        x1, y1, x2, y2 = boxes[role].rect
        return (round(x1), round(y1), round(x2), round(y2))

    return [
        SignatureFieldSpec(SIGNATURE_FIELDS[0], page=boxes["homeroom"].page, box=rect("homeroom")),
        SignatureFieldSpec(
            SIGNATURE_FIELDS[1], page=boxes["principal"].page, box=rect("principal")
        ),
        # the school seal: its own block beside the principal's
        SignatureFieldSpec(SIGNATURE_FIELDS[2], page=boxes["seal"].page, box=rect("seal")),
    ]


def current_file(page: RecordPage) -> RecordFile | None:
    """The file of the page's latest step (None before verification)."""
    files = {f.step: f for f in RecordFile.objects.filter(page=page)}
    for step in reversed(FILE_ORDER):
        if step in files:
            return files[step]
    return None


def current_pdf(page: RecordPage) -> bytes | None:
    found = current_file(page)
    return read_pdf(found.sha256) if found is not None else None


def _locked_page(page_id: int) -> RecordPage:
    page = (
        RecordPage.objects.select_for_update()
        .select_related("class_group__school", "student")
        .filter(pk=page_id)
        .first()
    )
    if page is None:
        raise ActionError("Không tìm thấy trang học bạ.")
    return page


def _check_state(page: RecordPage, expected: str, action: str) -> None:
    if page.state == expected:
        return
    if page.state in STATE_ORDER and STATE_ORDER.index(page.state) > STATE_ORDER.index(expected):
        raise AlreadyPastStep(f"Trang học bạ {page} đã qua bước {action}.")
    label = RecordPage.State(page.state).label
    raise ActionError(f"Trang học bạ {page} đang ở trạng thái «{label}»: chưa thể {action}.")


def _check_latest(page: RecordPage) -> None:
    newer = RecordPage.objects.filter(record_code=page.record_code, version__gt=page.version)
    if newer.exclude(state=State.SUPERSEDED).exists():
        raise ActionError(f"Trang học bạ {page} đã có phiên bản mới hơn; hãy dùng phiên bản mới.")


def _add_file(page: RecordPage, step: str, pdf: bytes, **extra: Any) -> RecordFile:
    digest = store_pdf(pdf)
    return RecordFile.objects.create(page=page, step=step, sha256=digest, size=len(pdf), **extra)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def verify_page(page_id: int, *, acting_user: Any) -> RecordPage:
    """draft → verified (the class's homeroom teacher or the principal), with its rendered file."""
    page = _locked_page(page_id)
    if not access.can_verify(acting_user, page.class_group):
        raise ActionError("Chỉ giáo viên chủ nhiệm của lớp hoặc Hiệu trưởng được xác nhận trang.")
    _check_state(page, State.DRAFT, "xác nhận")
    _check_latest(page)
    blockers = issuance_blockers(page.student, page.class_group)
    if blockers:
        raise ActionError(blockers)
    xml = bytes(page.xml)
    link = verify_url(page.record_code, page.version, page.sha256)
    record_id = f"{page.record_code}-v{page.version}"
    pdf = prepare_fields(render_page(xml, record_id=record_id, verify_url=link), field_specs())
    rendered = _add_file(page, RecordFile.Step.RENDERED, pdf, created_by=_user(acting_user))
    page.state = State.VERIFIED
    page.save(update_fields=["state"])
    log(
        "record.verified",
        actor=acting_user,
        subject=page,
        school_id=page.class_group.school_id,
        data={
            "old": {"state": State.DRAFT},
            "new": {"state": page.state, "version": page.version, "file": rendered.sha256},
        },
    )
    return page


def _check_certificate(step: Step, page: RecordPage, row: SigningCertificate, actor: Any) -> None:
    if step.kind == CertificateKind.SEAL:
        if row.kind != CertificateKind.SEAL or row.school_id != page.class_group.school_id:
            raise ActionError("Phải dùng chứng thư số con dấu của trường để đóng dấu.")
    elif row.kind != CertificateKind.PERSONAL or row.user_id != getattr(actor, "pk", None):
        raise ActionError("Phải kí bằng chứng thư số cá nhân của chính bạn.")
    problems = certificate_problems(row, timezone.now())
    if problems:
        raise ActionError(["Không kí được bằng chứng thư số này:", *problems])


@dataclass(frozen=True)
class Prepared:
    """A page locked and checked for one step: what is signed, and by whom (title)."""

    page: RecordPage
    step: Step
    title: str
    previous: RecordFile


def prepare_step(
    page_id: int,
    *,
    role: str,
    certificate_row: SigningCertificate,
    acting_user: Any,
    title: str | None = None,
) -> Prepared:
    """Lock the page and check that ``acting_user`` may sign it at ``role`` now with
    ``certificate_row`` (inside the caller's transaction). `AlreadyPastStep` or ActionError."""
    step = STEPS[role]
    page = _locked_page(page_id)
    shown_title = access.signer_title(acting_user, role, page.class_group, title)
    _check_state(page, step.from_state, "kí")
    _check_latest(page)
    blockers = issuance_blockers(page.student, page.class_group)
    if blockers:
        raise ActionError(["Dữ liệu trang học bạ không còn đủ điều kiện phát hành:", *blockers])
    _check_certificate(step, page, certificate_row, acting_user)
    previous = RecordFile.objects.get(page=page, step=step.previous_file)
    return Prepared(page=page, step=step, title=shown_title, previous=previous)


def record_step(
    prepared: Prepared, pdf: bytes, *, certificate_row: SigningCertificate, acting_user: Any
) -> RecordFile:
    """Store the signed PDF as the step's file, move the state, write the events (and, for
    the seal, issue the page and supersede older versions).

    The seal's file is extended to PAdES B-LTA (validation data of every signature embedded,
    then a document timestamp; `signing.ltv`) when the installation has revocation data for
    every certificate and a TSA; otherwise it stays B-T and the event says why."""
    page, step, shown_title = prepared.page, prepared.step, prepared.title
    ltv: dict[str, str] = {}
    if step.to_state == State.SEALED:
        outcome = extend_for_installation(pdf, now=timezone.now())
        pdf = outcome.pdf
        ltv = {"pades_level": outcome.level, "pades_level_reason": outcome.reason}
    signed = _add_file(
        page,
        step.file_step,
        pdf,
        certificate=certificate_row,
        title=shown_title,
        created_by=_user(acting_user),
    )
    old_state, page.state = page.state, step.to_state
    page.save(update_fields=["state"])
    school_id = page.class_group.school_id
    log(
        "signature.applied",
        actor=acting_user,
        subject=page,
        school_id=school_id,
        data={
            "old": {"state": old_state},
            "new": {"state": page.state, "role": step.role, "title": shown_title,
                    "file": signed.sha256},
            "certificate": certificate_row.fingerprint_sha256,
            **ltv,
        },
    )  # fmt: skip
    if step.to_state == State.SEALED:
        # "record.issued" with its row in the issuance log (`issuance_log`)
        log_access(
            page, kind="issue", acting_user=acting_user, sha256=signed.sha256,
            data={"sha256": page.sha256},
        )  # fmt: skip
        supersede_older_versions(page, acting_user=acting_user)
        # parents hear about it once the issuance is committed (docs/notifications.md)
        transaction.on_commit(partial(notify_parents_of_issue, page.pk), robust=True)
    return signed


def notify_parents_of_issue(page_id: int) -> None:
    page = RecordPage.objects.select_related("class_group__school_year").get(pk=page_id)
    parent_events.record_issued(
        student_id=page.student_id, record_code=page.record_code, version=page.version,
        class_name=page.class_group.name, school_year=str(page.class_group.school_year),
    )  # fmt: skip


BOX_OF_FIELD = {SIGNATURE_FIELDS[0]: "homeroom", SIGNATURE_FIELDS[1]: "principal",
                SIGNATURE_FIELDS[2]: "seal"}  # fmt: skip


def stamp_for(prepared: Prepared, signer_name: str) -> StaticStampStyle:
    """The visible block of the step's field: "Đã kí số", the signer, the title, the time."""
    box = signature_boxes()[BOX_OF_FIELD[prepared.step.field]]
    return appearance(
        signer=signer_name, title=prepared.title, moment=timezone.now(), width=box.w,
        height=box.h,
    )  # fmt: skip


@transaction.atomic
def sign_page(
    page_id: int,
    *,
    role: str,
    signer: DocumentSigner,
    certificate_row: SigningCertificate,
    acting_user: Any,
    title: str | None = None,
) -> RecordFile:
    """Apply the ``role`` signature (homeroom, principal, seal) to the page's current PDF.

    `AlreadyPastStep` when the page is already past the step; ActionError (Vietnamese) when the
    user may not sign, the certificate may not sign now, or the page is not at the step."""
    prepared = prepare_step(
        page_id, role=role, certificate_row=certificate_row, acting_user=acting_user, title=title
    )
    if signer.certificate.fingerprint(hashes.SHA256()).hex() != certificate_row.fingerprint_sha256:
        raise ActionError("Khóa kí số không khớp với chứng thư số đã chọn.")
    pdf = sign_pdf(
        read_pdf(prepared.previous.sha256),
        field=prepared.step.field,
        signer=signer,
        certify=prepared.step.certify,
        title=prepared.title,
        timestamper=configured_timestamper(),
        reason=SIGN_REASON,
        stamp_style=stamp_for(prepared, signer.common_name),
    )
    return record_step(prepared, pdf, certificate_row=certificate_row, acting_user=acting_user)
