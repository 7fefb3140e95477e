"""The qualcode project of a generated corpus, built once through qualcode's own import paths.

``project_for(corpus)`` imports the transcripts (``import_files``, informants.yaml found beside
them), the codebook and the codings CSV into ``<corpus>/project.db`` and keeps it: the analysis
benchmarks read it, never write it. A project of an older schema is upgraded by qualcode's
migrations when it is opened, as a user's would be.
Large scales are imported in batches of files, so that building the cache stays within memory
(the import benchmark itself imports all files in one call, as ``qualcode import`` does).
"""

from __future__ import annotations

import json
from pathlib import Path

from corpus import Corpus

from qualcode.core.codebook import load_codebook
from qualcode.exchange.codings_csv import import_codings_csv
from qualcode.ingest.importer import import_files
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.migrations import SCHEMA_VERSION
from qualcode.storage.project import Project, remove_sqlite_files

BATCH = 1_000  # files per import call when building the cache


def new_project(db: Path, corpus: Corpus) -> Project:
    """A fresh project at ``db`` with the corpus's codebook loaded."""
    remove_sqlite_files(db)
    project = Project.open(db, create=True)
    with project.write() as session:
        load_codebook_into(session, load_codebook(corpus.codebook), "bench")
    return project


def project_for(corpus: Corpus) -> Path:
    db = corpus.root / "project.db"
    stamp = corpus.root / "project.json"
    want = {"schema": SCHEMA_VERSION, "manifest": corpus.manifest}
    if db.exists() and stamp.exists():
        had = json.loads(stamp.read_text())
        if had == want:
            return db
        if had.get("manifest") == corpus.manifest:  # an older schema: upgraded as users' are
            Project.open(db).close()
            stamp.write_text(json.dumps(want))
            return db
    stamp.unlink(missing_ok=True)
    project = new_project(db, corpus)
    try:
        files = corpus.files()
        for i in range(0, len(files), BATCH):
            import_files(project, files[i : i + BATCH], actor="bench")
        import_codings_csv(project, corpus.codings, actor="bench")
    finally:
        project.close()
    stamp.write_text(json.dumps(want))
    return db
