"""mypy over support, practice, articles and portal: no errors allowed beyond a baseline.

`python .ci/mypy_baseline.py` runs mypy with the configuration in pyproject.toml and fails on
any error that is not in .ci/mypy-baseline.txt, and on any baseline entry that no longer occurs
(so a baseline only shrinks). Entries are matched without their line numbers, so moving code
within a file does not disturb them. `--update` rewrites the baseline from the current errors,
and removes the file when there are none.

The baseline is empty: there is no .ci/mypy-baseline.txt, so any mypy error fails. The file is
only for a change too large to type in one go (write it with `--update`, then shrink it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).with_name("mypy-baseline.txt")


def run_mypy() -> tuple[list[str], Counter[str]]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-pretty", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed (configuration, crash)
        sys.stdout.write(result.stdout + result.stderr)
        sys.exit(result.returncode)
    lines = [line for line in result.stdout.splitlines() if ": error: " in line]
    return lines, Counter(strip_line_number(line) for line in lines)


def strip_line_number(line: str) -> str:
    return re.sub(r"^([^:]+):\d+: ", r"\1: ", line)


def main() -> int:
    lines, current = run_mypy()
    if "--update" in sys.argv:
        if current:
            BASELINE.write_text("".join(f"{e}\n" for e in sorted(current.elements())))
            print(f"mypy baseline: {sum(current.values())} errors written to {BASELINE.name}")
        else:
            BASELINE.unlink(missing_ok=True)
            print(f"mypy baseline: 0 errors, no {BASELINE.name}")
        return 0
    known = Counter(BASELINE.read_text().splitlines()) if BASELINE.exists() else Counter()
    new, fixed = current - known, known - current
    for line in lines:
        if new[strip_line_number(line)] > 0:
            print(line)
    if new:
        print(f"mypy: {sum(new.values())} new errors (not in .ci/{BASELINE.name})")
    if fixed:
        print(f"mypy: {sum(fixed.values())} baseline errors are gone; remove them with --update:")
        print("".join(f"  {e}\n" for e in sorted(fixed.elements())), end="")
    if new or fixed:
        return 1
    if known:
        print(f"mypy: no new errors ({sum(known.values())} in the baseline)")
    else:
        print("mypy: no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
