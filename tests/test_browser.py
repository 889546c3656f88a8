"""The HTML report in a real browser: Debian's headless Chromium driven by Selenium.

The driver is /usr/bin/chromedriver, given explicitly, so Selenium Manager never runs and nothing
is downloaded. Screenshots go to the test's temporary folder; with PROVENANCE_UPDATE_GOLDEN=1
they also replace docs/screenshots/*.png (referenced by the README; benchmarks/screenshots.py
makes the same pictures without running the tests). Printing goes through Chrome DevTools'
Page.printToPDF, and print media is emulated with Emulation.setEmulatedMedia.
"""

from __future__ import annotations

import base64
import contextlib
import re
from pathlib import Path

import pytest

from provenance.api import check, compare, index_from_paths
from provenance.documents import load_document
from provenance.report import render

from .conftest import A000, A003, ROOT, SAMPLES, save_screenshot
from .test_report_hostile import HOSTILE_META, hostile_corpus

MAX_PRINTED_PAGES = 4
PAPERS = {"A4": {"paperWidth": 8.27, "paperHeight": 11.69}, "Letter": {"paperWidth": 8.5, "paperHeight": 11.0}}
PHONE = 390  # CSS pixels: a phone's width


@pytest.fixture(scope="module")
def driver(chromium) -> object:
    return chromium


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    hostile = hostile_corpus(folder / "hostile")
    hostile_index, _ = index_from_paths([hostile["corpus"]])
    with contextlib.chdir(ROOT):  # paths in the reports as the README's commands give them
        samples, a000, a003 = (p.relative_to(ROOT) for p in (SAMPLES, A000, A003))
        index, _ = index_from_paths([samples])
        results = {
            "check": check(load_document(a000), index),
            "compare": compare(load_document(a000), load_document(a003)),
            "hostile": check(load_document(hostile["article"]), hostile_index),
        }
    out = {}
    for name, result in results.items():
        out[name] = folder / f"{name}.html"
        out[name].write_text(render(result, "html"), encoding="utf-8")
    out["scan"] = folder / "scan.html"
    out["scan"].write_text(_scan_html(), encoding="utf-8")
    return out


def _scan_html() -> str:
    from provenance.api.scan import scan
    from provenance.documents import iter_documents
    from provenance.report.scan import render_scan

    with contextlib.chdir(ROOT):
        return render_scan(scan(iter_documents([SAMPLES.relative_to(ROOT)]), workers=1), "html")


def open_report(driver, path: Path, width: int = 1280, height: int = 900) -> None:
    driver.set_window_size(width, height)
    driver.get(path.as_uri())
    driver.get_log("browser")  # start each page with empty logs
    driver.get_log("performance")


