"""Hostile REFI-QDA files: entities, zip slip, zip bombs, bad input. One line, nothing written."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from conftest import fingerprint, run

from qualcode.core.errors import InputError
from qualcode.exchange.refi import Limits, import_refi
from qualcode.exchange.refi.safety import Archive, unsafe_name
from qualcode.storage.project import Project

PROJECT = '<Project xmlns="urn:QDA-XML:project:1.0" name="p">{body}</Project>'
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>\n'
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<Project xmlns="urn:QDA-XML:project:1.0" name="&lol9;"/>\n'
)
GUID = "11111111-2222-4333-8444-555555555555"
WITH_SOURCE = PROJECT.format(
    body=f'<Sources><TextSource guid="{GUID}" name="s" plainTextPath="internal://{GUID}.txt"/>'
    "</Sources>"
)


def zip_with(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def refused(tmp_path: Path, file: Path, expected: str) -> None:
    """The CLI refuses ``file`` in one line naming it; a new project is not left behind, an
    existing one is unchanged."""
    new = tmp_path / "new.db"
    result = run("import", str(file), db=new)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {file}"), result.stderr
    assert expected in result.stderr, result.stderr
    assert not new.exists()
    existing = tmp_path / "existing.db"
    if not existing.exists():
        assert run("init", db=existing).exit_code == 0
    before = fingerprint(existing)
    result = run("refi", "import", str(file), db=existing)
    assert result.exit_code == 1 and expected in result.stderr
    assert fingerprint(existing) == before


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused_in_a_bare_qde(xml: str, tmp_path: Path) -> None:
    qde = tmp_path / "evil.qde"
    qde.write_text(xml, encoding="utf-8")
    refused(tmp_path, qde, "refused: the XML declares a DTD or entities")


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused_inside_a_qdpx(xml: str, tmp_path: Path) -> None:
    qdpx = zip_with(tmp_path / "evil.qdpx", {"project.qde": xml})
    refused(tmp_path, qdpx, "evil.qdpx:project.qde: refused: the XML declares a DTD")


def test_entities_are_refused_in_a_qdc(tmp_path: Path) -> None:
    qdc = tmp_path / "evil.qdc"
    qdc.write_text(XXE.replace("Project", "CodeBook"), encoding="utf-8")
    refused(tmp_path, qdc, "refused: the XML declares a DTD or entities")


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/evil.txt", "sources/../../evil.txt", "C:/evil.txt", "..\\x.txt"]
)
def test_zip_slip_entries_refuse_the_archive(name: str, tmp_path: Path) -> None:
    assert unsafe_name(name)
    qdpx = zip_with(tmp_path / "slip.qdpx", {"project.qde": WITH_SOURCE, name: "text"})
    refused(tmp_path, qdpx, "points outside the archive (zip slip)")


def test_harmless_names_are_not_zip_slip() -> None:
    for name in ("project.qde", "Sources/a.txt", "sources/..hidden", "a/b/c.txt", "x..y.txt"):
        assert not unsafe_name(name)


def test_a_plain_text_path_cannot_reach_outside(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not import me", encoding="utf-8")
    body = WITH_SOURCE.replace(f"internal://{GUID}.txt", "internal://../secret.txt")
    qdpx = zip_with(tmp_path / "p.qdpx", {"project.qde": body})
    with Project.open(tmp_path / "p.db", create=True) as project:
        report = import_refi(project, qdpx, actor="t")
    assert report.sources_skipped == [("s", "external file 'internal://../secret.txt' is not read")]
    absolute = WITH_SOURCE.replace(f"internal://{GUID}.txt", f"absolute://{secret}")
    bare = tmp_path / "bare.qde"
    bare.write_text(absolute, encoding="utf-8")
    with Project.open(tmp_path / "q.db", create=True) as project:
        report = import_refi(project, bare, actor="t")
    assert not report.sources_imported and "external file" in report.sources_skipped[0][1]


def test_a_zip_bomb_is_refused_by_its_declared_size_before_inflating(tmp_path: Path) -> None:
    qdpx = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(qdpx, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", WITH_SOURCE)
        with archive.open(f"sources/{GUID}.txt", "w") as entry:
            chunk = b"\0" * (1 << 20)
            for _ in range(129):  # 129 MiB of zeros: about 130 KB compressed
                entry.write(chunk)
    assert qdpx.stat().st_size < 1_000_000
    refused(tmp_path, qdpx, f"entry 'sources/{GUID}.txt' declares 135266304 bytes")


def test_a_lying_declared_size_still_cannot_inflate_more(tmp_path: Path) -> None:
    """Sizes patched down in both headers: reading stops at the declared size, and the file is
    refused as damaged instead of inflating 5 MB."""
    qdpx = zip_with(tmp_path / "liar.qdpx", {"project.qde": WITH_SOURCE})
    with zipfile.ZipFile(qdpx, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"sources/{GUID}.txt", b"a" * 5_000_000)
    data = bytearray(qdpx.read_bytes())
    real = struct.pack("<I", 5_000_000)
    patched = data.replace(real, struct.pack("<I", 100))
    assert patched != data
    qdpx.write_bytes(bytes(patched))
    refused(tmp_path, qdpx, "cannot read entry")


def test_limits_on_entries_and_on_everything_read(tmp_path: Path) -> None:
    many = zip_with(
        tmp_path / "many.qdpx",
        {"project.qde": WITH_SOURCE, **{f"sources/{i}.txt": "x" for i in range(20)}},
    )
    with pytest.raises(InputError, match=r"has 21 entries \(the limit is 10\)"):
        Archive(many, Limits(max_entries=10))
    big = zip_with(
        tmp_path / "big.qdpx", {"project.qde": WITH_SOURCE, f"sources/{GUID}.txt": "y" * 5000}
    )
    with Project.open(tmp_path / "p.db", create=True) as project:
        with pytest.raises(InputError, match="over the limit of 2000"):
            import_refi(project, big, actor="t", limits=Limits(max_text_bytes=2000))
        with pytest.raises(InputError, match="project.qde' declares .* over the limit of 100"):
            import_refi(project, big, actor="t", limits=Limits(max_xml_bytes=100))
        with pytest.raises(InputError, match="over the limit of"):
            import_refi(
                project, big, actor="t", limits=Limits(max_total_bytes=len(WITH_SOURCE) + 10)
            )


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ({"readme.txt": "hello"}, "no .qde project file inside the archive"),
        ({"a.qde": WITH_SOURCE, "b/b.qde": WITH_SOURCE}, "the archive holds 2 .qde files"),
        ({"project.qde": "<Project><Users>"}, "project.qde:1: not well-formed XML"),
        ({"project.qde": "<Other/>"}, "not a REFI-QDA project or codebook"),
    ],
)
def test_bad_archives_are_one_line_errors(
    entries: dict[str, bytes | str], expected: str, tmp_path: Path
) -> None:
    refused(tmp_path, zip_with(tmp_path / "bad.qdpx", entries), expected)


def test_mac_resource_forks_are_not_a_second_qde(tmp_path: Path) -> None:
    qdpx = zip_with(
        tmp_path / "mac.qdpx",
        {"Project.qde": PROJECT.format(body=""), "__MACOSX/._Project.qde": b"\0\x05\x16\x07"},
    )
    with Project.open(tmp_path / "p.db", create=True) as project:
        report = import_refi(project, qdpx, actor="t")
    assert report.name == "p"


def test_not_a_zip_and_missing_files(tmp_path: Path) -> None:
    fake = tmp_path / "fake.qdpx"
    fake.write_text("just text", encoding="utf-8")
    refused(tmp_path, fake, "not a readable .qdpx (zip) archive")
    refused(tmp_path, tmp_path / "missing.qdpx", "file not found")
