"""Selection offsets from other programs, turned into qualcode's code-point offsets.

The REFI-QDA standard says positions count the characters of the plain-text file. Programs
differ: some count Unicode code points, NVivo for Windows UTF-16 code units, Taguette UTF-8
bytes; a CRLF line end counts as one or two; a byte-order mark may be counted. So the unit is
detected per file: every way of counting is tried on the file's selections, and the one under
which the most selections' stored text (their ``name``, often the quoted text or its first
hundred characters and "…") matches the source text wins; without such text, the one that keeps
the most selections inside their source, then the one that cuts the fewest words in two or
leaves spaces at a selection's edge (people select whole words). Ties go to the standard's
reading (code points, CRLF as two, no BOM).

Offsets are then converted to the stored text (no BOM, LF only, NFC). A selection whose text
does not match at its converted position is searched for near it, exactly (whitespace may
differ) and then fuzzily (rapidfuzz); each such move is reported, and a selection that cannot be
placed is reported too, never dropped or shifted silently.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import fuzz

from qualcode.core.text import normalize

UNIT_NAMES = {"cp": "code points", "utf16": "UTF-16 code units", "utf8": "UTF-8 bytes"}
_BOM_WIDTH = {"cp": 1, "utf16": 1, "utf8": 3}
_ELLIPSES = ("…", "...")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WHITESPACE = re.compile(r"\s+")
#: How many selections are enough to decide the unit of a whole file.
DETECTION_SAMPLE = 4_000
FUZZY_CUTOFF = 90.0
#: Shorter selection texts are not searched for: a match could be a coincidence.
MIN_SEARCH = 12
_FUZZY_MAX_PROBE = 400


@dataclass(frozen=True)
class Interpretation:
    """One way a program may have counted positions."""

    unit: str = "cp"  # cp | utf16 | utf8
    crlf: int = 2  # a CRLF counted as 2 (as in the file) or 1
    bom: bool = False  # a byte-order mark at the start counted

    def describe(self) -> str:
        parts = [UNIT_NAMES[self.unit], f"CRLF as {'two' if self.crlf == 2 else 'one'}"]
        if self.bom:
            parts.append("byte-order mark counted")
        return ", ".join(parts)


STANDARD = Interpretation()


def collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class Probe:
    """A selection's stored text, as far as it is known: all of it, or its start ("…")."""

    text: str
    truncated: bool

    @classmethod
    def of(cls, name: str) -> Probe | None:
        text = collapse(name)
        truncated = False
        for mark in _ELLIPSES:
            if text.endswith(mark):
                text, truncated = text[: -len(mark)].rstrip(), True
                break
        return cls(text, truncated) if text else None

    def fits(self, span: str) -> bool:
        # A short name that is merely the start of the span is a label, not the text.
        got = collapse(span)
        if self.truncated or len(self.text) >= 20:
            return got.startswith(self.text) and (self.truncated or len(got) >= len(self.text))
        return got == self.text


class _Wide:
    """Characters wider than one unit in a text: converts unit offsets to code-point indexes."""

    def __init__(self, text: str, unit: str) -> None:
        self.length = len(text)
        self.starts: list[int] = []  # unit offset where each wide character starts
        self.index: list[int] = []  # its code-point index
        self.width: list[int] = []
        self.extra: list[int] = []  # extra units up to and including it
        if unit == "cp":
            return
        pattern = _ASTRAL if unit == "utf16" else _NON_ASCII
        extra = 0
        for match in pattern.finditer(text):
            ch = match.group()
            width = 2 if unit == "utf16" else len(ch.encode("utf-8"))
            self.starts.append(match.start() + extra)
            self.index.append(match.start())
            self.width.append(width)
            extra += width - 1
            self.extra.append(extra)

    def to_index(self, offset: int) -> int | None:
        """The code-point index at unit ``offset``; None inside a character or past the end."""
        if offset < 0:
            return None
        k = bisect_right(self.starts, offset) - 1
        if k < 0:
            index = offset
        elif offset < self.starts[k] + self.width[k]:
            if offset != self.starts[k]:
                return None
            index = self.index[k]
        else:
            index = offset - self.extra[k]
        return index if index <= self.length else None


