"""informants.yaml and informants.csv: good files, and bad ones reported with their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.core.errors import InputError
from qualcode.ingest.metadata import InformantMeta, SourceMeta, load_metadata

DEMO_YAML = """\
informants:
  - name: Kurnia Supartina            # required
    pseudonym: Official A              # optional
    role: official                     # optional (the informant group)
    attributes:
      position: Head of the Cooperative and Micro Business Division
      interview_date: 2021-12-18
      phone: 0812345
      years_in_post: 6
      active: yes
      not_known:
    files: [kurnia-supartina.txt]
  - name: Siti Aminah
    role: msme actor
    files: siti-aminah.docx            # a single file needs no list
sources:
  - file: msme-recapitulation-2021.md
    kind: document
    name: MSME recapitulation 2021
    informant: Kurnia Supartina
    segment: paragraph
  - file: transcripts/siti-aminah.docx
    kind: Interview
    segment: SENTENCE
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_yaml(tmp_path: Path) -> None:
    meta = load_metadata(write(tmp_path, "informants.yaml", DEMO_YAML))
    assert meta.path == str(tmp_path / "informants.yaml")
    assert meta.warnings == []
    assert meta.informants == [
        InformantMeta(
            name="Kurnia Supartina",
            pseudonym="Official A",
            role="official",
            attributes={
                "position": "Head of the Cooperative and Micro Business Division",
                "interview_date": "2021-12-18",
                "phone": "0812345",
                "years_in_post": "6",
                "active": "yes",
            },
            files=["kurnia-supartina.txt"],
        ),
        InformantMeta("Siti Aminah", None, "msme actor", {}, ["siti-aminah.docx"]),
    ]
    assert meta.sources == [
        SourceMeta(
            file="msme-recapitulation-2021.md",
            informant="Kurnia Supartina",
            kind="document",
            name="MSME recapitulation 2021",
            segment="paragraph",
        ),
        SourceMeta(file="siti-aminah.docx", kind="interview", segment="sentence"),
    ]


def test_for_file_merges_informant_files_and_sources(tmp_path: Path) -> None:
    meta = load_metadata(write(tmp_path, "informants.yml", DEMO_YAML))
    assert meta.for_file("kurnia-supartina.txt") == SourceMeta(
        "kurnia-supartina.txt", informant="Kurnia Supartina"
    )
    assert meta.for_file("/data/sampang/siti-aminah.docx") == SourceMeta(
        "siti-aminah.docx", informant="Siti Aminah", kind="interview", segment="sentence"
    )
    assert meta.for_file("MSME-Recapitulation-2021.md") == meta.sources[0]
    assert meta.for_file("other.txt") is None
    # for_file returns a copy: callers may change it.
    entry = meta.for_file("msme-recapitulation-2021.md")
    assert entry is not None and entry is not meta.sources[0]


def test_informant_lookup(tmp_path: Path) -> None:
    meta = load_metadata(write(tmp_path, "informants.yaml", DEMO_YAML))
    informant = meta.informant("kurnia supartina")
    assert informant is not None and informant.name == "Kurnia Supartina"
    assert meta.informant("Nobody") is None


def test_source_informant_is_matched_ignoring_case(tmp_path: Path) -> None:
    text = (
        "informants:\n  - name: Siti Aminah\n"
        "sources:\n  - file: a.txt\n    informant: siti aminah\n"
    )
    meta = load_metadata(write(tmp_path, "informants.yaml", text))
    assert meta.sources[0].informant == "Siti Aminah"


def test_sources_only_and_empty_lists(tmp_path: Path) -> None:
    meta = load_metadata(
        write(
            tmp_path, "m.yaml", "informants:\nsources:\n  - file: notes.md\n    kind: observation\n"
        )
    )
    assert meta.informants == []
    assert meta.sources == [SourceMeta("notes.md", kind="observation")]


