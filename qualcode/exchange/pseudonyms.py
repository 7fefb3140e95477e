"""Pseudonymisation of exports: every informant's name replaced by their pseudonym, also where
it is mentioned inside a quoted excerpt, a memo or a note.

The rules (docs/exports.md repeats them):

- **Names and variants.** An informant's name is split into parts ("Ratna Kurniasih" → Ratna,
  Kurniasih). A mention is a run of one or more parts of the *same* informant, joined by a space,
  a comma, a hyphen, an underscore, a dot or an apostrophe: the full name, the first or the last
  name alone, "Kurniasih, Ratna", or the file-style ``ratna-kurniasih``. Case and accents are
  ignored (RATNA, Çetin = Cetin).
- **Honorifics.** A title before a name belongs to the mention and is replaced with it: Ibu, Bu,
  Bapak, Pak, Mbak, Mas, Mr., Mrs., Ms., Miss, Sir, Madam, Dr., Prof., Haji/Hj., and "Mother" /
  "Father" as machine translation renders Ibu / Bapak ("Mother Ratna"). A title alone is not a
  name and stays.
- **Typos** (rapidfuzz): a capitalised word of 5 or more letters within one edit
  (Damerau–Levenshtein) of a name part -- two edits from 8 letters on -- is that part
  ("Nurhayatie", "Slammet"). Shorter words must match exactly.
- **Cautious about short parts.** A part of one or two letters (an initial, a short name) or a part
  that is itself a title (a name such as "Ibu Ña") counts only next to another part of the same
  name, or after a title; a 2-letter name alone only in its exact spelling. An initial before
  another part is part of the mention ("R. Kurniasih").
- **Replacement.** A mention becomes ``[pseudonym]`` -- square brackets, as an editor marks a
  change in a quotation. A mention that fits two informants equally (two people called Ratna) is
  ``[informant]``. An informant without a pseudonym is replaced by ``[informant]`` too.
- **Source names** that carry a name (``ratna-kurniasih``) are replaced where they appear as a
  whole by the way a pseudonymised citation names the source: its kind (``interview``),
  numbered when the informant has several of that kind.
- Pseudonyms already in the text are left alone, so scrubbing twice changes nothing.

Every replacement is counted for the side report (:meth:`Pseudonymizer.report`), which names the
real informants: it belongs with the research data, not with the paper.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import text
from sqlmodel import Session

from qualcode.exchange.tables import DisplayRow, DisplayTable

HONORIFICS = frozenset(
    {
        # Indonesian and Javanese: Ibu/Bu (Mrs), Bapak/Pak/Bpk (Mr), Mbak, Mas, Haji
        "ibu",
        "bu",
        "bapak",
        "pak",
        "bpk",
        "mbak",
        "mas",
        "haji",
        "hajjah",
        "hajah",
        "hj",
        # English, and machine translation of Ibu / Bapak
        "mr",
        "mrs",
        "ms",
        "miss",
        "mister",
        "madam",
        "madame",
        "sir",
        "mother",
        "father",
        "dr",
        "prof",
    }
)
AMBIGUOUS = "informant"  # the replacement when a mention fits several informants equally
_WORD = re.compile(r"[^\W\d_]+")
# Between two parts of one name: "Ratna Kurniasih", "Kurniasih, Ratna", "ratna-kurniasih",
# "ratna_kurniasih", "ratna.kurniasih", "O'Brien"; and after a title or an initial, a dot and a
# space ("Mr. Slamet", "R. Kurniasih") -- elsewhere that is the end of a sentence.
_JOIN = re.compile(r"\s*,\s*|\s+|[-_.'’]")
_JOIN_AFTER_ABBREVIATION = re.compile(r"\.\s+")
_INITIAL_GAP = re.compile(r"\.?\s+|\.")
MIN_FUZZY = 5  # letters: shorter words must match a part exactly


def fold(word: str) -> str:
    """Case and accents ignored: ``Çetin`` → ``cetin``."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def max_edits(word: str) -> int:
    return 0 if len(word) < MIN_FUZZY else 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class Person:
    """An informant as the pseudonymiser sees them."""

    name: str
    pseudonym: str | None
    sources: tuple[tuple[str, str], ...] = ()  # (source name, how a citation names it)

    @property
    def parts(self) -> list[str]:
        return _WORD.findall(self.name)

    @property
    def replacement(self) -> str:
        return f"[{self.pseudonym or AMBIGUOUS}]"


