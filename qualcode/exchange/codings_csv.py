"""Codings as CSV: ``source, segment, start, end, code, coder, magnitude, memo`` (+ ``text``).

On import each row gives either ``segment`` (1-based ordinal: the whole segment) or ``start`` and
``end`` (code-point offsets into the source's normalized text; when ``segment`` is given as well the
span must lie inside it). ``code`` is a code's path or unique name. The whole file is checked
before anything is written: one bad row names its CSV line and nothing is imported. Rows already
present (same source, code, coder and span) are counted, not duplicated, so importing twice is
harmless.

Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...) are exported
with a ``'`` in front, and the import takes it off again, so the file is safe to open and still
round-trips exactly (see exchange/formats/csv_safe.py).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, text
from sqlmodel import Session, select

from qualcode.core.errors import InputError, QualcodeError
from qualcode.core.files import read_input
from qualcode.exchange.formats.csv_safe import neutralise_reversibly, restore
from qualcode.storage.codes import magnitude_scale, resolve_code
from qualcode.storage.codings import (
    check_magnitude,
    check_span,
    coder_id,
    coding_ids_by_key,
    imported_detail,
)
from qualcode.storage.models import AuditEntry, Code, Coding, Source, utcnow
from qualcode.storage.project import Project

COLUMNS = ("source", "segment", "start", "end", "code", "coder", "magnitude", "memo")
EXPORT_COLUMNS = (*COLUMNS, "text")
REQUIRED = ("source", "code")


class SourceRef(NamedTuple):
    """What a row needs of its source: not its text, which a large project cannot hold at once."""

    id: int
    name: str
    length: int  # of the text, in code points


@dataclass
class CodingRow:
    line: int
    source: SourceRef
    code: Code
    coder: str
    start: int
    end: int
    magnitude: int | None
    memo: str | None


@dataclass
class CodingsImportReport:
    imported: int = 0
    already_present: int = 0
    coders: tuple[str, ...] = ()


def import_codings_csv(
    project: Project, path: Path, *, default_coder: str | None = None, actor: str = "qualcode"
) -> CodingsImportReport:
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    _check_header(path, header)
    report = CodingsImportReport()
    coder_ids: dict[str, int] = {}
    # The rows are resolved, checked and written a chunk at a time inside the one transaction: a
    # bad row anywhere rolls everything back, and a million codings are never all in memory.
    with project.write() as session:
        rows = _resolve_rows(session, path, reader, default_coder)
        seen = 0
        while chunk := list(islice(rows, CHUNK)):
            seen += len(chunk)
            for name in sorted({r.coder for r in chunk} - set(coder_ids)):
                coder_ids[name] = coder_id(session, name, actor)
            _write_chunk(session, path, chunk, coder_ids, actor, report)
        if not seen:
            raise InputError(path, "no codings in the file")
        report.coders = tuple(sorted(coder_ids))
    return report


CHUNK = 50_000  # rows resolved and written at a time


def _write_chunk(
    session: Session,
    path: Path,
    rows: list[CodingRow],
    coder_ids: dict[str, int],
    actor: str,
    report: CodingsImportReport,
) -> None:
    """Insert the chunk's new codings with an audit entry each; count the ones already there
    (in the project, or earlier in the file: those are in the project by now)."""
    conn = session.connection()
    sources = {r.source.id for r in rows}
    present = set(coding_ids_by_key(conn, sources))
    now = utcnow()
    new: list[dict[str, object]] = []
    keys: list[tuple[int, int, int, int, int]] = []  # of the new ones, as coding_ids_by_key has
    for r in rows:
        key = (r.source.id, r.code.id, coder_ids[r.coder], r.start, r.end)
        if key in present:
            report.already_present += 1
            continue
        present.add(key)  # type: ignore[arg-type]
        keys.append(key)  # type: ignore[arg-type]
        new.append(
            {
                "source_id": r.source.id,
                "code_id": r.code.id,
                "coder_id": coder_ids[r.coder],
                "start": r.start,
                "end": r.end,
                "magnitude": r.magnitude,
                "memo": r.memo,
                "created_at": now,
                "updated_at": now,
            }
        )
    if not new:
        return
    conn.execute(insert(Coding.__table__), new)  # type: ignore[attr-defined]
    by_key = coding_ids_by_key(conn, sources)
    conn.execute(
        insert(AuditEntry.__table__),  # type: ignore[attr-defined]
        [
            {
                "at": now,
                "actor": actor,
                "action": "create",
                "entity": "coding",
                "entity_id": by_key[key],
                "detail": imported_detail(f"csv:{path.name}", *key),
            }
            for key in keys
        ],
    )
    report.imported += len(new)


def _read_text(path: Path) -> str:
    data = read_input(path)
    if b"\x00" in data:
        raise InputError(path, "binary file, not a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 (byte {err.start}); save the CSV as UTF-8") from None


def _check_header(path: Path, header: list[str]) -> None:
    if not header:
        raise InputError(path, "file is empty")
    unknown = [h for h in header if h not in EXPORT_COLUMNS]
    if unknown:
        raise InputError(
            path, f"unknown column {unknown[0]!r} (columns are: {', '.join(COLUMNS)})", line=1
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(path, f"missing column '{missing[0]}'", line=1)
    if "segment" not in header and not {"start", "end"} <= set(header):
        raise InputError(path, "needs a 'segment' column or 'start' and 'end' columns", line=1)


def _resolve_rows(
    session: Session, path: Path, reader: csv.DictReader[str], default_coder: str | None
) -> Iterator[CodingRow]:
    sources = {
        name: SourceRef(sid, name, length)
        for sid, name, length in session.connection().execute(
            select(Source.id, Source.name, func.length(Source.text))  # type: ignore[call-overload]
        )
    }
    scale = magnitude_scale(session)
    code_cache: dict[str, Code] = {}
    segment_cache: dict[int, dict[int, tuple[int, int]]] = {}  # source id -> ordinal -> span
    line = 1
    try:
        for record in reader:
            line_of_record = line + 1
            line = reader.line_num
            if None in record:
                raise InputError(path, "more fields than columns", line_of_record)
            values = {k: restore((v or "").strip()) for k, v in record.items()}
            if not any(values.values()):
                continue
            yield _resolve(
                session,
                path,
                line_of_record,
                values,
                sources,
                scale,
                code_cache,
                segment_cache,
                default_coder,
            )
    except csv.Error as err:
        raise InputError(path, f"malformed CSV ({err})", reader.line_num) from None


def _resolve(
    session: Session,
    path: Path,
    line: int,
    values: dict[str, str],
    sources: dict[str, SourceRef],
    scale: object,
    code_cache: dict[str, Code],
    segment_cache: dict[int, dict[int, tuple[int, int]]],
    default_coder: str | None,
) -> CodingRow:
    def fail(reason: str) -> InputError:
        return InputError(path, reason, line)

    name = values.get("source", "")
    source = sources.get(name)
    if source is None:
        raise fail(f"unknown source '{name}'" if name else "no source given")
    start, end = _int(values.get("start"), "start", fail), _int(values.get("end"), "end", fail)
    ordinal = _int(values.get("segment"), "segment", fail)
    if ordinal is not None:
        if source.id not in segment_cache:  # a source's segments in one query, not one a row
            if len(segment_cache) >= 64:  # rows come source by source: keep a few sources only
                segment_cache.clear()
            segment_cache[source.id] = {
                ordinal: (seg_start, seg_end)
                for ordinal, seg_start, seg_end in session.connection().execute(
                    text('SELECT ordinal, start, "end" FROM segment WHERE source_id = :s'),
                    {"s": source.id},
                )
            }
        span = segment_cache[source.id].get(ordinal)
        if span is None:
            raise fail(f"source '{name}' has no segment {ordinal}")
        seg_start, seg_end = span
        if start is None and end is None:
            start, end = seg_start, seg_end
        elif start is None or end is None:
            raise fail("give both start and end, or neither")
        elif not (seg_start <= start and end <= seg_end):
            raise fail(f"span [{start}, {end}) is not inside segment {ordinal}")
    elif start is None or end is None:
        raise fail("give a segment, or both start and end")
    try:
        check_span(source.name, source.length, start, end)
    except QualcodeError as err:
        raise fail(str(err)) from None
    code_name = values.get("code", "")
    if not code_name:
        raise fail("no code given")
    if code_name not in code_cache:
        try:
            code_cache[code_name] = resolve_code(session, code_name)
        except QualcodeError as err:
            raise fail(str(err)) from None
    code = code_cache[code_name]
    if not code.codable:
        raise fail(f"code '{code.path}' is a grouping category and cannot be applied")
    coder = values.get("coder") or default_coder
    if not coder:
        raise fail("no coder given (fill the coder column, or pass --coder NAME)")
    magnitude = _int(values.get("magnitude"), "magnitude", fail)
    try:
        check_magnitude(scale, magnitude)  # type: ignore[arg-type]
    except QualcodeError as err:
        raise fail(str(err)) from None
    return CodingRow(line, source, code, coder, start, end, magnitude, values.get("memo") or None)


def _int(value: str | None, column: str, fail: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise fail(f"{column} must be a whole number, not '{value}'") from None  # type: ignore[operator]


# -- export -------------------------------------------------------------------------------------
def export_rows(
    session: Session,
    *,
    coders: list[str] | None = None,
    sources: list[str] | None = None,
    codes: list[str] | None = None,
) -> list[dict[str, object]]:
    """Every coding (filtered) as a dict of EXPORT_COLUMNS, in a stable order."""
    where, params = ["1 = 1"], {}
    if coders:
        where.append("k.name IN :coders")
        params["coders"] = list(coders)
    if sources:
        where.append("s.name IN :sources")
        params["sources"] = list(sources)
    if codes:
        where.append("c.path IN :codes")
        params["codes"] = [resolve_code(session, name).path for name in codes]
    sql = text(
        'SELECT s.id, s.name, cd.start, cd."end", c.path, k.name, cd.magnitude, cd.memo '
        "FROM coding cd JOIN source s ON s.id = cd.source_id JOIN code c ON c.id = cd.code_id "
        f"JOIN coder k ON k.id = cd.coder_id WHERE {' AND '.join(where)} "
        'ORDER BY s.name, cd.start, cd."end", c.path, k.name'
    )
    for name in params:
        sql = sql.bindparams(bindparam(name, expanding=True))
    conn = session.connection()
    texts: dict[int, str] = {}
    segments: dict[int, list[tuple[int, int, int]]] = {}
    out: list[dict[str, object]] = []
    for source_id, source, start, end, path, coder, magnitude, memo in conn.execute(sql, params):
        if source_id not in texts:
            texts[source_id] = conn.execute(
                text("SELECT text FROM source WHERE id = :i"), {"i": source_id}
            ).scalar_one()
            segments[source_id] = [
                tuple(r)
                for r in conn.execute(
                    text(
                        'SELECT start, "end", ordinal FROM segment WHERE source_id = :i '
                        "ORDER BY start"
                    ),
                    {"i": source_id},
                )
            ]
        out.append(
            {
                "source": source,
                "segment": _segment_of(segments[source_id], start, end),
                "start": start,
                "end": end,
                "code": path,
                "coder": coder,
                "magnitude": magnitude,
                "memo": memo,
                "text": texts[source_id][start:end],
            }
        )
    return out


def _segment_of(segments: list[tuple[int, int, int]], start: int, end: int) -> int | None:
    """The ordinal of the one segment containing the whole span, else None."""
    i = bisect_right(segments, (start, float("inf"))) - 1
    if i >= 0:
        seg_start, seg_end, ordinal = segments[i]
        if seg_start <= start and end <= seg_end:
            return ordinal
    return None


def write_csv(rows: list[dict[str, object]], out: io.TextIOBase | object) -> None:
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")  # type: ignore[arg-type]
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def _cell(value: object) -> object:
    """Text cells made inert for spreadsheets, in a way the import undoes (see csv_safe)."""
    if value is None:
        return ""
    return neutralise_reversibly(value) if isinstance(value, str) else value
