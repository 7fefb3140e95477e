"""A seeded synthetic study for the scale benchmarks: transcripts, informants, codebook, codings.

Independent of qualcode (it writes files only), so the same corpus can be fed to qualcode and to
a peer tool. The shape follows a real interview study:

- interviews of about 5,000 words (4,000-6,000), speaker-labelled turns, one per line with a blank
  line between (``[hh:mm:ss] Name: text``): short interviewer questions, longer answers, some
  back-channel turns; words drawn from a Zipf-distributed vocabulary with the study's words in it;
- one informant per interview, in three roles, with attributes (gender, district, interview date);
- a hierarchical codebook of 6 themes (grouping categories) with 6 sub-codes each: 42 codes, a
  magnitude scale -2..+2 used by the four evaluative themes;
- about 20% of the segments coded by the first coder, 1-4 sub-codes each (mostly of one theme),
  always the whole turn; a second coder codes every fourth source too, mostly the same segments
  and codes, some different.

Scales: **S** 200 transcripts, **M** 1,000 transcripts, **L** as many as give 1,000,000 codings
(about 7,000). Transcript ``i`` is the same at every scale (seeded by its number), so S is the
first 200 transcripts of M. A scale is generated once and kept under
``exports/bench/cache/<version>/<scale>/``; ``manifest.json`` is written last and marks it done.

Run ``python corpus.py S M`` to generate (or just see) the corpora.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

VERSION = "corpus-v1"  # bump when the shape changes: the cache is keyed by it
SEED = 2026
REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "exports" / "bench" / "cache" / VERSION
SCALES = {"S": {"transcripts": 200}, "M": {"transcripts": 1_000}, "L": {"codings": 1_000_000}}

ROLES = ("official", "msme actor", "expert")
ROLE_WEIGHTS = (0.25, 0.6, 0.15)
ROLE_LEAN = {"official": 0.9, "msme actor": -0.8, "expert": 0.0}  # magnitude leaning
CODERS = ("ana", "ben")
SECOND_CODER_EVERY = 4  # the second coder codes every 4th source: a quarter overlap
CODED_SHARE = 0.20  # of all segments, coded by the first coder

THEMES = {
    "Enabling": (
        "Programme design",
        "Motivation",
        "Priorities and planning",
        "Information reaching actors",
        "Community involvement",
        "Local potential",
    ),
    "Empowering": (
        "Training and coaching",
        "Business assistants",
        "Equipment and facilities",
        "Legality and permits",
        "Marketing support",
        "Product development",
    ),
    "Protecting": (
        "Capital and credit",
        "Fair competition",
        "Continuity of support",
        "Safeguards for weak businesses",
        "Price protection",
        "Partnerships",
    ),
    "Obstacles": (
        "Access to capital",
        "Access to information",
        "Bureaucracy",
        "Infrastructure",
        "Skills gaps",
        "Market access",
    ),
    "Outcomes": (
        "Income change",
        "Employment",
        "Business growth",
        "Self reliance",
        "Household welfare",
        "Community change",
    ),
    "Context": (
        "Family business",
        "Seasonality",
        "Local culture",
        "Government relations",
        "Competition from outside",
        "Digital tools",
    ),
}
EVALUATIVE = ("Enabling", "Empowering", "Protecting", "Outcomes")  # carry a magnitude

FUNCTION_WORDS = (
    "the and of to a in we i it is that for they was not but with on at so have this are you "
    "my from there our by be as do what when if no can about them one all more or their yes "
    "because then very just also only like know think people time here still other some"
).split()
STUDY_WORDS = (
    "training business programme department capital credit market product village permit "
    "licence assistant cooperative packaging batik cracker collateral bank office group price "
    "income family workshop season buyer seller subsidy quota subdistrict district official"
).split()
SYLLABLES = [c + v for c in "bdgjklmnprstwy" for v in "aiueo"]
FIRST = ("Siti", "Ratna", "Dewi", "Agus", "Budi", "Hadi", "Nur", "Sri", "Eko", "Rudi", "Ani")
BACKCHANNEL = ("Yes.", "I see.", "Mm-hm.", "Right.", "Okay.", "Go on.", "Really?")


@dataclass(frozen=True)
class Coding:
    source: str
    segment: int  # 1-based ordinal of the turn; the coding covers the whole turn
    code: str  # path, "Theme/Sub-code"
    coder: str
    magnitude: int | None


@dataclass
class Transcript:
    name: str  # the source name (file stem)
    informant: str
    speaker: str  # the informant's speaker label in the text
    role: str
    attributes: dict[str, str]
    text: str
    turns: int
    words: int
    codings: list[Coding]


def code_paths() -> list[str]:
    return [f"{t}/{s}" for t, subs in THEMES.items() for s in subs]


def slug(name: str) -> str:
    """A code's name as the peer accepts it (letters, digits, ``_`` and ``-``)."""
    return name.lower().replace(" ", "_")


