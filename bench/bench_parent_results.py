"""Parents reading released results (issue 6, "Measured"): p95 latency of the results page with
1,000 simulated parents on loopback, against a bare Django view in the same run; and the bytes
transferred by a first load of the page with everything it loads.

    .venv/bin/python bench/bench_parent_results.py                 # SQLite, temporary directory
    .venv/bin/python bench/bench_parent_results.py --postgres      # a fresh hocbaso_portal_bench

The data: one demo school (`seed_demo --schools 1 --classes-per-grade 6
--students-per-class 35`, 1,050 pupils), its past periods filled (`seed_demo_entries`) and
released (`seed_demo_releases`), 1,000 parent accounts each linked to one pupil, each with a
signed-in session. The server is gunicorn (2 workers × 16 threads, gthread); the load comes
from this process (asyncio + aiohttp, one connection per parent). Two patterns, each run
against the results page and then against the bare view with the same sessions:

- burst: the 1,000 parents each load the page once, all at the same moment (the release);
- polling: the 1,000 parents each load the page once at a random moment over 60 s (~17/s);
- publication: the 1,000 parents each load the page 4 times at random moments over 60 s
  (~67 requests/s offered: security.md's reads per second at publication).

Writes bench/results/parent-results-<vendor>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8767
PARENTS = 1000
PATTERNS = (("burst", 1, 0.0), ("polling", 1, 60.0), ("publication", 4, 60.0))
PG_BENCH_DB = "hocbaso_portal_bench"


def _prepare_environment(postgres: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_parent_settings"
    os.environ.setdefault("HOCBASO_PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="hb-bench-media-"))
    if postgres:
        import psycopg

        admin = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["HOCBASO_VAR_DIR"] = tempfile.mkdtemp(prefix="hb-bench-parent-")


def _manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def build() -> dict[str, Any]:
    """The demo school, its released periods, 1,000 linked parents and their sessions."""
    t0 = time.perf_counter()
    _manage("migrate", "--no-input", "-v", "0")
    _manage("seed_demo", "--schools", "1", "--classes-per-grade", "6", "--students-per-class", "35")
    _manage("seed_demo_entries", "--if-empty")
    released = _manage("seed_demo_releases", "--if-empty").strip()
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from hocbaso.assessment.release import released_periods
    from hocbaso.audit.actors import SEED
    from hocbaso.audit.context import request_context
    from hocbaso.people.actions.bulk import link_guardian_accounts
    from hocbaso.people.models import Guardian, User

    guardians = list(
        Guardian.objects.filter(user__isnull=True, relation="me")
        .order_by("student_id")
        .values_list("pk", "student_id")[:PARENTS]
    )
    password = make_password("bench-parent-2026")
    User.objects.bulk_create(
        User(username=f"ph{i:04d}", full_name=f"Phụ huynh {i}", password=password)
        for i in range(len(guardians))
    )
    users = list(User.objects.filter(username__startswith="ph0").order_by("username"))
    users += list(User.objects.filter(username__regex=r"^ph[1-9]\d{3}$").order_by("username"))
    with request_context("command"):
        link_guardian_accounts(
            [(g, u.pk) for (g, _), u in zip(guardians, users, strict=True)], acting_user=SEED
        )
    from hocbaso.people.models import Student

    targets = []
    for (_, student_id), user in zip(guardians, users, strict=True):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        targets.append((session.session_key, student_id))
    period = released_periods(Student.objects.get(pk=targets[0][1]))[-1]
    return {
        "targets": targets,
        "period_id": period.pk,
        "period": str(period),
        "released": released,
        "build_seconds": round(time.perf_counter() - t0, 1),
    }


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[max(int(len(ordered) * q) - 1, 0)], 1)


async def _load(
    targets: list[tuple[str, int]], url_of: Any, *, rounds: int, spread: float
) -> dict[str, Any]:
    import aiohttp

    samples: list[float] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    rng = random.Random(6)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def parent(session_key: str, student_id: int) -> None:
            moments = sorted(rng.uniform(0, spread) for _ in range(rounds))
            started = time.perf_counter()
            for moment in moments:
                await asyncio.sleep(max(0.0, moment - (time.perf_counter() - started)))
                t0 = time.perf_counter()
                try:
                    async with http.get(
                        url_of(student_id),
                        headers={"Cookie": f"sessionid={session_key}", "Accept-Encoding": "gzip"},
                        allow_redirects=False,
                    ) as response:
                        body = await response.read()
                        if response.status != 200:
                            errors.append(f"{response.status} {body[:120]!r}")
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors.append(repr(exc))
                samples.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        await asyncio.gather(*(parent(k, s) for k, s in targets))
        wall = time.perf_counter() - t0
    return {
        "requests": len(samples),
        "errors": len(errors),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": _percentile(samples, 0.95),
        "max_ms": round(max(samples), 1),
        "per_second": round(len(samples) / wall, 1),
        **({"first_error": errors[0]} if errors else {}),
    }


def _transferred(path: str, cookie: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
    response = conn.getresponse()
    body = response.read()
    head = sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
    encoding = response.getheader("Content-Encoding", "")
    text = gzip.decompress(body).decode(errors="replace") if encoding == "gzip" else ""
    if not encoding and response.getheader("Content-Type", "").startswith("text/html"):
        text = body.decode(errors="replace")
    return len(body) + head, encoding or "identity", text


def first_load(session_key: str, path: str) -> dict[str, Any]:
    cookie = f"sessionid={session_key}"
    size, encoding, html = _transferred(path, cookie)
    parts = {path: {"bytes": size, "encoding": encoding}}
    for sub in sorted(set(re.findall(r'(?:href|src)="(/phu-huynh/[^"]+)"', html))):
        if not re.search(r"\.(css|js|png|webmanifest)$", sub):
            continue
        sub_size, sub_encoding, _ = _transferred(sub, cookie)
        parts[sub] = {"bytes": sub_size, "encoding": sub_encoding}
    return {"total_bytes": sum(p["bytes"] for p in parts.values()), "parts": parts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    _prepare_environment(args.postgres)
    data = build()
    from django.db import connection

    targets = data["targets"]
    period_id = data["period_id"]
    base = f"http://127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.bench_urls_wsgi:application",
         "-b", f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "16",
         "--worker-class", "gthread", "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request(
                    "GET", "/bench/bare-page/"
                )
                break
            except OSError:
                time.sleep(0.2)
        page = lambda s: f"{base}/phu-huynh/con/{s}/ket-qua/{period_id}/"  # noqa: E731
        bare = lambda s: f"{base}/bench/bare-page/"  # noqa: E731
        results: dict[str, Any] = {
            "database": connection.vendor,
            "parents": len(targets),
            "period": data["period"],
            "build_seconds": data["build_seconds"],
            "server": "gunicorn 2 workers × 16 threads (gthread), loopback, same 2-core machine",
            "first_load": first_load(targets[0][0], page(targets[0][1]).removeprefix(base)),
        }
        asyncio.run(_load(targets[:50], page, rounds=1, spread=0))  # warm up both workers
        for name, rounds, spread in PATTERNS:
            results_page = asyncio.run(_load(targets, page, rounds=rounds, spread=spread))
            bare_view = asyncio.run(_load(targets, bare, rounds=rounds, spread=spread))
            results[name] = {
                "results_page": results_page,
                "bare_view": bare_view,
                "ratio_p95": round(results_page["p95_ms"] / bare_view["p95_ms"], 2),
                "ratio_p50": round(results_page["p50_ms"] / bare_view["p50_ms"], 2),
            }
    finally:
        server.terminate()
        server.wait(10)
    out = ROOT / "bench" / "results" / f"parent-results-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
