"""Runs every measurement in child processes and gathers the results.

Each number comes from a fresh interpreter (bench/child.py), started in rounds that interleave
the stacks (A B C D A B C D ...), so a machine that slows down for a while slows every stack
alike. Medians are reported.
"""

from __future__ import annotations

import io
import json
import marshal
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import events

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "child.py"
TABLE_NAME = "bench-users"
REGION = "us-east-1"
MB = 1024 * 1024
LAMBDA_ZIPPED_LIMIT = 50 * MB
LAMBDA_UNZIPPED_LIMIT = 250 * MB


@dataclass(frozen=True)
class Stack:
    key: str
    module: str
    label: str
    validates: bool
    distributions: tuple[str, ...] = ()  # what its deployment would bundle


# The project as `sam build` packages it (src/Makefile compiles its bytecode), loaded without
# writing anything, as from Lambda's read-only /var/task.
AS_SHIPPED = Stack("project_as_shipped", "project", "this project as sam build ships it", True)


STACKS = {
    s.key: s
    for s in (
        Stack("project", "project", "this project (src/app.py)", True, ("fastjsonschema",)),
        Stack("bare", "bare", "bare dict routing, no validation", False),
        Stack(
            "powertools",
            "powertools",
            "Powertools APIGatewayHttpResolver, validation on",
            True,
            ("aws-lambda-powertools", "pydantic"),
        ),
        Stack("connexion", "connexion_app", "Connexion 3 AsyncApp + Mangum", True, ("connexion", "mangum")),
        Stack(
            "openapi_core", "openapi_core_app", "openapi-core 0.23 unmarshal_request", True, ("openapi-core",)
        ),
    )
}
DDB_STACKS = {
    "project": "project",
    "bare_boto3": "bare_boto3",
}
DDB_LABELS = {"project": "this project (src/app.py)", "bare_boto3": "bare boto3 GetItem handler"}
# The python3.13 Lambda runtime provides these, so no deployment bundles them.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
VERSIONS_OF = (
    "fastjsonschema",
    "aws-lambda-powertools",
    "pydantic",
    "pydantic-core",
    "connexion",
    "mangum",
    "starlette",
    "openapi-core",
    "openapi-schema-validator",
    "jsonschema",
    "boto3",
    "botocore",
    "matplotlib",
)


@dataclass
class Options:
    stacks: tuple[str, ...] = tuple(STACKS)
    cold_runs: int = 15
    # Six interleaved processes: with three, ratios moved by a tenth between runs on a shared machine.
    warm_rounds: int = 6
    warm_repeats: int = 5
    warm_iteration_ms: float = 40.0
    # Each first request takes ~250 ms, give or take 50: 15 runs left medians 10 % apart between runs.
    ddb_runs: int = 25
    ddb: bool = True
    artifact: str = "build"  # build | existing | skip
    python: str = sys.executable
    quick: bool = False
    timeout_s: float = 300.0
    progress: Any = None  # a callable taking one line of text


@dataclass
class Results:
    options: dict[str, Any]
    machine: dict[str, Any]
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # the first error of each stack and mode
    failures: dict[str, int] = field(default_factory=dict)  # how many runs failed
    cold: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warm: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ddb: dict[str, Any] = field(default_factory=dict)
    artifact: dict[str, Any] = field(default_factory=dict)
    footprints: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class ChildFailed(RuntimeError):
    pass


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every measured process: the same for every stack.

    PYTHONDONTWRITEBYTECODE is dropped so the first (discarded) run of each stack leaves .pyc files
    behind and every measured run loads bytecode, as a deployment with precompiled bytecode does.
    Storage settings point nowhere real unless `extra` says otherwise; the cold and warm requests
    never reach storage.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_"))}
    env.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_EC2_METADATA_DISABLED": "true",
            "TABLE_NAME": TABLE_NAME,
        }
    )
    env.update(extra or {})
    return env


