"""Type stubs of the native module `crmcom_netflix._native` (the Rust core through pyo3).

Checked against the built module by `mypy.stubtest` in `make test`.
"""

import os
from datetime import datetime
from decimal import Decimal
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
    overload,
)

from ._enums import ChargeStatus, ChargeStatusFilter, LifeCycleState, NetflixState

__all__ = [
    "VERSION",
    "RELEASES",
    "LATEST_RELEASE",
    "METHODS",
    "MAX_SET_ITEMS",
    "prepare",
    "validate",
    "decode",
    "project",
    "batch_groups",
    "minor_unit_exponent",
    "parse_date",
    "format_date",
    "total_by_currency",
    "request_schema",
    "method_info",
    "response_enum_values",
    "params_from_json",
    "check_types",
    "Token",
    "Money",
    "PreparedRequest",
    "Charge",
    "ChargesPage",
    "Promotion",
    "Subscription",
    "Price",
    "SubscriptionCreated",
    "FailedCharge",
    "FailedCharges",
    "LoginResult",
    "Empty",
    "ChargeSync",
    "Journal",
    "SyncRequests",
    "SyncReport",
    "FailedAcknowledgement",
    "CHARGE_ALREADY_ACKNOWLEDGED",
    "INVALID_REQUEST",
    "Simulator",
]

_Body = Union[bytes, bytearray, memoryview, str]
_FieldsSet = Union[Sequence[str], str, None]
_TokenArg = Union["Token", str, None]

VERSION: str
RELEASES: Tuple[str, ...]
LATEST_RELEASE: str
METHODS: Tuple[str, ...]
MAX_SET_ITEMS: int
CHARGE_ALREADY_ACKNOWLEDGED: str
INVALID_REQUEST: str

def prepare(
    method: str,
    params: Any = None,
    *,
    token: _TokenArg = None,
    release: Optional[str] = None,
) -> PreparedRequest: ...
def validate(method: str, params: Any = None, *, release: Optional[str] = None) -> None: ...
@overload
def decode(
    method: Literal["netflix/charges/list"], body: _Body, *, fields_set: _FieldsSet = None
) -> ChargesPage: ...
@overload
def decode(
    method: Literal["netflix/promotions/list"], body: _Body, *, fields_set: _FieldsSet = None
) -> List[Promotion]: ...
@overload
def decode(
    method: Literal["netflix/subscriptions/show"], body: _Body, *, fields_set: _FieldsSet = None
) -> List[Subscription]: ...
@overload
def decode(
    method: Literal["netflix/subscriptions/create"], body: _Body, *, fields_set: _FieldsSet = None
) -> SubscriptionCreated: ...
@overload
def decode(
    method: Literal[
        "netflix/subscriptions/suspend",
        "netflix/subscriptions/unsuspend",
        "authentication/token/release",
    ],
    body: _Body,
    *,
    fields_set: _FieldsSet = None,
) -> Empty: ...
@overload
def decode(
    method: Literal[
        "netflix/charges/acknowledge", "netflix/charges/accept", "netflix/charges/decline"
    ],
    body: _Body,
    *,
    fields_set: _FieldsSet = None,
) -> FailedCharges: ...
@overload
def decode(
    method: Literal["authentication/token"], body: _Body, *, fields_set: _FieldsSet = None
) -> LoginResult: ...
@overload
def decode(method: str, body: _Body, *, fields_set: _FieldsSet = None) -> Any: ...
def project(data: Any, fields_set: Union[Sequence[str], str], *, method: Optional[str] = None) -> Any: ...
def batch_groups(
    items: Iterable[Union[Charge, Tuple[str, str, Optional[str]]]], *, strict: bool = False
) -> List[List[Tuple[str, str, Optional[str]]]]: ...
def minor_unit_exponent(code: str) -> Optional[int]: ...
def parse_date(text: str) -> Optional[datetime]: ...
def format_date(value: datetime) -> str: ...
def total_by_currency(charges: Iterable[Charge]) -> Dict[str, Decimal]: ...
def request_schema(method: str) -> Dict[str, Any]: ...
def method_info(method: str) -> Dict[str, Any]: ...
def response_enum_values() -> Dict[str, List[str]]: ...
def params_from_json(text: Union[str, bytes]) -> Any: ...
def check_types(method: str, at: str, values: Mapping[str, Any]) -> None: ...
@final
class Token:
    """The login token; `repr()` and `str()` never show it."""

    def __new__(cls, value: Union[str, Token]) -> Token: ...
    def expose(self) -> str: ...
    @property
    def expires_at(self) -> Optional[int]: ...
    def is_expired_at(self, now: float, leeway_seconds: float = 0.0) -> Optional[bool]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Money:
    """An amount: the wire number, its exact decimal in the currency's minor unit."""

    def __new__(cls, raw: float, currency: Optional[str] = None) -> Money: ...
    @property
    def raw(self) -> float: ...
    @property
    def exact(self) -> Decimal: ...
    @property
    def minor_units(self) -> Optional[int]: ...
    @property
    def minor_unit_exponent(self) -> Optional[int]: ...
    @property
    def is_priced(self) -> bool: ...
    @property
    def currency(self) -> Optional[str]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class PreparedRequest:
    """A request ready to send."""

    @property
    def method(self) -> str: ...
    @property
    def verb(self) -> Literal["GET", "POST"]: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> List[Tuple[str, str]]: ...
    @property
    def body(self) -> Optional[Dict[str, Any]]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @property
    def headers(self) -> List[Tuple[str, str]]: ...
    @property
    def query_string(self) -> str: ...
    def body_bytes(self) -> Optional[bytes]: ...
    def url(self, base: str) -> str: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def secret_values(self) -> List[str]: ...
    def __eq__(self, other: object, /) -> bool: ...

