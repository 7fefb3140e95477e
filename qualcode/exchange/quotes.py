"""The quote table: selected excerpts per code with their citations, as papers print them under
each finding.

Which codes: the codes named (each with its sub-codes' excerpts), or every code that has
codings, in codebook order (each with its own excerpts only, so no quote is printed twice).

Which excerpts, at most ``per_code`` per code: the most telling first -- an excerpt with a memo,
then the strongest |magnitude|, then the longest, then by source and position (the displays'
rule) -- taken in turns: every informant's best excerpt before anyone's second, and within a
turn the roles alternate, so that three quotes come from three people when three people said
something, and from officials and MSME actors when both did. The same words coded twice (two
coders, or a code and its sub-code) are one excerpt. The chosen excerpts are printed in the
order of role, informant, source and position (by pseudonym when pseudonymised: the order of
real names would leak).

Each row: code, quote (white space collapsed), informant, role, source, segment (``#6, 00:02:18``:
the turn or paragraph the excerpt starts in and its timestamp; ``@1234``, the offset, when the
source has no segments). Pseudonymised, the informant is their pseudonym and the source is
named by its kind (numbered when the informant has several of that kind); the export step then
replaces names mentioned inside the quotes (pseudonyms.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import text
from sqlmodel import Session

from qualcode.analysis.retrieval import Excerpt, retrieve
from qualcode.core.errors import QualcodeError
from qualcode.exchange.pseudonyms import cited_sources, fold
from qualcode.exchange.tables import DisplayRow, DisplayTable
from qualcode.storage.codes import resolve_code

COLUMNS = ["quote", "informant", "role", "source", "segment"]
RULE = (
    "Quotes, most telling first: with a memo, then the strongest |magnitude|, then the longest; "
    "taken in turns across roles and informants; the same words coded twice are one quote."
)
_SPACE = re.compile(r"\s+")


def quote_table(
    session: Session,
    codes: Sequence[str] = (),
    per_code: int = 3,
    coder: str | None = None,
    pseudonymize: bool = False,
) -> DisplayTable:
    """The quote table (see the module docstring); ``per_code=0`` keeps every excerpt."""
    if per_code < 0:
        raise QualcodeError(f"--per-code must be 0 (all) or more, not {per_code}")
    if coder is not None:
        known = session.connection().execute(
            text("SELECT 1 FROM coder WHERE name = :n"), {"n": coder}
        )
        if known.first() is None:
            raise QualcodeError(f"unknown coder '{coder}'")
    if codes:
        picked = [resolve_code(session, c) for c in codes]
        sections = [(c.id, c.path, True) for c in picked]
    else:
        rows = session.connection().execute(
            text(
                "SELECT c.id, c.path FROM code c WHERE EXISTS "
                "(SELECT 1 FROM coding cd WHERE cd.code_id = c.id) ORDER BY c.position, c.path"
            )
        )
        sections = [(int(i), p, False) for i, p in rows]
    cited = cited_sources(session) if pseudonymize else {}
    rows_out: list[DisplayRow] = []
    empty: list[str] = []
    for code_id, path, subcodes in sections:
        assert code_id is not None
        found = retrieve(session, code_id, include_subcodes=subcodes, coder=coder, context=0)
        chosen = select_quotes(found, per_code)
        if not chosen:
            empty.append(path)
        for e in _printed_order(chosen, pseudonymize):
            rows_out.append(DisplayRow(path, _cells(e, pseudonymize, cited), group=path))
    notes = [RULE]
    if pseudonymize:
        notes.append(
            "Informants are cited by pseudonym and sources by kind; names mentioned in the "
            "quotes are replaced by [pseudonym]."
        )
    if empty:
        notes.append(f"No quotes: {', '.join(empty)}.")
    if coder:
        notes.append(f"Coder: {coder}.")
    most = f"at most {per_code} per code" if per_code else "all"
    return DisplayTable(
        title=f"Quotes ({most})" + (f", coder {coder}" if coder else ""),
        row_dimension="code",
        columns=list(COLUMNS),
        rows=rows_out,
        notes=notes,
        meta={
            "kind": "quotes",
            "sheet": "quotes",
            "merge_labels": True,
            "per_code": per_code,
            "codes": list(codes),
            "pseudonymized": pseudonymize,
        },
    )


def select_quotes(excerpts: Sequence[Excerpt], per_code: int) -> list[Excerpt]:
    """The most telling distinct excerpts, in turns across informants (see the module doc)."""
    best: dict[tuple[int, int, int], tuple[tuple[object, ...], Excerpt]] = {}
    for e in excerpts:
        span = (e.source_id, e.start, e.end)
        key = (
            0 if e.memo else 1,
            -abs(e.magnitude or 0),
            -(e.end - e.start),
            e.source,
            e.start,
            e.coding_id,
        )
        if span not in best or key < best[span][0]:
            best[span] = (key, e)
    ranked = [e for _, e in sorted(best.values(), key=lambda ke: ke[0])]
    by_unit: dict[str, list[Excerpt]] = {}
    for e in ranked:  # dicts keep insertion order: units by their best excerpt
        by_unit.setdefault(e.informant or f"\0{e.source}", []).append(e)
    # Turns: each unit's best excerpt before anyone's second; within a turn the roles take
    # turns too (the best official, the best MSME actor, the second-best official, ...).
    roles: dict[str | None, int] = {}
    place: dict[str, tuple[int, int]] = {}
    for unit, found in by_unit.items():
        role = found[0].role
        place[unit] = (
            sum(1 for u in place if by_unit[u][0].role == role),
            roles.setdefault(role, len(roles)),
        )
    turns: list[Excerpt] = []
    depth = max((len(v) for v in by_unit.values()), default=0)
    for k in range(depth):
        units = sorted((u for u, v in by_unit.items() if k < len(v)), key=lambda u: place[u])
        turns += [by_unit[u][k] for u in units]
    return turns[:per_code] if per_code else turns


def _printed_order(chosen: list[Excerpt], pseudonymize: bool) -> list[Excerpt]:
    def key(e: Excerpt) -> tuple[object, ...]:
        who = (e.pseudonym if pseudonymize else e.informant) or ""
        return (
            e.role is None,
            fold(e.role or ""),
            e.informant is None,
            fold(who),
            e.source,
            e.start,
        )

    return sorted(chosen, key=key)


def _cells(
    e: Excerpt, pseudonymize: bool, cited: dict[int, tuple[str, str, int | None]]
) -> list[int | float | str | None]:
    if pseudonymize and e.informant is not None and not e.pseudonym:
        raise QualcodeError(
            f"--pseudonymize: no pseudonym for {e.informant} "
            "(set one in informants.yaml and re-import)"
        )
    # A document without an informant: no one to cite (missing), the source names it.
    who = (e.pseudonym if pseudonymize else e.informant) if e.informant is not None else None
    source = cited[e.source_id][1] if pseudonymize else e.source
    where = f"#{e.ordinal}" if e.ordinal is not None else f"@{e.start}"
    if e.timestamp:
        where += f", {e.timestamp}"
    return [_SPACE.sub(" ", e.text).strip(), who, e.role or "", source, where]
