"""Reading a transcript file of any supported format into normalized text and segments.

Every format ends the same way: normalized text (the text all offsets refer to) segmented by
:func:`qualcode.core.segmentation.segment_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcode.core.errors import InputError
from qualcode.core.files import read_input
from qualcode.core.segmentation import SEGMENT_MODES, SegmentSpan, has_turns, segment_text
from qualcode.core.text import decode, normalize
from qualcode.ingest.captions import render_captions
from qualcode.ingest.docx import read_docx_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".vtt", ".srt")
NO_TURNS_WARNING = "no speaker turns found; segmented by paragraph"

# Only interviews are expected to have speaker turns; documents and field notes need not.
_NO_TURNS_EXPECTED = ("document", "observation")


@dataclass
class ParsedSource:
    """A source as read from its file."""

    text: str  # normalized; every offset refers to it
    segments: list[SegmentSpan]
    encoding: str
    warnings: list[str] = field(default_factory=list)


def unsupported_reason(suffix: str) -> str:
    supported = ", ".join(SUPPORTED_SUFFIXES)
    if not suffix:
        return f"unknown format: no file extension (supported: {supported})"
    return f"unknown format '{suffix}' (supported: {supported})"


def read_source(
    path: str | Path,
    segment_by: str = "turn",
    *,
    kind: str | None = None,
    max_bytes: int | None = None,
) -> ParsedSource:
    """Read and segment a transcript. Raises :class:`InputError` for anything wrong with it.

    ``kind`` is the source kind. A ``document`` has no speaker turns: a line such as
    ``Notes: ...`` stays text. For a document or an ``observation`` the fallback from turns to
    paragraphs is expected and not warned about. A file larger than ``max_bytes`` (default: see
    core/files.py) is refused before it is read.
    """
    if segment_by not in SEGMENT_MODES:
        raise ValueError(f"unknown segmentation mode {segment_by!r}")
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise InputError(path, "is a directory, not a transcript file")
    if not path.exists():
        raise InputError(path, "file not found")
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(path, unsupported_reason(suffix))
    data = _read_bytes(path, max_bytes)
    warnings: list[str] = []
    if suffix == ".docx":
        text, encoding = normalize(read_docx_text(data, path)), "utf-8"
    else:
        decoded = decode(data, path)
        if decoded.warning:
            warnings.append(decoded.warning)
        text, encoding = normalize(decoded.text), decoded.encoding
        if suffix in (".vtt", ".srt"):
            text, caption_warnings = render_captions(text, path, suffix[1:])
            warnings.extend(caption_warnings)
    segments = segment_text(text, segment_by, turns=kind != "document")
    if segment_by == "turn" and kind not in _NO_TURNS_EXPECTED and not has_turns(text):
        warnings.append(NO_TURNS_WARNING)
    return ParsedSource(text, segments, encoding, warnings)


def _read_bytes(path: Path, max_bytes: int | None) -> bytes:
    return read_input(path, max_bytes)
