"""The Memos screen: every memo of the project, review memos first and set apart.

Keys: ↑/↓ move, ``a`` (review mode only) writes your review memo on the project, Escape goes
back. Analytic memos are the coders' (written in the Coding screen with ``m``, ``M``, ``C``);
review memos are a supervisor's, left in review mode, shown under a "REVIEW" mark with the
reviewer's name.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.core.errors import QualcodeError
from qualcode.storage.memos import MemoRow, list_memos
from qualcode.tui.review import ReviewAware, in_review

REVIEW_STYLE = "bold magenta"


class MemosScreen(ReviewAware, Screen[None]):
    """Browse memos; in review mode, leave a review memo on the project."""

    REVIEW_ONLY_ACTIONS = frozenset({"review_memo"})
    BINDINGS = [
        Binding("escape", "back", "Back", id="memos.back"),
        Binding("a", "review_memo", "Review memo", id="memos.review_memo"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="memos-help")
        yield OptionList(id="memos")
        yield Footer()

    def on_mount(self) -> None:
        help_text = (
            "Review memos (yours and other supervisors') first — a writes yours on the project"
            if in_review(self)
            else "Review memos (left by supervisors in review mode) first, then analytic memos"
        )
        self.query_one("#memos-help", Static).update(help_text)
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.REVIEW_ONLY_ACTIONS:
            return in_review(self)  # only a reviewer leaves review memos
        return super().check_action(action, parameters)

    def reload(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            self.memos = list_memos(s)
        listing = self.query_one(OptionList)
        listing.clear_options()
        for memo in self.memos:
            listing.add_option(Option(memo_label(memo), id=str(memo.id)))
        reviews = sum(1 for m in self.memos if m.kind == "review")
        self.sub_title = f"{_count(len(self.memos), 'memo')} ({_count(reviews, 'review memo')})"
        if self.memos:
            listing.highlighted = 0
        listing.focus()

    def action_review_memo(self) -> None:
        edit_review_memo(self, "project", None, "Review memo on the project", self.reload)

    def action_back(self) -> None:
        self.app.pop_screen()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def memo_label(memo: MemoRow) -> Text:
    label = Text()
    if memo.kind == "review":
        label.append(" REVIEW ", style="reverse " + REVIEW_STYLE)
        label.append(f" {memo.author}", style=REVIEW_STYLE)
    else:
        label.append(" memo ", style="reverse")
        label.append(f" {memo.author}", style="bold")
    label.append(f"  on {memo.on}", style="dim")
    if memo.title:
        label.append(f"  “{memo.title}”", style="italic")
    label.append("\n  " + memo.text.replace("\n", "\n  "))
    return label


def edit_review_memo(
    screen: Any,
    target: str,
    target_id: int | None,
    title: str,
    then: Any = None,
) -> None:
    """Open the memo editor on the reviewer's review memo; save it through the one write
    path review mode has (storage/review.py)."""
    from qualcode.storage.review import review_memo_text, save_review_memo
    from qualcode.tui.screens.prompt import MemoEditor

    app = screen.app
    current = review_memo_text(app.project, app.coder, target, target_id)

    def save(body: str | None) -> None:
        if body is None:
            return
        try:
            save_review_memo(app.project, app.coder, target, target_id, body)
        except QualcodeError as err:
            screen.notify(str(err), severity="error")
            return
        screen.notify("review memo saved" if body.strip() else "review memo removed", timeout=2)
        if then is not None:
            then()

    app.push_screen(MemoEditor(title, current), save)
