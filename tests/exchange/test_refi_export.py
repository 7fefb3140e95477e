"""REFI-QDA export: valid against the official XSDs, deterministic, and a lossless round trip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import REPO, run
from sqlmodel import select

from qualcode.exchange.refi import build_qdc, build_qdpx, export_qdc, export_qdpx, import_refi
from qualcode.storage.codings import coder_id
from qualcode.storage.memos import save_memo
from qualcode.storage.models import (
    Code,
    Coder,
    Coding,
    Informant,
    Memo,
    Segment,
    Source,
)
from qualcode.storage.project import Project, get_setting

SHARED = REPO.parent / "shared" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
needs_schemas = pytest.mark.skipif(
    not (SHARED / "Project-mrt2019.xsd").exists(), reason="../shared/refi-qda is absent"
)

DOCUMENT = """\
Recapitulation of MSME data 2021

The department counted 1,204 micro businesses; 312 took part in training.

Licensing costs remain the main obstacle named by café owners.
"""


@pytest.fixture
def rich(project: Path, workdir: Path) -> Path:
    """The small project plus what a REFI-QDA file must carry: two coders, magnitudes, memos on
    every kind of target, typed informant attributes, a document, MacQueen fields."""
    doc = workdir / "recap-2021.md"
    doc.write_text(DOCUMENT, encoding="utf-8")
    assert run("import", str(doc), "--kind", "document", db=project).exit_code == 0
    with Project.open(project) as p, p.write() as s:
        ratna = s.exec(select(Informant)).one()
        ratna.pseudonym = "Official C"
        ratna.attributes = json.dumps(
            {
                "age": 52,
                "score": 3.5,
                "active": True,
                "district": "Sampang",
                "languages": ["id", "mad"],
                "interview_date": "2021-12-18",
                "notes": None,
            }
        )
        s.add(ratna)
        s.add(Informant(name="Hadi Sutrisno", role="msme actor", attributes='{"age": 41}'))
        code = s.exec(select(Code).where(Code.path == "Enabling/Motivation")).one()
        code.definition = "Talk about motivating actors.\n\nTwo paragraphs."
        code.when_to_use = "When they say so."
        code.example = "We motivate them."
        s.add(code)
        interview = s.exec(select(Source).where(Source.name == "ratna")).one()
        document = s.exec(select(Source).where(Source.name == "recap-2021")).one()
        codes = {c.path: c.id for c in s.exec(select(Code))}
        resa, dian = coder_id(s, "resa"), coder_id(s, "dian")
        text = interview.text
        spans = [
            ("training and coaching", "Empowering/Training and coaching", resa, 2, "clear case"),
            ("training and coaching", "Empowering/Training and coaching", dian, None, None),
            ("🙂 The café owners came too.", "Enabling/Motivation", resa, -1, "[magnitude x]"),
            ("Not yet.", "Enabling", dian, 0, "line one\nline two"),
        ]
        for quote, path, coder, magnitude, memo in spans:
            start = text.index(quote)
            s.add(
                Coding(
                    source_id=interview.id,
                    code_id=codes[path],
                    coder_id=coder,
                    start=start,
                    end=start + len(quote),
                    magnitude=magnitude,
                    memo=memo,
                )
            )
        start = document.text.index("Licensing costs")
        s.add(
            Coding(
                source_id=document.id,
                code_id=codes["Obstacles/Licensing cost"],
                coder_id=resa,
                start=start,
                end=start + len("Licensing costs remain the main obstacle"),
            )
        )
        s.flush()
        coding = s.exec(select(Coding).where(Coding.coder_id == dian)).first()
        assert coding is not None
        save_memo(s, "project", None, resa, "The study in one line.", "t", title="Aim")
        save_memo(s, "code", codes["Enabling"], dian, "Enabling is broad.", "t")
        save_memo(s, "source", interview.id, resa, "Good interview <really> & long.", "t")
        save_memo(s, "informant", ratna.id, resa, "Head of section.", "t", title="Who")
        save_memo(s, "coding", coding.id, dian, "Why I coded this.", "t")
    return project


def qde_of(qdpx: Path | bytes) -> ET.Element:
    data = qdpx.read_bytes() if isinstance(qdpx, Path) else qdpx
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return ET.fromstring(archive.read("project.qde"))


def content(db: Path) -> dict[str, object]:
    """What a round trip must keep, in names rather than ids."""
    with Project.open(db) as p, p.read() as s:
        coders = {c.id: c.name for c in s.exec(select(Coder))}
        codes = {c.id: c for c in s.exec(select(Code))}
        informants = {i.id: i for i in s.exec(select(Informant))}
        sources = {x.id: x for x in s.exec(select(Source))}
        codings = {c.id: c for c in s.exec(select(Coding))}

        def coding_key(c: Coding) -> tuple:
            return (
                sources[c.source_id].name,
                c.start,
                c.end,
                codes[c.code_id].path,
                coders[c.coder_id],
            )

        def target(m: Memo) -> object:
            if m.target == "code":
                return codes[m.target_id].path  # type: ignore[index]
            if m.target == "source":
                return sources[m.target_id].name  # type: ignore[index]
            if m.target == "informant":
                return informants[m.target_id].name  # type: ignore[index]
            if m.target == "coding":
                return coding_key(codings[m.target_id])  # type: ignore[index]
            return None

        segments = {
            x.id: len(list(s.exec(select(Segment).where(Segment.source_id == x.id))))
            for x in sources.values()
        }
        return {
            "project": get_setting(s, "project_name"),
            "scale": get_setting(s, "magnitude_scale"),
            "coders": sorted(coders.values()),
            "codes": sorted(
                (
                    c.position,
                    c.path,
                    c.guid,
                    c.color,
                    c.codable,
                    c.brief,
                    c.definition,
                    c.when_to_use,
                    c.when_not_to_use,
                    c.example,
                    c.keywords,
                )
                for c in codes.values()
            ),
            "informants": sorted(
                (i.name, i.role, i.pseudonym, json.loads(i.attributes)) for i in informants.values()
            ),
            "sources": sorted(
                (
                    x.name,
                    x.kind,
                    x.text,
                    informants[x.informant_id].name if x.informant_id else None,
                    segments[x.id],
                )
                for x in sources.values()
            ),
            "codings": sorted(
                (*coding_key(c), c.magnitude, c.memo, c.created_at.replace(microsecond=0))
                for c in codings.values()
            ),
            "memos": sorted(
                (m.target, str(target(m)), coders.get(m.coder_id), m.title, m.text)  # type: ignore[arg-type]
                for m in s.exec(select(Memo))
            ),
        }


@needs_schemas
def test_qdpx_and_qdc_validate_against_the_official_schemas(rich: Path, tmp_path: Path) -> None:
    import xmlschema

    with Project.open(rich) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
        export_qdc(p, tmp_path / "p.qdc")
    project_xsd = xmlschema.XMLSchema(str(SHARED / "Project-mrt2019.xsd"))
    codebook_xsd = xmlschema.XMLSchema(str(SHARED / "Codebook-mrt2019.xsd"))
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        project_xsd.validate(archive.read("project.qde").decode("utf-8"))
    codebook_xsd.validate((tmp_path / "p.qdc").read_text(encoding="utf-8"))


@needs_schemas
def test_demo_and_empty_projects_validate(tmp_path: Path) -> None:
    import xmlschema

    project_xsd = xmlschema.XMLSchema(str(SHARED / "Project-mrt2019.xsd"))
    empty = tmp_path / "empty.db"
    assert run("init", db=empty).exit_code == 0
    demo = tmp_path / "demo.db"
    assert run("demo", "--no-app", db=demo).exit_code == 0
    for db in (empty, demo):
        with Project.open(db) as p, p.read() as s:
            data, _ = build_qdpx(s, tmp_path / "x.qdpx")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            project_xsd.validate(archive.read("project.qde").decode("utf-8"))


def test_export_is_the_same_bytes_every_time(rich: Path, tmp_path: Path) -> None:
    with Project.open(rich) as p:
        export_qdpx(p, tmp_path / "a.qdpx")
        export_qdpx(p, tmp_path / "b.qdpx")
        export_qdc(p, tmp_path / "a.qdc")
        export_qdc(p, tmp_path / "b.qdc")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    assert (tmp_path / "a.qdc").read_bytes() == (tmp_path / "b.qdc").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.qdpx") as archive:
        infos = archive.infolist()
    assert infos[0].filename == "project.qde"
    names = [i.filename for i in infos[1:]]
    assert names == sorted(names) and all(n.startswith("sources/") for n in names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_qdpx_carries_the_whole_project(rich: Path, tmp_path: Path) -> None:
    with Project.open(rich) as p:
        report = export_qdpx(p, tmp_path / "p.qdpx")
    assert (report.coders, report.codes, report.informants, report.sources) == (2, 6, 2, 2)
    assert (report.codings, report.memos, report.sets) == (5, 5, 2)
    root = qde_of(tmp_path / "p.qdpx")
    users = {u.get("name"): u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    assert set(users) == {"resa", "dian"}
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in top] == ["Enabling", "Empowering", "Obstacles"]
    assert top[0].get("color") == "#2E7D32" and top[2].get("isCodable") == "false"
    motivation = top[0].find("q:Code", NS)
    assert motivation is not None and motivation.get("name") == "Motivation"
    assert motivation.findtext("q:Description", namespaces=NS) == (
        "Definition: Talk about motivating actors.\n\nTwo paragraphs.\n\n"
        "When to use: When they say so.\n\nExample: We motivate them.\n\n"
        "Keywords: motivation; socialisation"
    )
    case = root.find("q:Cases/q:Case[@name='Ratna Kurniasih']", NS)
    assert case is not None
    variables = {v.get("guid"): v for v in root.iterfind("q:Variables/q:Variable", NS)}
    values = {}
    for value in case.iterfind("q:VariableValue", NS):
        var = variables[value.find("q:VariableRef", NS).get("targetGUID")]  # type: ignore[union-attr]
        given = value[1] if len(value) > 1 else None
        values[var.get("name")] = (
            var.get("typeOfVariable"),
            given.tag.split("}")[1] if given is not None else None,
            given.text if given is not None else None,
        )
    assert values["role"] == ("Text", "TextValue", "official")
    assert values["age"] == ("Integer", "IntegerValue", "52")
    assert values["score"] == ("Float", "FloatValue", "3.5")
    assert values["active"] == ("Boolean", "BooleanValue", "true")
    assert values["languages"] == ("Text", "TextValue", '["id", "mad"]')
    assert values["notes"] == ("Text", None, None)  # a null attribute: no value element
    assert "magnitude scale" in {v.get("name") for v in variables.values()}
    sources = root.findall("q:Sources/q:TextSource", NS)
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        for source in sources:
            guid = source.get("guid")
            assert source.get("plainTextPath") == f"internal://{guid}.txt"
            text = archive.read(f"sources/{guid}.txt").decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", NS):
                start = int(selection.get("startPosition"))  # type: ignore[arg-type]
                end = int(selection.get("endPosition"))  # type: ignore[arg-type]
                assert selection.get("name") == text[start:end]
                coding = selection.find("q:Coding", NS)
                assert coding is not None
                assert coding.get("creatingUser") == selection.get("creatingUser")
                assert coding.get("creatingUser") in users.values()
    described = [d.text for d in root.iterfind(".//q:PlainTextSelection/q:Description", NS)]
    assert "[magnitude +2]\nclear case" in described
    assert "[magnitude -1]\n[magnitude x]" in described
    assert "[magnitude +0]\nline one\nline two" in described
    notes = root.findall("q:Notes/q:Note", NS)
    assert len(notes) == 5
    refs = {r.get("targetGUID") for r in root.iterfind(".//q:NoteRef", NS)}
    links = root.findall("q:Links/q:Link", NS)
    assert len(refs) == 4 and len(links) == 1
    assert links[0].get("targetGUID") == case.get("guid")
    sets = {s.get("name"): len(s) for s in root.iterfind("q:Sets/q:Set", NS)}
    assert sets == {"kind: document": 1, "kind: interview": 1}


def test_round_trip_keeps_the_project_and_the_bytes(rich: Path, tmp_path: Path) -> None:
    with Project.open(rich) as p:
        export_qdpx(p, tmp_path / "first.qdpx")
    copy = tmp_path / "copy.db"
    with Project.open(copy, create=True) as p:
        report = import_refi(p, tmp_path / "first.qdpx", actor="t")
        assert report.codings_imported == 5 and not report.not_placed and not report.moved
        assert report.accounted() and not report.warnings
        export_qdpx(p, tmp_path / "second.qdpx")
    assert content(copy) == content(rich)
    assert (tmp_path / "first.qdpx").read_bytes() == (tmp_path / "second.qdpx").read_bytes()


def test_round_trip_of_the_demo(tmp_path: Path) -> None:
    demo = tmp_path / "demo.db"
    assert run("demo", "--no-app", db=demo).exit_code == 0
    assert run("export", "qdpx", str(tmp_path / "demo.qdpx"), db=demo).exit_code == 0
    copy = tmp_path / "copy.db"
    result = run("import", str(tmp_path / "demo.qdpx"), db=copy)
    assert result.exit_code == 0, result.output
    assert content(copy) == content(demo)


def test_qdc_round_trip(rich: Path, tmp_path: Path) -> None:
    with Project.open(rich) as p:
        export_qdc(p, tmp_path / "book.qdc")
    fresh = tmp_path / "fresh.db"
    with Project.open(fresh, create=True) as p:
        report = import_refi(p, tmp_path / "book.qdc", actor="t")
        assert len(report.codes_added) == 6
        with p.read() as s:
            data, _ = build_qdc(s, tmp_path / "again.qdc")
    assert data == (tmp_path / "book.qdc").read_bytes()
    assert content(fresh)["codes"] == content(rich)["codes"]


def test_qdc_of_a_project_without_codes_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert run("init", db=db).exit_code == 0
    result = run("export", "qdc", str(tmp_path / "x.qdc"), db=db)
    assert result.exit_code == 1
    assert result.stderr == "error: the project has no codes: there is no codebook to export\n"
    assert not (tmp_path / "x.qdc").exists()


def test_characters_xml_cannot_hold_do_not_break_the_file(rich: Path, tmp_path: Path) -> None:
    with Project.open(rich) as p, p.write() as s:
        s.add(Memo(target="project", title="odd\x01", text="bell \x07 and CR\r end"))
    with Project.open(rich) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
    root = qde_of(tmp_path / "p.qdpx")
    texts = [
        n.findtext("q:PlainTextContent", namespaces=NS) for n in root.iterfind(".//q:Note", NS)
    ]
    assert "bell \ufffd and CR\r end" in texts


def test_importing_its_own_export_changes_nothing(rich: Path, tmp_path: Path) -> None:
    """Codings, memos (on codings too), informants and codes are all recognised as present."""
    before = content(rich)
    with Project.open(rich) as p:
        export_qdpx(p, tmp_path / "p.qdpx")
        report = import_refi(p, tmp_path / "p.qdpx", actor="t")
    assert report.codings_imported == 0 and report.codings_present == 5
    assert report.memos == 0 and not report.codes_added and not report.informants_added
    assert not report.informants_updated and report.sources_merged and report.accounted()
    assert content(rich) == before
