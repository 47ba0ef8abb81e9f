"""The provisional wire format: deterministic bodies that the stand-in's validation accepts,
tampering refused, answers classified as documented (docs/exchange.md)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from hocbaso.exchange.push import payload
from hocbaso.exchange.push.actions import backoff_delay
from hocbaso.exchange.push.client import retry_after_seconds
from hocbaso.exchange.push.config import RetryPolicy
from hocbaso.records.tests.samples import sample_snapshot
from hocbaso.records.xml_record import sha256_of, to_xml

PDF = b"%PDF-1.7\n% sealed\n%%EOF\n"


def _page(**changes: object) -> payload.PageData:
    xml = to_xml(sample_snapshot())
    values: dict[str, object] = {
        "record_code": "HB-58-TH-DV-12-2026-2027", "version": 2, "replaces_version": 1,
        "xml": xml, "xml_sha256": sha256_of(xml), "sealed_pdf": PDF,
        "sealed_pdf_sha256": sha256_of(PDF), "province_code": "58", "school_code": "TH-DV",
        "school_name": "Trường Tiểu học Đô Vinh", "school_year": "2026-2027", "grade": 5,
        "class_name": "5B", "issued_on": dt.date(2027, 5, 28), "personal_id": "058216000123",
        "moet_code": "", "full_name": "Lê Minh An", "gender": "Nữ",
        "birth_date": dt.date(2016, 3, 15), "result_code": "HTT", "completed": True,
        "promoted": None,
    }  # fmt: skip
    values.update(changes)
    return payload.PageData(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["warehouse", "vneid"])
def test_bodies_are_deterministic_and_follow_the_contract(target: str) -> None:
    body = payload.build_body(target, _page())
    assert body == payload.build_body(target, _page())
    decoded, problems = payload.validate_body(target, body)
    assert problems == []
    assert decoded["hopdong"] == "hocbaso-exchange/1-provisional"


def test_the_warehouse_body_carries_the_xml_and_the_sealed_pdf() -> None:
    body = json.loads(payload.build_body("warehouse", _page()))
    assert base64.b64decode(body["tepxml"]["noidung_base64"]) == to_xml(sample_snapshot())
    assert body["teppdf"]["bam_sha256"] == sha256_of(PDF)
    assert (body["phienban"], body["thaythephienban"], body["manhomcaphoc"]) == (2, 1, "02")
    assert "sodinhdanhcanhan" not in body


def test_vneid_marks_primary_completion_in_grade_5() -> None:
    body = json.loads(payload.build_body("vneid", _page()))
    assert (body["gioitinh"], body["dahthanhctrinhtieuhoc"], body["duoclenlop"]) == (2, 1, None)


def test_a_tampered_or_incomplete_body_is_refused() -> None:
    body = json.loads(payload.build_body("warehouse", _page()))
    body["teppdf"]["noidung_base64"] = base64.b64encode(b"%PDF-1.7 changed").decode()
    del body["namhoc"]
    _decoded, problems = payload.validate_body("warehouse", json.dumps(body).encode())
    assert problems == ["namhoc: thiếu hoặc sai kiểu", "teppdf.bam_sha256: không khớp nội dung"]


@pytest.mark.parametrize(
    ("_case", "status", "body", "answer"),
    [
        ("created", 201, b'{"matiepnhan":"K-1"}', "delivered"),
        ("ok without receipt", 200, b"{}", "retry"),
        ("already received", 409, b'{"matiepnhan":"K-1"}', "already"),
        ("conflict without receipt", 409, b"{}", "refused"),
        ("rate limited", 429, b"", "retry"),
        ("server error", 502, b"", "retry"),
        ("bad request", 422, b'{"loi":[]}', "refused"),
        ("unauthorised", 401, b"", "refused"),
    ],
)
def test_answers_are_classified_as_documented(
    _case: str, status: int, body: bytes, answer: str
) -> None:
    assert payload.classify(status, body) == answer


def test_the_idempotency_key_depends_on_target_version_and_content() -> None:
    key = payload.idempotency_key("warehouse", "HB-1", 1, "a" * 64)
    assert key == payload.idempotency_key("warehouse", "HB-1", 1, "a" * 64)
    others = {
        payload.idempotency_key("vneid", "HB-1", 1, "a" * 64),
        payload.idempotency_key("warehouse", "HB-1", 2, "a" * 64),
        payload.idempotency_key("warehouse", "HB-1", 1, "b" * 64),
    }
    assert key not in others
    assert len(others) == 3


def test_backoff_doubles_with_jitter_honours_retry_after_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=8, first_delay=60, max_delay=3600)
    low = [backoff_delay(n, policy, uniform=lambda a, b: a) for n in (1, 2, 3, 8)]
    high = [backoff_delay(n, policy, uniform=lambda a, b: b) for n in (1, 2, 3, 8)]
    assert low == [30, 60, 120, 1800]
    assert high == [60, 120, 240, 3600]
    assert backoff_delay(1, policy, retry_after=600, uniform=lambda a, b: a) == 600
    assert backoff_delay(1, policy, retry_after=99999, uniform=lambda a, b: a) == 3600


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Wed, 21 Oct 2026 07:28:30 GMT", now=1792567700.0) == 10.0
    assert retry_after_seconds("soon") is None


def test_the_docs_list_every_dictionary_name() -> None:
    from pathlib import Path

    from hocbaso.exchange.exports.dictionary import PUPIL_FIELDS, RECORD_FIELDS, RESULT_FIELDS

    docs = (Path(__file__).resolve().parents[3] / "docs" / "exchange.md").read_text()
    missing = [
        f.name for f in PUPIL_FIELDS + RESULT_FIELDS + RECORD_FIELDS if f"`{f.name}`" not in docs
    ]
    assert missing == []


def test_the_warehouse_refuses_an_xml_that_is_not_a_record_page() -> None:
    other = b'<?xml version="1.0" encoding="UTF-8"?><hocba xmlns="urn:other"/>'
    page = _page(xml=other, xml_sha256=sha256_of(other))
    _decoded, problems = payload.validate_body("warehouse", payload.build_body("warehouse", page))
    assert problems == ["tepxml: không phải XML học bạ hợp lệ (hocba-1.xsd)"]
