"""Headless Chromium (Debian's, driven by Playwright) against a real gunicorn serving the app.

Playwright's own browser download cannot work on this network, so the tests launch the
system Chromium that `scripts/install-system-deps.sh browser` installs. Missing Chromium or
Playwright skips these tests locally and fails them under CI=true.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, require
from tests.server import running_server

CHROMIUM = os.environ.get("OPENDATA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The closed network refuses Chromium's background connections; without these it stalls on them.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> str:
    with running_server(cache_dir=tmp_path_factory.mktemp("browser-cache")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    require(
        importlib.util.find_spec("playwright") is not None,
        "playwright is not installed (pip install -e '.[dev]')",
    )
    require(
        Path(CHROMIUM).is_file(),
        f"Chromium is not installed at {CHROMIUM} (scripts/install-system-deps.sh browser)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="ja-JP", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def on_console(message) -> None:
        # A page's own 404 status is logged too; failed sub-resources are caught below instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.url}")

    tab.on("console", on_console)
    tab.on("response", on_response)
    yield tab
    context.close()
    assert not problems, f"the page had problems: {problems}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    require(
        importlib.util.find_spec("axe_playwright_python") is not None,
        "axe-playwright-python is not installed",
    )
    from axe_playwright_python.base import AXE_FILE_PATH

    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


def run_axe(page, axe_source: str) -> list[dict]:
    """Every axe-core rule on the page as it is (WCAG 2.x A/AA/AAA, best practice and the rules
    axe ships disabled as experimental); returns the violations.

    Evaluated through the DevTools protocol, which the pages' Content-Security-Policy (no
    inline script) does not govern, so the page is tested with its real headers.
    """
    page.evaluate(axe_source)
    result = page.evaluate(
        """() => {
            const rules = Object.fromEntries(axe.getRules().map(rule => [rule.ruleId, {enabled: true}]));
            return axe.run(document, {rules, resultTypes: ['violations']});
        }"""
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"][:5])
    return "\n".join(lines)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Write tests/artifacts/screenshots/<name>.png, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
