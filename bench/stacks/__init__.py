"""The stacks compared. Each module exposes `handler(event, context)` and `use_memory_store()`.

This file stays empty of imports: a cold measurement imports it before the stack it times.
"""
