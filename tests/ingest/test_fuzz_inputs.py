"""Property-based fuzzing of every importer: any input gives either a valid import or a clean
InputError (a one-line QualcodeError), never a traceback; and offsets always map back to the
exact text.

Inputs are built from the pieces real files are made of (speaker labels, timestamps, caption
cues, YAML and CSV syntax, BOMs, line ends, combining characters, control characters) mixed with
arbitrary text and bytes. ``make test`` runs FUZZ_EXAMPLES per importer (default 40); a bigger
campaign: ``QUALCODE_FUZZ_EXAMPLES=2000 pytest tests/ingest/test_fuzz_inputs.py
--hypothesis-show-statistics`` (figures in docs/reliability.md).
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml
from conftest import INTERVIEW, run
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qualcode.core.codebook import load_codebook
from qualcode.core.errors import QualcodeError
from qualcode.core.segmentation import SegmentSpan
from qualcode.core.text import normalize
from qualcode.ingest.docx import read_docx_text
from qualcode.ingest.metadata import load_metadata
from qualcode.ingest.readers import read_source
from qualcode.storage.codings import check_span
from qualcode.storage.integrity import check_project
from qualcode.storage.project import Project

FUZZ_EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TRANSCRIPT_PIECES = [
    "Ratna: ",
    "INTERVIEWER: ",
    "[00:01:02] ",
    "00:01 ",
    "**Ratna:** ",
    "Q: ",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "é",
    "e\u0301",
    "🙂",
    "\ufeff",
    "\x00",
    "\x0c",
    "\x1a",
    "\u2028",
    "hello",
    "Dr. ",
    "etc.",
    "?",
    "!",
    "...",
    "[Laughter]",
    "WEBVTT",
    "WEBVTT\n\n",
    "1\n",
    "00:00:01.000 --> 00:00:02.000\n",
    "00:00:01,000 --> 00:00:02,000\n",
    "<v Ana>",
    "</v>",
    "NOTE ",
    "-->",
    "<b>",
    "&amp;",
    "\\",
    "=cmd|",
    "$x_1$",
]
YAML_PIECES = [
    "informants:\n",
    "sources:\n",
    "name: B\n",
    "codes:\n",
    "  - name: ",
    "    codes:\n",
    "- name: ",
    "  role: ",
    "  pseudonym: ",
    "  attributes:\n",
    "    age: ",
    "  file: ",
    "  informant: ",
    "  kind: ",
    "interview",
    "document",
    "  segment: ",
    "turn",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ", ",
    "\n",
    "  ",
    "'",
    '"',
    "#",
    "magnitude:\n",
    "  -2: low\n",
    "  2: high\n",
    "shortcut: 1\n",
    "parent: ",
    "/",
    "é",
    "\t",
    "---\n",
    "...\n",
    "? ",
    "<<: ",
    "~",
    "null",
    "1e9",
    "0x1F",
]
CSV_PIECES = [
    "file,name,pseudonym,role,kind,segment,informant\n",
    "source,segment,start,end,code,coder\n",
    "source,start,end,code,coder,magnitude,memo\n",
    "ratna",
    "Enabling/Motivation",
    "Enabling",
    "ana",
    ",",
    ";",
    '"',
    "\n",
    "\r\n",
    "0",
    "1",
    "5",
    "40",
    "-3",
    "99999",
    "2",
    " ",
    "=1+1",
    "é",
    "\ufeff",
    "a.txt",
    "interview",
    "Obstacles",
    "Obstacles/Licensing cost",
    "\x00",
]


def built(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces) | st.text(max_size=12), max_size=60).map("".join)


def encoded(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    def encode(pair: tuple[str, str]) -> bytes:
        text, how = pair
        if how == "utf-16":
            return b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
        if how == "cp1252":
            return text.encode("cp1252", "ignore")
        return text.encode("utf-8", "surrogatepass")

    return st.tuples(text_strategy, st.sampled_from(["utf-8", "utf-16", "cp1252"])).map(
        encode
    ) | st.binary(max_size=400)


# Near-valid inputs, so that a good share of the examples gets through to a real import.
WORDS = st.sampled_from(["Ratna", "Budi", "training", "licensing", "é", "🙂", "Dr.", "=1+1"])
NAMES = st.lists(WORDS | st.text(max_size=8), min_size=1, max_size=3).map(" ".join)
TURNS = st.lists(
    st.tuples(
        st.sampled_from(["", "Ratna: ", "INTERVIEWER: ", "[00:01:02] Budi: ", "**Ana:** "]),
        st.lists(WORDS | st.text(max_size=10), max_size=8).map(" ".join),
        st.sampled_from(["\n", "\n\n", "\r\n\r\n", " "]),
    ),
    min_size=1,
    max_size=15,
).map(lambda turns: "".join(a + b + c for a, b, c in turns))
CUES = st.lists(
    st.tuples(
        st.integers(0, 5000),
        st.integers(0, 3000),
        st.sampled_from(["", "<v Ana>", "Budi: "]),
        NAMES,
    ),
    min_size=1,
    max_size=10,
).map(
    lambda cues: (
        "WEBVTT\n\n"
        + "".join(f"{_t(a)}.000 --> {_t(a + b)}.500\n{v}{text}\n\n" for a, b, v, text in cues)
    )
)


def _t(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def codebook_yaml(depth: int = 0) -> st.SearchStrategy[dict]:
    children = st.just([]) if depth >= 2 else st.lists(codebook_yaml(depth + 1), max_size=3)
    return st.fixed_dictionaries(
        {"name": NAMES},
        optional={
            "brief": NAMES,
            "codable": st.booleans(),
            "shortcut": st.sampled_from(["1", "2", "a", "ab", ""]),
            "codes": children,
            "keywords": st.lists(WORDS, max_size=3),
            "colour": st.just("red"),  # an unknown key, now and then
        },
    )


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def dump(value: object) -> str:
    return yaml.dump(value, Dumper=_NoAliases, allow_unicode=True)


CODEBOOKS = st.builds(
    lambda codes, scale: dump(
        {"name": "Fuzz", "codes": codes, **({"magnitude": scale} if scale else {})}
    ),
    st.lists(codebook_yaml(), max_size=5),
    st.none() | st.dictionaries(st.integers(-3, 3), NAMES, max_size=4),
)
INFORMANTS = st.builds(
    lambda people, sources: dump({"informants": people, "sources": sources}),
    st.lists(
        st.fixed_dictionaries(
            {"name": NAMES},
            optional={
                "role": NAMES,
                "pseudonym": NAMES,
                "attributes": st.dictionaries(WORDS, NAMES | st.integers(), max_size=3),
                "files": st.lists(st.sampled_from(["a.txt", "b.docx", "../x.txt"]), max_size=2),
            },
        ),
        max_size=5,
    ),
    st.lists(
        st.fixed_dictionaries(
            {"file": st.sampled_from(["a.txt", "b.vtt", "c.md"])},
            optional={
                "informant": NAMES,
                "kind": st.sampled_from(["interview", "document", "memo"]),
                "segment": st.sampled_from(["turn", "sentence", "word"]),
            },
        ),
        max_size=4,
    ),
)


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


OFFSET = st.integers(-3, 400).map(str) | st.just("")
CODE = st.sampled_from(
    ["Enabling/Motivation", "Enabling", "Obstacles", "Empowering/Training and coaching", "x"]
)
CODER = st.sampled_from(["ana", "budi", ""])
MAGNITUDE = st.sampled_from(["", "", "-2", "2", "9", "x"])
MEMO = st.sampled_from(["", "=cmd", "'=quoted"]) | NAMES
# A whole segment, or a span by offsets (start before end), or anything at all.
CODING_ROW = (
    st.tuples(
        st.just("ratna"),
        st.integers(1, 4).map(str),
        st.just(""),
        st.just(""),
        CODE,
        CODER,
        MAGNITUDE,
        MEMO,
    )
    | st.builds(
        lambda a, n, code, coder, m, memo: ("ratna", "", str(a), str(a + n), code, coder, m, memo),
        st.integers(0, 300),
        st.integers(1, 60),
        CODE,
        CODER,
        MAGNITUDE,
        MEMO,
    )
    | st.tuples(
        st.sampled_from(["ratna", "nobody", ""]),
        st.integers(0, 6).map(str) | st.just(""),
        OFFSET,
        OFFSET,
        CODE,
        CODER,
        MAGNITUDE,
        MEMO,
    )
).map(list)
CODINGS = st.lists(CODING_ROW, max_size=5).map(
    lambda rows: csv_text(
        ["source", "segment", "start", "end", "code", "coder", "magnitude", "memo"], rows
    )
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def assert_segments_map_back(text: str, segments: list[SegmentSpan]) -> None:
    """The normalized text's invariants, and every segment an exact, trimmed piece of it."""
    assert "\r" not in text and "\ufeff" not in text[:1]
    assert unicodedata.normalize("NFC", text) == text
    previous_end = 0
    for seg in segments:
        assert previous_end <= seg.start < seg.end <= len(text)
        piece = text[seg.start : seg.end]
        assert piece == piece.strip() and piece
        previous_end = seg.end