def run_child(
    options: Options,
    mode: str,
    module: str,
    payload: dict[str, Any],
    env: dict[str, str],
    *args: str,
    no_bytecode: bool = False,
) -> dict[str, Any]:
    flags = ["-I", "-B"] if no_bytecode else ["-I"]
    command = [options.python, *flags, str(CHILD), mode, module, *args]
    started = time.perf_counter_ns()
    done = subprocess.run(
        command,
        input=marshal.dumps(payload),
        capture_output=True,
        timeout=options.timeout_s,
        env=env,
        cwd=ROOT,
    )
    wall_ms = (time.perf_counter_ns() - started) / 1e6
    out = done.stdout.decode(errors="replace")
    marker = out.rfind("BENCH-RESULT ")
    if done.returncode != 0 or marker < 0:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise ChildFailed(f"{mode} {module} exited with {done.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(out[marker + len("BENCH-RESULT ") :])
    result["wall_ms"] = wall_ms
    return result


def _say(options: Options, text: str) -> None:
    if options.progress is not None:
        options.progress(text)


def machine_info(python: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total_kib / MB:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    probe = "import sys, platform; print(platform.python_version(), platform.python_implementation())"
    version = subprocess.run(
        [python, "-I", "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    packages = {}
    for name in VERSIONS_OF:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": version,
        "python_executable": python,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": packages,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def measure_stacks(options: Options, results: Results, shipped: Path | None) -> None:
    """Cold and warm runs of every stack; with `shipped` (a sam build of the function), cold runs of
    that build too, loaded without .pyc files as Lambda loads it."""
    env = child_env()
    shipped_env = None
    if shipped is not None:
        shipped_env = child_env({"BENCH_CODE_DIR": str(shipped), "PYTHONDONTWRITEBYTECODE": "1"})
    usable = []
    for key in options.stacks:
        stack = STACKS[key]
        # The first run of each stack is discarded: it writes the .pyc files later runs load.
        try:
            run_child(options, "cold", stack.module, events.cold_payload(stack.validates), env)
        except ChildFailed as error:
            results.failed[key] = str(error)
            _say(options, f"  {key}: FAILED, left out\n{error}")
            continue
        usable.append(stack)
        results.stacks[key] = {"label": stack.label, "validates": stack.validates, "module": stack.module}
        results.cold[key], results.warm[key] = [], []

    if shipped_env is not None and "project" in results.stacks:
        results.stacks[AS_SHIPPED.key] = {"label": AS_SHIPPED.label, "validates": True, "module": "project"}
        results.cold[AS_SHIPPED.key] = []

    for run in range(options.cold_runs):
        _say(options, f"  cold round {run + 1}/{options.cold_runs}")
        for stack in usable:
            payload = events.cold_payload(stack.validates)
            _sample(options, results, results.cold, stack.key, "cold", stack.module, payload, env)
            if stack.key == "project" and shipped_env is not None:
                payload = events.cold_payload(True)
                _sample(
                    options,
                    results,
                    results.cold,
                    AS_SHIPPED.key,
                    "cold",
                    AS_SHIPPED.module,
                    payload,
                    shipped_env,
                    no_bytecode=True,
                )

    for round_ in range(options.warm_rounds):
        _say(options, f"  warm round {round_ + 1}/{options.warm_rounds}")
        for stack in usable:
            args = (str(options.warm_iteration_ms), str(options.warm_repeats))
            payload = events.warm_payload(stack.validates)
            _sample(options, results, results.warm, stack.key, "warm", stack.module, payload, env, *args)


def _sample(
    options: Options,
    results: Results,
    into: dict[str, list[dict[str, Any]]],
    key: str,
    mode: str,
    module: str,
    payload: dict[str, Any],
    env: dict[str, str],
    *args: str,
    no_bytecode: bool = False,
) -> None:
    """One measured process; a failure is counted and reported, and the run goes on without it."""
    try:
        into[key].append(run_child(options, mode, module, payload, env, *args, no_bytecode=no_bytecode))
    except (ChildFailed, subprocess.TimeoutExpired) as error:
        label = f"{key} ({mode})"
        results.failed.setdefault(label, str(error))
        results.failures[label] = results.failures.get(label, 0) + 1
        _say(options, f"  {key} {mode}: a run FAILED and is left out")


def measure_ddb(options: Options, results: Results) -> None:
    """The first GET /users/{id} of a cold process against DynamoDB Local: project vs bare boto3."""
    try:
        from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalError  # noqa: PLC0415
    except ImportError as error:
        results.ddb = {"skipped": f"local/dynamodb_local.py cannot be imported: {error}"}
        return
    import boto3  # noqa: PLC0415 - only this measurement needs it

    from bench.memstore import SEED_USER  # noqa: PLC0415
    from local.tables import create_table  # noqa: PLC0415
    from users.storage import UserStore  # noqa: PLC0415

    try:
        database = DynamoDBLocal(port=0, db_path=None).start()
    except DynamoDBLocalError as error:
        results.ddb = {"skipped": f"DynamoDB Local did not start: {error}"}
        return
    try:
        client = boto3.client(
            "dynamodb",
            endpoint_url=database.endpoint,
            region_name=REGION,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local accepts any key
        )
        create_table(client, TABLE_NAME)
        UserStore(TABLE_NAME, client).create(dict(SEED_USER))
        env = child_env({"AWS_ENDPOINT_URL_DYNAMODB": database.endpoint})
        runs: dict[str, list[dict[str, Any]]] = {key: [] for key in DDB_STACKS}
        payload = events.ddb_payload()
        for module in DDB_STACKS.values():  # discarded: .pyc files, and DynamoDB Local's own warm-up
            for _ in range(2):
                run_child(options, "ddb", module, payload, env)
        for run in range(options.ddb_runs):
            _say(options, f"  DynamoDB round {run + 1}/{options.ddb_runs}")
            # Each handler goes first in every other round, so neither gains from going second.
            order = list(DDB_STACKS.items())
            for key, module in order if run % 2 == 0 else reversed(order):
                _sample(options, results, runs, key, "ddb", module, payload, env)
        for key, found in runs.items():
            wrong = [r for r in found if r["status"] != 200]
            if wrong:  # a handler that did not read the user measured something else
                results.failed[f"{key} (ddb)"] = f"answered {wrong[0]['status']}: {wrong[0]['body']}"
                results.failures[f"{key} (ddb)"] = len(wrong)
                runs[key] = [r for r in found if r["status"] == 200]
        results.ddb = {"runs": runs, "endpoint": "DynamoDB Local (in memory), local/dynamodb_local.py"}
    finally:
        database.stop()


def _python313() -> str | None:
    try:
        pyenv_root = subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=True
        ).stdout.strip()
        found = sorted(Path(pyenv_root).glob("versions/3.13.*/bin/python3.13"))
        if found:
            return str(found[-1])
    except (OSError, subprocess.CalledProcessError):
        pass
    return shutil.which("python3.13")


def zip_size(directory: Path) -> dict[str, int]:
    """Bytes of `directory` zipped as a deployment package is, and unzipped, and its file count."""
    buffer = io.BytesIO()
    unzipped = files = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
                unzipped += path.stat().st_size
                files += 1
    return {"zipped_bytes": len(buffer.getvalue()), "unzipped_bytes": unzipped, "files": files}


def measure_artifact(options: Options, results: Results, build_dir: Path) -> Path | None:
    """Zip the function as sam build makes it; return its directory (None when not measured)."""
    if options.artifact == "skip":
        results.artifact = {"skipped": "--artifact skip"}
        return None
    function_dir = None
    if options.artifact == "build":
        sam = ROOT / ".venv-sam" / "bin" / "sam"
        python313 = _python313()
        if not sam.exists() or python313 is None:
            results.notes.append(
                "SAM CLI (.venv-sam) or python3.13 missing: measured an existing build instead."
            )
        else:
            env = {**os.environ, "PATH": f"{Path(python313).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
            env["SAM_CLI_TELEMETRY"] = "0"
            command = [str(sam), "build", "--build-dir", str(build_dir), "--template-file", "template.yaml"]
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                results.artifact = {"skipped": f"sam build failed:\n{(done.stdout + done.stderr)[-2000:]}"}
                return None
            function_dir = build_dir / "UsersFunction"
            shown = build_dir.relative_to(ROOT) if build_dir.is_relative_to(ROOT) else build_dir
            results.artifact["built_with"] = f"sam build --build-dir {shown}"
    if function_dir is None:
        function_dir = ROOT / ".aws-sam" / "build" / "UsersFunction"
        results.artifact["built_with"] = "existing .aws-sam/build (make build)"
    if not function_dir.is_dir():
        results.artifact = {"skipped": f"no build at {function_dir}: run `make build`"}
        return None
    results.artifact.update(zip_size(function_dir))
    results.artifact["contents"] = sorted(p.name for p in function_dir.iterdir())
    spec, compiled = ROOT / "openapi.yaml", ROOT / "src" / "openapi.json"
    if compiled.exists() and spec.stat().st_mtime > compiled.stat().st_mtime:
        results.notes.append("src/openapi.json is older than openapi.yaml: run `make src/openapi.json`.")
    if not any(function_dir.rglob("*.pyc")):
        results.notes.append(f"{function_dir} holds no .pyc files: every cold start compiles its modules.")
    return function_dir


def _requirement_closure(names: tuple[str, ...]) -> list[str]:
    try:
        from packaging.requirements import Requirement  # noqa: PLC0415
    except ImportError:
        return list(names)
    seen: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen or key in RUNTIME_PROVIDED:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist.metadata["Name"]
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return sorted(seen.values())


def dependency_footprints(options: Options, results: Results) -> None:
    """What each alternative would add to a deployment package: its installed distributions
    (and their dependencies, less what the Lambda runtime provides), zipped as a package is."""
    for key in results.stacks:
        if key not in STACKS:
            continue
        stack = STACKS[key]
        names = _requirement_closure(stack.distributions)
        with tempfile.TemporaryDirectory() as staging:
            target = Path(staging)
            for name in names:
                for file in metadata.distribution(name).files or []:
                    source = Path(file.locate())
                    if "__pycache__" in file.parts or not source.is_file():
                        continue
                    if str(file).startswith(".."):  # scripts installed outside site-packages
                        continue
                    destination = target / file
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, destination)
            sizes = zip_size(target)
        results.footprints[key] = {"distributions": names, **sizes}


def run(options: Options, build_dir: Path) -> Results:
    results = Results(options={k: v for k, v in vars(options).items() if k != "progress"}, machine={})
    _say(options, "machine info")
    results.machine = machine_info(options.python)
    _say(options, "deployment artifact")
    shipped = measure_artifact(options, results, build_dir)
    _say(options, f"stacks: {', '.join(options.stacks)}")
    measure_stacks(options, results, shipped)
    if options.ddb:
        _say(options, "DynamoDB Local: first request of a cold process")
        measure_ddb(options, results)
    else:
        results.ddb = {"skipped": "--no-ddb"}
    dependency_footprints(options, results)
    # Other work on a shared machine inflates every number; the load says how much there was.
    results.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def median(values: list[float]) -> float:
    return float(statistics.median(values))
