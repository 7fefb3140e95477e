"""Adjudication: settle the coders' disagreements into a consensus coder.

A *disagreement* is a segment of a compared source (see ``analysis/agreement.py``) and a code
that some, but not all, of the compared coders applied there. Its id is ``SEGMENT_ID:CODE_ID``
(stable while the transcript is not re-segmented). The supervisor decides each one:

- a coder's name: that coder was right; their codings of the code on the segment go to the
  consensus coder (for a coder who did not apply it: the consensus does not have it there);
- ``both`` (or ``all``): every coder who applied it was right; their codings go in together;
- ``neither``: the code does not belong there; the consensus does not have it.

A decision replaces what the consensus coder had for that code on that segment: its codings are
cut to outside the segment, the accepted codings are clipped to the segment and added, and pieces
of one code that touch are joined again (so a consensus coding over three segments stays one
coding when all three are accepted). Each decision is one transaction with its audit entry
(action ``adjudicate``), which is also how a listing knows what has been decided.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session, select

from qualcode.analysis.agreement import Comparison, comparison, marks_sql
from qualcode.core.errors import QualcodeError
from qualcode.storage.codings import coder_id
from qualcode.storage.models import Coding, utcnow
from qualcode.storage.project import audit

CONSENSUS = "consensus"
BOTH = ("both", "all")
NEITHER = "neither"


@dataclass(frozen=True)
class Applied:
    """One coder's coding of the disputed code on the segment."""

    coding_id: int
    start: int
    end: int
    magnitude: int | None
    memo: str | None
    text: str


@dataclass
class Disagreement:
    id: str
    segment_id: int
    source: str
    ordinal: int
    code_id: int
    code: str
    text: str  # the segment's text
    applied: dict[str, list[Applied]] = field(default_factory=dict)  # coder -> codings (maybe none)
    decision: str | None = None  # the last decision recorded, if any

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "segment": self.ordinal,
            "code": self.code,
            "text": self.text,
            "applied": {
                coder: [
                    {
                        "start": a.start,
                        "end": a.end,
                        "text": a.text,
                        "magnitude": a.magnitude,
                        "memo": a.memo,
                    }
                    for a in codings
                ]
                for coder, codings in self.applied.items()
            },
            "decision": self.decision,
        }


def disagreements(
    session: Session,
    coders: Sequence[str],
    codes: Sequence[str] = (),
    *,
    into: str = CONSENSUS,
) -> list[Disagreement]:
    """Every disagreement of ``coders``, by source and segment, with the last decision taken."""
    cmp = comparison(session, coders, codes)
    _check_into(cmp, into)
    everyone = (1 << len(cmp.coder_ids)) - 1
    pairs = f"SELECT unit, code_id FROM marks WHERE mask <> {everyone}"
    out = _describe_many(session, cmp, pairs, prefix=marks_sql(cmp))
    decided = _decisions(session, cmp, into)
    for item in out:
        item.decision = decided.get(item.id)
    order = {c: i for i, c in enumerate(cmp.paths)}
    out.sort(key=lambda d: (d.source, d.ordinal, order[d.code_id]))
    return out


def decide(
    session: Session,
    coders: Sequence[str],
    disagreement_id: str,
    accept: str,
    *,
    into: str = CONSENSUS,
    actor: str,
) -> Disagreement:
    """Record the supervisor's decision on one disagreement and write it into ``into``."""
    cmp = comparison(session, coders)
    _check_into(cmp, into)
    segment_id, code_id = _parse_id(disagreement_id)
    if code_id not in cmp.paths:
        raise QualcodeError(f"disagreement '{disagreement_id}': no code with id {code_id}")
    item = _describe(session, cmp, segment_id, code_id)
    applied_by = [c for c, codings in item.applied.items() if codings]
    if not applied_by or len(applied_by) == len(cmp.coder_names):
        raise QualcodeError(
            f"disagreement '{disagreement_id}': the coders agree on {item.code} there"
        )
    if accept in BOTH:
        chosen = applied_by
    elif accept == NEITHER:
        chosen = []
    elif accept in cmp.coder_names:
        chosen = [accept]
    else:
        options = ", ".join([*cmp.coder_names, "both", "neither"])
        raise QualcodeError(f"cannot accept '{accept}' (choose {options})")
    removed, added = _settle(session, item, chosen, into, actor)
    audit(
        session,
        actor,
        "adjudicate",
        "segment",
        segment_id,
        disagreement=item.id,
        code=item.code,
        source=item.source,
        segment=item.ordinal,
        coders=cmp.coder_names,
        applied_by=applied_by,
        accept=accept if accept not in BOTH else "both",
        into=into,
        removed=removed,
        added=added,
    )
    item.decision = accept if accept not in BOTH else "both"
    return item


