"""Headless Chromium for the widget tests: Debian's chromium package driven by Playwright.

``playwright install`` (Playwright's own browser download) is not possible on the build
machines, so the tests launch the system Chromium (``make test`` installs it when missing:
scripts/ensure-chromium.sh). Without it the browser tests are skipped on a laptop, but
fail in CI (``CI=true``): a missing browser must never pass silently there.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        message = "Chromium not found: run scripts/ensure-chromium.sh (or set CHROMIUM=...)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser) -> Iterator[object]:
    """A fresh browser profile (empty storage) per test, desktop-sized."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context) -> object:
    return context.new_page()


@pytest.fixture
def js_errors(page) -> list[str]:
    """Uncaught JavaScript errors on ``page``."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def save_docs_screenshot(png: bytes, path: Path) -> None:
    """Save a screenshot for the README: 256 colours without dithering (text stays sharp),
    a third of the size of the browser's PNG, so that docs/ stays small."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    small.save(path, "PNG", optimize=True)
