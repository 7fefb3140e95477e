"""The HTML report for a supervisor: the displays, the triangulation, the codebook and selected
quotes in one self-contained file that opens offline, with tables sortable by any column.

The tables are the ones ``qualcode matrix``, ``triangulate``, ``export codebook`` and
``export quotes`` print (same builders, same rules), rendered by formats/html.py. The file loads
nothing: CSS and the sorting script are inline, and its Content-Security-Policy allows that one
script by hash and nothing else. Same project, same bytes (no clock, no random ids).

Sorting (click a column heading, or Enter on it): ascending, descending, then back to the
printed order; numbers by value, missing cells (``—``) last; a row group (an informant role in
the role-ordered matrix) is sorted within itself with its subtotal last, and negative evidence
moves with its code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text as sql
from sqlmodel import Session

from qualcode.exchange.formats.html import STYLE, page, table_html, text
from qualcode.exchange.tables import DisplayTable

REPORT_STYLE = (
    STYLE
    + """
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #999; }
nav ol { padding-left: 1.4em; }
p.lead { color: #333; }
table.sortable thead th { cursor: pointer; user-select: none; white-space: nowrap; }
table.sortable thead th::after { content: " \\2195"; color: #999; font-size: 0.8em; }
table.sortable thead th[aria-sort=ascending]::after { content: " \\2191"; color: #111; }
table.sortable thead th[aria-sort=descending]::after { content: " \\2193"; color: #111; }
tr.follow th, tr.follow td { color: #444; font-size: 0.92em; }
@media print { nav, table.sortable thead th::after { display: none; } }
""".rstrip()
)

# Kept small and dependency-free; it never writes markup (rows are moved, text is not touched).
SORT_SCRIPT = """
(function () {
  "use strict";
  function key(row, column) {
    var cell = row.cells[column];
    if (!cell) { return { missing: true }; }
    var value = cell.getAttribute("data-value");
    if (value !== null) { return { number: parseFloat(value) }; }
    var label = cell.textContent.trim();
    return label === "" || label === "\\u2014" ? { missing: true } : { text: label };
  }
  function compare(a, b) {
    if (a.missing || b.missing) { return (a.missing ? 1 : 0) - (b.missing ? 1 : 0); }
    if (a.number !== undefined && b.number !== undefined) { return a.number - b.number; }
    var x = a.number !== undefined ? String(a.number) : a.text;
    var y = b.number !== undefined ? String(b.number) : b.text;
    return x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
  }
  function blocks(body) {
    var out = [], fixed = [];
    Array.prototype.forEach.call(body.rows, function (row, i) {
      if (!row.hasAttribute("data-order")) { row.setAttribute("data-order", String(i)); }
      if (row.classList.contains("subtotal")) { fixed.push(row); }
      else if (row.classList.contains("follow") && out.length) { out[out.length - 1].push(row); }
      else { out.push([row]); }
    });
    return { blocks: out, fixed: fixed };
  }
  function sortTable(table, column, direction) {
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var parts = blocks(body);
      parts.blocks.sort(function (a, b) {
        if (direction === "none") {
          return parseInt(a[0].getAttribute("data-order"), 10) -
            parseInt(b[0].getAttribute("data-order"), 10);
        }
        var ka = key(a[0], column), kb = key(b[0], column);
        var order = compare(ka, kb);
        if (direction === "descending" && !ka.missing && !kb.missing) { order = -order; }
        return order || parseInt(a[0].getAttribute("data-order"), 10) -
          parseInt(b[0].getAttribute("data-order"), 10);
      });
      parts.blocks.forEach(function (block) {
        block.forEach(function (row) { body.appendChild(row); });
      });
      parts.fixed.forEach(function (row) { body.appendChild(row); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (head, column) {
      head.setAttribute("aria-sort", "none");
      head.setAttribute("tabindex", "0");
      head.setAttribute("title", "Sort by this column");
      function sort() {
        var next = { none: "ascending", ascending: "descending", descending: "none" };
        var direction = next[head.getAttribute("aria-sort")] || "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        head.setAttribute("aria-sort", direction);
        sortTable(table, column, direction);
      }
      head.addEventListener("click", sort);
      head.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });
  document.documentElement.setAttribute("data-sortable", "ready");
})();
""".strip()


@dataclass
class Section:
    anchor: str  # fixed ids only: nothing from the data goes into an attribute
    title: str
    lead: str
    tables: list[DisplayTable] = field(default_factory=list)


def build_report(
    session: Session, quotes_per_code: int = 3, pseudonymize: bool = False
) -> list[Section]:
    """The report's sections, built by the same code as the CLI's displays and exports."""
    from qualcode.analysis.displays import DisplaySpec, build_display
    from qualcode.analysis.triangulation import summary_table, triangulate
    from qualcode.exchange.codebook_appendix import codebook_table
    from qualcode.exchange.quotes import quote_table

    displays = [
        build_display(session, DisplaySpec(kind="clustered", pseudonymize=pseudonymize)),
        build_display(session, DisplaySpec(kind="role", pseudonymize=pseudonymize)),
        build_display(session, DisplaySpec(kind="method", pseudonymize=pseudonymize)),
    ]
    triangulation = [
        summary_table(triangulate(session, by=by), pseudonymize=pseudonymize)
        for by in ("role", "kind")
    ]
    codebook = codebook_table(session)
    has_codings = session.connection().execute(sql("SELECT 1 FROM coding LIMIT 1")).first()
    quotes = [quote_table(session, (), quotes_per_code, None, pseudonymize)] if has_codings else []
    return [
        Section(
            "displays",
            "Data displays",
            "Miles–Huberman matrices: informants × codes, informants by role, and codes × "
            "method (source kind). Cells count coded segments.",
            displays,
        ),
        Section(
            "triangulation",
            "Triangulation",
            "Each code compared across informant groups, then across methods: informants who "
            "mention it, codings, mean magnitude, convergence, and the negative evidence.",
            triangulation,
        ),
        Section(
            "codebook",
            "Codebook",
            "Every code with its definition, when to use and not to use it, and an example.",
            [codebook] if codebook.rows else [],
        ),
        Section(
            "quotes",
            "Selected quotes",
            f"Up to {quotes_per_code} quotes per code, the most telling first, across "
            "informants and roles.",
            quotes,
        ),
    ]


def report_html(title: str, sections: list[Section], summary: str = "") -> str:
    """The report as one HTML document."""
    body = [f"<h1>{text(title)}</h1>"]
    if summary:
        body.append(f'<p class="lead">{text(summary)}</p>')
    body.append(
        '<p class="lead">Click a column heading to sort the table by it (again: descending, a '
        "third time: as printed).</p>"
    )
    body.append("<nav><ol>")
    body += [f'<li><a href="#{s.anchor}">{text(s.title)}</a></li>' for s in sections]
    body.append("</ol></nav>")
    for section in sections:
        body.append(f'<section id="{section.anchor}">')
        body.append(f"<h2>{text(section.title)}</h2>")
        body.append(f'<p class="lead">{text(section.lead)}</p>')
        if not section.tables:
            body.append('<p class="note">Nothing here yet.</p>')
        for table in section.tables:
            body += table_html(table, sortable=True)
        body.append("</section>")
    return page(title, body, style=REPORT_STYLE, script=SORT_SCRIPT)


def project_summary(session: Session) -> str:
    """One line: what the report is built from."""
    counts = (
        session.connection()
        .execute(
            sql(
                "SELECT (SELECT COUNT(*) FROM informant), (SELECT COUNT(*) FROM source), "
                "(SELECT COUNT(*) FROM code), (SELECT COUNT(*) FROM coding), "
                "(SELECT COUNT(DISTINCT coder_id) FROM coding)"
            )
        )
        .one()
    )
    words = ("informant", "source", "code", "coding", "coder")
    parts = [f"{n} {w}{'' if n == 1 else 's'}" for n, w in zip(counts, words, strict=True)]
    return f"{', '.join(parts[:4])} by {parts[4]}."
