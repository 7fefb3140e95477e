"""REFI-QDA import: the real files in ../shared/refi-qda/samples, and the quirks of each vendor."""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import REPO, fingerprint, run
from sqlmodel import select

from qualcode.core.errors import InputError
from qualcode.exchange.refi import export_qdpx, import_refi
from qualcode.exchange.refi.model import count_codings
from qualcode.storage.models import AuditEntry, Code, Coder, Coding, Informant, Memo, Source
from qualcode.storage.project import Project

SAMPLES = REPO.parent / "shared" / "refi-qda" / "samples"
ATLAS = SAMPLES / "atlasti-8.4-mac-REFI-standard-TestProject.qdpx"
ATLAS_WIN = SAMPLES / "atlasti-win23-target-atlas-project.qdpx"
NVIVO = SAMPLES / "nvivo-mac15-nvivo_project.qdpx"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/refi-qda is absent")


def zip_with(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def qde_text(sample: Path) -> str:
    with zipfile.ZipFile(sample) as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith(".qde"))
        return archive.read(name).decode("utf-8")


def fresh(tmp_path: Path, name: str = "p.db") -> Project:
    return Project.open(tmp_path / name, create=True)


def coded_texts(project: Project) -> list[tuple[str, str, str, str]]:
    """(source, coded text, code path, coder) of every coding, sorted."""
    with project.read() as s:
        sources = {x.id: x for x in s.exec(select(Source))}
        codes = {c.id: c.path for c in s.exec(select(Code))}
        coders = {c.id: c.name for c in s.exec(select(Coder))}
        return sorted(
            (
                sources[c.source_id].name,
                sources[c.source_id].text[c.start : c.end],
                codes[c.code_id],
                coders[c.coder_id],
            )
            for c in s.exec(select(Coding))
        )


# --- the shared samples ------------------------------------------------------------------------


@needs_samples
@pytest.mark.parametrize("sample", [ATLAS, ATLAS_WIN, NVIVO], ids=lambda p: p.stem)
def test_samples_import_with_every_code_source_and_coding_accounted_for(
    sample: Path, tmp_path: Path
) -> None:
    root = ET.fromstring(qde_text(sample))
    tag = "{urn:QDA-XML:project:1.0}"
    xml_codes = len(root.findall(f".//{tag}Code"))
    xml_text_sources = len(root.findall(f"{tag}Sources/{tag}TextSource")) + len(
        root.findall(f"{tag}Sources/{tag}PDFSource/{tag}Representation")
    )
    with fresh(tmp_path) as project:
        report = import_refi(project, sample, actor="t")
        with project.read() as s:
            assert len(list(s.exec(select(Code)))) == xml_codes == len(report.codes_added)
            assert len(list(s.exec(select(Source)))) == len(report.sources_imported)
    assert len(report.sources_imported) + len(report.sources_skipped) == xml_text_sources
    assert report.xml_codings == count_codings(root)
    assert report.accounted()  # every <Coding>: imported, already present, or reported


@needs_samples
def test_atlas_sample_reports_each_selection_it_cannot_place(tmp_path: Path) -> None:
    with fresh(tmp_path) as project:
        report = import_refi(project, ATLAS, actor="t")
    # The REFI standard's own example ships an empty Sources/ folder: no text to code.
    assert report.codings_imported == 0 and report.codings_not_placed == 16
    reasons = [item.reason for item in report.not_placed]
    assert sum("is missing from the archive" in r for r in reasons) == 8
    assert sum("picture selection" in r for r in reasons) == 1
    assert sum("PDF page region selection" in r for r in reasons) == 4
    assert sum("video selection" in r for r in reasons) == 2
    assert len(report.coders_added) == 3 and report.memos == 2 and report.sets_kept == 16
    lines = list(report.lines())
    assert "not placed: 'Simon.docx' [688, 907) \"damage done by fatty foods\", 1 coding: " in (
        "\n".join(lines)
    )


@needs_samples
def test_nvivo_sample_keeps_its_code_tree(tmp_path: Path) -> None:
    with fresh(tmp_path) as project:
        report = import_refi(project, NVIVO, actor="t")
        with project.read() as s:
            paths = {c.path for c in s.exec(select(Code))}
            guids = {c.guid for c in s.exec(select(Code))}
    assert len(paths) == 262
    assert "rq1_definition/competencies/programming" in paths
    assert "rq1_definition/framings/cs_as_programming/programming" in paths
    assert "34653336-3766-3235-6466-363134396437" in guids
    assert report.sources_skipped == [
        ("66653866-6334-3535-3435-366637306566", "its text is empty"),
        ("33663939-3636-3632-3038-613431643463", "its text is empty"),
    ]
    assert sorted(report.coders_added) == ["chrisp", "cp"]


