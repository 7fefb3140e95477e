"""The Conclusions screen: each conclusion with its verdict, checked against its evidence.

Keys: ↑/↓ move, Enter shows the conclusion's negative evidence (Enter on an excerpt opens it in
its source), ``a`` adds a conclusion (a statement, then the code it rests on), ``d`` deletes the
highlighted conclusion, Escape goes back. The checks are those of ``qualcode conclude check``
(docs/triangulation.md).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList
from textual.widgets.option_list import Option

from qualcode.analysis.conclusions import (
    ConclusionCheck,
    add_conclusion,
    check_conclusions,
    remove_conclusion,
)
from qualcode.core.errors import QualcodeError
from qualcode.storage.views import code_rows
from qualcode.tui.blind import visible_coder
from qualcode.tui.review import ReviewAware

VERDICT_STYLE = {"supported": "green", "unsupported": "red"}


class ConclusionsScreen(ReviewAware, Screen[None]):
    """Conclusion drawing and verification, the last step of the interactive model."""

    WRITE_ACTIONS = frozenset({"add", "delete"})

    BINDINGS = [
        Binding("escape", "back", "Back", id="conclusions.back"),
        Binding("a", "add", "Add", id="conclusions.add"),
        Binding("d", "delete", "Delete", id="conclusions.delete"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.checks: list[ConclusionCheck] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList(id="conclusions")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            self.checks = check_conclusions(s, coder=visible_coder(s, self.app))
        listing = self.query_one(OptionList)
        listing.clear_options()
        for i, check in enumerate(self.checks):
            listing.add_option(Option(conclusion_label(check), id=str(i)))
        supported = sum(1 for c in self.checks if c.verdict.startswith("supported"))
        self.sub_title = f"{len(self.checks)} conclusions, {supported} supported"
        if self.checks:
            listing.highlighted = 0
        listing.focus()

    def _highlighted(self) -> ConclusionCheck | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None or not self.checks:
            return None
        return self.checks[listing.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from qualcode.tui.screens.displays import ExcerptsScreen

        check = self.checks[int(event.option.id or 0)]
        excerpts = [e.excerpt for e in check.negative_evidence]
        if not excerpts:
            self.notify("no negative evidence for this conclusion", timeout=2)
            return
        self.app.push_screen(
            ExcerptsScreen(f"Negative evidence: {check.conclusion.statement[:60]}", excerpts)
        )

    def action_add(self) -> None:
        from qualcode.tui.screens.picker import CodePicker
        from qualcode.tui.screens.prompt import TextPrompt

        app = self.app

        def with_statement(statement: str | None) -> None:
            if not statement or not statement.strip():
                return
            with app.project.read() as s:  # type: ignore[attr-defined]
                codes = code_rows(s)

            def with_code(code_id: int | None) -> None:
                if code_id is None:
                    return
                path = next(c.path for c in codes if c.id == code_id)
                try:
                    with app.project.write() as s:  # type: ignore[attr-defined]
                        add_conclusion(
                            s,
                            statement,
                            [path],
                            actor=app.coder,  # type: ignore[attr-defined]
                            coder=app.coder,  # type: ignore[attr-defined]
                        )
                except QualcodeError as err:
                    self.notify(str(err), severity="error")
                    return
                self.reload()

            app.push_screen(CodePicker(codes), with_code)

        app.push_screen(
            TextPrompt("Conclusion (one statement drawn from the data)"), with_statement
        )

    def action_delete(self) -> None:
        check = self._highlighted()
        if check is None:
            return
        with self.app.project.write() as s:  # type: ignore[attr-defined]
            remove_conclusion(s, check.conclusion.id, actor=self.app.coder)  # type: ignore[attr-defined]
        self.notify(f"removed conclusion {check.conclusion.id}", timeout=2)
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


def conclusion_label(check: ConclusionCheck) -> Text:
    c = check.conclusion
    label = Text()
    label.append(f"{c.id}. ", style="bold")
    label.append(c.statement + "\n")
    label.append("   " + check.verdict, style="bold " + VERDICT_STYLE.get(check.verdict, "yellow"))
    groups = ", ".join(f"{g} {k}/{n}" for g, (k, n) in check.groups.items())
    methods = ", ".join(sorted(check.methods))
    label.append(
        f"  ·  {check.informants} informants ({groups})  ·  methods: {methods or '—'}"
        f"  ·  {len(check.negative_evidence)} negative evidence  ·  codes: {', '.join(c.codes)}",
        style="dim",
    )
    return label
