"""What every coding write shares: checks (span, magnitude), coders, ids by key and the audit
detail of imported codings; the writes themselves are in ``storage/actions.py`` (the app, with
undo), ``exchange/codings_csv.py`` and ``exchange/refi`` (bulk imports)."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from qualcode.core.codebook import MagnitudeScale
from qualcode.core.errors import QualcodeError
from qualcode.storage.models import Coder
from qualcode.storage.project import audit


def coder_id(session: Session, name: str, actor: str | None = None) -> int:
    """The id of coder ``name``, created on first use."""
    name = name.strip()
    if not name:
        raise QualcodeError("a coder needs a name")
    row = session.exec(select(Coder).where(Coder.name == name)).first()
    if row is None:
        row = Coder(name=name)
        session.add(row)
        session.flush()
        audit(session, actor or name, "create", "coder", row.id, name=name)
    assert row.id is not None
    return row.id


def check_span(source_name: str, length: int, start: int, end: int) -> None:
    """A coded span must be non-empty and inside its source's text of ``length`` characters."""
    if not 0 <= start < end <= length:
        raise QualcodeError(
            f"span [{start}, {end}) is outside source '{source_name}' "
            f"(its text has {length} characters)"
        )


def check_magnitude(scale: MagnitudeScale | None, magnitude: int | None) -> None:
    if magnitude is None:
        return
    if scale is None:
        raise QualcodeError("the codebook declares no magnitude scale")
    if not scale.contains(magnitude):
        raise QualcodeError(f"magnitude {magnitude} is outside the scale {scale.min}..{scale.max}")


def coding_ids_by_key(conn: Connection, source_ids: set[int]) -> dict[tuple[int, ...], int]:
    """The id of every coding of ``source_ids`` by its unique key
    ``(source_id, code_id, coder_id, start, end)``.

    Bulk imports insert with a plain executemany and read the new ids back with this one query:
    ``INSERT ... RETURNING`` over tens of thousands of rows is quadratic in SQLAlchemy's result
    handling (minutes for 20,000 codings).
    """
    if not source_ids:
        return {}
    sql = text(
        'SELECT id, source_id, code_id, coder_id, start, "end" FROM coding WHERE source_id IN :ids'
    ).bindparams(bindparam("ids", expanding=True))
    return {tuple(r[1:]): r[0] for r in conn.execute(sql, {"ids": sorted(source_ids)})}  # type: ignore[misc]


def imported_detail(
    origin: str, source_id: int, code_id: int, coder_id: int, start: int, end: int
) -> str:
    """The audit detail of a coding an import wrote (codings CSV, REFI-QDA): where it came from
    and what it is, with the ids the coding app's entries record, so that ``qualcode log
    --source`` finds it by its source and the log tells what it was after it is gone."""
    return json.dumps(
        {
            "origin": origin,
            "source_id": source_id,
            "code_id": code_id,
            "coder_id": coder_id,
            "start": start,
            "end": end,
        }
    )