SIMON = (
    "Simon talks about breakfast. Crème brûlée is not breakfast, he says, laughing. "
    "We met at his house on a Tuesday; the kitchen smelled of coffee and toast. He told "
    "me he was trying to eat less bread.\n"
)


def _simon() -> str:
    text = SIMON.ljust(215, ".")
    text += "I did try the gluten free bread, but it was always so soggy,"
    text = text.ljust(513, " ")
    text += (
        "But to be honest, I used to have a much bigger breakfast, and these days I find myself "
        "snacking about all morning instead of eating properly."
    )
    return text.ljust(1000, ".") + "\n"


@needs_samples
def test_atlas_sample_with_its_texts_places_selections_by_their_names(tmp_path: Path) -> None:
    """The ATLAS.ti sample with the text files it should have had (written here to fit its
    offsets): code points, truncated names with "…", a renamed quotation (a label)."""
    mabel = (
        "I'm a single mum with an 8 month old and a toddler and breakfast is mayhem. The baby has "
        "porridge, I have coffee and whatever the toddler leaves. "
    ).ljust(410, "x") + "\n"
    diet = "".ljust(139, "-") + "Oh, that was great. See you tomorrow? Eleven thirty. Mm.\n"
    sample = zip_with(
        tmp_path / "atlas-with-texts.qdpx",
        {
            "Project.qde": qde_text(ATLAS),
            "Sources/C1C745F7-8E4D-48B2-9710-655AFE7E54FA.txt": _simon(),
            "Sources/B2F54555-0D2D-43B2-B40C-2A1C048F5F1C.txt": mabel,
            "Sources/230B768E-5A3D-42B7-BE92-2A3721177944.txt": diet,
        },
    )
    with fresh(tmp_path) as project:
        report = import_refi(project, sample, actor="t")
        coded = coded_texts(project)
    assert report.detection is not None
    assert report.detection.chosen.unit == "cp"  # the accents rule out bytes
    assert report.codings_imported == 7 and report.accounted()
    assert [label.name for label in report.labels] == ["damage done by fatty foods"]
    assert not report.moved
    assert (
        "Simon.docx",
        "I did try the gluten free bread, but it was always so soggy,",
        "Feelings",
        "Friedrich Markgraf",
    ) in coded
    assert sum(1 for c in coded if c[0] == "Mabel.txt") == 3
    assert (
        "1994 Diet Coke-Diet Coke Break.docx",
        diet[139:195],
        "Coke::diet Coke",
        "Friedrich Markgraf",
    ) in coded
    with Project.open(tmp_path / "p.db") as project, project.read() as s:
        kinds = {x.name: x.kind for x in s.exec(select(Source))}
    assert kinds["Simon.docx"] == "document"  # no case says who: not an interview


# --- vendor quirks -----------------------------------------------------------------------------

TEXT = (
    "INTERVIEWER: Good morning, Ibu Ratna. What does the department do?\r\n"
    "\r\n"
    "Ratna: We run training and coaching for MSME actors. 🙂 The café owners came too.\r\n"
    "\r\n"
    "INTERVIEWER: Does it reach everyone?\r\n"
    "\r\n"
    "Ratna: Not yet. The main programme is only planned — “soon”, they say.\r\n"
)
QUOTES = [
    "training and coaching for MSME actors",
    "🙂 The café owners came too.",
    "Not yet.",
    "The main programme is only planned — “soon”",
]


def offsets(raw: str, quote: str, unit: str, crlf: int) -> tuple[int, int]:
    text = raw if crlf == 2 else raw.replace("\r\n", "\n")
    start = text.index(quote)
    end = start + len(quote)

    def width(s: str) -> int:
        if unit == "utf16":
            return len(s.encode("utf-16-le")) // 2
        if unit == "utf8":
            return len(s.encode("utf-8"))
        return len(s)

    return width(text[:start]), width(text[:end])


