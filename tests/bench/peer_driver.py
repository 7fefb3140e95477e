"""Drive the peer, ``qualitative-coding`` (``qc``), from inside its own virtualenv.

Run by test_bench_peer.py with the peer's interpreter (exports/bench/peer-venv); it imports the
peer's modules only, never qualcode. Each command makes the calls the peer's own CLI command
makes (``qc corpus import``, ``qc code``, ``qc codes stats``, ``qc codes crosstab``) and prints
one JSON line; the timed part is the command's work, without the interpreter's start-up (start-up
is compared on its own, ``qc version``). Output tables go to CSV files (``-o``), as the CLI's
``--outfile`` does.

Coding by script is the peer's documented way: its editor is a configurable shell command that
receives the document and a codes file with one line per document line; ``code`` configures an
editor whose command copies a prepared codes file into place, and the peer parses and stores it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import yaml
from qualitative_coding.corpus import QCCorpus
from qualitative_coding.logs import configure_logger
from qualitative_coding.views.viewer import QCCorpusViewer

# The "editor": copy the prepared codes of the current coder and document (QC_BENCH_CODES and
# QC_BENCH_CODER are set by `code` below) over the codes file the peer opens.
EDITOR = {
    "name": "bench",
    "code_command": 'cp "$QC_BENCH_CODES/$QC_BENCH_CODER/$(basename "{corpus_file_path}")" '
    '"{codes_file_path}"',
    "memo_command": "true",
}


def init(folder: Path, codebook: Path) -> dict[str, object]:
    """A new peer project: settings with the scripted editor, directories, database, codebook."""
    from qualitative_coding.corpus import DEFAULT_SETTINGS

    folder.mkdir(parents=True, exist_ok=True)
    settings = folder / "settings.yaml"
    settings.write_text(
        yaml.dump({**DEFAULT_SETTINGS, "editor": "bench", "editors": {"bench": EDITOR}})
    )
    QCCorpus.initialize(str(settings))
    (folder / DEFAULT_SETTINGS["codebook"]).write_text(codebook.read_text())
    return {}


def open_corpus(folder: Path) -> tuple[QCCorpus, QCCorpusViewer]:
    settings = str(folder / "settings.yaml")
    configure_logger(settings)
    corpus = QCCorpus(settings)
    return corpus, QCCorpusViewer(corpus)


def import_(folder: Path, source: Path) -> dict[str, object]:
    """``qc corpus import --recursive --importer verbatim SOURCE``."""
    corpus, _ = open_corpus(folder)
    t0 = time.perf_counter()
    with corpus.session():
        corpus.import_media(str(source), recursive=True, importer="verbatim")
    elapsed = time.perf_counter() - t0
    with corpus.session():
        documents = len(corpus.get_documents())
    return {"time": elapsed, "documents": documents}


def code(folder: Path, codes: Path, jobs: Path) -> dict[str, object]:
    """``qc code CODER`` for each (coder, document) in JOBS, the editor being the copy above."""
    _, viewer = open_corpus(folder)
    os.environ["QC_BENCH_CODES"] = str(codes)
    t0 = time.perf_counter()
    done = 0
    for coder, document in json.loads(jobs.read_text()):
        os.environ["QC_BENCH_CODER"] = coder
        viewer.open_editor(document, coder)
        done += 1
    return {"time": time.perf_counter() - t0, "sessions": done}


def stats(folder: Path, out: Path, by_document: bool) -> dict[str, object]:
    """``qc codes stats --unit paragraph [--by-document] -o OUT``: distinct paragraphs
    (= segments) per code, or per code and document (the matrix)."""
    _, viewer = open_corpus(folder)
    t0 = time.perf_counter()
    viewer.show_stats((), unit="paragraph", by_document=by_document, outfile=str(out))
    return {"time": time.perf_counter() - t0}


def crosstab(folder: Path, out: Path, coder: str, codes: list[str]) -> dict[str, object]:
    """``qc codes crosstab CODES... --recursive-counts --unit paragraph -c CODER -o OUT``."""
    _, viewer = open_corpus(folder)
    t0 = time.perf_counter()
    viewer.crosstab(
        codes, recursive_counts=True, unit="paragraph", coders=[coder], outfile=str(out)
    )
    return {"time": time.perf_counter() - t0}


def main(argv: list[str]) -> int:
    command, folder, *rest = argv
    where = Path(folder)
    if command == "init":
        result = init(where, Path(rest[0]))
    elif command == "import":
        result = import_(where, Path(rest[0]))
    elif command == "code":
        result = code(where, Path(rest[0]), Path(rest[1]))
    elif command == "stats":
        result = stats(where, Path(rest[0]), rest[1:] == ["--by-document"])
    elif command == "crosstab":
        result = crosstab(where, Path(rest[0]), rest[1], rest[2:])
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
