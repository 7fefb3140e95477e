"""Conclusions and their verification (Miles & Huberman: conclusion drawing and verification).

A conclusion is a statement linked to codes (their codings and their sub-codes' codings are its
evidence) and to codings chosen as direct evidence. :func:`check_conclusions` verifies each one:
its direction, who corroborates it (informants, groups, methods), whether it is triangulated,
the convergence of its codes across roles, the informants who contradict it and the negative
evidence, and gives a verdict by :func:`verdict` (rules in docs/triangulation.md).

Every write is one transaction with its audit entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlmodel import Session
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualcode.analysis.triangulation import ConvergenceRule, Evidence, excerpts_of, triangulate
from qualcode.core.errors import InputError, QualcodeError
from qualcode.exchange.tables import DisplayRow, DisplayTable
from qualcode.storage.models import Conclusion, ConclusionCode, ConclusionCoding, utcnow
from qualcode.storage.project import audit

SUPPORTED = "supported"
NOT_TRIANGULATED = "supported, not triangulated"
CONTESTED = "contested: negative evidence"
UNSUPPORTED = "unsupported"
VERDICTS = (SUPPORTED, NOT_TRIANGULATED, CONTESTED, UNSUPPORTED)


# -- the verdict rule -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerdictRule:
    """The thresholds of :func:`verdict`.

    min_informants: corroborating informants (or sources without one) needed at all.
    min_groups:     triangulated across groups when corroborated from this many roles.
    min_methods:    triangulated across methods when corroborated from this many source kinds.
    contest_share:  contested when the informants who contradict the conclusion are at least
                    this share of all informants whose codings are its evidence.
    direction:      an informant contradicts when the mean magnitude of their evidence has the
                    opposite sign of the conclusion's and is at least this far from 0.
    """

    min_informants: int = 1
    min_groups: int = 2
    min_methods: int = 2
    contest_share: float = 0.5
    direction: float = 0.5

    def __post_init__(self) -> None:
        if self.min_informants < 1 or self.min_groups < 1 or self.min_methods < 1:
            raise QualcodeError("minimum counts must be at least 1")
        if not 0 < self.contest_share <= 1:
            raise QualcodeError("contest share must be above 0 and at most 1")
        if self.direction < 0:
            raise QualcodeError("direction is a distance from 0 and cannot be negative")


@dataclass(frozen=True)
class Support:
    """What :func:`verdict` weighs (units: informants, and sources without an informant)."""

    corroborating: int  # units with at least one coding for the conclusion
    speaking: int  # units with any evidence coding
    contradicting: int  # units whose evidence, taken together, opposes the conclusion
    groups: int  # roles with corroborating informants
    methods: int  # source kinds with corroborating codings


def verdict(support: Support, rule: VerdictRule | None = None) -> str:
    """In this order: **unsupported** (fewer than ``min_informants`` corroborate); **contested:
    negative evidence** (contradicting units are at least ``contest_share`` of the units
    speaking to it); **supported** (corroborated from ``min_groups`` roles or ``min_methods``
    source kinds); otherwise **supported, not triangulated**."""
    rule = rule or VerdictRule()
    if support.corroborating < rule.min_informants:
        return UNSUPPORTED
    if support.contradicting and support.contradicting >= rule.contest_share * support.speaking:
        return CONTESTED
    if support.groups >= rule.min_groups or support.methods >= rule.min_methods:
        return SUPPORTED
    return NOT_TRIANGULATED


# -- recording --------------------------------------------------------------------------------


@dataclass
class ConclusionRow:
    id: int
    statement: str
    codes: list[str]
    codings: list[int]
    coder: str | None
    created_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "statement": self.statement,
            "codes": self.codes,
            "codings": self.codings,
            "coder": self.coder,
            "created_at": None
            if self.created_at is None
            else self.created_at.isoformat(sep=" ", timespec="seconds"),
        }


def add_conclusion(
    session: Session,
    statement: str,
    codes: Sequence[str] = (),
    codings: Sequence[int] = (),
    *,
    actor: str,
    coder: str | None = None,
) -> int:
    """Record a conclusion; unknown codes or codings raise before anything is written."""
    from qualcode.storage.codes import resolve_code
    from qualcode.storage.codings import coder_id

    statement = " ".join(statement.split())
    if not statement:
        raise QualcodeError("a conclusion needs a statement")
    if not codes and not codings:
        raise QualcodeError("a conclusion needs its evidence: at least one --code or --coding")
    code_rows = {}
    for name in codes:
        code = resolve_code(session, name)
        code_rows[code.id] = code.path
    coding_ids = list(dict.fromkeys(int(c) for c in codings))
    if coding_ids:
        found = {
            int(r[0])
            for r in session.connection().execute(
                text(f"SELECT id FROM coding WHERE id IN ({', '.join(map(str, coding_ids))})")
            )
        }
        missing = [c for c in coding_ids if c not in found]
        if missing:
            raise QualcodeError(
                f"unknown coding {missing[0]} (see 'qualcode codings export --format json')"
            )
    now = utcnow()
    row = Conclusion(
        statement=statement,
        coder_id=coder_id(session, coder, actor) if coder else None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for code_id in code_rows:
        assert code_id is not None
        session.add(ConclusionCode(conclusion_id=row.id, code_id=code_id))
    for coding in coding_ids:
        session.add(ConclusionCoding(conclusion_id=row.id, coding_id=coding))
    session.flush()
    audit(
        session,
        actor,
        "create",
        "conclusion",
        row.id,
        statement=statement,
        codes=list(code_rows.values()),
        codings=coding_ids,
        coder=coder,
    )
    return row.id


def remove_conclusion(session: Session, conclusion_id: int, *, actor: str) -> str:
    """Delete a conclusion and its links; the audit log keeps what it was. Returns the statement."""
    existing = {c.id: c for c in list_conclusions(session, [conclusion_id])}
    if conclusion_id not in existing:
        raise QualcodeError(f"no conclusion {conclusion_id} (see 'qualcode conclude list')")
    old = existing[conclusion_id]
    conn = session.connection()
    params = {"id": conclusion_id}
    conn.execute(text("DELETE FROM conclusion_code WHERE conclusion_id = :id"), params)
    conn.execute(text("DELETE FROM conclusion_coding WHERE conclusion_id = :id"), params)
    conn.execute(text("DELETE FROM conclusion WHERE id = :id"), params)
    audit(
        session,
        actor,
        "delete",
        "conclusion",
        conclusion_id,
        statement=old.statement,
        codes=old.codes,
        codings=old.codings,
        coder=old.coder,
    )
    return old.statement


def list_conclusions(session: Session, ids: Sequence[int] | None = None) -> list[ConclusionRow]:
    conn = session.connection()
    where = "" if ids is None else f"WHERE c.id IN ({', '.join(str(int(i)) for i in ids) or 0})"
    rows = {
        int(r[0]): ConclusionRow(int(r[0]), r[1], [], [], r[2], _as_datetime(r[3]))
        for r in conn.execute(
            text(
                f"""SELECT c.id, c.statement, k.name, c.created_at FROM conclusion c
                LEFT JOIN coder k ON k.id = c.coder_id {where} ORDER BY c.id"""
            )
        )
    }
    for cid, path in conn.execute(
        text(
            "SELECT cc.conclusion_id, code.path FROM conclusion_code cc "
            "JOIN code ON code.id = cc.code_id ORDER BY code.position, code.path"
        )
    ):
        if int(cid) in rows:
            rows[int(cid)].codes.append(path)
    for cid, coding in conn.execute(
        text("SELECT conclusion_id, coding_id FROM conclusion_coding ORDER BY coding_id")
    ):
        if int(cid) in rows:
            rows[int(cid)].codings.append(int(coding))
    return list(rows.values())


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# -- a conclusions file -----------------------------------------------------------------------

_TOP_KEYS = ("coder", "conclusions")
_ITEM_KEYS = ("statement", "codes", "codings")
_REF_KEYS = ("source", "segment", "code", "coder")


def load_conclusions(
    session: Session, path: str | Path, *, actor: str, coder: str | None = None
) -> list[int]:
    """Record the conclusions of a YAML file (docs/triangulation.md), all or none.

    A linked coding is named by ``source``, ``segment`` (ordinal), ``code`` and, when more
    than one coder coded it, ``coder``; the file's ``coder`` is the default and recorder.
    """
    path = Path(path)
    try:
        body = path.read_text(encoding="utf-8")
        root = yaml.compose(body, Loader=yaml.SafeLoader)
    except OSError as err:
        raise InputError(path, f"cannot read ({err.strerror or err})") from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(path, f"invalid YAML: {err.problem or 'syntax error'}", line) from None
    if root is None:
        raise InputError(path, "no conclusions")
    top = _mapping(path, root, "the file", _TOP_KEYS)
    file_coder = _text(path, top.get("coder"), "coder") or coder
    items = top.get("conclusions")
    if not isinstance(items, SequenceNode) or not items.value:
        raise InputError(path, "'conclusions' must be a list of conclusions", _line(root))
    ids = []
    for item in items.value:
        fields = _mapping(path, item, "a conclusion", _ITEM_KEYS)
        statement = _text(path, fields.get("statement"), "statement")
        if not statement:
            raise InputError(path, "a conclusion without a statement", _line(item))
        codes = [_text(path, n, "code") or "" for n in _list(path, fields.get("codes"), "codes")]
        codings = [
            _coding_ref(session, path, ref, file_coder)
            for ref in _list(path, fields.get("codings"), "codings")
        ]
        try:
            ids.append(
                add_conclusion(session, statement, codes, codings, actor=actor, coder=file_coder)
            )
        except InputError:
            raise
        except QualcodeError as err:
            raise InputError(path, str(err), _line(item)) from None
    return ids


def _coding_ref(session: Session, path: Path, node: Node, default_coder: str | None) -> int:
    ref = _mapping(path, node, "a coding", _REF_KEYS)
    source = _text(path, ref.get("source"), "source")
    segment = _text(path, ref.get("segment"), "segment")
    code = _text(path, ref.get("code"), "code")
    who = _text(path, ref.get("coder"), "coder") or default_coder
    if not (source and segment and code):
        raise InputError(path, "a coding is named by source, segment and code", _line(node))
    if not segment.isdigit():
        raise InputError(path, f"segment '{segment}' is not a segment number", _line(node))
    try:
        return find_coding(session, source, int(segment), code, who)
    except QualcodeError as err:
        raise InputError(path, str(err), _line(node)) from None


REFERENCE = re.compile(r"^(?P<source>.+?)#(?P<segment>\d+):(?P<code>.+)$")


def coding_id_of(session: Session, reference: str, coder: str | None = None) -> int:
    """A coding by id (``"57"``) or by ``SOURCE#SEGMENT:CODE`` (``"nurhayati#6:Training and
    coaching"``), as cited in triangulation and check reports."""
    reference = reference.strip()
    if reference.isdigit():
        return int(reference)
    match = REFERENCE.match(reference)
    if match is None:
        raise QualcodeError(
            f"'{reference}' is neither a coding id nor SOURCE#SEGMENT:CODE "
            "(e.g. 'nurhayati#6:Empowering/Training and coaching')"
        )
    return find_coding(
        session, match["source"].strip(), int(match["segment"]), match["code"].strip(), coder
    )


