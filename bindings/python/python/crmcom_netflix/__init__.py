"""crmcom_netflix: the SDK for the CRM.COM "netflix" Web API.

The rules live in one Rust core shared with the C library and Rust services; this package gives
them a Python shape:

- `prepare`, `validate`, `decode`, `project` by method name (`"netflix/charges/list"`);
- typed request classes (`ListCharges`, `AcknowledgeCharges`, ...) and response classes
  (`Charge`, `ChargesPage`, ...), enums whose values are the wire strings, exact money as
  `decimal.Decimal`, dates as `datetime.datetime`;
- `batch` for acknowledge/accept/decline sets, `ChargeSync` for the charge loop;
- `Client`, a small blocking client, and `crmcom_netflix.testing.FakeCrm`, an in-process
  fake CRM.COM for tests.

    >>> import crmcom_netflix as nf
    >>> request = nf.prepare(nf.ListCharges(charge_status=nf.ChargeStatusFilter.PROCESSED), token="T")
    >>> request.query_string
    'token=T&number_of_results=50&offset=0&charge_status=PROCESSED'
"""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from . import _native
from ._base import OpenEnum, Params, Request, WireEnum
from ._enums import (
    AddressType,
    Channel,
    ChargeStatus,
    ChargeStatusFilter,
    EmailType,
    LifeCycleState,
    NetflixState,
    PhoneType,
)
from ._errors import (
    ApiError,
    Error,
    ErrorDetails,
    FieldNotRequested,
    JournalError,
    JournalLocked,
    Loc,
    MalformedResponse,
    TransportError,
    ValidationError,
)
from ._models import (
    AcceptCharges,
    AcceptedCharge,
    AcknowledgeCharges,
    AcknowledgedCharge,
    Address,
    CountryIdentifier,
    CreateSubscription,
    DeclineCharges,
    DeclinedCharge,
    Email,
    ListCharges,
    ListPromotions,
    LoginRequest,
    Phone,
    ReleaseToken,
    ShowSubscriptions,
    SuspendSubscription,
    UnsuspendSubscription,
    WebApiKeyLogin,
)
from .client import (
    ChargeSetItem,
    Client,
    HttpRequest,
    HttpResponse,
    SyncResult,
    Transport,
    UrllibTransport,
)
from ._native import (
    CHARGE_ALREADY_ACKNOWLEDGED,
    INVALID_REQUEST,
    LATEST_RELEASE,
    MAX_SET_ITEMS,
    METHODS,
    RELEASES,
    VERSION,
    Charge,
    ChargesPage,
    ChargeSync,
    Journal,
    Empty,
    FailedAcknowledgement,
    FailedCharge,
    FailedCharges,
    LoginResult,
    Money,
    PreparedRequest,
    Price,
    Promotion,
    Subscription,
    SubscriptionCreated,
    SyncReport,
    Token,
    decode,
    format_date,
    minor_unit_exponent,
    parse_date,
    project,
    total_by_currency,
)

__version__ = VERSION

__all__ = [
    # functions
    "prepare",
    "validate",
    "decode",
    "project",
    "batch",
    "minor_unit_exponent",
    "parse_date",
    "format_date",
    "total_by_currency",
    # constants
    "VERSION",
    "RELEASES",
    "LATEST_RELEASE",
    "METHODS",
    "MAX_SET_ITEMS",
    "CHARGE_ALREADY_ACKNOWLEDGED",
    "INVALID_REQUEST",
    # errors
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
    # values
    "Token",
    "Money",
    "PreparedRequest",
    # enums
    "WireEnum",
    "OpenEnum",
    "Channel",
    "AddressType",
    "EmailType",
    "PhoneType",
    "ChargeStatusFilter",
    "ChargeStatus",
    "NetflixState",
    "LifeCycleState",
    # requests
    "Params",
    "Request",
    "LoginRequest",
    "WebApiKeyLogin",
    "ReleaseToken",
    "ListPromotions",
    "ShowSubscriptions",
    "CreateSubscription",
    "Address",
    "CountryIdentifier",
    "Email",
    "Phone",
    "SuspendSubscription",
    "UnsuspendSubscription",
    "ListCharges",
    "AcknowledgeCharges",
    "AcknowledgedCharge",
    "AcceptCharges",
    "AcceptedCharge",
    "DeclineCharges",
    "DeclinedCharge",
    # responses
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
    # sync and client
    "ChargeSync",
    "Journal",
    "SyncReport",
    "FailedAcknowledgement",
    "Client",
    "Transport",
    "HttpRequest",
    "HttpResponse",
    "UrllibTransport",
    "SyncResult",
    "ChargeSetItem",
]


