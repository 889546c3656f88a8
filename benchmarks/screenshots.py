"""Regenerate the README's screenshots of the HTML report (docs/screenshots/*.png).

    .venv/bin/python benchmarks/screenshots.py [--out docs/screenshots]

Renders the samples' reports as the README's commands do (`check` of sample 000 against samples/,
`compare` of 000 with 003), opens them in Debian's headless Chromium through Selenium (the driver
is /usr/bin/chromedriver, given explicitly: Selenium Manager never runs and nothing is downloaded)
and saves:

- check-report.png         desktop, 1280 px wide, the sources table, map and first pairs
- compare-report.png       desktop, the side by side of the comparison
- check-report-phone.png   a phone, 390 px wide (the sources as labelled cards, stacked columns)
- check-report-print.png   the first printed page of the check report (print media on A4)
- scan-report.png          the HTML page of `provenance scan samples/ --format html`

and prints the number of pages the check report takes when printed to PDF (A4 and US Letter).
SOURCE_DATE_EPOCH is fixed (unless set) so the pictures show a stable "Generated" time.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
A000 = SAMPLES / "000_49245dd74f8c1102.txt"
A003 = SAMPLES / "003_121186e99e69e98f.txt"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1")
A4 = {"paperWidth": 8.27, "paperHeight": 11.69}  # inches, as Page.printToPDF takes them
LETTER = {"paperWidth": 8.5, "paperHeight": 11.0}
A4_PAGE = (794, 1123)  # A4 at 96 CSS px per inch: the print screenshot's size
PAGE_MARGINS = "42px 38px"  # the report's @page margins, 11 mm and 10 mm


def program(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if path is None:
        sys.exit(f"screenshots: needs {name} (Debian packages: chromium, chromium-driver)")
    return path


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[object]:
    """Headless Chromium under Selenium, with browser and performance logs on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="provenance-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = program("chromium")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(program("chromedriver")), options=options)
    driver.set_window_size(width, height)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sample_reports(folder: Path) -> dict[str, Path]:
    """The check and compare reports of the samples as HTML files in `folder`."""
    from provenance.api import check, compare, index_from_paths
    from provenance.documents import load_document
    from provenance.report import render

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with contextlib.chdir(ROOT):  # paths in the reports as the README's commands give them
        samples, a000, a003 = (p.relative_to(ROOT) for p in (SAMPLES, A000, A003))
        index, _ = index_from_paths([samples])
        results = {"check": check(load_document(a000), index),
                   "compare": compare(load_document(a000), load_document(a003))}
    out = {}
    for name, result in results.items():
        out[name] = folder / f"{name}.html"
        out[name].write_text(render(result, "html"), encoding="utf-8")
    from provenance.api.scan import scan
    from provenance.documents import iter_documents
    from provenance.report.scan import render_scan

    with contextlib.chdir(ROOT):
        groups = scan(iter_documents([SAMPLES.relative_to(ROOT)]), workers=1)
    out["scan"] = folder / "scan.html"
    out["scan"].write_text(render_scan(groups, "html"), encoding="utf-8")
    return out


def print_pdf(driver, paper: dict[str, float] | None = None) -> bytes:
    """The page printed to PDF by Chromium (Page.printToPDF), margins from the page's @page."""
    options = {"printBackground": True, "preferCSSPageSize": False, **(paper or A4)}
    data = driver.execute_cdp_cmd("Page.printToPDF", options)["data"]
    return base64.b64decode(data)


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its /Type /Page objects (not /Pages, the tree's nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def emulate_print(driver, on: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if on else ""})


def print_page_one(driver, path: Path) -> None:
    """The first printed page: print media emulated on an A4 page (794 x 1123 CSS px), the
    margins of the report's @page (11 mm, 10 mm) drawn as padding."""
    driver.set_window_size(*A4_PAGE)
    emulate_print(driver, True)
    driver.execute_script("document.body.style.padding = arguments[0]", PAGE_MARGINS)
    try:
        shoot(driver, path)
    finally:
        driver.execute_script("document.body.style.padding = ''")
        emulate_print(driver, False)


def shoot(driver, path: Path) -> None:
    assert driver.save_screenshot(str(path)), path
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots",
                        help="folder for the PNG files (default: docs/screenshots)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="provenance-shots-") as tmp:
        reports = sample_reports(Path(tmp))
        with chromium() as driver:
            driver.get(reports["check"].as_uri())
            driver.set_window_size(1280, 1250)
            shoot(driver, args.out / "check-report.png")

            driver.set_window_size(1280, 900)
            driver.get(reports["compare"].as_uri())
            driver.execute_script("document.getElementById('h-compare').scrollIntoView()")
            shoot(driver, args.out / "compare-report.png")

            driver.set_window_size(390, 1400)
            driver.get(reports["check"].as_uri())
            shoot(driver, args.out / "check-report-phone.png")

            driver.get(reports["check"].as_uri())
            print_page_one(driver, args.out / "check-report-print.png")
            emulate_print(driver, False)

            driver.set_window_size(1280, 900)
            driver.get(reports["scan"].as_uri())
            shoot(driver, args.out / "scan-report.png")

            driver.get(reports["check"].as_uri())
            for name, paper in (("A4", A4), ("Letter", LETTER)):
                pages = pdf_pages(print_pdf(driver, paper))
                print(f"check report printed on {name}: {pages} page{'' if pages == 1 else 's'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
