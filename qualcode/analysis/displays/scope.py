"""What a display covers: its code columns, informants, sources and coders, from the filters.

Everything here is small (the codebook, the informants, the sources: thousands of rows at most)
and read with one SQL statement each; the codings themselves are only ever aggregated in SQL
(see facts.py).

Order is part of the contract (Miles & Huberman: a display's order must be stable and stated):
- codes in codebook order (the YAML's order: ``code.position``);
- informants by role (alphabetically, informants without a role last), then by name (or by
  pseudonym when pseudonymized); case and accents are ignored;
- sources by their informant's place in that order (sources without an informant last), then name.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from sqlalchemy import text
from sqlalchemy.engine import Connection

from qualcode.analysis.displays.spec import DisplaySpec
from qualcode.core.errors import QualcodeError
from qualcode.storage.models import SOURCE_KINDS

NO_ROLE = "(no role)"


@dataclass(frozen=True)
class CodeInfo:
    id: int
    path: str
    name: str
    parent_id: int | None

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1


@dataclass(frozen=True)
class Column:
    """A code column: the code (``key`` is its path) and the codes whose codings count for it."""

    key: str
    label: str
    code_ids: frozenset[int]


@dataclass(frozen=True)
class InformantInfo:
    id: int
    name: str
    pseudonym: str | None
    role: str | None
    attributes_json: str = field(default="{}", hash=False, compare=False)

    @cached_property
    def attributes(self) -> dict[str, str]:
        """Read when asked for: only time-ordered displays use them, and a study may have
        thousands of informants."""
        parsed: dict[str, str] = json.loads(self.attributes_json or "{}")
        return parsed

    @property
    def group(self) -> str:
        return self.role or NO_ROLE


@dataclass(frozen=True)
class SourceInfo:
    id: int
    name: str
    kind: str
    informant_id: int | None


@dataclass
class Scope:
    codes: list[CodeInfo]
    columns: list[Column]
    informants: list[InformantInfo]  # in scope, in row order
    sources: list[SourceInfo]  # in scope, in row order
    coder_ids: list[int] | None  # None: every coder
    coder_names: list[str]  # the coders counted (all of them when not filtered)
    sources_filtered: bool  # whether the filters leave out some sources
    above: list[CodeInfo]  # selected codes above the columns: their codings have no column
    pseudonymize: bool = False

    def __post_init__(self) -> None:
        self.informant_by_id = {i.id: i for i in self.informants}
        self.source_by_id = {s.id: s for s in self.sources}
        self.column_of = {cid: k for k, col in enumerate(self.columns) for cid in col.code_ids}
        self.sources_of: dict[int, list[SourceInfo]] = {}
        for s in self.sources:
            if s.informant_id is not None:
                self.sources_of.setdefault(s.informant_id, []).append(s)

    # -- labels ---------------------------------------------------------------------------
    def informant_label(self, informant: InformantInfo) -> str:
        return (informant.pseudonym or "") if self.pseudonymize else informant.name

    def source_label(self, source: SourceInfo) -> str:
        """The source's name; pseudonymized, ``<pseudonym>, <kind>`` (numbered when the
        informant has several of that kind), since source names are often the informant's name."""
        if not self.pseudonymize or source.informant_id is None:
            return source.name
        return f"{self.who(source)}, {self.cited_source(source)}"

    def cited_source(self, source: SourceInfo) -> str:
        """The source as a citation names it after the informant: its name, or pseudonymized
        its kind (numbered when the informant has several of that kind)."""
        if not self.pseudonymize or source.informant_id is None:
            return source.name
        siblings = [s for s in self.sources_of[source.informant_id] if s.kind == source.kind]
        if len(siblings) > 1:
            return f"{source.kind} {siblings.index(source) + 1}"
        return source.kind

    def who(self, source: SourceInfo) -> str:
        """Whose words: the informant (pseudonym when pseudonymized), else the source."""
        if source.informant_id is None:
            return source.name
        return self.informant_label(self.informant_by_id[source.informant_id])

    def filters(self, spec: DisplaySpec) -> dict[str, list[str]]:
        informants = list(spec.informants)
        if self.pseudonymize:  # a name given on the command line must not reach the output
            by_name = {i.name: i.pseudonym or "" for i in self.informants}
            informants = [by_name.get(n, n) for n in informants]
        return {
            "codes": list(spec.codes),
            "informants": informants,
            "roles": list(spec.roles),
            "kinds": list(spec.kinds),
            "coders": list(spec.coders),
        }


