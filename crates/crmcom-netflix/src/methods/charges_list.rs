//! `GET netflix/charges/list` (R12.0.0, revised): the operator's Netflix charges not yet
//! acknowledged, oldest first, at most 50 per call.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::decode::ResponseData;
use crate::method::{ApiRequest, Method};
use crate::methods::objects::FieldsSet;
use crate::money::{Currency, Money};
use crate::object::Path;
use crate::Error;

mod scan;

/// Which charges `charges/list` returns (mandatory from R14.1.0, inferred).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChargeStatusFilter {
    /// Only `PENDING` charges.
    NotProcessed,
    /// Only `APPROVED`, `DECLINED`, `BAD_REQUEST` and `REJECTED` charges.
    Processed,
}

/// Parameters of `netflix/charges/list`.
///
/// Acknowledged charges drop out of later lists: a client that acknowledges each page before the
/// next keeps `offset` at the number of charges it left in place (see `ChargeSync`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "crate::schema::extension_rules"))]
pub struct ListCharges {
    /// Page size: 1 to 50.
    #[validate(range(min = 1, max = 50))]
    pub number_of_results: u32,
    /// Charges to skip: 0 on the first call; at most 2147483647 (CRM.COM's integers are taken
    /// to be 32-bit, and a larger value would not survive a double either).
    #[validate(range(min = 0, max = 2_147_483_647))]
    pub offset: u64,
    /// Status filter: not in R12.0.0, mandatory from R14.1.0.
    #[schemars(extend("x-since" = "R14.1.0", "x-required-since" = "R14.1.0"))]
    pub charge_status: Option<ChargeStatusFilter>,
    /// Fields of each charge to return; all when absent.
    #[validate(nested)]
    pub fields_set: Option<FieldsSet<Charge>>,
}

impl ListCharges {
    /// A first page of up to 50 charges with the given status filter.
    pub fn new(charge_status: Option<ChargeStatusFilter>) -> Self {
        ListCharges {
            number_of_results: 50,
            offset: 0,
            charge_status,
            fields_set: None,
        }
    }
}

impl ApiRequest for ListCharges {
    const METHOD: Method = Method::ChargesList;
    type Response = ChargesPage;
    type Projected = ProjectedChargesPage;
    fn fields_set(&self) -> Option<&[String]> {
        self.fields_set.as_ref().map(FieldsSet::names)
    }
}

crate::object::wire_enum! {
    /// Status of a Netflix charge.
    pub enum ChargeStatus {
        /// Received, not yet processed by CRM.COM: must not be billed yet.
        Pending = "PENDING",
        /// Approved: bill the customer.
        Approved = "APPROVED",
        /// Declined; the Netflix subscription will be terminated.
        Declined = "DECLINED",
        /// Erroneous data; the subscription will be terminated.
        BadRequest = "BAD_REQUEST",
        /// Rejected; the subscription will be terminated.
        Rejected = "REJECTED",
    }
}

crate::object::response_object! {
    /// A Netflix charge, decoded without a `fields_set`: every documented non-nullable field is
    /// there ([`ProjectedCharge`] is the form a `fields_set` leaves).
    pub struct Charge {
        /// CRM.COM charge number: the key for acknowledging, accepting and declining.
        number: compact_str::CompactString = "number", Required, key;
        /// The customer's identifier in the operator's billing system.
        billing_system_customer_identifier: compact_str::CompactString = "billing_system_customer_identifier", Required, key;
        /// The amount, exact in `currency`.
        amount: Money = "amount", Required;
        /// ISO 4217 code of `amount`.
        currency: Currency = "currency", Required, identifier;
        /// The amount in the operator's local currency.
        local_currency_amount: Money = "local_currency_amount", Nullable since R14_1_0;
        /// The operator's local currency.
        local_currency: Currency = "local_currency", Nullable since R14_1_0, identifier;
        /// If approved, Netflix service is paid up to this date.
        paid_through_date: Date = "paid_through_date", Required;
        /// Status of the charge.
        charge_status: ChargeStatus = "charge_status", Required;
        /// When Netflix received the charge.
        received_on: Date = "received_on", Required;
        /// When the charge was approved.
        set_as_approved_on: Date = "set_as_approved_on", Nullable;
        /// When the charge was declined.
        set_as_declined_on: Date = "set_as_declined_on", Nullable;
        /// When the charge was flagged as a bad request.
        set_as_bad_request_on: Date = "set_as_bad_request_on", Nullable;
        /// When the charge was rejected.
        set_as_rejected_request_on: Date = "set_as_rejected_request_on", Nullable;
    }
    projected ProjectedCharge;
    finish = price_amounts, price_projected_amounts;
}

