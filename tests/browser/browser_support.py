"""Headless Chromium for the browser tests, driven over the Chrome DevTools Protocol.

Debian's ``chromium`` package is used as installed (``.ci/run`` installs it); nothing is
downloaded. Where it is missing the tests skip and say so. The protocol is spoken over a
WebSocket with aiohttp, which qualcode already has (textual-serve runs on it): no browser driver
or automation package is needed.

The flags keep Chromium off the network (this machine's network refuses background
connections): no GPU, no QUIC, no first-run, no background networking, component updates or
sync, and a fresh profile per browser.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = (
    "headless Chromium is not installed: these tests need Debian's 'chromium' package "
    "(apt-get install -y chromium chromium-driver; .ci/run installs it)"
)


def chromium() -> str:
    """The Chromium executable, or skip the test with the reason."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip(SKIP_REASON)
    return path


def dump_dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran (``--dump-dom``)."""
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# Reads the screen of the xterm.js terminal textual-serve draws the app in. The terminal object
# is not reachable from any global, so the caller passes every object of the page (queryObjects)
# and this finds the one with xterm's public buffer API.
TERMINAL_TEXT = """
function () {
  for (const o of this) {
    try {
      if (o && typeof o.rows === "number" && o.buffer && o.buffer.active &&
          typeof o.buffer.active.getLine === "function") {
        const b = o.buffer.active, lines = [];
        for (let y = 0; y < o.rows; y++) {
          const line = b.getLine(b.viewportY + y);
          lines.push(line ? line.translateToString(true) : "");
        }
        return lines.join("\\n");
      }
    } catch (e) { /* not it */ }
  }
  return "";
}
"""


class Browser:
    """One headless Chromium with one page, driven by DevTools Protocol commands."""

    def __init__(self) -> None:
        self.executable = chromium()
        self._profile = tempfile.TemporaryDirectory(prefix="qualcode-chromium-")
        self._ids = 0

    async def __aenter__(self) -> Browser:
        profile = Path(self._profile.name)
        self.process = subprocess.Popen(
            [
                self.executable,
                *FLAGS,
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={profile}",
                "--window-size=1280,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (active.exists() and active.read_text().count("\n") >= 1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("Chromium did not start its DevTools endpoint")
            await asyncio.sleep(0.1)
        port = int(active.read_text().splitlines()[0])
        self.http = aiohttp.ClientSession()
        async with self.http.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t["type"] == "page")
        self.ws = await self.http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        await self.send("Page.enable")
        await self.send("Runtime.enable")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()
        await self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._profile.cleanup()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command; return its result (events in between are dropped)."""
        self._ids += 1
        ident = self._ids
        await self.ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = await asyncio.wait_for(self.ws.receive(), timeout=60)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"DevTools connection closed during {method}")
            data = json.loads(message.data)
            if data.get("id") == ident:
                if "error" in data:
                    raise AssertionError(f"{method}: {data['error']}")
                return data["result"]  # type: ignore[no-any-return]

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_until(self, expression: str, timeout: float = 60) -> Any:
        """Evaluate ``expression`` until it is truthy (and does not throw); return its value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.evaluate(expression)
            except AssertionError:  # the page is still loading (no document yet)
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout} s: {expression}")
            await asyncio.sleep(0.2)

    async def terminal_text(self) -> str:
        """The text on the screen of the page's xterm.js terminal ('' before there is one)."""
        prototype = await self.send("Runtime.evaluate", expression="Object.prototype")
        found = await self.send(
            "Runtime.queryObjects", prototypeObjectId=prototype["result"]["objectId"]
        )
        result = await self.send(
            "Runtime.callFunctionOn",
            objectId=found["objects"]["objectId"],
            functionDeclaration=TERMINAL_TEXT,
            returnByValue=True,
        )
        await self.send("Runtime.releaseObjectGroup", objectGroup="")
        return str(result["result"].get("value") or "")

    async def wait_for_screen(self, *needles: str, timeout: float = 90) -> str:
        """Wait until the terminal shows every one of ``needles``; return the screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = await self.terminal_text()
            if all(n in screen for n in needles):
                return screen
            await asyncio.sleep(0.5)
        raise AssertionError(f"the screen never showed {needles}; last screen:\n{screen}")

    async def press(self, key: str) -> None:
        """Type one printable key into the focused element."""
        await self.send("Input.dispatchKeyEvent", type="keyDown", key=key, text=key)
        await self.send("Input.dispatchKeyEvent", type="keyUp", key=key)
