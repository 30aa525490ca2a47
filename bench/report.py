"""Medians, targets, and the markdown table and chart made from one run's results."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench.events import CASE_LABELS, CASES, DB_FREE_CASES
from bench.harness import DDB_LABELS, LAMBDA_UNZIPPED_LIMIT, LAMBDA_ZIPPED_LIMIT, MB, Results

# The project's speed targets (the README's Speed section), as limits on ratios or differences
# measured in the same run.
COLD_VS_POWERTOOLS = 0.10
COLD_OVER_BARE_MS = 20.0
WARM_VS_POWERTOOLS = 0.15
HEALTH_VS_BARE = 3.0
DDB_OVERHEAD = 1.10
ARTIFACT_ZIPPED_BYTES = 1_000_000


SHORT_CASE_LABELS = {
    "health": "/health",
    "invalid_body": "invalid body",
    "invalid_query": "limit=abc",
    "unknown_route": "unknown route",
    "create": "valid create",
    "get": "valid get",
}


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def summarise(results: Results) -> dict[str, Any]:
    stacks: dict[str, Any] = {}
    for key, info in results.stacks.items():
        cold = results.cold.get(key, [])
        warm_runs = results.warm.get(key, [])
        entry: dict[str, Any] = {"label": info["label"], "validates": info["validates"]}
        if cold:
            for name in (
                "init_ms",
                "first_response_ms",
                "cold_ms",
                "cold_cpu_ms",
                "wall_ms",
                "rss_after_init_mib",
                "rss_after_first_mib",
                "modules_after_init",
            ):
                values = [run[name] for run in cold]
                entry[name] = _median(values)
                entry[name + "_range"] = [min(values), max(values)]
            entry["cold_runs"] = len(cold)
            entry["boto3_after_health"] = any(run["boto3_after_health"] for run in cold)
            invalid = [run["invalid_request"] for run in cold if run["invalid_request"]]
            entry["boto3_after_invalid"] = any(i["boto3_loaded"] for i in invalid) if invalid else None
            entry["cold_statuses"] = sorted({run["status"] for run in cold})
        warm: dict[str, Any] = {}
        for case in CASES:
            found = [run["cases"][case] for run in warm_runs if case in run["cases"]]
            if found:
                samples = [s for f in found for s in f["samples_us"]]
                warm[case] = {
                    "us": _median(samples),
                    "range_us": [min(samples), max(samples)],
                    "statuses": sorted({f["status"] for f in found}),
                    "calls_per_repeat": found[0]["calls_per_repeat"],
                    "boto3_loaded": any(f["boto3_loaded"] for f in found),
                }
        entry["warm"] = warm
        if key in results.footprints:
            entry["footprint"] = results.footprints[key]
        stacks[key] = entry
    ddb: dict[str, Any] = {}
    for key, runs in (results.ddb.get("runs") or {}).items():
        if not runs:
            continue
        ddb[key] = {
            "label": DDB_LABELS[key],
            "cold_ms": _median([r["cold_ms"] for r in runs]),
            "cold_ms_range": [min(r["cold_ms"] for r in runs), max(r["cold_ms"] for r in runs)],
            "init_ms": _median([r["init_ms"] for r in runs]),
            "cold_cpu_ms": _median([r["cold_cpu_ms"] for r in runs]),
            "first_response_ms": _median([r["first_response_ms"] for r in runs]),
            "wall_ms": _median([r["wall_ms"] for r in runs]),
            "runs": len(runs),
        }
    summary = {
        "stacks": stacks,
        "ddb": ddb,
        "artifact": results.artifact,
        "ddb_skipped": results.ddb.get("skipped"),
    }
    summary["targets"] = targets(summary)
    return summary


def _target(name: str, measured: str, limit: str, passed: bool | None, value: float | None) -> dict[str, Any]:
    return {"target": name, "measured": measured, "limit": limit, "pass": passed, "value": value}


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    stacks, ddb, artifact = summary["stacks"], summary["ddb"], summary["artifact"]
    ours, bare, powertools = stacks.get("project"), stacks.get("bare"), stacks.get("powertools")
    found = []

    def missing(name: str, limit: str, why: str) -> None:
        found.append(_target(name, f"not measured ({why})", limit, None, None))

    name = "cold start (import + init + first response) vs Powertools"
    if ours and powertools and "cold_ms" in ours and "cold_ms" in powertools:
        ratio = ours["cold_ms"] / powertools["cold_ms"]
        found.append(
            _target(
                name,
                f"{ours['cold_ms']:.1f} / {powertools['cold_ms']:.1f} ms = {ratio:.3f}x",
                f"<= {COLD_VS_POWERTOOLS:.2f}x",
                ratio <= COLD_VS_POWERTOOLS,
                ratio,
            )
        )
    else:
        missing(name, f"<= {COLD_VS_POWERTOOLS:.2f}x", "needs project and powertools")

    name = "cold start above the bare handler"
    if ours and bare and "cold_ms" in ours and "cold_ms" in bare:
        extra = ours["cold_ms"] - bare["cold_ms"]
        found.append(
            _target(
                name,
                f"{ours['cold_ms']:.1f} - {bare['cold_ms']:.1f} ms = {extra:+.1f} ms",
                f"<= {COLD_OVER_BARE_MS:.0f} ms",
                extra <= COLD_OVER_BARE_MS,
                extra,
            )
        )
    else:
        missing(name, f"<= {COLD_OVER_BARE_MS:.0f} ms", "needs project and bare")

    for case in DB_FREE_CASES:
        name = f"warm {CASE_LABELS[case]} vs Powertools"
        if ours and powertools and case in ours["warm"] and case in powertools["warm"]:
            a, b = ours["warm"][case]["us"], powertools["warm"][case]["us"]
            found.append(
                _target(
                    name,
                    f"{a:.1f} / {b:.1f} us = {a / b:.3f}x",
                    f"<= {WARM_VS_POWERTOOLS:.2f}x",
                    a / b <= WARM_VS_POWERTOOLS,
                    a / b,
                )
            )
        else:
            missing(name, f"<= {WARM_VS_POWERTOOLS:.2f}x", "needs project and powertools")

    name = "warm, all DB-free requests together vs Powertools"
    if ours and powertools and all(c in ours["warm"] and c in powertools["warm"] for c in DB_FREE_CASES):
        a = sum(ours["warm"][c]["us"] for c in DB_FREE_CASES)
        b = sum(powertools["warm"][c]["us"] for c in DB_FREE_CASES)
        found.append(
            _target(
                name,
                f"{a:.1f} / {b:.1f} us = {a / b:.3f}x",
                f"<= {WARM_VS_POWERTOOLS:.2f}x",
                a / b <= WARM_VS_POWERTOOLS,
                a / b,
            )
        )
    else:
        missing(name, f"<= {WARM_VS_POWERTOOLS:.2f}x", "needs project and powertools")

    name = "warm GET /health vs bare"
    if ours and bare and "health" in ours["warm"] and "health" in bare["warm"]:
        a, b = ours["warm"]["health"]["us"], bare["warm"]["health"]["us"]
        found.append(
            _target(
                name,
                f"{a:.1f} / {b:.1f} us = {a / b:.2f}x",
                f"<= {HEALTH_VS_BARE:.0f}x",
                a / b <= HEALTH_VS_BARE,
                a / b,
            )
        )
    else:
        missing(name, f"<= {HEALTH_VS_BARE:.0f}x", "needs project and bare")

    name = "first DynamoDB request of a cold process vs bare boto3"
    if "project" in ddb and "bare_boto3" in ddb:
        a, b = ddb["project"]["cold_ms"], ddb["bare_boto3"]["cold_ms"]
        found.append(
            _target(
                name,
                f"{a:.1f} / {b:.1f} ms = {a / b:.3f}x ({(a / b - 1) * 100:+.1f}%)",
                f"<= {DDB_OVERHEAD:.2f}x",
                a / b <= DDB_OVERHEAD,
                a / b,
            )
        )
    else:
        missing(name, f"<= {DDB_OVERHEAD:.2f}x", summary.get("ddb_skipped") or "DynamoDB step skipped")

    name = "deployment artifact, zipped"
    if "zipped_bytes" in artifact:
        size = artifact["zipped_bytes"]
        found.append(
            _target(
                name,
                f"{size / 1000:.1f} kB",
                f"< {ARTIFACT_ZIPPED_BYTES / 1e6:.0f} MB",
                size < ARTIFACT_ZIPPED_BYTES,
                size,
            )
        )
        found.append(
            _target(
                "Lambda limit, zipped direct upload",
                f"{size / MB:.3f} MiB",
                f"< {LAMBDA_ZIPPED_LIMIT / MB:.0f} MiB",
                size < LAMBDA_ZIPPED_LIMIT,
                size,
            )
        )
        unzipped = artifact["unzipped_bytes"]
        found.append(
            _target(
                "Lambda limit, unzipped",
                f"{unzipped / MB:.3f} MiB",
                f"< {LAMBDA_UNZIPPED_LIMIT / MB:.0f} MiB",
                unzipped < LAMBDA_UNZIPPED_LIMIT,
                unzipped,
            )
        )
    else:
        missing(name, f"< {ARTIFACT_ZIPPED_BYTES / 1e6:.0f} MB", "artifact step skipped")

    name = "no boto3 import for requests that need no DynamoDB"
    if ours and "boto3_after_health" in ours:
        loaded = ours["boto3_after_health"] or bool(ours["boto3_after_invalid"])
        found.append(
            _target(
                name,
                "boto3 loaded" if loaded else "boto3 not loaded after /health nor after a 400",
                "not loaded",
                not loaded,
                None,
            )
        )
    else:
        missing(name, "not loaded", "needs project")
    return found


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "MISS", None: "n/a"}[passed]


def _fmt_range(values: list[float], digits: int = 1) -> str:
    return f"{values[0]:.{digits}f}-{values[1]:.{digits}f}"


def markdown(results: Results, summary: dict[str, Any]) -> str:
    machine = results.machine
    options = results.options
    stacks = summary["stacks"]
    kind = "QUICK smoke run, numbers are not stable" if options["quick"] else "full run"
    load = f"load average at start {machine['load_average_at_start']}"
    if "load_average_at_end" in machine:
        load += f", at end {machine['load_average_at_end']}"
    lines = ["# Users API: this project's handler side by side with the alternatives", ""]
    lines += [
        f"- Machine: {machine['cpu']}, {machine['usable_cores']} usable of {machine['logical_cores']} cores, "
        f"{machine['memory']}; {machine['platform']}; {load}",
        f"- Python {machine['python']} ({machine['python_executable']})",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v),
        f"- Started {machine['started']}; {kind}",
        "",
        "How it was measured:",
        "",
        f"- Cold: {options['cold_runs']} fresh processes per stack, interleaved across stacks; medians. "
        "Clock in the child from before the stack's first import to after its first response "
        "(GET /health). Every stack ran once first to write its .pyc files (PYTHONDONTWRITEBYTECODE "
        "unset for the children), so all stacks load precompiled bytecode, as a deployment would. "
        "Before the clock, each child imports what AWS's Python runtime has imported before it loads a "
        "handler (json, logging, os, site, time, traceback, warnings), for every stack alike.",
        f"- Warm: {options['warm_rounds']} processes per stack (interleaved) x "
        f"{options['warm_repeats']} timed repeats of ~{options['warm_iteration_ms']:.0f} ms each, after a "
        "warm-up; median microseconds per request (time.perf_counter_ns in the child).",
        f"- First DynamoDB request: {options['ddb_runs']} fresh processes per handler against one DynamoDB "
        "Local, alternating which handler goes first; medians.",
        "- Storage is stubbed identically for every stack: one in-memory store object with the interface of "
        "users.storage.UserStore (bench/memstore.py) replaces the stack's storage before the warm requests.",
        "- Logging: the same for every stack, a NullHandler on the root logger (records are made, nothing is "
        "written).",
        "",
        "## Cold start and memory",
        "",
        "| stack | import + init (ms) | first response (ms) | **init + first response (ms)** (min-max) | "
        "CPU time of that (ms) | process wall (ms) | peak RSS after init (MiB) | modules loaded |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in stacks.values():
        if "cold_ms" not in entry:
            continue
        lines.append(
            f"| {entry['label']} | {entry['init_ms']:.1f} | {entry['first_response_ms']:.2f} | "
            f"**{entry['cold_ms']:.1f}** ({_fmt_range(entry['cold_ms_range'])}) | "
            f"{entry['cold_cpu_ms']:.0f} | {entry['wall_ms']:.0f} | {entry['rss_after_init_mib']:.1f} | "
            f"{entry['modules_after_init']:.0f} |"
        )
    lines += ["", "## Warm cost per request (µs, median)", ""]
    keys = [k for k in stacks if stacks[k]["warm"]]
    lines.append("| request | " + " | ".join(stacks[k]["label"] for k in keys) + " |")
    lines.append("|---|" + "---:|" * len(keys))
    for case in CASES:
        cells = []
        for key in keys:
            found = stacks[key]["warm"].get(case)
            if found is None:
                cells.append("— (no validation)")
            else:
                cells.append(f"{found['us']:.1f} ({'/'.join(map(str, found['statuses']))})")
        lines.append(f"| {CASE_LABELS[case]} | " + " | ".join(cells) + " |")
    lines += ["", "Status codes answered are in parentheses.", ""]

    lines += ["## First DynamoDB request of a cold process (DynamoDB Local)", ""]
    if summary["ddb"]:
        lines += [
            "| handler | init (ms) | first GET /users/{id} (ms) | **init + first response (ms)** (min-max) | "
            "CPU time of that (ms) | process wall (ms) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for entry in summary["ddb"].values():
            lines.append(
                f"| {entry['label']} | {entry['init_ms']:.1f} | {entry['first_response_ms']:.1f} | "
                f"**{entry['cold_ms']:.1f}** ({_fmt_range(entry['cold_ms_range'])}) | "
                f"{entry['cold_cpu_ms']:.0f} | {entry['wall_ms']:.0f} |"
            )
        lines.append("")
    else:
        lines += [f"Not measured: {results.ddb.get('skipped', 'skipped')}", ""]

    lines += ["## Deployment size", ""]
    artifact = summary["artifact"]
    if "zipped_bytes" in artifact:
        contents = ", ".join(artifact["contents"])
        lines.append(
            f"This project's function ({artifact.get('built_with')}): "
            f"**{artifact['zipped_bytes'] / 1000:.1f} kB zipped**, "
            f"{artifact['unzipped_bytes'] / 1000:.1f} kB unzipped, {artifact['files']} files ({contents}). "
            "Lambda's limits: 50 MiB zipped (direct upload), 250 MiB unzipped."
        )
    else:
        lines.append(f"This project's function: not measured ({artifact.get('skipped')}).")
    lines += [
        "",
        "What each stack's libraries add to a package (installed distributions and their "
        "dependencies, less those the Lambda runtime provides, zipped; x86_64 wheels of this machine):",
        "",
        "| stack | zipped (kB) | unzipped (kB) | distributions |",
        "|---|---:|---:|---|",
    ]
    for entry in stacks.values():
        footprint = entry.get("footprint")
        if footprint is not None:
            names = ", ".join(footprint["distributions"]) or "none (stdlib only)"
            lines.append(
                f"| {entry['label']} | {footprint['zipped_bytes'] / 1000:.1f} | "
                f"{footprint['unzipped_bytes'] / 1000:.1f} | {names} |"
            )

    lines += ["", "## Targets", "", "| target | measured | limit | result |", "|---|---|---|---|"]
    for target in summary["targets"]:
        lines.append(
            f"| {target['target']} | {target['measured']} | {target['limit']} | "
            f"**{_verdict(target['pass'])}** |"
        )
    for entry in stacks.values():
        if entry.get("boto3_after_health") or entry.get("boto3_after_invalid"):
            lines.append(f"\nNote: {entry['label']} loaded boto3 for a request that needs no DynamoDB.")
    if results.failed:
        lines += ["", "## Failed runs (left out of the medians)", ""]
        for key, error in results.failed.items():
            count = results.failures.get(key)
            last = error.strip().splitlines()[-1]
            lines.append(f"- {key}: {f'{count} run(s)' if count else 'every run'}; {last}")
    if results.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in results.notes]
    return "\n".join(lines) + "\n"


def chart(summary: dict[str, Any], path: Path) -> bool:
    """Draw docs/bench.png; False when matplotlib is not installed (the dev venv)."""
    try:
        import matplotlib  # noqa: PLC0415 - optional: only the bench venv has it

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return False
    stacks = {k: v for k, v in summary["stacks"].items() if "cold_ms" in v}
    labels = [v["label"].replace(", ", ",\n").replace(" (", "\n(") for v in stacks.values()]
    colours = [
        "#1b7837"
        if k == "project"
        else "#7fbf7b"
        if k.startswith("project")
        else "#999999"
        if k == "bare"
        else "#5e81ac"
        for k in stacks
    ]
    fig, axes = plt.subplots(2, 2, figsize=(15, 10.5))
    (cold_ax, warm_ax), (rss_ax, target_ax) = axes

    cold = [v["cold_ms"] for v in stacks.values()]
    bars = cold_ax.barh(labels, cold, color=colours)
    cold_ax.bar_label(bars, labels=[f"{c:.1f} ms" for c in cold], padding=3, fontsize=8)
    cold_ax.invert_yaxis()
    cold_ax.set_title("Cold: import + init + first response (ms, median)")
    cold_ax.set_xlim(0, max(cold) * 1.18)
    cold_ax.tick_params(axis="y", labelsize=8)

    keys = [k for k in stacks if stacks[k]["warm"]]
    width = 0.8 / max(1, len(keys))
    for index, key in enumerate(keys):
        values = [stacks[key]["warm"].get(case, {}).get("us", 0) for case in CASES]
        positions = [i + index * width for i in range(len(CASES))]
        warm_ax.bar(
            positions,
            values,
            width,
            label=stacks[key]["label"],
            color=["#1b7837", "#999999", "#5e81ac", "#d08770", "#b48ead"][index % 5],
        )
    warm_ax.set_xticks([i + width * (len(keys) - 1) / 2 for i in range(len(CASES))])
    warm_ax.set_xticklabels([SHORT_CASE_LABELS[c] for c in CASES], fontsize=8)
    warm_ax.set_yscale("log")
    warm_ax.set_title("Warm cost per request (µs, median, log scale)")
    warm_ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)

    rss = [v["rss_after_init_mib"] for v in stacks.values()]
    bars = rss_ax.barh(labels, rss, color=colours)
    rss_ax.bar_label(bars, labels=[f"{r:.1f} MiB" for r in rss], padding=3, fontsize=8)
    rss_ax.invert_yaxis()
    rss_ax.set_xlim(0, max(rss) * 1.18)
    rss_ax.set_title("Peak RSS after init (MiB)")
    rss_ax.tick_params(axis="y", labelsize=8)

    measured = [
        t
        for t in summary["targets"]
        if t["pass"] is not None and t["value"] is not None and "Lambda limit" not in t["target"]
    ]
    share = []
    for t in measured:
        limit = float("".join(ch for ch in t["limit"] if ch.isdigit() or ch == "."))
        value = t["value"] if "MB" not in t["limit"] else t["value"] / 1e6
        share.append(value / limit)
    names = [t["target"].replace(" vs ", "\nvs ") for t in measured]
    bars = target_ax.barh(names, share, color=["#1b7837" if t["pass"] else "#bf212f" for t in measured])
    target_ax.bar_label(bars, labels=[t["measured"].split("= ")[-1] for t in measured], padding=3, fontsize=7)
    target_ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    target_ax.invert_yaxis()
    target_ax.set_title("Targets: measured / limit (left of the dashed line = met)")
    target_ax.tick_params(axis="y", labelsize=7)
    fig.suptitle("Users API on Lambda: this project's handler against the alternatives, one run", fontsize=13)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
