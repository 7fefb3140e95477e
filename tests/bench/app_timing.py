"""How long the coding app takes, as a user feels it: shared by the 20,000-segment app benchmark
(test_bench_app.py) and the app on each scale's project (scale_ops.py ``app``).

- start: from making the app (the project opened) to the first frame the compositor hands the
  driver (the Sources screen with its listing);
- open: from pushing the Coding screen of a source to the first frame in which the transcript
  has its layout (its text is on screen); the exact wrap of far segments finishes after it, in a
  thread, and is timed too; the app thread's CPU time to that frame is what load can't inflate;
- key round trip: a coding key pressed, the coding stored, the screen updated — against the same
  press on an empty Textual app (the floor).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding
from textual.widgets import Static

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.coding import CodingScreen

SIZE = (140, 40)


class EmptyApp(App[None]):
    """The floor: a Textual app whose key does the least a key can and still update the screen."""

    BINDINGS = [Binding("2", "press", "press")]

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("0", id="n")

    def action_press(self) -> None:
        label = self.query_one("#n", Static)
        label.update(str(int(str(label.render())) + 1))


@dataclass
class Opened:
    start: float  # making the app -> its first frame
    first_paint: float  # pushing the Coding screen -> the first frame with the transcript
    cpu: float  # the app thread's CPU time to that frame
    settled: float  # pushing -> every exact wrap height in place
    segments: int
    screen_text: str  # the frame's first lines, to check it shows the transcript


async def open_source(make: Callable[[], QualcodeApp], source_id: int) -> Opened:
    """Start an app made by ``make`` and open ``source_id`` in the Coding screen, timed."""
    began = time.perf_counter()
    app = make()
    painted: list[float] = []  # first frame of any screen, then (wall, cpu) of the transcript's
    display = app._display

    def timed_display(screen, renderable):  # type: ignore[no-untyped-def]
        display(screen, renderable)
        if renderable is None:
            return
        if not painted:
            painted.append(time.perf_counter())
        if len(painted) == 1 and isinstance(screen, CodingScreen) and screen.view._heights:
            painted.extend((time.perf_counter(), time.thread_time()))

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start, start_cpu = time.perf_counter(), time.thread_time()
        app.push_screen(CodingScreen(source_id))
        await pilot.pause()
        while not app.screen.view.heights_exact:  # type: ignore[attr-defined]
            await pilot.pause(0.01)
        settled = time.perf_counter() - start
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        text = "".join(str(screen.view.render_line(y).text) for y in range(5))
        return Opened(
            start=painted[0] - began,
            first_paint=painted[1] - start,
            cpu=painted[2] - start_cpu,
            settled=settled,
            segments=len(screen.segments),
            screen_text=text,
        )


async def round_trips(app: App[None], presses: int, source_id: int | None) -> list[float]:
    """``presses`` presses of key 2 (in the Coding screen of ``source_id``, when given: apply,
    then remove, the code on key 2 — a write and a redraw each), each to its screen update."""
    times = []
    async with app.run_test(size=SIZE) as pilot:
        if source_id is not None:
            app.push_screen(CodingScreen(source_id))
            await pilot.pause()
            await pilot.press("j")  # a segment in the middle of nothing special
        for _ in range(presses):
            start = time.perf_counter()
            await pilot.press("2")
            await pilot.pause()
            times.append(time.perf_counter() - start)
    return times