// Decoding reads an amount before it may have seen the currency: pricing is a second step.
fn price_amounts(charge: &mut Charge) {
    charge.amount = charge.amount.priced_in(Some(&charge.currency));
    if let Some(m) = charge.local_currency_amount {
        charge.local_currency_amount = Some(m.priced_in(charge.local_currency.as_ref()));
    }
}

fn price_projected_amounts(charge: &mut ProjectedCharge) {
    if let Some(m) = charge.amount {
        charge.amount = Some(m.priced_in(charge.currency.as_ref()));
    }
    if let Some(m) = charge.local_currency_amount {
        charge.local_currency_amount = Some(m.priced_in(charge.local_currency.as_ref()));
    }
}

/// The billing rules, on what a charge of either form holds.
fn billing_action_of(
    has_number: bool,
    status: Option<&ChargeStatus>,
    amount: Option<&Money>,
) -> BillingAction {
    let approved = status == Some(&ChargeStatus::Approved);
    if approved && has_number && amount.is_some_and(|m| m.is_priced() && !m.is_negative()) {
        BillingAction::Bill
    } else if status.is_some_and(is_final_status) && !approved {
        BillingAction::Record
    } else {
        BillingAction::Leave
    }
}

fn is_final_status(status: &ChargeStatus) -> bool {
    matches!(
        status,
        ChargeStatus::Approved
            | ChargeStatus::Declined
            | ChargeStatus::BadRequest
            | ChargeStatus::Rejected
    )
}

impl Charge {
    /// The charge number.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// Whether the customer should be billed: `APPROVED`, with an amount priced in a known
    /// currency that is not below zero. Pending, declined, unknown statuses, unpriceable amounts
    /// and negative amounts (the API has no credits: such a charge is left for a person to look
    /// at) are never billable. An amount that rounds to zero is billable as a zero amount.
    ///
    /// ```
    /// use crmcom_netflix::{Charge, Currency, Money};
    /// let mut charge: Charge = serde_json::from_str(r#"{"number":"I1",
    ///     "billing_system_customer_identifier":"pci1","amount":5.99,"currency":"USD",
    ///     "paid_through_date":"2017-02-19T02:00:00","charge_status":"APPROVED",
    ///     "received_on":"2017-02-21T10:07:23"}"#).unwrap();
    /// assert!(charge.billable());
    /// charge.amount = Money::new(-5.99, Some(&Currency::new("USD"))).unwrap();
    /// assert!(!charge.billable());
    /// charge.amount = Money::new(0.001, Some(&Currency::new("USD"))).unwrap();
    /// assert!(charge.billable());
    /// ```
    pub fn billable(&self) -> bool {
        self.billing_action() == BillingAction::Bill
    }

    /// Whether CRM.COM has processed the charge (approved, declined, bad request or rejected).
    pub fn is_final(&self) -> bool {
        is_final_status(&self.charge_status)
    }

    /// Whether the charge still waits for processing (`PENDING`).
    pub fn is_pending(&self) -> bool {
        self.charge_status == ChargeStatus::Pending
    }