def find_coding(
    session: Session, source: str, segment: int, code_name: str, coder: str | None = None
) -> int:
    """The one coding of ``code_name`` overlapping segment ``segment`` of ``source``
    (``coder`` decides between several coders' codings)."""
    from qualcode.storage.codes import resolve_code

    code = resolve_code(session, code_name)
    sql = """
        SELECT cd.id, k.name FROM coding cd
        JOIN source s ON s.id = cd.source_id
        JOIN segment g ON g.source_id = s.id AND g.ordinal = :ordinal
        JOIN coder k ON k.id = cd.coder_id
        WHERE s.name = :source AND cd.code_id = :code
          AND cd.start < g."end" AND g.start < cd."end"
        ORDER BY cd.id
    """
    found = list(
        session.connection().execute(
            text(sql), {"source": source, "ordinal": segment, "code": code.id}
        )
    )
    if coder is not None and len(found) > 1:
        found = [r for r in found if r[1] == coder]
    where = f"{code.path} in {source} #{segment}"
    if not found:
        raise QualcodeError(f"no coding {where}")
    if len(found) > 1:
        coders = ", ".join(sorted({str(r[1]) for r in found}))
        raise QualcodeError(f"more than one coding {where} (coders {coders}): give the coder")
    return int(found[0][0])


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(path: Path, node: Node, what: str, allowed: tuple[str, ...]) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        raise InputError(path, f"{what} must be a mapping ({', '.join(allowed)})", _line(node))
    out: dict[str, Node] = {}
    for key_node, value in node.value:
        key = str(key_node.value)
        if key not in allowed:
            raise InputError(
                path,
                f"unknown key '{key}' in {what} (expected: {', '.join(allowed)})",
                _line(key_node),
            )
        if key in out:
            raise InputError(path, f"duplicate key '{key}' in {what}", _line(key_node))
        out[key] = value
    return out


