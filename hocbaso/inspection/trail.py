"""Reading the audit trail of a school's chain or of a province's schools, fast on a large
table: only the indexes the audit app has are used.

- One school: its chain, newest first by `seq`, on the (chain, seq) unique index; the keyset
  cursor is the `seq`.
- A province: the chains of its schools, newest first by the primary key (ids grow with time
  across chains); the cursor is the id.
- A date range is turned into key bounds by bisecting the key (point look-ups on the same
  index: the key and `created_at` grow together), then the exact `created_at` condition is
  kept; so an old range does not scan every newer event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from hocbaso.audit.log import chain_for_school
from hocbaso.audit.models import AuditEvent
from hocbaso.audit.registry import ACTIONS
from hocbaso.org.models import Province, School
from hocbaso.people.models import User

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_SIZE = 50
# Events are stamped a moment before their id is taken (after the chain head's lock): the
# date bisection widens its bounds by this much, the exact condition does the rest.
BOUND_MARGIN = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class TrailFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    actor: str = ""
    subject_type: str = ""
    subject_id: str = ""
    q: str = ""

    @classmethod
    def from_cleaned(cls, data: Mapping[str, Any]) -> TrailFilter:
        return cls(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or "",
            actor=(data.get("actor") or "").strip(),
            subject_type=(data.get("subject_type") or "").strip(),
            subject_id=(data.get("subject_id") or "").strip(),
            q=(data.get("q") or "").strip(),
        )

    def as_data(self) -> dict[str, str]:
        """The non-empty conditions, as written to the audit event and the query string."""
        values = {
            "date_from": self.date_from.strftime("%d/%m/%Y") if self.date_from else "",
            "date_to": self.date_to.strftime("%d/%m/%Y") if self.date_to else "",
            "action": self.action,
            "actor": self.actor,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "q": self.q,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class TrailScope:
    """Whose events: one school's chain, or the chains of a province's schools."""

    chains: tuple[str, ...]
    key: str  # "seq" for one chain, "id" across chains
    school: School | None = None
    province: Province | None = None

    @classmethod
    def for_school(cls, school: School) -> TrailScope:
        return cls(chains=(chain_for_school(school.pk),), key="seq", school=school)

    @classmethod
    def for_province(cls, province: Province) -> TrailScope:
        ids = School.objects.filter(commune__province=province).values_list("pk", flat=True)
        chains = tuple(chain_for_school(pk) for pk in sorted(ids))
        return cls(chains=chains, key="id", province=province)

    @property
    def name(self) -> str:
        return f"school:{self.school.pk}" if self.school else f"province:{self.province_id}"

    @property
    def province_id(self) -> int | None:
        return self.province.pk if self.province else None

    def base(self) -> QuerySet[AuditEvent]:
        """The events of the scope's chains, no other condition."""
        if len(self.chains) == 1:
            return AuditEvent.objects.filter(chain=self.chains[0])
        return AuditEvent.objects.filter(chain__in=self.chains)

    def bisect_base(self) -> QuerySet[AuditEvent]:
        """Where the date bisection looks: the chain itself, or every event by id."""
        if self.key == "seq":
            return self.base()
        return AuditEvent.objects.all()


def _vn_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=VN)


def _key_bound(base: QuerySet[AuditEvent], key: str, moment: dt.datetime) -> int:
    """The smallest key k such that the events of `base` with a key below k were created
    before `moment` (assuming `created_at` grows with the key)."""
    first = base.order_by(key).values_list(key, flat=True).first()
    if first is None:
        return 0
    last = base.order_by(f"-{key}").values_list(key, flat=True).first()
    lo, hi = int(first), int(last or first) + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = (
            base.filter(**{f"{key}__gte": mid}).order_by(key).values_list(key, "created_at").first()
        )
        if row is None or row[1] >= moment:
            hi = mid
        else:
            lo = int(row[0]) + 1
    return lo