def loaded_again(driver, path: Path) -> tuple[list[dict], list[dict]]:
    """Reload the page, returning the browser console and performance logs of that load."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.as_uri())
    driver.execute_script("return document.readyState")
    return driver.get_log("browser"), driver.get_log("performance")


def rect(driver, element) -> dict:
    return driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)


def visible_in_viewport(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;", element)


def test_check_report_renders_side_by_side(driver, reports: dict[str, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["check"])
    panels = driver.find_elements(By.CSS_SELECTOR, ".panel")
    assert [p.is_displayed() for p in panels] == [True, False]  # one source at a time
    shown = panels[0]
    pairs = shown.find_elements(By.CSS_SELECTOR, ".row.pair")
    assert len(pairs) >= 8
    art = pairs[0].find_element(By.CSS_SELECTOR, ".side.art")
    src = pairs[0].find_element(By.CSS_SELECTOR, ".side.srccol")
    a, s = rect(driver, art), rect(driver, src)
    assert a["width"] > 300 and s["width"] > 300
    assert a["right"] <= s["left"] and abs(a["top"] - s["top"]) < 1  # same row, two columns
    for kind in ("changed", "inserted", "deleted"):
        marks = [m for m in shown.find_elements(By.CSS_SELECTOR, f".d-{kind}") if m.text.strip()]
        assert marks, f"no {kind} words highlighted"
    changed = shown.find_element(By.CSS_SELECTOR, ".d-changed")
    assert changed.value_of_css_property("border-bottom-style") == "dotted"  # not colour alone
    deleted = shown.find_element(By.CSS_SELECTOR, ".d-deleted")
    assert "line-through" in deleted.value_of_css_property("text-decoration")
    # Moved words: marked at both ends of the move, with their own line style.
    moved = [m.text for m in shown.find_elements(By.CSS_SELECTOR, ".d-moved")]
    assert "During his two-day visit to" in moved and "during his two-day visit to" in moved
    assert shown.find_element(By.CSS_SELECTOR, ".moved").value_of_css_property("outline-style") == "dashed"
    assert shown.find_elements(By.CSS_SELECTOR, ".row.gap")  # unaligned text in place
    assert driver.find_elements(By.CSS_SELECTOR, "svg.lane rect.m-src")  # the article map
    driver.set_window_size(1280, 1250)
    save_screenshot(driver, tmp_path, "check-report.png")
    driver.set_window_size(1280, 900)

    # The switch shows source B (004, verdict none) with its quotation aligned but not counted.
    driver.find_elements(By.CSS_SELECTOR, ".tab")[1].click()
    assert [p.is_displayed() for p in panels] == [False, True]
    notes = " ".join(n.text for n in panels[1].find_elements(By.CSS_SELECTOR, ".row.pair .mid"))
    assert "quotation in other words: not counted as copying" in notes


def test_clicking_a_sentence_scrolls_its_counterpart_into_view(driver, reports: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["check"], 1280, 700)
    # A pair row brought to the bottom edge of the window, its centre still visible.
    art = driver.find_element(By.ID, "p0-a8")
    counterpart = driver.find_element(By.ID, "p0-s8")
    driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                          "window.scrollBy(0, r.top - window.innerHeight + r.height / 2 + 20);", art)
    before = driver.execute_script("return window.scrollY")
    assert not visible_in_viewport(driver, counterpart)
    art.click()
    after = driver.execute_script("return window.scrollY")
    assert after > before
    assert visible_in_viewport(driver, counterpart)
    centre = rect(driver, counterpart)
    assert abs((centre["top"] + centre["bottom"]) / 2 - 350) < 120  # scrolled to the centre
    assert "flash" in counterpart.get_attribute("class")

    # From source B's panel, a sentence attributed to A jumps to its counterpart in A's panel.
    driver.execute_script("window.scrollTo(0, 0)")
    driver.find_elements(By.CSS_SELECTOR, ".tab")[1].click()
    jump = driver.find_element(By.CSS_SELECTOR, "#panel-1 .row.gap .seg.src[data-goto^='p0-s']")
    target = driver.find_element(By.ID, jump.get_attribute("data-goto"))
    assert not target.is_displayed()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", jump)
    jump.click()
    assert target.is_displayed() and visible_in_viewport(driver, target)
    assert driver.find_element(By.ID, "panel-0").is_displayed()

    # The article map: a bar scrolls its sentence into view.
    driver.execute_script("window.scrollTo(0, 0)")
    bar = driver.find_elements(By.CSS_SELECTOR, "svg.lane rect[data-goto^='p0-r']")[-1]
    row = driver.find_element(By.ID, bar.get_attribute("data-goto"))
    assert not visible_in_viewport(driver, row)
    bar.click()
    assert driver.execute_script("return window.scrollY") > 0
    assert driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                 "return r.bottom > 0 && r.top < window.innerHeight;", row)


@pytest.mark.parametrize("name", ["check", "compare", "hostile", "scan"])
def test_no_console_error_and_no_network_request(driver, reports: dict[str, Path], name: str) -> None:
    console, performance = loaded_again(driver, reports[name])
    errors = [entry for entry in console if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    requested = []
    for entry in performance:
        message = entry["message"]
        if '"Network.requestWillBeSent"' in message and reports[name].as_uri() not in message:
            requested.append(message[:200])
    assert requested == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_compare_report_shows_the_five_paragraphs_and_the_background(
        driver, reports: dict[str, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["compare"])
    rows = driver.find_elements(By.CSS_SELECTOR, "#panel-0 .row.pair, #panel-0 .row.gap")
    pair_text = " ".join(r.find_element(By.CSS_SELECTOR, ".side.art").text for r in rows
                         if "pair" in r.get_attribute("class"))
    assert "During his two-day visit to Russia" in pair_text
    assert "military-technical cooperation" in pair_text
    assert "Stalled nuclear talks" not in pair_text
    last_gap = [r for r in rows if "gap" in r.get_attribute("class")][-1]
    assert "Stalled nuclear talks" in last_gap.find_element(By.CSS_SELECTOR, ".side.art").text
    driver.execute_script("document.getElementById('h-compare').scrollIntoView()")
    save_screenshot(driver, tmp_path, "compare-report.png")


def test_narrow_screen_stacks_the_columns(driver, reports: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["compare"], 420, 900)
    pair = driver.find_element(By.CSS_SELECTOR, "#panel-0 .row.pair")
    a = rect(driver, pair.find_element(By.CSS_SELECTOR, ".side.art"))
    s = rect(driver, pair.find_element(By.CSS_SELECTOR, ".side.srccol"))
    assert s["top"] >= a["bottom"] - 1  # source below the article
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 420


def test_injected_markup_does_not_execute(driver, reports: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["hostile"])
    assert driver.execute_script("return typeof window.pwned") == "undefined"
    assert driver.title == "Provenance report: " + HOSTILE_META["title"]  # as text, not 'pwned'
    assert driver.execute_script("return document.images.length") == 0
    assert len(driver.find_elements(By.TAG_NAME, "script")) == 1
    assert len(driver.find_elements(By.TAG_NAME, "style")) == 1
    hrefs = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")]
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    # The payloads are on the page as text, where a reader can see them.
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "<script>window.pwned=1</script>" in body
    assert "onerror=\"document.title='pwned'\"" in body
    # Clicking around runs only the report's own script.
    for element in driver.find_elements(By.CSS_SELECTOR, ".tab"):
        element.click()
    assert driver.execute_script("return typeof window.pwned") == "undefined"


def pdf_pages(driver, paper: dict[str, float]) -> int:
    """Pages of the page printed to PDF (Page.printToPDF): its /Type /Page objects."""
    printed = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True, **paper})
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", base64.b64decode(printed["data"])))


def test_phone_width_keeps_every_label_of_the_sources_table(
        driver, reports: dict[str, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["check"], PHONE, 900)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE
    assert not driver.find_element(By.CSS_SELECTOR, ".sources thead").is_displayed()
    cells = driver.find_elements(By.CSS_SELECTOR, ".sources tbody td")
    assert len(cells) == 2 * 7
    for cell in cells:
        label = cell.get_attribute("data-label")
        assert label in ("Source", "Verdict", "Coverage", "Score", "Credited", "Published", "Direction")
        before = driver.execute_script(
            "const s = getComputedStyle(arguments[0], '::before');"
            "return [s.content, s.display, s.visibility, parseFloat(s.fontSize)];", cell)
        assert before[0] == f'"{label}"' and before[1] != "none" and before[2] == "visible"
        assert before[3] >= 9
        r = rect(driver, cell)
        assert 0 <= r["left"] and r["right"] <= PHONE  # on the screen, label and value
    # Label and value side by side: the value starts right of its label, on the same line.
    verdict = driver.find_element(By.CSS_SELECTOR, ".sources tbody td[data-label='Verdict'] .verdict")
    assert rect(driver, verdict)["left"] > rect(driver, verdict.find_element(By.XPATH, ".."))["left"] + 60
    # The side by side stacks, each side named.
    names = [n.text for n in driver.find_elements(By.CSS_SELECTOR, "#panel-0 .row.pair .side-name")[:2]]
    assert names == ["ARTICLE", "SOURCE A"]
    driver.set_window_size(PHONE, 1400)
    save_screenshot(driver, tmp_path, "check-report-phone.png")


def test_print_keeps_the_table_and_fits_on_four_pages(
        driver, reports: dict[str, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, reports["check"])
    for name, paper in PAPERS.items():
        pages = pdf_pages(driver, paper)
        assert 1 <= pages <= MAX_PRINTED_PAGES, f"{pages} pages on {name}"
    console, performance = driver.get_log("browser"), driver.get_log("performance")
    assert [e for e in console if e["level"] in ("SEVERE", "WARNING")] == []
    assert not [e for e in performance if '"Network.requestWillBeSent"' in e["message"]]
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0

    # What the printed page shows, on a page's width: the table with its header, every
    # source's pairs (the switch hidden), a pair never split over two pages.
    driver.set_window_size(718, 1040)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert driver.execute_script("return matchMedia('print').matches")
        head = driver.find_element(By.CSS_SELECTOR, ".sources thead")
        assert head.is_displayed() and head.value_of_css_property("display") == "table-header-group"
        assert [th.text for th in head.find_elements(By.TAG_NAME, "th")][:3] == ["SOURCE", "VERDICT", "COVERAGE"]
        assert not driver.find_element(By.CSS_SELECTOR, ".switch").is_displayed()
        assert all(p.is_displayed() for p in driver.find_elements(By.CSS_SELECTOR, ".panel"))
        assert all(t.is_displayed() for t in driver.find_elements(By.CSS_SELECTOR, ".panel-title"))
        pair = driver.find_element(By.CSS_SELECTOR, "#panel-0 .row.pair")
        assert pair.value_of_css_property("break-inside") == "avoid"
        a = rect(driver, pair.find_element(By.CSS_SELECTOR, ".side.art"))
        s = rect(driver, pair.find_element(By.CSS_SELECTOR, ".side.srccol"))
        assert a["right"] <= s["left"] and abs(a["top"] - s["top"]) < 1  # still side by side
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 718
        # The unflagged source B prints its pairs only; A prints the text around them too.
        assert driver.find_element(By.CSS_SELECTOR, "#panel-0 .row.gap").is_displayed()
        assert not driver.find_element(By.CSS_SELECTOR, "#panel-1 .row.gap").is_displayed()
        assert driver.find_element(By.CSS_SELECTOR, "#panel-1 .print-only").is_displayed()
        # Page one as benchmarks/screenshots.py draws it: an A4 page, @page margins as padding.
        driver.set_window_size(794, 1123)
        driver.execute_script("document.body.style.padding = '42px 38px'")
        save_screenshot(driver, tmp_path, "check-report-print.png")
        driver.execute_script("document.body.style.padding = ''")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    note = driver.find_element(By.CSS_SELECTOR, "#panel-1 .print-only")
    assert note.value_of_css_property("display") == "none"  # on screen, print notes are hidden


def test_scan_report_shows_the_group_and_links_each_member_to_its_evidence(
        driver, reports: dict[str, Path]) -> None:
    open_report(driver, reports["scan"])
    from selenium.webdriver.common.by import By

    text = driver.find_element(By.TAG_NAME, "body").text
    assert "003_121186e99e69e98f.txt" in text and "000_49245dd74f8c1102.txt" in text
    assert "paraphrase" in text
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, "a[href^='#']")]
    assert links
    target = links[0].get_attribute("href").split("#", 1)[1]
    links[0].click()
    assert driver.execute_script("return location.hash") == f"#{target}"
    assert driver.find_element(By.ID, target).is_displayed()