def resolve_scope(conn: Connection, spec: DisplaySpec) -> Scope:
    codes = [
        CodeInfo(*r)
        for r in conn.execute(
            text("SELECT id, path, name, parent_id FROM code ORDER BY position, path")
        )
    ]
    if not codes:
        raise QualcodeError(
            "the project has no codebook yet (load one: qualcode codebook load FILE)"
        )
    selected = _selected_codes(codes, spec.codes)
    columns, above = _columns(codes, selected, spec)
    informants = _informants(conn, spec)
    sources, filtered = _sources(conn, spec, informants)
    coder_ids, coder_names = _coders(conn, spec.coders)
    if spec.pseudonymize:
        unnamed = [i.name for i in informants if not i.pseudonym]
        if unnamed:
            raise QualcodeError(
                f"--pseudonymize: no pseudonym for {', '.join(unnamed)} "
                "(set one in informants.yaml and re-import, or leave them out with --informants)"
            )
    return Scope(
        codes=codes,
        columns=columns,
        informants=informants,
        sources=sources,
        coder_ids=coder_ids,
        coder_names=coder_names,
        sources_filtered=filtered,
        above=above,
        pseudonymize=spec.pseudonymize,
    )


@lru_cache(maxsize=4096)  # roles repeat in every row; names of thousands of informants don't
def collate(text: str) -> str:
    """A sort key for names: case and accents ignored (Çetin sorts with C, not after Z)."""
    if text.isascii():  # nothing to decompose: the common case, for thousands of rows
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# -- codes ----------------------------------------------------------------------------------
def _subtree(codes: list[CodeInfo], root: CodeInfo) -> set[int]:
    prefix = root.path + "/"
    return {c.id for c in codes if c.id == root.id or c.path.startswith(prefix)}


