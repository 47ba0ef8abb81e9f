from __future__ import annotations

from hocbaso.config import settings as project_settings


def test_passwords_are_hashed_with_argon2() -> None:
    assert (
        project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_staff_sessions_are_short() -> None:
    assert project_settings.STAFF_IDLE_TIMEOUT_SECONDS == 30 * 60
    assert project_settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_vietnamese_is_the_default_language() -> None:
    assert project_settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in project_settings.LANGUAGES] == ["vi", "en"]
