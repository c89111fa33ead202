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
