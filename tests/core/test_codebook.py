"""The codebook model and its strict YAML format (docs/codebooks.md)."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.codebook import (
    MAX_DEPTH,
    Codebook,
    CodeDef,
    MagnitudeScale,
    code_guid,
    load_codebook,
    parse_codebook,
)
from qualcode.core.errors import CodebookError, InputError

REPO = Path(__file__).resolve().parents[2]

VALID = """\
name: Fahrudin empowerment indicators
description: Three aspects of community empowerment.
version: 1.10
magnitude:
  2: Strongly positive
  -2: Strongly negative
  -1: Negative
  0: Neutral or mixed
  1: Positive
codes:
  - name: Enabling
    shortcut: "1"
    color: "#2e7d32"
    brief: Creating a climate in which potential can grow
    definition: |
      The agency creates an atmosphere in which the
      potential of MSME actors can develop.
    when_to_use: Programmes, involvement, climate.
    when_not_to_use: Concrete inputs such as capital (use Empowering).
    example: '"we were invited to the WUB programme"'
    keywords: [climate, programme, involvement]
    codes:
      - name: Programme design
        guid: "{8C1E2A34-5B6C-4D7E-8F90-A1B2C3D4E5F6}"
  - name: Empowering
    shortcut: "2"
    codable: false
    codes:
      - name: Training and coaching
      - name: Capital
  - name: Market access
    parent: Empowering
  - name: Protecting
    shortcut: "3"
    color: "#abc"