class Vocabulary:
    """Function words first, then the study's words, then made-up words; Zipf weights."""

    def __init__(self, size: int = 6_000) -> None:
        rng = random.Random(SEED)
        words = list(FUNCTION_WORDS)
        seen = set(words) | set(STUDY_WORDS)
        while len(words) < size - len(STUDY_WORDS):
            word = "".join(rng.choices(SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 4))))
            if word not in seen:
                seen.add(word)
                words.append(word)
        for rank, word in enumerate(STUDY_WORDS):  # spread from common to rare
            words.insert(80 + rank * 60, word)
        self.words = words
        self.cum = list(itertools.accumulate(1 / (r + 1) ** 1.07 for r in range(len(words))))

    def sentence(self, rng: random.Random, n: int) -> str:
        text = " ".join(rng.choices(self.words, cum_weights=self.cum, k=n))
        return text[:1].upper() + text[1:] + rng.choice(".....?")


def informant_name(i: int) -> tuple[str, str]:
    """A unique two-word name for informant ``i`` (its first name is its speaker label)."""
    first = FIRST[i % len(FIRST)]
    rest, syllables = i, []
    for _ in range(3):
        rest, k = divmod(rest, len(SYLLABLES))
        syllables.append(SYLLABLES[k])
    family = "".join(syllables).capitalize() + (str(rest) if rest else "")
    return f"{first} {family}", first


def transcript(i: int, vocab: Vocabulary) -> Transcript:
    """Transcript number ``i`` (from 1), its informant and its codings; seeded by ``i``."""
    rng = random.Random(SEED * 1_000_003 + i)
    name, speaker = informant_name(i)
    role = rng.choices(ROLES, weights=ROLE_WEIGHTS)[0]
    attributes = {
        "gender": rng.choice(("female", "male")),
        "district": f"District {1 + i % 12}",
        "interview_date": f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}",
    }
    target = rng.randint(4_000, 6_000)
    lines, words, seconds, informant_turns = [], 0, rng.randint(2, 20), []
    while words < target:
        k = len(lines)
        who = "INTERVIEWER" if k % 2 == 0 else speaker
        if who == "INTERVIEWER":
            n = rng.randint(6, 25)
            said = vocab.sentence(rng, n)
        elif rng.random() < 0.1:
            n, said = 1, rng.choice(BACKCHANNEL)
        else:
            sentences = [vocab.sentence(rng, rng.randint(6, 22)) for _ in range(rng.randint(1, 4))]
            said = " ".join(sentences)
            n = said.count(" ") + 1
            informant_turns.append(k + 1)
        h, rem = divmod(seconds, 3600)
        lines.append(f"[{h:02d}:{rem // 60:02d}:{rem % 60:02d}] {who}: {said}")
        words += n
        seconds += 2 + n // 2
    source = f"interview-{i:05d}"
    text = "\n\n".join(lines) + "\n"
    return Transcript(
        source,
        name,
        speaker,
        role,
        attributes,
        text,
        len(lines),
        words,
        _codings(rng, source, role, len(lines), informant_turns, i),
    )


