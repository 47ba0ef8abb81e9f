"""Persona × route × method matrix (security.md A1): every URL pattern is listed here, and a
route missing from the matrix fails the suite."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hocbaso.api.tests.test_object_authorisation import API_ROUTE_NAMES
from hocbaso.audit.models import AuditEvent
from hocbaso.people.models import User
from hocbaso.people.tests.world import CANARY_NAME, CANARY_PERSONAL_ID, PERSONAS, World

pytestmark = pytest.mark.django_db

ALL = frozenset(PERSONAS)
SCHOOL_STAFF = frozenset({"principal", "vice_principal", "school_admin"})
OVERSIGHT = frozenset({"commune_officer", "province_officer", "inspector", "sysadmin"})
SCHOOL_READERS = SCHOOL_STAFF | OVERSIGHT | {"group_head", "homeroom_4a", "subject_teacher_5b"}
CLASS_4A_READERS = SCHOOL_STAFF | OVERSIGHT | {"group_head", "homeroom_4a"}
PUPIL_A_READERS = CLASS_4A_READERS | {"parent_a"}
PUPIL_A_WRITERS = SCHOOL_STAFF | {"homeroom_4a"}
PERSONAL_ID_READERS = PUPIL_A_WRITERS | {"province_officer", "inspector"}
# The canary pupil is in the other school: only these may ever see its name.
CANARY_READERS = frozenset({"other_principal", "province_officer", "inspector", "sysadmin"})


@dataclass(frozen=True)
class Route:
    url: Callable[[World], str]
    method: str
    allowed: frozenset[str]
    # personas that can see the object but not do this (403), the rest of the denied get 404
    forbidden: frozenset[str] = frozenset()
    data: Callable[[World], dict[str, object]] | None = None
    # a scoped list: everyone logged in gets 200, with only what they may see
    scoped_list: bool = False
    # post `data` as a JSON body (the grade sheet's save)
    json: bool = False
    # a public page: anonymous visitors get it too (no redirect to the login page)
    anonymous: bool = False


def _edit_payload(w: World) -> dict[str, object]:
    s = w.pupil_a
    return {
        "full_name": s.full_name,
        "gender": str(s.gender),
        "birth_date": s.birth_date.strftime("%d/%m/%Y"),
        "ethnicity": s.ethnicity,
        "nationality": s.nationality,
        "birth_place": s.birth_place,
        "hometown": s.hometown,
        "current_address": s.current_address,
        "father_name": s.father_name,
        "mother_name": s.mother_name,
        "guardian_name": s.guardian_name,
        "policy_group": s.policy_group,
    }


def _sheet_payload(w: World) -> dict[str, object]:
    cell = {"student": w.pupil_a.pk, "code": "toan", "level": "T", "score": 9, "comment": ""}
    return {"version": 0, "idempotency_key": uuid.uuid4().hex, "cells": [cell]}


def _header_only_csv(w: World) -> dict[str, object]:
    return {"file": SimpleUploadedFile("ds.csv", "STT,Họ và tên\n".encode(), "text/csv")}


def _sheet_upload(w: World) -> dict[str, object]:
    return {"file": SimpleUploadedFile("so.xlsx", b"not a workbook")}


# review flags: the reviewers of 4A, and one flag on 4A's Toán sheet, made without an audit
# event (the matrix checks that a denied request writes none).
REVIEWERS_4A = frozenset({"group_head", "vice_principal", "principal"})


def _review_flag(w: World) -> int:
    from django.utils import timezone

    from hocbaso.assessment.models import FlagMessage, ReviewFlag, Sheet
    from hocbaso.org.models import Period

    period = Period.objects.get(school_year=w.year, code="CHKI")
    sheet, _ = Sheet.objects.get_or_create(class_group=w.class_4a, period=period, key="toan")
    now = timezone.now()
    flag, created = ReviewFlag.objects.get_or_create(
        sheet=sheet,
        student=w.pupil_a,
        code="toan",
        defaults={"raised_by": w.user("group_head"), "raised_at": now, "updated_at": now},
    )
    if created:
        FlagMessage.objects.create(
            flag=flag, kind="raised", text="Xem lại", author=flag.raised_by, created_at=now
        )
    return flag.pk


# corrections and history: one pending request of homeroom_4a on 4A's Toán sheet (CHKI) with a
# stored biên bản, made without an audit event (a denied request must write none).
def _correction(w: World) -> int:
    from django.utils import timezone

    from hocbaso.assessment.bien_ban_files import store_bien_ban
    from hocbaso.assessment.models import BienBan, CorrectionCell, CorrectionRequest, Sheet
    from hocbaso.org.models import Period

    found = CorrectionRequest.objects.filter(school=w.school).first()
    if found is not None:
        return found.pk
    period = Period.objects.get(school_year=w.year, code="CHKI")
    sheet, _ = Sheet.objects.get_or_create(class_group=w.class_4a, period=period, key="toan")
    now = timezone.now()
    request = CorrectionRequest.objects.create(
        sheet=sheet, school=w.school, reason="Nhầm", requested_by=w.user("homeroom_4a"),
        requested_at=now,
    )  # fmt: skip
    CorrectionCell.objects.create(
        request=request, student=w.pupil_a, code="toan", kind="subject", new_level="T"
    )
    data = b"%PDF-1.7\n%%EOF\n"
    BienBan.objects.create(
        request=request, source="generated", sha256=store_bien_ban(data),
        content_type="application/pdf", size=len(data), created_by=w.user("homeroom_4a"),
        created_at=now,
    )  # fmt: skip
    return request.pk


def _bien_ban(w: World) -> int:
    from hocbaso.assessment.models import BienBan

    return BienBan.objects.get(request_id=_correction(w)).pk


SHEET_4A = "so-diem/CHKI/toan"
# end corrections and history


# record issuance (records/views/signing.py, downloads.py): one sealed page of pupil A with a
# stored file and one signing batch started by homeroom_4a, made without audit events.
def _sealed_page(w: World) -> int:
    import hashlib

    from hocbaso.records.models import RecordFile, RecordPage
    from hocbaso.records.storage import store_pdf

    found = RecordPage.objects.filter(record_code="HB-MATRIX").first()
    if found is not None:
        return found.pk
    xml = b"<hocba/>"
    page = RecordPage.objects.create(
        record_code="HB-MATRIX", student=w.pupil_a, class_group=w.class_4a, version=1,
        state="sealed", xml=xml, sha256=hashlib.sha256(xml).hexdigest(),
    )  # fmt: skip
    pdf = b"%PDF-1.7\n%matrix\n%%EOF\n"
    RecordFile.objects.create(page=page, step="seal", sha256=store_pdf(pdf), size=len(pdf))
    return page.pk


def _sealed_page_with_xades(w: World) -> int:
    """The sealed matrix page with a stored XAdES-signed XML (helper xades)."""
    from hocbaso.records.models import RecordFile
    from hocbaso.records.storage import store_signed_xml

    pk = _sealed_page(w)
    if not RecordFile.objects.filter(page_id=pk, step="seal_xml").exists():
        xml = b'<?xml version="1.0" encoding="UTF-8"?>\n<hocba/>'
        digest = store_signed_xml(xml)
        RecordFile.objects.create(page_id=pk, step="seal_xml", sha256=digest, size=len(xml))
    return pk


def _with_demo_ca(url: str) -> str:
    """``url``, once this test's installation has its DEMO CA (helper xades)."""
    from django.utils import timezone

    from hocbaso.signing.demo_store import ensure_demo_authority

    ensure_demo_authority(timezone.now())
    return url


