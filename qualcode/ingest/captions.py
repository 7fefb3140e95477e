"""Caption files (.vtt, .srt) rendered as plain-text transcripts.

Speakers come from ``<v Name>`` voice tags or a Zoom-style ``Name:`` at the start of a cue.
Consecutive cues of one speaker are one turn (Zoom cuts turns into cues of a few seconds). The
stored text has one turn per line, ``[hh:mm:ss] Speaker: text``, a blank line between turns, so
a caption file is segmented by the same rules as a typed transcript.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from qualcode.core.errors import InputError
from qualcode.core.segmentation import MAX_SPEAKER_LENGTH, format_timestamp, parse_turn_prefix

# Cue tags: <v Name>, <c.class>, <i>, </b>, <00:00:05.000> (karaoke timing), ... A "<" followed
# by a space is text ("x < 5"), which SRT files do not escape.
_TAG = re.compile(r"<([A-Za-z/\d][^<>]*)>")
_VOICE = re.compile(r"v(?:\.[\w-]+)*(?:\s+(?P<name>.*))?", re.DOTALL)
_ASS_TAG = re.compile(r"\{\\[^{}]*\}")  # {\an8} and the like, common in SRT files
_NOT_NAME = re.compile(r"[^\w.'’\-\s]")


@dataclass
class _Turn:
    start: int  # seconds
    speaker: str | None
    parts: list[str]  # the text of its cues, joined once at the end


def render_captions(text: str, path: str | Path, fmt: str) -> tuple[str, list[str]]:
    """Render normalized caption text (``fmt`` is "vtt" or "srt") as a plain-text transcript.

    Returns the rendered text and warnings. Raises :class:`InputError` if the file cannot be
    read as captions or holds none.
    """
    captions = _parse(text, path, fmt)
    warnings: list[str] = []
    arrows = sum(1 for line in text.split("\n") if "-->" in line)
    turns: list[_Turn] = []
    for caption in captions:
        for speaker, said in _pieces(caption.lines, fmt):
            if turns and speaker is not None and turns[-1].speaker == speaker:
                turns[-1].parts.append(said)
            else:
                turns.append(_Turn(caption.start_in_seconds, speaker, [said]))
    if not turns:
        raise InputError(path, "no captions found")
    if arrows > len(captions):
        warnings.append(
            f"{arrows - len(captions)} caption cue(s) skipped: unreadable times or no text"
        )
    labels: dict[str, str | None] = {}
    lines = []
    for turn in turns:
        label = None
        if turn.speaker is not None:
            if turn.speaker not in labels:
                labels[turn.speaker] = _label(turn.speaker)
                warning = _label_warning(turn.speaker, labels[turn.speaker])
                if warning:
                    warnings.append(warning)
            label = labels[turn.speaker]
        stamp = format_timestamp(turn.start)
        said = " ".join(turn.parts)
        lines.append(f"[{stamp}] {label}: {said}" if label else f"[{stamp}] {said}")
    return "\n\n".join(lines) + "\n", warnings


def _parse(text: str, path: str | Path, fmt: str) -> list[webvtt.Caption]:
    # Leading blank lines and trailing spaces trip the library's format check and change
    # nothing in the captions.
    cleaned = "\n".join(line.rstrip() for line in text.lstrip().split("\n"))
    try:
        if fmt == "vtt":
            return webvtt.from_string(cleaned).captions
        return webvtt.from_buffer(io.StringIO(cleaned), format="srt").captions
    except MalformedFileError as exc:
        if fmt == "vtt":
            reason = "not a valid WebVTT file (the first line must be WEBVTT)"
        else:
            reason = "not a valid SRT file (expected a cue number, then 'start --> end' times)"
        raise InputError(path, reason) from exc
    except (MalformedCaptionError, ValueError) as exc:
        raise InputError(path, f"malformed captions: {exc}") from exc


def _pieces(lines: list[str], fmt: str) -> list[tuple[str | None, str]]:
    """The (speaker, text) parts of one cue: a voice tag starts a part, other tags are dropped."""
    pieces: list[tuple[str | None, str]] = []
    voice: str | None = None
    buffer: list[str] = []

    def flush() -> None:
        said = _clean("".join(buffer), fmt)
        buffer.clear()
        if said:
            pieces.append((voice, said))

    for line in lines:
        pos = 0
        for m in _TAG.finditer(line):
            buffer.append(line[pos : m.start()])
            pos = m.end()
            v = _VOICE.fullmatch(m[1])
            if v is not None:
                flush()
                voice = _clean(v["name"] or "", fmt) or None
        buffer.append(line[pos:])
        buffer.append(" ")  # a line break inside a cue is only layout
    flush()
    return [_zoom_speaker(voice, said) for voice, said in pieces]


def _clean(s: str, fmt: str) -> str:
    if fmt == "vtt":
        s = html.unescape(s)  # WebVTT escapes &amp; &lt; &gt; and has &nbsp; &lrm; &rlm;
    else:
        s = _ASS_TAG.sub("", s)
    return unicodedata.normalize("NFC", " ".join(s.split()))


def _zoom_speaker(voice: str | None, said: str) -> tuple[str | None, str]:
    """Zoom writes ``Name: text`` in every cue instead of a voice tag."""
    if voice is None:
        prefix = parse_turn_prefix(said)
        if prefix is not None and prefix.speaker and prefix.timestamp is None:
            rest = said[prefix.body :]
            if rest:
                return prefix.speaker, rest
    return voice, said


def _label(name: str) -> str | None:
    """The name as a speaker prefix reads it back, shortened if need be; None if impossible."""
    words = _NOT_NAME.sub(" ", name).split()[:5]
    while words and len(" ".join(words)) > MAX_SPEAKER_LENGTH:
        words.pop()
    label = " ".join(words)
    if label and not label[0].isalpha():
        label = f"Speaker {label}"
    prefix = parse_turn_prefix(f"{label}: .")
    if prefix is None or prefix.speaker != label or prefix.timestamp is not None:
        return None
    return label


def _label_warning(name: str, label: str | None) -> str | None:
    if label is None:
        return f"speaker name {name!r} cannot be used as a speaker prefix; left out"
    if label != name:
        return f"speaker name {name!r} written as {label!r}"
    return None
