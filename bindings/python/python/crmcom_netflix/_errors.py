"""The exceptions of crmcom_netflix: one model with the Rust core and the C library.

The core raises them (through the native module); this module only gives them their Python shape.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple, TypedDict, Union

__all__ = [
    "Error",
    "ValidationError",
    "ApiError",
    "MalformedResponse",
    "FieldNotRequested",
    "TransportError",
    "JournalError",
    "JournalLocked",
    "ErrorDetails",
    "Loc",
]

Loc = Tuple[Union[str, int], ...]


class ErrorDetails(TypedDict):
    """One violation, shaped as pydantic shapes its errors."""

    loc: Loc
    """Where: `("acknowledged_charges_set", 3, "number")`; `()` for the parameters themselves."""
    type: str
    """The stable code: `required`, `unknown_field`, `out_of_range`, ..."""
    msg: str
    """A sentence for a person."""


class Error(Exception):
    """Base class of every error this package raises."""


class ValidationError(Error, ValueError):
    """A request breaks one or more rules; `errors` lists every violation, sorted by path.

    >>> try:
    ...     crmcom_netflix.prepare("netflix/charges/list", {"number_of_results": 51}, token="T")
    ... except crmcom_netflix.ValidationError as e:
    ...     e.errors[0]["type"]
    'out_of_range'
    """

    errors: List[ErrorDetails]

    def __init__(self, message: str, errors: List[ErrorDetails]) -> None:
        super().__init__(message)
        self.errors = errors

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (str(self), self.errors))


class ApiError(Error):
    """The server answered with a status code other than `OK`."""

    code: str
    description: Optional[str]
    message: Optional[str]

    def __init__(
        self, text: str, code: str, description: Optional[str], message: Optional[str]
    ) -> None:
        super().__init__(text)
        self.code = code
        self.description = description
        self.message = message

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (str(self), self.code, self.description, self.message))


class MalformedResponse(Error, ValueError):
    """A response without the documented shape; `path` points at the offending value
    (`data.charges_set[0].amount`, empty for the body itself)."""

    path: str
    message: str

    def __init__(self, text: str, path: str, message: str) -> None:
        super().__init__(text)
        self.path = path
        self.message = message

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (str(self), self.path, self.message))


class FieldNotRequested(Error, AttributeError):
    """A field was read that the `fields_set` of the decode left out (and the server did not
    send): `field` names it, `fields_set` is what was asked for. Being an `AttributeError`,
    `hasattr(charge, "amount")` is false for such a field and `getattr(charge, "amount", None)`
    gives the default.

    >>> page = crmcom_netflix.decode("netflix/charges/list", body, fields_set=["number"])
    >>> page.charges_set[0].amount
    Traceback (most recent call last):
    crmcom_netflix.FieldNotRequested: `amount` was not requested: ...
    """

    field: str
    fields_set: Tuple[str, ...]

    def __init__(self, text: str, field: str, fields_set: Tuple[str, ...]) -> None:
        super().__init__(text)
        self.field = field
        self.fields_set = tuple(fields_set)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (str(self), self.field, self.fields_set))


class TransportError(Error):
    """The client could not get a response: a network failure, a time-out or an HTTP status
    without a response envelope, after the retries it was allowed."""

    status: Optional[int]

    def __init__(self, text: str, status: Optional[int] = None) -> None:
        super().__init__(text)
        self.status = status

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (str(self), self.status))


class JournalError(Error):
    """The journal of `Client.sync_charges` could not be opened, read or written, or is of an
    unknown schema version."""


class JournalLocked(JournalError):
    """Another job holds the journal (in another process or thread): nothing was read or changed.
    Run again when that job has ended. `path` is the journal; `holder` what the holder wrote into
    its lock file (`process 1234 since 2024-03-01T02:00:00Z`), if readable."""

    path: str
    holder: Optional[str]

    def __init__(self, text: str, path: str, holder: Optional[str] = None) -> None:
        super().__init__(text)
        self.path = path
        self.holder = holder

    def __reduce__(self) -> Tuple[Any, ...]:
        return (type(self), (str(self), self.path, self.holder))
