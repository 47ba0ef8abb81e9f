"""Error bodies: `{"detail": <Vietnamese>, "code": ...}` for every failure, never a traceback
or Django's HTML page; nothing cached."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.api.resources import me
from hocbaso.api.tests.fixtures import ApiClient, client_for
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Không tìm thấy.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/api/v1/khong-co", "/api/v2/children", "/api/"])
def test_an_unknown_api_path_is_the_json_404(world: World, path: str) -> None:
    response = Client().get(path)
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/json",
        NOT_FOUND,
    )


def test_invalid_parameters_are_a_vietnamese_422(world: World) -> None:
    response = client_for(world.user("homeroom_4a")).get(
        "/api/v1/classes/0/pupils", limit="101", offset="-1"
    )
    assert (response.status_code, response.json()) == (
        422,
        {
            "detail": "Dữ liệu gửi lên không hợp lệ.",
            "code": "invalid",
            "errors": [
                {"field": "path.class_id", "message": "Giá trị nhỏ hơn mức cho phép (1)."},
                {"field": "query.limit", "message": "Giá trị lớn hơn mức cho phép (100)."},
                {"field": "query.offset", "message": "Giá trị nhỏ hơn mức cho phép (0)."},
            ],
        },
    )


def test_a_body_that_is_not_json_is_a_400(world: World) -> None:
    response = Client().post("/api/v1/auth/token", "{khong", content_type="application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Nội dung gửi lên không phải JSON hợp lệ.", "code": "invalid_json"},
    )


def test_a_missing_field_is_named(world: World) -> None:
    response = ApiClient(None).post("/api/v1/auth/token", {"username": "parent_a"})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [{"field": "body.password", "message": "Thiếu giá trị bắt buộc."}],
    )


def test_a_crash_is_a_json_500_without_a_traceback(
    world: World, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    # given DEBUG on (django-ninja would answer a traceback) and a failing dependency
    settings.DEBUG = True  # type: ignore[attr-defined]

    def explode(user: object) -> None:
        raise RuntimeError("bí mật nội bộ")

    monkeypatch.setattr(me, "scope_for", explode)
    response = client_for(world.user("parent_a")).get("/api/v1/me")
    assert (response.status_code, response.json()) == (
        500,
        {
            "detail": "Lỗi máy chủ. Hãy thử lại sau; nếu vẫn lỗi, hãy báo cho nhà trường.",
            "code": "server_error",
        },
    )
    assert b"Traceback" not in response.content
    assert "bí mật".encode() not in response.content


def test_answers_are_not_cached(world: World) -> None:
    client = client_for(world.user("parent_a"))
    for path in ("/api/v1/children", f"/api/v1/children/{world.pupil_a.pk}", "/api/v1/x"):
        assert client.get(path)["Cache-Control"] == "no-store", path
    assert ApiClient(None).get("/api/v1/me")["Cache-Control"] == "no-store"