@FUZZ
@given(
    data=encoded(TURNS | CUES | built(TRANSCRIPT_PIECES)),
    suffix=st.sampled_from([".txt", ".md", ".vtt", ".srt"]),
    mode=st.sampled_from(["turn", "paragraph", "sentence"]),
    kind=st.sampled_from(["interview", "document", "observation"]),
)
def test_transcript_readers(folder: Path, data: bytes, suffix: str, mode: str, kind: str) -> None:
    path = folder / f"t{suffix}"
    path.write_bytes(data)
    try:
        parsed = read_source(path, mode, kind=kind)
    except QualcodeError as err:
        event("refused with one line")
        assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
        return
    event("imported" if parsed.segments else "read, no segments")
    assert_segments_map_back(parsed.text, parsed.segments)
    if suffix in (".txt", ".md") and parsed.encoding == "utf-8":
        # Offsets refer to the file's own text: only line ends and composition are normalized.
        original = data.decode("utf-8")
        assert parsed.text == unicodedata.normalize(
            "NFC", original.replace("\r\n", "\n").replace("\r", "\n")
        )


def docx_of(paragraphs: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Override PartName="/word/document.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
        )
    return out.getvalue()


XML_SAFE = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff"),
    max_size=30,
)


@FUZZ
@given(
    paragraphs=st.lists(st.sampled_from(TRANSCRIPT_PIECES[:20]) | XML_SAFE, max_size=12),
    damage=st.one_of(
        st.none(),
        st.tuples(st.integers(0, 2000), st.binary(min_size=1, max_size=8)),
        st.integers(1, 2000),
    ),
)
def test_docx_reader(folder: Path, paragraphs: list[str], damage: object) -> None:
    data = docx_of([p.replace("\r", "").replace("\x00", "") for p in paragraphs])
    if isinstance(damage, tuple):  # bytes overwritten somewhere
        at, junk = damage
        at %= len(data)
        data = data[:at] + junk + data[at + len(junk) :]
    elif isinstance(damage, int):  # truncated
        data = data[: len(data) - damage % len(data)]
    path = folder / "t.docx"
    path.write_bytes(data)
    try:
        parsed = read_source(path, "paragraph")
    except QualcodeError as err:
        event("refused with one line")
        assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
        return
    event("imported" if parsed.segments else "read, no segments")
    assert_segments_map_back(parsed.text, parsed.segments)
    if damage is None:  # every paragraph's text is in the source, as written (normalized)
        assert read_docx_text(data, path)
        for p in paragraphs:
            piece = normalize(p.replace("\r", "").replace("\x00", "")).strip()
            assert "\n" in piece or piece in parsed.text


