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


def main() -> int:
    if str(TARGET.parent) not in sys.path:
        sys.path.insert(0, str(TARGET.parent))
    from dispatch import codegen  # noqa: PLC0415 - importable once src/ is on sys.path

    TARGET.write_text(render(load_yaml_spec()), encoding="utf-8")
    codegen.write(TARGET, VALIDATORS)
    print(f"wrote {TARGET.relative_to(ROOT)} and {VALIDATORS.relative_to(ROOT)}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