def _list(path: Path, node: Node | None, what: str) -> list[Node]:
    if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
        return []
    if not isinstance(node, SequenceNode):
        raise InputError(path, f"'{what}' must be a list", _line(node))
    return list(node.value)


def _text(path: Path, node: Node | None, what: str) -> str | None:
    if node is None:
        return None
    if not isinstance(node, ScalarNode):
        raise InputError(path, f"'{what}' must be a single value", _line(node))
    if node.tag.endswith(":null"):
        return None
    return " ".join(str(node.value).split()) or None


# -- checking ---------------------------------------------------------------------------------


@dataclass
class ConclusionCheck:
    conclusion: ConclusionRow
    direction: int | None  # +1 / -1: the sign of its evidence's mean magnitude; None: none
    mean_magnitude: float | None
    magnitude_n: int
    basis: str  # what the direction was read from: "linked codings", "all evidence", "none"
    evidence: int  # codings
    informants: int  # corroborating informants (people)
    documents: int  # corroborating sources without an informant
    speaking: int  # informants and such sources with any evidence
    groups: dict[str, tuple[int, int]]  # role -> (corroborating informants, informants)
    methods: dict[str, int]  # source kind -> corroborating codings
    contradicting: list[tuple[str, float]]  # (informant or source, mean magnitude)
    convergence: dict[str, str]
    negative_evidence: list[Evidence] = field(default_factory=list)
    verdict: str = UNSUPPORTED
    rule: VerdictRule = field(default_factory=VerdictRule)

    @property
    def triangulated_groups(self) -> bool:
        return sum(1 for k, _ in self.groups.values() if k) >= self.rule.min_groups

    @property
    def triangulated_methods(self) -> bool:
        return len(self.methods) >= self.rule.min_methods

    def against(self, e: Evidence) -> bool:
        """Whether a piece of negative evidence also opposes the conclusion itself."""
        m = e.magnitude
        return bool(self.direction and m and m * self.direction < 0)

    def as_json(self, pseudonymize: bool = False) -> dict[str, Any]:
        return {
            "id": self.conclusion.id,
            "statement": self.conclusion.statement,
            "codes": self.conclusion.codes,
            "codings": self.conclusion.codings,
            "direction": self.direction,
            "mean_magnitude": self.mean_magnitude,
            "magnitude_n": self.magnitude_n,
            "direction_from": self.basis,
            "evidence": self.evidence,
            "informants": self.informants,
            "sources_without_informant": self.documents,
            "groups": {
                g: {"informants": k, "informants_total": n} for g, (k, n) in self.groups.items()
            },
            "methods": self.methods,
            "triangulated": {
                "groups": self.triangulated_groups,
                "methods": self.triangulated_methods,
            },
            "convergence": self.convergence,
            "contradicting": [{"who": who, "mean_magnitude": m} for who, m in self.contradicting],
            "negative_evidence": [
                {**e.as_json(pseudonymize), "against_conclusion": self.against(e)}
                for e in self.negative_evidence
            ],
            "verdict": self.verdict,
        }


