"""The demo project: the Sampang MSME study (transcripts/sampang, codebooks/fahrudin.yaml).

The demo is built into a temporary file beside the target and moved into place only when complete,
so an interrupted build never leaves half a project. A file at the target is replaced only if it
is itself a demo project: a researcher's project is never overwritten.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from qualcode.core.errors import QualcodeError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CODER = "resa"
DEMO_ACTOR = "qualcode-demo"


def workspace() -> tuple[Path, Path]:
    """The demo's transcripts folder and codebook, from the source checkout or the cwd."""
    for root in (REPO_ROOT, Path.cwd()):
        folder, book = root / "transcripts" / "sampang", root / "codebooks" / "fahrudin.yaml"
        if folder.is_dir() and book.is_file():
            return folder, book
    raise QualcodeError(
        "demo workspace not found (transcripts/sampang and codebooks/fahrudin.yaml); "
        "run qualcode demo from a qualcode checkout"
    )


def build_demo(location: str, echo: Callable[[str], None] = lambda m: None) -> str:
    from qualcode.core.codebook import load_codebook
    from qualcode.exchange.codings_csv import import_codings_csv
    from qualcode.ingest.importer import import_files
    from qualcode.storage.codes import load_codebook_into
    from qualcode.storage.db import is_url
    from qualcode.storage.project import Project, remove_sqlite_files, set_setting

    if is_url(location):
        raise QualcodeError(f"{location}: the demo is built into a SQLite file, not a server")
    target = Path(location)
    _refuse_unless_demo(target)
    folder, book_path = workspace()
    building = target.with_name(target.name + ".building")
    remove_sqlite_files(building)
    try:
        project = Project.open(building, create=True)
        try:
            book = load_codebook(book_path)
            with project.write() as s:
                load_codebook_into(s, book, actor=DEMO_ACTOR)
                set_setting(s, "project_name", "Sampang MSME empowerment study (demo)")
                set_setting(s, "demo", True)
            files = sorted(
                p for p in folder.iterdir() if p.suffix in (".txt", ".md", ".docx", ".vtt", ".srt")
            )
            report = import_files(project, files, actor=DEMO_ACTOR)
            codings = import_codings_csv(project, folder / "codings.csv", actor=DEMO_ACTOR)
            if (folder / "conclusions.yaml").is_file():  # the study's conclusions, to check
                from qualcode.analysis.conclusions import load_conclusions

                with project.write() as s:
                    load_conclusions(s, folder / "conclusions.yaml", actor=DEMO_ACTOR)
        finally:
            project.close()
        remove_sqlite_files(target)
        os.replace(building, target)
    finally:
        remove_sqlite_files(building)
    return (
        f"built the demo project in {location}: {len(report.imported)} sources, "
        f"{len(book.codes)} codes, {codings.imported} codings by {', '.join(codings.coders)}"
    )


def _refuse_unless_demo(target: Path) -> None:
    from qualcode.storage.project import Project

    if not target.exists() or target.stat().st_size == 0:
        return
    try:
        project = Project.open(target)
    except QualcodeError as err:
        raise QualcodeError(
            f"{target}: not a demo project; refusing to overwrite it ({err})"
        ) from None
    try:
        is_demo = project.setting("demo", False)
    finally:
        project.close()
    if not is_demo:
        raise QualcodeError(
            f"{target}: this project is not the demo; refusing to overwrite it (give another --db)"
        )
