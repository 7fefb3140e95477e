"""Benchmarks of the code picker and segment search on seeded synthetic data (``make bench``).

Each benchmark records its median in exports/bench/results.json (see bench_results.py):
``{"name", "median_s", "limit_s", "ratio", "n", "runs", "machine"}``, ratio = median / limit.
"""

from __future__ import annotations

import itertools
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import bench_results
import pytest

from qualcode.analysis.search import CodeMatcher, SegmentIndex

N_CODES = 1_000
N_SEGMENTS = 200_000
WORDS_PER_SEGMENT = 40
CODE_LIMIT_S = 0.100
SEARCH_LIMIT_S = 0.300

FUNCTION_WORDS = (
    "the and of to a in we i it is that for they was not but with on at so have this are you "
    "my from there our by be as do what when if no can about them one all more or their"
).split()
# Words of the study, placed at ranks from common to rare so queries hit realistic lists.
DOMAIN_WORDS = {
    120: "training",
    400: "session",
    900: "credit",
    1_500: "collateral",
    3_000: "licensing",
    8_000: "kur",
    12_000: "permit",
}
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwyz" for v in "aeiou"] + ["ng", "an", "er", "in"]


def record(name: str, times: list[float], limit_s: float | None, n: int) -> float:
    """Record the median of ``times`` in exports/bench/results.json and return it."""
    median = statistics.median(times)
    bench_results.record(name, median, limit_s=limit_s, n=n, runs=len(times))
    return median


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Function words first, then pronounceable made-up words, with the study's words placed."""
    words = list(FUNCTION_WORDS)
    seen = set(words) | set(DOMAIN_WORDS.values())
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 3, 4, 5))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    for rank, word in sorted(DOMAIN_WORDS.items()):
        words.insert(rank, word)
    return words[:size]


# --- the code picker -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    id: int
    path: str
    name: str
    keywords: tuple[str, ...]
    brief: str
    definition: str


def synthetic_codebook(rng: random.Random) -> list[Code]:
    """1,000 codes: 10 top-level codes, 9 below each, 10 below each of those."""
    words = vocabulary(rng, 5_000)[len(FUNCTION_WORDS) :]

    def phrase(k: int) -> str:
        return " ".join(rng.choices(words, k=k))

    codes: list[Code] = []

    def add(parent: str | None, name: str) -> str:
        path = f"{parent}/{name}" if parent else name
        keywords = tuple(phrase(rng.choice((1, 1, 2))) for _ in range(rng.randint(5, 8)))
        definition = phrase(rng.randint(40, 60))
        codes.append(Code(len(codes) + 1, path, name, keywords, phrase(10), definition))
        return path

    for _ in range(10):
        top = add(None, phrase(1).capitalize())
        for _ in range(9):
            middle = add(top, phrase(rng.randint(2, 4)).capitalize())
            for _ in range(10):
                add(middle, phrase(rng.randint(2, 4)).capitalize())
    assert len(codes) == N_CODES
    return codes


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + "x" + word[i:]


def test_bench_code_picker() -> None:
    rng = random.Random(1)
    codes = synthetic_codebook(rng)
    t0 = time.perf_counter()
    matcher = CodeMatcher(codes)
    print(f"\nCodeMatcher built over {len(codes)} codes in {time.perf_counter() - t0:.3f} s")
    typed = {}  # a typo'd word of the parent's name and of the code's own name -> the code
    for code in rng.sample(codes, 30):
        parent = code.path.split("/")[-2] if "/" in code.path else code.name
        first = typo(rng, parent.split()[0].lower())
        typed[f"{first} {typo(rng, code.name.split()[-1].lower())}"] = code.path
    found = sum(path in [m.path for m in matcher.search(q, 10)] for q, path in typed.items())
    print(f"{found} of {len(typed)} typed queries have their code in the top 10")
    assert found >= 0.8 * len(typed)
    queries = [*typed, "a", "tra", "se"]

    def search(query: str) -> None:
        matcher.search(query)

    times = [t for q in queries for t in timed(partial(search, q), 3)]
    median = record("search.code_picker", times, CODE_LIMIT_S, len(codes))
    assert median < CODE_LIMIT_S


# --- search across segments ----------------------------------------------------------------------


def synthetic_rows(rng: random.Random) -> list[tuple[int, int, int, int, str]]:
    """200,000 segments of 40 words, Zipf-distributed over 50,000 words; 1% with non-ASCII."""
    words = vocabulary(rng, 50_000)
    cum = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))
    stream = rng.choices(words, cum_weights=cum, k=N_SEGMENTS * WORDS_PER_SEGMENT)
    rows = []
    per_source = 500
    start = 0
    for i in range(N_SEGMENTS):
        chunk = stream[i * WORDS_PER_SEGMENT : (i + 1) * WORDS_PER_SEGMENT]
        if i % 100 == 7:
            chunk[3] = "café 🙂"
        text = "Speaker: " + " ".join(chunk).capitalize() + "."
        if i % per_source == 0:
            start = 0
        rows.append((i // per_source + 1, i + 1, i % per_source + 1, start, text))
        start += len(text) + 2
    return rows


QUERIES = {
    "exact_word": "training",
    "exact_phrase": "the training",
    "part_of_word": "licens",
    "typo": "licencing",
    "two_words": "KUR credit",
    "two_typos": "trainng sesion",
    "no_hit": "qzxwvq",
    # the hard cases: typos of the most common words; a phrase of common words found nowhere
    # (the text is scanned); a long query
    "common_typos": "thy thre",
    "phrase_scan": "training training",
    "long_query": "we dont hve the training for the sesion at all in my villag",
}


@pytest.fixture(scope="module")
def index() -> SegmentIndex:
    rows = synthetic_rows(random.Random(2))
    t0 = time.perf_counter()
    built = SegmentIndex.from_rows(rows)
    build = time.perf_counter() - t0
    print(f"\nSegmentIndex built over {len(rows)} segments in {build:.2f} s")
    record("search.segments.build", [build], None, len(rows))  # once per project, off the UI
    return built


@pytest.mark.parametrize("kind", list(QUERIES))
def test_bench_segment_search(index: SegmentIndex, kind: str) -> None:
    query = QUERIES[kind]
    hits = index.search(query)
    print(f"\n{query!r}: {len(hits)} hits, best {hits[0].score if hits else None}")
    assert hits or kind in ("no_hit", "long_query")
    times = timed(lambda: index.search(query), 7)
    median = record(f"search.segments.{kind}", times, SEARCH_LIMIT_S, len(index))
    assert median < SEARCH_LIMIT_S