def _sign(value: float | None) -> int | None:
    if value is None or value == 0:
        return None
    return 1 if value > 0 else -1


def check_conclusions(
    session: Session,
    ids: Sequence[int] | None = None,
    *,
    rule: VerdictRule | None = None,
    convergence_rule: ConvergenceRule | None = None,
    coder: str | None = None,
    evidence: int | None = None,
) -> list[ConclusionCheck]:
    """Verify the conclusions (all, or ``ids``); see the module doc and :func:`verdict`."""
    rule = rule or VerdictRule()
    conclusions = list_conclusions(session, ids)
    if ids is not None:
        missing = sorted(set(ids) - {c.id for c in conclusions})
        if missing:
            raise QualcodeError(f"no conclusion {missing[0]} (see 'qualcode conclude list')")
    all_codes = list(dict.fromkeys(p for c in conclusions for p in c.codes))
    convergence = {}
    if all_codes:
        tri = triangulate(
            session,
            codes=all_codes,
            subcodes=False,
            coder=coder,
            rule=convergence_rule,
            evidence=0,
        )
        convergence = {r.code: r.convergence for r in tri.rows}
    return [_check(session, c, rule, convergence, coder, evidence) for c in conclusions]


def _check(
    session: Session,
    conclusion: ConclusionRow,
    rule: VerdictRule,
    convergence: dict[str, str],
    coder: str | None,
    limit: int | None,
) -> ConclusionCheck:
    conn = session.connection()
    params: dict[str, object] = {"cid": conclusion.id}
    coder_sql = ""
    if coder is not None:
        coder_sql = "AND cd.coder_id = (SELECT id FROM coder WHERE name = :coder)"
        params["coder"] = coder
    evidence_sql = f"""ev AS (
        SELECT cd.id FROM coding cd
        JOIN code c ON c.id = cd.code_id
        JOIN conclusion_code cc ON cc.conclusion_id = :cid
        JOIN code k ON k.id = cc.code_id
        WHERE (c.id = k.id OR SUBSTR(c.path, 1, LENGTH(k.path) + 1) = k.path || '/') {coder_sql}
        UNION
        SELECT cd.id FROM conclusion_coding cl JOIN coding cd ON cd.id = cl.coding_id
        WHERE cl.conclusion_id = :cid {coder_sql})"""
    linked = conn.execute(
        text(
            f"""SELECT SUM(cd.magnitude), COUNT(cd.magnitude) FROM conclusion_coding cl
            JOIN coding cd ON cd.id = cl.coding_id WHERE cl.conclusion_id = :cid {coder_sql}"""
        ),
        params,
    ).one()
    basis = "linked codings"
    if not linked[1]:
        linked = conn.execute(
            text(
                f"""WITH {evidence_sql} SELECT SUM(cd.magnitude), COUNT(cd.magnitude)
                FROM ev JOIN coding cd ON cd.id = ev.id"""
            ),
            params,
        ).one()
        basis = "all evidence"
    mn = int(linked[1] or 0)
    mean = float(linked[0]) / mn if mn else None
    direction = _sign(mean)
    if direction is None:
        basis = "none"
    params["d"] = direction or 0
    per_unit = list(
        conn.execute(
            text(
                f"""WITH {evidence_sql}
                SELECT CASE WHEN s.informant_id IS NULL THEN -s.id ELSE s.informant_id END,
                       COALESCE(i.name, s.name), i.role, s.kind, COUNT(*),
                       SUM(cd.magnitude), COUNT(cd.magnitude),
                       SUM(CASE WHEN cd.magnitude IS NULL OR :d = 0 OR cd.magnitude * :d > 0
                           THEN 1 ELSE 0 END)
                FROM ev JOIN coding cd ON cd.id = ev.id
                JOIN source s ON s.id = cd.source_id
                LEFT JOIN informant i ON i.id = s.informant_id
                GROUP BY 1, 2, 3, 4"""
            ),
            params,
        )
    )
    units: dict[int, dict[str, Any]] = {}
    methods: dict[str, int] = {}
    group_sums: dict[str, list[int]] = {}
    n_evidence = 0
    for unit, name, role, kind, n, msum, m_n, n_for in per_unit:
        u = units.setdefault(int(unit), {"name": name, "role": role, "sum": 0, "n": 0, "for": 0})
        u["sum"] += int(msum or 0)
        u["n"] += int(m_n)
        u["for"] += int(n_for)
        n_evidence += int(n)
        if n_for:
            methods[kind] = methods.get(kind, 0) + int(n_for)
        if role is not None:
            acc = group_sums.setdefault(role, [0, 0])
            acc[0] += int(msum or 0)
            acc[1] += int(m_n)
    corroborating = {k for k, u in units.items() if u["for"]}
    contradicting = []
    for u in units.values():
        m = u["sum"] / u["n"] if u["n"] else None
        if direction and m is not None and m * direction < 0 and abs(m) >= rule.direction:
            contradicting.append((str(u["name"]), m))
    totals = {
        role: int(n)
        for role, n in conn.execute(
            text(
                "SELECT i.role, COUNT(DISTINCT i.id) FROM informant i "
                "JOIN source s ON s.informant_id = i.id WHERE i.role IS NOT NULL GROUP BY i.role"
            )
        )
    }
    groups = {
        role: (sum(1 for k in corroborating if units[k]["role"] == role), totals.get(role, 0))
        for role in sorted(
            {u["role"] for u in units.values() if u["role"] is not None},
            key=lambda r: (r.casefold(), r),
        )
    }
    methods = {k: methods[k] for k in sorted(methods, key=_kind_order)}
    check = ConclusionCheck(
        conclusion=conclusion,
        direction=direction,
        mean_magnitude=mean,
        magnitude_n=mn,
        basis=basis,
        evidence=n_evidence,
        informants=sum(1 for k in corroborating if k > 0),
        documents=sum(1 for k in corroborating if k < 0),
        speaking=len(units),
        groups=groups,
        methods=methods,
        contradicting=sorted(contradicting),
        convergence={p: convergence[p] for p in conclusion.codes if p in convergence},
        rule=rule,
    )
    check.verdict = verdict(
        Support(
            corroborating=len(corroborating),
            speaking=len(units),
            contradicting=len(contradicting),
            groups=sum(1 for k, _ in groups.values() if k),
            methods=len(methods),
        ),
        rule,
    )
    if limit != 0:
        check.negative_evidence = _negative_evidence(
            session, evidence_sql, params, group_sums, limit
        )
    return check