def vendor_qde(
    *,
    source_guid: str,
    path: str,
    selections: str,
    sets: str = "",
    ns: str = "urn:QDA-XML:project:1.0",
    code_guid: str = "{5F4B5E0C-8E3B-4C2B-9A51-0B8C2D7E9A11}",
) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{ns}" name="Vendor project" origin="Vendor 1.0">
  <Users><User guid="{{0A1B2C3D-0000-4000-8000-000000000001}}" name="Ana"/></Users>
  <CodeBook><Codes>
    <Code guid="{code_guid}" name="Training" isCodable="true" color="#0a0"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{source_guid}" name="Ratna interview" plainTextPath="{path}">
      {selections}
    </TextSource>
  </Sources>
  {sets}
</Project>"""


def selection_xml(i: int, start: int, end: int, name: str | None, code: str) -> str:
    named = f' name="{name}"' if name is not None else ""
    return (
        f'<PlainTextSelection guid="0000000{i}-AAAA-4BBB-8CCC-DDDDDDDDDDDD"{named} '
        f'startPosition="{start}" endPosition="{end}" '
        f'creatingUser="0a1b2c3d-0000-4000-8000-000000000001">'
        f'<Coding guid="0000000{i}-EEEE-4BBB-8CCC-DDDDDDDDDDDD"><CodeRef targetGUID="{code}"/>'
        "</Coding></PlainTextSelection>"
    )


VENDORS = {
    # NVivo for Windows: UTF-16 units, CRLF as two, BOM not counted; GUIDs upper case in braces;
    # Sources/ capitalised; a project-named .qde; plainTextPath without internal://.
    "nvivo-windows": dict(
        unit="utf16", crlf=2, bom=True, folder="Sources", qde="Ratna.qde", prefix="", names=True
    ),
    # Taguette: UTF-8 bytes, an empty <Sets/>, lower-case GUIDs, no names.
    "taguette": dict(
        unit="utf8",
        crlf=2,
        bom=False,
        folder="sources",
        qde="project.qde",
        prefix="internal://",
        names=False,
        sets="<Sets/>",
    ),
    # A program that counts code points on LF text (QualCoder, MAXQDA).
    "codepoints-lf": dict(
        unit="cp",
        crlf=1,
        bom=True,
        folder="sources",
        qde="project.qde",
        prefix="internal://",
        names=True,
    ),
}


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_vendor_offsets_land_on_the_same_text(vendor: str, tmp_path: Path) -> None:
    spec = VENDORS[vendor]
    guid = "9C4D1E2F-3A4B-4C5D-8E6F-7A8B9C0D1E2F"
    code = "{5F4B5E0C-8E3B-4C2B-9A51-0B8C2D7E9A11}"
    if vendor == "taguette":
        guid, code = guid.lower(), code.strip("{}").lower()
    selections = "\n".join(
        selection_xml(
            i,
            *offsets(TEXT, quote, str(spec["unit"]), int(spec["crlf"])),  # type: ignore[call-overload]
            quote if spec["names"] else None,
            code,
        )
        for i, quote in enumerate(QUOTES)
    )
    raw = TEXT.encode("utf-8")
    if spec["bom"]:
        raw = codecs.BOM_UTF8 + raw
    qde = vendor_qde(
        source_guid=guid if vendor != "nvivo-windows" else "{" + guid + "}",
        path=f"{spec['prefix']}{guid}.txt",
        selections=selections,
        sets=str(spec.get("sets", "")),
    )
    sample = zip_with(
        tmp_path / f"{vendor}.qdpx", {str(spec["qde"]): qde, f"{spec['folder']}/{guid}.txt": raw}
    )
    with fresh(tmp_path) as project:
        report = import_refi(project, sample, actor="t")
        coded = coded_texts(project)
        with project.read() as s:
            stored = s.exec(select(Source)).one().text
    assert report.detection is not None
    assert report.detection.chosen.unit == spec["unit"]
    assert report.codings_imported == 4 and not report.not_placed and not report.moved
    assert sorted(c[1] for c in coded) == sorted(QUOTES)
    assert "\r" not in stored and not stored.startswith("\ufeff")


def test_without_selection_text_the_unit_that_stays_in_range_wins(tmp_path: Path) -> None:
    """UTF-8 byte offsets past the end of the text in code points: only bytes keep them all."""
    text = "é" * 40 + " training and coaching " + "é" * 40
    quote = "training and coaching"
    start = len(text[: text.index(quote)].encode("utf-8"))
    end_sel = selection_xml(
        1,
        len(text.encode()) - 10,
        len(text.encode()) - 2,
        None,
        "{5F4B5E0C-8E3B-4C2B-9A51-0B8C2D7E9A11}",
    )
    sels = selection_xml(
        0, start, start + len(quote), None, "{5F4B5E0C-8E3B-4C2B-9A51-0B8C2D7E9A11}"
    )
    qde = vendor_qde(
        source_guid="11111111-2222-4333-8444-555555555555",
        path="internal://t.txt",
        selections=sels + end_sel,
    )
    sample = zip_with(tmp_path / "t.qdpx", {"project.qde": qde, "sources/t.txt": text})
    with fresh(tmp_path) as project:
        report = import_refi(project, sample, actor="t")
        coded = coded_texts(project)
    assert report.detection is not None and report.detection.chosen.unit == "utf8"
    assert quote in [c[1] for c in coded]


def _shifted_export(rich_db: Path, tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    with Project.open(rich_db) as p:
        export_qdpx(p, tmp_path / "orig.qdpx")
    with zipfile.ZipFile(tmp_path / "orig.qdpx") as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["project.qde"] = edit(entries["project.qde"].decode("utf-8")).encode("utf-8")
    return zip_with(tmp_path / "edited.qdpx", entries)  # type: ignore[arg-type]


@pytest.fixture
def coded_project(project: Path) -> Path:
    """The small project with three codings of its interview."""
    with Project.open(project) as p, p.write() as s:
        source = s.exec(select(Source)).one()
        code = s.exec(select(Code).where(Code.path == "Empowering/Training and coaching")).one()
        coder = Coder(name="resa")
        s.add(coder)
        s.flush()
        for quote in (
            "training and coaching for MSME actors",
            "The café owners came too.",
            "The main programme is only planned.",
        ):
            start = source.text.index(quote)
            s.add(
                Coding(
                    source_id=source.id,
                    code_id=code.id,
                    coder_id=coder.id,
                    start=start,
                    end=start + len(quote),
                )
            )
    return project


def test_a_shifted_selection_is_re_anchored_by_its_text_and_reported(
    coded_project: Path, tmp_path: Path
) -> None:
    def shift(qde: str) -> str:
        match = re.search(
            r'name="The café owners came too\." startPosition="(\d+)" '
            r'endPosition="(\d+)"',
            qde,
        )
        assert match is not None
        a, b = int(match.group(1)), int(match.group(2))
        return qde.replace(
            match.group(0),
            match.group(0).replace(
                f'startPosition="{a}" endPosition="{b}"',
                f'startPosition="{a + 6}" endPosition="{b + 6}"',
            ),
        )

    edited = _shifted_export(coded_project, tmp_path, shift)
    with fresh(tmp_path, "copy.db") as copy:
        report = import_refi(copy, edited, actor="t")
        coded = coded_texts(copy)
    assert [m.name for m in report.moved] == ["The café owners came too."]
    assert "moved from" in report.moved[0].note
    assert "The café owners came too." in [c[1] for c in coded]
    assert any(line.startswith("re-anchored: 'ratna'") for line in report.lines())


def test_a_selection_that_cannot_be_placed_is_reported_and_strict_refuses(
    coded_project: Path, tmp_path: Path
) -> None:
    def break_one(qde: str) -> str:
        return re.sub(
            r'name="Not yet[^"]*"|name="The main programme is only planned\." '
            r'startPosition="\d+" endPosition="\d+"',
            'name="words that are nowhere in this text at all" startPosition="9000" '
            'endPosition="9050"',
            qde,
            count=1,
        )

    edited = _shifted_export(coded_project, tmp_path, break_one)
    target = tmp_path / "strict.db"
    assert run("init", db=target).exit_code == 0
    before = fingerprint(target)
    result = run("refi", "import", str(edited), "--strict", db=target)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {edited}: --strict: 1 selection not placed")
    assert result.stderr.count("\n") == 1
    assert fingerprint(target) == before
    result = run("refi", "import", str(edited), db=target)
    assert result.exit_code == 0
    assert "codings: 2 imported, 1 not placed (of 3 in the file)" in result.stdout
    assert "not placed: 'ratna' [9000, 9050) \"words that are nowhere" in result.stdout


def test_importing_twice_adds_nothing_the_second_time(coded_project: Path, tmp_path: Path) -> None:
    with Project.open(coded_project) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
    target = tmp_path / "t.db"
    with Project.open(target, create=True) as p:
        first = import_refi(p, tmp_path / "p.qdpx", actor="t")
        second = import_refi(p, tmp_path / "p.qdpx", actor="t")
        with p.read() as s:
            assert len(list(s.exec(select(Coding)))) == 3
            assert len(list(s.exec(select(Source)))) == 1
            assert len(list(s.exec(select(Informant)))) == 1
    assert first.codings_imported == 3
    assert second.codings_imported == 0 and second.codings_present == 3
    assert second.codes_matched == 6 and not second.codes_added
    assert second.sources_merged == [("ratna", "ratna")] and second.accounted()


def test_each_imported_coding_is_audited_with_what_it_is(
    coded_project: Path, tmp_path: Path
) -> None:
    """Its source, code, coder and span, as the coding app's entries record them: the log says
    what an imported coding was after it is gone, and ``log --source`` finds it by its source."""
    with Project.open(coded_project) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
    with Project.open(tmp_path / "t.db", create=True) as p:
        import_refi(p, tmp_path / "p.qdpx", actor="t")
        with p.read() as s:
            codings = {c.id: c for c in s.exec(select(Coding))}
            entries = [
                e
                for e in s.exec(select(AuditEntry))
                if e.entity == "coding" and e.action == "create"
            ]
    assert sorted(e.entity_id for e in entries) == sorted(codings) and len(codings) == 3
    for entry in entries:
        c = codings[entry.entity_id]  # type: ignore[index]
        assert json.loads(entry.detail) == {
            "origin": "refi:p.qdpx",
            "source_id": c.source_id,
            "code_id": c.code_id,
            "coder_id": c.coder_id,
            "start": c.start,
            "end": c.end,
        }


def test_into_the_project_it_came_from_nothing_changes(coded_project: Path, tmp_path: Path) -> None:
    with Project.open(coded_project) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
        report = import_refi(p, tmp_path / "p.qdpx", actor="t")
    assert report.codings_present == 3 and report.codings_imported == 0
    assert report.codes_matched == 6 and not report.informants_added


CODEBOOK = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{ns}" origin="Somewhere">
  <Codes>
    <Code guid="{{AAAAAAAA-1111-4111-8111-111111111111}}" name="Parent / child" isCodable="false"
          color="#abc">
      <Description>Free text from another program.</Description>
      <Code guid="aaaaaaaa-2222-4222-8222-222222222222" name="Same" isCodable="true"/>
      <Code guid="aaaaaaaa-3333-4333-8333-333333333333" name="Same" isCodable="1"/>
      <Code guid="not-a-guid" name="  Spaced
 name " isCodable="true" color="red"/>
    </Code>
  </Codes>
  <Sets>
    <Set guid="aaaaaaaa-4444-4444-8444-444444444444" name="group">
      <MemberCode guid="aaaaaaaa-2222-4222-8222-222222222222"/>
    </Set>
  </Sets>
</CodeBook>
"""


