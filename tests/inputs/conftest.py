"""Fixtures for the input tests: the real handler on moto, with every storage call recorded."""

from typing import Any

import pytest

import app
from tests.client import ApiClient
from users import operations
from users.storage import UserStore


class RecordingStore:
    """The moto store, with each call it receives written down first: who asked storage for what."""

    def __init__(self, inner: UserStore) -> None:
        self._inner = inner
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args))
            return target(*args, **kwargs)

        return recorded

    def asked_for(self, method: str) -> list[Any]:
        """The first argument of every call of `method`, in order."""
        return [args[0] for name, args in self.calls if name == method and args]

    def forget(self) -> None:
        self.calls.clear()


@pytest.fixture
def recorder(moto_store: UserStore, monkeypatch: pytest.MonkeyPatch) -> RecordingStore:
    store = RecordingStore(moto_store)
    monkeypatch.setattr(operations, "store", store)
    return store


@pytest.fixture
def users(recorder: RecordingStore) -> ApiClient:
    """The handler template.yaml names, on moto, every response checked against openapi.yaml."""
    return ApiClient(app.handler)
