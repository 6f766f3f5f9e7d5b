"""The studio in a real headless Chromium: `amx studio --web --demo` serves it, the page shows
the schedule table, and `n` opens the New schedule dialog."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from core.api import Core
from core.demo import create_demo
from studio_tui.cli import run
from tests.support.web_studio import web_studio

pytestmark = pytest.mark.slow

# Flags that let Debian's Chromium run here: no sandbox as root, no GPU, and none of its
# background traffic (a closed network refuses it, and the browser then stalls).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# textual-serve's page keeps its xterm.js terminal in a local variable; this catches the
# object that holds it as it is built (its first `fitAddon` assignment), so the test can read
# the terminal's own text buffer.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    window.__amxTerminal = this;
    Object.defineProperty(this, "fitAddon", {
      value, writable: true, configurable: true, enumerable: true,
    });
  },
});
"""
READ_SCREEN = """() => {
  const terminal = window.__amxTerminal && window.__amxTerminal.terminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""
ONLY_HERE = "Only in this database"
# The machine is slow and shared: starting a studio per tab takes a while.
WAIT_S = 120


def chromium() -> str:
    """Debian's Chromium (scripts/chromium installs it; CI must have it)."""
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed; scripts/chromium installs it")
        pytest.skip("Chromium is not installed (scripts/chromium installs it)")
    return found


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Page]:
    """A page in headless Chromium with a fresh profile, driven by Playwright."""
    executable = chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=executable,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.add_init_script(CATCH_TERMINAL)
            yield page
        finally:
            context.close()


def wait_for_screen(read: Callable[[], str], until: Callable[[str], bool], what: str) -> str:
    """The terminal's text once `until` holds for it; fails naming `what` and the last text."""
    deadline = time.monotonic() + WAIT_S
    text = ""
    while time.monotonic() < deadline:
        text = read()
        if until(text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"the page never showed {what}; it showed:\n{text}")


def only_here(url: str) -> None:
    """The demo in the database at `url`, with one schedule no other database holds."""
    core = Core.open(url)
    try:
        create_demo(core)
    finally:
        core.close()
    code = run(
        ["--database-url", url, "schedule", "add", "--name", ONLY_HERE, "--cron", "0 2 * * *"]
        + ["--db-profile", "demo", "--scope", "sales.orders"]
    )
    assert code == 0


def test_the_studio_opens_in_a_browser_and_n_opens_the_new_schedule_dialog(
    browser_page: Page, tmp_path: Path, sqlite_url: str
) -> None:
    page = browser_page
    only_here(sqlite_url)
    with web_studio("--database-url", sqlite_url, "studio", "--web", "--demo") as studio:
        page.goto(studio.url, timeout=WAIT_S * 1000)

        def screen() -> str:
            return str(page.evaluate(READ_SCREEN))

        # The demo has a schedule whose fire time passed: the studio asks about it first.
        wait_for_screen(
            screen, lambda t: "while nothing could fire" in t, "the missed-runs question"
        )
        page.focus("textarea.xterm-helper-textarea")
        page.keyboard.press("Escape")
        table = wait_for_screen(
            screen,
            lambda t: "Orders deep-dive" in t and "while nothing could fire" not in t,
            "the schedule table",
        )
        # Each tab's studio opened the database the server was given.
        for shown in ("Name", "Fire time", "Status", "Nightly PII sweep", ONLY_HERE):
            assert shown in table, shown
        page.screenshot(path=str(tmp_path / "web-studio.png"))

        page.keyboard.press("n")
        dialog = wait_for_screen(screen, lambda t: "New schedule" in t, "the New schedule dialog")
        for shown in ("Name", "Trigger", "DB profile", "Save"):
            assert shown in dialog, shown
        page.screenshot(path=str(tmp_path / "web-dialog.png"))
        for picture in ("web-studio.png", "web-dialog.png"):
            assert (tmp_path / picture).stat().st_size > 10_000, picture  # drawn, not blank
    assert studio.code == 0
    assert "Traceback" not in studio.out + studio.err
