"""The HTML report in a real browser: its sorting script runs under its own
Content-Security-Policy, tables render, and a click on a heading sorts the rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import Browser, dump_dom
from conftest import run


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    db = folder / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    out = folder / "report.html"
    assert run("export", "html-report", "-o", str(out), db=db).exit_code == 0
    return out


def test_report_renders_its_tables_and_runs_its_script(report: Path, tmp_path: Path) -> None:
    dom = dump_dom(report.as_uri(), tmp_path / "profile")
    # The script ran (the CSP allowed it by its hash): it marks the page and every heading.
    assert '<html lang="en" data-sortable="ready">' in dom
    tables = re.findall(r"<table class=\"sortable\">.*?</table>", dom, re.S)
    assert len(tables) == 7
    assert 'aria-sort="none" tabindex="0"' in tables[0]
    assert "<caption>Conceptually clustered matrix" in tables[0]
    assert '<td class="num" data-value="6">6</td>' in tables[0]


ROWS = """
Array.from(document.querySelectorAll("table.sortable")[0].tBodies[0].rows)
  .map(r => [r.cells[0].textContent, r.cells[4].textContent])
"""


async def test_clicking_a_heading_sorts_the_table(report: Path) -> None:
    async with Browser() as browser:
        await browser.goto(report.as_uri())
        await browser.wait_until("document.documentElement.dataset.sortable === 'ready'")
        printed = await browser.evaluate(ROWS)
        assert [r[0] for r in printed][:2] == ["Hadi Sutrisno", "Komarudin"]
        click = 'document.querySelectorAll("table.sortable")[0].tHead.rows[0].cells[4].click()'
        await browser.evaluate(click)  # Obstacles, ascending
        ascending = await browser.evaluate(ROWS)
        values = [int(v) for _, v in ascending]
        assert values == sorted(values) and sorted(ascending) == sorted(printed)
        # Equal values keep the printed order (a stable sort).
        assert ascending[:2] == [["Kurnia Supartina", "2"], ["Slamet Riyanto", "2"]]
        await browser.evaluate(click)  # descending
        descending = await browser.evaluate(ROWS)
        assert [int(v) for _, v in descending] == sorted(values, reverse=True)
        state = 'document.querySelectorAll("table.sortable")[0].tHead.rows[0].cells[4]'
        assert await browser.evaluate(state + ".getAttribute('aria-sort')") == "descending"
        await browser.evaluate(click)  # back to the printed order
        assert await browser.evaluate(ROWS) == printed


async def test_hostile_report_runs_no_injected_script() -> None:
    """The golden report of tests/exchange (code names and transcripts carrying markup and
    scripts): in the browser the payloads are text and only the sorting script ran."""
    golden = Path(__file__).parent.parent / "exchange" / "golden_report" / "report.html"
    async with Browser() as browser:
        await browser.goto(golden.as_uri())
        await browser.wait_until("document.documentElement.dataset.sortable === 'ready'")
        assert await browser.evaluate("typeof window.pwned") == "undefined"
        assert await browser.evaluate("document.scripts.length") == 1
        assert await browser.evaluate("document.querySelectorAll('img, a[href^=http]').length") == 0
        body = await browser.evaluate("document.body.innerText")
        assert "<script>window.pwned=1</script>" in body
        assert "<img src=x onerror=alert('code')>" in body