class _Response:
    @property
    def extra(self) -> Dict[str, Any]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

@final
class Charge(_Response):
    """A Netflix charge. Decoded without a `fields_set`, every documented field is there; decoded
    with one, reading a field it left out raises `FieldNotRequested`."""

    def __new__(
        cls,
        *,
        number: str,
        billing_system_customer_identifier: str,
        amount: Union[Decimal, float, int],
        currency: str,
        paid_through_date: Union[datetime, str],
        charge_status: Union[ChargeStatus, str],
        received_on: Union[datetime, str],
        local_currency_amount: Optional[Union[Decimal, float, int]] = ...,
        local_currency: Optional[str] = ...,
        set_as_approved_on: Optional[Union[datetime, str]] = ...,
        set_as_declined_on: Optional[Union[datetime, str]] = ...,
        set_as_bad_request_on: Optional[Union[datetime, str]] = ...,
        set_as_rejected_request_on: Optional[Union[datetime, str]] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> Charge: ...
    @property
    def number(self) -> str: ...
    @property
    def billing_system_customer_identifier(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def amount_minor(self) -> Optional[int]: ...
    @property
    def amount_raw(self) -> float: ...
    @property
    def minor_unit_exponent(self) -> Optional[int]: ...
    @property
    def currency(self) -> str: ...
    @property
    def local_currency_amount(self) -> Optional[Decimal]: ...
    @property
    def local_currency_amount_minor(self) -> Optional[int]: ...
    @property
    def local_currency_amount_raw(self) -> Optional[float]: ...
    @property
    def local_currency(self) -> Optional[str]: ...
    @property
    def paid_through_date(self) -> datetime: ...
    @property
    def charge_status(self) -> ChargeStatus: ...
    @property
    def received_on(self) -> datetime: ...
    @property
    def set_as_approved_on(self) -> Optional[datetime]: ...
    @property
    def set_as_declined_on(self) -> Optional[datetime]: ...
    @property
    def set_as_bad_request_on(self) -> Optional[datetime]: ...
    @property
    def set_as_rejected_request_on(self) -> Optional[datetime]: ...
    @property
    def billable(self) -> bool: ...
    @property
    def billing_action(self) -> Literal["bill", "record", "leave"]: ...
    @property
    def is_final(self) -> bool: ...
    @property
    def is_pending(self) -> bool: ...
    @property
    def redelivered(self) -> bool: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> Charge: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> Charge: ...

@final
class ChargesPage(_Response):
    """The data of `charges/list`."""

    def __new__(
        cls,
        *,
        charges_set: Sequence[Union[Charge, Mapping[str, Any]]],
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> ChargesPage: ...
    @property
    def charges_set(self) -> List[Charge]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> ChargesPage: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> ChargesPage: ...

@final
class Promotion(_Response):
    """A Netflix promotion."""

    def __new__(
        cls,
        *,
        code: str,
        name: str,
        effective_from: Union[datetime, str],
        description: Optional[str] = ...,
        expires_on: Optional[Union[datetime, str]] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> Promotion: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def effective_from(self) -> datetime: ...
    @property
    def expires_on(self) -> Optional[datetime]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> Promotion: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> Promotion: ...

@final
class Price(_Response):
    """A Netflix price; keys besides `FormattedPrice` are in `extra`."""

    def __new__(
        cls,
        *,
        formatted_price: Optional[str] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> Price: ...
    @property
    def formatted_price(self) -> Optional[str]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> Price: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> Price: ...

@final
class Subscription(_Response):
    """A Netflix subscription."""

    def __new__(
        cls,
        *,
        subscription_number: str,
        netflix_state: Union[NetflixState, str],
        life_cycle_state: Union[LifeCycleState, str],
        promotions_set: Optional[Sequence[Union[Promotion, Mapping[str, Any]]]] = ...,
        prices_set: Optional[Sequence[Union[Price, Mapping[str, Any]]]] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> Subscription: ...
    @property
    def subscription_number(self) -> str: ...
    @property
    def netflix_state(self) -> NetflixState: ...
    @property
    def life_cycle_state(self) -> LifeCycleState: ...
    @property
    def promotions_set(self) -> Optional[List[Promotion]]: ...
    @property
    def prices_set(self) -> Optional[List[Price]]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> Subscription: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> Subscription: ...

@final
class SubscriptionCreated(_Response):
    """The data of `subscriptions/create`."""

    def __new__(
        cls,
        *,
        netflix_token: Optional[str] = ...,
        expires_on: Optional[Union[datetime, str]] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> SubscriptionCreated: ...
    @property
    def netflix_token(self) -> Optional[str]: ...
    @property
    def expires_on(self) -> Optional[datetime]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> SubscriptionCreated: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> SubscriptionCreated: ...

@final
class FailedCharge(_Response):
    """A charge that could not be acknowledged, accepted or declined."""

    def __new__(
        cls,
        *,
        number: str,
        error_code: str,
        reference_number: Optional[str] = ...,
        error_description: Optional[str] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> FailedCharge: ...
    @property
    def number(self) -> str: ...
    @property
    def reference_number(self) -> Optional[str]: ...
    @property
    def error_code(self) -> str: ...
    @property
    def error_description(self) -> Optional[str]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> FailedCharge: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> FailedCharge: ...

@final
class FailedCharges(_Response):
    """The data of acknowledge, accept and decline."""

    def __new__(
        cls,
        *,
        failed_charges_set: Optional[Sequence[Union[FailedCharge, Mapping[str, Any]]]] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> FailedCharges: ...
    @property
    def failed_charges_set(self) -> Optional[List[FailedCharge]]: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> FailedCharges: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> FailedCharges: ...

@final
class LoginResult(_Response):
    """The data of `authentication/token`."""

    def __new__(
        cls,
        *,
        token: Union[Token, str],
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> LoginResult: ...
    @property
    def token(self) -> Token: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> LoginResult: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> LoginResult: ...

@final
class Empty(_Response):
    """The data of methods that return none."""

    def __new__(
        cls,
        *,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> Empty: ...
    @property
    def fields_set(self) -> Optional[List[str]]: ...
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], fields_set: Union[Sequence[str], str, None] = None
    ) -> Empty: ...
    @classmethod
    def from_json(
        cls, text: Union[str, bytes], fields_set: Union[Sequence[str], str, None] = None
    ) -> Empty: ...

_TokenSource = Union[Token, str, Callable[[], Union[Token, str]]]

@final
class ChargeSync:
    """The charge loop as a sans-IO state machine."""

    def __new__(
        cls,
        *,
        release: Optional[str] = None,
        mode: Optional[Literal["acknowledge", "read_only"]] = None,
        charge_status: Union[ChargeStatusFilter, str, None] = None,
        page_size: Optional[int] = None,
        max_ack_attempts: Optional[int] = None,
        max_pages_per_run: Optional[int] = None,
        keep_unconfirmed_runs: Optional[int] = None,
        already_acknowledged_codes: Optional[Sequence[str]] = None,
    ) -> ChargeSync: ...
    @classmethod
    def from_state(cls, state: Union[str, bytes]) -> ChargeSync: ...
    def state_json(self) -> str: ...
    @property
    def options(self) -> Dict[str, Any]: ...
    @property
    def run(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def is_finished(self) -> bool: ...
    def next_request(self, token: Union[Token, str]) -> Optional[PreparedRequest]: ...
    def requests(self, token: _TokenSource) -> SyncRequests: ...
    def feed(self, body: _Body) -> None: ...
    def take_charges(self) -> List[Charge]: ...
    def confirm(self, numbers: Iterable[Union[str, Charge]]) -> int: ...
    def confirm_with_reference(self, number: Union[str, Charge], reference_number: str) -> bool: ...
    def start_run(self) -> None: ...
    def report(self) -> SyncReport: ...

@final
class Journal:
    """The journal of the nightly charge job (SQLite, one transaction per step, one job at a
    time): the one implementation every language uses."""

    def __new__(cls, path: Union[str, "os.PathLike[str]", None] = None) -> Journal: ...
    @property
    def path(self) -> Optional[str]: ...
    @property
    def run(self) -> int: ...
    def start(self, options_json: str) -> Literal["new", "next_run", "resumed"]: ...
    def next_request(self, token: Union[Token, str]) -> Optional[PreparedRequest]: ...
    def feed(self, body: _Body, http_status: int = 200) -> Tuple[List[Charge], List[Charge]]: ...
    def confirm(self, numbers: Iterable[Union[str, Charge]]) -> int: ...
    def summary(self) -> Tuple[SyncReport, List[Charge]]: ...
    def complete(self) -> None: ...
    def has_taken(self, number: str) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Journal: ...
    def __exit__(self, kind: object, value: object, traceback: object) -> None: ...

@final
class SyncRequests(Iterator[PreparedRequest]):
    """The requests of a `ChargeSync`, one per step, until the run is over."""

    def __iter__(self) -> SyncRequests: ...
    def __next__(self) -> PreparedRequest: ...

@final
class FailedAcknowledgement:
    """A charge whose acknowledgement failed and which is still not acknowledged."""

    @property
    def number(self) -> str: ...
    @property
    def billing_system_customer_identifier(self) -> str: ...
    @property
    def reference_number(self) -> Optional[str]: ...
    @property
    def error_code(self) -> str: ...
    @property
    def error_description(self) -> Optional[str]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def deferred(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class SyncReport:
    """The summary of a sync run."""

    @property
    def run(self) -> int: ...
    @property
    def mode(self) -> Literal["acknowledge", "read_only"]: ...
    @property
    def charge_status(self) -> Optional[ChargeStatusFilter]: ...
    @property
    def pages(self) -> int: ...
    @property
    def listed(self) -> int: ...
    @property
    def handed_over(self) -> int: ...
    @property
    def redelivered(self) -> int: ...
    @property
    def confirmed(self) -> int: ...
    @property
    def acknowledged(self) -> int: ...
    @property
    def acknowledge_requests(self) -> int: ...
    @property
    def unconfirmed(self) -> int: ...
    @property
    def billable_confirmed(self) -> int: ...
    @property
    def billable_total(self) -> Dict[str, Decimal]: ...
    @property
    def failed(self) -> List[FailedAcknowledgement]: ...
    @property
    def page_limit_reached(self) -> bool: ...
    @property
    def finished(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Simulator:
    """The simulated CRM.COM server (Rust)."""

    USERNAME: ClassVar[str]
    PASSWORD: ClassVar[str]
    ORGANISATION: ClassVar[str]
    API_KEY: ClassVar[str]
    TOKEN_LIFETIME_SECONDS: ClassVar[int]

    def __new__(cls, release: Optional[str] = None) -> Simulator: ...
    @property
    def release(self) -> str: ...
    def handle(self, request: PreparedRequest, now: int) -> bytes: ...
    def handle_http(
        self,
        verb: str,
        path: str,
        query: Sequence[Tuple[str, str]],
        body: Optional[bytes],
        now: int,
        *,
        headers: Sequence[Tuple[str, str]] = ...,
    ) -> bytes: ...
    def add_charge(
        self,
        customer: str,
        amount: Union[Decimal, str, int],
        currency: str,
        status: Union[ChargeStatus, str, None] = None,
        *,
        now: int,
        received_on: Optional[int] = None,
        paid_through_date: Optional[int] = None,
        local_currency_amount: Union[Decimal, str, int, None] = None,
        local_currency: Optional[str] = None,
    ) -> str: ...
    def schedule_charge(
        self,
        requests_from_now: int,
        customer: str,
        amount: Union[Decimal, str, int],
        currency: str,
        status: Union[ChargeStatus, str, None] = None,
        *,
        received_on: Optional[int] = None,
        paid_through_date: Optional[int] = None,
        local_currency_amount: Union[Decimal, str, int, None] = None,
        local_currency: Optional[str] = None,
    ) -> None: ...
    def process_charge(self, number: str, status: Union[ChargeStatus, str], now: int) -> None: ...
    def charge(self, number: str) -> Optional[Dict[str, Any]]: ...
    def charges(self) -> List[Dict[str, Any]]: ...
    def add_promotion(
        self,
        code: str,
        name: str,
        effective_from: int,
        *,
        description: Optional[str] = None,
        expires_on: Optional[int] = None,
    ) -> None: ...
    def subscriptions(self) -> List[Dict[str, Any]]: ...
    def complete_sign_up(self, netflix_token: str, now: int) -> str: ...
    def cancel_subscription(self, customer: str) -> None: ...
    def set_prices(self, prices: Sequence[Mapping[str, Any]]) -> None: ...
    def set_single_precision_amounts(self, on: bool) -> None: ...
    def add_user(
        self, username: str, password: str, organisation: str, units: Sequence[str] = ...
    ) -> None: ...
    def fail_acknowledgement(self, number: str, times: int) -> None: ...
    def fail_acknowledgements_at_rate(self, per_mille: int, seed: int) -> None: ...
    def reorder_next_page(self) -> None: ...
    def shift_next_page(self, by: int) -> None: ...
    def expire_token(self, token: Union[Token, str]) -> None: ...
    def expire_all_tokens(self) -> None: ...
    def fail_next_requests(self, count: int) -> None: ...
    def clear_faults(self) -> None: ...
    def add_scheduled_charges(self, now: int) -> int: ...
    def stats(self) -> Dict[str, Any]: ...
