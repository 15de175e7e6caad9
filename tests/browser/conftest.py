"""Playwright drives Debian's chromium (apt-get install chromium); no browser download is possible here."""

import os

import pytest

CHROMIUM = "/usr/lib/chromium/chromium"  # the binary: the /usr/bin/chromium wrapper prints a shell error
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI and `make test` run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A district office PC: Chinese locale, Beijing time, a common laptop screen.
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture
def shoot(page):
    """shoot("name") saves a full-page screenshot when BROWSER_SHOTS_DIR is set (e.g. /tmp/shots)."""
    shots_dir = os.environ.get("BROWSER_SHOTS_DIR")

    def _shoot(name: str) -> None:
        if shots_dir:
            os.makedirs(shots_dir, exist_ok=True)
            page.screenshot(path=os.path.join(shots_dir, f"{name}.png"), full_page=True)

    return _shoot
