"""The code picker's matching and the search across segments (analysis/search.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from qualcode.analysis.search import CodeMatcher, SegmentIndex
from qualcode.core.codebook import load_codebook
from qualcode.storage.project import Project
from qualcode.storage.views import CodeRow

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends

REPO = Path(__file__).resolve().parents[2]
FAHRUDIN = REPO / "codebooks" / "fahrudin.yaml"
SAMPANG = REPO / "transcripts" / "sampang"


def code_row(index: int, path: str, keywords: tuple[str, ...] = (), **fields: str) -> CodeRow:
    return CodeRow(
        id=index,
        path=path,
        name=path.rsplit("/", 1)[-1],
        parent_id=None,
        color=None,
        shortcut=None,
        brief=fields.get("brief", ""),
        definition=fields.get("definition", ""),
        when_to_use="",
        when_not_to_use="",
        example="",
        keywords=keywords,
        codable=True,
    )


@pytest.fixture(scope="module")
def fahrudin() -> list[CodeRow]:
    codebook = load_codebook(FAHRUDIN)
    return [
        code_row(i + 10, c.path, c.keywords, brief=c.brief, definition=c.definition)
        for i, c in enumerate(codebook.codes)
    ]


@pytest.fixture(scope="module")
def matcher(fahrudin: list[CodeRow]) -> CodeMatcher:
    return CodeMatcher(fahrudin)


def paths(matches) -> list[str]:
    return [m.path for m in matches]


# --- the code picker ----------------------------------------------------------------------------


def test_typos_in_several_words_find_the_code(matcher: CodeMatcher) -> None:
    best = matcher.search("empowr trainng")[0]
    assert best.path == "Empowering/Training and coaching"
    assert best.matched == "name"


def test_half_typed_words_find_the_code(matcher: CodeMatcher) -> None:
    assert matcher.search("train")[0].path == "Empowering/Training and coaching"
    assert matcher.search("obstacle info")[0].path == "Obstacles/Access to information"


def test_every_exact_name_ranks_its_code_first(
    matcher: CodeMatcher, fahrudin: list[CodeRow]
) -> None:
    for code in fahrudin:
        best = matcher.search(code.name)[0]
        assert best.path == code.path, code.name
        assert best.matched == "name"


def test_names_match_whatever_the_case_accents_and_spacing(matcher: CodeMatcher) -> None:
    for query in ("TRAINING AND COACHING", "  tráining   and coaching ", "training & coaching"):
        assert matcher.search(query)[0].path == "Empowering/Training and coaching"


def test_keywords_are_found(matcher: CodeMatcher) -> None:
    assert matcher.search("KUR")[0].path == "Protecting/Capital and KUR credit"
    best = matcher.search("sealer")[0]  # a keyword only, in no name
    assert (best.path, best.matched) == (
        "Empowering/Facilities and infrastructure",
        "keyword: sealer",
    )
    assert matcher.search("pendamping")[0].path == "Empowering/Business development assistants"


def test_name_outweighs_keyword_and_keyword_outweighs_definition() -> None:
    codes = [
        code_row(1, "A", definition="Talk about the harvest and the market."),
        code_row(2, "B", keywords=("harvest",)),
        code_row(3, "Harvest"),
    ]
    found = CodeMatcher(codes).search("harvest")
    assert paths(found) == ["Harvest", "B", "A"]
    assert [m.matched for m in found] == ["name", "keyword: harvest", "definition"]
    assert found[0].score > found[1].score > found[2].score


def test_a_parent_name_finds_the_codes_below_it(matcher: CodeMatcher) -> None:
    found = paths(matcher.search("protecting", limit=10))
    assert found[0] == "Protecting"
    assert set(found[1:4]) <= {p for p in found if p.startswith("Protecting/")}


def test_empty_query_gives_every_code_in_codebook_order(
    matcher: CodeMatcher, fahrudin: list[CodeRow]
) -> None:
    for query in ("", "   "):
        found = matcher.search(query)
        assert paths(found) == [c.path for c in fahrudin]
        assert [m.code_id for m in found] == [c.id for c in fahrudin]
        assert {m.score for m in found} == {0.0}


def test_ties_keep_codebook_order() -> None:
    codes = [code_row(i, f"{parent}/Training") for i, parent in enumerate("QBZA", start=1)]
    forward = CodeMatcher(codes).search("training")
    assert paths(forward) == ["Q/Training", "B/Training", "Z/Training", "A/Training"]
    assert len({m.score for m in forward}) == 1
    backward = CodeMatcher(codes[::-1]).search("training")
    assert paths(backward) == paths(forward)[::-1]
    assert CodeMatcher(codes).search("training") == forward


def test_limit_and_no_match(matcher: CodeMatcher) -> None:
    assert len(matcher.search("e", limit=3)) == 3
    assert matcher.search("xyzzy") == []
    assert matcher.search("!!!") == []


# --- search across segments ---------------------------------------------------------------------

# Each source's segments are its paragraphs: (source_id, text).
SOURCES = {
    1: "Intro line.\n\n"
    "We need licensing that is easy to get. 🙂 Licensing costs too much.\n\n"
    "The café owners came too; they train every week.",
    2: "Ibu Ratna: I heard of KUR at the socialisation.\n\n"
    "Nothing about money here.\n\n"
    "KUR is the people's business credit, from the banks.\n\n"
    "My licencing papers were lost.",
    3: "🙂🙂 İstanbul naïve café — we asked about KUR and the training programme.",
}


def source_rows() -> list[tuple[int, int, int, int, str]]:
    rows = []
    segment_id = 100
    for source_id, source_text in SOURCES.items():
        start = 0
        for ordinal, part in enumerate(source_text.split("\n\n"), start=1):
            segment_id += 1
            rows.append((source_id, segment_id, ordinal, start, part))
            start += len(part) + 2
    return rows


@pytest.fixture(scope="module")
def index() -> SegmentIndex:
    return SegmentIndex.from_rows(source_rows())


def spans(hits) -> list[str]:
    return [SOURCES[h.source_id][h.start : h.end] for h in hits]


def test_exact_hits_give_the_phrase_span_in_the_source(index: SegmentIndex) -> None:
    for query in ("licensing", "KUR", "café owners", "🙂 licensing", "naïve café", "credit, from"):
        hits = index.search(query)
        exact = [h for h in hits if h.score == 100]
        assert exact, query
        for found in spans(exact):
            assert found.lower() == query.lower()


def test_exact_offsets_count_code_points_after_emoji_and_accents(index: SegmentIndex) -> None:
    (hit,) = index.search("training programme")
    assert (hit.source_id, hit.ordinal, hit.score) == (3, 1, 100.0)
    assert hit.start == SOURCES[3].index("training programme")
    assert SOURCES[3][hit.start : hit.end] == "training programme"
    (hit,) = index.search("lost")
    assert SOURCES[2][hit.start : hit.end] == "lost"  # after three segments of source 2


def test_typo_finds_the_word(index: SegmentIndex) -> None:
    hits = index.search("licencing")
    assert spans(hits)[0] == "licencing"  # the typo is in the text too: exact first
    fuzzy = hits[1:]
    assert [(h.source_id, h.ordinal) for h in fuzzy] == [(1, 2)]
    assert spans(fuzzy) == ["licensing"]
    assert 70 <= fuzzy[0].score < 100


def test_two_words_find_segments_holding_either(index: SegmentIndex) -> None:
    hits = index.search("KUR credit")
    assert {(h.source_id, h.ordinal) for h in hits} == {(2, 1), (2, 3), (3, 1)}
    assert (hits[0].source_id, hits[0].ordinal) == (2, 3)  # both words, close together
    assert spans(hits)[0] == "KUR is the people's business credit"
    assert all(s == "KUR" for s in spans(hits[1:]))


def test_the_demo_transcripts() -> None:
    rows: list[tuple[int, int, int, int, str]] = []
    for source_id, path in enumerate(sorted(SAMPANG.glob("*.txt")), start=1):
        source_text = path.read_text(encoding="utf-8")
        for ordinal, m in enumerate(re.finditer(r"[^\n]+", source_text), start=1):
            rows.append((source_id, len(rows) + 1, ordinal, m.start(), m.group()))
    index = SegmentIndex.from_rows(rows)

    def holding(word: str) -> set[int]:
        return {r[1] for r in rows if re.search(rf"\b{word}\b", r[4], re.IGNORECASE)}

    kur = {h.segment_id for h in index.search("KUR credit")}
    assert holding("KUR") <= kur and len(holding("KUR")) >= 8
    licensing = {h.segment_id for h in index.search("licencing")}
    assert holding("licensing") <= licensing and len(holding("licensing")) >= 5


def test_exact_ranks_before_fuzzy_and_whole_words_before_parts(index: SegmentIndex) -> None:
    hits = index.search("licensing")
    assert spans(hits) == ["licensing", "licencing"]
    assert hits[0].score == 100 > hits[1].score
    hits = index.search("train")
    assert [(h.source_id, h.ordinal) for h in hits[:2]] == [(1, 3), (3, 1)]
    assert spans(hits[:2]) == ["train", "train"]  # "train" as a word, then inside "training"
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_one_hit_per_segment_and_limit(index: SegmentIndex) -> None:
    hits = index.search("licensing")  # twice in source 1 segment 2
    assert len({h.segment_id for h in hits}) == len(hits)
    assert len(index.search("the", limit=2)) == 2
    assert index.search("the", limit=0) == []


def test_no_hits(index: SegmentIndex) -> None:
    assert index.search("qzxwv") == []
    assert index.search("   ") == []
    assert SegmentIndex.from_rows([]).search("anything") == []


def test_snippet_shows_the_hit_on_one_line() -> None:
    words = " ".join(f"word{i}" for i in range(60))
    long = f"{words}\nthe needle is here\n{words}"
    (hit,) = SegmentIndex.from_rows([(1, 1, 1, 5, long)]).search("needle")
    assert "needle" in hit.snippet and "\n" not in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 125
    assert (hit.start, hit.end) == (5 + long.index("needle"), 5 + long.index("needle") + 6)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcKUR éİ🙂ß.,-_1", min_size=1, max_size=40), min_size=1, max_size=5
    ),
    st.data(),
)
def test_any_substring_is_found_exactly(parts: list[str], data: st.DataObject) -> None:
    parts = [" ".join(p.split()) or "x" for p in parts]
    source = "\n\n".join(parts)
    rows, start = [], 0
    for ordinal, part in enumerate(parts, start=1):
        rows.append((7, ordinal, ordinal, start, part))
        start += len(part) + 2
    which = data.draw(st.integers(0, len(parts) - 1))
    part = parts[which]
    a = data.draw(st.integers(0, len(part) - 1))
    b = data.draw(st.integers(a + 1, len(part)))
    query = part[a:b].strip()
    if not query:
        return
    hits = SegmentIndex.from_rows(rows).search(query, limit=10)
    exact = [h for h in hits if h.score == 100]
    assert exact
    for hit in exact:
        assert source[hit.start : hit.end].lower() == query.lower()
    assert which + 1 in {h.ordinal for h in exact} or len(exact) == 10


def test_from_session_on_an_imported_project(project: Path) -> None:
    with Project.open(project) as store, store.read() as session:
        index = SegmentIndex.from_session(session)
        source_text = session.connection().execute(text("SELECT text FROM source")).scalar_one()
        bounds = {
            r[0]: (r[1], r[2])
            for r in session.connection().execute(text('SELECT id, start, "end" FROM segment'))
        }
    assert len(index) == len(bounds) == 4
    (hit,) = index.search("café")  # after an emoji in the same turn
    assert source_text[hit.start : hit.end] == "café"
    assert hit.ordinal == 2
    first, last = bounds[hit.segment_id]
    assert first <= hit.start < hit.end <= last
    assert "café owners" in hit.snippet
    hits = index.search("trainig and coachng")
    assert hits and hits[0].segment_id == hit.segment_id
    assert source_text[hits[0].start : hits[0].end].lower() == "training and coaching"
