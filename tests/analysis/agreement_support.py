"""Projects with several coders' seeded random codings, for the agreement and adjudication tests."""

from __future__ import annotations

import random
from pathlib import Path

from qualcode.core.codebook import load_codebook
from qualcode.ingest.importer import import_files
from qualcode.storage.actions import CodingActions
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project

CODES = ("Alpha", "Beta", "Gamma", "Delta")
CODEBOOK = "name: Agreement test\ncodes:\n" + "".join(
    f"  - name: {c}\n" for c in (*CODES, "Unused")
)


def _transcript(rng: random.Random, turns: int) -> str:
    words = "we the market training capital permit said they village quality".split()
    return (
        "\n\n".join(
            f"{'INTERVIEWER' if i % 2 == 0 else 'Informant'}: "
            + " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
            for i in range(turns)
        )
        + "\n"
    )


def build_project(
    folder: Path, seed: int, coders: tuple[str, ...], segments: int | None = None
) -> Path:
    """Sources 'talk' and 'second' coded by every coder in ``coders`` (randomly, correlated
    through a shared "true" coding that each coder misses or alters now and then, some codings
    reaching into the next segment) and 'solo', which nobody coded."""
    rng = random.Random(seed)
    db = folder / "agreement.db"
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    project = Project.open(db, create=True)
    with project.write() as s:
        load_codebook_into(s, load_codebook(folder / "codebook.yaml"), "test")
    names = {"talk": segments or rng.randint(8, 30), "second": rng.randint(3, 10), "solo": 4}
    for name, turns in names.items():
        path = folder / f"{name}.txt"
        path.write_text(_transcript(rng, turns), encoding="utf-8")
        import_files(project, [path], informant=name.title())
    with project.read() as s:
        conn = s.connection()
        code_ids = dict(conn.exec_driver_sql("SELECT path, id FROM code").all())
        rows = conn.exec_driver_sql(
            'SELECT g.source_id, g.start, g."end", s.name FROM segment g '
            "JOIN source s ON s.id = g.source_id ORDER BY g.source_id, g.start"
        ).all()
    truth = []
    for i, (sid, start, end, name) in enumerate(rows):
        if name == "solo":
            continue
        for code in rng.sample(CODES, rng.randint(0, 2)):
            a = rng.randint(start, end - 1)
            b = rng.randint(a + 1, end)
            nxt = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][0] == sid else None
            if nxt is not None and rng.random() < 0.2:
                b = rng.randint(nxt[1] + 1, nxt[2])  # reaches into the next segment
            truth.append((sid, code, a, b))
    for coder in coders:
        actions = CodingActions(project, coder)
        mine = set()
        for sid, code, a, b in truth:
            roll = rng.random()
            if roll < 0.15:
                continue  # missed it
            if roll < 0.25:
                code = rng.choice(CODES)  # another code
            if roll > 0.9:
                a = min(b - 1, a + rng.randint(0, 3))  # a slightly different span
            mine.add((sid, code, a, b))
        for sid, code, a, b in sorted(mine):
            actions.apply(sid, code_ids[code], a, b)
    project.close()
    return db


def talk_ids(project: Project) -> tuple[int, int, list[tuple[int, int]]]:
    """The id of source 'talk', the id of code Alpha, and talk's segments as (start, end)."""
    with project.read() as s:
        conn = s.connection()
        sid = conn.exec_driver_sql("SELECT id FROM source WHERE name = 'talk'").scalar_one()
        code = conn.exec_driver_sql("SELECT id FROM code WHERE path = 'Alpha'").scalar_one()
        segs = conn.exec_driver_sql(
            f'SELECT start, "end" FROM segment WHERE source_id = {sid} ORDER BY start'
        ).all()
    return sid, code, [(a, b) for a, b in segs]
