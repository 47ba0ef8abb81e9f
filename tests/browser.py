"""Real Chromium for browser tests (Playwright driving Debian's `chromium`).

Without the browser the tests are skipped, and reported as skipped; CI sets
HOCBASO_REQUIRE_BROWSER=1 so that a missing browser fails instead.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Log in through the forms, the second step included: a user who must enrol reads the
    secret off the enrolment page (as an authenticator app would from the QR code) and goes on
    from the recovery codes; an enrolled user types the app's current code."""
    from hocbaso.people.models import User  # noqa: PLC0415 - Django is set up by now
    from hocbaso.people.testing import next_code  # noqa: PLC0415
    from hocbaso.people.totp import from_base32, totp  # noqa: PLC0415

    page.goto(f"{base_url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/xac-thuc-hai-buoc/dang-ky/" in page.url:
        secret = from_base32(page.inner_text("[data-testid=totp-secret]"))
        page.fill("#id_code", totp(secret, time.time()))
        page.click("[data-testid=mfa-enrol] button[type=submit]")
        page.click("[data-testid=mfa-continue]")
    elif "/xac-thuc-hai-buoc/" in page.url:
        page.fill("#id_code", next_code(User.objects.get(username=username)))
        page.click("[data-testid=mfa-verify] button[type=submit]")
    page.wait_for_url(f"{base_url}/")
