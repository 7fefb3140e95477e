"""Keyword in context: every hit, typo-tolerant, with context, informant, role, segment, codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import run

from qualcode.analysis.kwic import kwic
from qualcode.analysis.suggestions import corpus as corpus_module
from qualcode.storage.project import Project


def coded_project(project: Path, workdir: Path) -> Path:
    rows = "source,segment,start,end,code,coder,magnitude,memo\n"
    rows += "ratna,,114,122,Empowering/Training and coaching,ana,,\n"
    (workdir / "codings.csv").write_text(rows, encoding="utf-8")
    assert run("codings", "import", str(workdir / "codings.csv"), db=project).exit_code == 0
    return project


def test_every_hit_with_its_context_and_codes(project: Path, workdir: Path) -> None:
    coded_project(project, workdir)
    with Project.open(project) as p, p.read() as s:
        hits = kwic(s, "trainng", width=12)  # a typo still finds "training"
        source_text = s.connection().exec_driver_sql("SELECT text FROM source").scalar_one()
    assert len(hits) == 1
    h = hits[0]
    assert source_text[h.start : h.end] == "training" == h.keyword
    assert (h.left, h.right) == ("We run", "and coaching")  # context stays in the segment
    assert (h.informant, h.role, h.ordinal, h.codes) == (
        "Ratna Kurniasih", "official", 2, ("Empowering/Training and coaching",)
    )  # fmt: skip
    assert h.score < 100


def test_a_phrase_is_found_where_its_words_follow_each_other(project: Path) -> None:
    with Project.open(project) as p, p.read() as s:
        assert [h.keyword for h in kwic(s, "training and coaching")] == ["training and coaching"]
        assert kwic(s, "coaching training") == []
        assert [(h.keyword, h.score) for h in kwic(s, "COACHING")] == [("coaching", 100.0)]


def test_kwic_cli_formats(project: Path, workdir: Path) -> None:
    coded_project(project, workdir)
    md = run("kwic", "training", "--format", "md", db=project).stdout
    assert md.splitlines()[0] == "## Keyword in context: training"
    assert "| ratna | Ratna Kurniasih | official | 2 |" in md
    rows = list(
        csv.reader(io.StringIO(run("kwic", "training", "--format", "csv", db=project).stdout))
    )
    assert rows[0] == ["source", "informant", "role", "segment", "left", "keyword", "right",
                       "codes", "score"]  # fmt: skip
    assert rows[1][5] == "training" and rows[1][7] == "Empowering/Training and coaching"
    value = json.loads(run("kwic", "training", "--format", "json", db=project).stdout)
    assert value["term"] == "training" and value["hits"][0]["segment"] == 2
    bad = run("kwic", "...", db=project)
    assert bad.exit_code == 1 and "has no word to look for" in bad.stderr


def test_a_project_searched_a_shard_at_a_time_gives_the_same_hits(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large project is read a shard of sources at a time: the same hits, in the same order,
    with the same context and codes, as one corpus; a word only one shard holds still found."""
    terms = ["training", "licencing", "capital", "bank", "village head", "packaging"]
    with Project.open(demo_db) as p, p.read() as s:
        whole = {t: kwic(s, t) for t in terms}
        monkeypatch.setattr(corpus_module, "SHARD_SEGMENTS", 20)
        assert len(list(corpus_module.shards(s, counted=False))) > 2
        for t in terms:
            assert kwic(s, t) == whole[t], t
    assert all(whole[t] for t in terms)
    assert any(h.codes for hits in whole.values() for h in hits)