@FUZZ
@given(
    text=INFORMANTS | built(YAML_PIECES) | built(CSV_PIECES),
    suffix=st.sampled_from([".yaml", ".csv"]),
)
def test_informant_files(folder: Path, text: str, suffix: str) -> None:
    path = folder / f"informants{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        meta = load_metadata(path)
    except QualcodeError as err:
        event("refused with one line")
        assert str(err).startswith(f"{path}") and "\n" not in str(err)
        return
    event("imported")
    for person in meta.informants:
        assert person.name and person.name == person.name.strip()


@FUZZ
@given(text=CODEBOOKS | built(YAML_PIECES))
def test_codebooks(folder: Path, text: str) -> None:
    path = folder / "codebook.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        book = load_codebook(path)
    except QualcodeError as err:
        event("refused with one line")
        assert str(err).startswith(f"{path}") and "\n" not in str(err)
        return
    event("imported")
    paths = [c.path for c in book.codes]
    assert len(paths) == len(set(paths))


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project every CSV and REFI-QDA example is imported into (state accumulates)."""
    from conftest import SMALL_CODEBOOK

    folder = tmp_path_factory.mktemp("target")
    (folder / "codebook.yaml").write_text(SMALL_CODEBOOK, "utf-8")
    (folder / "ratna.txt").write_text(INTERVIEW, "utf-8")
    db = folder / "p.db"
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(folder / "codebook.yaml"), db=db).exit_code == 0
    assert run("import", str(folder / "ratna.txt"), "--informant", "R", db=db).exit_code == 0
    return db


def assert_project_sound(db: Path) -> None:
    with Project.open(db) as p, p.engine.connect() as conn:
        report = check_project(conn)
    assert report.ok, report.findings


@FUZZ
@given(text=CODINGS | built(CSV_PIECES))
def test_codings_csv(folder: Path, target: Path, text: str) -> None:
    from qualcode.exchange.codings_csv import import_codings_csv

    path = folder / "codings.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with Project.open(target) as project:
        try:
            import_codings_csv(project, path, default_coder="fuzz")
        except QualcodeError as err:
            event("refused with one line")
            assert "\n" not in str(err)
            return
    event("imported")
    assert_project_sound(target)  # every coding inside its text, on a segment it names


REFI_PIECES = [
    '<Project xmlns="urn:QDA-XML:project:1.0" name="p">',
    "</Project>",
    "<CodeBook><Codes>",
    "</Codes></CodeBook>",
    '<Code guid="{g}" name="A" isCodable="true">',
    "</Code>",
    "<Sources>",
    "</Sources>",
    '<TextSource guid="{g}" name="s" plainTextPath="internal://s.txt">',
    "</TextSource>",
    '<PlainTextSelection guid="{g}" startPosition="{n}" endPosition="{m}">',
    "</PlainTextSelection>",
    '<Coding guid="{g}"><CodeRef targetGUID="{g}"/></Coding>',
    "<Users>",
    '<User guid="{g}" name="u"/>',
    "</Users>",
    "<!DOCTYPE x>",
    "&amp;",
    "<",
    ">",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The entries of a real .qdpx (a coded interview), to be mutated."""
    from conftest import SMALL_CODEBOOK

    from qualcode.exchange.refi import export_qdpx
    from qualcode.storage.actions import CodingActions

    folder = tmp_path_factory.mktemp("seed")
    (folder / "codebook.yaml").write_text(SMALL_CODEBOOK, "utf-8")
    (folder / "ratna.txt").write_text(INTERVIEW.replace("café", "warung"), "utf-8")
    db = folder / "seed.db"
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(folder / "codebook.yaml"), db=db).exit_code == 0
    assert run("import", str(folder / "ratna.txt"), "--informant", "R", db=db).exit_code == 0
    with Project.open(db) as p:
        actions = CodingActions(p, "ana")
        actions.apply(1, 2, 5, 40, memo="a memo")
        actions.apply(1, 4, 60, 120)
        export_qdpx(p, folder / "seed.qdpx")
    with zipfile.ZipFile(folder / "seed.qdpx") as z:
        return {name: z.read(name) for name in z.namelist()}


