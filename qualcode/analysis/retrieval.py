"""Code-and-retrieve: every excerpt coded with a code, with its citation and context."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlmodel import Session


@dataclass(frozen=True)
class Excerpt:
    coding_id: int
    code_path: str
    coder: str
    source_id: int
    source: str
    kind: str
    informant: str | None
    pseudonym: str | None
    role: str | None
    ordinal: int | None  # the segment the excerpt starts in
    timestamp: str | None
    start: int
    end: int
    text: str
    before: str  # context: the segment's text before the excerpt, or the previous segment's end
    after: str  # the segment's text after the excerpt, or the next segment's start
    magnitude: int | None
    memo: str | None

    def citation(self, pseudonymize: bool = False) -> str:
        who = (self.pseudonym if pseudonymize and self.pseudonym else self.informant) or self.source
        where = f"#{self.ordinal}" if self.ordinal is not None else f"@{self.start}"
        if self.timestamp:
            where += f", {self.timestamp}"
        return f"{who}, {self.source} {where}"


def retrieve(
    session: Session,
    code_id: int,
    *,
    include_subcodes: bool = True,
    coder: str | None = None,
    context: int = 120,
) -> list[Excerpt]:
    """Excerpts of ``code_id`` (and its sub-codes), ordered by role, informant, source, position."""
    conn = session.connection()
    path = conn.execute(text("SELECT path FROM code WHERE id = :i"), {"i": code_id}).scalar_one()
    code_filter = "c.id = :code"
    params: dict[str, object] = {"code": code_id}
    if include_subcodes:
        code_filter = "(c.id = :code OR c.path LIKE :prefix ESCAPE '!')"
        params["prefix"] = _like_escape(path) + "/%"
    coder_filter = ""
    if coder is not None:
        coder_filter = "AND k.name = :coder"
        params["coder"] = coder
    sql = text(
        f"""
        SELECT cd.id, c.path, k.name, s.id, s.name, s.kind, i.name, i.pseudonym, i.role,
               cd.start, cd."end", cd.magnitude, cd.memo
        FROM coding cd
        JOIN code c ON c.id = cd.code_id
        JOIN coder k ON k.id = cd.coder_id
        JOIN source s ON s.id = cd.source_id
        LEFT JOIN informant i ON i.id = s.informant_id
        WHERE {code_filter} {coder_filter}
        ORDER BY COALESCE(i.role, '~'), COALESCE(i.name, '~'), s.name, cd.start, c.path, k.name
        """
    )
    rows = list(conn.execute(sql, params))
    source_ids = sorted({r[3] for r in rows})
    texts: dict[int, str] = {}
    segments: dict[int, list[tuple[int, int, int, str | None]]] = {}
    if source_ids:
        for sid, body in conn.execute(
            text("SELECT id, text FROM source WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": source_ids},
        ):
            texts[sid] = body
        for sid, start, end, ordinal, stamp in conn.execute(
            text(
                'SELECT source_id, start, "end", ordinal, timestamp FROM segment '
                "WHERE source_id IN :ids ORDER BY source_id, start"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": source_ids},
        ):
            segments.setdefault(sid, []).append((start, end, ordinal, stamp))
    out = []
    for cid, cpath, coder_name, sid, sname, kind, who, pseudo, role, start, end, mag, memo in rows:
        body = texts[sid]
        segs = segments.get(sid, [])
        i = bisect_right(segs, (start, float("inf"))) - 1
        ordinal, stamp = (segs[i][2], segs[i][3]) if i >= 0 else (None, None)
        before, after = _context(body, segs, i, start, end, context)
        out.append(
            Excerpt(
                coding_id=cid,
                code_path=cpath,
                coder=coder_name,
                source_id=sid,
                source=sname,
                kind=kind,
                informant=who,
                pseudonym=pseudo,
                role=role,
                ordinal=ordinal,
                timestamp=stamp,
                start=start,
                end=end,
                text=body[start:end],
                before=before,
                after=after,
                magnitude=mag,
                memo=memo,
            )
        )
    return out


def _context(
    body: str, segs: list[tuple[int, int, int, str | None]], i: int, start: int, end: int, n: int
) -> tuple[str, str]:
    """Text around an excerpt: the rest of its segment, else the neighbouring segment's edge
    (for a whole turn, that is usually the question it answers)."""
    if i < 0:
        return body[max(0, start - n) : start], body[end : end + n]
    seg_start = segs[i][0]
    last = i
    while last + 1 < len(segs) and segs[last + 1][0] < end:
        last += 1
    seg_end = segs[last][1]
    if start > seg_start:
        before = body[seg_start:start][-n:]
    elif i > 0:
        before = body[segs[i - 1][0] : segs[i - 1][1]][-n:]
    else:
        before = ""
    if end < seg_end:
        after = body[end:seg_end][:n]
    elif last + 1 < len(segs):
        after = body[segs[last + 1][0] : segs[last + 1][1]][:n]
    else:
        after = ""
    return before, after


def _like_escape(value: str) -> str:
    return value.replace("!", "!!").replace("%", "!%").replace("_", "!_")