    /// What a billing system does with the charge when it is handed over: bill it, record it as
    /// processed and not to be billed, or leave it on the server for a later night. Only charges
    /// to bill or to record may be confirmed (and so acknowledged): an approved charge whose amount
    /// cannot be priced or is negative, a pending one or one with an unknown status must stay, or
    /// it would be lost.
    ///
    /// ```
    /// use crmcom_netflix::{BillingAction, Charge, ChargeStatus};
    /// let mut charge: Charge = serde_json::from_str(r#"{"number":"I1",
    ///     "billing_system_customer_identifier":"pci1","amount":5.99,"currency":"XYZ",
    ///     "paid_through_date":"2017-02-19T02:00:00","charge_status":"DECLINED",
    ///     "received_on":"2017-02-21T10:07:23"}"#).unwrap();
    /// assert_eq!(charge.billing_action(), BillingAction::Record);
    /// charge.charge_status = ChargeStatus::Approved; // an amount no known currency prices
    /// assert_eq!(charge.billing_action(), BillingAction::Leave);
    /// ```
    pub fn billing_action(&self) -> BillingAction {
        billing_action_of(true, Some(&self.charge_status), Some(&self.amount))
    }
}

impl ProjectedCharge {
    /// The charge number, if the `fields_set` named it.
    pub fn number(&self) -> Option<&str> {
        self.number.as_deref()
    }

    /// Whether the customer should be billed ([`Charge::billable`]); never without the number,
    /// the status and the amount.
    pub fn billable(&self) -> bool {
        self.billing_action() == BillingAction::Bill
    }

    /// Whether CRM.COM has processed the charge; `false` without its status.
    pub fn is_final(&self) -> bool {
        self.charge_status.as_ref().is_some_and(is_final_status)
    }

    /// Whether the charge still waits for processing; `false` without its status.
    pub fn is_pending(&self) -> bool {
        self.charge_status == Some(ChargeStatus::Pending)
    }

    /// What a billing system does with the charge ([`Charge::billing_action`]); a charge without
    /// its number, status or amount is left where it is.
    pub fn billing_action(&self) -> BillingAction {
        billing_action_of(
            self.number.is_some(),
            self.charge_status.as_ref(),
            self.amount.as_ref(),
        )
    }
}

/// What a billing system does with a charge it is handed ([`Charge::billing_action`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingAction {
    /// Approved and priced: bill the customer, then confirm.
    Bill,
    /// Declined, bad request or rejected: record that it is not billed, then confirm.
    Record,
    /// Pending, an unknown status, or approved but not priceable or negative: do not confirm; it
    /// stays on the server and comes back.
    Leave,
}

impl BillingAction {
    /// `"bill"`, `"record"` or `"leave"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BillingAction::Bill => "bill",
            BillingAction::Record => "record",
            BillingAction::Leave => "leave",
        }
    }

    /// Whether the charge may be confirmed once the action is done.
    pub const fn confirms(self) -> bool {
        !matches!(self, BillingAction::Leave)
    }
}

crate::object::response_object! {
    /// The data of `charges/list`.
    pub struct ChargesPage {
        /// The charges, oldest first.
        charges_set: Vec<Charge> = "charges_set", Required;
    }
}

crate::object::response_object! {
    /// The data of `charges/list` decoded with a `fields_set`: each charge holds the fields named.
    pub struct ProjectedChargesPage {
        /// The charges, oldest first.
        charges_set: Vec<ProjectedCharge> = "charges_set", Required;
    }
}

impl From<ChargesPage> for ProjectedChargesPage {
    fn from(page: ChargesPage) -> Self {
        let mut out = ProjectedChargesPage::from_parts(
            page.charges_set.into_iter().map(Into::into).collect(),
        );
        out.extra = page.extra;
        out
    }
}

impl TryFrom<ProjectedChargesPage> for ChargesPage {
    type Error = Error;
    /// The full form, if every charge has every documented non-nullable field.
    fn try_from(page: ProjectedChargesPage) -> Result<Self, Error> {
        let charges = page
            .charges_set
            .into_iter()
            .map(Charge::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = ChargesPage::from_parts(charges);
        out.extra = page.extra;
        Ok(out)
    }
}

impl ChargesPage {
    fn from_parts(charges_set: Vec<Charge>) -> Self {
        ChargesPage {
            charges_set,
            extra: serde_json::Map::new(),
            explicit_nulls: 0,
        }
    }

