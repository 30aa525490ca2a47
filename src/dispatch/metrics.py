"""Request metrics for CloudWatch without a sidecar: the embedded metric format (EMF).

Lambda sends each line a function writes to standard output to CloudWatch Logs; a line that is an
EMF document becomes metric data points as well. One line per request carries a request count,
client and server error counts and the latency, under a single `Service` dimension (a dimension
per operation would multiply the metrics, and their cost; the operation is a plain property).
It is written straight to standard output, not through `logging`, so neither the log level nor
Lambda's JSON log format can swallow or rewrap it.
"""

from __future__ import annotations

import json
import sys
import time

from dispatch._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

_METRICS = [
    {"Name": "Requests", "Unit": "Count"},
    {"Name": "ClientErrors", "Unit": "Count"},
    {"Name": "ServerErrors", "Unit": "Count"},
    {"Name": "Latency", "Unit": "Milliseconds"},
]


class EmbeddedMetrics:
    def __init__(self, namespace: str, service: str, stream: TextIO | None = None) -> None:
        self._directive = [{"Namespace": namespace, "Dimensions": [["Service"]], "Metrics": _METRICS}]
        self._service = service
        self._stream = stream

    def record(self, operation_id: str | None, status: int, duration_ms: float, request_id: str) -> None:
        document = {
            "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": self._directive},
            "Service": self._service,
            "Requests": 1,
            "ClientErrors": int(400 <= status < 500),
            "ServerErrors": int(status >= 500),
            "Latency": duration_ms,
            "operationId": operation_id,
            "status": status,
            "requestId": request_id,
        }
        stream = self._stream or sys.stdout
        stream.write(json.dumps(document, separators=(",", ":")) + "\n")