def prepare(
    method: Union[str, Request],
    params: Any = None,
    *,
    token: Union[Token, str, None] = None,
    release: Optional[str] = None,
) -> PreparedRequest:
    """Prepares a request: `method` is a method name (`"netflix/charges/list"`) with `params` as a
    dict, or a request object (`ListCharges(...)`). `release` is the target release
    (`"R14.1.0"`; the newest by default). Raises `ValidationError` with every violation.

    >>> prepare("netflix/subscriptions/suspend", {"billing_system_customer_identifier": "pci1"},
    ...         token="T").body
    {'token': 'T', 'billing_system_customer_identifier': 'pci1'}
    """
    if isinstance(method, Request):
        if params is not None:
            raise TypeError("prepare(request_object) takes no params: they are in the object")
        return _native.prepare(method.METHOD, method.to_dict(), token=token, release=release)
    return _native.prepare(method, params, token=token, release=release)


def validate(
    method: Union[str, Request], params: Any = None, *, release: Optional[str] = None
) -> None:
    """Checks parameters against the rules of `release` without a token; raises
    `ValidationError` with every violation."""
    if isinstance(method, Request):
        if params is not None:
            raise TypeError("validate(request_object) takes no params: they are in the object")
        return _native.validate(method.METHOD, method.to_dict(), release=release)
    return _native.validate(method, params, release=release)


_SetRequest = TypeVar("_SetRequest", AcknowledgeCharges, AcceptCharges, DeclineCharges)

def _triple(item: ChargeSetItem) -> Union[Charge, Tuple[Any, Any, Any]]:
    if isinstance(item, Charge):
        return item
    if isinstance(item, (AcknowledgedCharge, AcceptedCharge, DeclinedCharge)):
        return (item.number, item.billing_system_customer_identifier, item.reference_number)
    if isinstance(item, Mapping):
        return (
            item.get("number"),
            item.get("billing_system_customer_identifier"),
            item.get("reference_number"),
        )
    if isinstance(item, tuple):
        return item
    raise TypeError(
        f"batch() items are Charge objects, set items, dicts or (number, customer, reference) "
        f"tuples, not {type(item).__name__}"
    )


def batch(
    request_type: Type[_SetRequest], items: Iterable[ChargeSetItem], *, strict: bool = False
) -> List[_SetRequest]:
    """Splits any number of charges into `AcknowledgeCharges`, `AcceptCharges` or
    `DeclineCharges` requests of at most 50, in order, merging repeated charges and keeping
    reference numbers apart so that every request passes the set rules. With `strict`, input that
    would need that (a reference number on two charges, a charge given twice with different data)
    raises `ValidationError` instead.

    >>> [len(r.acknowledged_charges_set) for r in batch(AcknowledgeCharges, page.charges_set)]
    [50, 10]
    """
    if request_type not in (AcknowledgeCharges, AcceptCharges, DeclineCharges):
        raise TypeError("batch() builds AcknowledgeCharges, AcceptCharges or DeclineCharges")
    (set_name, _, item_class_name, _), = request_type._FIELDS
    assert item_class_name is not None
    item_class: Any = Params._CLASSES[item_class_name]
    groups = _native.batch_groups([_triple(i) for i in items], strict=strict)
    requests: List[_SetRequest] = []
    for group in groups:
        set_items = [
            item_class(number=n, billing_system_customer_identifier=c, reference_number=r)
            for n, c, r in group
        ]
        requests.append(request_type(**{set_name: set_items}))
    return requests


