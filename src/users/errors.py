"""What can go wrong with users, as the HTTP problems it becomes."""

from dispatch import (
    BadRequest,
    Conflict,
    HttpProblem,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    Violation,
)


class UserNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No user has this id.")


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"

    def __init__(self) -> None:
        super().__init__("Another user already has this email.")


class StaleVersion(PreconditionFailed):
    """The user changed after the version the caller (or a retry loop) based its change on."""

    def __init__(self) -> None:
        super().__init__("The user has changed since the ETag given in If-Match.")


class InvalidCursor(BadRequest):
    def __init__(self) -> None:
        violation = Violation("query", "cursor", "is not a cursor this API issued")
        super().__init__("The cursor cannot be used.", violations=[violation])


class StorageUnavailable(ServiceUnavailable):
    def __init__(self, retry_after: int = 1) -> None:
        super().__init__("Storage is busy or unreachable; try again shortly.", retry_after=retry_after)


class IdempotencyKeyReused(HttpProblem):
    status = 422
    code = "IDEMPOTENCY_KEY_REUSED"
    title = "Unprocessable Content"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used with a different request body.")