def yaml_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, "informants.yaml", text)
    with pytest.raises(InputError) as info:
        load_metadata(path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    return message.removeprefix(f"{path}:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "informants:\n  - name: A\n    nmae: B\n",
            "3: unknown key 'nmae' in an informant (expected: name, pseudonym, role, "
            "attributes, files)",
        ),
        ("people:\n  - name: A\n", "1: unknown key 'people' in the file"),
        (
            "informants:\n  - name: A\n    files: [a.txt]\n  - name: a\n",
            "4: duplicate informant 'a' (also at line 2)",
        ),
        (
            "informants:\n  - name: A\n    pseudonym: P\n  - name: B\n    pseudonym: P\n",
            "5: duplicate pseudonym 'P' (also at line 3)",
        ),
        (
            "informants:\n  - name: A\n    files: [a.txt]\n"
            "  - name: B\n    files:\n      - a.txt\n",
            "6: file 'a.txt' is listed twice (also at line 3)",
        ),
        (
            "sources:\n  - file: a.txt\n  - file: dir/a.txt\n",
            "3: file 'a.txt' is listed twice (also at line 2)",
        ),
        (
            "sources:\n  - file: a.txt\n    kind: survey\n",
            "3: unknown kind 'survey' (expected: interview, document, observation)",
        ),
        (
            "sources:\n  - file: a.txt\n    segment: word\n",
            "3: unknown segmentation mode 'word' (expected: turn, paragraph, sentence)",
        ),
        (
            "sources:\n  - file: a.txt\n    informant: Nobody\n",
            "3: unknown informant 'Nobody' (not listed under informants)",
        ),
        (
            "informants:\n  - name: A\n    files: [a.txt]\n  - name: B\n"
            "sources:\n  - file: a.txt\n    informant: B\n",
            "7: file 'a.txt' belongs to informant 'A' (line 3), not 'B'",
        ),
        (
            "informants:\n  - name: A\n    attributes:\n      education: [S1, S2]\n",
            "4: 'attributes: education' must be a single value, not a list or mapping",
        ),
        ("informants:\n  - name: A\n    attributes: [x]\n", "3: attributes must be a mapping"),
        ("informants:\n  - pseudonym: P\n", "2: informant without a name"),
        ("informants:\n  - name:\n", "2: informant without a name"),
        ("sources:\n  - kind: document\n", "2: source without a file"),
        ("informants:\n  - name: A\n    name: B\n", "3: duplicate key 'name' in an informant"),
        ("informants:\n  - name: A\n    files: [a.pdf]\n", "3: a.pdf: unknown format '.pdf'"),
        ("informants:\n  name: A\n", "2: 'informants' must be a list"),
        ("- name: A\n", "1: the file must be a mapping with keys informants, sources"),
        ("informants:\n  - &a\n    name: A\n", "2: YAML anchors and aliases"),
        (
            "base: &b {role: x}\ninformants:\n  - name: A\n    attributes: *b\n",
            "1: YAML anchors and aliases",
        ),
        ("informants:\n  - name: A\n    role: [x\n", "4: invalid YAML"),
        ("informants:\n  - name: 'A\n", "3: invalid YAML"),
        ("informants:\n  - name: A\n    attributes:\n      <<: {x: 1}\n", "4: keys in attributes"),
        ("# only a comment\n", " no informants or sources"),
        ("---\na: 1\n---\nb: 2\n", "3: invalid YAML"),
    ],
)
def test_bad_yaml(tmp_path: Path, text: str, expected: str) -> None:
    assert yaml_error(tmp_path, text).startswith(expected)


@pytest.mark.parametrize(
    "value", ["!!python/object/apply:os.system ['echo hacked']", "!!str 0812", "!custom x"]
)
def test_yaml_tags_are_rejected(tmp_path: Path, value: str) -> None:
    text = f"informants:\n  - name: A\n    role: {value}\n"
    assert yaml_error(tmp_path, text) == "3: YAML tags (!!...) are not allowed"


def test_empty_metadata_file(tmp_path: Path) -> None:
    assert yaml_error(tmp_path, "  \n") == " file is empty"


def test_unknown_metadata_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown metadata format '\.json'"):
        load_metadata(write(tmp_path, "informants.json", "{}"))
    missing = tmp_path / "informants.yaml"
    with pytest.raises(InputError) as info:
        load_metadata(missing)
    assert str(info.value) == f"{missing}: file not found"


# --- CSV --------------------------------------------------------------------------------------

DEMO_CSV = """\
file,name,pseudonym,role,kind,position,interview_date
kurnia-supartina.txt,Kurnia Supartina,Official A,official,,"Head, Cooperatives",2021-12-18
kurnia-followup.txt,Kurnia Supartina,,,,,
msme-recapitulation-2021.md,,,,document,,

siti-aminah.docx,Siti Aminah,Actor A,msme actor,interview,,2021-12-20
"""


