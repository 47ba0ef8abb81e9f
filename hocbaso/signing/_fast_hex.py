"""A faster reader for PDF hex strings, installed into pyHanko.

pyHanko 0.38 reads a hex string one character at a time through two generators. A signature's
``/Contents`` is a hex string of 2 × ``bytes_reserved`` characters, and pyHanko reads the
certification signature's while applying each later signature and every signature's while
verifying: at 24,576 characters each, that was about a third of the CPU of an approval
signature and of a verification (measured, bench/bench_sign.py).

`read_hex_string` reads the string in one slice up to the closing ``>``; whenever the slice
holds anything but hex digits and PDF whitespace (a comment, a stray byte) it seeks back and
hands over to pyHanko's own reader, so results and errors are exactly pyHanko's.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from pyhanko.pdf_utils import generic

_original = generic.read_hex_string_from_stream
_CHUNK = 65536
_WHITESPACE = re.compile(rb"[\x00\t\n\x0c\r ]+")
_HEX_ONLY = re.compile(rb"[0-9a-fA-F]*")


def read_hex_string(stream: Any) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening "<"
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            stream.seek(start)
            return _original(stream)
        end = chunk.find(b">")
        if end < 0:
            parts.append(chunk)
            continue
        parts.append(chunk[:end])
        stream.seek(end + 1 - len(chunk), 1)  # just past the ">"
        break
    digits = _WHITESPACE.sub(b"", b"".join(parts))
    if not _HEX_ONLY.fullmatch(digits):
        stream.seek(start)
        return _original(stream)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string