class _Nfc:
    """Maps indexes of the LF-only text to the NFC text, for the rare text not already in NFC."""

    def __init__(self, lf_text: str, nfc_text: str) -> None:
        self.identity = lf_text == nfc_text
        self.starts: list[int] = []  # changed groups: start, end in the LF text
        self.ends: list[int] = []
        self.nfc_starts: list[int] = []
        self.nfc_ends: list[int] = []
        self.length = len(nfc_text)
        if self.identity:
            return
        groups = _clusters(lf_text)
        if "".join(unicodedata.normalize("NFC", lf_text[a:b]) for a, b in groups) != nfc_text:
            groups = [(0, len(lf_text))]  # no safe boundaries: the whole text is one group
        n = 0
        for a, b in groups:
            norm = unicodedata.normalize("NFC", lf_text[a:b])
            if norm != lf_text[a:b]:
                self.starts.append(a)
                self.ends.append(b)
                self.nfc_starts.append(n)
                self.nfc_ends.append(n + len(norm))
            n += len(norm)

    def map(self, index: int, side: str) -> int:
        if self.identity:
            return index
        k = bisect_right(self.starts, index) - 1
        if k < 0:
            return index
        if index >= self.ends[k]:
            return self.nfc_ends[k] + (index - self.ends[k])
        if index == self.starts[k]:
            return self.nfc_starts[k]
        # Inside a group that NFC changed (a letter and its accent): widen to the whole group.
        return self.nfc_starts[k] if side == "start" else self.nfc_ends[k]


def _clusters(text: str) -> list[tuple[int, int]]:
    """Runs of a starter and its combining marks, merged where NFC joins neighbours."""
    bounds = [i for i, ch in enumerate(text) if unicodedata.combining(ch) == 0]
    if not bounds or bounds[0] != 0:
        bounds.insert(0, 0)
    bounds.append(len(text))
    groups: list[tuple[int, int]] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        if a == b:
            continue
        if groups:
            pa, pb = groups[-1]
            joined = unicodedata.normalize("NFC", text[pa:b])
            apart = unicodedata.normalize("NFC", text[pa:pb]) + unicodedata.normalize(
                "NFC", text[a:b]
            )
            if joined != apart:
                groups[-1] = (pa, b)
                continue
        groups.append((a, b))
    return groups


class SourceText:
    """A source's text as the other program had it (``raw``) and as qualcode stores it."""

    def __init__(self, raw: str, had_bom: bool) -> None:
        self.raw = raw.removeprefix("\ufeff")
        self.had_bom = had_bom or raw.startswith("\ufeff")
        self.text = normalize(self.raw)
        self.has_crlf = "\r\n" in self.raw
        self.ascii = self.raw.isascii()
        self.astral = _ASTRAL.search(self.raw) is not None
        self._cr = [m.start() for m in re.finditer("\r\n", self.raw)] if self.has_crlf else []
        self._wide: dict[tuple[int, str], _Wide] = {}
        lf_text = self.raw.replace("\r\n", "\n").replace("\r", "\n")
        self._nfc = _Nfc(lf_text, self.text)

    def _variant(self, crlf: int) -> str:
        return self.raw if crlf == 2 or not self.has_crlf else self.raw.replace("\r\n", "\n")

    def to_text(self, offset: int, how: Interpretation, side: str = "start") -> int | None:
        """The stored-text offset for a position counted as ``how``; None if it cannot be one."""
        if how.bom and self.had_bom:
            offset -= _BOM_WIDTH[how.unit]
        crlf = how.crlf if self.has_crlf else 1
        key = (crlf, how.unit)
        if key not in self._wide:
            self._wide[key] = _Wide(self._variant(crlf), how.unit)
        index = self._wide[key].to_index(offset)
        if index is None:
            return None
        if crlf == 2:
            index -= bisect_left(self._cr, index)  # each CR of a CRLF before it is dropped
        return self._nfc.map(index, side)

    def span(
        self, start: int | None, end: int | None, how: Interpretation
    ) -> tuple[int, int] | None:
        if start is None or end is None or end <= start:
            return None
        a = self.to_text(start, how, "start")
        b = self.to_text(end, how, "end")
        if a is None or b is None or not 0 <= a < b <= len(self.text):
            return None
        return a, b


# --- detection ---------------------------------------------------------------------------------


