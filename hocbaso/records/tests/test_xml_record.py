"""The canonical XML of a year page: deterministic bytes, NFC text, round trip, and the schema
hocba-1.xsd accepting what `to_xml` writes and rejecting broken documents (docs/record-xml.md)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from hocbaso.records.snapshot import PupilIdentity, RecordSnapshot, UnitRow
from hocbaso.records.tests.samples import nfd, sample_snapshot, snapshots
from hocbaso.records.xml_record import (
    DECLARATION,
    InvalidRecordXml,
    parse_xml,
    sha256_of,
    to_xml,
    validate_xml,
)

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _nfd_everywhere(snapshot: RecordSnapshot) -> RecordSnapshot:
    """The same snapshot with every Vietnamese text decomposed (as some keyboards send it).

    Built with object.__new__ so that the dataclasses' normalisation is bypassed: `to_xml`
    must normalise on its own too."""
    pupil = object.__new__(PupilIdentity)
    for name, value in vars(snapshot.pupil).items():
        object.__setattr__(pupil, name, nfd(value) if isinstance(value, str) else value)
    row = object.__new__(UnitRow)
    for name, value in vars(snapshot.subjects[0]).items():
        object.__setattr__(row, name, nfd(value) if isinstance(value, str) else value)
    return replace(snapshot, pupil=pupil, subjects=(row, *snapshot.subjects[1:]))


def test_the_sample_serialises_to_the_contract_layout() -> None:
    # given the sample snapshot
    data = to_xml(sample_snapshot())
    # then the declaration, namespace, order, empty elements and escaping are canonical
    assert data.startswith(
        DECLARATION + b'<hocba xmlns="urn:hocbaso:hocba:1" phienbanmau="1">'
        b"<madinhdanhhocba>HB-58-TH-DV-12-2026-2027</madinhdanhhocba><phienban>1</phienban>"
        b"<ngaylap>2027-05-28</ngaylap><chedodanhgia>TT27</chedodanhgia><donvi><matinh>58"
    )
    text = data.decode("utf-8")
    assert "<mahocsinh/>" in text
    assert (
        '<mon ma="tieng_viet"><ten>Tiếng Việt</ten><mucdat>T</mucdat><diemktdk>9</diemktdk>'
        "<nhanxet>Đọc to, rõ ràng &amp; &lt;diễn cảm&gt;.</nhanxet></mon>"
    ) in text
    assert (
        '<mon ma="dao_duc"><ten>Đạo đức</ten><mucdat>H</mucdat><diemktdk/><nhanxet/></mon>' in text
    )
    assert '<ketquagiaoduc ma="HTT">Hoàn thành tốt</ketquagiaoduc>' in text
    assert '<khen loai="dot_xuat">Giải Nhì hội khỏe Phù Đổng cấp xã</khen>' in text
    assert (
        '<hoanthanhchuongtrinh dat="true">Hoàn thành chương trình lớp 4</hoanthanhchuongtrinh>'
        in text
    )
    assert "<lenlop>true</lenlop><danhgiabosung/>" in text
    assert text.endswith('<hieutruong chucvu="Hiệu trưởng">Trần Văn Bình</hieutruong></hocba>')
    assert "\n" not in text
    assert "> <" not in text
    validate_xml(data)


def test_the_same_snapshot_always_gives_the_same_bytes_and_hash() -> None:
    first, second = to_xml(sample_snapshot()), to_xml(sample_snapshot())
    assert first == second
    assert sha256_of(first) == hashlib.sha256(second).hexdigest()


def test_decomposed_input_serialises_as_nfc() -> None:
    # given the sample with its pupil's texts in NFD (bypassing the dataclass normalisation)
    decomposed = _nfd_everywhere(sample_snapshot())
    assert decomposed.pupil.full_name != "Lê Minh An"
    # when
    data = to_xml(decomposed)
    # then the bytes are those of the NFC snapshot
    assert data == to_xml(sample_snapshot())
    assert "Lê Minh An".encode() in data


def test_the_dataclasses_normalise_their_text() -> None:
    snapshot = sample_snapshot(class_name=nfd("  4A Đặc biệt \r\n"), supplementary="\x00\x0b ")
    assert snapshot.class_name == "4A Đặc biệt"
    assert snapshot.supplementary == ""
    assert sample_snapshot(homeroom_teacher=nfd("Nguyễn Thị Hoa")) == sample_snapshot()


def test_parse_gives_back_the_snapshot() -> None:
    snapshot = sample_snapshot(promoted=None, supplementary="Đánh giá bổ sung: Hoàn thành")
    assert parse_xml(to_xml(snapshot)) == snapshot


@SETTINGS
@given(snapshots())
def test_any_valid_snapshot_round_trips_and_validates(snapshot: RecordSnapshot) -> None:
    data = to_xml(snapshot)
    validate_xml(data)
    assert to_xml(snapshot) == data
    assert parse_xml(data) == snapshot
    assert to_xml(parse_xml(data)) == data


# ---- the schema ---------------------------------------------------------------------------------


def _broken(old: bytes, new: bytes) -> bytes:
    data = to_xml(sample_snapshot())
    assert data.count(old) == 1, old
    return data.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(b"<lop>4A</lop>", b"", "monhoc", id="missing element"),
        pytest.param(
            b"<mucdat>T</mucdat><diemktdk>9",
            b"<mucdat>X</mucdat><diemktdk>9",
            "mucdat",
            id="bad unit level",
        ),
        pytest.param(
            b"<mucdat>H</mucdat>", b"<mucdat>\xc4\x90</mucdat>", "mucdat", id="Đ on a unit"
        ),
        pytest.param(
            b"<sodinhdanhcanhan>058216000123<",
            b"<sodinhdanhcanhan>05821600012<",
            "sodinhdanhcanhan",
            id="11-digit ID",
        ),
        pytest.param(
            b"<diemktdk>9</diemktdk>", b"<diemktdk>9.5</diemktdk>", "diemktdk", id="decimal score"
        ),
        pytest.param(
            b"<diemktdk>9</diemktdk>", b"<diemktdk>11</diemktdk>", "diemktdk", id="score above 10"
        ),
        pytest.param(b'ma="HTT"', b'ma="XS"', "ketquagiaoduc", id="bad result code"),
        pytest.param(
            b"<ngaylap>2027-05-28<", b"<ngaylap>28/05/2027<", "ngaylap", id="non-ISO date"
        ),
        pytest.param(
            b"<khoi>4</khoi><lop>4A</lop>", b"<lop>4A</lop><khoi>4</khoi>", "khoi", id="order"
        ),
        pytest.param(
            b"<hovaten>L\xc3\xaa Minh An</hovaten>", b"<hovaten/>", "hovaten", id="empty name"
        ),
    ],
)
def test_a_broken_document_fails_with_a_clear_message(
    old: bytes, new: bytes, expected: str
) -> None:
    with pytest.raises(InvalidRecordXml) as caught:
        validate_xml(_broken(old, new))
    message = str(caught.value)
    assert message.startswith("XML học bạ không hợp lệ (lược đồ hocba-1.xsd): dòng 1:")
    assert expected in message
    assert "{urn:hocbaso:hocba:1}" not in message


def test_a_missing_quality_row_fails() -> None:
    snapshot = sample_snapshot()
    short = replace(snapshot, qualities=snapshot.qualities[:4])
    with pytest.raises(InvalidRecordXml, match="muc"):
        validate_xml(to_xml(short))


def test_entities_and_doctypes_are_refused_before_any_parsing() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE hocba [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<hocba xmlns="urn:hocbaso:hocba:1" phienbanmau="1">&x;</hocba>'
    )
    with pytest.raises(InvalidRecordXml, match="DTD"):
        parse_xml(evil)
    with pytest.raises(InvalidRecordXml, match="không đọc được XML"):
        validate_xml(b"<hocba")
