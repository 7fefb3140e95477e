"""HTML: one self-contained file that opens in any browser and pastes into a word processor.

Safety: every text is escaped (``html.escape``, quotes included), so a transcript line such as
``<script>`` or ``<img src=http://...>`` prints as itself. The page has no script, no link, no
image and no external resource of any kind -- its CSS is inline -- and a Content-Security-Policy
(``default-src 'none'``) forbids them anyway, should a viewer be tricked into adding one. The one
exception is the HTML report's own table-sorting script (exchange/report.py): inline, and allowed
by its SHA-256 hash only, so a script injected into the text would still not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Sequence

from qualcode.exchange.formats import clean_text, numeric_column, shown_labels
from qualcode.exchange.tables import DisplayRow, DisplayTable, cell_text

CSP = "default-src 'none'; style-src 'unsafe-inline'"
STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #111; }
table { border-collapse: collapse; margin: 1.5em 0 0.5em; font-size: 0.92em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.4em; }
thead th { border-top: 2px solid #111; border-bottom: 1px solid #111; }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: 2px solid #111; }
th, td { padding: 0.25em 0.7em; text-align: left; vertical-align: top; }
th[scope=row] { font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.subtotal th, tr.subtotal td { font-weight: bold; border-top: 1px solid #999; }
tr.group-start th, tr.group-start td { border-top: 1px solid #bbb; }
p.note { font-size: 0.85em; margin: 0.2em 0; color: #333; }
""".strip()


def text(value: str) -> str:
    """Escaped text, line breaks as ``<br>``."""
    return "<br>".join(html.escape(line, quote=True) for line in clean_text(value).split("\n"))


def to_html(tables: Sequence[DisplayTable]) -> str:
    title = tables[0].title if len(tables) == 1 else "qualcode export"
    body: list[str] = []
    for table in tables:
        body += table_html(table)
    return page(title, body)


def page(title: str, body: list[str], style: str = STYLE, script: str | None = None) -> str:
    """A whole HTML document around ``body`` (lines of markup). ``script``, if any, is inline
    and the only script the Content-Security-Policy allows (by its hash): the page still loads
    nothing from anywhere."""
    csp = CSP if script is None else f"{CSP}; script-src '{script_hash(script)}'"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="qualcode">',
        f"<title>{text(title)}</title>",
        f"<style>\n{style}\n</style>",
        "</head>",
        "<body>",
        *body,
    ]
    if script is not None:
        out.append(f"<script>{script}</script>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def script_hash(script: str) -> str:
    """The CSP source for exactly this inline script (CSP Level 2 hash source)."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def table_html(table: DisplayTable, sortable: bool = False) -> list[str]:
    """One table. ``sortable`` (the HTML report): a ``sortable`` class for its script, one
    ``<tbody>`` per row group (sorting stays inside a group; its subtotal stays last), rows
    whose label is indented (negative evidence under its code) marked ``follow`` so they move
    with the row above, and numbers in ``data-value``."""
    numeric = [numeric_column(table, i) for i in range(len(table.columns))]
    out = ['<table class="sortable">' if sortable else "<table>"]
    out += [f"<caption>{text(table.title)}</caption>", "<thead>", "<tr>"]
    out += [f'<th scope="col">{text(h)}</th>' for h in table.header()]
    out += ["</tr>", "</thead>", "<tbody>"]
    previous: str | None = None
    lead: DisplayRow | None = None  # the last row that is not a follower
    # Sorted rows can change places: each carries its own label (no merged labels).
    labels = [r.label for r in table.rows] if sortable else shown_labels(table)
    for row, label in zip(table.rows, labels, strict=True):
        follow = sortable and row.label[:1].isspace()
        if sortable and not follow:
            if lead is not None and row.group != lead.group:
                out += ["</tbody>", "<tbody>"]
            lead = row
        classes = []
        if row.subtotal:
            classes.append("subtotal")
        if table.meta.get("merge_labels") and previous is not None and row.label != previous:
            classes.append("group-start")
        if follow:
            classes.append("follow")
        previous = row.label
        attr = f' class="{" ".join(classes)}"' if classes else ""
        out.append(f"<tr{attr}>")
        out.append(f'<th scope="row">{text(label)}</th>')
        for value, num in zip(row.cells, numeric, strict=True):
            cls = ' class="num"' if num else ""
            if sortable and isinstance(value, int | float) and not isinstance(value, bool):
                cls += f' data-value="{value!r}"'
            out.append(f"<td{cls}>{text(cell_text(value))}</td>")
        out.append("</tr>")
    out += ["</tbody>", "</table>"]
    out += [f'<p class="note">{text(note)}</p>' for note in table.notes]
    return out
