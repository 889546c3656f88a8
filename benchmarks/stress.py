"""Run the crash test (SIGKILL during `index add`) and the concurrent reader/writer test many
times in a row and print the tally: a flaky pass is not a pass.

    python benchmarks/stress.py [--rounds 20] [--only kill|concurrency]

Each round calls the test function itself (tests/test_crash.py, tests/test_concurrency.py) in a
fresh temporary folder, with real processes and a real SQLite file, exactly as pytest runs it.
Exit status 0 when every round passed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_concurrency import test_checks_read_while_index_add_writes  # noqa: E402
from tests.test_crash import test_sigkill_during_index_add_then_rerun_completes  # noqa: E402

TESTS: dict[str, Callable[[Path], None]] = {
    "kill": test_sigkill_during_index_add_then_rerun_completes,
    "concurrency": test_checks_read_while_index_add_writes,
}


def run_rounds(name: str, test: Callable[[Path], None], rounds: int) -> tuple[int, list[str]]:
    passed = 0
    failures = []
    for number in range(1, rounds + 1):
        folder = Path(tempfile.mkdtemp(prefix=f"provenance-stress-{name}-"))
        start = time.perf_counter()
        try:
            test(folder)
        except Exception as exc:  # an assertion or anything else: a failed round, keep going
            failures.append(f"round {number}: {type(exc).__name__}: {str(exc)[:300]}")
            outcome = "FAIL"
            traceback.print_exc(limit=3, file=sys.stderr)
        else:
            passed += 1
            outcome = "ok"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"{name:<12} round {number:>2}/{rounds}  {outcome:<4}  {time.perf_counter() - start:6.1f} s",
              flush=True)
    return passed, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", choices=sorted(TESTS))
    args = parser.parse_args(argv)
    tally = {}
    for name, test in TESTS.items():
        if args.only and name != args.only:
            continue
        tally[name] = run_rounds(name, test, args.rounds)
    print()
    print("tally")
    for name, (passed, failures) in tally.items():
        print(f"  {name:<12} {passed}/{args.rounds} passed")
        for failure in failures:
            print(f"    {failure}")
    return 0 if all(not failures for _, failures in tally.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