@dataclass
class Detection:
    chosen: Interpretation
    fitting: int  # selections whose stored text matches, under the chosen reading
    with_text: int  # selections that carry text to check
    in_range: int
    checked: int
    candidates: int
    whole_words: int = 0  # selection edges on word boundaries, not on spaces
    options: tuple[Interpretation, ...] = ()

    def reading(self) -> str:
        """The chosen reading, saying which others these texts cannot tell apart from it."""
        units = {o.unit for o in self.options}
        same = [
            UNIT_NAMES[u] for u in ("utf16", "utf8") if u not in units and u != self.chosen.unit
        ]
        unit = UNIT_NAMES[self.chosen.unit]
        if same and self.chosen.unit == "cp":
            unit += f" (here the same as {' and '.join(same)})"
        if {o.crlf for o in self.options} == {1, 2}:
            crlf = f"CRLF as {'two' if self.chosen.crlf == 2 else 'one'}"
        else:
            crlf = "no CRLF line ends"
        parts = [unit, crlf]
        if self.chosen.bom:
            parts.append("byte-order mark counted")
        return ", ".join(parts)

    def describe(self) -> str:
        base = self.reading()
        if self.checked == 0:
            return f"{base} (no selections to check)"
        if self.candidates == 1:
            how = "all ways of counting agree for these texts"
        elif self.fitting:
            how = f"{self.fitting} of {self.with_text} selections with text fit"
        else:
            lead = "no selection text fits" if self.with_text else "no selection text to check"
            how = (
                f"{lead}; {self.in_range} of {self.checked} selections in range, "
                f"{self.whole_words} of {2 * self.checked} edges on whole words"
            )
        return f"{base} ({how})"


class Traits(Protocol):
    """What ``candidates`` needs of a text: a ``SourceText``, or these four kept without it."""

    @property
    def astral(self) -> bool: ...
    @property
    def ascii(self) -> bool: ...
    @property
    def has_crlf(self) -> bool: ...
    @property
    def had_bom(self) -> bool: ...


@dataclass(frozen=True)
class TextTraits:
    astral: bool
    ascii: bool
    has_crlf: bool
    had_bom: bool

    @classmethod
    def of(cls, text: SourceText) -> TextTraits:
        return cls(text.astral, text.ascii, text.has_crlf, text.had_bom)


def candidates(texts: Iterable[Traits]) -> list[Interpretation]:
    """The ways of counting that differ for these texts, the standard's reading first."""
    texts = list(texts)
    units = ["cp"]
    if any(t.astral for t in texts):
        units.append("utf16")
    if any(not t.ascii for t in texts):
        units.append("utf8")
    crlfs = [2, 1] if any(t.has_crlf for t in texts) else [2]
    boms = [False, True] if any(t.had_bom for t in texts) else [False]
    return [Interpretation(u, c, b) for b in boms for u in units for c in crlfs]


def sample(count: int) -> list[int]:
    """Which of ``count`` selections the detection checks: all, or an even spread."""
    if count <= DETECTION_SAMPLE:
        return list(range(count))
    step = count / DETECTION_SAMPLE
    return [int(i * step) for i in range(DETECTION_SAMPLE)]


class Tally:
    """The evidence for each way of counting, added selection by selection (a text at a time:
    an import of a large file reads its sampled selections source by source)."""

    def __init__(self, options: Sequence[Interpretation]) -> None:
        self.options = tuple(options)
        self.scores = [[0, 0, 0] for _ in self.options]  # fitting, in range, whole words
        self.with_text = 0
        self.checked = 0

    def add(self, text: SourceText, start: int | None, end: int | None, name: str) -> None:
        probe = Probe.of(name)
        self.checked += 1
        self.with_text += probe is not None
        for score, how in zip(self.scores, self.options, strict=True):
            span = text.span(start, end, how)
            if span is None:
                continue
            score[1] += 1
            if probe is not None and probe.fits(text.text[span[0] : span[1]]):
                score[0] += 1
            score[2] += _clean_edge(text.text, span[0], 0) + _clean_edge(text.text, span[1], -1)

    def result(self) -> Detection:
        best: tuple[tuple[int, ...], Interpretation] | None = None
        for score, how in zip(self.scores, self.options, strict=True):
            if best is None or tuple(score) > best[0]:  # ties keep the earlier, more standard
                best = (tuple(score), how)
        assert best is not None
        (fitting, in_range, whole_words), chosen = best
        return Detection(
            chosen=chosen,
            fitting=fitting,
            with_text=self.with_text,
            in_range=in_range,
            checked=self.checked,
            candidates=len(self.options),
            whole_words=whole_words,
            options=self.options,
        )