PARENT_A = frozenset({"parent_a"})
RELEASERS = frozenset({"principal", "vice_principal"})
INVITERS = SCHOOL_STAFF | {"homeroom_4a"}


def _period_id(w: World, code: str) -> int:
    from hocbaso.org.models import Period

    return Period.objects.get(school_year=w.year, code=code).pk


def _released_ghki(w: World) -> int:
    """GHKI released for the world's school, made without an audit event."""
    from django.utils import timezone

    from hocbaso.assessment.models import PeriodRelease

    period_id = _period_id(w, "GHKI")
    PeriodRelease.objects.get_or_create(
        school=w.school,
        period_id=period_id,
        voided_at=None,
        defaults={"released_at": timezone.now(), "released_by": w.user("principal")},
    )
    return period_id


def _batch(w: World) -> int:
    from django.utils import timezone

    from hocbaso.records.models import SigningBatch
    from hocbaso.signing.models import SigningCertificate

    found = SigningBatch.objects.filter(school=w.school).first()
    if found is not None:
        return found.pk
    now = timezone.now()
    certificate = SigningCertificate.objects.create(
        user=w.user("homeroom_4a"), kind="personal", subject_cn="GV", subject="CN=GV",
        serial="1", issuer="CN=DEMO", not_before=now, not_after=now, fingerprint_sha256="f" * 64,
        der=b"x",
    )  # fmt: skip
    batch = SigningBatch.objects.create(
        role="homeroom", school=w.school, certificate=certificate, title="Giáo viên chủ nhiệm",
        status="finished", created_by=w.user("homeroom_4a"),
    )  # fmt: skip
    return batch.pk


RECORD_CLASS_VIEWERS = SCHOOL_STAFF | {"homeroom_4a"}
# parent_a: the issued, current pages of their own child (issue 6)
RECORD_DOWNLOADERS = SCHOOL_STAFF | {"homeroom_4a", "inspector", "parent_a"}
RECORD_LOG_READERS = frozenset({"principal", "vice_principal", "inspector"})
STAFF_DOWNLOADERS = RECORD_DOWNLOADERS - {"parent_a"}
# end record issuance


# transfers (records/transfer): one package made for pupil A and one page of pupil A received
# from another school, made without audit events.
def _transfer_package(w: World) -> int:
    import datetime as dt

    from hocbaso.people.models import Enrolment
    from hocbaso.records.transfer.layout import PACKAGES
    from hocbaso.records.transfer.models import TransferPackage

    found = TransferPackage.objects.filter(student=w.pupil_a).first()
    if found is not None:
        return found.pk
    data = b"PK\x03\x04 matrix"
    return TransferPackage.objects.create(
        direction="out", student=w.pupil_a, school=w.school,
        enrolment=Enrolment.objects.get(student=w.pupil_a, class_group=w.class_4a),
        source_school_code=w.school.code, source_school_name=w.school.name, destination="X",
        decided_on=dt.date(2026, 11, 30), sha256=PACKAGES.store(data), size=len(data),
        manifest_sha256="0" * 64, seal_fingerprint="0" * 64, pages=1,
    ).pk  # fmt: skip


def _imported_page(w: World) -> int:
    import datetime as dt

    from hocbaso.records.storage import store_pdf
    from hocbaso.records.transfer.models import ImportedPage

    found = ImportedPage.objects.filter(student=w.pupil_a).first()
    if found is not None:
        return found.pk
    pdf = b"%PDF-1.7\n%imported\n%%EOF\n"
    return ImportedPage.objects.create(
        package_id=_transfer_package(w), student=w.pupil_a, record_code="HB-CU", version=1,
        issuing_school_code="TH-CU", issuing_school_name="Trường cũ", school_year="2025-2026",
        grade=3, class_name="3A", issued_on=dt.date(2026, 5, 28), xml=b"<hocba/>",
        xml_sha256="0" * 64, pdf_sha256=store_pdf(pdf), pdf_size=len(pdf),
    ).pk  # fmt: skip


TRANSFER_LEADERS = frozenset({"principal", "vice_principal"})


# end transfers
# parents' feedback and consent (issue 6, feedback): one open report of parent A on pupil A's
# hometown, made without an audit event (a denied request must write none).
def _profile_report(w: World) -> int:
    from django.utils import timezone

    from hocbaso.people.models import ProfileReport

    found = ProfileReport.objects.filter(student=w.pupil_a).first()
    if found is not None:
        return found.pk
    report = ProfileReport.objects.create(
        student=w.pupil_a, field="hometown", reported_value=w.pupil_a.hometown,
        comment="Quê ở Khánh Hòa", reporter=w.user("parent_a"), reported_at=timezone.now(),
    )  # fmt: skip
    return report.pk


PARENT_A = frozenset({"parent_a"})
# end parents' feedback and consent