def test_csv(tmp_path: Path) -> None:
    meta = load_metadata(write(tmp_path, "informants.csv", DEMO_CSV))
    assert meta.informants == [
        InformantMeta(
            "Kurnia Supartina",
            "Official A",
            "official",
            {
                "position": "Head, Cooperatives",
                "interview_date": "2021-12-18",
            },
            ["kurnia-supartina.txt", "kurnia-followup.txt"],
        ),
        InformantMeta(
            "Siti Aminah",
            "Actor A",
            "msme actor",
            {"interview_date": "2021-12-20"},
            ["siti-aminah.docx"],
        ),
    ]
    assert meta.for_file("kurnia-followup.txt") == SourceMeta(
        "kurnia-followup.txt", informant="Kurnia Supartina"
    )
    assert meta.for_file("msme-recapitulation-2021.md") == SourceMeta(
        "msme-recapitulation-2021.md", kind="document"
    )
    assert meta.for_file("siti-aminah.docx") == SourceMeta(
        "siti-aminah.docx", informant="Siti Aminah", kind="interview"
    )


def test_csv_from_a_spreadsheet_with_semicolons_bom_and_cp1252(tmp_path: Path) -> None:
    text = "File;Name;Role;Kota\r\njosé.txt;José Ramírez;official;Sampang\r\n"
    meta = load_metadata(write(tmp_path, "informants.csv", text.encode("cp1252")))
    assert meta.informants == [
        InformantMeta("José Ramírez", None, "official", {"Kota": "Sampang"}, ["josé.txt"])
    ]
    assert meta.warnings and "Windows-1252" in meta.warnings[0]
    bom = load_metadata(write(tmp_path, "bom.csv", "\ufeff" + text))
    assert bom.informants == meta.informants and bom.warnings == []


def csv_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, "informants.csv", text)
    with pytest.raises(InputError) as info:
        load_metadata(path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    return message.removeprefix(f"{path}:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("file,informant\na.txt,A\n", "1: missing column 'name' in the header"),
        ("name,role\nA,x\n", "1: missing column 'file' in the header"),
        ("file,name,role,Role\na.txt,A,x,y\n", "1: duplicate column 'Role'"),
        ("file,name\na.txt,A\nb.txt,B\na.txt,C\n", "4: file 'a.txt' is listed twice"),
        ("file,name,kind\na.txt,A,survey\n", "2: unknown kind 'survey'"),
        ("file,name,segment\na.txt,A,word\n", "2: unknown segmentation mode 'word'"),
        ("file,name,role\na.txt,A,x\nb.txt,A,y\n", "3: role 'y' for 'A' differs from 'x'"),
        ("file,name,age\na.txt,A,40\nb.txt,A,41\n", "3: age '41' for 'A' differs from '40'"),
        ("file,name,pseudonym\na.txt,A,P\nb.txt,B,P\n", "3: duplicate pseudonym 'P'"),
        ("file,name\na.txt,A,extra\n", "2: row has 3 cells but the header has 2"),
        ("file,name,role\na.txt,,official\n", "2: role given without an informant name"),
        ("file,name\n,A\n", "2: row without a file"),
        ("file,name\na.pdf,A\n", "2: a.pdf: unknown format '.pdf'"),
        ('file,name\na.txt,"A\n', "2: invalid CSV"),
        ("file,name,\na.txt,A,stray\n", "2: a value ('stray') in a column without a header"),
    ],
)
def test_bad_csv(tmp_path: Path, text: str, expected: str) -> None:
    assert csv_error(tmp_path, text).startswith(expected)


def test_csv_line_numbers_count_quoted_line_breaks(tmp_path: Path) -> None:
    text = 'file,name,note\na.txt,A,"two\nlines"\na.txt,B,\n'
    assert csv_error(tmp_path, text).startswith("4: file 'a.txt' is listed twice")


def test_csv_empty_trailing_column_is_ignored(tmp_path: Path) -> None:
    meta = load_metadata(write(tmp_path, "informants.csv", "file,name,\na.txt,A,\n"))
    assert meta.informants == [InformantMeta("A", None, None, {}, ["a.txt"])]
