"""``qualcode check``: is this project whole and consistent?

Each check is one SQL query (portable to PostgreSQL) that returns the rows that are wrong, so a
project of a million codings is checked without loading it into Python. What is checked:

- ``integrity``: SQLite's own ``PRAGMA integrity_check`` (pages, indexes, constraints).
- ``orphan``: every foreign key of every table points at a row that exists (codes, coders,
  sources, informants, conclusions...), found from the models' foreign keys so that tables added
  later are covered too; and every memo's target exists.
- ``coding range``: every coding's ``[start, end)`` lies inside its source's text.
- ``coding segment``: every coding's stored ``segment_id`` is what the triggers would compute.
- ``segments``: each source's segments tile it: ordinals 1, 2, 3... in text order, each inside the
  text, none overlapping the one before (gaps are allowed: they hold speaker labels and blank
  lines), and a source has at least one segment.
- ``audit log``: the log is *unbroken*: its append-only triggers are installed; on SQLite its ids
  run 1, 2, 3... with no gap (SQLite gives a new row max(id) + 1 and a rolled-back transaction
  leaves no hole, so a gap means entries were deleted behind the triggers' back; PostgreSQL
  sequences skip numbers on rollback, so there ids only have to increase); and its timestamps
  never go backwards by more than :data:`CLOCK_SLACK` (a warning only: a clock set back by NTP
  or another machine's clock can do that without anything being lost).

A finding is an ``error`` (something is lost or wrong) or a ``warning`` (worth a look).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exc, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from qualcode.storage import models  # noqa: F401  (registers the tables)
from qualcode.storage.coding_segment import multi_segment_of, segment_of

#: How far back the audit log's clock may step before ``check`` warns.
CLOCK_SLACK = timedelta(seconds=5)
#: At most this many rows are listed per check (the count says how many there are).
SHOWN = 20

_MEMO_TARGETS = {"code": "code", "source": "source", "informant": "informant", "coding": "coding"}
_AUDIT_TRIGGERS = {"audit_log_no_update", "audit_log_no_delete"}


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str  # error | warning
    message: str


@dataclass
class Report:
    findings: list[Finding]
    checked: list[str]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_project(conn: Connection) -> Report:
    """Run every check on ``conn``'s database; read-only."""
    findings: list[Finding] = []
    checks = [
        ("integrity", _integrity),
        ("orphan", _orphans),
        ("coding range", _coding_ranges),
        ("coding segment", _coding_segments),
        ("segments", _segments),
        ("audit log", _audit_log),
    ]
    for name, run in checks:
        try:
            findings.extend(run(conn))
        except exc.DatabaseError as err:  # a damaged file can fail a query outright
            conn.rollback()
            reason = str(err.orig or err).splitlines()[0]
            findings.append(Finding(name, "error", f"could not be checked: {reason}"))
    return Report(findings, [name for name, _ in checks])