"""


def parse(text: str) -> Codebook:
    return parse_codebook(textwrap.dedent(text), "codebooks/x.yaml")


def reject(text: str) -> CodebookError:
    with pytest.raises(CodebookError) as caught:
        parse(text)
    return caught.value


def marked_line(text: str) -> int:
    """The line carrying the '# <-' marker: where the error must be reported."""
    lines = textwrap.dedent(text).splitlines()
    (line,) = [number for number, content in enumerate(lines, 1) if "# <-" in content]
    return line


# --- a valid codebook ---------------------------------------------------------------------


def test_valid_codebook_gives_paths_in_pre_order():
    book = parse_codebook(VALID)
    assert [code.path for code in book.codes] == [
        "Enabling",
        "Enabling/Programme design",
        "Empowering",
        "Empowering/Training and coaching",
        "Empowering/Capital",
        "Empowering/Market access",
        "Protecting",
    ]
    assert [code.depth for code in book.codes] == [1, 2, 1, 2, 2, 2, 1]
    assert [code.line for code in book.codes] == [11, 23, 25, 29, 30, 31, 33]
    assert book.source == "<string>"


def test_valid_codebook_fields():
    book = parse_codebook(VALID)
    assert book.name == "Fahrudin empowerment indicators"
    assert book.description == "Three aspects of community empowerment."
    assert book.version == "1.10"  # as written, not the float 1.1
    enabling = book.by_path("Enabling")
    assert enabling.parent_path is None
    assert enabling.shortcut == "1"
    assert enabling.color == "#2E7D32"
    assert enabling.brief == "Creating a climate in which potential can grow"
    assert enabling.definition == (
        "The agency creates an atmosphere in which the\npotential of MSME actors can develop.\n"
    )
    assert enabling.when_to_use == "Programmes, involvement, climate."
    assert enabling.when_not_to_use == "Concrete inputs such as capital (use Empowering)."
    assert enabling.example == '"we were invited to the WUB programme"'
    assert enabling.keywords == ("climate", "programme", "involvement")
    assert enabling.codable is True
    assert book.by_path("Empowering").codable is False
    assert book.by_path("Protecting").color == "#AABBCC"
    capital = book.by_path("Empowering/Capital")
    assert capital.parent_path == "Empowering"
    assert (capital.brief, capital.definition, capital.example) == ("", "", "")
    assert capital.keywords == ()
    assert capital.shortcut is None and capital.color is None


def test_magnitude_scale_is_ordered_by_value():
    scale = parse_codebook(VALID).magnitude
    assert scale is not None
    assert scale.values == (-2, -1, 0, 1, 2)
    assert list(scale.labels) == [-2, -1, 0, 1, 2]
    assert (scale.min, scale.max) == (-2, 2)
    assert scale.label(-1) == "Negative"
    assert scale.label(5) is None
    assert scale.contains(2) and scale.contains(-2.0)
    assert not scale.contains(3)
    assert not scale.contains(0.5)
    assert not scale.contains(True)


def test_magnitude_scale_needs_two_values():
    with pytest.raises(ValueError):
        MagnitudeScale({1: "Present"})


def test_optional_top_level_fields_default():
    book = parse("""\
        name: Minimal
        codes:
          - name: Only
        """)
    assert book.description == ""
    assert book.version is None
    assert book.magnitude is None
    assert [code.path for code in book.codes] == ["Only"]


def test_bare_digit_shortcut_is_accepted():
    book = parse("""\
        name: Digits
        codes:
          - name: One
            shortcut: 1
        """)
    assert book.by_path("One").shortcut == "1"


def test_nested_and_parent_forms_give_the_same_tree():
    nested = parse("""\
        name: Tree
        codes:
          - name: A
            codes:
              - name: B
                codes:
                  - name: C
              - name: D
          - name: E
        """)
    flat = parse("""\
        name: Tree
        codes:
          - name: C
            parent: A/B
          - name: A
          - name: B
            parent: A
          - name: D
            parent: A
          - name: E
        """)
    assert [c.path for c in flat.codes] == ["A", "A/B", "A/B/C", "A/D", "E"]
    assert flat == nested
    assert flat.by_path("A/B/C").guid == nested.by_path("A/B/C").guid


def test_parent_may_carry_nested_children_and_spacing_in_path():
    book = parse("""\
        name: Tree
        codes:
          - name: A
            codes:
              - name: B
          - name: Late
            parent: A / B
            codes:
              - name: Leaf
        """)
    assert book.by_path("A/B/Late/Leaf").parent_path == "A/B/Late"


def test_siblings_keep_file_order_across_both_forms():
    book = parse("""\
        name: Order
        codes:
          - name: Z-first
            parent: P
          - name: P
            codes:
              - name: nested
          - name: a-last
            parent: P
        """)
    assert [c.name for c in book.children("P")] == ["Z-first", "nested", "a-last"]


def test_same_name_under_different_parents_is_allowed():
    book = parse("""\
        name: Repeats
        codes:
          - name: Enabling
            codes: [{name: Training}]
          - name: Empowering
            codes: [{name: Training}]
        """)
    assert [c.path for c in book.codes if c.name == "Training"] == [
        "Enabling/Training",
        "Empowering/Training",
    ]


def test_children_and_by_path():
    book = parse_codebook(VALID)
    assert [c.name for c in book.children(None)] == ["Enabling", "Empowering", "Protecting"]
    assert [c.name for c in book.children("Empowering")] == [
        "Training and coaching",
        "Capital",
        "Market access",
    ]
    assert book.children("Protecting") == []
    with pytest.raises(KeyError):
        book.children("Nope")
    with pytest.raises(KeyError):
        book.by_path("Capital")  # a bare name is not a path


# --- find ---------------------------------------------------------------------------------

AMBIGUOUS = """\
name: Find
codes:
  - name: Enabling
    codes: [{name: Training}, {name: Climate}]
  - name: Empowering
    codes: [{name: Training}]
  - name: Climate
    parent: Empowering/Training
