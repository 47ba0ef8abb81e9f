"""Real Chromium for browser tests (Playwright driving Debian's `chromium`).

Without the browser the tests are skipped, and reported as skipped; CI sets
HOCBASO_REQUIRE_BROWSER=1 so that a missing browser fails instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("HOCBASO_CHROMIUM", "/usr/bin/chromium")
# Chromium as root needs --no-sandbox; the rest keeps it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("HOCBASO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} (install Debian's chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser test not run")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # (reading the database back) are synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when a browser exists

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
