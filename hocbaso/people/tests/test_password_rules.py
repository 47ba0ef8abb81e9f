"""Password rules speak Vietnamese (Django's Vietnamese catalogue misses the minimum-length
message: people/password_rules.py), and English when English is chosen."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from hocbaso.people.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "vietnamese", "english"),
    [
        ("ab1", "Mật khẩu quá ngắn: cần ít nhất 8 kí tự.", "at least 8 characters"),
        ("password", "Mật khẩu này quá phổ biến.", "too common"),
        ("8265019374", "Mật khẩu này hoàn toàn là số.", "entirely numeric"),
        ("nguyenvanphuhuynh", "Mật khẩu quá giống với", "too similar"),
    ],
)
def test_each_rule_refuses_in_the_chosen_language(
    password: str, vietnamese: str, english: str
) -> None:
    user = User(username="nguyenvanphuhuynh", full_name="Nguyễn Văn Phụ Huynh")
    for language, expected in (("vi", vietnamese), ("en", english)):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            validate_password(password, user)
        assert any(expected in m for m in refused.value.messages), refused.value.messages
        assert not any("This password" in m for m in refused.value.messages if language == "vi")


def test_a_good_password_passes() -> None:
    validate_password("hoc-ba-so-an-toan-2026", User(username="ph_0912345678"))