@dataclass(frozen=True)
class _Hit:
    """What one word matches: per informant (index), whether it may stand alone, and how."""

    person: int
    alone: bool
    part: int  # which part of the name (0: first)
    edits: int
    initial: bool = False  # a single letter standing for the part ("R." for Ratna)


@dataclass(frozen=True)
class Replacement:
    found: str
    by: str
    how: str
    informant: str


@dataclass
class Pseudonymizer:
    """Replaces informants' names in any text; counts what it replaced."""

    people: Sequence[Person]
    replaced: Counter[Replacement] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._parts: dict[str, list[tuple[int, int, str]]] = {}  # folded part -> hits
        for n, person in enumerate(self.people):
            for k, part in enumerate(person.parts):
                self._parts.setdefault(fold(part), []).append((n, k, part))
        self._fuzzy_choices = sorted(
            p for p in self._parts if len(p) >= MIN_FUZZY and p not in HONORIFICS
        )
        self._cache: dict[str, list[_Hit]] = {}
        fixed: dict[str, tuple[str, int | None]] = {}  # phrase -> (replacement, person)
        for person in self.people:
            if person.pseudonym:
                fixed.setdefault(person.pseudonym, (person.pseudonym, None))
        for n, person in enumerate(self.people):
            for source, cited in person.sources:
                if source not in fixed and self._mentions(source):
                    fixed[source] = (cited, n)
        self._fixed = fixed
        phrases = sorted(fixed, key=lambda p: (-len(p), p))
        self._fixed_re = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
            if phrases
            else None
        )

    # -- matching ---------------------------------------------------------------------------
    def _hits(self, word: str) -> list[_Hit]:
        """The informants a word can name (exact parts first; typo'd variants otherwise)."""
        if word in self._cache:
            return self._cache[word]
        key = fold(word)
        hits = []
        for person, k, part in self._parts.get(key, []):
            if len(key) < 3:
                alone = word == part  # a short name alone only as spelt
            else:
                alone = key not in HONORIFICS
            hits.append(_Hit(person, alone, k, 0))
        if not hits and len(key) == 1:  # an initial: "R. Kurniasih"
            for part_key, parts in self._parts.items():
                if part_key.startswith(key):
                    hits += [_Hit(person, False, k, 0, True) for person, k, _ in parts]
        if not hits and word[:1].isupper() and max_edits(key):
            found = process.extract(
                key,
                self._fuzzy_choices,
                scorer=DamerauLevenshtein.distance,
                score_cutoff=max_edits(key),
                limit=None,
            )
            best = min((int(score) for _, score, _ in found), default=None)
            for choice, score, _ in found:
                if int(score) == best and max_edits(choice):
                    for person, k, _part in self._parts[choice]:
                        hits.append(_Hit(person, True, k, int(score)))
        self._cache[word] = hits
        return hits

    def _mentions(self, value: str) -> bool:
        return bool(self._scan(value, protect=False))

    def _scan(self, value: str, protect: bool = True) -> list[tuple[int, int, str, str, str]]:
        """The mentions in ``value``: (start, end, replacement, how, informant), in order."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(value)]
        found: list[tuple[int, int, str, str, str]] = []
        taken: list[tuple[int, int]] = []
        if protect and self._fixed_re is not None:
            for m in self._fixed_re.finditer(value):
                by, person = self._fixed[m.group()]
                taken.append((m.start(), m.end()))
                if person is not None:
                    who = self.people[person].name
                    found.append((m.start(), m.end(), by, "source name", who))

        def free(i: int) -> bool:
            s, e, _ = words[i]
            return not any(a < e and s < b for a, b in taken)

        def gap(i: int) -> str:  # what separates words i and i+1
            return value[words[i][1] : words[i + 1][0]] if i + 1 < len(words) else ""

        def joined(i: int) -> bool:  # words i and i+1 are parts of one mention
            start, end, word = words[i][1], words[i + 1][0], words[i][2]
            if _JOIN.fullmatch(value, start, end):
                return True
            short = len(word) == 1 or fold(word) in HONORIFICS
            return short and _JOIN_AFTER_ABBREVIATION.fullmatch(value, start, end) is not None

        i = 0
        while i < len(words):
            if not free(i):
                i += 1
                continue
            best = self._run(words, i, joined, free, gap, titled=False)
            if fold(words[i][2]) in HONORIFICS:  # "Ibu Ratna", "Bapak Dr. Slamet"
                j = i
                while j + 1 < len(words) and joined(j) and fold(words[j + 1][2]) in HONORIFICS:
                    j += 1
                if j + 1 < len(words) and joined(j):
                    titled = self._run(words, j + 1, joined, free, gap, titled=True)
                    if titled is not None and (best is None or titled[0] >= best[0]):
                        best = (titled[0], titled[1], "title + " + titled[2])
            if best is None:
                i += 1
                continue
            end, people, how = best
            if len(people) == 1:
                person = self.people[next(iter(people))]
                by, who = person.replacement, person.name
            else:
                by = f"[{AMBIGUOUS}]"
                who = " or ".join(sorted(self.people[p].name for p in people))
                how += ", ambiguous"
            found.append((words[i][0], words[end][1], by, how, who))
            i = end + 1
        return sorted(found)

    def _run(self, words, i, joined, free, gap, titled):  # type: ignore[no-untyped-def]
        """The longest run of parts of one informant starting at word ``i``:
        (last word, informants, how) or None."""
        hits = self._hits(words[i][2]) if free(i) else []
        if hits and all(h.initial for h in hits):  # "R. Kurniasih"; but "Kurnia's. Ratna"
            after_apostrophe = i > 0 and gap(i - 1).endswith(("'", "’"))
            if after_apostrophe or not _INITIAL_GAP.fullmatch(gap(i)):
                return None
        people = {h.person for h in hits}
        if not people:
            return None
        used = [hits]
        seen = {(h.person, h.part) for h in hits}  # each part once: "Ratna, Ratna" is two
        end = i
        while end + 1 < len(words) and joined(end) and free(end + 1):
            possessive = gap(end) in ("'", "’")  # "Kurnia's": that s is no initial
            more = [
                h
                for h in self._hits(words[end + 1][2])
                if not (h.initial and possessive) and (h.person, h.part) not in seen
            ]
            both = people & {h.person for h in more}
            if not both:
                break
            people, end = both, end + 1
            used.append(more)
            seen |= {(h.person, h.part) for h in more}
        if end == i:  # one word: it must be able to stand alone (or follow a title)
            alone = {h.person for h in hits if h.alone or (titled and len(fold(words[i][2])) > 1)}
            people &= alone
            if not people:
                return None
        kept = [h for group in used for h in group if h.person in people]
        edits = max(h.edits for h in kept)
        if end > i:
            parts = min(len(self.people[p].parts) for p in people)
            how = "full name" if end - i + 1 >= parts else "name"
        else:
            last = max(len(self.people[p].parts) - 1 for p in people)
            k = kept[0].part
            how = "first name" if k == 0 and last > 0 else "last name" if k == last > 0 else "name"
        if edits:
            how += f", typo ({edits} edit{'s' if edits > 1 else ''})"
        return end, people, how

    # -- replacing --------------------------------------------------------------------------
    def scrub(self, value: str) -> str:
        """``value`` with every mention of an informant replaced (and counted)."""
        if not value:
            return value
        mentions = self._scan(value)
        if not mentions:
            return value
        out, at = [], 0
        for start, end, by, how, who in mentions:
            if start < at:
                continue
            out.append(value[at:start])
            out.append(by)
            self.replaced[Replacement(value[start:end], by, how, who)] += 1
            at = end
        out.append(value[at:])
        return "".join(out)

    def value(self, value: Any) -> Any:
        """Any JSON-like value with every string scrubbed (keys too)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def table(self, table: DisplayTable) -> DisplayTable:
        """A copy of ``table`` with every text scrubbed: title, header, labels, cells, notes."""
        s = self.scrub
        rows = [
            DisplayRow(
                s(r.label),
                [s(v) if isinstance(v, str) else v for v in r.cells],
                None if r.group is None else s(r.group),
                r.subtotal,
            )
            for r in table.rows
        ]
        return replace(
            table,
            title=s(table.title),
            row_dimension=s(table.row_dimension),
            columns=[s(c) for c in table.columns],
            rows=rows,
            notes=[s(n) for n in table.notes],
            meta=self.value(table.meta),
        )

    def tables(self, tables: Iterable[DisplayTable]) -> list[DisplayTable]:
        return [self.table(t) for t in tables]

    # -- the side report --------------------------------------------------------------------
    def report(self, export: str) -> str:
        """What was replaced, for the researcher (it names the real informants)."""
        lines = [
            f"Pseudonymisation report for {export}",
            "Names the real informants: keep it with the research data, never with the paper.",
            "",
            "informant -> pseudonym",
        ]
        for person in sorted(self.people, key=lambda p: fold(p.name)):
            lines.append(f"  {person.name} -> {person.pseudonym or '(none: [informant])'}")
        lines.append("")
        if not self.replaced:
            lines.append("Nothing replaced in the text: no informant is mentioned by name.")
            return "\n".join(lines) + "\n"
        total = sum(self.replaced.values())
        lines.append(f"Replaced in the text ({total} mention{'s' if total != 1 else ''}):")
        order = sorted(self.replaced.items(), key=lambda kv: (fold(kv[0].informant), kv[0].found))
        for r, n in order:
            lines.append(f"  {r.found!r} -> {r.by!r}  x{n}  ({r.how}; {r.informant})")
        return "\n".join(lines) + "\n"


