"""Headless Chromium for the report tests: finding the browser, and a page driven through the
DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3, replies on fd 4, each a
JSON message ended by NUL), to measure where elements are and take screenshots from them."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run")


def find_chromium():
    for name in (os.environ.get("QUALM_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        path = name and shutil.which(name)
        if path:
            return path
    return None


class DevToolsPage:
    """`url` loaded in a width x height viewport: evaluate() runs an expression in the page,
    screenshot_at() takes a width x height PNG from an element's top."""

    def __init__(self, chromium, url, width=1280, height=900):
        self.chromium, self.url, self.width, self.height = chromium, url, width, height

    def __enter__(self):
        to_chrome, from_chrome = os.pipe(), os.pipe()
        self._profile = tempfile.TemporaryDirectory(prefix="qualm-chromium-")
        self._proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_chrome[0]} 4>&{from_chrome[1]}', self.chromium, *CHROME_FLAGS,
             f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe",
             f"--window-size={self.width},{self.height}", "about:blank"],
            pass_fds=(to_chrome[0], from_chrome[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome[0])
        os.close(from_chrome[1])
        self._writer, self._reader = os.fdopen(to_chrome[1], "wb"), os.fdopen(from_chrome[0], "rb")
        self._pending, self._events, self._next_id = b"", [], 1
        try:
            target = self._send("Target.createTarget", url="about:blank")["targetId"]
            self._session = self._send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self._send("Page.enable", self._session)
            self._send("Emulation.setDeviceMetricsOverride", self._session, width=self.width, height=self.height,
                       deviceScaleFactor=1, mobile=False)
            self._send("Page.navigate", self._session, url=self.url)
            while "Page.loadEventFired" not in self._events:
                self._events.append(self._receive().get("method"))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        try:
            self._send("Browser.close")
        except Exception:
            pass
        self._writer.close()
        self._reader.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._profile.cleanup()

    def _receive(self):
        while b"\0" not in self._pending:
            chunk = self._reader.read1(1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._pending += chunk
        message, self._pending = self._pending.split(b"\0", 1)
        return json.loads(message)

    def _send(self, method, session=None, **params):
        msg = {"id": self._next_id, "method": method, "params": params}
        self._next_id += 1
        if session:
            msg["sessionId"] = session
        self._writer.write(json.dumps(msg).encode() + b"\0")
        self._writer.flush()
        while True:
            reply = self._receive()
            if reply.get("id") == msg["id"]:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self._events.append(reply.get("method"))

    def evaluate(self, expression):
        """The expression's value in the page (JSON-serializable)."""
        result = self._send("Runtime.evaluate", self._session, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path, top=0):
        """A width x height PNG of the page from `top` px down."""
        shot = self._send("Page.captureScreenshot", self._session, format="png", captureBeyondViewport=True,
                          clip={"x": 0, "y": top, "width": self.width, "height": self.height, "scale": 1})
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def screenshot_at(self, element_id, path):
        """screenshot() from the top of the element with this id; returns that top in px."""
        top = self.evaluate(f"document.getElementById({json.dumps(element_id)}).getBoundingClientRect().top + scrollY")
        self.screenshot(path, top)
        return top
