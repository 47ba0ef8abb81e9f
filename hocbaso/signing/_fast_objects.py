"""A faster reader for PDF dictionaries (and the objects inside them), installed into pyHanko.

Even with `_fast_parse`, pyHanko 0.38 reads a dictionary token by token through Python calls
that seek and read the stream a byte or a few at a time: parsing the ~90 objects a verification
of the sealed year page reads (its revisions, its signature dictionaries) was about a third of
the CPU of `verify_pdf` (bench/bench_sign.py, profiled).

`read_dictionary` replaces ``DictionaryObject.read_from_stream``. It reads a window of the
stream and splits the dictionary with one regular expression into the tokens pyHanko would
read, rule for rule:

* names: ``/`` and a maximal run of bytes that are neither PDF whitespace nor delimiters,
  decoded by `_fast_parse.decode_name` (pyHanko's ``_decode_name`` for any unusual name);
* a value starting with a digit is an indirect reference when pyHanko's own test matches
  (``INDIRECT_PATTERN`` on the next 20 bytes), otherwise a number; numbers are maximal runs of
  ``+,-.`` and digits, a real when there is a ``.`` — anything ``int``/``Decimal`` would refuse
  goes to pyHanko;
* ``true``, ``false``, ``null``; hex strings (hex digits and whitespace); literal strings
  without nested parentheses, their escapes decoded as pyHanko decodes them; both through
  pyHanko's ``pdf_string``;
* nested dictionaries and arrays, every value with the container reference pyHanko gives it
  (keys get none, as in pyHanko).

Anything else — a comment, a nested parenthesis, a duplicate key, a nested dictionary followed
by ``stream``, an unknown escape or byte, a dictionary not closed within the window (grown up
to 4 MiB), content-stream parsing — and the whole dictionary is read again by pyHanko's own
reader from its first byte, so its result or its error is pyHanko's. After a top-level
dictionary, the stream payload (if any) is read by pyHanko's own ``_maybe_read_stream_payload``
and the object built as pyHanko builds it.

hocbaso/signing/tests/test_fast_paths.py compares the objects of whole files (signed records,
the tamper corpus) and edge cases with pyHanko's reader.
"""

from __future__ import annotations

import binascii
import codecs
import re
from typing import Any

from pyhanko.pdf_utils import generic

from hocbaso.signing._fast_parse import decode_name

ORIGINAL_READ_DICTIONARY = generic.DictionaryObject.read_from_stream
_installed = False

_WINDOW = 8192
_MAX_WINDOW = 4 * 1024 * 1024
_WHITESPACE = re.compile(rb"[ \n\r\t\f\x00]*")
_TOKEN = re.compile(
    rb"[ \n\r\t\f\x00]*(?:"  # PDF whitespace, then one token
    rb"(?P<name>/[^ \n\r\t\f\x00()<>\[\]{}/%]*)"
    rb"|(?P<dopen><<)"
    rb"|(?P<dclose>>>)"
    rb"|(?P<hex><[0-9A-Fa-f \n\r\t\f\x00]*>)"
    rb"|(?P<aopen>\[)"
    rb"|(?P<aclose>\])"
    rb"|(?P<num>[+,\-.0-9]+)"
    rb"|(?P<str>\((?:[^()\\]|\\[\s\S])*\))"
    rb"|(?P<true>true)|(?P<false>false)|(?P<null>null))"
)
_REFERENCE = re.compile(rb"([0-9]+)[ \t\n\r\f]+([0-9]+)[ \t\n\r\f]+R")
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_WS = rb"[ \n\r\t\f\x00]"
_NUM = rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?![+,\-.0-9])"
_FLAT = rb"\[(?:" + _WS + rb"*" + _NUM + rb")*" + _WS + rb"*\]"
# an array of numbers and arrays of numbers (the fonts' /W, /Widths, /Rect, /BBox…)
_NUMBER_ARRAY = re.compile(
    rb"\[(?:" + _WS + rb"*(?:" + _NUM + rb"|" + _FLAT + rb"))*" + _WS + rb"*\]"
)
_NUMBER_ARRAY_PART = re.compile(rb"\[|\]|[+\-.0-9]+")
_HEX_WHITESPACE = re.compile(rb"[ \n\r\t\f\x00]+")
# escapes that Python's own escape decoder reads exactly as pyHanko does (UTF-16 text strings
# are written as 3-digit octal escapes: ~700 of them in a sealed year page)
_PLAIN_ESCAPES = re.compile(rb"(?:[^\\]|\\[0-3][0-7][0-7]|\\[nrtbf\\])*")
_ESCAPE = re.compile(rb"\\(?:([0-9]{1,3})|([\n\r])[\n\r]?|([\s\S]))")
_SIMPLE_ESCAPES = {
    **{c: bytes((c,)) for c in b"() /%<>[]#_&$\\"},
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("b"): b"\b",
    ord("f"): b"\f",
}