@pytest.mark.parametrize(
    "ns",
    [
        "urn:QDA-XML:codebook:1.0",
        "urn:QDA-XML:codebook:1:0",
        "urn:QDA-XML:codebook:0:4",
        "urn:QDA-XML:project:1.0",
    ],
)
def test_codebooks_in_every_namespace_variant(ns: str, tmp_path: Path) -> None:
    book = tmp_path / "book.qdc"
    book.write_text(CODEBOOK.format(ns=ns), encoding="utf-8")
    with fresh(tmp_path) as project:
        report = import_refi(project, book, actor="t")
        with project.read() as s:
            codes = {c.path: c for c in s.exec(select(Code))}
    assert sorted(codes) == [
        "Parent ∕ child",
        "Parent ∕ child/Same",
        "Parent ∕ child/Same (2)",
        "Parent ∕ child/Spaced name",
    ]
    parent = codes["Parent ∕ child"]
    assert parent.guid == "aaaaaaaa-1111-4111-8111-111111111111"
    assert parent.color == "#AABBCC" and not parent.codable
    assert parent.definition == "Free text from another program."
    assert codes["Parent ∕ child/Same (2)"].codable
    assert report.sets_kept == 1
    text = "\n".join(report.warnings)
    assert "renamed 'Parent ∕ child'" in text and "the second is 'Same (2)'" in text
    assert "colour 'red' is not #RRGGBB" in text and "is not a GUID" in text