MATRIX: dict[str, list[Route]] = {
    "home": [Route(lambda w: "/", "get", ALL)],
    "school_list": [Route(lambda w: "/truong/", "get", ALL, scoped_list=True)],
    "student_list": [Route(lambda w: "/hoc-sinh/", "get", ALL, scoped_list=True)],
    "school_detail": [Route(lambda w: f"/truong/{w.school.pk}/", "get", SCHOOL_READERS)],
    "school_completeness": [
        Route(lambda w: f"/truong/{w.school.pk}/hoan-thien/", "get", SCHOOL_READERS)
    ],
    "school_assignments": [
        Route(
            lambda w: f"/truong/{w.school.pk}/phan-cong/",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        ),
    ],
    "class_assignments": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/phan-cong/",
            "post",
            SCHOOL_STAFF,
            forbidden=CLASS_4A_READERS - SCHOOL_STAFF,
            data=lambda w: {},
        ),
    ],
    "import_file": [
        Route(
            lambda w: f"/truong/{w.school.pk}/nhap/hoc-sinh/",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        ),
        Route(
            lambda w: f"/truong/{w.school.pk}/nhap/hoc-sinh/",
            "post",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
            data=_header_only_csv,
        ),
    ],
    "export_file": [
        Route(
            lambda w: f"/truong/{w.school.pk}/xuat/hoc-sinh.csv",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        ),
        Route(
            lambda w: f"/truong/{w.school.pk}/xuat/can-bo.xlsx",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        ),
    ],
    "import_template": [
        Route(
            lambda w: f"/truong/{w.school.pk}/mau/hoc-sinh.xlsx",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        ),
    ],
    "class_detail": [Route(lambda w: f"/lop/{w.class_4a.pk}/", "get", CLASS_4A_READERS)],
    "class_completeness": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/hoan-thien/", "get", CLASS_4A_READERS)
    ],
    "student_detail": [Route(lambda w: f"/hoc-sinh/{w.pupil_a.pk}/", "get", PUPIL_A_READERS)],
    "student_photo": [Route(lambda w: f"/hoc-sinh/{w.pupil_a.pk}/anh/", "get", PUPIL_A_READERS)],
    "student_edit": [
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/sua/",
            "get",
            PUPIL_A_WRITERS,
            forbidden=PUPIL_A_READERS - PUPIL_A_WRITERS,
        ),
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/sua/",
            "post",
            PUPIL_A_WRITERS,
            forbidden=PUPIL_A_READERS - PUPIL_A_WRITERS,
            data=_edit_payload,
        ),
    ],
    "student_verify": [
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/xac-minh/",
            "post",
            PUPIL_A_WRITERS,
            forbidden=PUPIL_A_READERS - PUPIL_A_WRITERS,
            data=lambda w: {"field": "full_name", "source": "birth_certificate"},
        ),
    ],
    "student_photo_upload": [
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/anh/tai-len/",
            "post",
            PUPIL_A_WRITERS,
            forbidden=PUPIL_A_READERS - PUPIL_A_WRITERS,
            data=lambda w: {},
        ),
    ],
    "student_personal_id": [
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/dinh-danh/",
            "post",
            PERSONAL_ID_READERS,
            forbidden=PUPIL_A_READERS - PERSONAL_ID_READERS,
        ),
    ],
    # Grade entry: read with the class; only the assigned teacher writes (sheet_save).
    "my_sheets": [Route(lambda w: "/so-diem/", "get", ALL, scoped_list=True)],
    "class_sheets": [Route(lambda w: f"/lop/{w.class_4a.pk}/so-diem/", "get", CLASS_4A_READERS)],
    "sheet_grid": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/", "get", CLASS_4A_READERS)
    ],
    "sheet_save": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/luu/",
            "post",
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=_sheet_payload,
            json=True,
        ),
    ],
    # The sheet's Excel round trip: download with the class, upload by its teacher only.
    "sheet_xlsx": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan.xlsx", "get", CLASS_4A_READERS)
    ],
    "sheet_import": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/nhap/",
            method,
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=_sheet_upload if method == "post" else None,
        )
        for method in ("get", "post")
    ],
    # The progress board: school managers, group heads (their grades) and oversight.
    "school_progress": [
        Route(
            lambda w: f"/truong/{w.school.pk}/tien-do/CHKI/",
            "get",
            SCHOOL_STAFF | OVERSIGHT | {"group_head"},
            forbidden=frozenset({"homeroom_4a", "subject_teacher_5b"}),
        )
    ],
    # Khóa sổ: the school's managers read the board; the principal alone locks and unlocks.
    "entry_locks": [
        Route(
            lambda w: f"/truong/{w.school.pk}/khoa-so/CHKI/",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        )
    ],
    "entry_lock_decide": [
        Route(
            lambda w: f"/truong/{w.school.pk}/khoa-so/CHKI/quyet-dinh/",
            "post",
            frozenset({"principal"}),
            forbidden=SCHOOL_READERS - {"principal"},
            data=lambda w: {},
        )
    ],
    # review flags: the panel reads with the class; reviewers of 4A (its grade's group head, the
    # vice-principal, the principal) raise, resolve and reopen; the sheet's teacher answers (a
    # reviewer may comment); the board: managers, oversight and group heads, 404 for the rest.
    "review_panel": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/ra-soat/", "get", CLASS_4A_READERS)
    ],
    "review_flag_raise": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/co/",
            "post",
            REVIEWERS_4A,
            forbidden=CLASS_4A_READERS - REVIEWERS_4A,
            data=lambda w: {},
        )
    ],
    "review_flag_answer": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/co/{_review_flag(w)}/tra-loi/",
            "post",
            REVIEWERS_4A | {"homeroom_4a"},
            forbidden=CLASS_4A_READERS - REVIEWERS_4A - {"homeroom_4a"},
            data=lambda w: {},
        )
    ],
    **{
        name: [
            Route(
                lambda w, step=step: (
                    f"/lop/{w.class_4a.pk}/so-diem/CHKI/toan/co/{_review_flag(w)}/{step}/"
                ),
                "post",
                REVIEWERS_4A,
                forbidden=CLASS_4A_READERS - REVIEWERS_4A,
                data=lambda w: {},
            )
        ]
        for name, step in (("review_flag_resolve", "dong"), ("review_flag_reopen", "mo-lai"))
    },
    "review_board": [
        Route(
            lambda w: f"/truong/{w.school.pk}/ra-soat/CHKI/",
            "get",
            SCHOOL_STAFF | OVERSIGHT | {"group_head"},
        )
    ],
    # end review flags
    # Bảng tổng hợp: read with the class, as a page, .xlsx and PDF.
    "class_summary": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/tong-hop/CN/", "get", CLASS_4A_READERS)
    ],
    "class_summary_xlsx": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/tong-hop/GHKI.xlsx", "get", CLASS_4A_READERS)
    ],
    "class_summary_pdf": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/tong-hop/CN.pdf", "get", CLASS_4A_READERS)
    ],
    # Year end: read with the class; the homeroom teacher proposes awards and records the
    # supplementary assessment; the principal alone decides lên lớp / ở lại lớp.
    "class_year_end": [Route(lambda w: f"/lop/{w.class_4a.pk}/cuoi-nam/", "get", CLASS_4A_READERS)],
    "year_end_commendation": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/cuoi-nam/khen-thuong/",
            "post",
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=lambda w: {},
        )
    ],
    "year_end_commendation_void": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/cuoi-nam/khen-thuong/0/huy/",
            "post",
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=lambda w: {"reason": "Nhầm"},
        )
    ],
    "year_end_supplementary": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/cuoi-nam/danh-gia-bo-sung/{w.pupil_a.pk}/",
            method,
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=(lambda w: {}) if method == "post" else None,
        )
        for method in ("get", "post")
    ],
    "year_end_promotion": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/cuoi-nam/len-lop/",
            "post",
            frozenset({"principal"}),
            forbidden=CLASS_4A_READERS - {"principal"},
            data=lambda w: {},
        )
    ],
    # inspection: the audit trail (school: its principal and vice-principals, oversight but
    # commune officers; province: Sở officers and inspectors), its exports, a pupil's history
    # (whoever reads the pupil, parents excepted).
    "audit_trail_school": [
        Route(
            lambda w: f"/nhat-ki/truong/{w.school.pk}/",
            "get",
            frozenset({"principal", "vice_principal", "province_officer", "inspector", "sysadmin"}),
            forbidden=frozenset(
                {
                    "school_admin",
                    "group_head",
                    "homeroom_4a",
                    "subject_teacher_5b",
                    "commune_officer",
                }
            ),
        )
    ],
    "audit_trail_school_export": [
        Route(
            lambda w, fmt=fmt: f"/nhat-ki/truong/{w.school.pk}/xuat.{fmt}",
            "get",
            frozenset({"principal", "vice_principal", "province_officer", "inspector", "sysadmin"}),
            forbidden=frozenset(
                {
                    "school_admin",
                    "group_head",
                    "homeroom_4a",
                    "subject_teacher_5b",
                    "commune_officer",
                }
            ),
        )
        for fmt in ("csv", "xlsx")
    ],
    "audit_trail_province": [
        Route(
            lambda w: f"/nhat-ki/tinh/{w.province.pk}/",
            "get",
            frozenset({"province_officer", "inspector", "sysadmin"}),
        )
    ],
    "audit_trail_province_export": [
        Route(
            lambda w, fmt=fmt: f"/nhat-ki/tinh/{w.province.pk}/xuat.{fmt}",
            "get",
            frozenset({"province_officer", "inspector", "sysadmin"}),
        )
        for fmt in ("csv", "xlsx")
    ],
    "student_history": [
        Route(lambda w: f"/hoc-sinh/{w.pupil_a.pk}/lich-su/", "get", PUPIL_A_READERS - {"parent_a"})
    ],
    # end inspection
    # corrections and history: the sheet's teacher files, the requester withdraws or sends a
    # signed biên bản, the principal alone decides; readers of the class read (not parents).
    "reauthenticate": [
        Route(
            lambda w: "/xac-thuc-lai/",
            method,
            ALL,
            data=(lambda w: {}) if method == "post" else None,
        )
        for method in ("get", "post")
    ],
    "correction_new": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/{SHEET_4A}/de-nghi-sua/",
            method,
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=(lambda w: {}) if method == "post" else None,
        )
        for method in ("get", "post")
    ],
    "correction_detail": [
        Route(lambda w: f"/de-nghi-sua/{_correction(w)}/", "get", CLASS_4A_READERS)
    ],
    "correction_withdraw": [
        Route(
            lambda w: f"/de-nghi-sua/{_correction(w)}/rut/",
            "post",
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=lambda w: {},
        )
    ],
    "correction_attach": [
        Route(
            lambda w: f"/de-nghi-sua/{_correction(w)}/bien-ban/",
            "post",
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=lambda w: {},
        )
    ],
    "my_certificates": [
        Route(
            lambda w: "/chung-thu-so/",
            method,
            ALL - {"parent_a", "parent_b"},
            forbidden=frozenset({"parent_a", "parent_b"}),
            data=(lambda w: {}) if method == "post" else None,
        )
        for method in ("get", "post")
    ],
    "school_seal": [
        Route(
            lambda w: f"/truong/{w.school.pk}/con-dau/",
            "get",
            SCHOOL_STAFF | OVERSIGHT,
            forbidden=frozenset({"homeroom_4a", "subject_teacher_5b", "group_head"}),
        ),
        Route(
            lambda w: f"/truong/{w.school.pk}/con-dau/",
            "post",
            frozenset({"principal"}),
            forbidden=SCHOOL_STAFF
            | OVERSIGHT
            | frozenset({"homeroom_4a", "subject_teacher_5b", "group_head"}) - {"principal"},
            data=lambda w: {},
        ),
    ],
    "correction_sign": [
        Route(
            lambda w: f"/de-nghi-sua/{_correction(w)}/ki-bien-ban/",
            "post",
            frozenset({"homeroom_4a"}),
            forbidden=CLASS_4A_READERS - {"homeroom_4a"},
            data=lambda w: {},
        )
    ],
    "correction_approve": [
        Route(
            lambda w: f"/de-nghi-sua/{_correction(w)}/duyet/",
            "post",
            frozenset({"principal"}),
            forbidden=CLASS_4A_READERS - {"principal"},
            data=lambda w: {},
        )
    ],
    "correction_reject": [
        Route(
            lambda w: f"/de-nghi-sua/{_correction(w)}/tu-choi/",
            "post",
            frozenset({"principal"}),
            forbidden=CLASS_4A_READERS - {"principal"},
            data=lambda w: {},
        )
    ],
    "school_corrections": [
        Route(lambda w: f"/truong/{w.school.pk}/de-nghi-sua/", "get", SCHOOL_READERS)
    ],
    "bien_ban_file": [Route(lambda w: f"/bien-ban/{_bien_ban(w)}/", "get", CLASS_4A_READERS)],
    "sheet_history": [
        Route(lambda w: f"/lop/{w.class_4a.pk}/{SHEET_4A}/lich-su/", "get", CLASS_4A_READERS)
    ],
    "cell_history": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/{SHEET_4A}/lich-su/{w.pupil_a.pk}/toan/",
            "get",
            CLASS_4A_READERS,
        )
    ],
    # end corrections and history
    # public verification of issued records: anyone, logged in or not (records/views/
    # verification.py); the upload is posted without a PDF (a form error, nothing verified).
    "verify_upload": [
        Route(
            lambda w: "/xac-minh/",
            method,
            ALL,
            anonymous=True,
            data=(lambda w: {"file": SimpleUploadedFile("a.pdf", b"not a pdf")})
            if method == "post"
            else None,
        )
        for method in ("get", "post")
    ],
    "verify_landing": [
        Route(
            lambda w: "/xac-minh/HB-79-X-1-2026-2027/1/?h=" + "0" * 64, "get", ALL, anonymous=True
        )
    ],
    # end public verification
    # record issuance: the class page (homeroom teacher and the school's management; snapshot
    # by the homeroom teacher, principal and vice-principal; verify by the homeroom teacher and
    # principal; the class batch by its homeroom teacher), the school page (management; the
    # principal's batch by the principal or a vice-principal; the seal by the principal or the
    # school admin), a batch (its starter and the school's management), downloads of issued
    # pages (the class's teachers, management, inspectors) and the issuance log.
    "class_records": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/hoc-ba/",
            "get",
            RECORD_CLASS_VIEWERS,
            forbidden=CLASS_4A_READERS - RECORD_CLASS_VIEWERS,
        )
    ],
    **{
        name: [
            Route(
                lambda w, step=step: f"/lop/{w.class_4a.pk}/hoc-ba/{step}/",
                "post",
                allowed,
                forbidden=CLASS_4A_READERS - allowed,
                data=lambda w: {"pin": "000000"},
            )
        ]
        for name, step, allowed in (
            (
                "class_records_snapshot",
                "lap-ban-chot",
                frozenset({"homeroom_4a", "principal", "vice_principal"}),
            ),
            ("class_records_verify", "xac-nhan", frozenset({"homeroom_4a", "principal"})),
            ("class_records_sign", "ki-so", frozenset({"homeroom_4a"})),
        )
    },
    "school_records": [
        Route(
            lambda w: f"/truong/{w.school.pk}/hoc-ba/",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        )
    ],
    **{
        name: [
            Route(
                lambda w, step=step: f"/truong/{w.school.pk}/hoc-ba/{step}/",
                "post",
                allowed,
                forbidden=SCHOOL_READERS - allowed,
                data=lambda w: {"pin": "000000"},
            )
        ]
        for name, step, allowed in (
            ("school_records_sign", "ki-so", frozenset({"principal", "vice_principal"})),
            ("school_records_seal", "dong-dau", frozenset({"principal", "school_admin"})),
        )
    },
    **{
        name: [
            Route(
                lambda w, tail=tail: f"/ki-so/dot/{_batch(w)}/{tail}",
                "get",
                RECORD_CLASS_VIEWERS,
                forbidden=SCHOOL_READERS - RECORD_CLASS_VIEWERS,
            )
        ]
        for name, tail in (("signing_batch", ""), ("signing_batch_progress", "tien-do/"))
    },
    **{
        name: [
            Route(
                lambda w, tail=tail: f"/hoc-ba/trang/{_sealed_page(w)}/{tail}",
                "get",
                RECORD_DOWNLOADERS,
                forbidden=CLASS_4A_READERS - RECORD_DOWNLOADERS,
            )
        ]
        for name, tail in (
            ("record_pdf", "tai-ve.pdf"),
            ("record_print", "in.pdf"),
            ("record_xml", "du-lieu.xml"),
        )
    },
    "record_access_log": [
        Route(
            lambda w: f"/hoc-ba/trang/{_sealed_page(w)}/nhat-ki/",
            "get",
            RECORD_LOG_READERS,
            forbidden=CLASS_4A_READERS - RECORD_LOG_READERS,
        )
    ],
    # end record issuance
    # transfers (records/transfer): the pupil's transfer page and the pages received (those
    # who read the pupil's issued pages), the transfer out and the package download (the
    # school's principal and vice-principals), the receiving school's screen (its leaders).
    # (staff only: a linked parent downloads the sealed pages, and the pages a previous school
    # issued, through the portal: `portal_imported_pdf` below)
    **{
        name: [Route(url, "get", STAFF_DOWNLOADERS, forbidden=PUPIL_A_READERS - STAFF_DOWNLOADERS)]
        for name, url in (
            ("student_transfers", lambda w: f"/hoc-sinh/{w.pupil_a.pk}/chuyen-truong/"),
            ("imported_page_file", lambda w: f"/hoc-ba/chuyen-den/{_imported_page(w)}/tai-ve.pdf"),
        )
    },
    "student_transfer_out": [
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/chuyen-truong/tao-ho-so/",
            "post",
            TRANSFER_LEADERS,
            forbidden=PUPIL_A_READERS - TRANSFER_LEADERS,
            data=lambda w: {"pin": "000000", "destination": "Trường khác"},
        )
    ],
    "transfer_package_file": [
        Route(
            lambda w: f"/chuyen-truong/ho-so/{_transfer_package(w)}/tai-ve.zip",
            "get",
            TRANSFER_LEADERS,
        )
    ],
    "school_transfer_in": [
        Route(
            lambda w: f"/truong/{w.school.pk}/tiep-nhan-chuyen-den/",
            method,
            TRANSFER_LEADERS,
            forbidden=SCHOOL_READERS - TRANSFER_LEADERS,
            data=(lambda w: {}) if method == "post" else None,
        )
        for method in ("get", "post")
    ],
    # end transfers
    # Public or session routes.
    "login": [Route(lambda w: "/dang-nhap/", "get", ALL)],
    "logout": [Route(lambda w: "/dang-xuat/", "post", ALL)],
    "set_language": [
        Route(lambda w: "/i18n/setlang/", "post", ALL, data=lambda w: {"language": "en"})
    ],
    # signed XML and DEMO PKI (helper xades): the XAdES-signed XML of a sealed page (the same
    # readers as the other downloads, records/views/downloads.py)
    "record_xades": [
        Route(
            lambda w: f"/hoc-ba/trang/{_sealed_page_with_xades(w)}/xades.xml",
            "get",
            RECORD_DOWNLOADERS,
            forbidden=CLASS_4A_READERS - RECORD_DOWNLOADERS,
        )
    ],
    # the DEMO PKI's public routes (signing/pki_views.py): anyone, in a demo installation
    **{
        name: [Route(lambda w, url=url: _with_demo_ca(url), method, ALL, anonymous=True)]
        for name, url, method in (
            ("demo_ca_pem", "/pki/demo-ca.pem", "get"),
            ("demo_ca_crl", "/pki/demo-ca.crl", "get"),
            ("demo_ocsp", "/pki/ocsp", "post"),  # not an OCSP request: malformedRequest, 200
            ("demo_ocsp_get", "/pki/ocsp/AAAA", "get"),
        )
    },
    # end signed XML and DEMO PKI
    # second factor (issue 7): every logged-in user may open both steps (a user without an
    # authenticator is sent from the first to the enrolment).
    "second_factor_verify": [Route(lambda w: "/xac-thuc-hai-buoc/", "get", ALL)],
    "second_factor_enrol": [Route(lambda w: "/xac-thuc-hai-buoc/dang-ky/", "get", ALL)],
    # end second factor
    # parents' portal (issue 6): a child's routes for parent_a only, everyone else (parent_b,
    # staff, the system admin) the 404 of a missing pupil; the school's release page and the
    # class's invitation letters; the app's public files.
    "portal_home": [Route(lambda w: "/phu-huynh/", "get", ALL, scoped_list=True)],
    "portal_child": [Route(lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/", "get", PARENT_A)],
    "portal_results": [
        Route(
            lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/ket-qua/{_released_ghki(w)}/",
            "get",
            PARENT_A,
        )
    ],
    "portal_record_pdf": [
        Route(
            lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/hoc-ba/{_sealed_page(w)}.pdf",
            "get",
            PARENT_A,
        )
    ],
    "portal_link": [Route(lambda w: "/phu-huynh/lien-ket/", "get", ALL)],
    "portal_link_phone": [Route(lambda w: "/phu-huynh/lien-ket/so-dien-thoai/", "get", ALL)],
    "portal_login": [Route(lambda w: "/phu-huynh/dang-nhap/", "get", ALL, anonymous=True)],
    "portal_register": [Route(lambda w: "/phu-huynh/dang-ki/", "get", ALL, anonymous=True)],
    "portal_logout": [Route(lambda w: "/phu-huynh/dang-xuat/", "post", ALL, anonymous=True)],
    **{
        name: [Route(lambda w, url=url: url, "get", ALL, anonymous=True)]
        for name, url in (
            ("portal_manifest", "/phu-huynh/manifest.webmanifest"),
            ("portal_sw", "/phu-huynh/sw.js"),
            ("portal_css", "/phu-huynh/portal.css"),
            ("portal_js", "/phu-huynh/portal.js"),
            ("portal_icon", "/phu-huynh/icon-192.png"),
        )
    },
    "period_releases": [
        Route(
            lambda w: f"/truong/{w.school.pk}/cong-bo-ket-qua/",
            "get",
            SCHOOL_STAFF,
            forbidden=SCHOOL_READERS - SCHOOL_STAFF,
        )
    ],
    "period_release_decide": [
        Route(
            lambda w: f"/truong/{w.school.pk}/cong-bo-ket-qua/{_period_id(w, 'GHKI')}/",
            "post",
            RELEASERS,
            forbidden=SCHOOL_READERS - RELEASERS,
            data=lambda w: {"action": "release"},
        )
    ],
    "class_invitations": [
        Route(
            lambda w: f"/lop/{w.class_4a.pk}/thu-moi-phu-huynh/",
            method,
            INVITERS,
            forbidden=CLASS_4A_READERS - INVITERS,
        )
        for method in ("get", "post")
    ],
    # parents' feedback and consent (issue 6, feedback): the portal's child-scoped pages are
    # for the linked parent only (404 for everyone else, staff included: they use the staff
    # screens); the preferences page is the user's own. Staff: the class's report list and
    # consent status with the class; deciding a report and recording a child's consent with
    # the right to edit the pupil (403 for those who only read pupil A, parent A included).
    "portal_child_profile": [
        Route(lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/ho-so/", "get", PARENT_A)
    ],
    "portal_confirm_field": [
        Route(
            lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/ho-so/xac-nhan/",
            "post",
            PARENT_A,
            data=lambda w: {"field": "full_name"},
        )
    ],
    "portal_report_error": [
        Route(lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/ho-so/phan-anh/", "get", PARENT_A),
        Route(
            lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/ho-so/phan-anh/",
            "post",
            PARENT_A,
            data=lambda w: {"field": "birth_place", "comment": "Sinh ở Ninh Hải"},
        ),
    ],
    "portal_child_consent": [
        Route(lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/dong-y/", "get", PARENT_A)
    ],
    "portal_consent_give": [
        Route(
            lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/dong-y/cho-phep/",
            "post",
            PARENT_A,
            data=lambda w: {"purpose": "notify_sms", "version": "1"},
        )
    ],
    "portal_consent_withdraw": [
        Route(
            lambda w: f"/phu-huynh/con/{w.pupil_a.pk}/dong-y/rut-lai/",
            "post",
            PARENT_A,
            data=lambda w: {"purpose": "notify_sms"},
        )
    ],
    "portal_notification_preferences": [
        Route(lambda w: "/phu-huynh/thong-bao/", "get", ALL, scoped_list=True),
        Route(
            lambda w: "/phu-huynh/thong-bao/",
            "post",
            ALL,
            data=lambda w: {"channel": "email", "non_essential": "1"},
        ),
    ],
    "class_reports": [Route(lambda w: f"/lop/{w.class_4a.pk}/phan-anh/", "get", CLASS_4A_READERS)],
    "decide_report": [
        Route(
            lambda w: f"/phan-anh/{_profile_report(w)}/xu-li/",
            "post",
            PUPIL_A_WRITERS,
            forbidden=PUPIL_A_READERS - PUPIL_A_WRITERS,
            data=lambda w: {"decision": "reject", "note": "Đúng theo giấy khai sinh"},
        )
    ],
    "class_consent": [Route(lambda w: f"/lop/{w.class_4a.pk}/dong-y/", "get", CLASS_4A_READERS)],
    "student_child_consent": [
        Route(
            lambda w: f"/hoc-sinh/{w.pupil_a.pk}/dong-y-hoc-sinh/",
            "post",
            PUPIL_A_WRITERS,
            forbidden=PUPIL_A_READERS - PUPIL_A_WRITERS,
            data=lambda w: {"purpose": "photo_publication", "granted": "1"},
        )
    ],
    # end parents' feedback and consent
    # api (issue 6): GET /api/v1/ is a public index. Every other /api/ route (the operations of
    # the OpenAPI document, which answer bearer tokens rather than sessions; the document; the
    # JSON 404) is covered by hocbaso/api/tests/test_object_authorisation.py, which enumerates
    # them (API_ROUTE_NAMES) and fails on an operation without its row.
    "api_index": [Route(lambda w: "/api/v1/", "get", ALL, anonymous=True)],
    # the web page of one's own API tokens: everyone logged in; revoking parent_a's token is
    # parent_a's alone (anyone else: the 404 of a missing token)
    "api_tokens": [Route(lambda w: "/tai-khoan/ma-truy-cap-api/", "get", ALL, scoped_list=True)],
    "api_token_revoke": [
        Route(
            lambda w: f"/tai-khoan/ma-truy-cap-api/{_api_token(w)}/thu-hoi/",
            "post",
            PARENT_A,
            data=lambda w: {},
        )
    ],
    # end api
    # portal: the registration's code page (a visitor without a registration in progress is sent
    # back to the form; a signed-in account to its home)
    "portal_register_confirm": [
        Route(lambda w: "/phu-huynh/dang-ki/xac-minh/", "get", ALL, anonymous=True)
    ],
}
# exchange with national systems (hocbaso/exchange): a school's exports for its management and
# the Sở's officers (other readers of the school: 403); the province page, its exports, the
# push queue and a push job for the Sở's officers of the province only (everyone else: 404).
# The province file is the results file: the pupils file would carry the canary's personal ID,
# which the Sở may read but the matrix bans from every body.
EXCHANGE_SCHOOL = SCHOOL_STAFF | {"province_officer", "sysadmin"}
EXCHANGE_SO = frozenset({"province_officer", "sysadmin"})


def _exchange_job(w: World) -> int:
    from hocbaso.exchange.models import PushJob

    page_id = _sealed_page(w)
    job, _ = PushJob.objects.get_or_create(
        target="warehouse", page_id=page_id,
        defaults={"school": w.school, "record_code": "HB-MATRIX", "version": 1,
                  "sha256": "0" * 64, "idempotency_key": "matrix-key", "status": "failed"},
    )  # fmt: skip
    return job.pk


MATRIX.update(
    {
        "exchange_school": [
            Route(
                lambda w: f"/truong/{w.school.pk}/trao-doi/",
                "get",
                EXCHANGE_SCHOOL,
                forbidden=SCHOOL_READERS - EXCHANGE_SCHOOL,
            )
        ],
        "exchange_school_file": [
            Route(
                lambda w: f"/truong/{w.school.pk}/trao-doi/2026-2027/hoc-sinh.xlsx",
                "get",
                EXCHANGE_SCHOOL,
                forbidden=SCHOOL_READERS - EXCHANGE_SCHOOL,
            )
        ],
        "exchange_province": [
            Route(lambda w: f"/so/{w.province.pk}/trao-doi/", "get", EXCHANGE_SO)
        ],
        "exchange_province_file": [
            Route(
                lambda w: f"/so/{w.province.pk}/trao-doi/2026-2027/ket-qua.xml", "get", EXCHANGE_SO
            )
        ],
        "exchange_queue": [
            Route(lambda w: f"/so/{w.province.pk}/trao-doi/gui/vneid/", "post", EXCHANGE_SO)
        ],
        "exchange_job": [
            Route(
                lambda w: f"/so/{w.province.pk}/trao-doi/luot-gui/{_exchange_job(w)}/",
                "get",
                EXCHANGE_SO,
            )
        ],
        "exchange_requeue": [
            Route(
                lambda w: f"/so/{w.province.pk}/trao-doi/luot-gui/{_exchange_job(w)}/gui-lai/",
                "post",
                EXCHANGE_SO,
            )
        ],
    }
)
# end exchange
# oversight (issue 7): the dashboards (province, commune, school, class) and their .xlsx
# exports for those overseeing the unit (school and class also for its management); the plan's
# records: a school's Quy chế (upload: its management), training sessions (recorded by the
# Sở's and the commune's officers; inspectors only read: 403). Everyone else: 404.
OV_PROVINCE = frozenset({"province_officer", "inspector", "sysadmin"})
OV_COMMUNE = OV_PROVINCE | {"commune_officer"}
OV_SCHOOL = SCHOOL_STAFF | OVERSIGHT
OV_ORGANISERS = frozenset({"province_officer", "sysadmin"})


def _regulation(w: World) -> int:
    from hocbaso.oversight.models import SchoolRegulation
    from hocbaso.oversight.storage import REGULATION_FILES

    digest = REGULATION_FILES.store(b"%PDF-1.4 matrix")
    row, _ = SchoolRegulation.objects.get_or_create(
        school=w.school, voided_at=None,
        defaults={"title": "Quy chế", "adopted_on": "2026-09-01", "sha256": digest, "size": 15},
    )  # fmt: skip
    return row.pk


def _training(w: World) -> int:
    from hocbaso.oversight.models import TrainingSession

    row, _ = TrainingSession.objects.get_or_create(
        commune=w.commune, topic="Tập huấn ma trận", defaults={"held_on": "2026-09-15"}
    )
    return row.pk


def _regulation_upload(w: World) -> dict[str, object]:
    pdf = SimpleUploadedFile("quy-che.pdf", b"%PDF-1.4 quy che", "application/pdf")
    return {"title": "Quy chế học bạ số", "adopted_on": "01/09/2026", "file": pdf}


MATRIX.update(
    {
        "oversight_entry": [Route(lambda w: "/dieu-hanh/", "get", ALL, scoped_list=True)],
        "oversight_province": [
            Route(lambda w: f"/so/{w.province.pk}/dieu-hanh/", "get", OV_PROVINCE),
            Route(lambda w: f"/so/{w.province.pk}/dieu-hanh/?format=xlsx", "get", OV_PROVINCE),
        ],
        "oversight_commune": [
            Route(lambda w: f"/xa/{w.commune.pk}/dieu-hanh/", "get", OV_COMMUNE),
            Route(lambda w: f"/xa/{w.commune.pk}/dieu-hanh/?format=xlsx", "get", OV_COMMUNE),
        ],
        "oversight_school": [
            Route(lambda w: f"/truong/{w.school.pk}/dieu-hanh/", "get", OV_SCHOOL),
            Route(lambda w: f"/truong/{w.school.pk}/dieu-hanh/?format=xlsx", "get", OV_SCHOOL),
        ],
        "oversight_class": [
            Route(lambda w: f"/lop/{w.class_4a.pk}/dieu-hanh/", "get", OV_SCHOOL),
            Route(lambda w: f"/lop/{w.class_4a.pk}/dieu-hanh/?format=xlsx", "get", OV_SCHOOL),
        ],
        "oversight_regulation": [
            Route(lambda w: f"/truong/{w.school.pk}/quy-che/", "get", OV_SCHOOL),
            Route(
                lambda w: f"/truong/{w.school.pk}/quy-che/",
                "post",
                SCHOOL_STAFF | {"sysadmin"},
                forbidden=OV_SCHOOL - SCHOOL_STAFF - {"sysadmin"},
                data=_regulation_upload,
            ),
        ],
        "oversight_regulation_file": [
            Route(
                lambda w: f"/truong/{w.school.pk}/quy-che/{_regulation(w)}/tai-ve/",
                "get",
                OV_SCHOOL,
            )
        ],
        "oversight_training_province": [
            Route(lambda w: f"/so/{w.province.pk}/tap-huan/", "get", OV_PROVINCE),
            Route(
                lambda w: f"/so/{w.province.pk}/tap-huan/",
                "post",
                OV_ORGANISERS,
                forbidden=OV_PROVINCE - OV_ORGANISERS,
                data=lambda w: {"held_on": "15/09/2026", "topic": "Học bạ số cho hiệu trưởng"},
            ),
        ],
        "oversight_training_commune": [
            Route(lambda w: f"/xa/{w.commune.pk}/tap-huan/", "get", OV_COMMUNE),
            Route(
                lambda w: f"/xa/{w.commune.pk}/tap-huan/",
                "post",
                OV_ORGANISERS | {"commune_officer"},
                forbidden=frozenset({"inspector"}),
                data=lambda w: {"held_on": "16/09/2026", "topic": "Học bạ số cho giáo viên"},
            ),
        ],
        "oversight_training_session": [
            Route(lambda w: f"/tap-huan/{_training(w)}/", "get", OV_COMMUNE),
            Route(
                lambda w: f"/tap-huan/{_training(w)}/",
                "post",
                OV_ORGANISERS | {"commune_officer"},
                forbidden=frozenset({"inspector"}),
                data=lambda w: {"attended": [str(w.user("homeroom_4a").pk)]},
            ),
        ],
    }
)
# end oversight
# parents' portal, pages received in a transfer in: the page another school issued to pupil A
# (held only as received), for parent_a only; everyone else (parent_b, staff, the system
# admin) the 404 of a missing pupil, as on the portal's other child routes.
MATRIX.update(
    {
        "portal_imported_pdf": [
            Route(
                lambda w: (
                    f"/phu-huynh/con/{w.pupil_a.pk}/hoc-ba/chuyen-den/{_imported_page(w)}.pdf"
                ),
                "get",
                PARENT_A,
            )
        ],
    }
)
# end parents' portal, pages received in a transfer in
# parents' portal, a forgotten password: public pages (the code page sends a visitor without a
# reset in progress back to the number's form, a signed-in account to its home)
MATRIX.update(
    {
        "portal_password_reset": [
            Route(lambda w: "/phu-huynh/quen-mat-khau/", "get", ALL, anonymous=True)
        ],
        "portal_password_reset_confirm": [
            Route(lambda w: "/phu-huynh/quen-mat-khau/dat-lai/", "get", ALL, anonymous=True)
        ],
    }
)
# end parents' portal, a forgotten password


def _api_token(w: World) -> int:
    """A token of parent_a, made without an audit event."""
    import datetime as dt

    from django.utils import timezone

    from hocbaso.api.models import ApiToken

    token, _ = ApiToken.objects.get_or_create(
        digest="a" * 64,
        defaults={
            "user": w.user("parent_a"),
            "name": "Ma trận",
            "prefix": "hbs_matrix",
            "expires_at": timezone.now() + dt.timedelta(days=1),
        },
    )
    return token.pk


# Every route of Django's admin is for the Sở's system administrators only; the index
# stands for all of them (each admin view checks `has_permission` the same way).
ADMIN_NAMESPACE = "admin"
ADMIN_ROUTE = Route(lambda w: "/quan-tri/", "get", frozenset({"sysadmin"}))
# Routes served only to anonymous users or that render public pages.
PUBLIC = {"login", "set_language"}


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            else:
                name = p.name or repr(p.pattern)
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_route_is_in_the_matrix() -> None:
    unlisted = {
        n
        for n in _route_names()
        if n not in MATRIX and not n.startswith(f"{ADMIN_NAMESPACE}:") and n not in API_ROUTE_NAMES
    }
    assert unlisted == set(), f"routes missing from the access matrix: {sorted(unlisted)}"


def _client_for(persona: str | None) -> Client:
    client = Client()
    if persona is not None:
        client.force_login(User.objects.get(username=persona))
    return client


def _check(world: World, route: Route, persona: str | None) -> str | None:
    """Return a failure description, or None when the response is the expected one."""
    client = _client_for(persona)
    events_before = AuditEvent.objects.count()
    data = route.data(world) if route.data else {}
    url = route.url(world)
    if route.method == "post" and route.json:
        response = client.post(url, data, content_type="application/json")
    else:
        response = client.post(url, data) if route.method == "post" else client.get(url)
    status = response.status_code
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = (
        raw.decode(errors="replace")
        if not response.get("Content-Type", "").startswith("image/")
        else ""
    )
    label = f"{route.method.upper()} {url} as {persona or 'anonymous'}"
    if CANARY_PERSONAL_ID in body or (CANARY_NAME in body and persona not in CANARY_READERS):
        return f"{label}: canary pupil leaked"
    if persona is None:
        if url in ("/dang-nhap/",) or url.startswith("/i18n/") or route.anonymous:
            return None if status in (200, 302) else f"{label}: {status}"
        if status != 302 or "/dang-nhap/" not in response["Location"]:
            return f"{label}: expected redirect to login, got {status}"
        return None
    if persona in route.allowed:
        return None if status in (200, 302) else f"{label}: expected success, got {status}"
    expected = 403 if persona in route.forbidden else 404
    if status != expected:
        return f"{label}: expected {expected}, got {status}"
    if AuditEvent.objects.count() != events_before:
        return f"{label}: a denied request wrote an audit event"
    return None


@pytest.mark.parametrize("route_name", sorted(MATRIX))
def test_access_matrix(world: World, route_name: str) -> None:
    failures = []
    for route in MATRIX[route_name]:
        for persona in (None, *PERSONAS):
            failure = _check(world, route, persona)
            if failure:
                failures.append(failure)
    assert failures == []


def test_admin_is_for_system_admins_only(world: World) -> None:
    failures = []
    for persona in (None, *PERSONAS):
        response = _client_for(persona).get(ADMIN_ROUTE.url(world))
        ok = response.status_code == 200
        if ok != (persona in ADMIN_ROUTE.allowed):
            failures.append(f"{persona}: {response.status_code}")
    assert failures == []


def test_scoped_lists_show_only_what_the_persona_may_see(world: World) -> None:
    # given the pupil list as the subject teacher of 5B and as parent B
    teacher_body = _client_for("subject_teacher_5b").get("/hoc-sinh/").content.decode()
    parent_b_body = _client_for("parent_b").get("/hoc-sinh/").content.decode()
    other_principal = _client_for("other_principal").get("/hoc-sinh/").content.decode()
    # then each sees exactly their pupils
    assert "Phạm Thu Hà" in teacher_body
    assert "Lê Minh An" not in teacher_body
    assert "Phạm Thu Hà" not in parent_b_body
    assert "Lê Minh An" not in parent_b_body
    assert CANARY_NAME in other_principal
    assert "Lê Minh An" not in other_principal
