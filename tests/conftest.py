"""Shared fixtures. Tests needing a system program skip with a message naming it, unless
PROVENANCE_REQUIRE_SYSTEM=1 (set by .ci/run) turns the skip into a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
A000 = SAMPLES / "000_49245dd74f8c1102.txt"
A003 = SAMPLES / "003_121186e99e69e98f.txt"
A004 = SAMPLES / "004_f61bc535f1bcf6e4.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"
SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE = os.environ.get("PROVENANCE_UPDATE_GOLDEN") == "1"

# Reports record when they were made; a fixed SOURCE_DATE_EPOCH keeps their bytes the same from
# run to run, as the README's reproducible-output promise says (tests of the clock unset it).
os.environ["SOURCE_DATE_EPOCH"] = "1700000000"

hypothesis_settings.register_profile("ci", derandomize=True, max_examples=100, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


def require_program(*names: str) -> dict[str, str]:
    """Paths of the named programs, or skip (fail under PROVENANCE_REQUIRE_SYSTEM=1)."""
    found = {}
    missing = []
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            found[name] = path
        else:
            missing.append(name)
    if missing:
        message = f"needs {', '.join(missing)} (Debian packages: chromium, chromium-driver, redis-server)"
        if os.environ.get("PROVENANCE_REQUIRE_SYSTEM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def assert_one_error(result, exit_code: int, *fragments: str) -> str:
    """Exactly one `provenance: error:` line naming every fragment, the exit code, no traceback."""
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == exit_code, (result.exit_code, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("provenance: error: ")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium through Selenium (no driver download): console and network logs
    on, background networking off (this machine has no network; nothing may be requested)."""
    programs = require_program("chromium", "chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="provenance-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = programs["chromium"]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(programs["chromedriver"]), options=options)
    browser.set_window_size(1280, 900)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def save_screenshot(driver, tmp_path: Path, name: str) -> None:
    """Save a browser screenshot; with PROVENANCE_UPDATE_GOLDEN=1 also to docs/screenshots."""
    shot = tmp_path / name
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if UPDATE:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)


def cli_without_permission_override(*args: object, timeout: float = 120
                                    ) -> subprocess.CompletedProcess:
    """Run the CLI in a real process where file modes apply. Root reads and writes any file
    whatever its mode, so as root the capabilities that allow it (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH) are dropped from the child with setpriv (util-linux)."""
    command = [sys.executable, "-m", "provenance", *map(str, args)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file modes do not stop root")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
