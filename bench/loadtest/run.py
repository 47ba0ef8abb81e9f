"""`make loadtest`: 150 simulated teachers saving 35-pupil sheets against PostgreSQL on loopback.

    python bench/loadtest/run.py [--duration 300] [--users 150] [--workers 4 --threads 4]
                                 [--baseline-duration 60] [--database hocbaso_load]

1. creates the PostgreSQL database (createdb) when missing, migrates it, and seeds it once
   (`seed.seed`: --schools × --classes grade-4 classes, one Toán teacher each, 35 pupils);
2. starts gunicorn on 127.0.0.1 (bench settings: the app plus a bare baseline view);
3. runs locust headless: --users TeacherUser users (1–3 s think time) saving their own sheet,
   then the same number of BareUser users against the bare view for --baseline-duration;
4. checks 0 errors, 0 lost acknowledged saves (`acks.check_acknowledged`) and `verify_audit`
   for every load-test school's chain; writes bench/results/loadtest-postgresql.{json,md}
   with the commit, the load average and the target comparisons. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
TARGETS = {"saves_per_second": 60.0, "p95_ms": 300.0, "errors": 0, "lost": 0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=300, help="seconds of teacher load")
    p.add_argument("--baseline-duration", type=int, default=60, help="seconds of bare-view load")
    p.add_argument("--users", type=int, default=150)
    p.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    p.add_argument("--rows", type=int, default=35, help="pupils' cells per save (35 = the sheet)")
    p.add_argument("--schools", type=int, default=10)
    p.add_argument("--classes", type=int, default=15, help="classes (teachers) per school")
    # 4 × 4 on 2 cores: fewer threads per process contend less for the GIL (docs/scale.md)
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (1 = sync)")
    p.add_argument(
        "--keep-alive", type=int, default=75, help="seconds (nginx's keepalive_timeout default)"
    )
    p.add_argument("--database", default="hocbaso_load")
    p.add_argument("--port", type=int, default=8767)
    p.add_argument("--label", default="", help="suffix of the result file names")
    return p.parse_args(argv)


def ensure_database(name: str) -> str:
    exists = subprocess.run(
        ["psql", f"{PG}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608 (our own argument)
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if exists != "1":
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    return f"{PG}/{name}"


def vacuum() -> None:
    """VACUUM (ANALYZE) the load-test database before the load, so that every run starts from
    the same state whether or not the server runs autovacuum (this machine's does not; during
    the load `autovacuum.AutovacuumStandIn` takes its place)."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"VACUUM (ANALYZE) in {time.monotonic() - started:.0f} s", flush=True)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


