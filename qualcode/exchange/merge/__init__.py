"""``qualcode merge``: bring another coder's copy of the project into this one.

:func:`merge_projects` reads OTHER (a project file or a PostgreSQL URL; never written, never
upgraded), plans the merge (``plan.py``: how rows are matched, what counts as a conflict) and,
unless it is a dry run, writes the plan in one transaction (``apply.py``): all of it or, on any
error, nothing. A merge that finds nothing new writes nothing at all, not even an audit entry, so
merging the same copy twice leaves the project exactly as the first merge left it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.core.errors import QualcodeError
from qualcode.exchange.merge.plan import Conflict, plan_merge
from qualcode.storage.db import display_location, is_url
from qualcode.storage.project import Project

__all__ = ["Conflict", "MergeReport", "merge_projects"]

# The names the report uses for the tables, in the order it lists them.
WHAT = {
    "setting": "codebook settings",
    "coder": "coders",
    "informant": "informants",
    "code": "codes",
    "source": "sources",
    "segment": "segments",
    "coding": "codings",
    "memo": "memos",
    "cell_summary": "cell summaries",
    "conclusion": "conclusions",
}


@dataclass
class MergeReport:
    other: str
    dry_run: bool
    added: dict[str, int] = field(default_factory=dict)
    already_here: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return not self.dry_run and any(self.added.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "dry_run": self.dry_run,
            "added": {_key(k): self.added.get(k, 0) for k in WHAT},
            "already_here": {_key(k): self.already_here.get(k, 0) for k in WHAT if k != "segment"},
            "conflicts": [c.as_dict() for c in self.conflicts],
        }


def _key(table: str) -> str:
    """The JSON name of a table's count: its label as an identifier (``cell_summaries``)."""
    return WHAT[table].replace(" ", "_")


def merge_projects(
    target: Project, other: str | Path, *, actor: str, dry_run: bool = False
) -> MergeReport:
    other = str(other)
    label = display_location(other)
    _refuse_self(target.location, other)
    theirs = Project.open(other, read_only=True, upgrade=False)
    try:
        with theirs.read() as their_session:
            their_conn = their_session.connection()
            if dry_run:
                with target.read() as s:
                    plan = plan_merge(s, their_conn)
            else:
                with target.write() as s:
                    plan = plan_merge(s, their_conn)
                    if plan.changes_anything:
                        from qualcode.exchange.merge.apply import apply_plan

                        apply_plan(s, plan, actor, origin=f"merge:{label}")
    finally:
        theirs.close()
    return MergeReport(label, dry_run, plan.added(), plan.matched, plan.conflicts)


def _refuse_self(target: str, other: str) -> None:
    if not is_url(other) and not Path(other).exists():
        raise QualcodeError(f"{other}: no such file")
    if is_url(other) or is_url(target):
        same = other == target
    else:
        same = Path(other).resolve() == Path(target).resolve()
    if same:
        raise QualcodeError(f"{other}: that is this project; give another coder's copy")
