"""`python -m bench`: this project's handler side by side with the alternatives, in one run.

Run it with the bench venv (`.venv-bench/bin/python -m bench`, or `make bench`). It prints a
markdown report and writes bench/results/latest.json, bench/results/latest.md and docs/bench.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for entry in (str(ROOT / "src"), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench import harness, report  # noqa: E402 - needs the paths above

RESULTS = ROOT / "bench" / "results"
CHART = ROOT / "docs" / "bench.png"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: few runs, short loops")
    parser.add_argument(
        "--stacks",
        default=",".join(harness.STACKS),
        help=f"comma-separated, from: {', '.join(harness.STACKS)} (default: all)",
    )
    parser.add_argument("--cold-runs", type=int, help="fresh processes per stack for cold start (default 15)")
    parser.add_argument("--no-ddb", action="store_true", help="skip the DynamoDB Local measurement")
    parser.add_argument(
        "--artifact",
        choices=("build", "existing", "skip"),
        default="build",
        help="build: run sam build into bench/results/sam-build (default); existing: measure "
        ".aws-sam/build from `make build`; skip",
    )
    parser.add_argument("--no-chart", action="store_true", help=f"do not draw {CHART.relative_to(ROOT)}")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and latest.md go")
    parser.add_argument("--chart", type=Path, default=CHART, help="where the chart goes")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the measured processes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    stacks = tuple(s.strip() for s in args.stacks.split(",") if s.strip())
    unknown = [s for s in stacks if s not in harness.STACKS]
    if unknown:
        print(f"unknown stacks: {', '.join(unknown)}", file=sys.stderr)
        return 2
    options = harness.Options(stacks=stacks, ddb=not args.no_ddb, artifact=args.artifact, python=args.python)
    if args.quick:
        options = dataclasses.replace(
            options, quick=True, cold_runs=2, warm_rounds=1, warm_repeats=2, warm_iteration_ms=5.0, ddb_runs=2
        )
    if args.cold_runs:
        options = dataclasses.replace(options, cold_runs=args.cold_runs, ddb_runs=args.cold_runs)
    options.progress = lambda text: print(text, file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    results = harness.run(options, build_dir=args.out / "sam-build")
    summary = report.summarise(results)
    text = report.markdown(results, summary)
    drawn = False if args.no_chart else report.chart(summary, args.chart)
    if not args.no_chart and not drawn:
        results.notes.append("matplotlib is not installed here: no chart drawn (use .venv-bench).")
        text = report.markdown(results, summary)
    document = {"summary": summary, "raw": dataclasses.asdict(results)}
    (args.out / "latest.json").write_text(
        json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8"
    )
    (args.out / "latest.md").write_text(text, encoding="utf-8")
    print(text)
    where = [str(args.out / "latest.json"), str(args.out / "latest.md")] + (
        [str(args.chart)] if drawn else []
    )
    print("Wrote " + ", ".join(where), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
