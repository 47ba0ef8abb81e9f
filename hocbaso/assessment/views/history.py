"""History of a sheet and of one cell: every version of a value (rows are voided and replaced,
never edited), who wrote it, when, how, and for a correction after the lock its request and
biên bản. Read by whoever reads the sheet, parents excepted; a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocbaso.assessment.access import SheetRef, access_sheet_for_user
from hocbaso.assessment.cell_writes import value_of
from hocbaso.assessment.models import (
    BienBan,
    CorrectionRequest,
    Entry,
    EntryLock,
    Sheet,
    SheetSave,
)
from hocbaso.assessment.sheets import sheet_columns, sheet_label
from hocbaso.people.models import Enrolment
from hocbaso.people.scope import scope_for

PAGE_SIZE = 50
SOURCES = {
    "grid": gettext_lazy("Nhập trên sổ"),
    "xlsx": gettext_lazy("Nhập từ Excel"),
    "seed": gettext_lazy("Dữ liệu mẫu"),
    "correction": gettext_lazy("Sửa sau khóa sổ"),
}


def source_label(source: str) -> str:
    return str(SOURCES.get(source, source))


def _correction_of(save: SheetSave | None) -> CorrectionRequest | None:
    if save is None:
        return None
    try:
        return save.correction
    except ObjectDoesNotExist:
        return None


def _readable_sheet(request: HttpRequest, pk: int, period_code: str, key: str) -> SheetRef:
    scope = scope_for(request.user)
    if scope.is_parent and not scope.is_staff_member:
        raise Http404  # parents read the học bạ, not the working history of a sheet
    return access_sheet_for_user(request.user, pk, period_code, key)


_CORRECTION_RELATED = ("correction__requested_by", "correction__decided_by")


def _with_bien_bans(prefix: str) -> Prefetch[Any]:
    return Prefetch(
        f"{prefix}correction__bien_bans", queryset=BienBan.objects.order_by("created_at", "pk")
    )


def _last_bien_ban(correction: CorrectionRequest | None) -> BienBan | None:
    if correction is None:
        return None
    bien_bans = list(correction.bien_bans.all())  # prefetched
    return bien_bans[-1] if bien_bans else None


# -- one cell ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    entry: Entry
    shown: str
    source: str
    correction: CorrectionRequest | None
    bien_ban: BienBan | None


@login_required
@never_cache
@require_GET
def cell_history(
    request: HttpRequest, pk: int, period_code: str, key: str, student_id: int, code: str
) -> HttpResponse:
    ref = _readable_sheet(request, pk, period_code, key)
    class_group, period = ref.class_group, ref.period
    columns = {c.code: c for c in sheet_columns(key, class_group.grade, period.code)}
    column = columns.get(code)
    enrolment = (
        Enrolment.objects.filter(class_group=class_group, student_id=student_id)
        .select_related("student")
        .order_by("-enrolled_on", "-pk")  # a pupil who left and came back: the return
        .first()
    )
    if column is None or enrolment is None:
        raise Http404
    entries = (
        Entry.objects.filter(
            sheet__class_group=class_group,
            sheet__period=period,
            sheet__key=key,
            student_id=student_id,
            code=code,
        )
        .select_related(
            "created_by",
            "voided_by",
            "save_record",
            *(f"save_record__{r}" for r in _CORRECTION_RELATED),
        )
        .prefetch_related(_with_bien_bans("save_record__"))
        .order_by("created_at", "pk")
    )
    versions = []
    for entry in entries:
        correction = _correction_of(entry.save_record)
        versions.append(
            Version(
                entry,
                value_of(entry).shown(),
                source_label(entry.save_record.source if entry.save_record else "seed"),
                correction,
                _last_bien_ban(correction),
            )
        )
    return render(
        request,
        "assessment/history_cell.html",
        {
            "class_group": class_group,
            "period": period,
            "key": key,
            "label": sheet_label(key),
            "column": column,
            "student": enrolment.student,
            "versions": versions,
        },
    )


# -- a whole sheet -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    entry: Entry
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    save: SheetSave | None = None
    source: str = ""
    correction: CorrectionRequest | None = None
    bien_ban: BienBan | None = None
    changes: tuple[Change, ...] = ()
    lock: EntryLock | None = None


def _lock_label(lock: EntryLock) -> str:
    if lock.class_group_id and lock.key:
        where = _("sổ này")
    elif lock.class_group_id:
        where = _("cả lớp")
    elif lock.grade:
        where = _("khối %(g)s") % {"g": lock.grade}
    else:
        where = _("toàn trường")
    verb = _("Khóa sổ") if lock.locked else _("Mở lại sổ")
    return f"{verb} ({where})"


@login_required
@never_cache
@require_GET
def sheet_history(request: HttpRequest, pk: int, period_code: str, key: str) -> HttpResponse:
    """The saves of a sheet, newest first (50 a page), each with the cells it changed, and the
    lock decisions covering the sheet between them."""
    ref = _readable_sheet(request, pk, period_code, key)
    class_group, period = ref.class_group, ref.period
    labels = {c.code: c.label for c in sheet_columns(key, class_group.grade, period.code)}
    sheet = Sheet.objects.filter(class_group=class_group, period=period, key=key).first()
    saves = (
        SheetSave.objects.filter(sheet=sheet)
        .select_related("created_by", *_CORRECTION_RELATED)
        .prefetch_related(_with_bien_bans(""))
        .order_by("-version", "-pk")
    )
    page = Paginator(saves, PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    changes: dict[int, list[Change]] = {}
    for entry in (
        Entry.objects.filter(save_record__in=[s.pk for s in on_page])
        .select_related("student", "replaces")
        .order_by("student__full_name", "student_id", "code")
    ):
        assert entry.save_record_id is not None
        changes.setdefault(entry.save_record_id, []).append(
            Change(
                entry,
                labels.get(entry.code, entry.code),
                value_of(entry.replaces).shown(),
                value_of(entry).shown(),
            )
        )
    events = []
    for save in on_page:
        correction = _correction_of(save)
        events.append(
            Event(
                save.created_at,
                save=save,
                source=source_label(save.source),
                correction=correction,
                bien_ban=_last_bien_ban(correction),
                changes=tuple(changes.get(save.pk, ())),
            )
        )
    # Lock decisions covering this sheet, in the time span of this page.
    locks = EntryLock.objects.filter(school_id=class_group.school_id, period=period).filter(
        Q(grade__isnull=True, class_group__isnull=True)
        | Q(grade=class_group.grade, class_group__isnull=True)
        | Q(class_group=class_group, key="")
        | Q(class_group=class_group, key=key)
    )
    if on_page and page.has_next():
        locks = locks.filter(created_at__gte=on_page[-1].created_at)
    if on_page and page.has_previous():
        newer = saves[page.start_index() - 2]  # the oldest save of the previous page
        locks = locks.filter(created_at__lt=newer.created_at)
    events += [Event(lock.created_at, lock=lock) for lock in locks.select_related("created_by")]
    events.sort(key=lambda e: e.at, reverse=True)
    return render(
        request,
        "assessment/history_sheet.html",
        {
            "class_group": class_group,
            "period": period,
            "key": key,
            "label": sheet_label(key),
            "page": page,
            "events": [
                {"event": e, "lock_label": _lock_label(e.lock) if e.lock else ""} for e in events
            ],
            "version": sheet.version if sheet else 0,
        },
    )


urlpatterns: list[URLPattern] = [
    path(
        "lop/<int:pk>/so-diem/<str:period_code>/<str:key>/lich-su/",
        sheet_history,
        name="sheet_history",
    ),
    path(
        "lop/<int:pk>/so-diem/<str:period_code>/<str:key>/lich-su/<int:student_id>/<str:code>/",
        cell_history,
        name="cell_history",
    ),
]
