"""Faster PDF tokenising for pyHanko's parser: same tokens, same stream positions, same errors.

pyHanko 0.38 reads PDF tokens one byte at a time through Python generators: skipping
whitespace before every token (`misc.read_non_whitespace`), reading a name or keyword up to the
next delimiter (`misc.read_until_delimiter`), and decoding a name byte by byte
(`generic._decode_name`). A signed year page holds ~70 objects with a few thousand tokens
(font width arrays, field and signature dictionaries), parsed again by every signature and by
every verification: about a quarter of a verification's CPU went there (bench/bench_sign.py,
profiled).

`install` puts chunked versions in their place, each with the original as its fallback:

* ``read_non_whitespace``: looks ahead up to 32 bytes for the first byte that is not PDF
  whitespace; if there is none in that window, or it opens a comment (``%``), it seeks back
  and lets pyHanko's function do the work (comments, end of stream, errors);
* ``read_until_delimiter``: reads 64-byte chunks up to the first whitespace or delimiter
  byte and leaves the stream on that byte (pyHanko reads it, then steps back one), or at the
  end of the stream;
* ``_decode_name``: a name made only of regular printable ASCII bytes without ``#`` escapes
  (0x21–0x7E minus ``#``, ``()<>[]{}/%``) decodes to itself, as pyHanko's loop would make it;
  any other name goes through pyHanko's loop (escapes, errors, UTF-8/Latin-1).

* ``ArrayObject.read_from_stream``: an array made only of numbers and nested arrays of
  numbers (the fonts' ``/W`` and ``/Widths``, ``/Rect``, ``/BBox``, ``/ByteRange``…), closed
  within 8 KiB, is split into the same tokens pyHanko would read (a number is a maximal run of
  ``+,-.`` and digits, ``.`` makes it a real) and built into the same objects, each with the
  container reference pyHanko gives it; an array holding anything else (a reference, a name,
  a string, a comment, a malformed number) goes through pyHanko's reader from its start.

hocbaso/signing/tests/test_fast_paths.py checks each against pyHanko's on edge cases, and
the objects of whole files (signed records, the tamper corpus) are the same with and without.
"""

from __future__ import annotations

import os
import re
from typing import Any

from pyhanko.pdf_utils import generic, misc

ORIGINAL_READ_NON_WHITESPACE = misc.read_non_whitespace
ORIGINAL_READ_UNTIL_DELIMITER = misc.read_until_delimiter
ORIGINAL_DECODE_NAME = generic._decode_name
_installed = False

_NON_WHITESPACE = re.compile(rb"[^ \n\r\t\f\x00]")
_DELIMITER = re.compile(rb"[ \n\r\t\f\x00()<>\[\]{}/%]")
_NAME_BYTES = bytes(b for b in range(0x21, 0x7F) if b not in b"#()<>[]{}/%")


def read_non_whitespace(stream: Any, seek_back: bool = False, allow_eof: bool = False) -> Any:
    start = stream.tell()
    window = stream.read(32)
    found = _NON_WHITESPACE.search(window)
    if found is None or window[found.start()] == 0x25:  # none in the window, or "%"
        stream.seek(start)
        return ORIGINAL_READ_NON_WHITESPACE(stream, seek_back=seek_back, allow_eof=allow_eof)
    at = found.start()
    stream.seek(start + at + (0 if seek_back else 1))
    return window[at : at + 1]


def read_until_delimiter(stream: Any) -> bytes:
    parts: list[bytes] = []
    while True:
        chunk = stream.read(64)
        if not chunk:
            return b"".join(parts)
        found = _DELIMITER.search(chunk)
        if found is None:
            parts.append(chunk)
            continue
        parts.append(chunk[: found.start()])
        stream.seek(found.start() - len(chunk), os.SEEK_CUR)
        return b"".join(parts)


def decode_name(name_bytes: bytes) -> generic.NameObject:
    if not name_bytes.translate(None, _NAME_BYTES):
        return generic.NameObject("/" + name_bytes.decode("ascii"))
    return ORIGINAL_DECODE_NAME(name_bytes)


ORIGINAL_READ_ARRAY = generic.ArrayObject.read_from_stream
_ARRAY_WINDOW = 8192
_ARRAY_TOKEN = re.compile(rb"[\x00\t\n\x0c\r ]+|\[|\]|[+,\-.0-9]+|.", re.DOTALL)
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def read_array(stream: Any, container_ref: Any, in_content_stream: Any = None) -> Any:
    start = stream.tell()
    window = stream.read(_ARRAY_WINDOW)
    parsed = _number_array(window, container_ref)
    if parsed is None:
        stream.seek(start)
        if in_content_stream is None:
            return ORIGINAL_READ_ARRAY(stream, container_ref)
        return ORIGINAL_READ_ARRAY(stream, container_ref, in_content_stream=in_content_stream)
    array, end = parsed
    stream.seek(start + end)
    return array


def _number_array(window: bytes, container_ref: Any) -> tuple[Any, int] | None:
    """The array of numbers at the start of ``window`` and where it ends, or None."""
    if window[:1] != b"[":
        return None
    stack = [generic.ArrayObject()]
    after_number = False
    for token in _ARRAY_TOKEN.finditer(window, 1):
        text = token.group()
        first = text[0]
        if first in b"\x00\t\n\x0c\r ":
            after_number = False
        elif text == b"[":
            inner = generic.ArrayObject()
            inner.container_ref = container_ref
            stack[-1].append(inner)
            stack.append(inner)
            after_number = False
        elif text == b"]":
            done = stack.pop()
            if not stack:
                return done, token.end()
            after_number = False
        elif first in b"+,-.0123456789":
            if after_number or not _NUMBER.fullmatch(text):
                return None  # two numbers glued together, or not a number pyHanko reads
            number: Any
            if b"." in text:
                number = generic.FloatObject(text.decode("ascii"))
            else:
                number = generic.NumberObject(text.decode("ascii"))
            number.container_ref = container_ref
            stack[-1].append(number)
            after_number = True
        else:
            return None
    return None  # not closed within the window


_PATCHES = (
    (misc, "read_non_whitespace", read_non_whitespace, ORIGINAL_READ_NON_WHITESPACE),
    (generic, "read_non_whitespace", read_non_whitespace, ORIGINAL_READ_NON_WHITESPACE),
    (misc, "read_until_delimiter", read_until_delimiter, ORIGINAL_READ_UNTIL_DELIMITER),
    (generic, "read_until_delimiter", read_until_delimiter, ORIGINAL_READ_UNTIL_DELIMITER),
    (generic, "_decode_name", decode_name, ORIGINAL_DECODE_NAME),
)


def install() -> None:
    global _installed
    if not _installed:
        for module, name, fast, _ in _PATCHES:
            setattr(module, name, fast)
        generic.ArrayObject.read_from_stream = staticmethod(read_array)  # type: ignore[method-assign]
        _installed = True


def uninstall() -> None:
    """Back to pyHanko's own functions (tests compare both)."""
    global _installed
    for module, name, _, original in _PATCHES:
        setattr(module, name, original)
    generic.ArrayObject.read_from_stream = staticmethod(ORIGINAL_READ_ARRAY)  # type: ignore[method-assign]
    _installed = False
