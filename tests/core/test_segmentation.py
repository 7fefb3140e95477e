"""Segmentation by turn, paragraph and sentence: the contract in docs/importing.md."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.core.segmentation import (
    SEGMENT_MODES,
    SegmentSpan,
    _find_turns,
    _trim,
    _turn_regions,
    has_turns,
    parse_timestamp,
    parse_turn_prefix,
    segment_text,
)
from qualcode.core.text import normalize


def texts(text: str, mode: str = "turn") -> list[tuple[str | None, str | None, str]]:
    return [(s.speaker, s.timestamp, text[s.start : s.end]) for s in segment_text(text, mode)]


# --- turns ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "speaker", "said"),
    [
        ("INTERVIEWER: How long?", "INTERVIEWER", "How long?"),
        ("Kurnia Supartina: Since 2015.", "Kurnia Supartina", "Since 2015."),
        ("Mrs. Ratna: Yes.", "Mrs. Ratna", "Yes."),
        ("Dr. O'Neil-Smith: Indeed.", "Dr. O'Neil-Smith", "Indeed."),
        ("Interviewer 2: Next.", "Interviewer 2", "Next."),
        ("Q: Next.", "Q", "Next."),
        ("[Ratna] Yes.", "Ratna", "Yes."),
        ("[Ratna]: Yes.", "Ratna", "Yes."),
        ("**Ratna:** Yes.", "Ratna", "Yes."),
        ("**Ratna**: Yes.", "Ratna", "Yes."),
        ("   Ratna: indented", "Ratna", "indented"),
        ("\tRatna: tabbed", "Ratna", "tabbed"),
        ("Sitì Nurhalizá: accented", "Sitì Nurhalizá", "accented"),
        ("A B C D E: five words", "A B C D E", "five words"),
        ("A" * 40 + ": forty letters", "A" * 40, "forty letters"),
        ("Ratna: time is 10:30: late", "Ratna", "time is 10:30: late"),
    ],
)
def test_speaker_prefix_styles(line: str, speaker: str, said: str) -> None:
    assert texts(f"{line}\nSiti: more") == [(speaker, None, said), ("Siti", None, "more")]


@pytest.mark.parametrize(
    ("line", "timestamp", "speaker", "said"),
    [
        ("[00:01:02] INTERVIEWER: Hi", "00:01:02", "INTERVIEWER", "Hi"),
        ("[01:02] Ratna: Hi", "00:01:02", "Ratna", "Hi"),
        ("[75:30] Ratna: Hi", "01:15:30", "Ratna", "Hi"),
        ("[1:02:03.456] Ratna: Hi", "01:02:03", "Ratna", "Hi"),
        ("00:01:02 Ratna: Hi", "00:01:02", "Ratna", "Hi"),
        ("[00:01:02] [Ratna] Hi", "00:01:02", "Ratna", "Hi"),
        ("[00:01:02] **Ratna:** Hi", "00:01:02", "Ratna", "Hi"),
        ("[00:01:02] just words", "00:01:02", None, "just words"),
        ("00:01:02 just words", "00:01:02", None, "just words"),
        ("[00:01:02]\tRatna:\tHi", "00:01:02", "Ratna", "Hi"),
        # A name too long to be one is text, but the timestamp before it still dates the turn.
        ("[00:01:02]  " + "A" * 41 + ": long", "00:01:02", None, "A" * 41 + ": long"),
    ],
)
def test_timestamps(line: str, timestamp: str, speaker: str | None, said: str) -> None:
    assert texts(line) == [(speaker, timestamp, said)]


@pytest.mark.parametrize(
    "line",
    [
        "see http://example.com",
        "http://example.com is the site",
        "https: //not a speaker either",  # the colon must be followed by a space... and a name
        "One two three four five six: too many words",
        "A" * 41 + ": too long a name",
        "12 people: starts with a digit",
        "Source : space before the colon",
        "10:30 we met",  # mm:ss without brackets is not a timestamp
        "[99:99] not a time",
        "99:99:99 Ratna: not a time, so no speaker after it either",
        "Note:no space after the colon",
        "- Ratna: a list item",
        "[the recap](recap.md) is attached",
    ],
)
def test_lines_that_do_not_start_turns(line: str) -> None:
    text = f"Ratna: first\n{line}"
    if line.startswith("https: //"):
        # "https:" followed by a space is a speaker by the contract; only "http://" is excluded.
        assert parse_turn_prefix(line) is not None
        return
    assert texts(text) == [("Ratna", None, f"first\n{line}")]


def test_utterance_excludes_prefix_and_surrounding_whitespace() -> None:
    text = "  [00:00:05]   Ratna:    Hello there.   \n\n\nINTERVIEWER:\n  And?  \n"
    assert texts(text) == [("Ratna", "00:00:05", "Hello there."), ("INTERVIEWER", None, "And?")]


def test_text_before_the_first_turn_is_its_own_segment() -> None:
    text = "Interview with Ratna\n18 December 2021\n\nINTERVIEWER: Hello\nRatna: Hi"
    assert texts(text) == [
        (None, None, "Interview with Ratna\n18 December 2021"),
        ("INTERVIEWER", None, "Hello"),
        ("Ratna", None, "Hi"),
    ]


def test_turn_mode_falls_back_to_paragraphs() -> None:
    text = "First paragraph,\nstill first.\n\n  \nSecond one.\n"
    assert not has_turns(text)
    assert texts(text) == [
        (None, None, "First paragraph,\nstill first."),
        (None, None, "Second one."),
    ]


def test_a_timestamp_alone_on_a_line_dates_the_turn_after_it() -> None:
    text = "[00:00:05]\nINTERVIEWER: Hello\n00:00:09\nRatna: Hi\n[00:00:12] Ratna: Again"
    assert texts(text) == [
        ("INTERVIEWER", "00:00:05", "Hello"),
        ("Ratna", "00:00:09", "Hi"),
        ("Ratna", "00:00:12", "Again"),
    ]


def test_empty_turns_give_no_segment() -> None:
    assert texts("Ratna:\nINTERVIEWER:   \n[Laughter]\nRatna: ok") == [("Ratna", None, "ok")]


def test_a_turn_may_span_lines_and_paragraphs() -> None:
    text = "Ratna: one\ntwo\n\nthree\nINTERVIEWER: four"
    assert texts(text) == [("Ratna", None, "one\ntwo\n\nthree"), ("INTERVIEWER", None, "four")]


# --- paragraphs and sentences -----------------------------------------------------------------


def test_paragraphs_carry_speaker_and_timestamp() -> None:
    text = "Title\n\n[00:01:00] Ratna: one\ntwo\n\n \nthree\nINTERVIEWER: four\n\nfive"
    assert texts(text, "paragraph") == [
        (None, None, "Title"),
        ("Ratna", "00:01:00", "one\ntwo"),
        ("Ratna", "00:01:00", "three"),
        ("INTERVIEWER", None, "four"),
        ("INTERVIEWER", None, "five"),
    ]


def test_a_new_turn_starts_a_new_paragraph() -> None:
    assert texts("Ratna: one\nSiti: two", "paragraph") == [
        ("Ratna", None, "one"),
        ("Siti", None, "two"),
    ]


def test_sentences() -> None:
    text = (
        "[00:02:00] Ratna: We met Mr. Budi and Dr. Siti, S.Sos. at 3.5 km. Really? "
        '"Yes!" (She laughs.) Then… we left! It was e.g. fine; i.e. good. Ask N. Rosenberg. '
        "See No. 20 now. I said no. Fine?! Ok...\nNew line here."
    )
    assert [t for _, _, t in texts(text, "sentence")] == [
        "We met Mr. Budi and Dr. Siti, S.Sos. at 3.5 km.",
        "Really?",
        '"Yes!"',
        "(She laughs.)",
        "Then…",
        "we left!",
        "It was e.g. fine; i.e. good.",
        "Ask N. Rosenberg.",
        "See No. 20 now.",
        "I said no.",
        "Fine?!",
        "Ok...",
        "New line here.",
    ]
    assert {(s.speaker, s.timestamp) for s in segment_text(text, "sentence")} == {
        ("Ratna", "00:02:00")
    }


def test_sentences_do_not_cross_paragraphs() -> None:
    assert [t for _, _, t in texts("One\n\ntwo. Three", "sentence")] == ["One", "two.", "Three"]


# --- offsets ----------------------------------------------------------------------------------


def test_offsets_are_code_points_of_the_normalized_text() -> None:
    raw = "\ufeffRatna: Cafe\u0301 🙂 ok\r\nSiti: 👩\u200d👩\u200d👧 family\rINTERVIEWER: é?"
    text = normalize(raw)
    segments = segment_text(text)
    assert [text[s.start : s.end] for s in segments] == [
        "Café 🙂 ok",
        "👩\u200d👩\u200d👧 family",
        "é?",
    ]
    assert segments[0] == SegmentSpan(7, 16, "Ratna", None)  # "é" and "🙂" are one index each
    assert text.index("Siti") == 17


def test_zero_width_joiner_in_a_speaker_name() -> None:
    assert texts("Mi\u200dna: hello")[0][0] == "Mi\u200dna"


def test_documents_have_no_turns() -> None:
    text = "Title\n\nNotes: Sampang has 3,318 MSMEs. Only 47 have an NIB.\n[00:01:00] Ratna: hi"
    assert texts(text)[1] == ("Notes", None, "Sampang has 3,318 MSMEs. Only 47 have an NIB.")
    for mode in SEGMENT_MODES:
        segments = segment_text(text, mode, turns=False)
        assert {(s.speaker, s.timestamp) for s in segments} == {(None, None)}
    assert [text[s.start : s.end] for s in segment_text(text, "sentence", turns=False)] == [
        "Title",
        "Notes: Sampang has 3,318 MSMEs.",
        "Only 47 have an NIB.",
        "[00:01:00] Ratna: hi",
    ]


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="unknown segmentation mode"):
        segment_text("x", "word")


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("00:00:00", 0),
        ("01:02:03", 3723),
        ("1:02:03", 3723),
        ("1:02:03.456", 3723),
        ("1:02:03,456", 3723),
        ("02:03", 123),
        ("2:03", 123),
        ("75:30", 4530),
        ("[00:01:02]", 62),
        (" 00:01:02 ", 62),
        ("00:60", None),
        ("01:60:00", None),
        ("1:2:3", None),
        ("abc", None),
        ("", None),
        ("12", None),
        (None, None),
        (62, None),
    ],
)
def test_parse_timestamp(value: object, seconds: int | None) -> None:
    assert parse_timestamp(value) == seconds


# --- scale ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "a" * 1_000_000,
        "word " * 200_000,
        "." * 1_000_000,
        "Mr. " * 250_000,
        "a: " * 300_000,
        "[" * 1_000_000,
        "*" * 1_000_000,
        "A a a a a a " * 100_000,
    ],
    ids=["letters", "words", "dots", "abbreviations", "colons", "brackets", "stars", "names"],
)
@pytest.mark.parametrize("mode", SEGMENT_MODES)
def test_a_megabyte_line_is_fast(line: str, mode: str) -> None:
    started = time.perf_counter()
    segments = segment_text(line, mode)
    # Not a speed figure (that is tests/bench): a guard against catastrophic regex
    # backtracking, which takes minutes on a line this long.
    assert time.perf_counter() - started < 30.0
    assert segments


def test_many_short_lines_give_one_segment_per_sentence() -> None:
    # Its speed is the import benchmark's business (tests/bench), not a timed test's.
    text = "INTERVIEWER: Why? Because.\nRatna: Yes. No.\n\n" * 25_000
    assert len(segment_text(text, "sentence")) == 100_000


# --- the invariant, property-tested -----------------------------------------------------------

SPEAKERS = ["INTERVIEWER", "Kurnia Supartina", "Mrs. Ratna", "Dr. O'Neil-Smith", "P1", "Ibu Siti"]
PREFIXES = st.one_of(
    st.just(""),
    st.sampled_from(SPEAKERS).map(lambda n: f"{n}:"),
    st.sampled_from(SPEAKERS).map(lambda n: f"[{n}]"),
    st.sampled_from(SPEAKERS).map(lambda n: f"**{n}:**"),
    st.sampled_from(SPEAKERS).map(lambda n: f"**{n}**:"),
    st.sampled_from(["[00:01:02] ", "[1:02] ", "00:00:05 ", "[0:00:01.500]", "[99:99] "]),
    st.tuples(st.sampled_from(["[00:01:02] ", "00:10:00 "]), st.sampled_from(SPEAKERS)).map(
        lambda p: f"{p[0]}{p[1]}:"
    ),
    st.sampled_from(["http:", "Note:", "a b c d e f:", "x" * 41 + ":"]),
)
PIECES = st.sampled_from(
    list("ab Z.!?…:\"'”)]*[\t ")
    + ["e\u0301", "😀", "\u200d", "\u00a0", "\u3000", "\ufeff", "Mr.", "3.5", "e.g.", "\n"]
    + ["\n\n", " \n ", "\r\n", "\r", "S.Sos.", "Ratna:", "[00:00:01]"]
)
BODIES = st.lists(PIECES, max_size=12).map("".join)
LINES = st.builds(
    lambda lead, prefix, gap, body: lead + prefix + gap + body,
    st.sampled_from(["", " ", "\t", "  "]),
    PREFIXES,
    st.sampled_from(["", " ", "   "]),
    BODIES,
)
TRANSCRIPTS = st.one_of(
    st.lists(LINES, max_size=10).map("\n".join),
    st.text(max_size=200),
)


def prefix_positions(text: str, turns: bool = True) -> set[int]:
    """Positions inside speaker/timestamp prefixes, found line by line."""
    inside: set[int] = set()
    if not turns:
        return inside
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        prefix = parse_turn_prefix(text, pos, end)
        if prefix is not None:
            assert pos <= prefix.body <= end
            inside.update(range(pos, prefix.body))
        pos = end + 1
    return inside


def assert_invariant(text: str, segments: list[SegmentSpan], turns: bool = True) -> None:
    previous_end = 0
    for s in segments:
        assert previous_end <= s.start < s.end <= len(text), "in order, non-overlapping, non-empty"
        assert not text[s.start].isspace() and not text[s.end - 1].isspace()
        previous_end = s.end
    covered = [0] * len(text)
    for s in segments:
        for i in range(s.start, s.end):
            covered[i] += 1
    inside = prefix_positions(text, turns)
    for i, ch in enumerate(text):
        if i in inside:
            assert covered[i] == 0, f"prefix character {ch!r} at {i} is in a segment"
        elif not ch.isspace():
            assert covered[i] == 1, f"character {ch!r} at {i} is in {covered[i]} segments"


def contains(outer: SegmentSpan, inner: SegmentSpan) -> bool:
    return (
        outer.start <= inner.start
        and inner.end <= outer.end
        and (outer.speaker, outer.timestamp) == (inner.speaker, inner.timestamp)
    )


@settings(max_examples=400)
@given(TRANSCRIPTS, st.sampled_from(SEGMENT_MODES), st.booleans())
def test_invariant(raw: str, mode: str, turns: bool) -> None:
    text = normalize(raw)
    assert_invariant(text, segment_text(text, mode, turns=turns), turns)


@settings(max_examples=400)
@given(TRANSCRIPTS)
def test_turns_in_one_pass_are_the_trimmed_regions_between_turn_lines(raw: str) -> None:
    """Turn mode reads the lines once (the import's hot loop); paragraph and sentence modes
    split the regions between turn lines. Both must see the same turns."""
    text = normalize(raw)
    turns = _find_turns(text)
    regions = [
        SegmentSpan(*trimmed, speaker, timestamp)
        for start, end, speaker, timestamp in _turn_regions(text, turns)
        if (trimmed := _trim(text, start, end)) is not None
    ]
    got = segment_text(text, "turn")
    assert got == (regions if turns else segment_text(text, "paragraph"))
    assert all(type(span) is SegmentSpan for span in got)


@settings(max_examples=300)
@given(TRANSCRIPTS)
def test_sentences_refine_paragraphs_which_refine_turns(raw: str) -> None:
    text = normalize(raw)
    turns = segment_text(text, "turn")
    paragraphs = segment_text(text, "paragraph")
    sentences = segment_text(text, "sentence")
    for paragraph in paragraphs:
        assert any(contains(turn, paragraph) for turn in turns)
    for sentence in sentences:
        assert any(contains(paragraph, sentence) for paragraph in paragraphs)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(SPEAKERS),
            st.text(alphabet="abc xyz.,?é😀", min_size=1, max_size=20).filter(str.strip),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_written_turns_are_read_back(turns: list[tuple[str, str]]) -> None:
    text = "\n\n".join(f"{speaker}: {said}" for speaker, said in turns)
    assert texts(text) == [(speaker, None, said.strip()) for speaker, said in turns]
