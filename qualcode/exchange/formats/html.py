"""HTML: one self-contained file that opens in any browser and pastes into a word processor.

Safety: every text is escaped (``html.escape``, quotes included), so a transcript line such as
``<script>`` or ``<img src=http://...>`` prints as itself. The page has no script, no link, no
image and no external resource of any kind -- its CSS is inline -- and a Content-Security-Policy
(``default-src 'none'``) forbids them anyway, should a viewer be tricked into adding one.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from qualcode.exchange.formats import clean_text, numeric_column, shown_labels
from qualcode.exchange.tables import DisplayTable, cell_text

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
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="qualcode">',
        f"<title>{text(title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
    ]
    for table in tables:
        out += _table(table)
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _table(table: DisplayTable) -> list[str]:
    numeric = [numeric_column(table, i) for i in range(len(table.columns))]
    out = ["<table>", f"<caption>{text(table.title)}</caption>", "<thead>", "<tr>"]
    out += [f'<th scope="col">{text(h)}</th>' for h in table.header()]
    out += ["</tr>", "</thead>", "<tbody>"]
    previous: str | None = None
    for row, label in zip(table.rows, shown_labels(table), strict=True):
        classes = []
        if row.subtotal:
            classes.append("subtotal")
        if table.meta.get("merge_labels") and previous is not None and row.label != previous:
            classes.append("group-start")
        previous = row.label
        attr = f' class="{" ".join(classes)}"' if classes else ""
        out.append(f"<tr{attr}>")
        out.append(f'<th scope="row">{text(label)}</th>')
        for value, num in zip(row.cells, numeric, strict=True):
            cls = ' class="num"' if num else ""
            out.append(f"<td{cls}>{text(cell_text(value))}</td>")
        out.append("</tr>")
    out += ["</tbody>", "</table>"]
    out += [f'<p class="note">{text(note)}</p>' for note in table.notes]
    return out