PIECES_XML = st.lists(
    st.tuples(st.sampled_from(REFI_PIECES), st.integers(0, 3), st.integers(-5, 400)),
    max_size=30,
)
# A mutation: (what, where, a number, a piece to put in).
MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["number", "cut", "repeat", "insert"]),
        st.integers(0, 10**6),
        st.integers(-10, 2000),
        st.sampled_from(REFI_PIECES) | st.text(max_size=10),
    ),
    max_size=4,
)
_NUMBER = re.compile(r'="(-?\d+)"')


def mutate(xml: str, mutations: list[tuple[str, int, int, str]]) -> str:
    for what, where, number, piece in mutations:
        at = where % (len(xml) + 1)
        if what == "number":  # positions, magnitudes: any attribute that holds a number
            found = list(_NUMBER.finditer(xml))
            if found:
                m = found[where % len(found)]
                xml = xml[: m.start(1)] + str(number) + xml[m.end(1) :]
        elif what == "cut":
            xml = xml[:at] + xml[at + abs(number) % 60 :]
        elif what == "repeat":
            xml = xml[:at] + xml[at : at + abs(number) % 200] + xml[at:]
        else:
            xml = (
                xml[:at]
                + (
                    piece.format(g="00000000-0000-4000-8000-000000000001", n=1, m=9)
                    if piece in REFI_PIECES
                    else piece
                )
                + xml[at:]
            )
    return xml


