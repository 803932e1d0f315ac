"""The web interface in a real browser: Playwright driving Debian's chromium against the real
app serving the demo archive. Screenshots of the main pages go to tests/artifacts/."""
from __future__ import annotations

import re
import shutil
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from demo_archive import demo_home  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.home import close_archive  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
VERSIONED = "2006-03-08-atan-uz"  # a sample letter with three versions


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real app on a free loopback port, in a thread of this process."""
    app = create_app({"LETTERS_HOME": str(demo_home(tmp_path_factory)), "PAGE_SIZE": 5})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    close_archive(app)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-browser (as root) first")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_facet_chip_and_pages(page, server):
    page.goto(server + "/")
    page.keyboard.press("Tab")  # keyboard users reach "Skip to content" first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    shot(page, "home")
    page.fill("#q", "detention")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=detention"))
    total = int(page.locator("h2#results-heading").inner_text().split()[0])
    assert total >= 10 and page.locator("p.snippet mark").count() >= 1
    shot(page, "search")

    facet = page.locator("section[aria-labelledby='facet-country'] li").first
    count = int(facet.locator(".facet-count").inner_text())
    facet.locator("a").click()
    page.wait_for_url(re.compile(r"country"))
    assert int(page.locator("h2#results-heading").inner_text().split()[0]) == count
    chip = page.locator("nav.chips a")
    assert chip.count() == 1 and "Country" in chip.inner_text()
    shot(page, "search-facet")
    chip.click()
    page.wait_for_load_state()
    assert page.locator("nav.chips").count() == 0
    assert page.input_value("#q") == "detention"

    page.locator("nav.pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("nav.pagination a[aria-current=page]").inner_text() == "2"
    second = page.locator("ol.hits h3 a").all_inner_texts()
    page.go_back()
    assert set(second).isdisjoint(page.locator("ol.hits h3 a").all_inner_texts())


def test_letter_entity_link_and_tei_download(page, server):
    page.goto(server + "/search?q=" + "article:ICCPR/19 date:2016..2018")
    assert page.locator("ol.hits li").count() == 3
    page.locator("ol.hits h3 a").first.click()
    page.wait_for_url(re.compile(r"/letters/"))
    assert page.locator("aside.metadata").is_visible()
    assert "/at/" in page.locator("section.cite p.citation a").get_attribute("href")
    shot(page, "letter")
    letter_url = page.url
    with page.expect_download() as info:
        page.locator("a", has_text="Download TEI").click()
    tei = Path(info.value.path()).read_bytes()
    assert b"http://www.tei-c.org/ns/1.0" in tei and info.value.suggested_filename.endswith(".xml")
    with page.expect_download() as info:
        page.locator("a", has_text="Original file").click()
    assert Path(info.value.path()).read_bytes().strip()

    page.locator(".letter-text a.entity-instrument").first.click()
    page.wait_for_url(re.compile(r"/search\?q=instrument"))
    assert int(page.locator("h2#results-heading").inner_text().split()[0]) >= 1
    page.goto(letter_url)
    related = page.locator("section.related li a")
    assert related.count() >= 1
    related.first.click()
    page.wait_for_url(re.compile(r"/letters/"))
    assert page.url != letter_url


def test_history_and_diff(page, server):
    page.goto(f"{server}/letters/{VERSIONED}")
    page.locator("a", has_text="History").first.click()
    page.wait_for_url(re.compile(r"/history$"))
    assert page.locator("table.history tbody tr").count() == 3
    shot(page, "history")
    page.locator("a", has_text="Changes from previous").first.click()
    page.wait_for_url(re.compile(r"/diff/"))
    assert page.locator("ins, del").count() >= 1
    shot(page, "diff")


def test_browse_help_and_phone(page, server):
    page.goto(server + "/browse/countries")
    page.locator("ul.entity-list a", has_text="Uzbekistan").click()
    page.wait_for_url(re.compile(r"/browse/countries/UZ"))
    instruments = page.locator("section[aria-labelledby='co-instrument'] li a").all_inner_texts()
    assert "ICCPR" in instruments
    shot(page, "browse-entity")
    page.goto(server + "/help")
    examples = page.locator("main ul.examples a")
    assert examples.count() >= 20
    shot(page, "help")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/search?q=refugees")
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "search-phone")
    page.goto(server + "/search?q=" + "refugees (country:UZ")
    assert page.locator("p[role=alert]").inner_text().startswith("an opening bracket")
