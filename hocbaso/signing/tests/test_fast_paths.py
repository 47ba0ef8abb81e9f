"""The performance replacements installed into pyHanko / asn1crypto change nothing but time.

Each `_fast_*` module is compared with the library code it replaces (both are importable: the
modules keep the originals and can be uninstalled), on edge cases and on real files: the signed
biên bản, the tamper corpus, a signed year page, tagged and untagged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.api import CAdESSignedAttrSpec, SignerAttrSpec
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from hocbaso.records import render
from hocbaso.signing import (
    _fast_certpaths,
    _fast_certs,
    _fast_cms,
    _fast_diff,
    _fast_names,
    _fast_objects,
    _fast_parse,
    _fast_rules,
)
from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf, title_attribute
from hocbaso.signing.tests.conftest import Pki, Signed
from hocbaso.signing.tests.test_pades import TAMPERS
from hocbaso.signing.verify_pdf import verify_pdf

MODULES = (
    _fast_cms,
    _fast_names,
    _fast_diff,
    _fast_parse,
    _fast_objects,
    _fast_certpaths,
    _fast_rules,
    _fast_certs,
)
SAMPLE = Path(__file__).resolve().parents[2] / "records" / "tests" / "data" / "sample_page.xml"


@pytest.fixture
def library_code() -> Iterator[None]:
    """pyHanko's and asn1crypto's own code for the duration of the test, then ours again."""
    for module in MODULES:
        module.uninstall()
    try:
        yield
    finally:
        for module in MODULES:
            module.install()


def _off_then_on(fn: Any) -> tuple[Any, Any]:
    for module in MODULES:
        module.uninstall()
    try:
        before = fn()
    finally:
        for module in MODULES:
            module.install()
    return before, fn()


@pytest.fixture(scope="module")
def year_pages(pki: Pki) -> dict[str, bytes]:
    """The sample year page signed three times with timestamps, tagged and untagged."""
    xml = SAMPLE.read_bytes()
    boxes = render.signature_boxes()
    fields = [
        SignatureFieldSpec("gvcn", page=-1, box=boxes["homeroom"].rect),
        SignatureFieldSpec("hieu_truong", page=-1, box=boxes["principal"].rect),
        SignatureFieldSpec("con_dau"),
    ]
    out = {}
    for label, tags in (("untagged", False), ("tagged", True)):
        saved = render.PDF_TAGS
        render.PDF_TAGS = tags
        try:
            pdf = render.render_page(xml, record_id="HB-1", verify_url="https://x.vn/HB-1")
        finally:
            render.PDF_TAGS = saved
        pdf = prepare_fields(pdf, fields)
        for index, who in enumerate((pki.teacher, pki.principal, pki.seal)):
            pdf = sign_pdf(
                pdf,
                field=fields[index].name,
                signer=pki.signer(who),
                certify=index == 0,
                title="Giáo viên chủ nhiệm",
                timestamper=pki.timestamper(),
            )
        out[label] = pdf
    return out


def _files(signed: Signed, year_pages: dict[str, bytes]) -> list[bytes]:
    return [
        signed.prepared,
        signed.after_teacher,
        signed.final,
        *[tamper(signed.final) for tamper in TAMPERS],
        *year_pages.values(),
    ]


# --- the verdict: identical reports, with and without the replacements --------------------


def test_verify_reports_are_identical(pki: Pki, signed: Signed, year_pages: dict[str, bytes]):
    for pdf in _files(signed, year_pages):
        before, after = _off_then_on(
            lambda pdf=pdf: verify_pdf(pdf, trust_roots=[pki.ca.certificate]).as_dict()
        )
        assert before == after
    assert verify_pdf(year_pages["tagged"], trust_roots=[pki.ca.certificate]).valid
    assert verify_pdf(year_pages["untagged"], trust_roots=[pki.ca.certificate]).valid


# --- _fast_cms ---------------------------------------------------------------------------


def test_cms_bytes_are_pyhankos(pki: Pki) -> None:
    """Without a timestamp the CMS is deterministic (PKCS#1 v1.5, no signing time in PAdES)."""
    signer = pki.signer(pki.principal)
    settings = PdfCMSSignedAttributes(
        cades_signed_attrs=CAdESSignedAttrSpec(
            signer_attributes=SignerAttrSpec(
                claimed_attrs=[title_attribute("Hiệu trưởng")], certified_attrs=[]
            )
        )
    )

    def cms() -> bytes:
        return bytes(
            asyncio.run(
                signer.async_sign(
                    b"\x01" * 32, "sha256", use_pades=True, signed_attr_settings=settings
                )
            ).dump()
        )

    before, after = _off_then_on(cms)
    assert before == after
    assert after == cms()  # the cached signing-certificate attribute gives the same bytes


# --- _fast_diff --------------------------------------------------------------------------


def _snapshot(obj: Any, depth: int = 0) -> Any:
    """An object as nested plain values, with the handler each container points to."""
    if isinstance(obj, generic.IndirectObject):
        return ("ref", obj.idnum, obj.generation, type(obj.reference.pdf).__name__)
    if isinstance(obj, generic.DictionaryObject):
        ref: Any = obj.container_ref
        items = sorted((k, _snapshot(v, depth + 1)) for k, v in obj.items())
        extra = (
            obj.encoded_data if isinstance(obj, generic.StreamObject) else None,
            type(obj).__name__,
        )
        return ("dict", items, extra, getattr(ref, "idnum", None), type(ref.pdf).__name__)
    if isinstance(obj, generic.ArrayObject):
        array_ref: Any = obj.container_ref
        return ("array", [_snapshot(v, depth + 1) for v in obj], array_ref.idnum)
    return (type(obj).__name__, obj, obj.container_ref is not None)


def test_path_maps_and_historical_objects_are_pyhankos(signed: Signed, year_pages):
    for pdf in _files(signed, year_pages):

        def analyse(pdf: bytes = pdf) -> list[Any]:
            try:
                reader = PdfFileReader(BytesIO(pdf), strict=False)
            except Exception as exc:  # noqa: BLE001 — the truncated file
                return [repr(exc)]
            result: list[Any] = []
            for revision in range(reader.xrefs.total_revisions):
                resolver = reader.get_historical_resolver(revision)
                try:
                    resolver._load_reverse_xref_cache()
                    paths: Any = resolver._indirect_object_access_cache
                except Exception as exc:  # noqa: BLE001 — the same failure either way
                    paths = repr(exc)
                refs = sorted(
                    reader.xrefs.explicit_refs_in_revision(revision),
                    key=lambda r: (r.idnum, r.generation),
                )
                objects = [_snapshot(resolver(ref)) for ref in refs]
                result.append((paths, objects))
            return result

        before, after = _off_then_on(analyse)
        assert before == after


def test_struct_tree_is_walked(year_pages: dict[str, bytes]) -> None:
    reader = PdfFileReader(BytesIO(year_pages["tagged"]), strict=False)
    assert "/StructTreeRoot" in reader.root
    resolver = reader.get_historical_resolver(reader.xrefs.total_revisions - 2)
    resolver._load_reverse_xref_cache()
    assert resolver._indirect_object_access_cache


# --- _fast_parse -------------------------------------------------------------------------

STREAMS = [
    b"   /Name",
    b"\x00\t\r\n\x0c x",
    b" " * 40 + b"x",
    b" " * 31 + b"%comment\n  y",
    b"%c\r\n%d\n z",
    b"",
    b"   ",
    b"x",
    b"  %unterminated",
]


def _run(fn: Any, data: bytes, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    stream = BytesIO(data)
    try:
        result: Any = fn(stream, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 — compare failures too
        result = (type(exc).__name__, str(exc))
    return result, stream.tell()


@pytest.mark.parametrize("data", STREAMS)
@pytest.mark.parametrize("seek_back", [False, True])
@pytest.mark.parametrize("allow_eof", [False, True])
def test_read_non_whitespace(data: bytes, seek_back: bool, allow_eof: bool) -> None:
    kwargs = {"seek_back": seek_back, "allow_eof": allow_eof}
    assert _run(_fast_parse.read_non_whitespace, data, **kwargs) == _run(
        _fast_parse.ORIGINAL_READ_NON_WHITESPACE, data, **kwargs
    )


@pytest.mark.parametrize(
    "data",
    [
        b"Type /Catalog",
        b"abc",
        b"",
        b"a" * 200 + b"]",
        b"a" * 64 + b" ",
        b"a" * 63 + b"(",
        b"true>>",
        b"x%y",
        b"\x00",
        "Tên".encode(),
    ],
)
def test_read_until_delimiter(data: bytes) -> None:
    assert _run(_fast_parse.read_until_delimiter, data) == _run(
        _fast_parse.ORIGINAL_READ_UNTIL_DELIMITER, data
    )


@pytest.mark.parametrize(
    "name",
    [
        b"Type",
        b"A;B_c-1.5",
        b"",
        b"With#20Space",
        b"Bad#2",
        b"Bad#zz",
        b"caf\xc3\xa9",
        b"lat\xe9",
        b"tab\tx",
        b"~!\"$&'*+,-.:;=?@^_`|",
    ],
)
def test_decode_name(name: bytes) -> None:
    def decode(fn: Any) -> Any:
        try:
            value = fn(name)
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__, str(exc)
        return type(value), str(value)

    assert decode(_fast_parse.decode_name) == decode(_fast_parse.ORIGINAL_DECODE_NAME)


def _array_snapshot(value: Any) -> Any:
    if isinstance(value, generic.ArrayObject):
        return ("array", [_array_snapshot(v) for v in value], value.container_ref)
    return (type(value).__name__, value, value.container_ref)


@pytest.mark.parametrize(
    "data",
    [
        b"[ 1 2 3 ]",
        b"[1 2.5 -3 +4 .5 -.25 6.]>>",
        b"[ 0 [ 500 ] 3 [ 250 333 ] 17[250]]/Next",
        b"[]",
        b"[ ]",
        b"[\n\r\t\x0c\x00 7 ]",
        b"[ 1 0 R ]",
        b"[ 1 0 R 2 ]",
        b"[ /Name 1 ]",
        b"[ (text) 1 ]",
        b"[ 1 %comment\n 2 ]",
        b"[1-2]",
        b"[ 1,5 ]",
        b"[ 1.2.3 ]",
        b"[ . ]",
        b"[ - ]",
        b"[ 1 2",
        b"[ 5 ] 0 R",
        b"[ true ]",
        b"[" + b" 1" * 5000 + b" ]",
    ],
)
def test_read_array(data: bytes) -> None:
    container = generic.Reference(7, 0)

    def parse(fn: Any) -> Any:
        stream = BytesIO(data)
        try:
            value = fn(stream, container)
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__, str(exc), stream.tell()
        return _array_snapshot(value), stream.tell()

    assert parse(_fast_parse.read_array) == parse(_fast_parse.ORIGINAL_READ_ARRAY)


def test_the_replacements_are_installed() -> None:
    assert misc.read_non_whitespace is _fast_parse.read_non_whitespace
    assert generic._decode_name is _fast_parse.decode_name
    assert generic.ArrayObject.read_from_stream is _fast_parse.read_array


# --- _fast_names -------------------------------------------------------------------------


def _name(value: str, kind: str = "utf8_string") -> asn1_x509.Name:
    return asn1_x509.Name.build({"common_name": value}, use_printable=kind == "printable")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (_name("Hoa"), _name("Hoa")),
        (_name("Hoa"), _name("Hoa", "printable")),  # other string type, same name
        (_name("Hoa  Nguyen"), _name("hoa nguyen")),  # case and spaces fold
        (_name("Hoa"), _name("Hòa")),
        (_name("Trường Tiểu học"), _name("Trường Tiểu học")),
        (_name("A"), asn1_x509.Name.build({"common_name": "A", "country_name": "VN"})),
    ],
)
def test_name_comparison_and_hashable(a: asn1_x509.Name, b: asn1_x509.Name, library_code) -> None:
    expected = (a == b, a.hashable, b.hashable)
    _fast_names.install()
    try:
        for _ in range(2):  # the second time from the cache
            assert (a == b, a.hashable, b.hashable) == expected
        assert (a != b) is not expected[0]
    finally:
        _fast_names.uninstall()
