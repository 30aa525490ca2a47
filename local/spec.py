"""Write src/openapi.json and src/openapi_validators/ from openapi.yaml.

The Lambda artifact is built from src/ alone, and parsing JSON at cold start is far cheaper than
parsing YAML, so the function reads this JSON copy; the validators for its schemas are generated
here too, so no schema is compiled at cold start. `make` rewrites both whenever openapi.yaml
changes, and tests fail if either is ever out of date.
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "openapi.yaml"
TARGET = ROOT / "src" / "openapi.json"
VALIDATORS = ROOT / "src" / "openapi_validators"


def load_yaml_spec(path: Path = SOURCE) -> dict:
    # CloudFormation intrinsics (Fn::Sub) appear in long form in the spec, so plain YAML reads it.
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def render(spec: dict) -> str:
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n"


def import_from_src() -> None:
    """Make the function's own packages (dispatch, users, app) importable, as Lambda's path does."""
    if str(TARGET.parent) not in sys.path:
        sys.path.insert(0, str(TARGET.parent))


def main() -> int:
    """Regenerate both, or neither: a spec that does not load leaves the last good copies."""
    import_from_src()
    from local import codegen  # noqa: PLC0415 - it imports dispatch, importable once src/ is on sys.path

    spec = load_yaml_spec(SOURCE)
    if not isinstance(spec, dict) or not isinstance(spec.get("paths"), dict):
        raise ValueError(f"{SOURCE.name} is not an OpenAPI document with paths (is it half-saved?)")
    files = codegen.generate(spec, TARGET.name)  # refuses a spec the dispatcher cannot serve
    # The JSON copy last: the local API restarts when it changes (and not for the validators), so
    # the restarted server finds the validators already written for it.
    codegen.write(files, VALIDATORS)
    codegen.write_atomically(TARGET, render(spec))
    print(f"wrote {TARGET.name} and {VALIDATORS.name}/ in {TARGET.parent}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
