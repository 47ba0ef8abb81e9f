"""people/totp.py against the test vectors of RFC 4226 (Appendix D) and RFC 6238 (Appendix B)."""

from __future__ import annotations

import pytest

from hocbaso.people.totp import (
    from_base32,
    hotp,
    matching_step,
    new_secret,
    provisioning_uri,
    to_base32,
    totp,
)

SEED_SHA1 = b"12345678901234567890"
SEED_SHA256 = b"12345678901234567890123456789012"
SEED_SHA512 = b"1234567890123456789012345678901234567890123456789012345678901234"


@pytest.mark.parametrize(
    ("counter", "expected"),
    [
        (0, "755224"), (1, "287082"), (2, "359152"), (3, "969429"), (4, "338314"),
        (5, "254676"), (6, "287922"), (7, "162583"), (8, "399871"), (9, "520489"),
    ],
)  # fmt: skip
def test_hotp_matches_rfc_4226(counter: int, expected: str) -> None:
    assert hotp(SEED_SHA1, counter) == expected


@pytest.mark.parametrize(
    ("at", "sha1", "sha256", "sha512"),
    [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ],
)
def test_totp_matches_rfc_6238(at: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp(SEED_SHA1, at, digits=8) == sha1
    assert totp(SEED_SHA256, at, digits=8, digest="sha256") == sha256
    assert totp(SEED_SHA512, at, digits=8, digest="sha512") == sha512


def test_a_code_of_the_previous_current_or_next_step_matches_and_no_other() -> None:
    key = SEED_SHA1
    at = 1111111111.0  # step 37037037
    step = 37037037
    assert matching_step(key, hotp(key, step - 1), at, last_used_step=None) == step - 1
    assert matching_step(key, hotp(key, step), at, last_used_step=None) == step
    assert matching_step(key, hotp(key, step + 1), at, last_used_step=None) == step + 1
    assert matching_step(key, hotp(key, step - 2), at, last_used_step=None) is None
    assert matching_step(key, hotp(key, step + 2), at, last_used_step=None) is None


def test_a_used_step_and_the_steps_before_it_are_refused() -> None:
    key = SEED_SHA1
    at = 1111111111.0
    step = 37037037
    assert matching_step(key, hotp(key, step), at, last_used_step=step) is None
    assert matching_step(key, hotp(key, step - 1), at, last_used_step=step) is None
    assert matching_step(key, hotp(key, step + 1), at, last_used_step=step) == step + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_never_match(code: str) -> None:
    assert matching_step(SEED_SHA1, code, 59.0, last_used_step=None) is None


def test_spaces_inside_a_code_are_ignored() -> None:
    code = hotp(SEED_SHA1, 1)
    assert matching_step(SEED_SHA1, f"{code[:3]} {code[3:]}", 59.0, last_used_step=None) == 1


def test_secrets_are_160_random_bits_and_round_trip_through_base32() -> None:
    first, second = new_secret(), new_secret()
    assert len(first) == 20
    assert first != second
    assert from_base32(to_base32(first)) == first
    assert from_base32(to_base32(first).lower()) == first


def test_the_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = provisioning_uri(b"\x00" * 20, account="hieutruong", issuer="Học bạ số")
    assert uri == (
        "otpauth://totp/H%E1%BB%8Dc%20b%E1%BA%A1%20s%E1%BB%91%3Ahieutruong"
        "?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=H%E1%BB%8Dc%20b%E1%BA%A1%20s%E1%BB%91"
        "&algorithm=SHA1&digits=6"
    )
