"""Write src/openapi.json from openapi.yaml.

The Lambda artifact is built from src/ alone, and parsing JSON at cold start is far cheaper than
parsing YAML, so the function reads this JSON copy. `make` rewrites it whenever openapi.yaml
changes, and a test fails if the copy ever differs from the YAML.
"""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "openapi.yaml"
TARGET = ROOT / "src" / "openapi.json"


def load_yaml_spec(path: Path = SOURCE) -> dict:
    # CloudFormation intrinsics (Fn::Sub) appear in long form in the spec, so plain YAML reads it.
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def render(spec: dict) -> str:
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n"


def main() -> int:
    TARGET.write_text(render(load_yaml_spec()), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
