"""Splitting a source's normalized text into segments: speaker turns, paragraphs or sentences.

The rules are the contract documented in docs/importing.md. Every scan here is linear in the
length of the text: regexes are matched once per line with bounded quantifiers, so a 1 MB
line costs no more than 1 MB of short ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

SEGMENT_MODES = ("turn", "paragraph", "sentence")

MAX_SPEAKER_LENGTH = 40


class SegmentSpan(NamedTuple):
    """A segment: ``text[start:end]``, half-open code-point offsets into the normalized text.

    A named tuple, not a frozen dataclass: an import makes one per segment, millions in a large
    study, and a tuple is built several times faster."""

    start: int
    end: int
    speaker: str | None = None
    timestamp: str | None = None  # "hh:mm:ss"


# --- timestamps -------------------------------------------------------------------------------

_TIMESTAMP_VALUE = re.compile(
    r"(?:(?P<h>\d{1,2}):(?P<m>\d{2})|(?P<mm>\d{1,3})):(?P<s>\d{2})(?:[.,]\d{1,3})?"
)


def parse_timestamp(s: object) -> int | None:
    """Return the seconds of ``hh:mm:ss``, ``mm:ss`` or ``h:mm:ss.mmm`` (brackets allowed).

    Fractions of a second are dropped. Anything else, including minutes or seconds over 59
    where they cannot be, gives None.
    """
    if not isinstance(s, str):
        return None
    s = s.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1].strip()
    m = _TIMESTAMP_VALUE.fullmatch(s)
    if m is None:
        return None
    seconds = int(m["s"])
    if seconds > 59:
        return None
    if m["h"] is None:
        return int(m["mm"]) * 60 + seconds
    minutes = int(m["m"])
    if minutes > 59:
        return None
    return int(m["h"]) * 3600 + minutes * 60 + seconds


def format_timestamp(seconds: int) -> str:
    """``3725`` -> ``"01:02:05"``."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


# --- turn lines -------------------------------------------------------------------------------

_TIMESTAMP_IN_LINE = (
    r"\[\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?\]"  # [mm:ss] or [hh:mm:ss], brackets kept
    r"|\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?(?=[ \t]|$)"  # bare hh:mm:ss, then a space
)
# A name is 1-5 words; the first starts with a letter. Word characters include the marks that
# survive NFC (combining accents, zero-width (non-)joiners). Quantifiers are bounded so a
# failing match costs at most a few hundred steps, whatever the line length.
_WORD_CHARS = r"[\w.'’\-\u0300-\u036f\u200c\u200d]{0,39}"
_NAME = rf"[^\W\d_]{_WORD_CHARS}(?: [^\W_]{_WORD_CHARS}){{0,4}}"
_SPEAKER = re.compile(
    rf"\*\*(?P<bold_in>{_NAME}):\*\*"  # **Name:**
    rf"|\*\*(?P<bold_out>{_NAME})\*\*:"  # **Name**:
    rf"|\[(?P<bracketed>{_NAME})\](?!\():?"  # [Name], but not a Markdown link [text](url)
    rf"|(?P<plain>{_NAME}):(?=\s|$)"  # Name:  (a colon before "//" is a URL, not a speaker)
)
# A turn line's prefix in one match (one per line of every transcript imported): spaces, a
# timestamp, a speaker, each optional, and the spaces after each. Everything after a part is
# optional, so the first way through is the match and nothing is tried again: a timestamp once
# matched is kept, as when the two were matched one after the other. (No possessive quantifiers:
# Python before 3.11.5 matched them wrongly, gh-106052.) ``lastgroup`` tells what was found: the
# speaker's group if there is one (it closes last), else ``stamped`` (the timestamp and its
# spaces), else None.
_TURN_PREFIX = re.compile(
    rf"[ \t]*(?P<stamped>(?P<timestamp>{_TIMESTAMP_IN_LINE})[ \t]*)?"
    rf"(?:(?:{_SPEAKER.pattern})[ \t]*)?"
)


@dataclass(frozen=True, slots=True)
class TurnPrefix:
    """What starts a turn line: speaker and/or timestamp, and where the utterance begins."""

    speaker: str | None
    timestamp: str | None
    body: int  # offset just after the prefix (and the spaces after it)