    /// The charges.
    pub fn charges(&self) -> &[Charge] {
        &self.charges_set
    }
}

impl ProjectedChargesPage {
    fn from_parts(charges_set: Vec<ProjectedCharge>) -> Self {
        ProjectedChargesPage {
            charges_set,
            extra: serde_json::Map::new(),
            explicit_nulls: 0,
        }
    }

    /// The charges.
    pub fn charges(&self) -> &[ProjectedCharge] {
        &self.charges_set
    }
}

/// A charge of either form as a page sees it: its number, when it has one.
trait PageCharge: PartialEq + crate::decode::ItemCheck {
    fn key(&self) -> Option<&str>;
}

impl PageCharge for Charge {
    fn key(&self) -> Option<&str> {
        Some(&self.number)
    }
}

impl PageCharge for ProjectedCharge {
    fn key(&self) -> Option<&str> {
        self.number.as_deref()
    }
}

impl ResponseData for ChargesPage {
    type Item = Charge;
    fn check(&self, named: Option<u64>) -> Result<(), Error> {
        check_page(&self.charges_set, named)
    }
    fn settle(&mut self) -> Result<usize, Error> {
        settle_page(&mut self.charges_set)
    }
    fn read_usual(text: &str) -> Option<Self> {
        let page = scan::charges_page(text);
        // Every body a test decodes checks the reader against the general decoder.
        #[cfg(debug_assertions)]
        if let Some(page) = &page {
            let general = crate::decode::read_general::<ChargesPage>(text).ok();
            assert_eq!(
                general.as_ref(),
                Some(page),
                "the usual-shape reader on {text}"
            );
        }
        page
    }
}

impl ResponseData for ProjectedChargesPage {
    type Item = ProjectedCharge;
    fn check(&self, named: Option<u64>) -> Result<(), Error> {
        check_page(&self.charges_set, named)
    }
    fn settle(&mut self) -> Result<usize, Error> {
        settle_page(&mut self.charges_set)
    }
}

fn check_page<C: PageCharge>(charges: &[C], named: Option<u64>) -> Result<(), Error> {
    let set = Path::Key(&Path::Root("data"), "charges_set");
    for (i, c) in charges.iter().enumerate() {
        c.check_item(&Path::Index(&set, i), named)?;
    }
    Ok(())
}

/// FNV-1a of a charge number: cheap for short keys; the server gains nothing by making the
/// numbers of its own page collide.
fn key_hash(number: &str) -> u64 {
    number.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A charge number that comes again with the same data is the same charge: it is kept once,
/// where it first came. With other data, which one to bill is unknown: the page is malformed.
fn settle_page<C: PageCharge>(charges: &mut Vec<C>) -> Result<usize, Error> {
    // An open-addressing table of charge indices by number, at most half full: each charge is
    // looked up once, and a repeat finds its first occurrence. Without a number (a `fields_set`
    // left it out) a charge has no key.
    let size = (2 * charges.len()).next_power_of_two().max(8);
    let mut slots: Vec<usize> = vec![usize::MAX; size];
    let mut again = Vec::new();
    for (i, c) in charges.iter().enumerate() {
        let Some(number) = c.key() else {
            continue;
        };
        let mut slot = key_hash(number) as usize & (size - 1);
        let first = loop {
            match slots[slot] {
                usize::MAX => {
                    slots[slot] = i;
                    break None;
                }
                j if charges[j].key() == Some(number) => break Some(j),
                _ => slot = (slot + 1) & (size - 1),
            }
        };
        let Some(first) = first else {
            continue;
        };
        if charges[first] != *c {
            let set = Path::Key(&Path::Root("data"), "charges_set");
            let at = Path::Key(&Path::Index(&set, i), "number");
            return Err(Error::malformed(
                at.render(),
                format!(
                    "charge `{number}` comes twice in the page with different data (first at \
                     data.charges_set[{first}]): which one to bill is unknown"
                ),
            ));
        }
        again.push(i);
    }
    if again.is_empty() {
        return Ok(0);
    }
    let mut i = 0;
    charges.retain(|_| {
        let keep = again.binary_search(&i).is_err();
        i += 1;
        keep
    });
    Ok(again.len())
}