def _kind_order(kind: str) -> tuple[int, str]:
    from qualcode.storage.models import SOURCE_KINDS

    return (SOURCE_KINDS.index(kind) if kind in SOURCE_KINDS else len(SOURCE_KINDS), kind)


def _negative_evidence(
    session: Session,
    evidence_sql: str,
    params: dict[str, object],
    group_sums: dict[str, list[int]],
    limit: int | None,
) -> list[Evidence]:
    """Codings whose magnitude opposes their role's mean over the conclusion's evidence."""
    signs = {g: _sign(s / n if n else None) for g, (s, n) in group_sums.items()}
    signs = {g: s for g, s in signs.items() if s}
    if not signs:
        return []
    params = dict(params)
    cases = []
    for k, (g, s) in enumerate(sorted(signs.items())):
        params[f"g{k}"] = g
        cases.append(f"(i.role = :g{k} AND cd.magnitude * {s:d} < 0)")
    rows = list(
        session.connection().execute(
            text(
                f"""WITH {evidence_sql}
                SELECT cd.id, i.role FROM ev JOIN coding cd ON cd.id = ev.id
                JOIN source s ON s.id = cd.source_id
                JOIN informant i ON i.id = s.informant_id
                WHERE {" OR ".join(cases)}
                ORDER BY i.role, i.name, s.name, cd.start, cd."end", cd.id"""
            ),
            params,
        )
    )
    if limit is not None:
        kept: list[Any] = []
        per_group: dict[str, int] = {}
        for r in rows:
            per_group[r[1]] = per_group.get(r[1], 0) + 1
            if per_group[r[1]] <= limit:
                kept.append(r)
        rows = kept
    excerpts = excerpts_of(session, [int(r[0]) for r in rows])
    return [Evidence(excerpts[int(r[0])], r[1]) for r in rows]


