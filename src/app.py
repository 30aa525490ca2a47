"""The Lambda handler that template.yaml names: the Users API served from its OpenAPI document.

Everything costly happens here, once per process: reading the spec, resolving each operationId
to its function and loading the validators generated for its schemas. Configuration comes from
the environment only.
"""

import json
import os

from dispatch import Api, Cors
from dispatch.app import DEFAULT_MAX_BODY_BYTES
from dispatch.metrics import EmbeddedMetrics
from openapi_validators import VALIDATORS
from users import operations

with open(os.path.join(os.path.dirname(__file__), "openapi.json"), encoding="utf-8") as spec_file:
    _SPEC = json.load(spec_file)
_METRICS_NAMESPACE = os.environ.get("METRICS_NAMESPACE")

handler = Api(
    _SPEC,
    operations,
    max_body_bytes=int(os.environ.get("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
    cors=Cors.from_setting(os.environ.get("CORS_ALLOW_ORIGINS", "")),
    validators=VALIDATORS,
    metrics=EmbeddedMetrics(_METRICS_NAMESPACE, os.environ.get("METRICS_SERVICE", "users-api"))
    if _METRICS_NAMESPACE
    else None,
)
