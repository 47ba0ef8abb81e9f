from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from hocbaso.signing import _fast_hex

CASES = [
    b"<>",
    b"<48656c6c6f>",
    b"<48656C6C6F>",
    b"<4 8 6\n5\r6c\t6c 6f>",
    b"<486>",  # odd: a trailing 0 is implied
    b"<FEFF00480069>",  # UTF-16 text string
    b"<48 % a comment\n65>",
    b"<" + b"ab" * 40000 + b">",
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_same_result_and_position_as_pyhanko(data: bytes) -> None:
    tail = b" /Next 1"
    ours, theirs = BytesIO(data + tail), BytesIO(data + tail)
    assert _fast_hex.read_hex_string(ours) == _fast_hex._original(theirs)
    assert ours.tell() == theirs.tell() == len(data)


@pytest.mark.parametrize("data", [b"<48zz>", b"<4865"])
def test_same_errors_as_pyhanko(data: bytes) -> None:
    with pytest.raises(PdfStreamError):
        _fast_hex._original(BytesIO(data))
    with pytest.raises(PdfStreamError):
        _fast_hex.read_hex_string(BytesIO(data))


def test_installed() -> None:
    import hocbaso.signing.pades  # noqa: F401

    assert generic.read_hex_string_from_stream is _fast_hex.read_hex_string
