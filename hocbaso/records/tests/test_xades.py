"""XAdES-BES signatures over the page XML: sign with a DEMO seal, verify, reject every change
after signing and any certificate outside the trust roots; xmlsec1 agrees independently."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from hocbaso.records.tests.samples import sample_snapshot
from hocbaso.records.xades import DS_NS, XadesError, sign_xml, verify_xml
from hocbaso.records.xml_record import InvalidRecordXml, parse_xml, to_xml
from hocbaso.signing.demo_pki import IssuedCertificate, create_ca, issue_seal

# Fixed validity 2024-12-31 .. 2034: valid both on the tests' frozen calendar and for xmlsec1,
# which checks against the real clock.
ISSUED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SCHOOL = "Trường Tiểu học Đô Vinh"


def _pki(key_type: str) -> tuple[IssuedCertificate, IssuedCertificate]:
    ca = create_ca(now=ISSUED, key_type=key_type)  # type: ignore[arg-type]
    seal = issue_seal(ca, school_name=SCHOOL, now=ISSUED, days=3650, key_type=key_type)  # type: ignore[arg-type]
    return ca, seal


@pytest.fixture(scope="module")
def rsa_pki() -> tuple[IssuedCertificate, IssuedCertificate]:
    return _pki("rsa")


@pytest.fixture(scope="module")
def page() -> bytes:
    return to_xml(sample_snapshot())


def _sign(page: bytes, seal: IssuedCertificate) -> bytes:
    return sign_xml(page, key=seal.private_key, certificate=seal.certificate, chain=seal.chain)


@pytest.fixture(scope="module")
def signed(page: bytes, rsa_pki: tuple[IssuedCertificate, IssuedCertificate]) -> bytes:
    return _sign(page, rsa_pki[1])


def _without_signature(signed: bytes) -> bytes:
    root = etree.fromstring(signed)
    for sig in root.findall(f"{{{DS_NS}}}Signature"):
        root.remove(sig)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_signed_page_verifies_and_names_the_seal(page: bytes, key_type: str) -> None:
    ca, seal = _pki(key_type)
    signed = _sign(page, seal)
    result = verify_xml(signed, trust_roots_pem=ca.cert_pem())
    assert result.valid, result.problems
    assert result.problems == ()
    assert result.signer_common_name == SCHOOL
    assert len(etree.fromstring(signed).findall(f"{{{DS_NS}}}Signature")) == 1
    assert b"xades:SignedProperties" in signed
    assert b"http://www.w3.org/2006/12/xml-c14n11" in signed  # default c14n 1.1
    assert b"http://www.w3.org/2001/04/xmlenc#sha256" in signed


def test_signature_keeps_the_page_content(page: bytes, signed: bytes, rsa_pki) -> None:
    result = verify_xml(signed, trust_roots_pem=rsa_pki[0].cert_pem())
    # What the signature covers is exactly the unsigned canonical page, byte for byte.
    assert result.signed_xml == page
    assert parse_xml(result.signed_xml) == sample_snapshot()
    assert parse_xml(_without_signature(signed)) == parse_xml(page)
    assert etree.tostring(etree.fromstring(_without_signature(signed)), method="c14n2") == (
        etree.tostring(etree.fromstring(page), method="c14n2")
    )


def _change_level(signed: bytes) -> bytes:
    assert b"<mucdat>T</mucdat>" in signed
    return signed.replace(b"<mucdat>T</mucdat>", b"<mucdat>H</mucdat>", 1)


def _change_name(signed: bytes) -> bytes:
    assert "Lê Minh An".encode() in signed
    return signed.replace("Lê Minh An".encode(), "Lê Minh Ân".encode())


def _wrap(signed: bytes) -> bytes:
    body = signed.split(b"?>", 1)[1]
    return b'<?xml version="1.0" encoding="UTF-8"?><goi>' + body + b"</goi>"


def _wrap_in_page(signed: bytes) -> bytes:
    """A new page around the signed one: the outer root is <hocba>, the signature is nested."""
    body = signed.split(b"?>", 1)[1]
    return b'<?xml version="1.0" encoding="UTF-8"?><hocba xmlns="urn:hocbaso:hocba:1">' + (
        body + b"</hocba>"
    )


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_change_level, "đã bị thay đổi sau khi ký"),
        (_change_name, "đã bị thay đổi sau khi ký"),
        (_without_signature, "không có chữ ký số"),
        (_wrap, "phần tử gốc phải là <hocba>"),
        (_wrap_in_page, "không nằm ngay trong phần tử <hocba>"),
    ],
    ids=["level", "name", "no-signature", "wrapped", "wrapped-in-page"],
)
def test_any_change_after_signing_is_rejected(signed: bytes, rsa_pki, tamper, expected) -> None:
    result = verify_xml(tamper(signed), trust_roots_pem=rsa_pki[0].cert_pem())
    assert not result.valid
    assert result.signed_xml == b""
    assert result.signer_common_name == ""
    assert any(expected in problem for problem in result.problems), result.problems


def test_certificate_outside_the_trust_roots_is_rejected(signed: bytes) -> None:
    other_ca = create_ca(now=ISSUED)
    result = verify_xml(signed, trust_roots_pem=other_ca.cert_pem())
    assert not result.valid
    assert "không thuộc chuỗi tin cậy" in result.problems[0]


def test_swapped_certificate_is_rejected(page: bytes, rsa_pki) -> None:
    """A key that is not the certified one: KeyInfo names a trusted seal, another key signed."""
    ca, seal = rsa_pki
    impostor = issue_seal(ca, school_name="Trường giả", now=ISSUED, days=3650)
    forged = sign_xml(page, key=impostor.private_key, certificate=seal.certificate)
    result = verify_xml(forged, trust_roots_pem=ca.cert_pem())
    assert not result.valid


def test_hostile_or_broken_input_is_reported_not_raised(rsa_pki) -> None:
    roots = rsa_pki[0].cert_pem()
    entity = (
        b'<?xml version="1.0"?><!DOCTYPE hocba [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<hocba xmlns="urn:hocbaso:hocba:1">&x;</hocba>'
    )
    assert "DTD" in verify_xml(entity, trust_roots_pem=roots).problems[0]
    assert not verify_xml(b"<hocba", trust_roots_pem=roots).valid
    assert not verify_xml(b"", trust_roots_pem=roots).valid
    assert not verify_xml(b"<x/>", trust_roots_pem=b"not a pem").valid


def test_sign_refuses_invalid_or_signed_documents(page: bytes, signed: bytes, rsa_pki) -> None:
    seal = rsa_pki[1]
    with pytest.raises(InvalidRecordXml):
        sign_xml(b"<x/>", key=seal.private_key, certificate=seal.certificate)
    with pytest.raises((XadesError, InvalidRecordXml)):
        _sign(signed, seal)


# ---- independent check with xmlsec1 ----------------------------------------------------------


@pytest.mark.skipif(
    shutil.which("xmlsec1") is None, reason="xmlsec1 not installed (apt-get install xmlsec1)"
)
def test_xmlsec1_verifies_independently(signed: bytes, rsa_pki, tmp_path: Path) -> None:
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(rsa_pki[0].cert_pem())
    good, bad = tmp_path / "signed.xml", tmp_path / "tampered.xml"
    good.write_bytes(signed)
    bad.write_bytes(_change_level(signed))

    def xmlsec1(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["xmlsec1", "--verify", "--trusted-pem", str(ca_pem), str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    ok = xmlsec1(good)
    assert ok.returncode == 0, ok.stderr
    assert xmlsec1(bad).returncode != 0
