"""Pseudonymisation: names, variants, titles and typos replaced; nothing else touched."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.exchange.pseudonyms import Person, Pseudonymizer, fold
from qualcode.exchange.tables import DisplayRow, DisplayTable

SAMPANG = [
    Person("Kurnia Supartina", "Official A", (("kurnia-supartina", "interview"),)),
    Person("Slamet Riyanto", "Official B", (("slamet-riyanto", "interview"),)),
    Person("Ratna Kurniasih", "Official C", (("ratna-kurniasih", "interview"),)),
    Person("Nurhayati", "MSME actor A", (("nurhayati", "interview"),)),
    Person("Hadi Sutrisno", "MSME actor B", (("hadi-sutrisno", "interview"),)),
    Person("Komarudin", "MSME actor C", (("komarudin", "interview"),)),
]


def scrub(text: str, people: list[Person] = SAMPANG) -> str:
    return Pseudonymizer(people).scrub(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # full, first and last names; titles belong to the mention
        ("Ratna Kurniasih said", "[Official C] said"),
        ("Good morning, Ibu Ratna.", "Good morning, [Official C]."),
        ("Pak Slamet's section", "[Official B]'s section"),
        ("Ibu Kurnia's division", "[Official A]'s division"),
        ("asked Kurniasih", "asked [Official C]"),
        ("Mrs. Nurhayati and Mr Hadi", "[MSME actor A] and [MSME actor B]"),
        ("Bapak Dr. Komarudin", "[MSME actor C]"),
        # machine translation of Ibu / Bapak
        ("Mother Ratna and Father Slamet", "[Official C] and [Official B]"),
        # case, order, file-style and initials
        ("RATNA KURNIASIH", "[Official C]"),
        ("Kurniasih, Ratna", "[Official C]"),
        ("ratna_kurniasih.docx", "[Official C].docx"),
        ("R. Kurniasih and Kurnia S. met", "[Official C] and [Official A]. met"),
        # typos (rapidfuzz, Damerau-Levenshtein)
        ("Mrs. Nurhayatie", "[MSME actor A]"),
        ("Slammet", "[Official B]"),
        ("Komarudim", "[MSME actor C]"),
        ("Kurniah", "[Official A]"),  # one edit from Kurnia, two from Kurniasih
        # source names become the kind, as in pseudonymised citations
        ("Official C, ratna-kurniasih #6", "Official C, interview #6"),
        # two informants in a row are two mentions
        ("Hadi Komarudin", "[MSME actor B] [MSME actor C]"),
        ("Ratna, Ratna", "[Official C], [Official C]"),
    ],
)
def test_mentions_are_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Selamat pagi, Pak Camat.",  # a greeting two edits from Slamet; a title without a name
        "Hadiah and hadir",  # words that contain a name
        "Ibu alone, Bapak alone, Mother and Father",
        "Official C and MSME actor A (pseudonyms stay)",
        "[Official C] said so",
        "Ratnaningsih",  # a longer, different name: three edits away
    ],
)
def test_other_words_are_left_alone(text: str) -> None:
    assert scrub(text) == text


def test_short_and_title_like_name_parts_need_company() -> None:
    people = [Person("Ibu Ña 🙂", "Official A"), Person("Li Wei", "Actor B")]
    p = Pseudonymizer(people)
    assert p.scrub("Selamat pagi, Ibu Ña. Ibu said") == "Selamat pagi, [Official A]. Ibu said"
    assert p.scrub("ibu-na") == "[Official A]"
    assert p.scrub("Li said; li is lowercase; Pak Li; Li Wei") == (
        "[Actor B] said; li is lowercase; [Actor B]; [Actor B]"
    )


def test_ambiguous_and_unnamed() -> None:
    people = [Person("Ratna Sari", "Official A"), Person("Ratna Dewi", "Actor B")]
    p = Pseudonymizer(people)
    assert p.scrub("Ratna and Ratna Dewi") == "[informant] and [Actor B]"
    assert Pseudonymizer([Person("Eko", None)]).scrub("Eko's loom") == "[informant]'s loom"


def test_scrubbing_twice_changes_nothing() -> None:
    p = Pseudonymizer(SAMPANG)
    once = p.scrub("Ibu Ratna met Pak Hadi at hadi-sutrisno #3")
    assert once == "[Official C] met [MSME actor B] at interview #3"
    assert p.scrub(once) == once


def test_tables_and_json_values_are_scrubbed_whole() -> None:
    p = Pseudonymizer(SAMPANG)
    table = DisplayTable(
        "Quotes from Ratna",
        "informant",
        ["Komarudin's column", "n"],
        [DisplayRow("Nurhayati", ["I met Pak Hadi", 3], group="Slamet")],
        notes=["Filters: informants: Ratna Kurniasih."],
        meta={"row_keys": ["Nurhayati"], "nested": {"Hadi": [1, "Pak Slamet"]}},
    )
    out = p.table(table)
    assert out.title == "Quotes from [Official C]"
    assert out.columns == ["[MSME actor C]'s column", "n"]
    assert out.rows[0].label == "[MSME actor A]" and out.rows[0].group == "[Official B]"
    assert out.rows[0].cells == ["I met [MSME actor B]", 3]
    assert out.notes == ["Filters: informants: [Official C]."]
    assert out.meta == {
        "row_keys": ["[MSME actor A]"],
        "nested": {"[MSME actor B]": [1, "[Official B]"]},
    }
    assert table.title == "Quotes from Ratna"  # the input is not changed


def test_the_side_report_lists_what_was_replaced() -> None:
    p = Pseudonymizer(SAMPANG)
    p.scrub("Ibu Ratna, Ibu Ratna, Mrs. Nurhayatie and ratna-kurniasih")
    report = p.report("exports/q.md")
    assert report.startswith("Pseudonymisation report for exports/q.md\n")
    assert "  Ratna Kurniasih -> Official C\n" in report
    assert "Replaced in the text (4 mentions):" in report
    assert "'Ibu Ratna' -> '[Official C]'  x2  (title + first name; Ratna Kurniasih)" in report
    assert (
        "'Mrs. Nurhayatie' -> '[MSME actor A]'  x1  (title + name, typo (1 edit); Nurhayati)"
        in (report)
    )
    assert "'ratna-kurniasih' -> 'interview'  x1  (source name; Ratna Kurniasih)" in report


NAME_WORDS = sorted({part for p in SAMPANG for part in p.parts})
FILLER = ["the", "said", "Ibu", "Pak", "Mrs.", "Mother", "met", "training", "Selamat", "I"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(NAME_WORDS + FILLER),
            st.sampled_from([" ", ", ", ". ", "-", "'s ", "\n", ": ", "’"]),
            st.sampled_from(["lower", "upper", "title", "same"]),
        ),
        max_size=12,
    )
)
def test_no_name_survives_any_arrangement(pieces: list[tuple[str, str, str]]) -> None:
    """Whatever the order, case and punctuation, no part of a real name is left as a word."""
    cased = {"lower": str.lower, "upper": str.upper, "title": str.title, "same": str}
    text = "".join(cased[c](w) + sep for w, sep, c in pieces)
    out = scrub(text)
    words = {fold(w) for w in re.findall(r"[^\W\d_]+", out)}
    assert not words & {fold(w) for w in NAME_WORDS}, (text, out)
