"""`provenance serve` in a real browser: Debian's headless Chromium driven by Selenium, against
uvicorn on 127.0.0.1 (a free port) with real worker processes.

As in test_browser.py the driver is /usr/bin/chromedriver, given explicitly, so nothing is
downloaded. Every test ends by checking the browser's console (no error, no warning) and its
performance log (no request but to the app's own servers). With PROVENANCE_UPDATE_GOLDEN=1 the
screenshots also replace docs/screenshots/web-*.png.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from provenance.storage import IndexSpec
from provenance.web import WebConfig

from .conftest import A000, A003, A004, save_screenshot
from .test_web import article_page, build_index, page_server, serve_app


@pytest.fixture(scope="module")
def driver(chromium) -> object:
    return chromium


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """"check": an index of 003 and 004 (000 is the new article); "archive": all three."""
    folder = tmp_path_factory.mktemp("web-browser")
    check_index = build_index(folder / "check.db", [A003, A004])
    archive_index = build_index(folder / "archive.db", [A000.parent])
    site_pages = {"/000.html": article_page(A000.read_text(encoding="utf-8"))}
    with page_server(site_pages) as site, \
            serve_app(WebConfig(check_index, workers=2, allow_private_urls=True)) as (check, _), \
            serve_app(WebConfig(IndexSpec("sqlite", archive_index.path), workers=1)) as (archive, _):
        yield {"check": check, "archive": archive, "site": site}


@pytest.fixture
def clean(driver, servers) -> Iterator[None]:
    """Empty logs before the test; after it, no console error or warning, and no request
    outside the app's servers and the local test site (an expected error status of the page
    itself is named by the test in `driver.expected_errors`)."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.expected_errors = ()
    yield
    console = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")
               and not any(x in e["message"] for x in driver.expected_errors)]
    assert console == []
    allowed = tuple(servers.values())
    outside = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(allowed) and not url.startswith(("data:", "about:")):
                outside.append(url)
    assert outside == []