def detect(items: Sequence[tuple[SourceText, int | None, int | None, str]]) -> Detection:
    """Choose how the file counts positions, from (text, start, end, name) of its selections."""
    texts = {id(t): t for t, _, _, _ in items}
    tally = Tally(candidates(texts.values()))
    for k in sample(len(items)):  # an even spread is enough evidence for a whole file
        tally.add(*items[k])
    return tally.result()


def _clean_edge(text: str, position: int, inside: int) -> bool:
    """People select whole words, without the spaces around them: a reading that cuts words in
    two, or starts or ends a selection on a space, is probably the wrong one. ``inside`` is 0 at
    a start (the character after it is in the selection) and -1 at an end."""
    if 0 < position < len(text) and text[position - 1].isalnum() and text[position].isalnum():
        return False
    edge = position + inside
    return not (0 <= edge < len(text) and text[edge].isspace())


# --- placing -----------------------------------------------------------------------------------


@dataclass
class Placement:
    """Where a selection lands in the stored text, and how it got there."""

    start: int | None
    end: int | None
    status: str  # fits | unchecked | moved | label | unplaced
    note: str = ""
    counted: tuple[int, int] | None = field(default=None)

    @property
    def placed(self) -> bool:
        return self.start is not None


def place(
    text: SourceText, start: int | None, end: int | None, name: str, how: Interpretation
) -> Placement:
    """Place one selection: at its counted position if its text fits, else near it."""
    if start is None or end is None:
        return Placement(None, None, "unplaced", "start or end position is not a whole number")
    if end <= start:
        return Placement(None, None, "unplaced", f"empty or reversed range [{start}, {end})")
    span = text.span(start, end, how)
    probe = Probe.of(name)
    if span is not None and (probe is None or probe.fits(text.text[span[0] : span[1]])):
        return Placement(span[0], span[1], "unchecked" if probe is None else "fits", counted=span)
    if probe is None:
        return Placement(
            None,
            None,
            "unplaced",
            f"[{start}, {end}) is outside the text ({len(text.text)} characters) "
            "and the selection carries no text to search for",
        )
    near = span[0] if span is not None else None
    length = span[1] - span[0] if span is not None else end - start
    found = search(text.text, probe, near, length)
    if found is not None:
        a, b, how_found = found
        if span is not None and (a, b) == span:
            return Placement(a, b, "fits", counted=span)
        where = f"[{span[0]}, {span[1]})" if span else f"out-of-range [{start}, {end})"
        return Placement(a, b, "moved", f"moved from {where} to [{a}, {b}) ({how_found})", span)
    if span is not None:
        # The name is a label the researcher gave (ATLAS.ti lets you rename quotations), or the
        # text differs: the counted position is all there is, and it is inside the text.
        return Placement(
            span[0], span[1], "label", "its name is not the text at its position; kept there", span
        )
    return Placement(
        None,
        None,
        "unplaced",
        f"[{start}, {end}) is outside the text and its text was not found in the source",
    )


def search(text: str, probe: Probe, near: int | None, length: int) -> tuple[int, int, str] | None:
    """Find a selection's text near ``near`` (anywhere when None): exactly, then fuzzily."""
    if near is None:
        lo, hi = 0, len(text)
    else:
        window = max(2_000, 2 * length)
        lo, hi = max(0, near - window), min(len(text), near + length + window)
    if len(probe.text) < MIN_SEARCH:
        return None  # a word or two: finding it nearby would be a coincidence, not evidence
    region = text[lo:hi]
    pattern = r"\s+".join(re.escape(word) for word in probe.text.split(" "))
    matches = list(re.finditer(pattern, region))
    if matches:
        anchor = (near if near is not None else 0) - lo
        best = min(matches, key=lambda m: (abs(m.start() - anchor), m.start()))
        a = lo + best.start()
        b = a + length if probe.truncated else lo + best.end()
        how = "exact text" if len(matches) == 1 else f"nearest of {len(matches)} exact matches"
        return a, min(b, len(text)), how
    needle = probe.text[:_FUZZY_MAX_PROBE]
    truncated = probe.truncated or len(probe.text) > _FUZZY_MAX_PROBE
    found = fuzz.partial_ratio_alignment(needle, region, score_cutoff=FUZZY_CUTOFF)
    if found is None:
        return None
    a = lo + found.dest_start
    b = a + length if truncated else lo + found.dest_end
    return a, min(b, len(text)), f"fuzzy match {found.score:.0f}%"
