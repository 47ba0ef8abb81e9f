"""Settings for bench_parent_results: the benchmark settings plus a bare page
(bench/bench_parent_urls.py); gunicorn serves bench.bench_urls_wsgi with these settings."""

from __future__ import annotations

from bench.bench_settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_parent_urls"
