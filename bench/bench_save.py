"""Saving a 35-pupil sheet through HTTP on loopback, with 1, 10 and 50 concurrent writers,
against a bare Django view doing one INSERT, in the same run (issue 3, "Measured").

    python bench/bench_save.py                      # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocbaso_bench_save python bench/bench_save.py

The server is gunicorn (2 workers × 16 threads, as a small production box would run it); the
load generator runs in this process with one thread per writer. Writes
bench/results/save-<vendor>.json.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
if not os.environ.get("DATABASE_URL"):
    os.environ["HOCBASO_VAR_DIR"] = tempfile.mkdtemp(prefix="hocbaso-bench-save-")
os.environ.setdefault("HOCBASO_PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="hocbaso-bench-media-"))
PORT = 8765
SAVES_PER_WRITER = {1: 60, 10: 20, 50: 8}

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from hocbaso.audit.actors import SEED  # noqa: E402
from hocbaso.audit.context import request_context  # noqa: E402
from hocbaso.org import actions as org_actions  # noqa: E402
from hocbaso.people.actions import assignments, students  # noqa: E402
from hocbaso.people.tests.world import pupil_values  # noqa: E402

PASSWORD = "bench-password-2026"
VERSIONS: dict[int, int] = {}  # sheet version per class, carried across the runs


def build(writers: int) -> list[tuple[str, int, list[int]]]:
    """One class of 35 pupils per writer, each with its own Toán teacher."""
    with request_context("command"):
        province = org_actions.create_province(
            code="99", name="Bench", department_name="Sở Bench", acting_user=SEED
        )
        commune = org_actions.create_commune(
            province=province, code="99001", name="Xã Bench", kind="xa", acting_user=SEED
        )
        school = org_actions.create_school(
            commune=commune,
            code="BENCH",
            name="Trường Bench",
            valid_from=dt.date(2000, 1, 1),
            acting_user=SEED,
        )
        year = org_actions.create_school_year(province=province, start_year=2026, acting_user=SEED)
        out = []
        for w in range(writers):
            class_group = org_actions.create_class(
                school=school, school_year=year, grade=4, name=f"4-{w}", acting_user=SEED
            )
            user = assignments.create_account(
                username=f"gv{w}", full_name=f"Giáo viên {w}", password=PASSWORD, acting_user=SEED
            )
            assignments.assign_teacher(user.pk, class_group.pk, "toan", acting_user=SEED)
            pupils = [
                students.create_student(pupil_values(f"Học Sinh {w}-{i}"), class_group.pk, enrolled_on=dt.date(2026, 9, 5), acting_user=SEED).pk
                for i in range(35)
            ]  # fmt: skip
            out.append((user.username, class_group.pk, pupils))
        return out


def sheet_cells(pupils: list[int], n: int) -> list[dict[str, object]]:
    """The Toán cells of save number `n`: every cell differs from save n - 1."""
    return [
        {
            "student": p,
            "code": "toan",
            "level": "THC"[(n + i) % 3],
            "score": (n + i) % 11,
            "comment": "",
        }
        for i, p in enumerate(pupils)
    ]


def login(username: str) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    conn.request("GET", "/dang-nhap/")
    response = conn.getresponse()
    body = response.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    form = f"csrfmiddlewaretoken={csrf}&username={username}&password={PASSWORD}"
    conn.request("POST", "/dang-nhap/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Referer": f"http://127.0.0.1:{PORT}/dang-nhap/",
    })  # fmt: skip
    response = conn.getresponse()
    response.read()
    cookies = {
        c.split(";")[0].split("=")[0]: c.split(";")[0]
        for c in response.headers.get_all("Set-Cookie") or []
    }
    csrf_cookie = cookies.get("csrftoken", cookie)
    return f"{csrf_cookie}; {cookies['sessionid']}", csrf_cookie.split("=", 1)[1]


def writer(
    username: str,
    class_id: int,
    pupils: list[int],
    saves: int,
    samples: list[float],
    errors: list[str],
    bare: bool,
) -> None:
    cookie, csrf = login(username)
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    version = VERSIONS.get(class_id, 0)
    for n in range(saves):
        if bare:
            path, payload = "/bench/bare-insert/", b"{}"
        else:
            cells = sheet_cells(pupils, n)
            path = f"/lop/{class_id}/so-diem/CHKI/toan/luu/"
            payload = json.dumps(
                {"version": version, "idempotency_key": uuid.uuid4().hex, "cells": cells}
            ).encode()
        t0 = time.perf_counter()
        conn.request("POST", path, body=payload, headers={
            "Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": csrf, "Referer": f"http://127.0.0.1:{PORT}/",
        })  # fmt: skip
        response = conn.getresponse()
        data = response.read()
        samples.append((time.perf_counter() - t0) * 1000)
        if response.status != 200:
            errors.append(f"{response.status} {data[:200]!r}")
            continue
        if not bare:
            version = json.loads(data)["version"]
            VERSIONS[class_id] = version


def run(
    plan: list[tuple[str, int, list[int]]], writers: int, *, bare: bool
) -> dict[str, float | int]:
    samples: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(
            target=writer, args=(u, c, p, SAVES_PER_WRITER[writers], samples, errors, bare)
        )
        for u, c, p in plan[:writers]
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    samples.sort()
    return {
        "requests": len(samples),
        "errors": len(errors),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(int(len(samples) * 0.95) - 1, 0)], 1),
        "per_second": round(len(samples) / wall, 1),
        **({"first_error": errors[0]} if errors else {}),
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    plan = build(max(SAVES_PER_WRITER))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.bench_urls_wsgi:application", "-b", f"127.0.0.1:{PORT}",
         "--workers", "2", "--threads", "16", "--worker-class", "gthread", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request(
                    "GET", "/dang-nhap/"
                )
                break
            except OSError:
                time.sleep(0.2)
        results: dict[str, object] = {"database": connection.vendor, "cells_per_save": 35}
        for writers in SAVES_PER_WRITER:
            save = run(plan, writers, bare=False)
            bare = run(plan, writers, bare=True)
            results[f"writers_{writers}"] = {
                "save": save, "bare_insert": bare, "ratio_p50": round(save["p50_ms"] / bare["p50_ms"], 2),
            }  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    out = ROOT / "bench" / "results" / f"save-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
