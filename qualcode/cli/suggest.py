"""``suggest``: suggested codings, and how good they are (``--evaluate``)."""

from __future__ import annotations

from typing import Any

import click

from qualcode.cli.common import FORMATS, current_user, emit, format_option, open_project


def coder_option(f: Any) -> Any:
    return click.option(
        "--coder",
        envvar="QUALCODE_CODER",
        help="Whose suggestions (env QUALCODE_CODER; default: the config's coder or your user).",
    )(f)


def resolve_coder(coder: str | None) -> str:
    from qualcode.tui.config import load_config

    return coder or load_config().coder or current_user()


@click.command()
@coder_option
@click.option(
    "--code", "codes", multiple=True, help="Only this code, by path or name (repeatable)."
)
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=75.0,
    show_default=True,
    help="Lowest score (0-100) suggested.",
)
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="0: all.")
@click.option(
    "--evaluate",
    is_flag=True,
    help="Hold out part of the coder's codings and report precision, recall and F1.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the --evaluate split."
)
@click.option(
    "--exemplars",
    "fraction",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Share of each code's codings used as exemplars by --evaluate (the rest held out).",
)
@click.option(
    "--max-exemplars",
    type=click.IntRange(0),
    default=100,
    show_default=True,
    help="Each code's N most recent codings by the coder are its exemplars (0: all; the work "
    "grows with their number).",
)
@format_option(FORMATS)
@click.pass_context
def suggest(
    ctx: click.Context,
    coder: str | None,
    codes: tuple[str, ...],
    sources: tuple[str, ...],
    threshold: float,
    limit: int,
    evaluate: bool,
    seed: int,
    fraction: float,
    max_exemplars: int,
    fmt: str,
) -> None:
    """Suggested codings for a coder, best first, from each code's keywords, example and the
    coder's codings; accept or reject them in the app's Suggestions queue (key S)."""
    from qualcode.analysis import suggestions
    from qualcode.storage.codes import resolve_code
    from qualcode.storage.sources import source_ids as resolve_sources

    who = resolve_coder(coder)
    most = max_exemplars or None
    with open_project(ctx) as project, project.read() as s:
        code_ids = [int(resolve_code(s, c).id or 0) for c in codes] or None
        source_ids = resolve_sources(s, sources)
        if evaluate:
            if sources:
                raise click.UsageError("--evaluate measures the whole project; drop --source")
            result = suggestions.evaluate(
                s,
                who,
                threshold=threshold,
                seed=seed,
                fraction=fraction,
                code_ids=code_ids,
                max_exemplars=most,
            )
            _emit_evaluation(result, fmt)
            return
        found = suggestions.suggest(
            s,
            who,
            code_ids=code_ids,
            source_ids=source_ids,
            threshold=threshold,
            limit=limit or None,
            max_exemplars=most,
        )
        names = _names(s)
        coders = _coders_with_codings(s)
    if who not in coders:  # a typo in --coder would silently drop every exemplar
        known = ", ".join(sorted(coders)) or "none yet"
        click.echo(
            f"note: coder '{who}' has no codings, so the suggestions come from the codebook "
            f"alone (coders with codings: {known})",
            err=True,
        )
    shown = found
    rows = [
        {
            "source": names["source"][g.source_id],
            "segment": g.ordinal,
            "code": names["code"][g.code_id],
            "score": g.score,
            "cue": g.cue.label,
            "matched": g.matched,
        }
        for g in shown
    ]
    emit(rows, fmt, ["source", "segment", "code", "score", "cue", "matched"])
    if fmt == "table":
        more = f" (showing {len(shown)}; --limit 0 for all)" if len(shown) < found.total else ""
        click.echo(f"\n{found.total} suggestions for {who} at threshold {threshold:g}{more}")


def _coders_with_codings(session: Any) -> set[str]:
    from sqlalchemy import text

    sql = "SELECT DISTINCT k.name FROM coder k JOIN coding c ON c.coder_id = k.id"
    return set(session.connection().execute(text(sql)).scalars())


def _names(session: Any) -> dict[str, dict[int, str]]:
    from sqlalchemy import text

    conn = session.connection()
    return {
        "source": dict(conn.execute(text("SELECT id, name FROM source")).all()),
        "code": dict(conn.execute(text("SELECT id, path FROM code")).all()),
    }


def _emit_evaluation(result: Any, fmt: str) -> None:
    def row(score: Any) -> dict[str, Any]:
        def pct(v: float | None) -> float | None:
            return None if v is None else round(v, 3)

        return {
            "code": score.path,
            "exemplars": score.exemplars,
            "held_out": score.held_out,
            "suggested": score.suggested,
            "hits": score.hits,
            "precision": pct(score.precision),
            "recall": pct(score.recall),
            "f1": pct(score.f1),
        }

    rows = [row(c) for c in result.codes] + [row(result.overall)]
    if fmt == "json":
        value = {
            "coder": result.coder,
            "threshold": result.threshold,
            "seed": result.seed,
            "exemplar_share": result.fraction,
            "codes": rows[:-1],
            "overall": rows[-1],
        }
        emit(rows, fmt, json_value=value)
        return
    emit(rows, fmt)
    if fmt == "table":
        click.echo(
            f"\ncoder {result.coder}, threshold {result.threshold:g}, seed {result.seed}, "
            f"{result.fraction:g} of each code's codings as exemplars; precision and recall "
            "over segments (overall: counts summed over codes)"
        )


COMMANDS = [suggest]
