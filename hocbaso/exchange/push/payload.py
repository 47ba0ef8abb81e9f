"""The wire format of pushes to national systems — PROVISIONAL (docs/exchange.md).

The ministry's connection specification is not public (spec §13.1). This module is the only
place that knows the format: the paths, the headers, the JSON bodies, how a receipt is read
and how the receiver's answers map to outcomes. The client (`client.py`) only moves bytes; the
stand-in (`standin.py`) validates with `validate_body`. When the official specification
arrives, replace this module (and its test of the documented examples) and nothing else.

Both bodies are JSON (UTF-8, keys sorted, no spaces: the same job always sends the same
bytes), named after the national data dictionary where a name is known (spec §8).

- ``warehouse`` (Kho học bạ số, POST ``/v1/hocba``): one issued version of a year page — the
  canonical XML (base64) with its SHA-256, and the sealed PDF (PDF/A-3 with the XML attached,
  PAdES signatures of the homeroom teacher, principal and school seal) with its SHA-256.
- ``vneid`` (education data towards VNeID, POST ``/v1/trinhdohocvan`` at the Sở's gateway):
  personal ID, name, birth date, sex and the grade-completion facts of that version; no
  assessment detail.

Answers: 200/201 ``{"matiepnhan": "…"}`` received; 409 with the same ``matiepnhan`` =
already received (a retry of something delivered: success); 408, 425, 429 and 5xx are
transient (``Retry-After`` honoured); anything else refuses the item (the job stops and the
Sở may queue it again after fixing the cause).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from hocbaso.records.xml_record import InvalidRecordXml, validate_xml

CONTRACT = "hocbaso-exchange/1-provisional"
IDEMPOTENCY_HEADER = "Idempotency-Key"
CONTENT_TYPE = "application/json"
PATHS = {"warehouse": "/v1/hocba", "vneid": "/v1/trinhdohocvan"}
RECEIPT_FIELD = "matiepnhan"
TRANSIENT_STATUSES = frozenset({408, 425, 429})
MAX_BODY_BYTES = 8 * 1024 * 1024
PRIMARY_LEVEL_GROUP = "02"  # manhomcaphoc: 02 = tiểu học (spec §8)
QCVN_GENDER = {"Nam": 1, "Nữ": 2}  # QCVN 109:2017/BTTTT, 0 = unknown

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PERSONAL_ID = re.compile(r"^[0-9]{12}$")
_YEAR = re.compile(r"^[0-9]{4}-[0-9]{4}$")


@dataclass(frozen=True)
class PageData:
    """What a push needs of one issued page version (read by the runner, no wire names)."""

    record_code: str
    version: int
    replaces_version: int | None
    xml: bytes
    xml_sha256: str
    sealed_pdf: bytes
    sealed_pdf_sha256: str
    province_code: str
    school_code: str
    school_name: str
    school_year: str
    grade: int
    class_name: str
    issued_on: dt.date
    personal_id: str
    moet_code: str
    full_name: str
    gender: str
    birth_date: dt.date
    result_code: str
    completed: bool
    promoted: bool | None


def idempotency_key(target: str, record_code: str, version: int, xml_sha256: str) -> str:
    """The same for every attempt of a job, and for a job re-created after a restore."""
    digest = hashlib.sha256(f"{target}|{record_code}|{version}|{xml_sha256}".encode()).hexdigest()
    return f"hocbaso-{target}-{digest[:40]}"


def _file(data: bytes, sha256: str, media_type: str) -> dict[str, Any]:
    return {
        "bam_sha256": sha256,
        "kieutep": media_type,
        "noidung_base64": base64.b64encode(data).decode("ascii"),
    }


def _warehouse(page: PageData) -> dict[str, Any]:
    return {
        "hopdong": CONTRACT,
        "madinhdanhhocba": page.record_code,
        "phienban": page.version,
        "thaythephienban": page.replaces_version,
        "trangthaithongtinhocba": "phat_hanh",
        "manhomcaphoc": PRIMARY_LEVEL_GROUP,
        "masogd": page.province_code,
        "matruong": page.school_code,
        "namhoc": page.school_year,
        "makhoi": str(page.grade),
        "ngayphathanh": page.issued_on.isoformat(),
        "tepxml": _file(page.xml, page.xml_sha256, "application/xml"),
        "teppdf": _file(page.sealed_pdf, page.sealed_pdf_sha256, "application/pdf"),
    }


def _vneid(page: PageData) -> dict[str, Any]:
    return {
        "hopdong": CONTRACT,
        "sodinhdanhcanhan": page.personal_id,
        "mahocsinh": page.moet_code,
        "hovaten": page.full_name,
        "ngaysinh": page.birth_date.isoformat(),
        "gioitinh": QCVN_GENDER.get(page.gender, 0),
        "manhomcaphoc": PRIMARY_LEVEL_GROUP,
        "masogd": page.province_code,
        "matruong": page.school_code,
        "tentruong": page.school_name,
        "namhoc": page.school_year,
        "makhoi": str(page.grade),
        "ketquagiaoduc": page.result_code,
        "dahthanhctrinhlophoc": int(page.completed),
        "dahthanhctrinhtieuhoc": int(page.completed and page.grade == 5),
        "duoclenlop": None if page.promoted is None else int(page.promoted),
        "madinhdanhhocba": page.record_code,
        "phienban": page.version,
        "bam_sha256": page.xml_sha256,
        "ngaycapnhat": page.issued_on.isoformat(),
    }


BUILDERS = {"warehouse": _warehouse, "vneid": _vneid}


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def build_body(target: str, page: PageData) -> bytes:
    """The request body of ``target`` for ``page``: deterministic bytes."""
    return encode(BUILDERS[target](page))


def request_headers(key: str) -> dict[str, str]:
    """Headers of the contract (credentials are the client's business)."""
    return {
        "Content-Type": f"{CONTENT_TYPE}; charset=utf-8",
        "Accept": CONTENT_TYPE,
        IDEMPOTENCY_HEADER: key,
    }


# ---- answers ------------------------------------------------------------------------------


class Answer:
    DELIVERED = "delivered"
    ALREADY = "already"
    RETRY = "retry"
    REFUSED = "refused"


def read_receipt(body: bytes) -> str:
    """The receiver's id of the item, "" when the body carries none."""
    try:
        value = json.loads(body).get(RECEIPT_FIELD, "")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return ""
    return str(value)[:120] if isinstance(value, str | int) else ""


def read_error(body: bytes) -> str:
    """The receiver's error text (``{"loi": [{"truong", "thongbao"}]}``), bounded."""
    try:
        errors = json.loads(body).get("loi", [])
        text = "; ".join(f"{e.get('truong', '')}: {e.get('thongbao', '')}" for e in errors)
    except (ValueError, AttributeError, TypeError, UnicodeDecodeError):
        text = body[:200].decode("utf-8", "replace")
    return text[:500]


def classify(status: int, body: bytes) -> str:
    if status in (200, 201, 202):
        return Answer.DELIVERED if read_receipt(body) else Answer.RETRY
    if status == 409:
        return Answer.ALREADY if read_receipt(body) else Answer.REFUSED
    if status in TRANSIENT_STATUSES or status >= 500:
        return Answer.RETRY
    return Answer.REFUSED


# ---- validation (the stand-in; our own tests) -------------------------------------------------


def _check_file(body: dict[str, Any], name: str, errors: list[str]) -> bytes:
    item = body.get(name)
    if not isinstance(item, dict):
        errors.append(f"{name}: thiếu")
        return b""
    try:
        data = base64.b64decode(str(item.get("noidung_base64", "")), validate=True)
    except binascii.Error:
        errors.append(f"{name}.noidung_base64: không phải base64")
        return b""
    if not data:
        errors.append(f"{name}.noidung_base64: rỗng")
    if hashlib.sha256(data).hexdigest() != item.get("bam_sha256"):
        errors.append(f"{name}.bam_sha256: không khớp nội dung")
    return data


def _require(body: dict[str, Any], checks: dict[str, Any], errors: list[str]) -> None:
    for name, check in checks.items():
        if not check(body.get(name)):
            errors.append(f"{name}: thiếu hoặc sai kiểu")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _flag(value: Any) -> bool:
    return value in (0, 1) and not isinstance(value, bool)


COMMON = {
    "hopdong": lambda v: v == CONTRACT,
    "madinhdanhhocba": _text,
    "phienban": _positive,
    "masogd": _text,
    "matruong": _text,
    "namhoc": lambda v: isinstance(v, str) and bool(_YEAR.match(v)),
    "makhoi": lambda v: v in {"1", "2", "3", "4", "5"},
}
WAREHOUSE = {
    "thaythephienban": lambda v: v is None or _positive(v),
    "manhomcaphoc": lambda v: v == PRIMARY_LEVEL_GROUP,
    "ngayphathanh": _text,
}
VNEID = {
    "sodinhdanhcanhan": lambda v: isinstance(v, str) and bool(_PERSONAL_ID.match(v)),
    "hovaten": _text,
    "ngaysinh": _text,
    "gioitinh": lambda v: v in (0, 1, 2),
    "dahthanhctrinhlophoc": _flag,
    "dahthanhctrinhtieuhoc": _flag,
    "duoclenlop": lambda v: v is None or _flag(v),
    "bam_sha256": lambda v: isinstance(v, str) and bool(_SHA256.match(v)),
}


def validate_body(target: str, raw: bytes) -> tuple[dict[str, Any], list[str]]:
    """The decoded body and every problem found (empty when it follows the contract)."""
    if target not in PATHS:
        return {}, ["nơi nhận không tồn tại"]
    if len(raw) > MAX_BODY_BYTES:
        return {}, ["nội dung quá lớn"]
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}, ["không phải JSON UTF-8"]
    if not isinstance(body, dict):
        return {}, ["không phải đối tượng JSON"]
    errors: list[str] = []
    _require(body, COMMON, errors)
    if target == "warehouse":
        _require(body, WAREHOUSE, errors)
        xml = _check_file(body, "tepxml", errors)
        if xml:
            try:
                validate_xml(xml)
            except InvalidRecordXml:
                errors.append("tepxml: không phải XML học bạ hợp lệ (hocba-1.xsd)")
        pdf = _check_file(body, "teppdf", errors)
        if pdf and not pdf.startswith(b"%PDF-"):
            errors.append("teppdf: không phải tệp PDF")
    else:
        _require(body, VNEID, errors)
    return body, errors


def item_identity(target: str, body: dict[str, Any]) -> tuple[str, str, int]:
    """What the receiver keys an item on besides the idempotency key."""
    return target, str(body.get("madinhdanhhocba")), int(body.get("phienban") or 0)
