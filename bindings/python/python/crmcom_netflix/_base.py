"""Shared behaviour of the request classes and enums (the classes themselves are generated from
the core's schemas into `_models.py` and `_enums.py`).

Request objects hold values. When an object is built or a field is set, the core checks the JSON
type of each value (`_WITHIN`, generated, says where the object sits in a request), so that
`ListCharges(number_of_results="50")` fails at once, naming the field; every other rule (bounds,
sets, releases, unknown parameters) waits until the request is prepared or validated. Every rule
is the core's, so that Python, Rust and C report the same violations.
"""

from __future__ import annotations

import enum
import json
import threading
from datetime import datetime
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
)

from . import _native

if TYPE_CHECKING:
    from ._native import PreparedRequest, Token

__all__ = ["WireEnum", "OpenEnum", "Params", "Request", "Field"]


class WireEnum(str, enum.Enum):
    """An enum whose values are the API's wire strings; `str()` is the wire string."""

    def __str__(self) -> str:
        return str(self.value)


_unknown_members: Dict[Tuple[type, str], Any] = {}
_unknown_lock = threading.Lock()


class OpenEnum(WireEnum):
    """A response enum: a value this SDK does not know still decodes, as a member of its own
    (`is_known` is False), and is never mistaken for a known one."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        with _unknown_lock:
            member = _unknown_members.get((cls, value))
            if member is None:
                member = str.__new__(cls, value)
                member._name_ = value
                member._value_ = value
                _unknown_members[(cls, value)] = member
        return member

    @property
    def is_known(self) -> bool:
        """Whether the value is one this SDK knows."""
        return type(self).__members__.get(self._name_) is self


# A field: (attribute and wire name, kind, nested class name or None, secret).
Field = Tuple[str, str, Optional[str], bool]

_P = TypeVar("_P", bound="Params")


def _wire(value: Any) -> Any:
    """A value in its JSON form: nested objects as dicts, enum members as their wire string,
    datetimes in the API's format. Anything else is left for the core to judge."""
    if isinstance(value, Params):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return _wire(value.value)
    if isinstance(value, datetime):
        return _native.format_date(value)
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _built(value: Any) -> bool:
    """Whether a value is a request object (or a list of them), whose types were checked when it
    was built."""
    if isinstance(value, Params):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, Params) for v in value)


class Params:
    """Parameters of a request, or an object nested in them.

    Keyword constructors; `to_dict()`/`to_json()` give the wire form (what `prepare` sends, minus
    the token) and `from_dict()`/`from_json()` read it back. A key the class does not know is kept
    and sent, so that the core reports it as `unknown_field`.
    """

    __slots__ = ("_extra",)
    _FIELDS: ClassVar[Tuple[Field, ...]] = ()
    # Where objects of the class sit in a request, `(method, path)`, for the core's type checks.
    _WITHIN: ClassVar[Tuple[str, str]] = ("", "")
    _CLASSES: ClassVar[Dict[str, Type[Params]]] = {}
    _ENUMS: ClassVar[Dict[str, Type[WireEnum]]] = {}

    _extra: Dict[str, Any]

    def _set(self, **values: Any) -> None:
        unchecked = {k: v for k, v in values.items() if v is not None and not _built(v)}
        if unchecked:
            _native.check_types(*self._WITHIN, unchecked)
        object.__setattr__(self, "_extra", {})
        for name, kind, nested, _ in self._FIELDS:
            object.__setattr__(self, name, self._coerce(kind, nested, values.get(name)))

    def __setattr__(self, name: str, value: Any) -> None:
        for field, kind, nested, _ in self._FIELDS:
            if field == name:
                if value is not None and not _built(value):
                    _native.check_types(*self._WITHIN, {name: value})
                value = self._coerce(kind, nested, value)
                break
        object.__setattr__(self, name, value)

    @classmethod
    def _coerce(cls, kind: str, nested: Optional[str], value: Any) -> Any:
        """Turns dicts into nested objects and known wire strings into enum members; leaves any
        other value as it is for the core to check."""
        if value is None or nested is None:
            return value
        if kind == "enum":
            enum_type = Params._ENUMS[nested]
            if isinstance(value, str) and not isinstance(value, enum.Enum):
                try:
                    return enum_type(value)
                except ValueError:
                    return value
            return value
        target = Params._CLASSES[nested]
        if kind == "object" and isinstance(value, Mapping):
            return target.from_dict(value)
        if kind == "list" and isinstance(value, (list, tuple)):
            return [target.from_dict(v) if isinstance(v, Mapping) else v for v in value]
        return value

    def to_dict(self) -> Dict[str, Any]:
        """The parameters in wire form; absent (None) fields are left out."""
        out: Dict[str, Any] = {}
        for name, _, _, _ in self._FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = _wire(value)
        for key, value in self._extra.items():
            out[key] = _wire(value)
        return out

    def to_json(self) -> str:
        """The parameters as JSON text (wire form)."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls: Type[_P], data: Mapping[str, Any]) -> _P:
        """Parameters from their wire form. Unknown keys are kept (the core reports them)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict() expects a mapping, got {type(data).__name__}")
        obj = cls.__new__(cls)
        known = {name for name, _, _, _ in cls._FIELDS}
        obj._set(**{k: v for k, v in data.items() if k in known})
        object.__setattr__(obj, "_extra", {k: v for k, v in data.items() if k not in known})
        return obj

    @classmethod
    def from_json(cls: Type[_P], text: str | bytes) -> _P:
        """Parameters from JSON text (wire form), read by the core as `prepare` reads JSON: text
        that is not JSON, or nests too deep, raises `ValidationError`."""
        data = _native.params_from_json(text)
        if not isinstance(data, dict):
            raise TypeError(f"{cls.__name__}.from_json() expects a JSON object")
        return cls.from_dict(data)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Params)
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = []
        for name, _, _, secret in self._FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            parts.append(f"{name}=<redacted>" if secret else f"{name}={value!r}")
        for key, value in self._extra.items():
            parts.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class Request(Params):
    """The parameters of one API method (`METHOD`)."""

    __slots__ = ()
    METHOD: ClassVar[str]

    def prepare(
        self, *, token: Token | str | None = None, release: str | None = None
    ) -> PreparedRequest:
        """Prepares the request for `release` (the newest by default); raises `ValidationError`
        with every violation."""
        return _native.prepare(self.METHOD, self.to_dict(), token=token, release=release)

    def validate(self, *, release: str | None = None) -> None:
        """Checks the parameters against the rules of `release`; raises `ValidationError`."""
        _native.validate(self.METHOD, self.to_dict(), release=release)