def filtered_events(scope: TrailScope, flt: TrailFilter) -> QuerySet[AuditEvent]:
    """The scope's events matching the filter, newest first."""
    if not scope.chains:
        return AuditEvent.objects.none()
    qs = scope.base()
    key = scope.key
    if flt.date_from:
        start = _vn_midnight(flt.date_from)
        bound = _key_bound(scope.bisect_base(), key, start - BOUND_MARGIN)
        qs = qs.filter(**{f"{key}__gte": bound}, created_at__gte=start)
    if flt.date_to:
        end = _vn_midnight(flt.date_to + dt.timedelta(days=1))
        bound = _key_bound(scope.bisect_base(), key, end + BOUND_MARGIN)
        qs = qs.filter(**{f"{key}__lt": bound}, created_at__lt=end)
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.actor:
        users = User.objects.filter(username__iexact=flt.actor).values_list("pk", flat=True)
        qs = qs.filter(actor_id__in=list(users))
    if flt.subject_type:
        qs = qs.filter(subject_type=flt.subject_type)
    if flt.subject_id:
        qs = qs.filter(subject_id=flt.subject_id)
    if flt.q:
        qs = qs.filter(subject_label__icontains=flt.q)
    return qs.order_by(f"-{key}")


# -- display -------------------------------------------------------------------------------


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def pretty_data(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str)


@dataclass(frozen=True)
class TrailRow:
    event: AuditEvent
    time: str
    action_label: str
    data_json: str
    has_data: bool


def trail_row(event: AuditEvent) -> TrailRow:
    return TrailRow(
        event=event,
        time=local_time(event.created_at),
        action_label=action_label(event.action),
        data_json=pretty_data(event.data),
        has_data=bool(event.data),
    )


@dataclass(frozen=True)
class TrailPage:
    rows: list[TrailRow] = field(default_factory=list)
    older: int | None = None  # cursor for `before`
    newer: int | None = None  # cursor for `after`
    is_latest: bool = True


def trail_page(
    scope: TrailScope, flt: TrailFilter, *, before: int | None = None, after: int | None = None
) -> TrailPage:
    """One page of at most PAGE_SIZE events, newest first, by keyset."""
    qs = filtered_events(scope, flt)
    key = scope.key
    if after is not None:
        window = list(qs.filter(**{f"{key}__gt": after}).order_by(key)[: PAGE_SIZE + 1])
        more_newer = len(window) > PAGE_SIZE
        events = list(reversed(window[:PAGE_SIZE]))
        more_older = bool(events) and qs.filter(**{f"{key}__lt": _key(events[-1], key)}).exists()
    else:
        if before is not None:
            qs = qs.filter(**{f"{key}__lt": before})
        window = list(qs[: PAGE_SIZE + 1])
        more_older = len(window) > PAGE_SIZE
        events = window[:PAGE_SIZE]
        more_newer = before is not None and (
            not events
            or filtered_events(scope, flt).filter(**{f"{key}__gt": _key(events[0], key)}).exists()
        )
    return TrailPage(
        rows=[trail_row(e) for e in events],
        older=_key(events[-1], key) if events and more_older else None,
        newer=_key(events[0], key) if events and more_newer else None,
        is_latest=not more_newer,
    )


def _key(event: AuditEvent, key: str) -> int:
    return int(getattr(event, key))


# -- export rows ---------------------------------------------------------------------------

EXPORT_HEADER = (
    "Thời gian",
    "Mã hành động",
    "Hành động",
    "Người thực hiện",
    "Loại đối tượng",
    "Mã đối tượng",
    "Đối tượng",
    "IP",
    "Mã yêu cầu",
    "Biên bản",
    "Chuỗi",
    "Số thứ tự",
    "Dữ liệu (trước/sau)",
)
CELL_MAX = 32_000  # Excel refuses a cell longer than 32,767 characters
EXPORT_WIDTHS = (20, 26, 34, 30, 18, 12, 40, 16, 34, 12, 12, 10, 80)


def export_cells(event: AuditEvent) -> list[str]:
    return [
        local_time(event.created_at),
        event.action,
        action_label(event.action),
        event.actor_label,
        event.subject_type,
        event.subject_id,
        event.subject_label,
        event.ip or "",
        event.request_id,
        event.bien_ban_id,
        event.chain,
        str(event.seq),
        json.dumps(event.data, ensure_ascii=False, sort_keys=True, default=str)[:CELL_MAX],
    ]


def iter_export_rows(qs: QuerySet[AuditEvent], limit: int) -> Iterator[list[str]]:
    for event in qs[:limit].iterator(chunk_size=2000):
        yield export_cells(event)