def parse_turn_prefix(text: str, pos: int = 0, endpos: int | None = None) -> TurnPrefix | None:
    """Parse the turn prefix of the line ``text[pos:endpos]``; None if it does not start a turn."""
    found = _prefix(text, pos, len(text) if endpos is None else endpos)
    return None if found is None else TurnPrefix(*found)


def _prefix(text: str, pos: int, endpos: int) -> tuple[str | None, str | None, int] | None:
    """parse_turn_prefix as a plain tuple (speaker, timestamp, body)."""
    m = _TURN_PREFIX.match(text, pos, endpos)
    assert m is not None  # every line matches, if only by its leading spaces
    found = m.lastgroup
    if found is None:
        return None
    timestamp = m["timestamp"]
    if timestamp is not None:
        timestamp = _canonical_timestamp(timestamp)
        if timestamp is None:  # digits that are not a time (99:99:99): the line is text
            return None
    if found == "stamped":
        return None, timestamp, m.end()
    speaker = m[found]
    if len(speaker) > MAX_SPEAKER_LENGTH:  # too long for a name: text after the timestamp
        return (None, timestamp, m.end("stamped")) if timestamp is not None else None
    return speaker, timestamp, m.end()


@lru_cache(maxsize=16_384)
def _canonical_timestamp(raw: str) -> str | None:
    """``hh:mm:ss`` of a line's timestamp, or None if it is not a time. Cached: an import of many
    transcripts meets the same few thousand times again and again (one per second of an hour)."""
    seconds = parse_timestamp(raw)
    return None if seconds is None else format_timestamp(seconds)


# A turn line: where it starts (and the previous region ends), then its prefix as _prefix
# gives it. Tuples, not objects: one per segment.
_Turn = tuple[int, str | None, str | None, int]


def _iter_turns(text: str) -> Iterator[_Turn]:
    pos, n = 0, len(text)
    find, prefix_of = text.find, _prefix
    while pos < n:
        end = find("\n", pos)
        if end < 0:
            end = n
        if end > pos:  # not on blank lines
            found = prefix_of(text, pos, end)
            if found is not None:
                yield (pos, *found)
        pos = end + 1


def _find_turns(text: str) -> list[_Turn]:
    return list(_iter_turns(text))


def has_turns(text: str) -> bool:
    """Whether any line starts a turn (a speaker prefix or a timestamp); stops at the first."""
    return next(_iter_turns(text), None) is not None


# A region: the text between two turn prefixes (start, end), with its turn's speaker and time.
_Region = tuple[int, int, str | None, str | None]


def _turn_regions(text: str, turns: list[_Turn]) -> list[_Region]:
    """The text between turn prefixes, with the speaker and timestamp of each turn."""
    regions: list[_Region] = []
    start: int = 0
    speaker: str | None = None
    timestamp: str | None = None
    for line, turn_speaker, turn_timestamp, body in turns:
        regions.append((start, line, speaker, timestamp))
        carried = None
        # A line holding only a timestamp dates the turn that follows it.
        if speaker is None and timestamp is not None and _trim(text, start, line) is None:
            carried = timestamp
        start = body
        speaker = turn_speaker
        timestamp = turn_timestamp or carried
    regions.append((start, len(text), speaker, timestamp))
    return regions


