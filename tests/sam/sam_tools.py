"""SAM CLI, its translator and the project's spec, as the tests in this folder reach them.

SAM CLI and aws-sam-translator live in `.venv-sam` and checkov in `.venv-scan`, each with libraries
pinned for itself, so they run in subprocesses; this module finds them and runs them.
"""

import functools
import glob
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SPEC = ROOT / "openapi.yaml"
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
CFN_LINT = ROOT / ".venv-sam" / "bin" / "cfn-lint"
CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
HERE = Path(__file__).parent
TEMPLATE_VIEW = HERE / "sam_template_view.py"
TRANSLATE = HERE / "sam_translate.py"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@functools.cache
def python313() -> str:
    """A Python 3.13 as the Makefile picks it: pyenv's first, then one on PATH."""
    pyenv_root = (
        shutil.which("pyenv")
        and subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False).stdout.strip()
    )
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/3.13.*/bin/python3.13")) if pyenv_root else []
    found = candidates[:1] or [p for p in [shutil.which("python3.13")] if p]
    if not found:
        pytest.fail("Python 3.13 is needed for `sam build` of a python3.13 function; none was found")
    return found[0]


def sam_env() -> dict[str, str]:
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    env["PATH"] = f"{Path(python313()).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_tool(tool: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    if not tool.exists():
        venv = tool.parent.parent.name
        pytest.fail(f"{tool} is missing: run `make {venv}/.installed`")
    return subprocess.run(
        [str(tool), *args],
        cwd=ROOT,
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_sam(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_tool(SAM, *args, timeout=timeout)


def sam_python_json(script: Path, *args: str) -> Any:
    """Run one of this folder's scripts under SAM CLI's Python and read the JSON it prints."""
    result = run_tool(SAM_PYTHON, str(script), *args, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return spec


def spec_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path) for every operation in openapi.yaml."""
    return {
        operation["operationId"]: (method.upper(), path)
        for path, item in load_spec()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
