"""The Lambda handler that template.yaml names: the Users API served from its OpenAPI document.

Everything costly happens here, once per process: reading the spec, resolving each operationId
to its function and compiling every schema. Configuration comes from the environment only.
"""

import json
import os
from pathlib import Path

from dispatch import Api, Cors
from users import operations

_SPEC = json.loads((Path(__file__).parent / "openapi.json").read_text(encoding="utf-8"))
_ORIGINS = frozenset(o.strip() for o in os.environ.get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip())

handler = Api(
    _SPEC,
    operations,
    max_body_bytes=int(os.environ.get("MAX_BODY_BYTES", 1024 * 1024)),
    cors=Cors(_ORIGINS) if _ORIGINS else None,
)