# --- paragraphs and sentences -----------------------------------------------------------------


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` without leading and trailing whitespace; None if nothing is left."""
    chunk = text[start:end]
    stripped = chunk.lstrip()
    if not stripped:
        return None
    left = start + len(chunk) - len(stripped)
    return left, start + len(chunk.rstrip())


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Blocks of ``text[start:end]`` separated by blank lines, trimmed."""
    out = []
    block_start: int | None = None
    block_end = start
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        if text[pos:line_end].strip():
            if block_start is None:
                block_start = pos
            block_end = line_end
        elif block_start is not None:
            out.append((block_start, block_end))
            block_start = None
        pos = line_end + 1
    if block_start is not None:
        out.append((block_start, block_end))
    return [t for a, b in out if (t := _trim(text, a, b)) is not None]


# The lookbehind makes each run of terminators match once, from its first character, so the
# scan stays linear even on a line of a million dots.
_SENTENCE_END = re.compile(r"(?<![.!?…])(?P<end>[.!?…]++)[\"'”’»)\]]*+(?=\s)")
_OPENERS = "\"'“‘«([{"
_ABBREVIATIONS = frozenset(
    """
    mr. mrs. ms. dr. prof. st. jr. sr. vs. approx. cf. fig. al. ca.
    ir. drs. dra. hj. bpk. jl. kab. kec. kel. rp. ach. moh. muh. dkk.
    """.split()
)
_BEFORE_NUMBER = frozenset("no. nos. p. pp. vol. hal. art. sec.".split())
_DOTTED = re.compile(r"(?:[^\W\d_]{1,4}\.){2,}")  # e.g. i.e. S.Sos. S.E. M.Si. U.S.
_LONGEST_ABBREVIATION = 20


def _is_abbreviation(text: str, dot: int, start: int, end: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation rather than a sentence."""
    lo = max(start, dot - _LONGEST_ABBREVIATION)
    k = dot
    while k > lo and not text[k - 1].isspace():
        k -= 1
    if k == lo and k > start and not text[k - 1].isspace():
        return False
    token = text[k : dot + 1].lstrip(_OPENERS)
    word = token.lower()
    if word in _ABBREVIATIONS or _DOTTED.fullmatch(token):
        return True
    if len(token) == 2 and token[0].isupper() and token[0] != "I":  # an initial: "N. Rosenberg"
        return True
    if word in _BEFORE_NUMBER:
        rest = text[dot + 1 : min(end, dot + 4)].lstrip()
        return rest[:1].isdigit()
    return False


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    begin = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m["end"] == "." and _is_abbreviation(text, m.start(), start, end):
            continue
        if (t := _trim(text, begin, m.end())) is not None:
            out.append(t)
        begin = m.end()
    if (t := _trim(text, begin, end)) is not None:
        out.append(t)
    return out


# --- turns in one pass --------------------------------------------------------------------------


def _turn_spans(text: str) -> list[SegmentSpan] | None:
    """The segments by turn, or None if no line starts a turn.

    The same segments as trimming each of ``_turn_regions`` (tested against it), in one pass
    over the lines: segmenting is most of an import's time after the database's own.
    """
    spans: list[SegmentSpan] = []
    add, span = spans.append, tuple.__new__  # a SegmentSpan without its Python-level __new__
    find, prefix_of, n = text.find, _prefix, len(text)
    region = 0  # where the text of the current turn (or of the lines before the first) starts
    speaker: str | None = None
    timestamp: str | None = None
    turns = False
    pos = 0
    while pos < n:
        end = find("\n", pos)
        if end < 0:
            end = n
        if end > pos and (found := prefix_of(text, pos, end)) is not None:
            turns = True
            chunk = text[region:pos]  # the previous turn's text, trimmed as _trim does
            said = chunk.lstrip()
            if said:
                left = region + len(chunk) - len(said)
                add(span(SegmentSpan, (left, region + len(chunk.rstrip()), speaker, timestamp)))
                carried = None
            else:  # a line holding only a timestamp dates the turn that follows it
                carried = timestamp if speaker is None else None
            speaker, turn_timestamp, region = found
            timestamp = turn_timestamp or carried
        pos = end + 1
    if not turns:
        return None
    if (last := _trim(text, region, n)) is not None:
        add(SegmentSpan(*last, speaker, timestamp))
    return spans


# --- the entry point --------------------------------------------------------------------------


def segment_text(text: str, mode: str = "turn", *, turns: bool = True) -> list[SegmentSpan]:
    """Segment normalized text by ``turn`` (falling back to paragraphs), ``paragraph`` or
    ``sentence``. Offsets are code-point indices into ``text``.

    With ``turns=False`` no line starts a turn: for documents, where ``Notes:`` or
    ``ABSTRACT:`` is part of the text, not a speaker.
    """
    if mode not in SEGMENT_MODES:
        raise ValueError(f"unknown segmentation mode {mode!r} (expected one of {SEGMENT_MODES})")
    found: list[_Turn] = []
    if turns and mode == "turn":
        if (by_turn := _turn_spans(text)) is not None:
            return by_turn  # else no line starts a turn: paragraphs of the whole text
    elif turns:
        found = _find_turns(text)
    regions = _turn_regions(text, found)
    spans: list[SegmentSpan] = []
    for start, end, speaker, timestamp in regions:
        pieces = _paragraphs(text, start, end)
        if mode == "sentence":
            pieces = [s for a, b in pieces for s in _sentences(text, a, b)]
        spans.extend(SegmentSpan(a, b, speaker, timestamp) for a, b in pieces)
    return spans
