"""This project's Lambda handler, exactly as template.yaml names it (src/app.py: handler)."""

from app import handler

__all__ = ["handler", "use_memory_store"]


def use_memory_store() -> object:
    from bench.memstore import use_in_users_operations  # noqa: PLC0415 - only warm runs swap the store

    return use_in_users_operations()