def accept_agreed(
    session: Session,
    coders: Sequence[str],
    codes: Sequence[str] = (),
    *,
    into: str = CONSENSUS,
    actor: str,
) -> int:
    """Copy what every coder applied (the agreements) into ``into``; one audit entry. Returns
    the number of (segment, code) pairs copied. The coders' spans are joined, as for ``both``."""
    cmp = comparison(session, coders, codes)
    _check_into(cmp, into)
    everyone = (1 << len(cmp.coder_ids)) - 1
    pairs = f"SELECT unit, code_id FROM marks WHERE mask = {everyone}"
    agreed = _describe_many(session, cmp, pairs, prefix=marks_sql(cmp))
    for item in agreed:
        _settle(session, item, cmp.coder_names, into, actor)
    audit(
        session,
        actor,
        "adjudicate agreed",
        "coder",
        coder_id(session, into, actor),
        coders=cmp.coder_names,
        codes=[cmp.paths[c] for c in cmp.code_ids] if cmp.code_ids is not None else None,
        copied=len(agreed),
        into=into,
    )
    return len(agreed)


def _settle(
    session: Session, item: Disagreement, chosen: Sequence[str], into: str, actor: str
) -> tuple[list[int], list[int]]:
    """Make ``into``'s codings of the item's code on its segment the chosen coders' (clipped to
    the segment); returns (ids removed, ids there now)."""
    source_id, start, end = (
        session.connection()
        .execute(
            text('SELECT source_id, start, "end" FROM segment WHERE id = :i'),
            {"i": item.segment_id},
        )
        .one()
    )
    target = coder_id(session, into, actor)
    code_id = item.code_id
    removed = _clear(session, target, source_id, code_id, start, end)
    for who in chosen:
        for a in item.applied[who]:
            _add(session, target, source_id, code_id, max(a.start, start), min(a.end, end), a)
    here = _overlapping(session, target, source_id, code_id, start, end, touching=False)
    return removed, [row.id for row in here if row.id is not None]


# -- reading -----------------------------------------------------------------------------------
def _describe(session: Session, cmp: Comparison, segment_id: int, code_id: int) -> Disagreement:
    items = _describe_many(
        session, cmp, f"SELECT {int(segment_id)} AS unit, {int(code_id)} AS code_id"
    )
    if not items:
        raise QualcodeError(f"no segment with id {segment_id} (list the disagreements again)")
    return items[0]


def _describe_many(
    session: Session, cmp: Comparison, pairs: str, prefix: str = ""
) -> list[Disagreement]:
    """The (segment, code) pairs the SQL ``pairs`` selects (columns unit, code_id; ``prefix`` is
    its WITH clause), each with every compared coder's codings of the code overlapping the
    segment. Three statements whatever the number of pairs; texts are sliced in Python from
    each source's text, read once."""
    conn = session.connection()
    sql = f"""{prefix}
        SELECT g.id, p.code_id, g.source_id, g.ordinal, g.start, g."end",
               cd.id, cd.coder_id, cd.start, cd."end", cd.magnitude, cd.memo
        FROM ({pairs}) p
        JOIN segment g ON g.id = p.unit
        LEFT JOIN coding cd ON cd.source_id = g.source_id AND cd.code_id = p.code_id
            AND cd.coder_id IN ({cmp.coder_sql()}) AND cd.start < g."end" AND cd."end" > g.start
        ORDER BY g.source_id, g.start, p.code_id, cd.start, cd.id
    """
    rows = conn.execute(text(sql)).all()
    source_ids = sorted({r[2] for r in rows})
    sources: dict[int, tuple[str, str]] = {}
    if source_ids:
        listed = ", ".join(str(i) for i in source_ids)
        for sid, name, body in conn.execute(
            text(f"SELECT id, name, text FROM source WHERE id IN ({listed})")
        ):
            sources[sid] = (name, body)
    names = dict(zip(cmp.coder_ids, cmp.coder_names, strict=True))
    items: dict[tuple[int, int], Disagreement] = {}
    for segment_id, code_id, sid, ordinal, start, end, cid, who, a, b, magnitude, memo in rows:
        name, body = sources[sid]
        item = items.get((segment_id, code_id))
        if item is None:
            item = items[segment_id, code_id] = Disagreement(
                id=f"{segment_id}:{code_id}",
                segment_id=segment_id,
                source=name,
                ordinal=ordinal,
                code_id=code_id,
                code=cmp.paths[code_id],
                text=body[start:end],
                applied={n: [] for n in cmp.coder_names},
            )
        if cid is not None:
            item.applied[names[who]].append(Applied(cid, a, b, magnitude, memo, body[a:b]))
    return list(items.values())


