"""A stand-in for PostgreSQL's autovacuum during `make loadtest`, for servers that run without it.

Production keeps autovacuum on (docs/deploy.md). This machine's PostgreSQL has it off, and a
five-minute load leaves over a million dead entry rows and planner statistics taken on an empty
table; the database's CPU per save then triples (20.1 ms against 6.3 ms with fresh statistics,
bench/results/RECORD.md), which measures the missing daemon rather than the application.

When `SHOW autovacuum` says off, `AutovacuumStandIn` does what the daemon would with its default
settings: every `autovacuum_naptime` (60 s) it reads pg_stat_user_tables and VACUUMs a table
whose dead rows exceed 50 + 0.2 × its rows, or whose inserts since the last vacuum exceed
1000 + 0.2 × its rows, and ANALYZEs one whose changes since the last analyze exceed
50 + 0.1 × its rows. It runs cost-throttled like autovacuum (vacuum_cost_delay 2 ms, limit 200)
on its own connection to the load-test database, so its CPU is counted in the run's database
figure. When the server runs autovacuum itself, the stand-in does nothing.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

NAPTIME_S = 60
VACUUM_THRESHOLD, VACUUM_SCALE = 50, 0.2
INSERT_THRESHOLD, INSERT_SCALE = 1000, 0.2
ANALYZE_THRESHOLD, ANALYZE_SCALE = 50, 0.1

STATS = """
SELECT s.relname, greatest(c.reltuples, 0), s.n_dead_tup, s.n_ins_since_vacuum,
       s.n_mod_since_analyze
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = 'public'
ORDER BY s.relname
"""


def due(reltuples: float, dead: int, inserted: int, modified: int) -> tuple[bool, bool]:
    """(vacuum, analyze) by autovacuum's default thresholds."""
    vacuum = (
        dead > VACUUM_THRESHOLD + VACUUM_SCALE * reltuples
        or inserted > INSERT_THRESHOLD + INSERT_SCALE * reltuples
    )
    analyze = modified > ANALYZE_THRESHOLD + ANALYZE_SCALE * reltuples
    return vacuum, analyze


class AutovacuumStandIn(threading.Thread):
    def __init__(self, url: str, naptime_s: float = NAPTIME_S) -> None:
        super().__init__(daemon=True)
        self.url, self.naptime_s = url, naptime_s
        self.stop = threading.Event()
        self.runs: list[dict[str, Any]] = []
        with psycopg.connect(url, autocommit=True) as probe:
            row = probe.execute("SHOW autovacuum").fetchone()
        self.needed = row is not None and row[0] == "off"
        # Opened now, closed by close(): the backend stays connected until the run's CPU is read.
        self.connection = psycopg.connect(url, autocommit=True) if self.needed else None

    def run(self) -> None:
        if self.connection is None:
            return
        self.connection.execute("SET vacuum_cost_delay = '2ms'")
        self.connection.execute("SET vacuum_cost_limit = 200")
        started = time.monotonic()
        while not self.stop.wait(self.naptime_s):
            for name, reltuples, dead, inserted, modified in self.connection.execute(
                STATS
            ).fetchall():
                vacuum, analyze = due(reltuples, dead, inserted, modified)
                if not (vacuum or analyze):
                    continue
                what = (
                    "VACUUM (ANALYZE)" if vacuum and analyze else "VACUUM" if vacuum else "ANALYZE"
                )
                began = time.monotonic()
                self.connection.execute(f'{what} "{name}"')  # a name read from the catalogue
                self.runs.append(
                    {
                        "at_s": round(began - started),
                        "table": name,
                        "what": what,
                        "seconds": round(time.monotonic() - began, 1),
                    }
                )

    def close(self) -> None:
        self.stop.set()
        if self.is_alive():
            self.join(600)
        if self.connection is not None:
            self.connection.close()

    def summary(self) -> dict[str, Any]:
        return {"server_autovacuum": "off" if self.needed else "on", "stand_in_runs": self.runs}
