"""Run every benchmark under bench/ (none of them runs in `make test`), then print one table.

Each `bench/bench_*.py` module has a `main()` that returns a `bench.report.Report` (or None
when it has nothing to report). Progress goes to the terminal while they run; the results
come together at the end so they can be copied as they are.
"""

import importlib
import pkgutil
import sys
from pathlib import Path

from bench.report import Report, render


def main() -> int:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_")
    )
    if not names:
        print("No benchmarks yet.")
    reports: list[Report] = []
    for name in names:
        print(f"== {name}", flush=True)
        report = importlib.import_module(f"bench.{name}").main()
        if isinstance(report, Report):
            reports.append(report)
    if reports:
        print("\n" + "\n\n".join(render(report) for report in reports))
    # A benchmark is a report, not a gate: what failed is printed above.
    return 0


if __name__ == "__main__":
    sys.exit(main())