class _Unsupported(Exception):
    """Leave this dictionary to pyHanko."""


class _Incomplete(Exception):
    """The window ended inside the dictionary: read a larger one."""


def _unescape(match: re.Match[bytes]) -> bytes:
    octal, eol, other = match.groups()
    if octal is not None:
        value = int(octal, 8) if b"8" not in octal and b"9" not in octal else 256
        if value > 255:
            raise _Unsupported
        return bytes((value,))
    if eol is not None:
        return b""
    replacement = _SIMPLE_ESCAPES.get(other[0])
    if replacement is None:
        raise _Unsupported
    return replacement


class _Parser:
    def __init__(self, window: bytes, at_eof: bool, container_ref: Any, handler: Any) -> None:
        self.window = window
        self.at_eof = at_eof
        self.container_ref = container_ref
        self.handler = handler

    def skip(self, pos: int) -> int:
        end = _WHITESPACE.match(self.window, pos).end()  # type: ignore[union-attr]
        if end >= len(self.window) and not self.at_eof:
            raise _Incomplete
        return end

    def token(self, pos: int) -> re.Match[bytes]:
        """The whitespace from ``pos`` and the token after it (``match.lastgroup`` names it)."""
        window = self.window
        match = _TOKEN.match(window, pos)
        if match is None:
            start = self.skip(pos)
            if (
                not self.at_eof
                and (
                    len(window) - start < 8
                    or (window[start] == 0x28 and b")" not in window[start:])  # a string cut short
                    or (window[start] == 0x3C and b">" not in window[start:])  # a hex string
                )
            ):
                raise _Incomplete
            raise _Unsupported
        if match.end() >= len(window) and not self.at_eof:
            raise _Incomplete  # a name or number might go on
        return match

    def dictionary(self, pos: int, nested: bool) -> tuple[dict[Any, Any], int]:
        """The entries of the dictionary whose ``<<`` ends at ``pos``, and where it ends."""
        data: dict[Any, Any] = {}
        while True:
            match = self.token(pos)
            kind = match.lastgroup
            if kind == "dclose":
                pos = match.end()
                if nested:
                    # pyHanko looks for a stream payload after every dictionary
                    after = self.skip(pos)
                    if self.window[after : after + 1] in (b"s", b"%"):
                        raise _Unsupported
                return data, pos
            if kind != "name":
                raise _Unsupported
            key = decode_name(match.group(kind)[1:])
            if key in data:
                raise _Unsupported  # pyHanko warns or refuses
            data[key], pos = self.value(self.token(match.end()))

    def value(self, match: re.Match[bytes]) -> tuple[Any, int]:
        """The object whose first token is ``match``, and where it ends."""
        kind = match.lastgroup
        assert kind is not None
        end = match.end()
        result: Any
        if kind == "num":
            text = match.group(kind)
            if text[0] in b"0123456789":
                window = self.window
                pos = match.start(kind)
                if pos + 20 > len(window) and not self.at_eof:
                    raise _Incomplete
                if generic.INDIRECT_PATTERN.match(window, pos, pos + 20) is not None:
                    ref = _REFERENCE.match(window, pos)
                    if ref is None:
                        raise _Unsupported
                    idnum, generation = int(ref.group(1)), int(ref.group(2))
                    if idnum <= 0:
                        raise _Unsupported
                    result = generic.IndirectObject(idnum, generation, self.handler)
                    result.container_ref = self.container_ref
                    return result, ref.end()
            if not _NUMBER.fullmatch(text):
                raise _Unsupported
            ascii_text = text.decode("ascii")
            if b"." in text:
                result = generic.FloatObject(ascii_text)
            else:
                result = generic.NumberObject(ascii_text)
        elif kind == "name":
            result = decode_name(match.group(kind)[1:])
        elif kind == "dopen":
            data, end = self.dictionary(end, nested=True)
            result = generic.DictionaryObject(data)
        elif kind == "aopen":
            result, end = self.array(end)
        elif kind == "hex":
            digits = _HEX_WHITESPACE.sub(b"", match.group(kind)[1:-1])
            if len(digits) % 2:
                digits += b"0"
            result = generic.pdf_string(binascii.unhexlify(digits))
        elif kind == "str":
            raw = match.group(kind)[1:-1]
            if b"\\" in raw:
                if _PLAIN_ESCAPES.fullmatch(raw):  # 3-digit octal, \n \r \t \b \f \\ only
                    raw = codecs.escape_decode(raw)[0]
                else:
                    raw = _ESCAPE.sub(_unescape, raw)
            result = generic.pdf_string(raw)
        elif kind == "true":
            result = generic.BooleanObject(True)
        elif kind == "false":
            result = generic.BooleanObject(False)
        elif kind == "null":
            result = generic.NullObject()
        else:
            raise _Unsupported
        result.container_ref = self.container_ref
        return result, end

    def array(self, pos: int) -> tuple[Any, int]:
        numbers = _NUMBER_ARRAY.match(self.window, pos - 1)
        if numbers is not None and (numbers.end() < len(self.window) or self.at_eof):
            return self.number_array(numbers.group()), numbers.end()
        result = generic.ArrayObject()
        while True:
            match = self.token(pos)
            if match.lastgroup == "aclose":
                return result, match.end()
            item, pos = self.value(match)
            result.append(item)

    def number_array(self, text: bytes) -> Any:
        """The array of numbers ``text`` (checked by ``_NUMBER_ARRAY``) as pyHanko builds it."""
        container_ref = self.container_ref
        float_object, number_object = generic.FloatObject, generic.NumberObject
        outer = generic.ArrayObject()
        current = outer
        for part in _NUMBER_ARRAY_PART.findall(text, 1):
            if part == b"[":
                current = generic.ArrayObject()
                current.container_ref = container_ref
                outer.append(current)
            elif part == b"]":
                current = outer
            else:
                number = float_object(part.decode("ascii")) if b"." in part else number_object(part)
                number.container_ref = container_ref
                current.append(number)
        return outer


