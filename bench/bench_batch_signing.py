"""A school's pages signed by background workers (issue 5, "Measured"): N verified year pages
(default 1,000) go through the three batches — homeroom, principal, seal — each queued with
`start_batch` and run by 2 real `db_worker` processes sharing PostgreSQL; wall time and pages/s
per step and for the whole chain, and a province of 50,000 pages projected from it. The
baseline in the same run: one process signing the same PDF in a loop (`sign_pdf`, no database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hocbaso_bench_batch \\
        python bench/bench_batch_signing.py [--pages N] [--workers 2]

The pages are copies of one real pupil's snapshot under distinct record codes (the signing
machinery does not depend on whose page it is; readiness is checked against that pupil for
every signature). DEMO PKI and the local DEMO TSA. Writes bench/results/batch-signing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MEDIA = tempfile.mkdtemp(prefix="hocbaso-bench-batch-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "hocbaso.config.settings",
        "HOCBASO_PRIVATE_MEDIA_ROOT": MEDIA,
        "HOCBASO_DEMO_PKI": "1",
        "HOCBASO_TSA": "demo",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DB_CONN_MAX_AGE": "0",
    }
)

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from hocbaso.audit.context import request_context  # noqa: E402
from hocbaso.people.tests.world import build_world  # noqa: E402
from hocbaso.records.batches import start_batch  # noqa: E402
from hocbaso.records.models import RecordFile, SigningBatch  # noqa: E402
from hocbaso.records.storage import read_pdf  # noqa: E402
from hocbaso.records.tests.chain_world import (  # noqa: E402
    ISSUED_AT,
    give_signers,
    verified_pages,
)
from hocbaso.records.tests.conftest import (  # noqa: E402
    AFTER_CN_DEADLINE,
    fill_and_lock,
    verify_profile,
)
from hocbaso.signing.pades import sign_pdf  # noqa: E402
from hocbaso.signing.testing import install_demo_authority  # noqa: E402
from hocbaso.signing.trust import configured_timestamper  # noqa: E402

PROVINCE_PAGES = 50_000


def _worker() -> subprocess.Popen[bytes]:
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "signing"]
    command += ["--interval", "0.05", "--no-startup-delay", "--no-reload"]
    return subprocess.Popen(command, cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL)


def _wait(batch: SigningBatch, limit: float = 3600) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in (SigningBatch.Status.FINISHED, SigningBatch.Status.FAILED):
            return
        time.sleep(0.2)
    raise SystemExit(f"batch {batch.pk} did not finish")


def _baseline(pdf: bytes, signer: object, rounds: int = 30) -> float:
    """Seconds of one process signing the rendered page (no database, no worker)."""
    timestamper = configured_timestamper()
    start = time.perf_counter()
    for _ in range(rounds):
        sign_pdf(pdf, field="gvcn", signer=signer, certify=True, title="GVCN",  # type: ignore[arg-type]
                 timestamper=timestamper)  # fmt: skip
    return (time.perf_counter() - start) / rounds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run with DATABASE_URL pointing at an empty PostgreSQL database")
    settings.SIGNING_WORKERS_PER_BATCH = args.workers
    call_command("migrate", verbosity=0)
    with request_context("command"), time_machine.travel(AFTER_CN_DEADLINE, tick=True):
        world = build_world()
        fill_and_lock(world)
        verify_profile(world)
        authority = install_demo_authority(Path(MEDIA) / "source", ISSUED_AT)
        signers = give_signers(world, authority)
        started = time.perf_counter()
        verified_pages(world, args.pages)
        setup_s = time.perf_counter() - started
    rendered = read_pdf(RecordFile.objects.filter(step="rendered").first().sha256)  # type: ignore[union-attr]
    baseline_s = _baseline(rendered, signers.signer(signers.homeroom))
    workers = [_worker() for _ in range(args.workers)]
    steps: dict[str, dict[str, float]] = {}
    try:
        plan = [
            ("homeroom", world.user("homeroom_4a"), {"class_id": world.class_4a.pk}),
            ("principal", world.user("principal"), {"school_id": world.school.pk}),
            ("seal", world.user("principal"), {"school_id": world.school.pk}),
        ]
        total_start = time.perf_counter()
        for role, user, scope in plan:
            start = time.perf_counter()
            batch = start_batch(role=role, pin=settings.SIGNING_DEMO_PIN, acting_user=user, **scope)
            _wait(batch)
            wall = time.perf_counter() - start
            batch.refresh_from_db()
            steps[role] = {
                "wall_s": round(wall, 2),
                "pages_per_s": round(batch.done / wall, 1),
                "done": batch.done,
                "failed": batch.failed,
                "skipped": batch.skipped,
            }
            print(role, steps[role], flush=True)
        chain_s = time.perf_counter() - total_start
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    sealed = RecordFile.objects.filter(step="seal").count()
    chain_rate = sealed / chain_s
    result = {
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),  # fmt: skip
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "pages": args.pages,
        "workers": args.workers,
        "setup_s": round(setup_s, 1),
        "baseline_one_process_sign_ms": round(baseline_s * 1000, 1),
        "steps": steps,
        "chain_wall_s": round(chain_s, 1),
        "sealed_pages": sealed,
        "sealed_pages_per_s": round(chain_rate, 2),
        "province_50000_pages_projected_h": round(PROVINCE_PAGES / chain_rate / 3600, 2),
        "note": "3 signatures per page (homeroom, principal, seal), each with a DEMO TSA "
        "timestamp; 2 workers on the same 2-core machine as PostgreSQL and this process.",
    }
    out = ROOT / "bench" / "results" / "batch-signing.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