def wait_for(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def result_loaded(driver) -> None:
    """Wait for the result page and for its report frame to be fitted to its content."""
    from selenium.webdriver.common.by import By

    wait_for(driver, lambda d: "/results/" in d.current_url)
    frame = driver.find_element(By.ID, "report")
    wait_for(driver, lambda d: frame.size["height"] > 1000)


def text_of(element) -> str:
    return element.get_attribute("textContent").strip()


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")


def test_paste_000_and_see_003_flagged_as_paraphrase(driver, servers, clean, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    driver.set_window_size(1280, 900)
    driver.get(servers["check"] + "/")
    text = A000.read_text(encoding="utf-8")
    area = driver.find_element(By.ID, "text")
    driver.execute_script("arguments[0].value = arguments[1]", area, text)
    driver.find_element(By.ID, "title").send_keys("Raisi in Moscow")
    driver.find_element(By.ID, "outlet").send_keys("The Example Times")
    driver.set_window_size(1280, 1000)  # down to the Check button
    save_screenshot(driver, tmp_path, "web-check.png")
    driver.set_window_size(1280, 900)
    driver.find_element(By.CSS_SELECTOR, "#check-form button[type=submit]").click()
    result_loaded(driver)
    assert text_of(driver.find_element(By.ID, "verdict")) == "paraphrase"
    origin = driver.find_element(By.CSS_SELECTOR, ".summary .refs li")
    assert A003.name in origin.get_attribute("innerHTML") and "paraphrase" in origin.text.lower()
    driver.set_window_size(1280, 1300)
    save_screenshot(driver, tmp_path, "web-report.png")

    # The report itself, in its frame: 003 flagged, its sentences aligned with the article's.
    driver.switch_to.frame(driver.find_element(By.ID, "report"))
    try:
        row = driver.find_element(By.CSS_SELECTOR, "tr.flagged")
        assert A003.name in row.text and "paraphrase" in row.text.lower()
        pairs = driver.find_elements(By.CSS_SELECTOR, "#panel-0 .row.pair")
        assert len(pairs) >= 8
        first = pairs[0]
        assert first.find_element(By.CSS_SELECTOR, ".side.art").text.strip()
        assert first.find_element(By.CSS_SELECTOR, ".side.srccol").text.strip()
    finally:
        driver.switch_to.default_content()

    # Its downloads and permalink point at this result.
    permalink = driver.find_element(By.ID, "permalink").get_attribute("value")
    assert permalink == driver.current_url
    json_link = driver.find_element(By.ID, "download-json").get_attribute("href")
    assert json_link == permalink + ".json?download=1"
    driver.set_window_size(1280, 900)


def test_upload_a_file(driver, servers, clean, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    upload = tmp_path / "raisi-visit.html"
    upload.write_bytes(article_page(A000.read_text(encoding="utf-8"), "Raisi visits Moscow"))
    driver.get(servers["check"] + "/")
    driver.find_element(By.CSS_SELECTOR, "label[for=src-file]").click()
    field = driver.find_element(By.ID, "file")
    assert field.is_displayed() and not driver.find_element(By.ID, "text").is_displayed()
    field.send_keys(str(upload))
    driver.find_element(By.CSS_SELECTOR, "#check-form button[type=submit]").click()
    result_loaded(driver)
    assert driver.find_element(By.ID, "result-title").text == "Raisi visits Moscow"
    assert text_of(driver.find_element(By.ID, "verdict")) == "paraphrase"


def test_check_a_url_on_a_local_site(driver, servers, clean) -> None:
    from selenium.webdriver.common.by import By

    driver.get(servers["check"] + "/")
    driver.find_element(By.CSS_SELECTOR, "label[for=src-url]").click()
    driver.find_element(By.ID, "url").send_keys(servers["site"] + "/000.html")
    driver.find_element(By.CSS_SELECTOR, "#check-form button[type=submit]").click()
    result_loaded(driver)
    assert text_of(driver.find_element(By.ID, "verdict")) == "paraphrase"
    assert driver.find_element(By.ID, "result-title").text == "Raisi in Moscow"


def test_empty_text_is_a_message_not_a_stack_trace(driver, servers, clean) -> None:
    from selenium.webdriver.common.by import By

    driver.expected_errors = ("status of 400",)  # the page answers 400 Bad Request, as it should
    driver.get(servers["check"] + "/")
    driver.find_element(By.CSS_SELECTOR, "#check-form button[type=submit]").click()
    alert = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"))[0]
    assert "empty text" in alert.text
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Traceback" not in body and "internal error" not in body
    assert driver.find_element(By.ID, "text").is_displayed()  # the form, ready to try again


def test_archive_page_of_003_lists_000_as_reusing_it(driver, servers, clean, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(servers["archive"] + "/documents")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.archive tbody tr")
    assert len(rows) == 3
    save_screenshot(driver, tmp_path, "web-archive.png")
    search = driver.find_element(By.ID, "q")
    search.send_keys("sputnik")
    search.submit()
    wait_for(driver, lambda d: "q=sputnik" in d.current_url)
    links = driver.find_elements(By.CSS_SELECTOR, "table.archive tbody a")
    assert [a.get_attribute("href").rsplit("/", 1)[1] for a in links] == [A003.name]
    links[0].click()
    # A "working" page may come first; its meta refresh brings the document's page.
    reused_by = wait_for(driver, lambda d: d.find_elements(By.ID, "reused-by"))[0]
    hrefs = [a.get_attribute("href") for a in reused_by.find_elements(By.TAG_NAME, "a")]
    assert hrefs == [f"{servers['archive']}/documents/{A000.name}"]
    assert "paraphrase" in reused_by.text.lower()


def test_pages_fit_a_phone(driver, servers, clean) -> None:
    from selenium.webdriver.common.by import By

    driver.set_window_size(390, 844)
    try:
        for url in (servers["check"] + "/", servers["archive"] + "/documents"):
            driver.get(url)
            assert no_sideways_scroll(driver), url
        fields = [driver.find_element(By.ID, "q")]
        assert fields[0].size["width"] > 200
        driver.get(servers["check"] + "/")
        title = driver.find_element(By.ID, "title")
        published = driver.find_element(By.ID, "published")
        assert published.location["y"] > title.location["y"]  # one column
        time.sleep(0.1)
    finally:
        driver.set_window_size(1280, 900)