def test_a_bare_qde_reads_its_texts_from_sources_beside_it(
    coded_project: Path, tmp_path: Path
) -> None:
    with Project.open(coded_project) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        archive.extractall(folder)
    (folder / "project.qde").rename(folder / "Study.qde")
    with fresh(tmp_path, "bare.db") as project:
        report = import_refi(project, folder / "Study.qde", actor="t")
    assert report.codings_imported == 3 and report.accounted()
    (folder / "sources").rename(folder / "elsewhere")
    with fresh(tmp_path, "bare2.db") as project:
        report = import_refi(project, folder / "Study.qde", actor="t")
    assert report.codings_imported == 0 and report.codings_not_placed == 3
    assert "not found beside Study.qde" in report.sources_skipped[0][1]


def test_cases_become_informants_and_notes_become_memos(tmp_path: Path) -> None:
    guid = "11111111-2222-4333-8444-555555555555"
    qde = f"""<?xml version="1.0"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Cases" origin="NVivo 14">
  <Users><User guid="0a1b2c3d-0000-4000-8000-000000000001" name="Ana"/></Users>
  <CodeBook><Codes><Code guid="5f4b5e0c-8e3b-4c2b-9a51-0b8c2d7e9a11" name="Training"
    isCodable="true"><NoteRef targetGUID="{{DDDDDDDD-0000-4000-8000-000000000002}}"/></Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="eeeeeeee-0000-4000-8000-000000000001" name="Role" typeOfVariable="Text"/>
    <Variable guid="eeeeeeee-0000-4000-8000-000000000002" name="Age" typeOfVariable="Integer"/>
    <Variable guid="eeeeeeee-0000-4000-8000-000000000003" name="Born" typeOfVariable="Date"/>
  </Variables>
  <Cases>
    <Case guid="cccccccc-0000-4000-8000-000000000001" name="Ratna">
      <VariableValue><VariableRef targetGUID="eeeeeeee-0000-4000-8000-000000000001"/>
        <TextValue>official</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="eeeeeeee-0000-4000-8000-000000000002"/>
        <IntegerValue>52</IntegerValue></VariableValue>
      <VariableValue><VariableRef targetGUID="eeeeeeee-0000-4000-8000-000000000003"/>
        <DateValue>1969-04-01</DateValue></VariableValue>
      <SourceRef targetGUID="{guid.upper()}"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{guid}" name="Ratna interview" plainTextPath="internal://{guid}.txt">
      <PlainTextSelection guid="00000001-aaaa-4bbb-8ccc-dddddddddddd" startPosition="0"
          endPosition="5" creatingUser="0a1b2c3d-0000-4000-8000-000000000001">
        <Description>a quotation comment</Description>
        <Coding guid="00000001-eeee-4bbb-8ccc-dddddddddddd"
            creatingUser="0a1b2c3d-0000-4000-8000-000000000001"
            creationDateTime="2020-05-01T10:00:00Z">
          <CodeRef targetGUID="5f4b5e0c-8e3b-4c2b-9a51-0b8c2d7e9a11"/>
          <NoteRef targetGUID="dddddddd-0000-4000-8000-000000000003"/>
        </Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="dddddddd-0000-4000-8000-000000000001"/>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="dddddddd-0000-4000-8000-000000000001" name="On the source"
        creatingUser="0a1b2c3d-0000-4000-8000-000000000001">
      <PlainTextContent>Long interview.</PlainTextContent></Note>
    <Note guid="dddddddd-0000-4000-8000-000000000002" name="On the code">
      <PlainTextContent>Broad.</PlainTextContent></Note>
    <Note guid="dddddddd-0000-4000-8000-000000000003" name="On the coding">
      <PlainTextContent>Why.</PlainTextContent></Note>
    <Note guid="dddddddd-0000-4000-8000-000000000004" name="Loose">
      <PlainTextContent>Project level.</PlainTextContent></Note>
  </Notes>
</Project>"""
    sample = zip_with(
        tmp_path / "cases.qdpx",
        {"project.qde": qde, f"sources/{guid}.txt": "Ratna: Hello there.\n"},
    )
    with fresh(tmp_path) as project:
        report = import_refi(project, sample, actor="t")
        with project.read() as s:
            ratna = s.exec(select(Informant)).one()
            source = s.exec(select(Source)).one()
            coding = s.exec(select(Coding)).one()
            memos = {m.title: (m.target, m.target_id) for m in s.exec(select(Memo))}
    assert (ratna.name, ratna.role) == ("Ratna", "official")
    assert ratna.attributes == '{"Age": 52, "Born": "1969-04-01"}'
    assert source.informant_id == ratna.id and source.kind == "interview"
    assert source.text[coding.start : coding.end] == "Ratna"
    assert coding.memo == "a quotation comment"
    assert coding.created_at.year == 2020
    assert memos == {
        "On the source": ("source", source.id),
        "On the code": ("code", 1),
        "On the coding": ("coding", coding.id),
        "Loose": ("project", None),
    }
    assert report.memos == 4 and report.accounted()