def read_dictionary(
    stream: Any,
    container_ref: Any,
    as_metadata_stream: bool = False,
    in_content_stream: Any = generic.ContentOpReading.NO,
) -> Any:
    """Replacement of ``DictionaryObject.read_from_stream`` (same result)."""

    def original() -> Any:
        stream.seek(start)
        return ORIGINAL_READ_DICTIONARY(
            stream,
            container_ref,
            as_metadata_stream=as_metadata_stream,
            in_content_stream=in_content_stream,
        )

    start = stream.tell()
    if in_content_stream:
        return original()
    handler = container_ref.get_pdf_handler()
    size = _WINDOW
    while True:
        window = stream.read(size)
        if window[:2] != b"<<":
            return original()
        parser = _Parser(window, len(window) < size, container_ref, handler)
        try:
            data, end = parser.dictionary(2, nested=False)
            break
        except _Incomplete:
            if size >= _MAX_WINDOW:
                return original()
            size *= 8
            stream.seek(start)
        except (_Unsupported, ValueError, ArithmeticError):
            return original()
        except Exception:  # noqa: BLE001 — whatever pyHanko would make of it
            return original()
    stream.seek(start + end)
    # from here on, as pyHanko's DictionaryObject.read_from_stream
    stream_data = generic._maybe_read_stream_payload(stream, data, handler)
    if stream_data is not None:
        stream_class: Any = generic.StreamObject
        if as_metadata_stream:
            try:
                from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream

                stream_class = MetadataStream
            except ImportError:  # pragma: no cover - as pyHanko
                pass
        return stream_class(data, encoded_data=stream_data)
    return generic.DictionaryObject(data)


def install() -> None:
    global _installed
    if not _installed:
        generic.DictionaryObject.read_from_stream = staticmethod(read_dictionary)  # type: ignore[method-assign]
        _installed = True


def uninstall() -> None:
    """Back to pyHanko's own reader (tests compare both)."""
    global _installed
    generic.DictionaryObject.read_from_stream = staticmethod(ORIGINAL_READ_DICTIONARY)  # type: ignore[method-assign]
    _installed = False
