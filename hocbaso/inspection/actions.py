"""The writes of the inspection screens: reading the trail and exporting it are logged.

The caller passes a `TrailScope` it obtained from `inspection.access.trail_scope_for_user`,
so access was checked before anything is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.audit.log import log
from hocbaso.audit.models import AuditEvent
from hocbaso.inspection.trail import TrailFilter, TrailPage, TrailScope, filtered_events
from hocbaso.people.errors import ActionError
from hocbaso.people.exports.cells import ExportFormat

EXPORT_CAP = 200_000


class ExportTooLarge(ActionError):
    pass


def _where(scope: TrailScope) -> dict[str, Any]:
    """The chain the event goes to and its subject: the school's chain for a school, the
    system chain for a province."""
    if scope.school is not None:
        return {"subject": scope.school, "school_id": scope.school.pk}
    return {"subject": scope.province, "school_id": None}


@transaction.atomic
def record_trail_view(
    scope: TrailScope, flt: TrailFilter, page: TrailPage, *, cursor: str, acting_user: Any
) -> AuditEvent:
    """One `audit.trail_viewed` per page shown."""
    return log(
        "audit.trail_viewed",
        actor=acting_user,
        data={
            "scope": scope.name,
            "filter": flt.as_data(),
            "cursor": cursor,
            "rows": len(page.rows),
        },
        **_where(scope),
    )


@dataclass(frozen=True)
class TrailExport:
    events: QuerySet[AuditEvent]
    rows: int
    fmt: ExportFormat
    filename: str


@transaction.atomic
def export_trail(
    scope: TrailScope, flt: TrailFilter, fmt: ExportFormat | str, *, acting_user: Any
) -> TrailExport:
    """The filtered events to write (at most EXPORT_CAP) and their `export.audit_trail` event.
    Raises ExportTooLarge, writing nothing, when the filter matches more."""
    fmt = ExportFormat(fmt)
    qs = filtered_events(scope, flt)
    # Freeze the set at the newest matching event: neither this export's own event nor
    # events written while the file streams change what the row count says.
    top = qs.values_list(scope.key, flat=True).first()
    if top is not None:
        qs = qs.filter(**{f"{scope.key}__lte": top})
    rows = qs.order_by()[: EXPORT_CAP + 1].count()
    if rows > EXPORT_CAP:
        cap = f"{EXPORT_CAP:,}".replace(",", ".")
        raise ExportTooLarge(
            _(
                "Bộ lọc khớp với hơn %(cap)s sự kiện: mỗi lần chỉ xuất được tối đa %(cap)s "
                "dòng. Hãy thu hẹp khoảng thời gian hoặc thêm điều kiện lọc."
            )
            % {"cap": cap}
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"nhat-ki-{scope.name.replace(':', '-')}-{stamp}.{fmt.value}"
    log(
        "export.audit_trail",
        actor=acting_user,
        data={
            "scope": scope.name,
            "filter": flt.as_data(),
            "format": fmt.value,
            "rows": rows,
            "file_name": filename,
        },
        **_where(scope),
    )
    return TrailExport(events=qs, rows=rows, fmt=fmt, filename=filename)