def _decisions(session: Session, cmp: Comparison, into: str) -> dict[str, str]:
    """The last decision per disagreement id among these coders into ``into``."""
    out: dict[str, str] = {}
    for (detail,) in session.connection().execute(
        text("SELECT detail FROM audit_log WHERE action = 'adjudicate' ORDER BY id")
    ):
        d = json.loads(detail)
        if d.get("into") == into and sorted(d.get("coders", ())) == sorted(cmp.coder_names):
            out[d["disagreement"]] = d["accept"]
    return out


# -- writing -----------------------------------------------------------------------------------
def _clear(
    session: Session, coder: int, source_id: int, code_id: int, start: int, end: int
) -> list[int]:
    """Cut the consensus coder's codings of the code to outside ``[start, end)``."""
    removed = []
    for row in _overlapping(session, coder, source_id, code_id, start, end, touching=False):
        assert row.id is not None
        removed.append(row.id)
        keep = [(row.start, start), (end, row.end)]
        session.delete(row)
        session.flush()
        for a, b in keep:
            if a < b:
                session.add(_copy(row, coder, a, b))
    session.flush()
    return removed


def _add(
    session: Session, coder: int, source_id: int, code_id: int, start: int, end: int, a: Applied
) -> int:
    """Add ``[start, end)`` to the consensus, joined with its codings of the code it touches."""
    magnitude, memos = a.magnitude, [a.memo] if a.memo else []
    for row in _overlapping(session, coder, source_id, code_id, start, end, touching=True):
        start, end = min(start, row.start), max(end, row.end)
        magnitude = row.magnitude if row.magnitude is not None else magnitude
        if row.memo and row.memo not in memos:
            memos.insert(0, row.memo)
        session.delete(row)
    session.flush()
    now = utcnow()
    new = Coding(
        source_id=source_id,
        code_id=code_id,
        coder_id=coder,
        start=start,
        end=end,
        magnitude=magnitude,
        memo="\n".join(memos) or None,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    assert new.id is not None
    return new.id


def _overlapping(
    session: Session,
    coder: int,
    source_id: int,
    code_id: int,
    start: int,
    end: int,
    *,
    touching: bool,
) -> list[Coding]:
    """The coder's codings of the code overlapping ``[start, end)`` (or touching it)."""
    starts_before = Coding.start <= end if touching else Coding.start < end
    ends_after = Coding.end >= start if touching else Coding.end > start
    return list(
        session.exec(
            select(Coding)
            .where(
                Coding.coder_id == coder,
                Coding.source_id == source_id,
                Coding.code_id == code_id,
                starts_before,
                ends_after,
            )
            .order_by(Coding.start)  # type: ignore[arg-type]
        )
    )


def _copy(row: Coding, coder: int, start: int, end: int) -> Coding:
    now = utcnow()
    return Coding(
        source_id=row.source_id,
        code_id=row.code_id,
        coder_id=coder,
        start=start,
        end=end,
        magnitude=row.magnitude,
        memo=row.memo,
        created_at=now,
        updated_at=now,
    )


def _check_into(cmp: Comparison, into: str) -> None:
    if not into.strip():
        raise QualcodeError("the consensus coder needs a name (--into NAME)")
    if into in cmp.coder_names:
        raise QualcodeError(f"'{into}' is one of the compared coders; choose another --into")


def _parse_id(value: str) -> tuple[int, int]:
    try:
        segment, code = value.split(":")
        return int(segment), int(code)
    except ValueError:
        raise QualcodeError(
            f"'{value}' is not a disagreement id (SEGMENT:CODE, e.g. 12:3, "
            "from 'qualcode adjudicate --list')"
        ) from None
