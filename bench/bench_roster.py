"""Class roster and pupil list pages at 35 and 1,000 pupils, against a bare Django view that
renders the same number of rows, in the same run (issue 2, "Measured").

    python bench/bench_roster.py            # SQLite in a temporary file
    DATABASE_URL=postgres://... python bench/bench_roster.py

Writes bench/results/roster-<vendor>.json. Numbers are medians / p95 of wall time per request
through Django's test client (no network), so the ratio is what the page adds over Django.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["HOCBASO_VAR_DIR"] = tempfile.mkdtemp(prefix="hocbaso-bench-")
os.environ["HOCBASO_PRIVATE_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="hocbaso-bench-media-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

from hocbaso.audit.actors import SEED  # noqa: E402
from hocbaso.audit.context import request_context  # noqa: E402
from hocbaso.org import actions as org_actions  # noqa: E402
from hocbaso.people.models import Student  # noqa: E402
from hocbaso.people.tests.world import build_world, pupil_values  # noqa: E402

BARE = Template(
    "<table>{% for s in rows %}<tr><td>{{ s.full_name }}</td><td>{{ s.birth_date }}</td>"
    "</tr>{% endfor %}</table>"
)


def bare_view(request: HttpRequest, class_id: int) -> HttpResponse:
    rows = list(
        Student.objects.filter(enrolments__class_group_id=class_id).values(
            "full_name", "birth_date"
        )
    )
    return HttpResponse(BARE.render(Context({"rows": rows})))


urlpatterns = [
    path("bare/<int:class_id>/", bare_view),
    path("", include("hocbaso.config.urls")),
]


def _fill(class_id: int, count: int) -> None:
    from hocbaso.people.actions.students import create_student  # noqa: PLC0415

    for i in range(count):
        create_student(
            pupil_values(f"Học Sinh Số {i:04d}"),
            class_id,
            enrolled_on=dt.date(2026, 9, 5),
            acting_user=SEED,
        )


def _time(client: Client, url: str, runs: int) -> dict[str, float]:
    client.get(url)  # warm up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "queries": len(queries),
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    with request_context("command"):
        world = build_world()
        big = org_actions.create_class(
            school=world.school, school_year=world.year, grade=3, name="3Z", acting_user=SEED
        )
        small = world.class_4a
        _fill(small.pk, 34)  # plus the world's pupil → 35
        _fill(big.pk, 1000)
    results: dict[str, object] = {"database": connection.vendor}
    client = Client()
    client.force_login(world.user("principal"))
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        for label, class_group, runs in (("35", small, 60), ("1000", big, 15)):
            roster = _time(client, f"/lop/{class_group.pk}/", runs)
            bare = _time(client, f"/bare/{class_group.pk}/", runs)
            results[f"roster_{label}"] = roster
            results[f"bare_{label}"] = bare
            results[f"ratio_{label}"] = round(roster["median_ms"] / bare["median_ms"], 2)
        results["pupil_list_page"] = _time(client, "/hoc-sinh/", 30)
    out = ROOT / "bench" / "results" / f"roster-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