def cited_sources(session: Session) -> dict[int, tuple[str, str, int | None]]:
    """Per source id: (name, how a pseudonymised citation names it, informant id). A source
    of an informant is named by its kind, numbered when the informant has several of that kind
    (as the displays do); a source without an informant keeps its name."""
    rows = list(
        session.connection().execute(text("SELECT id, name, kind, informant_id FROM source"))
    )
    siblings: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for sid, name, kind, informant in rows:
        if informant is not None:
            siblings.setdefault((int(informant), kind), []).append((name, int(sid)))
    out: dict[int, tuple[str, str, int | None]] = {}
    for sid, name, kind, informant in rows:
        cited = name
        if informant is not None:
            group = sorted(siblings[(int(informant), kind)], key=lambda ns: (fold(ns[0]), ns))
            cited = kind
            if len(group) > 1:
                cited = f"{kind} {[s for _, s in group].index(int(sid)) + 1}"
        out[int(sid)] = (name, cited, None if informant is None else int(informant))
    return out


def pseudonymizer_for(session: Session) -> Pseudonymizer:
    """A pseudonymiser for every informant of the project (ordered by name)."""
    sources: dict[int, list[tuple[str, str]]] = {}
    for name, cited, informant in cited_sources(session).values():
        if informant is not None:
            sources.setdefault(informant, []).append((name, cited))
    people = [
        Person(name, pseudonym, tuple(sorted(sources.get(int(iid), []))))
        for iid, name, pseudonym in session.connection().execute(
            text("SELECT id, name, pseudonym FROM informant ORDER BY name, id")
        )
    ]
    return Pseudonymizer(people)
