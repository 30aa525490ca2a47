"""Drive the Lambda handler as API Gateway would, checking every response against the contract.

Events are copies of the files in events/ (the ones `sam local invoke -e` takes), changed only
where a test says, so the tests speak the same payload format API Gateway really sends.
"""

import base64
import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests import contract

EVENTS = Path(__file__).resolve().parent.parent / "events"
_V2 = json.loads((EVENTS / "getHealth.json").read_text(encoding="utf-8"))
_V1 = json.loads((EVENTS / "rest-v1" / "getHealth.json").read_text(encoding="utf-8"))


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def http_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    json_body: Any = None,
    base64_body: bool = False,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """A payload 2.0 event on the $default route, as API Gateway sends for a catch-all route."""
    event = copy.deepcopy(_V2)
    all_headers = {k: v for k, v in event["headers"].items() if k not in ("content-length", "content-type")}
    if json_body is not None:
        body = json.dumps(json_body)
        all_headers["content-type"] = "application/json"
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    event.update(
        routeKey="$default",
        rawPath=path,
        rawQueryString=query,
        headers=all_headers,
    )
    event.pop("pathParameters", None)
    event.pop("queryStringParameters", None)
    event["requestContext"]["http"].update(method=method, path=path)
    event["requestContext"]["routeKey"] = "$default"
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
        event["isBase64Encoded"] = base64_body
    else:
        event.pop("body", None)
        event["isBase64Encoded"] = False
    if cookies is not None:
        event["cookies"] = cookies
    return event


def rest_event(
    method: str,
    path: str,
    *,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """A REST API payload 1.0 event for a catch-all proxy resource."""
    event = copy.deepcopy(_V1)
    event.update(resource="/{proxy+}", path=path, httpMethod=method, body=body, isBase64Encoded=False)
    event["headers"] = dict(headers or {})
    event["multiValueHeaders"] = {k: [v] for k, v in (headers or {}).items()}
    event["queryStringParameters"] = {k: v[-1] for k, v in query.items()} if query else None
    event["multiValueQueryStringParameters"] = query or None
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["requestContext"].update(resourcePath="/{proxy+}", httpMethod=method, path=path)
    return event


class Reply:
    def __init__(self, response: dict[str, Any]) -> None:
        self.raw = response
        self.status: int = response["statusCode"]
        self.headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        body = response.get("body") or ""
        if response.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        self.text: str = body
        self.json: Any = json.loads(body) if body else None

    @property
    def violations(self) -> list[dict[str, str]]:
        return list(self.json.get("errors", [])) if isinstance(self.json, dict) else []

    def names(self, location: str | None = None) -> set[str]:
        """The names a 400 says are wrong (optionally only those in one location)."""
        return {v["name"] for v in self.violations if location is None or v["in"] == location}

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.text[:300]!r})"


class ApiClient:
    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def send(self, event: dict[str, Any]) -> Reply:
        response = self.handler(event, None)
        contract.check(event, response)
        return Reply(response)

    def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        params = kwargs.pop("params", None)
        if params:
            kwargs["query"] = urlencode(params, doseq=True)
        return self.send(http_event(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)

    def create_user(self, **members: Any) -> Reply:
        body = {"email": f"{members.pop('handle', 'ana')}@example.com", "name": "Ana Lima", **members}
        reply = self.post("/users", json_body=body)
        assert reply.status == 201, reply
        return reply
