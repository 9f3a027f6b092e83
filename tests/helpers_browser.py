"""Debian's Chromium driven by Playwright, with every request off this machine aborted.

Shared by the browser tests (the API docs, the explorer). A test that needs a browser
calls `require_chromium()` first: it skips when /usr/bin/chromium is missing, except under
CI (env CI set), where that is a failure. `Traffic` records what the pages asked for and
what went wrong: requests off localhost (aborted, and a test asserts there were none),
failed requests, responses of scripts and stylesheets, console errors, uncaught errors.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    WebError,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
ICON = "/explore/static/icon.svg"  # every page's <link rel="icon">
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and the browser test cannot run: {reason}")
    pytest.skip(reason)


class Traffic:
    """What the pages asked for and what went wrong, across every page of a context."""

    def __init__(self) -> None:
        self.blocked: list[tuple[str, str]] = []
        self.assets: list[tuple[str, int]] = []
        self.failed: list[str] = []
        self.refused_by_policy: list[str] = []  # stopped by the page's CSP, never sent
        self.errors: list[str] = []  # console errors and uncaught exceptions
        self.icons_cut_off: list[str] = []

    def route(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.hostname not in LOCAL_HOSTS:
            self.blocked.append((route.request.resource_type, route.request.url))
            route.abort()
        else:
            route.continue_()

    def response(self, response: Response) -> None:
        if response.request.resource_type in {"script", "stylesheet"}:
            self.assets.append((response.url, response.status))

    def request_failed(self, request: Request) -> None:
        if urlsplit(request.url).path == ICON and request.failure == "net::ERR_ABORTED":
            # The browser's own fetch of a page's icon, cut off when the page navigates
            # on: the page did not ask for it and waits for nothing it brings.
            self.icons_cut_off.append(request.url)
        elif request.failure == "csp":
            self.refused_by_policy.append(request.url)
        elif request.url not in {url for _, url in self.blocked}:
            self.failed.append(f"{request.url}: {request.failure}")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def web_error(self, error: WebError) -> None:
        self.errors.append(f"uncaught: {error.error}")


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_context(browser: Browser, traffic: Traffic, **options: Any) -> Iterator[BrowserContext]:
    """A new context (its own history, cache and storage) whose traffic `traffic` records."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", traffic.route)
    context.on("response", traffic.response)
    context.on("requestfailed", traffic.request_failed)
    context.on("console", traffic.console)
    context.on("weberror", traffic.web_error)
    try:
        yield context
    finally:
        context.close()


@contextmanager
def screenshot_on_failure(page: Page, path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failure: {path}")
        except Exception as exc:  # best effort: never hide the real failure
            print(f"no screenshot: {exc!r}")
        raise