def test_a_source_with_the_text_of_another_is_merged_into_it(
    coded_project: Path, tmp_path: Path
) -> None:
    """Two TextSources with one text: qualcode stores a text once, so the codings go together."""

    def duplicate(qde: str) -> str:
        start = qde.index("<TextSource ")
        end = qde.index("</TextSource>") + len("</TextSource>")
        copy = qde[start:end].replace('name="ratna"', 'name="ratna again"')
        copy = re.sub(r'guid="([0-9a-f]{8})', lambda m: f'guid="{m.group(1)[::-1]}', copy)
        copy = re.sub(r'targetGUID="[^"]+"', lambda m: m.group(0), copy)
        return qde[:end] + copy + qde[end:]

    edited = _shifted_export(coded_project, tmp_path, duplicate)
    with fresh(tmp_path, "dup.db") as project:
        report = import_refi(project, edited, actor="t")
    assert report.sources_imported == ["ratna"]
    assert report.sources_merged == [("ratna again", "ratna")]
    assert report.codings_imported == 3 and report.codings_present == 3 and report.accounted()


def test_unknown_file_kind_is_an_input_error(tmp_path: Path) -> None:
    other = tmp_path / "x.qde"
    other.write_text("<?xml version='1.0'?><Other/>", encoding="utf-8")
    with fresh(tmp_path) as project, pytest.raises(InputError, match="not a REFI-QDA project"):
        import_refi(project, other, actor="t")


