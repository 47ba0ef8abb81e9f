"""The exchange XML (`urn:hocbaso:trao-doi:1`, schema `exchange/schema/trao-doi-1.xsd`).

Deterministic like the record XML (docs/record-xml.md): UTF-8 with the one fixed declaration,
every text NFC and stripped (`records.snapshot.clean_text`), elements in schema order and always
present (empty when there is no value), attributes in a fixed order, no whitespace between
elements, rows in a stable order. No creation time in the document: the same data always give
the same bytes. Names follow `dictionary.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from hocbaso.exchange.exports.rows import (
    ExportScope,
    Mark,
    PupilRow,
    RecordRow,
    ResultRow,
    YearEndRow,
)
from hocbaso.records.snapshot import clean_text

NS = "urn:hocbaso:trao-doi:1"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "trao-doi-1.xsd"
_Q = f"{{{NS}}}"
KIND_NAMES = {"pupils": "hocsinh", "results": "ketqua", "records": "hocba"}


def _text(value: str | int | dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_text(str(value)) or None


def _add(
    parent: Any,
    tag: str,
    value: str | int | dt.date | dt.datetime | None = None,
    attrs: Sequence[tuple[str, str]] = (),
) -> Any:
    element = etree.SubElement(parent, _Q + tag)
    for name, attr in attrs:
        element.set(name, clean_text(attr))
    element.text = _text(value)
    return element


def _flag(value: bool | None) -> str:
    return "" if value is None else str(int(value))


def _pupil(parent: Any, row: PupilRow) -> None:
    e = _add(parent, "hocsinh")
    for tag, value in (
        ("matruong", row.school_code), ("malop", row.class_name), ("makhoi", row.grade),
        ("mahocsinh", row.moet_code), ("sodinhdanhcanhan", row.personal_id),
        ("hovaten", row.full_name), ("ngaysinh", row.birth_date), ("gioitinh", row.gender),
    ):  # fmt: skip
        _add(e, tag, value)
    _add(e, "dantoc", row.ethnicity, [("ma", row.ethnicity_code)])
    _add(e, "quoctich", row.nationality, [("ma", row.nationality_code)])
    for tag, value in (
        ("noisinh", row.birth_place), ("quequan", row.hometown),
        ("noiohiennay", row.current_address), ("hotencha", row.father_name),
        ("hotenme", row.mother_name), ("hotennguoigiamho", row.guardian_name),
        ("doituongchinhsach", row.policy_group), ("sodangbo", row.register_number),
        ("ngaynhaphoc", row.enrolled_on),
    ):  # fmt: skip
        _add(e, tag, value)


def _marks(parent: Any, tag: str, marks: tuple[Mark, ...]) -> None:
    for mark in marks:
        attrs = [("ma", mark.code), ("mucdat", mark.level)]
        if mark.score is not None:
            attrs.append(("diemktdk", str(mark.score)))
        _add(parent, tag, None, attrs)


def _year_end(parent: Any, row: YearEndRow) -> None:
    _add(
        parent,
        "cuoinam",
        None,
        [
            ("ketQuaGiaoDuc", row.result),
            ("hthanhCtrinhLhoc", _flag(row.completed_grade)),
            ("hoanThanhChuongTrinhTieuHoc", _flag(row.completed_primary)),
            ("lenLop", _flag(row.promoted)),
            ("maDanhHieu", row.award),
        ],
    )


def _result(parent: Any, row: ResultRow, year: str) -> None:
    e = _add(parent, "ketquahocsinh")
    _add(e, "matruong", row.school_code)
    _add(e, "malop", row.class_name)
    _add(e, "makhoi", row.grade)
    _add(e, "maHocSinh", row.moet_code)
    _add(e, "hovaten", row.full_name)
    _add(e, "ngaysinh", row.birth_date)
    for period in row.periods:
        p = _add(
            e,
            "kydanhgia",
            None,
            [("ma", period.period), ("namHoc", year), ("hocKy", period.semester),
             ("giaiDoan", period.stage)],
        )  # fmt: skip
        _marks(p, "mon", period.subjects)
        _marks(p, "phamchat", period.qualities)
        _marks(p, "nangluc", period.competencies)
    if row.year_end is not None:
        _year_end(e, row.year_end)


def _record(parent: Any, row: RecordRow) -> None:
    e = _add(parent, "hocba")
    for tag, value in (
        ("madinhdanhhocba", row.record_code), ("phienban", row.version),
        ("trangthaithongtinhocba", row.status), ("bam_sha256", row.xml_sha256),
        ("bampdf_sha256", row.pdf_sha256), ("ngayphathanh", row.issued_on),
        ("matruong", row.school_code), ("malop", row.class_name), ("makhoi", row.grade),
        ("mahocsinh", row.moet_code), ("hovaten", row.full_name),
    ):  # fmt: skip
        _add(e, tag, value)
    for signer in row.signers:
        _add(e, "nguoiki", signer.name, [("buoc", signer.step), ("chucvu", signer.title),
                                          ("thoidiem", _text(signer.at) or "")])  # fmt: skip


def to_xml(kind: str, scope: ExportScope, rows: Sequence[Any]) -> bytes:
    root = etree.Element(_Q + "goidulieu", nsmap={None: NS})
    for name, value in (
        ("phienbanhopdong", "1"), ("loai", KIND_NAMES[kind]), ("phamvi", scope.level),
        ("ma", scope.code), ("namHoc", scope.year.code),
    ):  # fmt: skip
        root.set(name, clean_text(value))
    for row in rows:
        if kind == "pupils":
            _pupil(root, row)
        elif kind == "results":
            _result(root, row, scope.year.code)
        else:
            _record(root, row)
    return DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def schema_errors(data: bytes) -> list[str]:
    """Problems of ``data`` against trao-doi-1.xsd (empty when valid). Our own output only:
    the parser resolves no entities and touches no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    schema = _schema()
    if schema.validate(root):
        return []
    return [f"{e.line}: {e.message}" for e in schema.error_log]