def _rows(conn: Connection, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    return [tuple(r) for r in conn.execute(text(sql))]


def _listed(check: str, what: str, rows: list[tuple], describe) -> list[Finding]:  # type: ignore[no-untyped-def, type-arg]
    """One finding per row for the first SHOWN rows, then one saying how many more."""
    out = [Finding(check, "error", describe(r)) for r in rows[:SHOWN]]
    if len(rows) > SHOWN:
        out.append(Finding(check, "error", f"... and {len(rows) - SHOWN} more {what}"))
    return out


def _integrity(conn: Connection) -> list[Finding]:
    if conn.dialect.name != "sqlite":
        return []  # PostgreSQL checks its own pages; amcheck is the server administrator's tool
    result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    if result == ["ok"]:
        return []
    return _listed("integrity", "problems", [(r,) for r in result], lambda r: f"SQLite: {r[0]}")


def _orphans(conn: Connection) -> list[Finding]:
    findings: list[Finding] = []
    present = set(_table_names(conn))
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in present:
            continue
        for fk in table.foreign_keys:
            column, target = fk.parent.name, fk.column.table.name
            if target not in present:
                continue
            keys = [c.name for c in table.primary_key.columns]
            picked = ", ".join(f't."{k}"' for k in keys)
            rows = _rows(
                conn,
                f'SELECT {picked}, t."{column}" FROM "{table.name}" t LEFT JOIN "{target}" x '
                f'ON x."{fk.column.name}" = t."{column}" '
                f'WHERE t."{column}" IS NOT NULL AND x."{fk.column.name}" IS NULL',
            )
            findings += _listed(
                "orphan",
                f"{table.name} rows",
                rows,
                lambda r, t=table.name, c=column, x=target, k=keys: (
                    f"{t} {_row_key(k, r)}: {c} = {r[-1]}, no {x} with that id"
                ),
            )
    if "memo" in present:
        for target, table_name in _MEMO_TARGETS.items():
            rows = _rows(
                conn,
                f"SELECT m.id, m.target_id FROM memo m LEFT JOIN {table_name} x "
                f"ON x.id = m.target_id WHERE m.target = '{target}' AND x.id IS NULL",
            )
            findings += _listed(
                "orphan",
                "memos",
                rows,
                lambda r, t=target: f"memo {r[0]} is about {t} {r[1]}, which does not exist",
            )
    return findings


def _row_key(keys: list[str], row: tuple) -> str:  # type: ignore[type-arg]
    if keys == ["id"]:
        return str(row[0])
    return "(" + ", ".join(f"{k}={v}" for k, v in zip(keys, row, strict=False)) + ")"


def _coding_ranges(conn: Connection) -> list[Finding]:
    rows = _rows(
        conn,
        'SELECT c.id, s.name, c.start, c."end", length(s.text) FROM coding c '
        "JOIN source s ON s.id = c.source_id "
        'WHERE c.start < 0 OR c."end" <= c.start OR c."end" > length(s.text) ORDER BY c.id',
    )
    return _listed(
        "coding range",
        "codings",
        rows,
        lambda r: f"coding {r[0]} [{r[2]}, {r[3]}) is outside source '{r[1]}' ({r[4]} characters)",
    )


def _coding_segments(conn: Connection) -> list[Finding]:
    expected = segment_of("c.source_id", "c.start", 'c."end"')
    rows = _rows(
        conn,
        f"SELECT c.id, c.segment_id, {expected} FROM coding c "
        f"WHERE COALESCE(c.segment_id, -1) <> COALESCE({expected}, -1) ORDER BY c.id",
    )
    multi = multi_segment_of("c.source_id", "c.start", 'c."end"', "c.segment_id")
    reaching = _rows(
        conn,
        f"SELECT c.id, c.multi_segment, {multi} FROM coding c "
        f"WHERE COALESCE(c.multi_segment, -1) <> {multi} ORDER BY c.id",
    )
    return _listed(
        "coding segment",
        "codings",
        rows,
        lambda r: f"coding {r[0]} records segment {r[1]}, but its span starts in segment {r[2]}",
    ) + _listed(
        "coding segment",
        "codings",
        reaching,
        lambda r: f"coding {r[0]} records multi_segment {r[1]}, but its span gives {r[2]}",
    )


def _segments(conn: Connection) -> list[Finding]:
    rows = _rows(
        conn,
        """SELECT s.name, g.ordinal, g.start, g."end", g.prev_ordinal, g.prev_end, length(s.text)
        FROM (SELECT source_id, ordinal, start, "end",
                     LAG(ordinal) OVER (PARTITION BY source_id ORDER BY ordinal) AS prev_ordinal,
                     LAG("end") OVER (PARTITION BY source_id ORDER BY ordinal) AS prev_end
              FROM segment) g
        JOIN source s ON s.id = g.source_id
        WHERE g.ordinal <> COALESCE(g.prev_ordinal, 0) + 1
           OR g.start < COALESCE(g.prev_end, 0)
           OR g."end" <= g.start OR g."end" > length(s.text)
        ORDER BY s.name, g.ordinal""",
    )

    def describe(r: tuple) -> str:  # type: ignore[type-arg]
        name, ordinal, start, end, prev_ordinal, prev_end, length = r
        where = f"source '{name}' segment {ordinal} [{start}, {end})"
        if ordinal != (prev_ordinal or 0) + 1:
            return f"{where} follows segment {prev_ordinal or 'none'}: ordinals have a gap"
        if start < (prev_end or 0):
            return f"{where} overlaps the segment before it (which ends at {prev_end})"
        return f"{where} is outside the text ({length} characters)"

    findings = _listed("segments", "segments", rows, describe)
    empty = _rows(
        conn,
        "SELECT s.name FROM source s LEFT JOIN segment g ON g.source_id = s.id "
        "WHERE g.id IS NULL ORDER BY s.name",
    )
    findings += _listed("segments", "sources", empty, lambda r: f"source '{r[0]}' has no segments")
    return findings


def _audit_log(conn: Connection) -> list[Finding]:
    findings: list[Finding] = []
    missing = _AUDIT_TRIGGERS - _audit_triggers(conn)
    if missing:
        findings.append(
            Finding(
                "audit log",
                "error",
                "the append-only triggers are missing; the log can be altered "
                f"({', '.join(sorted(missing))})",
            )
        )
    if conn.dialect.name == "sqlite":
        gaps = _rows(
            conn,
            "SELECT prev_id, id FROM (SELECT id, LAG(id, 1, 0) OVER (ORDER BY id) AS prev_id "
            "FROM audit_log) a WHERE id <> prev_id + 1 ORDER BY id",
        )
        findings += _listed(
            "audit log",
            "gaps",
            gaps,
            lambda r: (
                f"entries {r[0] + 1}..{r[1] - 1} are missing (the log jumps from {r[0]} to {r[1]})"
                if r[1] > r[0] + 1
                else f"entry {r[1]} follows {r[0]}"
            ),
        )
    steps = _rows(
        conn,
        "SELECT id, at, prev_at FROM (SELECT id, at, LAG(at) OVER (ORDER BY id) AS prev_at "
        "FROM audit_log) a WHERE at < prev_at ORDER BY id",
    )
    for entry_id, at, prev_at in steps:
        back = _as_time(prev_at) - _as_time(at)
        if back > CLOCK_SLACK:
            findings.append(
                Finding(
                    "audit log",
                    "warning",
                    f"entry {entry_id} is {back.total_seconds():.0f} s older than the entry "
                    "before it (the clock went back)",
                )
            )
    return findings


def _as_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.fromisoformat(str(value)).replace(tzinfo=None)


def _audit_triggers(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        )
        return {r[0] for r in rows}
    rows = conn.exec_driver_sql(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal"
    )
    # One PostgreSQL trigger refuses both verbs.
    return set(_AUDIT_TRIGGERS) if "audit_log_append_only" in {r[0] for r in rows} else set()


def _table_names(conn: Connection) -> list[str]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_table_names())
