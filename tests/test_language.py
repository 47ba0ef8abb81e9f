from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_vietnamese() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/dang-nhap/")
    assert response["Content-Language"] == "vi"
    assert "Đăng nhập Học bạ số" in response.content.decode()


def test_choosing_english_switches_the_interface() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/dang-nhap/"}, follow=True)
    assert response["Content-Language"] == "en"
    assert "Log in to Digital school record" in response.content.decode()