class LoadSampler(threading.Thread):
    """The 1-minute load average every 10 s while the load runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(10):
            self.samples.append(round(os.getloadavg()[0], 2))


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen[bytes]:
    worker_class = ["--worker-class", "gthread", "--threads", str(args.threads)]
    if args.threads == 1:
        worker_class = ["--worker-class", "sync"]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.bench_urls_wsgi:application",
         "-b", f"127.0.0.1:{args.port}", "--workers", str(args.workers), *worker_class,
         "--backlog", "2048", "--keep-alive", str(args.keep_alive), "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/dang-nhap/", timeout=2)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer")


def run_locust(user_class: str, seconds: int, args: argparse.Namespace, env: dict[str, str],
               csv_prefix: Path) -> None:  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "loadtest" / "locustfile.py"),
         "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
         "--run-time", f"{seconds}s", "--stop-timeout", "10", "--host", f"http://127.0.0.1:{args.port}",
         "--csv", str(csv_prefix), "--only-summary", "--loglevel", "WARNING", user_class],
        cwd=ROOT, env=env, check=False,
    )  # fmt: skip


def cpu_seconds(server: subprocess.Popen[bytes], database: str) -> dict[str, float]:
    """CPU time used so far by the gunicorn processes and by the PostgreSQL backends connected
    to the load-test database (user + system), so a save's cost can be stated in CPU-ms
    whatever else shares the machine."""
    import psutil

    def used(p: psutil.Process) -> float:
        try:
            t = p.cpu_times()
            return t.user + t.system
        except psutil.Error:
            return 0.0

    root = psutil.Process(server.pid)
    app = used(root) + sum(used(c) for c in root.children(recursive=True))
    pids = subprocess.run(
        ["psql", f"{PG}/postgres", "-tAc",
         f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'"],  # noqa: S608
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    db = sum(used(psutil.Process(int(pid))) for pid in pids if psutil.pid_exists(int(pid)))
    return {"app": round(app, 2), "database": round(db, 2)}


def verify_chains() -> dict[str, object]:
    from django.core.management import CommandError, call_command

    from hocbaso.org.models import School

    failed: list[str] = []
    codes = list(School.objects.filter(code__startswith="LOAD").values_list("code", flat=True))
    started = time.monotonic()
    for code in codes:
        try:
            call_command("verify_audit", school=code, stdout=open(os.devnull, "w"))  # noqa: SIM115
        except CommandError as exc:
            failed.append(f"{code}: {exc}")
    return {
        "chains": len(codes),
        "failed": failed,
        "seconds": round(time.monotonic() - started, 1),
    }


def markdown(r: dict[str, object]) -> str:
    s, b, t = r["saves"], r["baseline"], r["targets"]
    assert isinstance(s, dict)
    assert isinstance(b, dict)
    assert isinstance(t, dict)
    lines = [
        f"# Load test — {r['when']}",
        "",
        f"Commit `{r['commit']}`{' (uncommitted changes)' if r['dirty'] else ''}; "
        f"{r['users']} users, {r['duration_s']} s, gunicorn {r['server']}; PostgreSQL on loopback, VACUUM (ANALYZE) before the load; "
        f"{r['cpus']} CPUs, load average during the run {r['load_average']}.",
        "",
        f"| | saves ({r['cells_per_save']} cells) | bare INSERT view (baseline) |",
        "|---|---|---|",
    ]
    for k in ("requests", "errors", "per_second_steady", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
        lines.append(f"| {k} | {s.get(k)} | {b.get(k)} |")
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for name, row in t.items():
        lines.append(
            f"| {name} {row['target']} | {row['measured']} | {'yes' if row['met'] else 'NO'} |"
        )
    a, v = r["acknowledged"], r["audit"]
    assert isinstance(a, dict)
    assert isinstance(v, dict)
    lines += [
        "",
        f"Acknowledged saves checked: {a['acknowledged_saves']} ({a['cells_checked']} cells), "
        f"lost: {a['lost']}. Audit chains verified: {v['chains']}, failed: {len(v['failed'])}.",
        "",
        f"CPU per acknowledged save (ms): {r['cpu_ms_per_save']} "
        "(gunicorn processes, PostgreSQL backends of the run, locust).",
        "",
        autovacuum_line(r["autovacuum"]),
    ]
    return "\n".join(lines) + "\n"


def autovacuum_line(a: object) -> str:
    assert isinstance(a, dict)
    if a["server_autovacuum"] == "on":
        return "The server's autovacuum was on."
    runs = a["stand_in_runs"]
    done = ", ".join(f"{r['what']} {r['table']} at {r['at_s']} s ({r['seconds']} s)" for r in runs)
    return (
        "The server's autovacuum was off; the runner's stand-in (bench/loadtest/autovacuum.py) "
        f"ran {len(runs)} time(s) by its default thresholds{': ' + done if runs else ''}."
    )


def targets(saves: dict[str, object], lost: int, audit_failed: int) -> dict[str, dict[str, object]]:
    rate, p95, errors = (
        saves.get("per_second_steady", 0.0),
        saves.get("p95_ms"),
        saves.get("errors"),
    )
    assert isinstance(rate, float | int)
    assert isinstance(p95, float | int)
    return {
        "saves_per_second >=": {"target": 60, "measured": rate, "met": rate >= 60},
        "p95_ms <=": {"target": 300, "measured": p95, "met": p95 <= 300},
        "errors =": {"target": 0, "measured": errors, "met": errors == 0},
        "lost_acknowledged_writes =": {"target": 0, "measured": lost, "met": lost == 0},
        "audit_chains_failing =": {"target": 0, "measured": audit_failed, "met": audit_failed == 0},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = ensure_database(args.database)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    os.environ.setdefault("HOCBASO_PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="hocbaso-load-"))
    import django

    django.setup()
    from django.core.management import call_command

    from bench.loadtest import acks, seed
    from bench.loadtest.autovacuum import AutovacuumStandIn

    call_command("migrate", verbosity=0)
    if not seed.seeded():
        started = time.monotonic()
        print(f"seeding {args.schools} schools × {args.classes} classes × 35 pupils…", flush=True)
        seed.seed(args.schools, args.classes)
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    vacuum()
    teachers = seed.plan()
    if len(teachers) < args.users:
        raise SystemExit(f"only {len(teachers)} teachers seeded for {args.users} users")
    work = Path(tempfile.mkdtemp(prefix="hocbaso-loadtest-"))
    (work / "plan.json").write_text(json.dumps(teachers[: args.users]), encoding="utf-8")
    log = work / "requests.jsonl"
    env = os.environ.copy() | {
        "LOADTEST_PLAN": str(work / "plan.json"),
        "LOADTEST_LOG": str(log),
        "LOADTEST_PASSWORD": seed.PASSWORD,
        "LOADTEST_ROWS": str(args.rows),
        # connections kept for the whole run, so the backends' CPU time can be read at the end
        "DB_CONN_MAX_AGE": "3600",
    }
    from django.db import connection

    connection.close()  # the server and the checks use their own connections
    commit, dirty = (
        git("rev-parse", "HEAD"),
        bool(git("status", "--porcelain", "--untracked-files=no")),
    )
    server = start_server(args, env)
    sampler = LoadSampler()
    sampler.start()
    autovacuum = AutovacuumStandIn(url)
    autovacuum.start()
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_locust("TeacherUser", args.duration, args, env, work / "teachers")
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu_seconds(server, args.database)
        autovacuum.close()
        cpu["load_generator"] = round(
            children_after.ru_utime + children_after.ru_stime
            - children_before.ru_utime - children_before.ru_stime, 2
        )  # fmt: skip
        if args.baseline_duration > 0:
            run_locust("BareUser", args.baseline_duration, args, env, work / "bare")
    finally:
        sampler.stop.set()
        autovacuum.close()
        server.terminate()
        server.wait(30)
    lines = list(acks.read_log(log))
    ramp = args.users / args.spawn_rate
    saves = acks.summarise(lines, "save", ramp_up_s=ramp)
    bare = acks.summarise(lines, "bare", ramp_up_s=ramp)
    acknowledged = acks.check_acknowledged(lines)
    audit = verify_chains()
    server_desc = (
        f"{args.workers} sync workers" if args.threads == 1
        else f"{args.workers} workers × {args.threads} threads (gthread)"
    )  # fmt: skip
    result: dict[str, object] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,  # as the load started
        "dirty": dirty,
        "database": "postgresql",
        "users": args.users,
        "duration_s": args.duration,
        "think_time_s": [1, 3],
        "cells_per_save": min(args.rows, seed.PUPILS_PER_CLASS),
        "schools": len({t["username"][:6] for t in teachers[: args.users]}),
        "server": server_desc,
        "cpus": os.cpu_count(),
        "load_average": {
            "before_1_5_15": load_before,
            "during_1min_max": max(sampler.samples, default=None),
            "during_1min_mean": round(sum(sampler.samples) / len(sampler.samples), 2) if sampler.samples else None,
            "after_1_5_15": [round(x, 2) for x in os.getloadavg()],
        },  # fmt: skip
        "saves": saves,
        "baseline": bare,
        "save_vs_baseline_p50": round(saves["p50_ms"] / bare["p50_ms"], 2) if bare.get("p50_ms") else None,
        "cpu_seconds_teacher_run": cpu,
        "cpu_ms_per_save": {
            k: round(v * 1000 / saves["ok"], 1) for k, v in cpu.items() if saves.get("ok")
        },
        "acknowledged": acknowledged,
        "audit": audit,
        "autovacuum": autovacuum.summary(),
        "locust_csv": str(work),
    }  # fmt: skip
    result["targets"] = targets(saves, acknowledged["lost"], len(audit["failed"]))  # type: ignore[arg-type]
    out = ROOT / "bench" / "results" / f"loadtest-postgresql{args.label}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    met = all(row["met"] for row in result["targets"].values())  # type: ignore[union-attr]
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
