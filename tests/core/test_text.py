"""Decoding a user's bytes and normalizing the text all offsets refer to."""

from __future__ import annotations

import codecs
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.core.errors import InputError
from qualcode.core.text import CP1252_WARNING, Decoded, decode, normalize

TEXT = "INTERVIEWER: Apa kabar, Bu Ratna? Café owners — “yes” 🙂\nRatna: Baik.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32-be"),
    ],
)
def test_unicode_encodings_decode_without_warning(data: bytes, encoding: str) -> None:
    decoded = decode(data, "t.txt")
    assert decoded == Decoded(TEXT, encoding, None)


def test_utf16_without_bom_is_binary() -> None:
    with pytest.raises(InputError, match=r"^t\.txt: binary file, not a transcript$"):
        decode(TEXT.encode("utf-16-le"), "t.txt")


def test_cp1252_is_decoded_with_a_warning_never_silently() -> None:
    text = "Ratna: Café “kopi” – 5€\n"
    decoded = decode(text.encode("cp1252"), "t.txt")
    assert decoded.text == text
    assert decoded.encoding == "cp1252"
    assert decoded.warning == CP1252_WARNING


def test_bytes_undefined_in_cp1252_are_an_error() -> None:
    with pytest.raises(InputError, match=r"^t\.txt: cannot decode"):
        decode(b"Ratna: caf\xe9 \x81\x8d\x8f\x90\x9d", "t.txt")


def test_broken_utf16_after_its_bom_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^t\.txt: not valid UTF-16-LE"):
        decode(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "t.txt")  # unpaired surrogate


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        bytes(range(1, 32)) * 4,  # control characters but no NUL
    ],
)
def test_binary_files_are_rejected(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        decode(data, "x.txt")
    assert str(info.value) == "x.txt: binary file, not a transcript"


def test_a_stray_control_character_is_tolerated() -> None:
    assert decode(b"Ratna: fine\x1a", "t.txt").text == "Ratna: fine\x1a"


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\r\n ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + " \n".encode("utf-16-le")]
)
def test_empty_and_whitespace_only_files(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        decode(data, "empty.txt")
    assert str(info.value) == "empty.txt: file is empty"


def test_normalize_line_ends_bom_and_nfc() -> None:
    assert normalize("\ufeffa\r\nb\rc\n\r\nd") == "a\nb\nc\n\nd"
    assert normalize("Cafe\u0301") == "Café"
    assert len(normalize("e\u0301")) == 1
    # Only a leading BOM is removed; a zero-width no-break space inside is text.
    assert normalize("a\ufeffb") == "a\ufeffb"
    # Astral characters and zero-width joiners are kept as they are.
    family = "👩\u200d👩\u200d👧"
    assert normalize(family) == family


@given(st.text())
def test_normalize_is_idempotent_and_leaves_no_cr(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once or once.startswith("\ufeff")
    assert "\r" not in once
    assert unicodedata.is_normalized("NFC", once)


@given(st.text(alphabet=st.characters(max_codepoint=0x9F)), st.booleans())
def test_control_characters_counted_alike_on_ascii_and_other_text(text: str, widen: bool) -> None:
    """ASCII text is counted by a bytes translate, other text by the regex: the same count."""
    from qualcode.core.text import _CONTROLS, _controls

    if widen:
        text += "é"  # the other path
    assert _controls(text) == len(_CONTROLS.findall(text))
