"""The verification speed-ups of issue 5's last target (`_fast_objects`, `_fast_certpaths`,
`_fast_rules`, `_fast_certs`, the walk in `_fast_diff`): the same answers as pyHanko's code,
and tampered files rejected *through* them (the fast paths are shown to have been taken)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import BytesIO
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.sign.diff_analysis import policies
from pyhanko.sign.validation import generic_cms

from hocbaso.signing import _fast_certpaths, _fast_certs, _fast_objects, _fast_rules
from hocbaso.signing.ltv import ltv_validation_context, make_lta
from hocbaso.signing.revocation import issue_crl
from hocbaso.signing.revocation_status import RevocationData
from hocbaso.signing.tests.conftest import Pki, Signed
from hocbaso.signing.tests.test_fast_paths import _off_then_on
from hocbaso.signing.tests.test_pades import TAMPERS, tamper_remove_last_signature
from hocbaso.signing.verify_pdf import verify_pdf


@pytest.fixture(scope="module")
def sealed(pki: Pki, signed: Signed) -> bytes:
    """The three-signature file extended to PAdES B-LTA, as the seal step issues a record."""
    crl = RevocationData(crls=(issue_crl(pki.ca, [], now=dt.datetime.now(dt.UTC)),))
    context = ltv_validation_context([pki.ca.certificate], crl)
    return make_lta(signed.final, validation_context=context, timestamper=pki.timestamper())


class _Spy:
    """Counts how often each fast path answered by itself and how often it handed over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Counter[str] = Counter()
        self._wrap(monkeypatch, _fast_objects, "ORIGINAL_READ_DICTIONARY", "dictionary_fallback")
        self._wrap(monkeypatch, _fast_certpaths, "ORIGINAL", "path_validated")
        self._wrap(monkeypatch, _fast_rules, "ORIGINAL_FIND_ORPHANS", "orphans_searched")
        self._wrap(monkeypatch, _fast_rules, "ORIGINAL_WELL_FORMED", "xmp_parsed")
        self._wrap(monkeypatch, _fast_certs, "ORIGINAL", "extensions_decoded")
        self._wrap(monkeypatch, generic.DictionaryObject, "read_from_stream", "dictionary")
        self._wrap(monkeypatch, generic_cms, "find_valid_path", "path_asked")
        self._wrap(monkeypatch, policies, "_find_orphans", "orphans_asked")

    def _wrap(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        calls = self.calls
        if name == "find_valid_path" or (owner is _fast_certpaths and name == "ORIGINAL"):

            async def counted_async(*args: Any, **kwargs: Any) -> Any:
                calls[label] += 1
                return await original(*args, **kwargs)

            monkeypatch.setattr(owner, name, counted_async)
            return

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[label] += 1
            return original(*args, **kwargs)

        if owner is generic.DictionaryObject:
            monkeypatch.setattr(owner, name, staticmethod(counted))
        else:
            monkeypatch.setattr(owner, name, counted)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> _Spy:
    return _Spy(monkeypatch)


def test_the_sealed_record_verifies_through_the_fast_paths(
    pki: Pki, sealed: bytes, spy: _Spy
) -> None:
    report = verify_pdf(sealed, trust_roots=[pki.ca.certificate])
    assert report.valid, report.as_dict()
    assert report.pades_level == "B-LTA"
    calls = spy.calls
    assert calls["dictionary"] > 50
    assert calls["dictionary_fallback"] == 0  # every dictionary read by the fast reader
    assert calls["path_asked"] == 7  # 3 signatures, 3 timestamp tokens, 1 document timestamp
    assert calls["path_validated"] == 4  # the TSA's certificate validated once, not four times
    assert calls["orphans_asked"] == 6  # six comparisons of revisions…
    assert calls["orphans_searched"] == 3  # …over three later revisions
    assert calls["xmp_parsed"] == 4  # the XMP of revisions 2–5, once each (not 12 times)
    assert 0 < calls["extensions_decoded"] < 10


@pytest.mark.parametrize(
    "tamper",
    [t for t in TAMPERS if t is not tamper_remove_last_signature],
    ids=lambda f: f.__name__,
)
def test_a_tampered_sealed_record_is_rejected_through_the_fast_paths(
    tamper: Any, pki: Pki, sealed: bytes, spy: _Spy
) -> None:
    changed = tamper(sealed)
    assert changed != sealed
    report = verify_pdf(changed, trust_roots=[pki.ca.certificate])
    assert not report.valid, report.as_dict()
    if tamper.__name__ != "tamper_truncate":  # a truncated file stops at the xref
        assert spy.calls["dictionary"] > spy.calls["dictionary_fallback"]
        assert spy.calls["path_asked"] > spy.calls["path_validated"]


@pytest.mark.parametrize(
    "body",
    [
        b"<< /A 1 /B 2.5 /C -3 /D +4 /E .5 /F 6. >>",
        b"<< /Ref 12 0 R /Num 12 0 /Arr [1 0 R 2 0 R] >>",
        b"<< /Near 12 0 Rx >>",
        b"<< /Long 12        0      R >>",
        b"<< /W [ 0 [ 500 600 ] 3 [ 250 ] 9 ] /Box [0 0 595.27 841.89] /E [] >>",
        b"<< /S (plain) /T (esc \\( \\) \\\\ \\n \\r \\t \\b \\f \\101\\7\\0123) >>",
        b"<< /S (line \\\n continued \\\r\n too) >>",
        b"<< /S (bad \\9) >>",
        b"<< /S (\\376\\377\\000A\\036\\315) /T (0\\05615\\0561) /U (\\0123) >>",
        b"<< /S (\\058) /T (\\12x) /U (\\400) /V (a\\\\b\\tc\\r\\n\\b\\f) >>",
        b"<< /S (bad \\q) >>",
        b"<< /S (nested (paren) ) >>",
        b"<< /S (\xfe\xff\x00A\x00B) /H <FEFF0041> /O <414> /Sp < 41 42 > >>",
        b"<< /B true /F false /N null /T truex >>",
        b"<< /A 1 %comment\n /B 2 >>",
        b"<< /A 1 /A 2 >>",
        b"<< /Sub << /K /V >> /Sub2 << /K [ << /Deep 1 >> ] >> >>",
        b"<< /Sub << /K 1 >> stream\nxx\nendstream >>",
        b"<< /N#20ame 1 /Bad#zz 2 >>",
        b"<< / 1 >>",
        b"<< /N 1.2.3 >>",
        b"<< /N , >>",
        b"<< /N - >>",
        b"<< /V 1\x0b0 R >>",
        b"<< /A 1 > >>",
        b"<< /A 1 ",
        b"<< /Length 5 >>\nstream\nhello\nendstream",
        b"<< /Type /Metadata /Length 3 >>stream\r\nabc\r\nendstream",
        b"<< /Big (" + b"x" * 20000 + b") /After 1 >>",
        b"<< /Hex <" + b"ab" * 40000 + b"> >>",
        b"<< /K [" + b" 1" * 5000 + b" /N ] >>",
    ],
)
@pytest.mark.parametrize("metadata", [False, True])
def test_read_dictionary(body: bytes, metadata: bool) -> None:
    handler = _Handler()
    container = generic.Reference(7, 0, pdf=handler)

    def parse(fn: Any) -> Any:
        stream = BytesIO(body + b"\nendobj")
        try:
            value = fn(stream, container, as_metadata_stream=metadata)
        except Exception as exc:  # noqa: BLE001 — the same failure either way
            return type(exc).__name__, str(exc)
        return _snapshot(value), stream.tell()

    assert parse(_fast_objects.read_dictionary) == parse(_fast_objects.ORIGINAL_READ_DICTIONARY)


class _Handler:
    strict = False

    def get_object(self, ref: Any) -> Any:
        return generic.NumberObject(5)


def _snapshot(value: Any) -> Any:
    container = getattr(value, "container_ref", None)
    where = (container.idnum, container.generation) if container is not None else None
    if isinstance(value, generic.IndirectObject):
        return ("ref", value.idnum, value.generation, value.reference.pdf is not None, where)
    if isinstance(value, generic.DictionaryObject):
        return (
            type(value).__name__,
            [(type(k).__name__, str(k), k.container_ref, _snapshot(v)) for k, v in value.items()],
            getattr(value, "encoded_data", None),
            where,
        )
    if isinstance(value, generic.ArrayObject):
        return ("array", [_snapshot(v) for v in value], where)
    return (type(value).__name__, value, getattr(value, "autodetected_encoding", None), where)


def test_reports_are_identical_on_the_sealed_record_and_its_tampers(
    pki: Pki, sealed: bytes
) -> None:
    for pdf in [sealed, *[tamper(sealed) for tamper in TAMPERS]]:
        before, after = _off_then_on(
            lambda pdf=pdf: verify_pdf(pdf, trust_roots=[pki.ca.certificate]).as_dict()
        )
        assert before == after


def test_extensions_given_to_a_copy_are_the_decoded_ones(pki: Pki) -> None:
    from asn1crypto import x509 as asn1_x509

    from hocbaso.signing.signers import to_asn1

    der = to_asn1(pki.tsa.certificate).dump()
    fresh = asn1_x509.Certificate.load(der)
    expected = (fresh.key_usage_value, fresh.extended_key_usage_value, fresh.critical_extensions)
    with _fast_certs.scope():
        first = asn1_x509.Certificate.load(der)
        copy = asn1_x509.Certificate.load(der)
        values = [
            (c.key_usage_value, c.extended_key_usage_value, c.critical_extensions)
            for c in (first, copy)
        ]
    assert [(v[0].native, v[1].native, v[2]) for v in values] == [
        (expected[0].native, expected[1].native, expected[2])
    ] * 2