# -- output -----------------------------------------------------------------------------------


EVIDENCE_NOTE = (
    "↳ negative evidence: codings whose magnitude opposes their role's mean over this "
    "conclusion's evidence; for/against: compared with the conclusion's direction."
)


def direction_word(direction: int | None) -> str:
    return {1: "positive", -1: "negative"}.get(direction or 0, "none")


def check_tables(
    checks: Sequence[ConclusionCheck], pseudonymize: bool = False
) -> list[DisplayTable]:
    """One two-column table per conclusion: what was checked, and what was found."""
    from qualcode.analysis.triangulation import signed

    tables = []
    for c in checks:
        mean = "" if c.mean_magnitude is None else f", mean {signed(c.mean_magnitude)}"
        rows = [
            DisplayRow("verdict", [c.verdict]),
            DisplayRow(
                "direction",
                [f"{direction_word(c.direction)} (from {c.basis}{mean}, n={c.magnitude_n})"],
            ),
            DisplayRow(
                "corroborated by",
                [
                    f"{c.informants} informant{'s' if c.informants != 1 else ''}"
                    + (
                        f", {c.documents} source{'s' if c.documents != 1 else ''} without one"
                        if c.documents
                        else ""
                    )
                    + f"; {c.evidence} codings of evidence"
                ],
            ),
            DisplayRow(
                "groups",
                [
                    (", ".join(f"{g} {k}/{n}" for g, (k, n) in c.groups.items()) or "none")
                    + (": triangulated" if c.triangulated_groups else ": not triangulated")
                ],
            ),
            DisplayRow(
                "methods",
                [
                    (", ".join(f"{k} ({n})" for k, n in c.methods.items()) or "none")
                    + (": triangulated" if c.triangulated_methods else ": not triangulated")
                ],
            ),
            DisplayRow(
                "contradicted by",
                ["; ".join(f"{who} ({signed(m)})" for who, m in c.contradicting) or "nobody"],
            ),
        ]
        rows += [DisplayRow(f"convergence: {code}", [cat]) for code, cat in c.convergence.items()]
        rows.append(DisplayRow("negative evidence", [f"{len(c.negative_evidence) or 'none'}"]))
        for e in c.negative_evidence:
            side = "against the conclusion" if c.against(e) else "for the conclusion"
            code = e.excerpt.code_path.rsplit("/", 1)[-1]
            rows.append(
                DisplayRow(
                    f"  ↳ {signed(e.magnitude)} {e.citation(pseudonymize)}",
                    [f"{e.group}; {code}; {side}"],
                    group=e.group,
                )
            )
        codes = ", ".join(c.conclusion.codes) or "none"
        linked = ", ".join(map(str, c.conclusion.codings)) or "none"
        tables.append(
            DisplayTable(
                title=f"{c.conclusion.id}. {c.conclusion.statement}",
                row_dimension="check",
                columns=["result"],
                rows=rows,
                notes=[f"codes: {codes}; linked codings: {linked}"]
                + ([EVIDENCE_NOTE] if c.negative_evidence else []),
                meta={"kind": "conclusion check", "id": c.conclusion.id},
            )
        )
    return tables
