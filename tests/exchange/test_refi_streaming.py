"""REFI-QDA export and import stream a project instead of holding it whole (issue 9, scale L).

The export writes ``project.qde`` and the texts into the zip source by source; the import reads
``project.qde`` in passes, one source at a time, and writes codings in batches. Neither may
change a byte or a row: the digests below were taken from the export and import that built the
whole document in memory, on the project ``refi_scale_support.build_scale_project`` generates
(60 sources, 5,400 codings: more selections than the position detection samples). The batch
sizes are made small here so that every flush path runs.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from refi_scale_support import build_scale_project, database_digest, with_utf16_offsets
from sqlmodel import select

from qualcode.core.errors import InputError
from qualcode.exchange.refi import Limits, build_qdpx, export_qdpx, import_, import_refi
from qualcode.exchange.refi.export import zip_entry
from qualcode.exchange.refi.model import PROJECT_NS
from qualcode.exchange.refi.positions import Detection, Interpretation, SourceText, detect
from qualcode.storage.models import Source
from qualcode.storage.project import Project

EXPORT_SHA256 = "5d2ab5b607624d040f286a1533efb8bdd155f7231a3ac4bbe81bd3b70e4a3c52"
EXPORT_BYTES = 545_269
# Taken before the import streamed its document; changed since only by the coding audit entries
# recording each coding's source, code and coder (every other row compared equal).
IMPORTED = "006b367143c54ba0a05fda6a358a3cfd4efb3d53b6c0a649313a43cc6eb35a5e"
IMPORTED_UTF16 = "740fb44905d61bf3e45c0b3205cfc4e315e3de68e59f01655964f54a2c9bb6ca"
IMPORTED_INTO_ITSELF = "fdf312f53def6d2ea961f34f7467eca72586eb78068d7e10ec7ddfa5e7449d86"
OPTIONS = (Interpretation("cp"), Interpretation("utf16"), Interpretation("utf8"))


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("scale")
    db = build_scale_project(folder / "scale.db")
    with Project.open(db) as p:
        export_qdpx(p, folder / "scale.qdpx")
    return db, folder / "scale.qdpx"


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_, "CODING_BATCH", 500, raising=False)


def test_export_is_the_bytes_the_whole_document_export_wrote(
    scale: tuple[Path, Path], tmp_path: Path
) -> None:
    db, qdpx = scale
    data = qdpx.read_bytes()
    assert (hashlib.sha256(data).hexdigest(), len(data)) == (EXPORT_SHA256, EXPORT_BYTES)
    with Project.open(db) as p, p.read() as s:
        built, report = build_qdpx(s, tmp_path / "x.qdpx")
    assert built == data and report.codings == 5_400 and report.memos == 27
    with zipfile.ZipFile(qdpx) as archive:
        names = archive.namelist()
    assert names[0] == "project.qde" and len(names) == 61


def test_import_gives_the_project_the_whole_document_import_gave(
    scale: tuple[Path, Path], tmp_path: Path
) -> None:
    _, qdpx = scale
    with Project.open(tmp_path / "copy.db", create=True) as p:
        report = import_refi(p, qdpx, actor="t")
        export_qdpx(p, tmp_path / "again.qdpx")
    assert report.codings_imported == 5_400 and report.accounted()
    assert not report.not_placed and not report.moved and not report.warnings
    assert report.detection == Detection(OPTIONS[0], 4000, 4000, 4000, 4000, 3, 1562, OPTIONS)
    assert database_digest(tmp_path / "copy.db") == IMPORTED
    assert (tmp_path / "again.qdpx").read_bytes() == qdpx.read_bytes()


def test_positions_in_utf16_units_are_detected_from_a_sample_read_before_writing(
    scale: tuple[Path, Path], tmp_path: Path
) -> None:
    _, qdpx = scale
    nvivo = with_utf16_offsets(qdpx, tmp_path / "utf16.qdpx")
    with Project.open(tmp_path / "copy.db", create=True) as p:
        report = import_refi(p, nvivo, actor="t")
    assert report.detection == Detection(OPTIONS[1], 4000, 4000, 4000, 4000, 3, 1562, OPTIONS)
    assert report.codings_imported == 5_400 and not report.moved and not report.not_placed
    assert database_digest(tmp_path / "copy.db") == IMPORTED_UTF16


def _detect_whole(qdpx: Path) -> Detection:
    """The position detection over the whole file held in memory, as the import did before."""
    items = []
    with zipfile.ZipFile(qdpx) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        for source in root.iter(f"{{{PROJECT_NS}}}TextSource"):
            raw = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
            text = SourceText(raw, False)
            for sel in source.iter(f"{{{PROJECT_NS}}}PlainTextSelection"):
                start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
                items.append((text, start, end, sel.get("name", "")))
    return detect(items)


def test_detection_with_one_way_to_count_is_the_whole_file_detection(tmp_path: Path) -> None:
    """ASCII texts: nothing to choose, so the sample is checked while the sources are written
    (no pass of its own); the report says the same as a detection over the whole file."""
    db = build_scale_project(
        tmp_path / "ascii.db", sources=50, codings_per_source=100, ascii_only=True
    )
    with Project.open(db) as p:
        export_qdpx(p, tmp_path / "ascii.qdpx")
    with Project.open(tmp_path / "copy.db", create=True) as p:
        report = import_refi(p, tmp_path / "ascii.qdpx", actor="t")
        export_qdpx(p, tmp_path / "again.qdpx")
    expected = _detect_whole(tmp_path / "ascii.qdpx")
    assert expected.candidates == 1 and expected.checked == 4000
    assert report.detection == expected
    assert report.codings_imported == 5_000 and report.accounted() and not report.warnings
    assert (tmp_path / "again.qdpx").read_bytes() == (tmp_path / "ascii.qdpx").read_bytes()


def test_detection_with_a_choice_is_the_whole_file_detection(
    scale: tuple[Path, Path], tmp_path: Path
) -> None:
    _, qdpx = scale
    nvivo = with_utf16_offsets(qdpx, tmp_path / "utf16.qdpx")
    for file in (qdpx, nvivo):
        with Project.open(tmp_path / f"{file.stem}.db", create=True) as p:
            report = import_refi(p, file, actor="t")
        assert report.detection == _detect_whole(file)


def test_importing_its_own_export_finds_every_coding_present(
    scale: tuple[Path, Path], tmp_path: Path
) -> None:
    db, qdpx = scale
    target = tmp_path / "itself.db"
    target.write_bytes(db.read_bytes())
    with Project.open(target) as p:
        report = import_refi(p, qdpx, actor="t")
    assert (report.codings_imported, report.codings_present, report.memos) == (0, 5_400, 0)
    assert database_digest(target) == IMPORTED_INTO_ITSELF


def test_the_document_read_in_passes_counts_once_towards_the_limit(
    scale: tuple[Path, Path], tmp_path: Path
) -> None:
    """The import reads project.qde twice and each text twice; the cap on everything read is
    still the size of the archive's contents, not of the reads."""
    _, qdpx = scale
    with zipfile.ZipFile(qdpx) as archive:
        total = sum(info.file_size for info in archive.infolist())
    with Project.open(tmp_path / "fits.db", create=True) as p:
        report = import_refi(p, qdpx, actor="t", limits=Limits(max_total_bytes=total))
    assert report.codings_imported == 5_400
    with Project.open(tmp_path / "over.db", create=True) as p:
        with pytest.raises(InputError, match="over the limit of"):
            import_refi(p, qdpx, actor="t", limits=Limits(max_total_bytes=total - 1))
        with p.read() as s:
            assert s.exec(select(Source)).first() is None


def _written_whole(qdpx: bytes) -> bytes:
    """The same entries zipped as the export did before it streamed: each written at once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(qdpx)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            archive.writestr(zip_entry(info.filename), source.read(info), compresslevel=6)
    return buffer.getvalue()


@pytest.mark.parametrize("limit", [None, 1_000_000], ids=["zip", "zip64"])
def test_the_streamed_zip_is_the_zip_written_whole(
    scale: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int | None
) -> None:
    """Also past the size where an entry needs zip64 (2 GiB; lowered here), which a streamed
    entry must ask for before its size is known."""
    db, _ = scale
    if limit is not None:
        monkeypatch.setattr(zipfile, "ZIP64_LIMIT", limit)
    with Project.open(db) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
    data = (tmp_path / "p.qdpx").read_bytes()
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        qde = archive.getinfo("project.qde")
    assert (qde.file_size * 1.05 > zipfile.ZIP64_LIMIT) == (limit is not None)
    assert data == _written_whole(data)
