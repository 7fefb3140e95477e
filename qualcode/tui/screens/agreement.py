"""The Agreement screen: how well two coders agree, and their disagreements settled side by side.

Keys: ``a`` accepts the first coder's side of the highlighted disagreement into the consensus
coder, ``b`` the second coder's, ``2`` both, ``n`` neither; ``g`` copies every agreement into the
consensus; ``p`` compares the next pair of coders; ``u`` switches the figures between segments and
characters; Tab moves between the figures and the disagreements; Escape goes back. Decisions are
those of ``qualcode adjudicate`` (docs/agreement.md), each one in the audit log.

While blind mode is on, only a supervisor may open it (see ``storage/blind.py``). In review mode
(``qualcode review``) it is for reading: the keys that decide are absent.
"""

from __future__ import annotations

from itertools import combinations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlalchemy import text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.analysis.adjudication import (
    CONSENSUS,
    Disagreement,
    accept_agreed,
    decide,
    disagreements,
)
from qualcode.analysis.agreement import agreement
from qualcode.core.errors import QualcodeError
from qualcode.storage.blind import blind_mode
from qualcode.tui.review import ReviewAware

FLAG_STYLE = {"reliable": "green", "tentative": "yellow", "unreliable": "red"}


def coder_pairs(app: object) -> list[tuple[str, str]]:
    """Pairs of coders to compare, the busiest coders first (the consensus coder left out)."""
    with app.project.read() as s:  # type: ignore[attr-defined]
        names = [
            r[0]
            for r in s.connection().execute(
                text(
                    "SELECT k.name FROM coder k JOIN coding cd ON cd.coder_id = k.id "
                    "WHERE k.name <> :into GROUP BY k.name ORDER BY COUNT(*) DESC, k.name"
                ),
                {"into": CONSENSUS},
            )
        ]
    return list(combinations(names, 2))


def open_agreement(app: object) -> None:
    """Push the Agreement screen, unless blind mode keeps this coder from comparing."""
    with app.project.read() as s:  # type: ignore[attr-defined]
        mode = blind_mode(s)
    coder = str(app.coder)  # type: ignore[attr-defined]
    if not mode.sees_everyone(coder):
        app.notify(  # type: ignore[attr-defined]
            "blind mode is on: only a supervisor compares coders "
            f"({', '.join(mode.supervisors) or 'none named'}) until 'qualcode blind off'",
            severity="warning",
        )
        return
    if isinstance(app.screen, AgreementScreen):  # type: ignore[attr-defined]
        return
    pairs = coder_pairs(app)
    if not pairs:
        app.notify("agreement needs two coders with codings", severity="warning")  # type: ignore[attr-defined]
        return
    app.push_screen(AgreementScreen(pairs))  # type: ignore[attr-defined]


class AgreementCommands(Provider):
    """The command palette's way to the Agreement screen."""

    LABEL = "Agreement: compare coders and adjudicate"

    async def discover(self) -> Hits:
        yield DiscoveryHit(self.LABEL, lambda: open_agreement(self.app))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        score = matcher.match(self.LABEL)
        if score > 0:
            yield Hit(score, matcher.highlight(self.LABEL), lambda: open_agreement(self.app))


