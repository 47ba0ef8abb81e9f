"""The parents' pages: their children, a child's released results, the signed học bạ (the
pages issued in this installation, and those received from another school when the child
transferred in, read-only and labelled with the school that issued them).

Every child-scoped view reads the child through `access_child_for_parent` first: a pupil not
linked to the account is a 404 exactly like a missing one, before anything else is read.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from hocbaso.assessment.release import released_periods
from hocbaso.assessment.released_results import results_for, results_version
from hocbaso.org.models import Period
from hocbaso.people.errors import ActionError
from hocbaso.people.guardianship import access_child_for_parent, children_of
from hocbaso.people.models import Student
from hocbaso.portal.views.guard import parent_login_required
from hocbaso.records.issuance_log import ISSUED_STATES, PDF, Kind, open_issued_file
from hocbaso.records.models import RecordPage
from hocbaso.records.transfer.imported_files import (
    open_imported_page_for_parent,
    parents_imported_pages,
)
from hocbaso.records.transfer.models import ImportedPage


def _offline_ok(response: HttpResponse) -> HttpResponse:
    """Private pages the service worker may keep for offline reading (until logout). The HTTP
    caches keep nothing (no-store, as on every personal page); the service worker's own Cache
    Storage keeps the pages marked here and is emptied at logout."""
    response["Cache-Control"] = "no-store"
    response["X-Portal-Offline"] = "1"
    return response


RESULTS_TTL = 600  # seconds; the key changes anyway whenever the results do


def results_html(request: HttpRequest, student: Student, period: Period) -> SafeString | None:
    """The rendered results of a released period, cached per pupil, period, language and
    `results_version` (which changes with any new entry, release or year-end decision), so a
    correction shows at once and a cached copy never serves another pupil. None when the
    period is not released for the pupil."""
    version = results_version(student, period)
    if version is None:
        return None
    digest = hashlib.sha256(version.encode()).hexdigest()[:32]
    key = f"portal:results:v1:{student.pk}:{period.pk}:{get_language()}:{digest}"
    html = cache.get(key)
    if html is None:
        found = results_for(student, period)
        if found is None:
            return None
        html = render_to_string("portal/_results.html", {"results": found}, request=request)
        cache.set(key, str(html), RESULTS_TTL)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered


def _issued_pages(child: Student) -> list[RecordPage]:
    return list(
        RecordPage.objects.filter(student=child, state__in=ISSUED_STATES)
        .select_related("class_group__school_year", "class_group__school")
        .order_by("-class_group__school_year__starts_on", "-version")
    )


@parent_login_required
@never_cache
@gzip_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    children = list(children_of(request.user))
    return render(request, "portal/home.html", {"children": children})


@parent_login_required
@gzip_page
@require_GET
def child(request: HttpRequest, pk: int) -> HttpResponse:
    student = access_child_for_parent(request.user, pk)
    periods = released_periods(student)
    latest = periods[-1] if periods else None
    context = {
        "child": student,
        "periods": periods,
        "latest": latest,
        "latest_html": results_html(request, student, latest) if latest else None,
        "pages": _issued_pages(student),
        "imported": list(parents_imported_pages(request.user, student.pk)),
    }
    return _offline_ok(render(request, "portal/child.html", context))


@parent_login_required
@gzip_page
@require_GET
def results(request: HttpRequest, pk: int, period_id: int) -> HttpResponse:
    student = access_child_for_parent(request.user, pk)
    periods = released_periods(student)
    period = next((p for p in periods if p.pk == period_id), None)
    html = results_html(request, student, period) if period is not None else None
    if period is None or html is None:
        raise Http404  # not released, or no such period: the same answer
    context = {
        "child": student,
        "periods": periods,
        "period": period,
        "results_html": html,
        "current": period_id,
    }
    return _offline_ok(render(request, "portal/results.html", context))


@parent_login_required
@never_cache
@require_GET
def record_pdf(request: HttpRequest, pk: int, page_id: int) -> HttpResponse:
    """The sealed học bạ page, logged as a download (records.issuance_log)."""
    student = access_child_for_parent(request.user, pk)
    if not RecordPage.objects.filter(pk=page_id, student=student).exists():
        raise Http404
    try:
        served = open_issued_file(page_id, fmt=PDF, kind=Kind.DOWNLOAD, acting_user=request.user)
    except ActionError:
        raise Http404 from None  # superseded or not issued: not the parents' to read
    response = HttpResponse(served.data, content_type="application/pdf")
    name = f"{served.page.record_code}-v{served.page.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Record-Sha256"] = served.sha256
    return response


@parent_login_required
@never_cache
@require_GET
def imported_pdf(request: HttpRequest, pk: int, page_id: int) -> HttpResponse:
    """A page another school issued, received when the child transferred in: the PDF as
    issued, logged (records.transfer.imported_files)."""
    student = access_child_for_parent(request.user, pk)
    try:
        served = open_imported_page_for_parent(
            page_id, student_id=student.pk, acting_user=request.user
        )
    except ImportedPage.DoesNotExist:
        raise Http404 from None
    except ActionError:
        raise Http404 from None  # the stored file is missing or damaged: nothing to serve
    response = HttpResponse(served.data, content_type="application/pdf")
    name = f"{served.page.record_code}-v{served.page.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Record-Sha256"] = served.page.pdf_sha256
    return response
