"""`manage.py check --deploy --fail-level WARNING` passes with production settings
(security.md G1), run in a subprocess with a production-like environment: fresh random keys,
no secret committed. Each setting that production refuses is refused."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOCBASO_", "SECURE_", "SESSION_", "STAFF_", "CSRF_"))
        and k not in ("DEBUG", "SECRET_KEY", "FIELD_HASH_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
        # the browser tests set it in this process (Playwright's sync API under pytest); a
        # production process never has it, and Django's deploy check rightly refuses it
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hocbaso.config.settings",
            "DEBUG": "0",
            "SECRET_KEY_FILE": str(key_file),
            "FIELD_HASH_KEY": secrets.token_urlsafe(32),
            "HOCBASO_MFA_KEY": secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": "hocbaso.example.gov.vn",
            "DATABASE_URL": "postgres://hocbaso@db.invalid:5432/hocbaso",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "HOCBASO_TRUSTED_PROXY_COUNT": "1",
            "HOCBASO_VAR_DIR": str(tmp_path / "var"),
        }
    )
    env.update(overrides)
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    result = _check(_production_env(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (1 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECURE_HSTS_SECONDS": "3600"}, "hocbaso.W002"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"HOCBASO_HTTPS": "0"}, "security.W012"),
        ({"DATABASE_URL": ""}, "hocbaso.W001"),
        ({"STAFF_IDLE_TIMEOUT_SECONDS": "7200"}, "hocbaso.W006"),
    ],
)
def test_check_deploy_fails_on_a_weakened_setting(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    result = _check(_production_env(tmp_path, **overrides))
    assert result.returncode == 1
    assert message in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"HOCBASO_DEMO_MFA_WAIVER": "1"}, "HOCBASO_DEMO_MFA_WAIVER must not be on in production"),
        ({"HOCBASO_DEMO_PKI": "1"}, "HOCBASO_DEMO_PKI must not be on in production"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set when DEBUG is off"),
        ({"HOCBASO_MFA_KEY": ""}, "HOCBASO_MFA_KEY must be set when DEBUG is off"),
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "SECURE_PROXY_SSL_HEADER must be"),
    ],
)
def test_production_refuses_to_start_with(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    env = _production_env(tmp_path, **overrides)
    if overrides.get("HOCBASO_MFA_KEY") == "":
        del env["HOCBASO_MFA_KEY"]
    result = _check(env)
    assert result.returncode == 1
    assert message in result.stderr


def test_env_example_documents_every_setting_read_from_the_environment() -> None:
    import re

    settings_source = (ROOT / "hocbaso" / "config" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_(?:str|bool|int|list|secret)\(\s*"([A-Z0-9_]+)"', settings_source))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z0-9_]+?)(?:_FILE)?=", example, flags=re.MULTILINE))
    assert read - documented == set()