class AgreementScreen(ReviewAware, Screen[None]):
    """Agreement figures per code, and the disagreements with keys to decide them."""

    WRITE_ACTIONS = frozenset({"accept", "accept_agreed"})

    BINDINGS = [
        Binding("escape", "back", "Back", id="agreement.back"),
        Binding("a", "accept('first')", "Accept A", id="agreement.accept_a"),
        Binding("b", "accept('second')", "Accept B", id="agreement.accept_b"),
        Binding("2", "accept('both')", "Both", id="agreement.accept_both"),
        Binding("n", "accept('neither')", "Neither", id="agreement.accept_neither"),
        Binding("g", "accept_agreed", "Copy agreed", id="agreement.agreed", show=False),
        Binding("p", "next_pair", "Next pair", id="agreement.pair", show=False),
        Binding("u", "toggle_unit", "Segment / character", id="agreement.unit", show=False),
    ]

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        self.pairs = pairs
        self.pair = 0
        self.unit = "segment"
        self.items: list[Disagreement] = []
        self.compared = 0  # sources both coders coded

    @property
    def coders(self) -> tuple[str, str]:
        return self.pairs[self.pair]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="agreement-body"):
            yield DataTable(id="agreement-figures", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="agreement-lower"):
                yield OptionList(id="disagreements")
                with VerticalScroll(id="disagreement-pane"):
                    yield Static(id="disagreement")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    # -- showing -----------------------------------------------------------------------------
    def reload(self, keep: int | None = None) -> None:
        first, second = self.coders
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            result = agreement(s, [first, second], unit=self.unit)
            self.items = disagreements(s, [first, second])
        grid = self.query_one(DataTable)
        grid.clear(columns=True)
        for name in ("code", "units", "agree %", "kappa", "alpha", "flag"):
            grid.add_column(name, key=name)
        rows = [*result.codes.items(), ("(overall)", result.overall)]
        for path, f in rows:
            grid.add_row(
                Text(path, style="bold" if path == "(overall)" else ""),
                Text(str(f.units), justify="right"),
                _figure(None if f.percent_agreement is None else 100 * f.percent_agreement, 1),
                _figure(f.cohen_kappa),
                _figure(f.krippendorff_alpha),
                Text(f.flag, style=FLAG_STYLE.get(f.flag, "dim")),
            )
        self.compared = len(result.sources)
        self.update_title()
        listing = self.query_one(OptionList)
        listing.clear_options()
        # One call: adding 60,000 options one by one takes Textual twenty seconds.
        listing.add_options(
            [Option(_item_label(d, first), id=str(i)) for i, d in enumerate(self.items)]
        )
        if self.items:
            listing.highlighted = min(keep or 0, len(self.items) - 1)
            listing.focus()
        self.show_item()

    def update_title(self) -> None:
        first, second = self.coders
        decided = sum(1 for d in self.items if d.decision)
        self.sub_title = (
            f"{first} (A) vs {second} (B) · {self.unit}s · {self.compared} compared "
            f"sources · {len(self.items)} disagreements, {decided} decided"
        )

    def show_item(self) -> None:
        pane = self.query_one("#disagreement", Static)
        item = self.current()
        if item is None:
            pane.update(Text("No disagreements between these coders.", style="dim"))
            return
        first, second = self.coders
        heading = Text(f"{item.source} #{item.ordinal} · {item.code}", style="bold")
        if item.decision:
            heading.append(f"   decided: {item.decision}", style="green")
        sides = Table(expand=True, show_lines=False, box=None, padding=(0, 1))
        sides.add_column(f"A: {first}", ratio=1)
        sides.add_column(f"B: {second}", ratio=1)
        sides.add_row(_side(item, first), _side(item, second))
        pane.update(Group(heading, Text(item.text.strip(), style="italic"), Text(""), sides))

    def current(self) -> Disagreement | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None or not self.items:
            return None
        return self.items[listing.highlighted]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_item()

    # -- deciding ----------------------------------------------------------------------------
    def action_accept(self, side: str) -> None:
        item = self.current()
        if item is None:
            return
        first, second = self.coders
        accept = {"first": first, "second": second}.get(side, side)
        index = self.query_one(OptionList).highlighted or 0
        try:
            with self.app.project.write() as s:  # type: ignore[attr-defined]
                decided = decide(s, [first, second], item.id, accept, actor=self.app.coder)  # type: ignore[attr-defined]
        except QualcodeError as err:
            self.notify(str(err), severity="error")
            return
        self.notify(f"{item.code} on {item.source} #{item.ordinal}: {accept}", timeout=2)
        # The figures compare A and B, not the consensus: only this item changed.
        item.decision = decided.decision
        listing = self.query_one(OptionList)
        listing.replace_option_prompt_at_index(index, _item_label(item, first))
        self.update_title()
        if index + 1 < len(self.items):
            listing.highlighted = index + 1
        self.show_item()

    def action_accept_agreed(self) -> None:
        first, second = self.coders
        with self.app.project.write() as s:  # type: ignore[attr-defined]
            copied = accept_agreed(s, [first, second], actor=self.app.coder)  # type: ignore[attr-defined]
        self.notify(f"copied {copied} agreements into '{CONSENSUS}'", timeout=3)

    def action_next_pair(self) -> None:
        self.pair = (self.pair + 1) % len(self.pairs)
        self.reload()

    def action_toggle_unit(self) -> None:
        self.unit = "character" if self.unit == "segment" else "segment"
        self.reload(keep=self.query_one(OptionList).highlighted)

    def action_back(self) -> None:
        self.app.pop_screen()


def _figure(value: float | None, digits: int = 3) -> Text:
    return Text("—" if value is None else f"{value:.{digits}f}", justify="right")


def _item_label(d: Disagreement, first: str) -> Text:
    mark = "✓ " if d.decision else "  "
    who = "A" if d.applied.get(first) else "B"
    label = Text(mark, style="green")
    label.append(f"{d.source} #{d.ordinal} ", style="bold")
    label.append(f"{d.code} ")
    label.append(f"(only {who})", style="dim")
    return label


def _side(item: Disagreement, coder: str) -> Text:
    applied = item.applied.get(coder, [])
    if not applied:
        return Text("did not apply it", style="dim")
    out = Text()
    for a in applied:
        if a.text.strip() == item.text.strip():
            out.append("applied it to the whole segment", style="green")
        else:
            out.append("applied it to ", style="green")
            out.append(f"“{a.text.strip()}”")
        if a.magnitude is not None:
            out.append(f"  magnitude {a.magnitude:+d}", style="yellow")
        if a.memo:
            out.append(f"\n✎ {a.memo}", style="italic")
        out.append("\n")
    return out
