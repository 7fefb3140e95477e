"""``kwic TERM``: keyword in context, a concordance of a word or phrase across the sources."""

from __future__ import annotations

from typing import Any

import click

from qualcode.cli.common import format_option, open_project
from qualcode.cli.export import (
    DISPLAY_FORMATS,
    output_option,
    pseudonymize_option,
    write_export,
)


@click.command()
@click.argument("term")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=80.0,
    show_default=True,
    help="How close a word must be to the term's (rapidfuzz ratio; 100: exact, ignoring case).",
)
@click.option(
    "--width", type=click.IntRange(5, 500), default=40, show_default=True, help="Context chars."
)
@format_option(DISPLAY_FORMATS)
@output_option
@pseudonymize_option
@click.pass_context
def kwic(
    ctx: click.Context,
    term: str,
    sources: tuple[str, ...],
    min_score: float,
    width: int,
    fmt: str,
    output: str | None,
    pseudonymize: bool,
) -> None:
    """Every occurrence of TERM (a word or phrase, typos tolerated) with its context, informant,
    role, segment and the codes already applied over it."""
    from qualcode.analysis.kwic import kwic as concordance
    from qualcode.exchange.pseudonyms import pseudonymizer_for
    from qualcode.storage.sources import source_ids as resolve_sources

    with open_project(ctx) as project, project.read() as s:
        wanted = resolve_sources(s, sources)
        hits = concordance(s, term, min_score=min_score, width=width, source_ids=wanted)
        names = pseudonymizer_for(s) if pseudonymize else None
    write_export(
        [kwic_table(term, hits, min_score)],
        fmt,
        output,
        f"{len(hits)} hits of '{term}'",
        names=names,
        json_value={"term": term, "min_score": min_score, "hits": [_json(h) for h in hits]},
        default_name=f"kwic-{term}",
        width=max(48, width),
    )


def kwic_table(term: str, hits: list[Any], min_score: float) -> Any:
    from qualcode.exchange.tables import DisplayRow, DisplayTable

    rows = [
        DisplayRow(
            h.source,
            [
                h.informant,
                h.role,
                h.ordinal,
                h.left,
                h.keyword,
                h.right,
                "; ".join(h.codes),
                h.score,
            ],
        )
        for h in hits
    ]
    sources = len({h.source for h in hits})
    return DisplayTable(
        title=f"Keyword in context: {term}",
        row_dimension="source",
        columns=["informant", "role", "segment", "left", "keyword", "right", "codes", "score"],
        rows=rows,
        notes=[
            f"{len(hits)} hit(s) in {sources} source(s); words within rapidfuzz ratio "
            f"{min_score:g} of the term's count (score 100: as typed, ignoring case)."
        ],
    )


def _json(h: Any) -> dict[str, Any]:
    return {
        "source": h.source,
        "informant": h.informant,
        "role": h.role,
        "segment": h.ordinal,
        "start": h.start,
        "end": h.end,
        "left": h.left,
        "keyword": h.keyword,
        "right": h.right,
        "codes": list(h.codes),
        "score": h.score,
    }


COMMANDS = [kwic]
