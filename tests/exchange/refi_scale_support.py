"""A generated project big enough to cross the REFI-QDA streaming paths' batch and sample sizes.

Built with executemany and fixed timestamps, seeded, so its export is the same bytes on every run
and on every machine: ``test_refi_streaming.py`` pins those bytes and the project an import of
them gives (digests taken from the export and import that built whole documents in memory).
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from pathlib import Path

from qualcode.core.codebook import load_codebook
from qualcode.core.segmentation import segment_text
from qualcode.ingest.importer import sha256_of
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project, set_setting

REPO = Path(__file__).resolve().parents[2]
WORDS = (
    "the training programme for micro enterprises reached the café owners in Sampang "
    "but the licence costs were high and credit was hard to get 🙂 said Ibu Ratna & <co>"
).split()
STAMP = "2024-01-01 00:00:00.000000"


def _text(rng: random.Random, turns: int, words_from: list[str]) -> str:
    lines = []
    for t in range(turns):
        speaker = "INTERVIEWER" if t % 2 == 0 else "Informant"
        words = " ".join(rng.choice(words_from) for _ in range(rng.randint(5, 30)))
        lines.append(f"{speaker}: {words}")
    return "\n\n".join(lines) + "\n"


def build_scale_project(
    db: Path, sources: int = 60, codings_per_source: int = 90, ascii_only: bool = False
) -> Path:
    """``sources`` sources (every fifth a document), ``codings_per_source`` codings each by three
    coders, magnitudes and memos on some, memos on codings, sources, informants and codes.
    ``ascii_only``: no accents or emoji, so there is only one way to count positions."""
    words_from = [w for w in WORDS if w.isascii() or not ascii_only]
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(REPO / "codebooks" / "fahrudin.yaml"), "t")
        set_setting(session, "project_name", "scale")
        set_setting(session, "magnitude_scale", {"-1": "against", "1": "for", "2": "strongly"})
    rng = random.Random(9_031)
    with project.engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        codes = [r[0] for r in cur.execute("SELECT id FROM code WHERE codable").fetchall()]
        cur.executemany(
            "INSERT INTO coder (id, name, created_at) VALUES (?, ?, ?)",
            [(1, "resa", STAMP), (2, "dian", STAMP), (3, "budi", STAMP)],
        )
        roles = ("official", "msme actor", "expert")
        informants, rows, segments, codings = [], [], [], []
        for n in range(1, sources + 1):
            text = _text(rng, rng.randint(20, 60), words_from)
            interview = n % 5 != 0
            if interview:
                attributes = json.dumps({"age": 30 + n % 40, "district": f"D{n % 7}"})
                informants.append((n, f"Informant {n:03d}", roles[n % 3], attributes, STAMP))
            rows.append(
                (
                    n,
                    f"source-{(n * 37) % 101:03d}-{n}",
                    "interview" if interview else "document",
                    sha256_of(text),
                    text,
                    n if interview else None,
                    STAMP,
                )
            )
            for k, seg in enumerate(segment_text(text, "turn", turns=interview), start=1):
                segments.append((n, k, seg.start, seg.end, seg.speaker))
            seen: set[tuple[int, int, int, int]] = set()
            while len(seen) < codings_per_source:
                start = rng.randrange(0, len(text) - 120)
                key = (rng.choice(codes), rng.randint(1, 3), start, start + rng.randint(3, 110))
                if key in seen:
                    continue
                seen.add(key)
                magnitude = rng.choice((None, None, -1, 1, 2))
                memo = "a memo\nwith a second line" if rng.random() < 0.05 else None
                codings.append((n, *key, magnitude, memo, STAMP, STAMP))
        cur.executemany(
            "INSERT INTO informant (id, name, role, attributes, created_at) VALUES (?, ?, ?, ?, ?)",
            informants,
        )
        cur.executemany(
            "INSERT INTO source (id, name, kind, sha256, text, informant_id, segmented_by, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, 'turn', ?)",
            rows,
        )
        cur.executemany(
            'INSERT INTO segment (source_id, ordinal, start, "end", speaker) '
            "VALUES (?, ?, ?, ?, ?)",
            segments,
        )
        cur.executemany(
            'INSERT INTO coding (source_id, code_id, coder_id, start, "end", magnitude, memo, '
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            codings,
        )
        memos = []
        for n in range(1, sources + 1, 7):
            memos.append(("source", n, 1, "", f"About source {n} <&>."))
            memos.append(("coding", n * codings_per_source - 3, 2, "why", f"Coded so, {n}."))
            if n % 5 != 0:
                memos.append(("informant", n, 3, "who", f"Informant {n} in one line."))
        memos.append(("code", codes[0], 1, "", "A code memo."))
        memos.append(("project", None, 1, "Aim", "The study in one line."))
        cur.executemany(
            "INSERT INTO memo (target, target_id, coder_id, title, text, kind, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, 'analytic', ?, ?)",
            [(*m, STAMP, STAMP) for m in memos],
        )
    project.close()
    return db


#: Columns that hold the moment a row was written, which differs from run to run.
# Left out: times of writing; what the database computes (multi_segment, schema 8) and the
# schema's own record (schema_migration), so that a digest names the same project across schema
# versions (the digests were taken at schema 7; schema 8's import gives the same rows).
_MOMENTS = {"at", "applied_at", "imported_at", "created_at", "updated_at", "multi_segment"}


def database_digest(db: Path) -> str:
    """Every row of every table, in id order, without the moments rows were written: the same
    digest means the same project."""
    digest = hashlib.sha256()
    con = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name <> 'schema_migration' "
                "ORDER BY name"
            )
        ]
        for table in tables:
            columns = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            keep = [c for c in columns if c not in _MOMENTS]
            # A setting's value may hold the time it was written; none of the ones here do.
            select = ", ".join(f'"{c}"' for c in keep)
            digest.update(f"{table}:{keep}\n".encode())
            for row in con.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode("utf-8") + b"\n")
    finally:
        con.close()
    return digest.hexdigest()


def with_utf16_offsets(qdpx: Path, out: Path) -> Path:
    """``qdpx`` with its selections' positions counted in UTF-16 code units, as NVivo for
    Windows counts them (an emoji is two units): the import has to detect that."""
    import re
    import zipfile

    with zipfile.ZipFile(qdpx) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    qde = entries["project.qde"].decode("utf-8")
    texts = {
        name.removeprefix("sources/").removesuffix(".txt"): data.decode("utf-8")
        for name, data in entries.items()
        if name.startswith("sources/")
    }

    def units(text: str, index: int) -> int:
        return len(text[:index].encode("utf-16-le")) // 2

    out_lines = []
    text = ""
    for line in qde.split("\n"):
        source = re.search(r'<TextSource guid="([^"]+)"', line)
        if source:
            text = texts[source.group(1)]
        found = re.search(r'startPosition="(\d+)" endPosition="(\d+)"', line)
        if found:
            a, b = int(found.group(1)), int(found.group(2))
            line = line.replace(
                found.group(0),
                f'startPosition="{units(text, a)}" endPosition="{units(text, b)}"',
            )
        out_lines.append(line)
    entries["project.qde"] = "\n".join(out_lines).encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out