def _find_code(codes: list[CodeInfo], name: str) -> CodeInfo:
    """A code by path, or by a name unique in the codebook (as everywhere in qualcode)."""
    for c in codes:
        if c.path == name:
            return c
    matches = [c for c in codes if c.name == name] or [
        c for c in codes if c.name.casefold() == name.casefold()
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        paths = ", ".join(sorted(m.path for m in matches))
        raise QualcodeError(f"code name '{name}' is ambiguous: give its path ({paths})")
    close = difflib.get_close_matches(name, [c.path for c in codes], n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise QualcodeError(f"unknown code '{name}'{hint}")


def _selected_codes(codes: list[CodeInfo], names: tuple[str, ...]) -> set[int] | None:
    if not names:
        return None
    selected: set[int] = set()
    for name in names:
        selected |= _subtree(codes, _find_code(codes, name))
    return selected


def _columns(
    codes: list[CodeInfo], selected: set[int] | None, spec: DisplaySpec
) -> tuple[list[Column], list[CodeInfo]]:
    wanted = selected if selected is not None else {c.id for c in codes}
    if spec.kind == "checklist":
        assert spec.code is not None
        indicator = _find_code(codes, spec.code)
        heads = [c for c in codes if c.parent_id == indicator.id]
        if not heads:
            raise QualcodeError(
                f"code '{indicator.path}' has no sub-codes; a checklist lists the sub-codes "
                "of one indicator"
            )
        above = [indicator] if indicator.id in wanted else []
        what = f"under '{indicator.path}'"
    else:
        heads = [c for c in codes if c.depth == spec.depth]
        if not heads:
            deepest = max((c.depth for c in codes), default=0)
            raise QualcodeError(
                f"no codes at depth {spec.depth} (the codebook is {deepest} level"
                f"{'s' if deepest != 1 else ''} deep)"
            )
        above = [c for c in codes if c.depth < spec.depth and c.id in wanted]
        what = f"at depth {spec.depth}"
    columns = []
    for head in heads:
        ids = _subtree(codes, head) & wanted
        if ids:
            label = head.name if spec.kind == "checklist" else head.path
            columns.append(Column(head.path, label, frozenset(ids)))
    if not columns:
        raise QualcodeError(f"the selected codes have no codes {what} (try another --depth)")
    return columns, above


# -- informants, sources, coders --------------------------------------------------------------
def _informants(conn: Connection, spec: DisplaySpec) -> list[InformantInfo]:
    people = [
        InformantInfo(r[0], r[1], r[2], r[3], r[4] or "{}")
        for r in conn.execute(text("SELECT id, name, pseudonym, role, attributes FROM informant"))
    ]
    # Pseudonymized, the order follows the pseudonyms: the real names' order would leak.
    people.sort(
        key=lambda i: (
            i.role is None,
            collate(i.role or ""),
            collate((i.pseudonym or "") if spec.pseudonymize else i.name),
            i.name,
        )
    )
    if spec.informants:
        by_name = {i.name: i for i in people} | {i.pseudonym: i for i in people if i.pseudonym}
        keep = set()
        for name in spec.informants:
            if name not in by_name:
                close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise QualcodeError(f"unknown informant '{name}'{hint}")
            keep.add(by_name[name].id)
        people = [i for i in people if i.id in keep]
    if spec.roles:
        roles = {i.role for i in people if i.role}
        for role in spec.roles:
            if role not in roles:
                known = ", ".join(sorted(roles)) or "none"
                raise QualcodeError(f"no informant has role '{role}' (roles: {known})")
        people = [i for i in people if i.role in spec.roles]
    return people


def _sources(
    conn: Connection, spec: DisplaySpec, informants: list[InformantInfo]
) -> tuple[list[SourceInfo], bool]:
    for kind in spec.kinds:
        if kind not in SOURCE_KINDS:
            raise QualcodeError(f"unknown source kind '{kind}' ({', '.join(SOURCE_KINDS)})")
    # informant_id is stored after the text: read from its index, it costs no walk through every
    # transcript's pages (a tenth of a second on 9,000 transcripts).
    informant_of: dict[int, int | None] = dict(
        conn.execute(text("SELECT id, informant_id FROM source")).all()  # type: ignore[arg-type]
    )
    every = [
        SourceInfo(sid, name, kind, informant_of[sid])
        for sid, name, kind in conn.execute(text("SELECT id, name, kind FROM source"))
    ]
    place = {i.id: n for n, i in enumerate(informants)}
    by_person = bool(spec.informants or spec.roles)
    sources = [
        s
        for s in every
        if (not spec.kinds or s.kind in spec.kinds) and (not by_person or s.informant_id in place)
    ]
    sources.sort(
        key=lambda s: (
            s.informant_id is None,
            place.get(s.informant_id, 0) if s.informant_id is not None else 0,
            collate(s.name),
            s.name,
        )
    )
    return sources, len(sources) != len(every)


def _coders(conn: Connection, names: tuple[str, ...]) -> tuple[list[int] | None, list[str]]:
    coders = {r[1]: r[0] for r in conn.execute(text("SELECT id, name FROM coder ORDER BY name"))}
    if not names:
        # The coders behind the display: those with codings (a supervisor who only left review
        # memos, or a coder who opened the app and coded nothing, is in the coder table too).
        sql = "SELECT name FROM coder k WHERE EXISTS (SELECT 1 FROM coding WHERE coder_id = k.id)"
        return None, sorted(r[0] for r in conn.execute(text(sql)))
    for name in names:
        if name not in coders:
            known = ", ".join(sorted(coders)) or "none yet"
            raise QualcodeError(f"unknown coder '{name}' (coders: {known})")
    chosen = sorted(set(names))
    return [coders[n] for n in chosen], chosen
