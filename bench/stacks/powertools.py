"""Powertools for AWS Lambda (Python): APIGatewayHttpResolver with its pydantic validation on.

The models say what openapi.yaml says (lengths, patterns, enums, required members, no unknown
members, uniqueness of tags, a patch that cannot null a required member). The operations are
plain_ops, so no import of the project's dispatcher is charged to this stack.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bench.stacks import plain_ops as ops

EMAIL_PATTERN = r"^\s*[^\s@]+@[^\s@]+\.[^\s@]+\s*$"


def _unique(tags: list[str]) -> list[str]:
    if len(set(tags)) != len(tags):
        raise ValueError("tags must be unique")
    return tags


Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Bio = Annotated[str | None, Field(max_length=500)]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
Tag = Annotated[str, Field(min_length=1, max_length=32)]
Tags = Annotated[list[Tag], Field(max_length=10), AfterValidator(_unique)]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    name: Name
    bio: Bio = None
    locale: Locale = "en"
    tags: Tags = Field(default_factory=list)


class UserPatch(BaseModel):
    """Members left out stay unset; `null` is accepted only where the spec allows it."""

    model_config = ConfigDict(extra="forbid")

    # Defaults are not validated, so an absent member passes while an explicit null fails.
    email: Email = None  # type: ignore[assignment]
    name: Name = None  # type: ignore[assignment]
    bio: Bio = None
    locale: Locale = None  # type: ignore[assignment]
    tags: Tags | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UserPatch:
        if not self.model_fields_set:
            raise ValueError("a patch needs at least one member")
        return self


app = APIGatewayHttpResolver(enable_validation=True)
UserId = Annotated[str, Path(min_length=1, max_length=128)]
IfMatch = Annotated[str | None, Header(alias="if-match", min_length=1, max_length=256)]
IdempotencyKey = Annotated[str | None, Header(alias="idempotency-key", min_length=1, max_length=255)]


@app.get("/health")
def get_health() -> dict[str, str]:
    return ops.get_health()


@app.get("/users")
def list_users(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=1024)] = None,
    email: Annotated[Email | None, Query()] = None,
    tag: Annotated[list[Tag] | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    return ops.list_users(limit, cursor, email, tag)


@app.post("/users")
def create_user(user: NewUser, idempotency_key: IdempotencyKey = None) -> Response[Any]:
    body, status, headers = ops.create_user(user.model_dump(), idempotency_key)
    return Response(status, "application/json", body, headers)


@app.get("/users/<user_id>")
def get_user(user_id: UserId) -> Response[Any]:
    body, status, headers = ops.get_user(user_id)
    return Response(status, "application/json", body, headers)


@app.patch("/users/<user_id>")
def update_user(user_id: UserId, patch: UserPatch, if_match: IfMatch = None) -> Response[Any]:
    body, status, headers = ops.update_user(user_id, patch.model_dump(exclude_unset=True), if_match)
    return Response(status, "application/json", body, headers)


@app.delete("/users/<user_id>")
def delete_user(user_id: UserId, if_match: IfMatch = None) -> Response[Any]:
    ops.delete_user(user_id, if_match)
    return Response(204, None, None)


@app.exception_handler(list(ops.PROBLEMS))
def _problem(error: Any) -> Response[Any]:
    body = {"status": error.status, "code": error.code}
    return Response(error.status, "application/problem+json", body)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return app.resolve(event, context)


def use_memory_store() -> object:
    from bench.memstore import MemoryStore  # noqa: PLC0415 - only warm runs swap the store

    ops.store = MemoryStore(ops)
    return ops.store
