"""``qualcode serve --review`` in a real browser: the page loads, the app comes up in the
terminal textual-serve draws, the matrix screen opens on ``x`` and shows the demo's counts, and
the project is unchanged afterwards."""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Browser, chromium
from conftest import run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dump(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    return db


@pytest.fixture
def served(demo: Path, tmp_path: Path) -> Iterator[str]:
    """``qualcode serve --review`` on a free loopback port; its URL. Stopped with its apps."""
    chromium()  # skip before starting anything when there is no browser
    port = free_port()
    env = {**os.environ, "QUALCODE_CONFIG": str(tmp_path / "no-config.toml")}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "--db", str(demo), "serve", "--review"]
        + ["--port", str(port), "--coder", "prof"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group: the apps it spawns stop with it
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise AssertionError((tmp_path / "serve.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


async def test_served_review_app_opens_the_matrix_in_chromium(demo: Path, served: str) -> None:
    before = dump(demo)
    expected = run("matrix", "--format", "csv", db=demo).stdout
    counts = {row["informant"]: row for row in csv.DictReader(io.StringIO(expected))}
    async with Browser() as browser:
        await browser.goto(served)
        screen = await browser.wait_for_screen("Sources by informant role", "Hadi Sutrisno")
        assert "qualcode review" in screen and "reviewer: prof" in screen
        await browser.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        await browser.press("x")
        # Words of the matrix screen only (the informants' names are on the Sources screen too).
        screen = await browser.wait_for_screen(
            "Conceptually clustered matrix", "Coders: resa.", "Display", "informant   "
        )
    lines = screen.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["informant", "Enabling"])
    assert header.split() == ["informant", "Enabling", "Empowering", "Protecting", "Obstacles"]
    for name, row in counts.items():
        shown = next(line for line in lines if line.strip().startswith(name))
        numbers = shown.strip().removeprefix(name).split()
        assert numbers == [row[c] for c in ("Enabling", "Empowering", "Protecting", "Obstacles")]
    footer = next(line for line in reversed(lines) if "Quit" in line)
    assert "Display" in footer and "Summary" not in footer  # review: no summary editing
    assert dump(demo) == before
