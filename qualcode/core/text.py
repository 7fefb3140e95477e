"""Turning a user's bytes into the one normalized text every offset refers to.

Codings store code-point offsets into a source's text, so the text must be decided once, the
same way on every machine: :func:`decode` picks the encoding (never guessing silently) and
:func:`normalize` fixes line ends and Unicode composition.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.errors import InputError

BINARY = "binary file, not a transcript"
EMPTY = "file is empty"
CP1252_WARNING = "not valid UTF-8; decoded as Windows-1252 (cp1252), check accented characters"

# Longest BOMs first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control characters (Unicode category Cc) except tab, LF, VT, FF and CR, which do occur in
# real text files.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Decoded:
    """The text of a file, the encoding it was read with, and a warning for the user, if any."""

    text: str
    encoding: str
    warning: str | None = None


def decode(data: bytes, path: str | Path) -> Decoded:
    """Decode a transcript's bytes.

    UTF-8 with or without a BOM; UTF-16 and UTF-32 only with a BOM (without one they are
    indistinguishable from binary data); anything else that is not UTF-8 is read as
    Windows-1252 with a warning. Raises :class:`InputError` for binary, empty or undecodable
    files. The returned text is not yet normalized (see :func:`normalize`).
    """
    if not data:
        raise InputError(path, EMPTY)
    text, encoding, warning = _decode_bytes(data, path)
    if not text.lstrip("\ufeff").strip():
        raise InputError(path, EMPTY)
    if _looks_binary(text):
        raise InputError(path, BINARY)
    return Decoded(text, encoding, warning)


def _decode_bytes(data: bytes, path: str | Path) -> tuple[str, str, str | None]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data if encoding == "utf-8-sig" else data[len(bom) :]
            try:
                return body.decode(encoding), encoding, None
            except UnicodeDecodeError as exc:
                name = encoding.removesuffix("-sig").upper()
                raise InputError(path, f"not valid {name} despite its byte order mark") from exc
    if b"\x00" in data:
        raise InputError(path, BINARY)
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", CP1252_WARNING
    except UnicodeDecodeError as exc:
        raise InputError(path, "cannot decode: neither UTF-8 nor Windows-1252 text") from exc


# Every byte but the ASCII controls of _CONTROLS: deleting them leaves only those controls.
_NOT_ASCII_CONTROLS = bytes(b for b in range(256) if not _CONTROLS.match(chr(b)) or b > 127)


def _looks_binary(text: str) -> bool:
    # One stray control character (a DOS end-of-file mark, say) is tolerated; binary data has
    # them everywhere.
    return _controls(text) > 1 + len(text) // 50


def _controls(text: str) -> int:
    """How many characters of _CONTROLS ``text`` holds. For ASCII text (most transcripts) by a
    bytes translate, ten times faster than the regex scan that any other text gets."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_ASCII_CONTROLS))
    return len(_CONTROLS.findall(text))


def normalize(text: str) -> str:
    """Return the text every offset refers to: no leading BOM, LF line ends, Unicode NFC."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)
