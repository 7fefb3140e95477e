"""Coders coding the same source at the same moment, in separate processes, lose nothing.

Three processes start together (a barrier) on one project, through the app's code path
(``CodingActions``): ``ana`` on two machines applying the same codes to the same spans in opposite
orders (so they race for every coding: exactly one of the two may win each), and ``ben`` applying,
annotating and removing his own. Every coding a process was told it had written must be there
afterwards, once; every removal acknowledged must be gone; no process may see an error other than
qualcode's own "already applied" refusal (in particular never SQLite's "database is locked").
"""

from __future__ import annotations

import json
import multiprocessing
import traceback
from pathlib import Path

from sqlalchemy import text

from qualcode.storage.project import Project

SPANS = [(start, start + 7) for start in range(0, 240, 3)]  # 80 overlapping spans of ratna


def coder_process(location: str, coder: str, order: int, barrier, out: str) -> None:  # type: ignore[no-untyped-def]
    """One coder's app: apply every span with one code (in ``order``); ben also annotates every
    third coding and removes every fifth. Writes what was acknowledged to ``out``."""
    from qualcode.core.errors import QualcodeError
    from qualcode.storage.actions import CodingActions

    done: dict[str, list] = {"applied": [], "refused": [], "removed": [], "memos": [], "errors": []}
    try:
        project = Project.open(location)
        with project.read() as s:
            source, code = (
                s.connection()
                .execute(
                    text(
                        "SELECT s.id, c.id FROM source s, code c WHERE s.name = 'ratna' "
                        "AND c.path = 'Empowering/Training and coaching'"
                    )
                )
                .one()
            )
        barrier.wait(timeout=60)
        actions = CodingActions(project, coder)
        for n, (start, end) in enumerate(SPANS[::order]):
            try:
                result = actions.apply(source, code, start, end)
            except QualcodeError as err:
                assert "already applied" in str(err), str(err)
                done["refused"].append([start, end])
                continue
            done["applied"].append([result.coding_id, start, end])
            if coder == "ben" and n % 3 == 0:
                actions.set_memo(result.coding_id, f"memo {n}")
                done["memos"].append([start, end, f"memo {n}"])
            if coder == "ben" and n % 5 == 0:
                actions.remove(result.coding_id)
                done["removed"].append([start, end])
        project.close()
    except BaseException:  # reported to the test, which fails on it
        done["errors"].append(traceback.format_exc())
    Path(out).write_text(json.dumps(done), encoding="utf-8")


def test_concurrent_coders_lose_nothing(project: Path | str, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter each, like two apps
    barrier = ctx.Barrier(3)
    runs = [("ana", 1), ("ana", -1), ("ben", 1)]
    outs = [tmp_path / f"{coder}{i}.json" for i, (coder, _) in enumerate(runs)]
    processes = [
        ctx.Process(target=coder_process, args=(str(project), coder, order, barrier, str(out)))
        for (coder, order), out in zip(runs, outs, strict=True)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
        assert p.exitcode == 0
    ana1, ana2, ben = (json.loads(out.read_text(encoding="utf-8")) for out in outs)
    for done in (ana1, ana2, ben):
        assert done["errors"] == []

    # ana: every span coded exactly once, by whichever process got there first.
    ana_acked = ana1["applied"] + ana2["applied"]
    assert sorted((s, e) for _, s, e in ana_acked) == sorted(SPANS)
    assert len(ana1["refused"]) + len(ana2["refused"]) == len(SPANS)
    # ben: what was applied and not removed, with the memos written. (Spans, not ids: SQLite
    # gives the id of a removed last coding to the next one.)
    removed = {tuple(span) for span in ben["removed"]}
    memos = {(s, e): memo for s, e, memo in ben["memos"]}
    ben_expected = {
        (cid, s, e, memos.get((s, e))) for cid, s, e in ben["applied"] if (s, e) not in removed
    }

    with Project.open(project) as p, p.read() as s:
        conn = s.connection()
        rows = conn.execute(
            text(
                'SELECT c.id, k.name, c.start, c."end", c.memo FROM coding c '
                "JOIN coder k ON k.id = c.coder_id"
            )
        ).all()
        creates = conn.execute(
            text("SELECT COUNT(*) FROM audit_log WHERE entity = 'coding' AND action = 'create'")
        ).scalar_one()
        coders = conn.execute(text("SELECT name FROM coder ORDER BY name")).scalars().all()
    assert {(cid, st, en) for cid, who, st, en, _ in rows if who == "ana"} == {
        tuple(a) for a in ana_acked
    }
    assert {(cid, st, en, memo) for cid, who, st, en, memo in rows if who == "ben"} == ben_expected
    assert creates == len(ana_acked) + len(ben["applied"])
    assert coders == ["ana", "ben"]  # ana's two processes created the coder once
