import pytest

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make themselves (creating users) are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def _home_page(transactional_db):
    """Transactional tests elsewhere flush the data migrations' rows; put the home
    page and site back so the browser has a site to visit."""
    from cms.services import home_page_ensure

    home_page_ensure()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone-sized page in Chinese."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", device_scale_factor=1
    )
    page = context.new_page()
    yield page
    context.close()


def wait_until(page, expression: str, *, timeout: float = 30.0) -> None:
    """Wait until `expression` is true in the page. Playwright's wait_for_function
    evaluates its string with eval inside the page, which the site's
    Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses, as it
    should; page.evaluate runs through the browser's debugging protocol instead."""
    import time  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)
