"""The canonical XML of a year page (docs/record-xml.md) and its schema, hocba-1.xsd.

`to_xml` is deterministic: the same snapshot always gives the same bytes (elements in the
contract's order, attributes in the given order, no whitespace between elements, empty elements
as ``<x/>``, UTF-8, the one fixed declaration). `parse_xml` reads such a document back into the
snapshot it came from. Untrusted input never reaches a parser that resolves entities, loads a
DTD or touches the network: defusedxml refuses any DTD or entity first, then lxml (entities
off, network off) parses it for the schema check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from functools import cache
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree

from hocbaso.records.snapshot import (
    AwardRow,
    IssuingUnit,
    PupilIdentity,
    RatedRow,
    RecordSnapshot,
    UnitRow,
    clean_text,
)

NS = "urn:hocbaso:hocba:1"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "hocba-1.xsd"
_Q = f"{{{NS}}}"


class InvalidRecordXml(ValueError):
    """The bytes are not a valid học bạ XML document; ``errors`` says where and why."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("XML học bạ không hợp lệ (lược đồ hocba-1.xsd): " + "; ".join(errors))


# ---- writing ------------------------------------------------------------------------------------


def _text(value: str | int | bool | dt.date | None) -> str | None:
    """An element's text in canonical form; None for an empty element."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = clean_text(str(value))
    return text or None


def _add(
    parent: Any,
    tag: str,
    value: str | int | bool | dt.date | None = None,
    attrs: tuple[tuple[str, str], ...] = (),
) -> Any:
    element = etree.SubElement(parent, _Q + tag)
    for name, attr in attrs:
        element.set(name, clean_text(attr))
    element.text = _text(value)
    return element


def _unit(parent: Any, unit: IssuingUnit) -> None:
    donvi = _add(parent, "donvi")
    _add(donvi, "matinh", unit.province_code)
    _add(donvi, "tentinh", unit.province_name)
    _add(donvi, "tenso", unit.department_name)
    _add(donvi, "tenxa", unit.commune_name)
    _add(donvi, "matruong", unit.school_code)
    _add(donvi, "tentruong", unit.school_name)
    _add(donvi, "diadanhphathanh", unit.place_of_issue)


def _pupil(parent: Any, pupil: PupilIdentity) -> None:
    hocsinh = _add(parent, "hocsinh")
    _add(hocsinh, "sodinhdanhcanhan", pupil.personal_id)
    _add(hocsinh, "mahocsinh", pupil.moet_code)
    _add(hocsinh, "hovaten", pupil.full_name)
    _add(hocsinh, "gioitinh", pupil.gender)
    _add(hocsinh, "ngaysinh", pupil.birth_date)
    _add(hocsinh, "dantoc", pupil.ethnicity)
    _add(hocsinh, "quoctich", pupil.nationality)
    _add(hocsinh, "noisinh", pupil.birth_place)
    _add(hocsinh, "quequan", pupil.hometown)
    _add(hocsinh, "noiohiennay", pupil.current_address)
    _add(hocsinh, "hotencha", pupil.father_name)
    _add(hocsinh, "hotenme", pupil.mother_name)
    _add(hocsinh, "nguoigiamho", pupil.guardian_name)


def _rated(parent: Any, tag: str, rows: tuple[RatedRow, ...]) -> None:
    group = _add(parent, tag)
    for row in rows:
        muc = _add(group, "muc", attrs=(("ma", row.code),))
        _add(muc, "ten", row.name)
        _add(muc, "mucdat", row.level)
        _add(muc, "nhanxet", row.comment)


def to_xml(snapshot: RecordSnapshot) -> bytes:
    """The canonical bytes of ``snapshot`` (docs/record-xml.md)."""
    s = snapshot
    root = etree.Element(_Q + "hocba", nsmap={None: NS})
    root.set("phienbanmau", clean_text(s.form_version))
    _add(root, "madinhdanhhocba", s.record_code)
    _add(root, "phienban", s.version)
    _add(root, "ngaylap", s.issued_on)
    _add(root, "chedodanhgia", s.regime)
    _unit(root, s.unit)
    _pupil(root, s.pupil)
    _add(root, "namhoc", s.school_year)
    _add(root, "khoi", s.grade)
    _add(root, "lop", s.class_name)
    monhoc = _add(root, "monhoc")
    for row in s.subjects:
        mon = _add(monhoc, "mon", attrs=(("ma", row.code),))
        _add(mon, "ten", row.name)
        _add(mon, "mucdat", row.level)
        _add(mon, "diemktdk", row.score)
        _add(mon, "nhanxet", row.comment)
    _rated(root, "phamchat", s.qualities)
    _rated(root, "nanglucchung", s.general_competencies)
    _rated(root, "nanglucdacthu", s.specific_competencies)
    _add(root, "ketquagiaoduc", s.result_name, (("ma", s.result_code),))
    khenthuong = _add(root, "khenthuong")
    for award in s.awards:
        _add(khenthuong, "khen", award.text, (("loai", award.kind),))
    _add(root, "hoanthanhchuongtrinh", s.completion, (("dat", _text(s.completed) or ""),))
    _add(root, "lenlop", s.promoted)
    _add(root, "danhgiabosung", s.supplementary)
    _add(root, "giaovienchunhiem", s.homeroom_teacher)
    _add(root, "hieutruong", s.principal_name, (("chucvu", s.principal_title),))
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return DECLARATION + body


def sha256_of(data: bytes) -> str:
    """The hex SHA-256 of the exact bytes stored and embedded."""
    return hashlib.sha256(data).hexdigest()


# ---- reading and validating ---------------------------------------------------------------------


def _parse(data: bytes) -> Any:
    """The document's root element, refusing any DTD, entity or external reference."""
    if not isinstance(data, bytes):
        raise InvalidRecordXml(["dữ liệu phải là bytes"])
    try:
        defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidRecordXml(
            [f"tài liệu có DTD, thực thể hoặc tham chiếu ngoài ({exc})"]
        ) from None
    except Exception as exc:  # noqa: BLE001 - expat's ParseError and friends
        raise InvalidRecordXml([f"không đọc được XML: {exc}"]) from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidRecordXml([f"không đọc được XML: {exc}"]) from None