"""


def test_find_exact_path_first():
    book = parse_codebook(AMBIGUOUS)
    assert book.find("Enabling/Training").path == "Enabling/Training"
    assert book.find("Empowering/Training/Climate").path == "Empowering/Training/Climate"


def test_find_unique_bare_name():
    book = parse_codebook(VALID)
    assert book.find("Capital").path == "Empowering/Capital"


def test_find_ignores_case_only_when_nothing_matches_exactly():
    book = parse_codebook(VALID)
    assert book.find("capital").path == "Empowering/Capital"
    assert book.find("empowering/market access").path == "Empowering/Market access"
    cased = parse("""\
        name: Case
        codes:
          - name: Trust
          - name: Other
            codes: [{name: trust}]
        """)
    assert cased.find("trust").path == "Other/trust"
    assert cased.find("Trust").path == "Trust"
    with pytest.raises(LookupError, match="ambiguous"):
        cased.find("TRUST")


def test_find_ambiguous_name_lists_candidates():
    book = parse_codebook(AMBIGUOUS)
    with pytest.raises(LookupError) as caught:
        book.find("Training")
    message = str(caught.value)
    assert "ambiguous" in message
    assert "'Enabling/Training'" in message and "'Empowering/Training'" in message
    with pytest.raises(LookupError, match="Enabling/Climate.*Empowering/Training/Climate"):
        book.find("Climate")


def test_find_unknown_suggests():
    book = parse_codebook(VALID)
    with pytest.raises(LookupError) as caught:
        book.find("Captial")
    assert "no code 'Captial'" in str(caught.value)
    assert "did you mean 'Empowering/Capital'" in str(caught.value)
    with pytest.raises(LookupError, match="no code 'zzz'"):
        book.find("zzz")


# --- guids --------------------------------------------------------------------------------


def test_guid_is_normalised_to_lowercase_canonical():
    book = parse_codebook(VALID)
    assert book.by_path("Enabling/Programme design").guid == "8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6"
    plain = parse("""\
        name: G
        codes:
          - name: A
            guid: 8C1E2A34-5B6C-4D7E-8F90-A1B2C3D4E5F6
        """)
    assert plain.by_path("A").guid == "8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6"


def test_default_guid_comes_from_the_path_and_is_stable():
    assert code_guid("Empowering/Capital") == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "qualcode:code:Empowering/Capital")
    )
    first, second = parse_codebook(VALID), parse_codebook(VALID)
    assert first.by_path("Empowering/Capital").guid == code_guid("Empowering/Capital")
    assert [c.guid for c in first.codes] == [c.guid for c in second.codes]
    assert len({c.guid for c in first.codes}) == len(first.codes)


# --- to_yaml ------------------------------------------------------------------------------


def test_to_yaml_round_trips_and_writes_guids():
    book = parse_codebook(VALID)
    text = book.to_yaml()
    again = parse_codebook(text)
    assert again == book
    assert again.to_yaml() == text
    for code in book.codes:
        assert f"guid: {code.guid}" in text
    assert "parent:" not in text  # always the nested form
    assert "definition: |" in text  # paragraphs stay readable


def test_to_yaml_refuses_codes_whose_parent_is_missing():
    book = Codebook(
        name="Broken", codes=[CodeDef(name="B", path="A/B", parent_path="A", guid=code_guid("A/B"))]
    )
    with pytest.raises(ValueError):
        book.to_yaml()


_NAME_CHARS = st.characters(
    categories=("L", "N", "P", "S", "Zs"), exclude_characters="/\u2028\u2029"
)
_names = st.text(_NAME_CHARS, min_size=1, max_size=12).map(str.strip).filter(bool)
_texts = st.text(max_size=40)


@st.composite
def codebooks(draw: st.DrawFn) -> Codebook:
    shortcuts = iter(draw(st.permutations("0123456789abcdefghijklmnopqrstuvwxyz")))
    codes: list[CodeDef] = []

    def add_children(parent: str | None, depth: int) -> None:
        names = draw(st.lists(_names, min_size=1 if parent is None else 0, max_size=3, unique=True))
        for name in names:
            path = name if parent is None else f"{parent}/{name}"
            codes.append(
                CodeDef(
                    name=name,
                    path=path,
                    parent_path=parent,
                    guid=draw(st.one_of(st.just(code_guid(path)), st.uuids().map(str))),
                    color=draw(st.none() | st.from_regex(r"#[0-9A-F]{6}", fullmatch=True)),
                    shortcut=next(shortcuts) if draw(st.booleans()) else None,
                    brief=draw(_texts),
                    definition=draw(_texts),
                    when_to_use=draw(_texts),
                    when_not_to_use=draw(_texts),
                    example=draw(_texts),
                    keywords=tuple(draw(st.lists(_texts, max_size=3))),
                    codable=draw(st.booleans()),
                )
            )
            if depth < 3:
                add_children(path, depth + 1)

    add_children(None, 1)
    magnitude = draw(
        st.none()
        | st.dictionaries(st.integers(-5, 5), _names, min_size=2, max_size=4).map(MagnitudeScale)
    )
    return Codebook(
        name=draw(_names),
        description=draw(_texts),
        version=draw(st.none() | _names),
        magnitude=magnitude,
        codes=codes,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebooks())
def test_to_yaml_round_trip_of_generated_codebooks(book: Codebook):
    assert parse_codebook(book.to_yaml()) == book


# --- loading files ------------------------------------------------------------------------


def test_load_codebook_reads_utf8_with_bom(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: Caf\xc3\xa9\ncodes:\n  - name: Enabling\n")
    book = load_codebook(path)
    assert book.name == "Café"
    assert book.source == str(path)
    assert book.codes[0].line == 3


def test_load_codebook_missing_file(tmp_path: Path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert isinstance(caught.value, InputError)
    assert caught.value.line is None
    assert str(caught.value).startswith(f"{path}: cannot read the codebook")


def test_load_codebook_directory_is_an_error(tmp_path: Path):
    with pytest.raises(CodebookError, match="cannot read"):
        load_codebook(tmp_path)


def test_load_codebook_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: x\ncodes:\n  - name: Caf\xe9\n")
    with pytest.raises(CodebookError, match="not UTF-8") as caught:
        load_codebook(path)
    assert caught.value.line == 3


def test_error_message_names_file_line_and_suggestion(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "name: x\ncodes:\n  - name: Training\n    when_to_usee: always\n", encoding="utf-8"
    )
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert str(caught.value) == (
        f"{path}:4: unknown field 'when_to_usee' in code 'Training' (did you mean 'when_to_use'?)"
    )
    assert (caught.value.path, caught.value.line) == (str(path), 4)


def test_shipped_fahrudin_codebook_loads():
    path = REPO / "codebooks" / "fahrudin.yaml"
    if not path.exists():
        pytest.skip("codebooks/fahrudin.yaml is not written yet")
    book = load_codebook(path)
    top = book.children(None)
    assert [c.name for c in top][:3] == ["Enabling", "Empowering", "Protecting"]
    assert {c.name: c.shortcut for c in top[:3]} == {
        "Enabling": "1",
        "Empowering": "2",
        "Protecting": "3",
    }
    assert book.magnitude is not None
    assert parse_codebook(book.to_yaml()) == book


# --- rejections ---------------------------------------------------------------------------
# Each case marks the line the error must name with "# <-"; the message must contain `says`.

REJECTIONS = {
    "yaml syntax": (
        """\
        name: x
        codes:
          - name: a: b  # <-
        """,
        "invalid YAML: mapping values are not allowed here",
    ),
    "yaml tab": (
        """\
        name: x
        codes:
        \t- name: a  # <-
        """,
        "invalid YAML",
    ),
    "two documents": (
        """\
        name: x
        codes: [{name: a}]
        ---  # <-
        name: y
        """,
        "invalid YAML: expected a single document in the stream, but found another document",
    ),
    "top level is a list": (
        """\
        - name: x  # <-
        """,
        "must start with name: and codes:, not a list",
    ),
    "top level is text": (
        """\
        just some words  # <-
        """,
        "not text",
    ),
    "unknown top-level field": (
        """\
        name: x
        descripton: typo  # <-
        codes: [{name: a}]
        """,
        "unknown field 'descripton' at the top of the codebook (did you mean 'description'?)",
    ),
    "unknown code field": (
        """\
        name: x
        codes:
          - name: Training
            brief: fine
            when_to_usee: typo  # <-
        """,
        "unknown field 'when_to_usee' in code 'Training' (did you mean 'when_to_use'?)",
    ),
    "unknown nested code field, synonym": (
        """\
        name: x
        codes:
          - name: A
            codes:
              - name: B
                colour: "#FFFFFF"  # <-
        """,
        "unknown field 'colour' in code 'B' (did you mean 'color'?)",
    ),
    "children instead of codes": (
        """\
        name: x
        codes:
          - name: A
            children:  # <-
              - name: B
        """,
        "(did you mean 'codes'?)",
    ),
    "unknown magnitude field": (
        """\
        name: x
        magnitude:
          1: Positive
          high: Very positive  # <-
        codes: [{name: a}]
        """,
        "magnitude values must be whole numbers like -2 or 1, not text ('high')",
    ),
    "duplicate top-level key": (
        """\
        name: x
        codes: [{name: a}]
        name: y  # <-
        """,
        "field 'name' appears twice in one mapping (first on line 1)",
    ),
    "duplicate code key": (
        """\
        name: x
        codes:
          - name: a
            definition: one
            definition: two  # <-
        """,
        "field 'definition' appears twice in one mapping (first on line 4)",
    ),
    "duplicate magnitude value": (
        """\
        name: x
        magnitude:
          1: Positive
          0: Neutral
          +1: Also positive  # <-
        codes: [{name: a}]
        """,
        "magnitude value 1 appears twice (first on line 3)",
    ),
    "anchor": (
        """\
        name: x
        codes:
          - &base  # <-
            name: a
        """,
        "anchors and aliases (& and *) are not allowed",
    ),
    "alias": (
        """\
        name: x
        description: &d text  # <-
        codes: [{name: a}]
        """,
        "anchors and aliases",
    ),
    "undefined alias": (
        """\
        name: x
        codes:
          - name: *nowhere  # <-
        """,
        "anchors and aliases",
    ),
    "alias bomb": (
        """\
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]  # <-
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        """,
        "anchors and aliases",
    ),
    "python tag": (
        """\
        name: x
        codes:
          - name: !!python/object/apply:os.system ["echo hi"]  # <-
        """,
        "the YAML tag '!!python/object/apply:os.system' is not allowed",
    ),
    "custom tag": (
        """\
        name: x
        codes: !mine  # <-
          - name: a
        """,
        "YAML tag '!mine' is not allowed",
    ),
    "missing codebook name": (
        """\
        description: no name  # <-
        codes: [{name: a}]
        """,
        "the codebook has no name:",
    ),
    "codebook name is a list": (
        """\
        name: [a, b]  # <-
        codes: [{name: a}]
        """,
        "the codebook's name must be text, not a list",
    ),
    "missing codes": (
        """\
        name: x  # <-
        description: nothing to code
        """,
        "the codebook has no codes: list",
    ),
    "empty codes": (
        """\
        name: x
        codes: []  # <-
        """,
        "codes: is empty",
    ),
    "codes is a mapping": (
        """\
        name: x
        codes:
          Enabling:  # <-
            brief: no dash
        """,
        "codes: must be a list, each code starting with '- name:', not a mapping",
    ),
    "code is text": (
        """\
        name: x
        codes:
          - Enabling  # <-
        """,
        "each code must be a mapping with name:, not text ('Enabling')",
    ),
    "code without name": (
        """\
        name: x
        codes:
          - name: A
            codes:
              - brief: who am I  # <-
        """,
        "a code under 'A' has no name:",
    ),
    "code name is a number": (
        """\
        name: x
        codes:
          - name: 2020  # <-
        """,
        'the name of a code must be text, not a number (2020); put it in quotes ("2020")',
    ),
    "code name is yes": (
        """\
        name: x
        codes:
          - name: yes  # <-
        """,
        "not true/false (yes)",
    ),
    "empty code name": (
        """\
        name: x
        codes:
          - name: "  "  # <-
        """,
        "a code has an empty name",
    ),
    "slash in name": (
        """\
        name: x
        codes:
          - name: Training/coaching  # <-
        """,
        "code name 'Training/coaching' contains '/'",
    ),
    "name on two lines": (
        """\
        name: x
        codes:
          - name: "two\\nlines"  # <-
        """,
        "must be one line",
    ),
    "keywords not a list": (
        """\
        name: x
        codes:
          - name: a
            keywords: training, coaching  # <-
        """,
        "keywords of code 'a' must be a list of text",
    ),
    "keyword not text": (
        """\
        name: x
        codes:
          - name: a
            keywords:
              - fine
              - 42  # <-
        """,
        "each keyword of code 'a' must be text, not a number (42)",
    ),
    "codable not bool": (
        """\
        name: x
        codes:
          - name: a
            codable: sometimes  # <-
        """,
        "codable of code 'a' must be true or false, not text ('sometimes')",
    ),
    "definition is a list": (
        """\
        name: x
        codes:
          - name: a
            definition:
              - one  # <-
        """,
        "definition of code 'a' must be text, not a list",
    ),
    "version is a mapping": (
        """\
        name: x
        version: {major: 1}  # <-
        codes: [{name: a}]
        """,
        "version must be text or a number",
    ),
    "duplicate top-level names": (
        """\
        name: x
        codes:
          - name: Enabling
          - name: Protecting
          - name: Enabling  # <-
        """,
        "two codes named 'Enabling' at the top level (lines 3 and 5)",
    ),
    "duplicate nested names": (
        """\
        name: x
        codes:
          - name: Empowering
            codes:
              - name: Training
              - name: Capital
              - name: Training  # <-
        """,
        "two codes named 'Training' under 'Empowering' (lines 5 and 7)",
    ),
    "duplicate across both forms": (
        """\
        name: x
        codes:
          - name: Training
            parent: Empowering
          - name: Empowering
            codes:
              - name: Training  # <-
        """,
        "two codes named 'Training' under 'Empowering' (lines 3 and 7)",
    ),
    "duplicate shortcut": (
        """\
        name: x
        codes:
          - name: Enabling
            shortcut: "1"
            codes:
              - name: Climate
                shortcut: "1"  # <-
        """,
        "shortcut '1' of code 'Enabling/Climate' is already used by code 'Enabling' (line 4)",
    ),
    "uppercase shortcut": (
        """\
        name: x
        codes:
          - name: a
            shortcut: A  # <-
        """,
        "must be one digit 0-9 or lowercase letter a-z, not 'A'",
    ),
    "two-character shortcut": (
        """\
        name: x
        codes:
          - name: a
            shortcut: 12  # <-
        """,
        "the shortcut of code 'a' must be one digit 0-9 or lowercase letter a-z, not '12'",
    ),
    "colour name": (
        """\
        name: x
        codes:
          - name: a
            color: green  # <-
        """,
        "the color of code 'a' must be #RRGGBB or #RGB",
    ),
    "five hex digits": (
        """\
        name: x
        codes:
          - name: a
            color: "#12345"  # <-
        """,
        "must be #RRGGBB or #RGB",
    ),
    "unquoted colour is a comment": (
        """\
        name: x
        codes:
          - name: a
            color: #2E7D32  # <-
        """,
        "'#' starts a comment",
    ),
    "bad guid": (
        """\
        name: x
        codes:
          - name: a
            guid: 1234  # <-
        """,
        "the guid of code 'a' must be text",
    ),
    "malformed guid": (
        """\
        name: x
        codes:
          - name: a
            guid: "{8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6"  # <-
        """,
        "is not a UUID",
    ),
    "duplicate guid": (
        """\
        name: x
        codes:
          - name: a
            guid: 8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6
          - name: b
            guid: 8C1E2A34-5B6C-4D7E-8F90-A1B2C3D4E5F6  # <-
        """,
        "guid 8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6 of code 'b' is already used by code 'a'"
        " (line 4)",
    ),
    "guid equal to another code's default": (
        f"""\
        name: x
        codes:
          - name: a
            guid: {code_guid("b")}
          - name: b  # <-
        """,
        "(its default guid, from its path) is already used by code 'a' (line 4)",
    ),
    "missing parent": (
        """\
        name: x
        codes:
          - name: Enabling
            codes: [{name: Training}]
          - name: Coaching  # <-
            parent: Training
        """,
        "the parent 'Training' of code 'Coaching' does not exist"
        " (did you mean 'Enabling/Training'?)",
    ),
    "parent and nested": (
        """\
        name: x
        codes:
          - name: A
          - name: B
            codes:
              - name: C
                parent: A  # <-
        """,
        "code 'C' is nested under 'B' and also has parent:",
    ),
    "parent cycle": (
        """\
        name: x
        codes:
          - name: Root
          - name: A  # <-
            parent: B
          - name: B
            parent: A
        """,
        "codes form a cycle through parent: 'A' → 'B' → 'A'",
    ),
    "parent of itself": (
        """\
        name: x
        codes:
          - name: Root
          - name: Loop  # <-
            parent: Loop
        """,
        "cycle through parent: 'Loop' → 'Loop'",
    ),
    "cycle through a nested code": (
        """\
        name: x
        codes:
          - name: B  # <-
            parent: A/Inner
          - name: A
            parent: B
            codes:
              - name: Inner
        """,
        "cycle through parent:",
    ),
    "empty parent path part": (
        """\
        name: x
        codes:
          - name: A
          - name: B
            parent: A//C  # <-
        """,
        "is not a code path",
    ),
    "magnitude not a mapping": (
        """\
        name: x
        magnitude: [-1, 0, 1]  # <-
        codes: [{name: a}]
        """,
        "magnitude must map whole numbers to labels",
    ),
    "magnitude key is a fraction": (
        """\
        name: x
        magnitude:
          0: Absent
          0.5: Half  # <-
        codes: [{name: a}]
        """,
        "magnitude values must be whole numbers like -2 or 1, not a number (0.5)",
    ),
    "magnitude label not text": (
        """\
        name: x
        magnitude:
          0: Absent
          1: [a, b]  # <-
        codes: [{name: a}]
        """,
        "the label of magnitude 1 must be text, not a list",
    ),
    "magnitude with one value": (
        """\
        name: x
        magnitude:
          1: Present  # <-
        codes: [{name: a}]
        """,
        "magnitude needs at least two values",
    ),
}


@pytest.mark.parametrize("case", list(REJECTIONS), ids=list(REJECTIONS))
def test_rejections_name_the_line(case: str):
    text, says = REJECTIONS[case]
    err = reject(text)
    assert says in err.reason
    assert err.line == marked_line(text), err.reason
    assert err.path == "codebooks/x.yaml"
    assert str(err) == f"codebooks/x.yaml:{err.line}: {err.reason}"


def test_alias_is_rejected_on_its_line():
    err = reject("""\
        name: x
        description: text
        codes:
          - name: a
            brief: *nothing
        """)
    assert err.line == 5
    assert "anchors and aliases" in err.reason


def test_empty_file():
    for text in ("", "\n\n", "# only a comment\n"):
        err = reject(text)
        assert err.line == 1
        assert "the codebook is empty" in err.reason


def test_unclosed_flow_list_names_where_it_began():
    err = reject("""\
        name: x
        codes: [a, b
        """)
    assert err.line == 3  # where the parser gave up: the end of the file
    assert "invalid YAML" in err.reason
    assert "line 2" in err.reason


def test_missing_colon_names_the_key():
    err = reject("""\
        name: x
        codes
          - name: a
        """)
    assert "could not find expected ':'" in err.reason
    assert "line 2" in err.reason


def test_control_character():
    err = reject("name: x\ncodes:\n  - name: a\x07\n")
    assert err.line == 3
    assert "U+0007" in err.reason


# --- depth --------------------------------------------------------------------------------


def nested_codes(levels: int) -> str:
    lines = ["name: deep", "codes:"]
    for depth in range(levels):
        pad = "  " * (2 * depth)
        lines.append(f"{pad}  - name: L{depth + 1}")
        if depth + 1 < levels:
            lines.append(f"{pad}    codes:")
    return "\n".join(lines) + "\n"


def test_codes_may_nest_to_the_limit():
    book = parse_codebook(nested_codes(MAX_DEPTH))
    assert book.codes[-1].depth == MAX_DEPTH
    assert parse_codebook(book.to_yaml()) == book


def test_nesting_beyond_the_limit_is_rejected():
    text = nested_codes(MAX_DEPTH + 1)
    with pytest.raises(CodebookError, match=f"at most {MAX_DEPTH} levels") as caught:
        parse_codebook(text)
    assert caught.value.line == text.count("\n")  # the 51st code, on the last line


def test_deeply_nested_lists_are_rejected_without_recursing():
    depth = 5000
    text = "name: x\ncodes: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(CodebookError, match="nested too deeply") as caught:
        parse_codebook(text)
    assert caught.value.line == 2


def test_parent_chain_beyond_the_limit_is_rejected():
    lines = ["name: chain", "codes:", "  - name: L1"]
    path = "L1"
    for depth in range(2, MAX_DEPTH + 2):
        lines += [f"  - name: L{depth}", f"    parent: {path}"]
        path += f"/L{depth}"
    with pytest.raises(CodebookError, match=f"nested {MAX_DEPTH + 1} levels deep") as caught:
        parse_codebook("\n".join(lines) + "\n")
    assert caught.value.line == len(lines) - 1


def test_example_in_the_docs_loads():
    doc = (REPO / "docs" / "codebooks.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    book = parse_codebook(example, "docs/codebooks.md")
    assert [c.path for c in book.children(None)] == ["Enabling", "Empowering", "Protecting"]
    assert book.by_path("Empowering/Business development assistants").parent_path == "Empowering"
    assert book.find("Programme design").guid == "8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6"
