"""The peer, ``qualitative-coding`` (AGPL), in a throwaway virtualenv, and the S corpus in its form.

Never a dependency of qualcode: the benchmark installs it into exports/bench/peer-venv (gitignored
with the rest of exports/) with pip, and talks to it only through peer_driver.py run by that
virtualenv's interpreter. ``ensure_peer()`` returns None and a reason when it cannot be installed
(no network, no registry), and the peer benchmarks are then skipped with that reason recorded.

The corpus in the peer's form:

- the transcripts as they are (one turn a line, a blank line between): each segment is a line and
  a paragraph, so the peer's ``--unit paragraph`` counts distinct segments, as qualcode does;
- its codebook: the same tree, names as the peer accepts them (``programme_design``);
- one codes file per coder and document, a line per document line, the codes of the segment on
  its line: what the peer's editor session produces.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from corpus import THEMES, Corpus, read_codings, slug

PEER_PACKAGE = "qualitative-coding==1.7.8"
BENCH = Path(__file__).resolve().parents[2] / "exports" / "bench"
PEER_VENV = BENCH / "peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_QC = PEER_VENV / "bin" / "qc"
DRIVER = Path(__file__).resolve().parent / "peer_driver.py"


def ensure_peer() -> tuple[Path | None, str]:
    """The peer's interpreter, installed on first use; or None and why it could not be."""
    stamp = PEER_VENV / ".installed"
    if stamp.exists() and stamp.read_text() == PEER_PACKAGE:
        return PEER_PYTHON, ""
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(PEER_VENV)],
        [str(PEER_PYTHON), "-m", "pip", "install", "--quiet", PEER_PACKAGE],
    ]
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
            return None, f"'{' '.join(argv[-3:])}' failed: {tail[0]}"
    stamp.write_text(PEER_PACKAGE)
    return PEER_PYTHON, ""


def drive(*args: object) -> dict[str, object]:
    """Run one peer_driver.py command with the peer's interpreter; its JSON line."""
    done = subprocess.run(
        [str(PEER_PYTHON), str(DRIVER), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"peer {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def codebook_yaml() -> str:
    lines = []
    for theme, subs in THEMES.items():
        lines.append(f"- {slug(theme)}:")
        lines += [f"  - {slug(s)}" for s in subs]
    return "\n".join(lines) + "\n"


def peer_files(corpus: Corpus) -> Path:
    """The transcripts (without informants.yaml), the codebook, the codes files and the coding
    jobs, under exports/bench/peer/<scale>/; made once."""
    root = BENCH / "peer" / corpus.scale
    if (root / "jobs.json").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "source").mkdir(parents=True)
    for path in corpus.files():
        shutil.copyfile(path, root / "source" / path.name)
    (root / "codebook.yaml").write_text(codebook_yaml())
    per_doc: dict[tuple[str, str], dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for c in read_codings(corpus):
        per_doc[(c.coder, c.source)][2 * (c.segment - 1)].append(slug(c.code.split("/")[-1]))
    jobs = []
    for (coder, source), lines in sorted(per_doc.items()):
        name = f"{source}.txt"
        length = len((root / "source" / name).read_text(encoding="utf-8").splitlines())
        codes = [", ".join(lines.get(i, [])) for i in range(length)]
        folder = root / "codes" / coder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("\n".join(codes) + "\n", encoding="utf-8")
        jobs.append((coder, name))
    (root / "jobs.json").write_text(json.dumps(jobs))
    return root


def coded_peer_project(corpus: Corpus) -> tuple[Path, dict[str, object]]:
    """The peer's project of the corpus, imported and coded (made once: coding 250 documents
    through the editor takes minutes)."""
    files = peer_files(corpus)
    project = files / "coded"
    stamp = files / "coded.json"
    if stamp.exists():
        return project, json.loads(stamp.read_text())
    shutil.rmtree(project, ignore_errors=True)
    drive("init", project, files / "codebook.yaml")
    imported = drive("import", project, files / "source")
    coded = drive("code", project, files / "codes", files / "jobs.json")
    info = {
        "import_s": imported["time"],
        "coding_sessions": coded["sessions"],
        "code_s": coded["time"],
    }
    stamp.write_text(json.dumps(info))
    return project, info