def _codings(
    rng: random.Random, source: str, role: str, turns: int, answers: list[int], i: int
) -> list[Coding]:
    """The first coder codes ~20% of all segments (answers only); the second coder codes every
    4th source, agreeing on most segments and codes."""
    themes = list(THEMES)
    n = min(len(answers), round(turns * CODED_SHARE))
    chosen = sorted(rng.sample(answers, n))
    lean = ROLE_LEAN[role]
    out: list[Coding] = []

    def codes_for(segment: int) -> list[str]:
        theme = rng.choice(themes)
        k = rng.choices((1, 2, 3, 4), weights=(30, 40, 20, 10))[0]
        picked = set()
        while len(picked) < k:
            t = theme if rng.random() < 0.75 else rng.choice(themes)
            picked.add(f"{t}/{rng.choice(THEMES[t])}")
        return sorted(picked)

    def magnitude(path: str) -> int | None:
        if path.split("/")[0] not in EVALUATIVE:
            return None
        return max(-2, min(2, round(rng.gauss(lean * 1.5, 1.0))))

    first: dict[int, list[str]] = {}
    for segment in chosen:
        first[segment] = codes_for(segment)
        out += [Coding(source, segment, c, CODERS[0], magnitude(c)) for c in first[segment]]
    if i % SECOND_CODER_EVERY == 0:
        for segment in chosen:
            if rng.random() < 0.12:
                continue  # a segment the second coder left uncoded
            codes = [c for c in first[segment] if rng.random() < 0.8] or codes_for(segment)
            if rng.random() < 0.2:
                codes = sorted(set(codes) | set(codes_for(segment)[:1]))
            out += [Coding(source, segment, c, CODERS[1], magnitude(c)) for c in codes]
        extra = [a for a in answers if a not in first]
        for segment in rng.sample(extra, min(len(extra), max(1, n // 10))):
            out += [Coding(source, segment, c, CODERS[1], magnitude(c)) for c in codes_for(0)]
    return out


# --- writing a scale ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """A generated scale on disk."""

    scale: str
    root: Path

    @property
    def transcripts(self) -> Path:
        return self.root / "transcripts"  # the .txt files and informants.yaml

    @property
    def codebook(self) -> Path:
        return self.root / "codebook.yaml"

    @property
    def codings(self) -> Path:
        return self.root / "codings.csv"  # source, segment, code, coder, magnitude

    @property
    def manifest(self) -> dict[str, object]:
        return json.loads((self.root / "manifest.json").read_text())

    def files(self) -> list[Path]:
        return sorted(self.transcripts.glob("*.txt"))


def generate(scale: str, cache: Path = CACHE) -> Corpus:
    """The corpus of ``scale``, generated unless a finished one is in the cache."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (one of {', '.join(SCALES)})")
    root = cache / scale
    corpus = Corpus(scale, root)
    if (root / "manifest.json").exists():
        return corpus
    started = time.perf_counter()
    tmp = cache / f".{scale}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "transcripts").mkdir(parents=True)
    (tmp / "codebook.yaml").write_text(codebook_yaml(), encoding="utf-8")
    vocab = Vocabulary()
    limit = SCALES[scale]
    totals = {"transcripts": 0, "words": 0, "segments": 0, "codings": 0}
    coded: set[tuple[str, int]] = set()
    informants: list[str] = ["informants:"]
    with (tmp / "codings.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("source", "segment", "code", "coder", "magnitude"))
        for i in itertools.count(1):
            if "transcripts" in limit and i > limit["transcripts"]:
                break
            t = transcript(i, vocab)
            codings = t.codings
            if "codings" in limit:
                codings = codings[: limit["codings"] - totals["codings"]]
            (tmp / "transcripts" / f"{t.name}.txt").write_text(t.text, encoding="utf-8")
            informants += [
                f"  - name: {t.informant}",
                f"    role: {t.role}",
                "    attributes: {"
                + ", ".join(f"{k}: '{v}'" for k, v in t.attributes.items())
                + "}",
                f"    files: [{t.name}.txt]",
            ]
            writer.writerows(
                (c.source, c.segment, c.code, c.coder, "" if c.magnitude is None else c.magnitude)
                for c in codings
            )
            coded.update((c.source, c.segment) for c in codings)
            totals["transcripts"] += 1
            totals["words"] += t.words
            totals["segments"] += t.turns
            totals["codings"] += len(codings)
            if "codings" in limit and totals["codings"] >= limit["codings"]:
                break
    (tmp / "transcripts" / "informants.yaml").write_text(
        "\n".join(informants) + "\n", encoding="utf-8"
    )
    manifest = {
        **totals,
        "coded_segments": len(coded),
        "codes": len(code_paths()) + len(THEMES),
        "coders": len(CODERS),
        "seed": SEED,
        "version": VERSION,
        "generated_in_s": round(time.perf_counter() - started, 1),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    return corpus


def codebook_yaml() -> str:
    lines = [
        "name: Bench study codebook",
        "description: Synthetic codebook of the scale benchmarks (tests/bench/corpus.py).",
        'version: "1"',
        "magnitude: {-2: strongly negative, -1: negative, 0: mixed, 1: positive, "
        "2: strongly positive}",
        "codes:",
    ]
    for theme, subs in THEMES.items():
        lines += [f"  - name: {theme}", "    codable: false", f"    brief: The {theme} theme."]
        lines.append("    codes:")
        for sub in subs:
            lines += [f"      - name: {sub}", f"        brief: {sub} ({theme.lower()})."]
    return "\n".join(lines) + "\n"


def read_codings(corpus: Corpus) -> list[Coding]:
    with corpus.codings.open(encoding="utf-8", newline="") as f:
        return [
            Coding(r["source"], int(r["segment"]), r["code"], r["coder"],
                   int(r["magnitude"]) if r["magnitude"] else None)
            for r in csv.DictReader(f)
        ]  # fmt: skip


if __name__ == "__main__":
    for name in sys.argv[1:] or ["S"]:
        c = generate(name)
        print(name, c.root, json.dumps(c.manifest))