@FUZZ
@given(
    # three times in four a real export, mutated; else XML built from pieces
    built_xml=st.sampled_from([True, True, True, False]).flatmap(
        lambda real: st.none() if real else PIECES_XML
    ),
    mutations=MUTATIONS,
    plain=st.none() | st.text(max_size=300),
    noise=st.binary(max_size=16),
)
def test_refi_imports(
    folder: Path,
    target: Path,
    exported: dict[str, bytes],
    built_xml: list[tuple[str, int, int]] | None,
    mutations: list[tuple[str, int, int, str]],
    plain: str | None,
    noise: bytes,
) -> None:
    """A real export, mutated (or XML built from pieces), with its text file kept or replaced."""
    from qualcode.exchange.refi import import_refi

    entries = dict(exported)
    qde = next(n for n in entries if n.endswith(".qde"))
    if built_xml is None:
        xml = entries[qde].decode("utf-8")
    else:
        guids = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(4)]
        xml = "".join(
            p.format(g=guids[g], n=n, m=n + 7) if "{" in p else p for p, g, n in built_xml
        )
    entries[qde] = mutate(xml, mutations).encode("utf-8", "surrogatepass") + (
        noise if built_xml is not None else b""
    )
    if plain is not None:
        for name in entries:
            if name.startswith("sources/"):
                entries[name] = plain.encode("utf-8", "surrogatepass")
    path = folder / "fuzz.qdpx"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    with Project.open(target) as project:
        try:
            import_refi(project, path)
        except QualcodeError as err:
            event("refused with one line")
            assert "\n" not in str(err)
            return
    event("imported")
    assert_project_sound(target)


@FUZZ
@given(length=st.integers(0, 50), start=st.integers(-5, 60), end=st.integers(-5, 60))
def test_span_check_is_exactly_the_half_open_range(length: int, start: int, end: int) -> None:
    inside = 0 <= start < end <= length
    try:
        check_span("s", length, start, end)
    except QualcodeError:
        assert not inside
    else:
        assert inside
