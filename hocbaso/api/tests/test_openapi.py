"""The OpenAPI document: the committed docs/api/openapi.json is exactly what /api/v1/openapi.json
serves (regenerate with `python manage.py export_openapi`), and every operation declares the
error answers it can give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from hocbaso.api.openapi_document import committed_path, render

pytestmark = pytest.mark.django_db


def _served() -> dict[str, object]:
    response = Client().get("/api/v1/openapi.json")
    assert (response.status_code, response["Content-Type"]) == (
        200,
        "application/json",
    )
    document: dict[str, object] = json.loads(response.content)
    return document


def test_the_committed_document_is_the_served_one() -> None:
    committed = committed_path().read_text(encoding="utf-8")
    assert render(_served()) == committed, "run: python manage.py export_openapi"


def test_export_openapi_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    call_command("export_openapi", out=out)
    assert out.read_text(encoding="utf-8") == committed_path().read_text(encoding="utf-8")
    call_command("export_openapi", out=out, check=True)
    out.write_text(out.read_text(encoding="utf-8").replace('"version": "1"', '"version": "0"'))
    with pytest.raises(CommandError, match="export_openapi"):
        call_command("export_openapi", out=out, check=True)


def test_every_operation_declares_its_errors() -> None:
    document = _served()
    assert (document["openapi"], document["info"]) == (
        "3.1.0",
        {
            "title": "Học bạ số — API",
            "version": "1",
            "description": document["info"]["description"],  # type: ignore[index]
        },
    )
    missing = []
    for path, methods in document["paths"].items():  # type: ignore[attr-defined]
        for method, operation in methods.items():
            codes = set(operation["responses"])
            expected = {"422"} | ({"404"} if "{" in path else set())
            if operation["operationId"] != "create_token":
                expected |= {"401"}
                if operation.get("security") != [{"BearerToken": []}]:
                    missing.append(f"{method} {path}: no bearer security")
            if not expected <= codes:
                missing.append(f"{method} {path}: {sorted(expected - codes)}")
    assert missing == []
