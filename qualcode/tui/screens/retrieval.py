"""The Retrieval screen (code-and-retrieve): every excerpt of a code, by role and informant.

Keys: Tab switches between the codebook and the excerpts; Enter on a code shows its excerpts,
Enter on an excerpt jumps to it in its source; s toggles sub-codes; r reads the excerpts again;
Escape goes back.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from qualcode.analysis.retrieval import Excerpt, retrieve
from qualcode.storage.views import CodeRow, code_rows


class RetrievalScreen(Screen[None]):
    """Pick a code, read every excerpt coded with it, jump to any of them."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="retrieval.back"),
        Binding("s", "toggle_subcodes", "Sub-codes on/off", id="retrieval.subcodes"),
        Binding("r", "reload", "Reload", id="retrieval.reload"),
    ]

    def __init__(self, code_id: int | None = None) -> None:
        super().__init__()
        self.code_id = code_id
        self.include_subcodes = True
        self.excerpts: list[Excerpt] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="retrieval-body"):
            yield Tree("Codebook", id="retrieval-codes")
            yield OptionList(id="excerpts")
        yield Footer()

    def on_mount(self) -> None:
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            self.codes = code_rows(s)
        tree = self.query_one(Tree)
        nodes: dict[int | None, TreeNode[CodeRow | None]] = {None: tree.root}
        for code in self.codes:
            label = Text("■ ", style=code.color or "#888888")
            label.append(code.name)
            parent = nodes.get(code.parent_id, tree.root)
            if any(c.parent_id == code.id for c in self.codes):
                node = parent.add(label, data=code, expand=True)
            else:
                node = parent.add_leaf(label, data=code)
            nodes[code.id] = node
        tree.show_root = False
        tree.root.expand()
        if self.code_id is not None and self.code_id in nodes:
            tree.move_cursor(nodes[self.code_id])
            self.show(self.code_id)
            self.query_one(OptionList).focus()
        else:
            tree.focus()

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        if isinstance(event.node.data, CodeRow):
            self.show(event.node.data.id)
            self.query_one(OptionList).focus()

    def show(self, code_id: int) -> None:
        self.code_id = code_id
        with self.app.project.read() as s:  # type: ignore[attr-defined]
            # Blind coding: a coder retrieves their own excerpts, not their colleagues'.
            self.excerpts = retrieve(
                s,
                code_id,
                include_subcodes=self.include_subcodes,
                coder=self.app.shown_coder,  # type: ignore[attr-defined]
            )
        path = next(c.path for c in self.codes if c.id == code_id)
        people = {e.informant for e in self.excerpts if e.informant}
        self.sub_title = f"{path}: {len(self.excerpts)} excerpts from {len(people)} informants" + (
            "" if self.include_subcodes else " (without sub-codes)"
        )
        listing = self.query_one(OptionList)
        listing.clear_options()
        group: tuple[str | None, str | None] | None = None
        for i, e in enumerate(self.excerpts):
            if (e.role, e.informant) != group:
                group = (e.role, e.informant)
                heading = f"{(e.role or e.kind).upper()} · {e.informant or e.source}"
                listing.add_option(Option(Text(heading, style="bold"), disabled=True))
            listing.add_option(Option(excerpt_label(e, path), id=str(i)))
        if self.excerpts:
            listing.highlighted = 1

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        excerpt = self.excerpts[int(event.option.id or 0)]
        from qualcode.tui.screens.coding import CodingScreen

        ordinal = excerpt.ordinal or 1
        self.app.switch_screen(CodingScreen(excerpt.source_id, segment=ordinal - 1))

    def action_toggle_subcodes(self) -> None:
        self.include_subcodes = not self.include_subcodes
        if self.code_id is not None:
            self.show(self.code_id)

    def action_reload(self) -> None:
        """The shown code's excerpts read again (codings made since, from the command line or
        by a colleague on a shared project), the highlighted one kept."""
        if self.code_id is None:
            return
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        self.show(self.code_id)
        if highlighted is not None and highlighted < listing.option_count:
            listing.highlighted = highlighted
        self.notify("reloaded", timeout=1)

    def action_back(self) -> None:
        self.app.pop_screen()


def excerpt_label(e: Excerpt, path: str) -> Text:
    label = Text("  ")
    label.append(e.citation(), style="bold")
    if e.code_path != path:
        label.append(f"  [{e.code_path.removeprefix(path + '/')}]", style="cyan")
    if e.magnitude is not None:
        label.append(f"  magnitude {e.magnitude:+d}", style="yellow")
    label.append(f"  ({e.coder})\n", style="dim")
    before = e.before.replace("\n", " ")[-100:]
    after = e.after.replace("\n", " ")[:100]
    if before:
        label.append(f"  …{before}\n", style="dim")
    label.append("  " + e.text.replace("\n", " "))
    if after:
        label.append(f"\n  {after}…", style="dim")
    if e.memo:
        label.append(f"\n  ✎ {e.memo}", style="italic")
    return label