_schema_lock = threading.Lock()


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _validate_root(root: Any) -> None:
    with _schema_lock:  # an lxml validator is not meant to be used by two threads at once
        schema = _schema()
        if schema.validate(root):
            return
        errors = [f"dòng {e.line}: {e.message.replace(_Q, '')}" for e in schema.error_log]
    raise InvalidRecordXml(errors or ["không đúng lược đồ"])


def validate_xml(data: bytes) -> None:
    """Check ``data`` against hocba-1.xsd; InvalidRecordXml listing every error otherwise."""
    _validate_root(_parse(data))


def _child(element: Any, tag: str) -> Any:
    found = element.find(_Q + tag)
    if found is None:  # pragma: no cover - the schema guarantees it
        raise InvalidRecordXml([f"thiếu phần tử <{tag}>"])
    return found


def _str(element: Any, tag: str) -> str:
    return _child(element, tag).text or ""


def _rated_rows(root: Any, tag: str) -> tuple[RatedRow, ...]:
    return tuple(
        RatedRow(muc.get("ma"), _str(muc, "ten"), _str(muc, "mucdat"), _str(muc, "nhanxet"))
        for muc in _child(root, tag).iterfind(_Q + "muc")
    )


_BOOLEAN = {"true": True, "false": False}


def parse_xml(data: bytes) -> RecordSnapshot:
    """The snapshot ``data`` was made from; InvalidRecordXml when it is not a valid document."""
    root = _parse(data)
    _validate_root(root)
    donvi, hocsinh = _child(root, "donvi"), _child(root, "hocsinh")
    result = _child(root, "ketquagiaoduc")
    completion = _child(root, "hoanthanhchuongtrinh")
    principal = _child(root, "hieutruong")
    promoted = _str(root, "lenlop")
    return RecordSnapshot(
        record_code=_str(root, "madinhdanhhocba"),
        version=int(_str(root, "phienban")),
        issued_on=dt.date.fromisoformat(_str(root, "ngaylap")),
        regime=_str(root, "chedodanhgia"),
        unit=IssuingUnit(
            province_code=_str(donvi, "matinh"),
            province_name=_str(donvi, "tentinh"),
            department_name=_str(donvi, "tenso"),
            commune_name=_str(donvi, "tenxa"),
            school_code=_str(donvi, "matruong"),
            school_name=_str(donvi, "tentruong"),
            place_of_issue=_str(donvi, "diadanhphathanh"),
        ),
        pupil=PupilIdentity(
            personal_id=_str(hocsinh, "sodinhdanhcanhan"),
            moet_code=_str(hocsinh, "mahocsinh"),
            full_name=_str(hocsinh, "hovaten"),
            gender=_str(hocsinh, "gioitinh"),
            birth_date=dt.date.fromisoformat(_str(hocsinh, "ngaysinh")),
            ethnicity=_str(hocsinh, "dantoc"),
            nationality=_str(hocsinh, "quoctich"),
            birth_place=_str(hocsinh, "noisinh"),
            hometown=_str(hocsinh, "quequan"),
            current_address=_str(hocsinh, "noiohiennay"),
            father_name=_str(hocsinh, "hotencha"),
            mother_name=_str(hocsinh, "hotenme"),
            guardian_name=_str(hocsinh, "nguoigiamho"),
        ),
        school_year=_str(root, "namhoc"),
        grade=int(_str(root, "khoi")),
        class_name=_str(root, "lop"),
        subjects=tuple(
            UnitRow(
                mon.get("ma"),
                _str(mon, "ten"),
                _str(mon, "mucdat"),
                int(score) if (score := _str(mon, "diemktdk")) else None,
                _str(mon, "nhanxet"),
            )
            for mon in _child(root, "monhoc").iterfind(_Q + "mon")
        ),
        qualities=_rated_rows(root, "phamchat"),
        general_competencies=_rated_rows(root, "nanglucchung"),
        specific_competencies=_rated_rows(root, "nanglucdacthu"),
        result_code=result.get("ma"),
        result_name=result.text or "",
        awards=tuple(
            AwardRow(khen.get("loai"), khen.text or "")
            for khen in _child(root, "khenthuong").iterfind(_Q + "khen")
        ),
        completed=_BOOLEAN[completion.get("dat")],
        completion=completion.text or "",
        promoted=_BOOLEAN.get(promoted),
        supplementary=_str(root, "danhgiabosung"),
        homeroom_teacher=_str(root, "giaovienchunhiem"),
        principal_name=principal.text or "",
        principal_title=principal.get("chucvu"),
        form_version=root.get("phienbanmau"),
    )
