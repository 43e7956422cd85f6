"""A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`), no extra library.

Chromium reads commands on its file descriptor 3 and writes answers and events on 4, each a JSON message
ended by a NUL byte.  `open_page(path)` loads a local file and returns what the tests look at: the console
messages and exceptions, the log entries (CSP violations, failed loads), every URL requested, the result of
a script evaluated in the page, and a full-page screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--hide-scrollbars", "--mute-audio")
TIMEOUT = 60.0


@dataclass
class PageVisit:
    """What the browser saw while loading the page."""

    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    evaluated: Any = None
    screenshot: bytes = b""


class Browser:
    """One Chromium process and its pipe."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def remap() -> None:  # in the child: its fd 3 reads our commands, its fd 4 writes its answers
            read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # The pipe must sit on fds 3 and 4: placed there after the fork, and kept open through exec
            # (os.pipe's own descriptors are not inheritable, so nothing else of ours leaks to chromium).
            preexec_fn=remap, close_fds=False,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        """Send a command and wait for its answer (events met meanwhile are kept in `events`)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive(time.monotonic() + TIMEOUT)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, deadline: float) -> dict[str, Any]:
        """The first event named `method` (kept in `events` too)."""
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        result: dict[str, Any] = json.loads(message)
        return result

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):  # closing a browser that already went
            self.send("Browser.close")
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def open_page(page: Path, profile: Path, script: str, width: int = 1200) -> PageVisit:
    """Load `page` in a fresh headless Chromium, evaluate `script` once loaded, screenshot the whole page."""
    browser = Browser(profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", time.monotonic() + TIMEOUT)
        evaluated = browser.send("Runtime.evaluate", {"expression": script, "returnByValue": True},
                                 session=session)
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                            session=session)
        return _visit(browser.events, evaluated, shot)
    finally:
        browser.close()


def _visit(events: list[dict[str, Any]], evaluated: dict[str, Any], shot: dict[str, Any]) -> PageVisit:
    visit = PageVisit(evaluated=evaluated.get("result", {}).get("value"), screenshot=base64.b64decode(shot["data"]))
    if "exceptionDetails" in evaluated:
        visit.exceptions.append(evaluated["exceptionDetails"])
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            visit.console.append(params)
        elif method == "Runtime.exceptionThrown":
            visit.exceptions.append(params)
        elif method == "Log.entryAdded":
            visit.log.append(params["entry"])
        elif method == "Network.requestWillBeSent":
            visit.requests.append(params["request"]["url"])
    return visit