def test_inline_texts_and_ids_that_are_not_guids(tmp_path: Path) -> None:
    """PlainTextContent instead of a file; another program's ids that are not GUIDs are read,
    and a later export replaces them, so it still validates."""
    qde = """<?xml version="1.0"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Inline" origin="Some tool">
  <Users><User guid="user-1" name="Ana"/></Users>
  <CodeBook><Codes><Code guid="code-1" name="Hello" isCodable="true" color="green"/></Codes>
  </CodeBook>
  <Cases><Case guid="case-1" name="Ratna"><SourceRef targetGUID="src-1"/></Case></Cases>
  <Sources>
    <TextSource guid="src-1" name="inline" plainTextPath="internal://gone.txt">
      <PlainTextContent>Ratna: Hello there, how are you?</PlainTextContent>
      <PlainTextSelection guid="sel-1" name="Hello there" startPosition="7" endPosition="18"
          creatingUser="user-1">
        <Coding guid="c-1" creatingUser="user-1"><CodeRef targetGUID="code-1"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    bare = tmp_path / "inline.qde"
    bare.write_text(qde, encoding="utf-8")
    with fresh(tmp_path) as project:
        report = import_refi(project, bare, actor="t")
        assert report.codings_imported == 1 and report.accounted()
        assert coded_texts(project) == [("inline", "Hello there", "Hello", "Ana")]
        export_qdpx(project, tmp_path / "out.qdpx")
    schema = REPO.parent / "shared" / "refi-qda" / "Project-mrt2019.xsd"
    if schema.exists():
        import xmlschema

        with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
            xmlschema.XMLSchema(str(schema)).validate(archive.read("project.qde").decode())


def test_two_codes_with_one_guid_are_both_kept(tmp_path: Path) -> None:
    book = tmp_path / "dup.qdc"
    book.write_text(
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="aaaaaaaa-1111-4111-8111-111111111111" name="A" isCodable="true"/>'
        '<Code guid="AAAAAAAA-1111-4111-8111-111111111111" name="B" isCodable="true"/>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    with fresh(tmp_path) as project:
        report = import_refi(project, book, actor="t")
        with project.read() as s:
            guids = {c.path: c.guid for c in s.exec(select(Code))}
    assert sorted(guids) == ["A", "B"] and len(set(guids.values())) == 2
    assert guids["A"] == "aaaaaaaa-1111-4111-8111-111111111111"
    assert any("is used twice" in w for w in report.warnings)
