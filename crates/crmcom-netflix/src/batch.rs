//! Batching for acknowledge, accept and decline: any number of charges in, requests of at most 50
//! out, repeated charges removed, reference numbers kept.
//!
//! Two flavours:
//!
//! - [`batch`] never fails and never drops a charge: a repeated charge number is merged into its
//!   first occurrence, and an item whose reference number another charge already uses goes into a
//!   later request, so that every request passes the set rules (the server, which holds reference
//!   numbers unique per operator, then reports that charge in `failed_charges_set`).
//! - [`try_batch`] refuses such input instead: a reference number on two charges, or one charge
//!   given twice with different data, is a `duplicate` violation at the path of the later item.

use std::collections::{HashMap, HashSet};

use crate::error::{index, join, Error, Violation, ViolationCode, Violations};
use crate::method::{ApiRequest, Method};
use crate::methods::{AcceptCharges, AcknowledgeCharges, DeclineCharges};
use crate::prepare::{prepare_value, resolve, PreparedRequest};
use crate::release::Release;
use crate::schema;
use crate::token::Token;
use serde_json::{Map, Value};

/// The most items one acknowledge, accept or decline call takes.
pub const MAX_SET_ITEMS: usize = 50;

/// An item of an acknowledge, accept or decline set.
pub trait ChargeSetItem: Clone {
    /// Builds an item.
    fn new_item(
        number: String,
        billing_system_customer_identifier: String,
        reference_number: Option<String>,
    ) -> Self;
    /// The charge number.
    fn number(&self) -> &str;
    /// The operator's reference number, if any.
    fn reference_number(&self) -> Option<&str>;
    /// The customer's identifier in the operator's billing system.
    fn billing_system_customer_identifier(&self) -> &str;
    /// Sets the reference number.
    fn set_reference_number(&mut self, reference_number: Option<String>);
}

/// An acknowledge, accept or decline request.
pub trait ChargeSetRequest: ApiRequest + Sized {
    /// Its item type.
    type Item: ChargeSetItem;
    /// A request from items (not checked; `prepare` checks).
    fn from_items(items: Vec<Self::Item>) -> Self;
    /// The items.
    fn items(&self) -> &[Self::Item];
}

/// A reference number that counts: empty or blank ones are the same as none.
fn reference_of<I: ChargeSetItem>(item: &I) -> Option<&str> {
    item.reference_number().filter(|r| !r.trim().is_empty())
}

/// Merges repeated charge numbers into their first occurrence, keeping input order. A later
/// occurrence lends its reference number when the first had none and no other charge uses it.
/// Conflicts (different customer, different reference, a reference on two charges) are reported
/// to `conflicts` when given.
fn merge<I: ChargeSetItem>(
    items: impl IntoIterator<Item = I>,
    mut conflicts: Option<&mut Violations>,
) -> Vec<I> {
    let mut merged: Vec<I> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    // Which charge (index into `merged`) holds each reference number.
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.into_iter().enumerate() {
        let reference = reference_of(&item).map(str::to_owned);
        match by_number.get(item.number()) {
            Some(&at) => {
                let first = &mut merged[at];
                if let Some(out) = conflicts.as_deref_mut() {
                    if first.billing_system_customer_identifier()
                        != item.billing_system_customer_identifier()
                    {
                        out.push(
                            &join(&index("", i), "billing_system_customer_identifier"),
                            ViolationCode::Duplicate,
                            format!(
                                "charge {} is given twice with different customers",
                                item.number()
                            ),
                        );
                    }
                }
                match (reference_of(first).map(str::to_owned), reference) {
                    (Some(a), Some(b)) if a != b => {
                        if let Some(out) = conflicts.as_deref_mut() {
                            out.push(
                                &join(&index("", i), "reference_number"),
                                ViolationCode::Duplicate,
                                format!(
                                    "charge {} is given twice with different reference numbers",
                                    item.number()
                                ),
                            );
                        }
                    }
                    (None, Some(b)) => match owner.get(&b) {
                        Some(_) => {
                            if let Some(out) = conflicts.as_deref_mut() {
                                out.push(
                                    &join(&index("", i), "reference_number"),
                                    ViolationCode::Duplicate,
                                    format!("reference number `{b}` is used by another charge"),
                                );
                            }
                        }
                        None => {
                            owner.insert(b.clone(), at);
                            first.set_reference_number(Some(b));
                        }
                    },
                    _ => {}
                }
            }
            None => {
                if let Some(r) = reference {
                    match owner.entry(r) {
                        std::collections::hash_map::Entry::Occupied(taken) => {
                            if let Some(out) = conflicts.as_deref_mut() {
                                out.push(
                                    &join(&index("", i), "reference_number"),
                                    ViolationCode::Duplicate,
                                    format!(
                                        "reference number `{}` is used by another charge",
                                        taken.key()
                                    ),
                                );
                            }
                        }
                        std::collections::hash_map::Entry::Vacant(free) => {
                            free.insert(merged.len());
                        }
                    }
                }
                by_number.insert(item.number().to_owned(), merged.len());
                merged.push(item);
            }
        }
    }
    merged
}

/// Places merged items into requests of at most 50, in order, never putting one reference number
/// twice into a request.
fn place<R: ChargeSetRequest>(items: Vec<R::Item>) -> Vec<R> {
    let mut sets: Vec<(Vec<R::Item>, HashSet<String>)> = Vec::new();
    // Sets before `open` are full; most input fills them strictly in order.
    let mut open = 0;
    for item in items {
        let reference = reference_of(&item).map(str::to_owned);
        let at = (open..sets.len()).find(|&s| {
            sets[s].0.len() < MAX_SET_ITEMS
                && reference.as_ref().is_none_or(|r| !sets[s].1.contains(r))
        });
        let at = at.unwrap_or_else(|| {
            sets.push((Vec::with_capacity(MAX_SET_ITEMS), HashSet::new()));
            sets.len() - 1
        });
        if let Some(r) = reference {
            sets[at].1.insert(r);
        }
        sets[at].0.push(item);
        while open < sets.len() && sets[open].0.len() == MAX_SET_ITEMS {
            open += 1;
        }
    }
    sets.into_iter()
        .map(|(items, _)| R::from_items(items))
        .collect()
}

/// Splits charges into requests of at most 50 items, in order, so that every request passes the
/// set rules, without ever dropping a charge.
///
/// A repeated charge number is merged into its first occurrence (whose customer and reference win;
/// a later occurrence lends its reference number when the first had none). An item whose reference
/// number another charge already uses is kept and goes into a later request that does not hold
/// that reference. Use [`try_batch`] to refuse such input instead.
///
/// ```
/// use crmcom_netflix::{batch, AcknowledgeCharges, AcknowledgedCharge};
/// let items: Vec<AcknowledgedCharge> = (0..120)
///     .map(|i| AcknowledgedCharge::new(format!("I{:08}", i % 110), "pci1"))
///     .collect();
/// let requests: Vec<AcknowledgeCharges> = batch(items);
/// let sizes: Vec<usize> = requests.iter().map(|r| r.acknowledged_charges_set.len()).collect();
/// assert_eq!(sizes, [50, 50, 10]);
/// ```
pub fn batch<R: ChargeSetRequest>(items: impl IntoIterator<Item = R::Item>) -> Vec<R> {
    place(merge(items, None))
}

/// Like [`batch`], but fails on input that [`batch`] would have to work around: a reference number
/// given to two different charges, or one charge given twice with a different customer or a
/// different reference number. Every such item is a `duplicate` violation at its index in the
/// input (`[3].reference_number`). Plain repeats of a charge are merged, as by [`batch`].
///
/// ```
/// use crmcom_netflix::{try_batch, AcceptCharges, AcceptedCharge};
/// let mut a = AcceptedCharge::new("I1", "pci1");
/// a.reference_number = Some("R1".into());
/// let mut b = AcceptedCharge::new("I2", "pci1");
/// b.reference_number = Some("R1".into());
/// let err = try_batch::<AcceptCharges>([a, b]).unwrap_err();
/// assert_eq!(err.violations()[0].path, "[1].reference_number");
/// ```
pub fn try_batch<R: ChargeSetRequest>(
    items: impl IntoIterator<Item = R::Item>,
) -> Result<Vec<R>, Error> {
    let mut conflicts = Violations::default();
    let merged = merge(items, Some(&mut conflicts));
    conflicts.into_result()?;
    Ok(place(merged))
}

/// Items for a set from decoded charges (number and customer identifier; no reference number).
pub fn items_from_charges<'a, I: ChargeSetItem>(
    charges: impl IntoIterator<Item = &'a crate::Charge>,
) -> Vec<I> {
    charges
        .into_iter()
        .map(|c| {
            I::new_item(
                c.number.to_string(),
                c.billing_system_customer_identifier.to_string(),
                None,
            )
        })
        .collect()
}

/// The by-name form of [`batch`] followed by [`prepare_value`], for the C API: charges given as
/// `(number, billing_system_customer_identifier, reference_number)` are split into requests of at
/// most 50 for `netflix/charges/acknowledge`, `accept` or `decline`, each prepared with the token
/// for `release` (the newest when `None`). No charges means no requests.
///
/// Violations point at the charge as given: `accepted_charges_set[i]` is the `i`-th item of
/// `items`, whichever request it landed in.
///
/// ```
/// use crmcom_netflix::prepare_batch_json;
/// let items: Vec<(String, String, Option<String>)> =
///     (0..51).map(|i| (format!("I{i:08}"), "pci1".to_string(), None)).collect();
/// let requests = prepare_batch_json(
///     "netflix/charges/acknowledge",
///     items.iter().map(|(n, c, r)| (n.as_str(), c.as_str(), r.as_deref())),
///     Some("T"),
///     None,
/// ).unwrap();
/// assert_eq!(requests.len(), 2);
/// assert_eq!(requests[1].body.as_ref().unwrap()["acknowledged_charges_set"][0]["number"], "I00000050");
/// ```
pub fn prepare_batch_json<'a>(
    method: &str,
    items: impl IntoIterator<Item = (&'a str, &'a str, Option<&'a str>)>,
    token: Option<&str>,
    release: Option<&str>,
) -> Result<Vec<PreparedRequest>, Error> {
    let (method, release) = resolve(method, release)?;
    let items: Vec<(&str, &str, Option<&str>)> = items.into_iter().collect();
    let params = match method {
        Method::ChargesAcknowledge => batch_params::<AcknowledgeCharges>(&items),
        Method::ChargesAccept => batch_params::<AcceptCharges>(&items),
        Method::ChargesDecline => batch_params::<DeclineCharges>(&items),
        other => {
            return Err(Error::InvalidRequest(vec![Violation::new(
                "method",
                ViolationCode::InvalidEnum,
                format!(
                    "{other} does not take a set of charges; batching applies to {}, {} and {}",
                    Method::ChargesAcknowledge,
                    Method::ChargesAccept,
                    Method::ChargesDecline
                ),
            )]))
        }
    }?;
    // A kept charge number is the first item that carried it (`batch` keeps first occurrences).
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    for (i, (number, _, _)) in items.iter().enumerate() {
        first_index.entry(number).or_insert(i);
    }
    let set = set_name(method);
    let mut violations = Violations::default();
    let mut requests = Vec::with_capacity(params.len());
    for p in &params {
        match prepare_value(method, p, token, release) {
            Ok(request) => requests.push(request),
            Err(Error::InvalidRequest(found)) => {
                let numbers = p[set].as_array().map(Vec::as_slice).unwrap_or(&[]);
                for v in found {
                    let path = to_input_path(&v.path, set, numbers, &first_index);
                    if !violations
                        .0
                        .iter()
                        .any(|seen| seen.path == path && seen.code == v.code)
                    {
                        violations.push(&path, v.code, v.message);
                    }
                }
            }
            Err(other) => return Err(other),
        }
    }
    violations.into_result()?;
    Ok(requests)
}

fn set_name(method: Method) -> &'static str {
    match method {
        Method::ChargesAccept => "accepted_charges_set",
        Method::ChargesDecline => "declined_charges_set",
        _ => "acknowledged_charges_set",
    }
}

fn batch_params<R: ChargeSetRequest>(
    items: &[(&str, &str, Option<&str>)],
) -> Result<Vec<serde_json::Value>, Error> {
    let items = items.iter().map(|(number, customer, reference)| {
        R::Item::new_item(
            (*number).to_owned(),
            (*customer).to_owned(),
            reference.map(str::to_owned),
        )
    });
    batch::<R>(items)
        .iter()
        .map(|request| {
            serde_json::to_value(request).map_err(|e| {
                Error::InvalidRequest(vec![Violation::new(
                    "",
                    ViolationCode::InvalidType,
                    e.to_string(),
                )])
            })
        })
        .collect()
}

/// Rewrites `set[j]...` (an item of one request) to `set[i]...` (the item of the input).
fn to_input_path(
    path: &str,
    set: &str,
    request_items: &[serde_json::Value],
    first_index: &HashMap<&str, usize>,
) -> String {
    let Some(rest) = path.strip_prefix(set).and_then(|r| r.strip_prefix('[')) else {
        return path.to_owned();
    };
    let Some((j, tail)) = rest.split_once(']') else {
        return path.to_owned();
    };
    let input = j
        .parse::<usize>()
        .ok()
        .and_then(|j| request_items.get(j))
        .and_then(|item| item["number"].as_str())
        .and_then(|number| first_index.get(number));
    match input {
        Some(i) => format!("{set}[{i}]{tail}"),
        None => path.to_owned(),
    }
}

/// [`crate::prepare`] for an acknowledge, accept or decline request: the same request, or the
/// same error, in one pass over the items when the request is plain (a token that is not blank,
/// 1 to 50 items, numbers and customer identifiers that are not blank, nothing twice, no control
/// character, a method and fields of `release`), as the nightly job's acknowledgements are. The
/// rules are the method's schema: its shape is checked against [`schema::plain_charge_set`], and
/// anything that is not plain goes through the schema walk, which then reports it.
pub(crate) fn prepare_set<R: ChargeSetRequest>(
    request: &R,
    token: Option<&Token>,
    release: Release,
) -> Result<PreparedRequest, Error> {
    let Some(prepared) = plain_set(request, token, release) else {
        return crate::prepare::prepare(request, token, release);
    };
    #[cfg(debug_assertions)]
    {
        let walked = crate::prepare::prepare(request, token, release);
        debug_assert_eq!(
            walked.ok().and_then(|w| w.body_bytes()),
            prepared.body_bytes(),
            "the plain set of {} departs from the schema walk",
            R::METHOD.name()
        );
    }
    Ok(prepared)
}

/// The request of a plain set (see [`prepare_set`]); `None` for any other.
fn plain_set<R: ChargeSetRequest>(
    request: &R,
    token: Option<&Token>,
    release: Release,
) -> Option<PreparedRequest> {
    let method = R::METHOD;
    if method.since() > release
        || method.verb() != crate::method::Verb::Post
        || method.authorization_parameter().is_some()
    {
        return None;
    }
    let name = schema::plain_charge_set(method.request_node(), release)?;
    let token = token.map(Token::expose)?;
    crate::prepare::check_token(Some(token)).ok()?;
    // A mandatory text the walk takes as it is: not blank, no control character.
    let plain = |s: &str| !s.trim().is_empty() && !crate::json::has_control(s);
    let items = request.items();
    if items.is_empty() || items.len() > MAX_SET_ITEMS {
        return None;
    }
    // As the walk: uniqueness is of the values as given (a blank reference number counts).
    let mut numbers = HashSet::with_capacity(items.len());
    let mut references = HashSet::new();
    let mut set = Vec::with_capacity(items.len());
    for item in items {
        let (number, customer) = (item.number(), item.billing_system_customer_identifier());
        if !plain(number) || !plain(customer) || !numbers.insert(number) {
            return None;
        }
        let mut fields = Map::with_capacity(3);
        fields.insert("number".to_owned(), Value::String(number.to_owned()));
        fields.insert(
            "billing_system_customer_identifier".to_owned(),
            Value::String(customer.to_owned()),
        );
        if let Some(reference) = item.reference_number() {
            if crate::json::has_control(reference) || !references.insert(reference) {
                return None;
            }
            // A blank optional text counts as not given.
            if !reference.trim().is_empty() {
                fields.insert(
                    "reference_number".to_owned(),
                    Value::String(reference.to_owned()),
                );
            }
        }
        set.push(Value::Object(fields));
    }
    let mut params = Map::with_capacity(1);
    params.insert(name.to_owned(), Value::Array(set));
    Some(crate::prepare::build(method, params, Some(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<(String, String, Option<String>)> {
        (0..n)
            .map(|i| (format!("I{i:08}"), "pci1".to_owned(), None))
            .collect()
    }

    fn prepare(
        method: &str,
        items: &[(String, String, Option<String>)],
        release: Option<&str>,
    ) -> Result<Vec<PreparedRequest>, Error> {
        prepare_batch_json(
            method,
            items
                .iter()
                .map(|(n, c, r)| (n.as_str(), c.as_str(), r.as_deref())),
            Some("T"),
            release,
        )
    }

    #[test]
    fn by_name_batches_split_at_fifty_and_carry_the_token() {
        let requests = prepare("netflix/charges/accept", &items(101), None).unwrap();
        let sizes: Vec<usize> = requests
            .iter()
            .map(|r| {
                r.body.as_ref().unwrap()["accepted_charges_set"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .collect();
        assert_eq!(sizes, [50, 50, 1]);
        assert!(requests.iter().all(
            |r| r.path == "netflix/charges/accept" && r.body.as_ref().unwrap()["token"] == "T"
        ));
    }

    #[test]
    fn by_name_batches_of_nothing_are_no_requests() {
        assert!(prepare("netflix/charges/decline", &[], None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn by_name_batch_violations_point_at_the_input_item() {
        let mut input = items(60);
        input[55].1 = String::new();
        input.insert(3, input[0].clone());
        let err = prepare("netflix/charges/acknowledge", &input, None).unwrap_err();
        let got: Vec<(&str, ViolationCode)> = err
            .violations()
            .iter()
            .map(|v| (v.path.as_str(), v.code))
            .collect();
        assert_eq!(
            got,
            [(
                "acknowledged_charges_set[56].billing_system_customer_identifier",
                ViolationCode::Required
            )]
        );
    }

    #[test]
    fn by_name_batch_rejects_methods_without_a_set_and_unknown_names() {
        let err = prepare("netflix/charges/list", &items(1), None).unwrap_err();
        assert_eq!(err.violations()[0].path, "method");
        assert_eq!(err.violations()[0].code, ViolationCode::InvalidEnum);
        let err = prepare("netflix/charges/cancel", &items(1), Some("R99")).unwrap_err();
        let paths: Vec<&str> = err.violations().iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["method", "release"]);
    }

    #[test]
    fn by_name_batch_reports_a_method_newer_than_the_release_once() {
        let err = prepare("netflix/charges/decline", &items(120), Some("R12.0.0")).unwrap_err();
        assert_eq!(err.violations().len(), 1);
        assert_eq!(err.violations()[0].code, ViolationCode::NotInRelease);
    }

    mod plain_sets {
        use super::super::{plain_set, prepare_set, ChargeSetItem, ChargeSetRequest};
        use crate::methods::{AcceptCharges, AcknowledgeCharges, DeclineCharges};
        use crate::{prepare, Release, Token};
        use proptest::prelude::*;

        /// Strings near every rule: blank (ASCII and Unicode white space), control characters,
        /// a few values that repeat.
        fn text() -> impl Strategy<Value = String> {
            prop_oneof![
                4 => "I0000000[0-9]",
                1 => Just(String::new()),
                1 => Just(" ".to_owned()),
                1 => Just("\u{3000}".to_owned()),
                1 => Just("\u{85}".to_owned()),
                1 => Just("a\u{7f}".to_owned()),
                1 => Just("a\tb".to_owned()),
                1 => Just("\u{1}".to_owned()),
                1 => Just(" é ".to_owned()),
                1 => Just("R\"q\\".to_owned()),
            ]
        }

        fn item() -> impl Strategy<Value = (String, String, Option<String>)> {
            (
                text(),
                prop_oneof![4 => Just("pci1".to_owned()), 1 => text()],
                prop_oneof![3 => Just(None), 2 => text().prop_map(Some), 2 => "R[0-9]{3}".prop_map(Some)],
            )
        }

        fn token() -> impl Strategy<Value = Option<String>> {
            prop_oneof![
                6 => Just(Some("T0K".to_owned())),
                1 => Just(None),
                1 => Just(Some(" ".to_owned())),
                1 => Just(Some("T\n".to_owned())),
            ]
        }

        /// `prepare_set` gives what the schema walk gives, request or error, for any input; on
        /// plain input it takes the one-pass path.
        fn agrees<R: ChargeSetRequest>(
            items: &[(String, String, Option<String>)],
            token: Option<&str>,
            release: Release,
        ) -> Result<bool, TestCaseError> {
            let request = R::from_items(
                items
                    .iter()
                    .map(|(n, c, r)| R::Item::new_item(n.clone(), c.clone(), r.clone()))
                    .collect(),
            );
            let token = token.map(Token::new);
            let walked = prepare(&request, token.as_ref(), release);
            let fast = prepare_set(&request, token.as_ref(), release);
            match (&walked, &fast) {
                (Ok(w), Ok(f)) => {
                    prop_assert_eq!(w.body_bytes(), f.body_bytes());
                    prop_assert_eq!(w.method, f.method);
                    prop_assert_eq!(w.path, f.path);
                    prop_assert!(
                        f.query.is_empty() && f.headers.is_empty() && f.fields_set.is_none()
                    );
                }
                (Err(w), Err(f)) => prop_assert_eq!(w.to_string(), f.to_string()),
                _ => prop_assert!(false, "walk {walked:?} against {fast:?}"),
            }
            Ok(plain_set(&request, token.as_ref(), release).is_some())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
            #[test]
            fn a_set_prepared_in_one_pass_is_the_schema_walks_request(
                items in prop::collection::vec(item(), 0..=52),
                token in token(),
                release in prop::sample::select(Release::ALL.to_vec()),
            ) {
                let t = token.as_deref();
                agrees::<AcknowledgeCharges>(&items, t, release)?;
                agrees::<AcceptCharges>(&items, t, release)?;
                agrees::<DeclineCharges>(&items, t, release)?;
            }
        }

        #[test]
        fn the_nightly_jobs_acknowledgements_take_the_one_pass_path() {
            let items: Vec<_> = (0..50)
                .map(|i| {
                    (
                        format!("I{i:08}"),
                        "pci1".to_owned(),
                        (i % 2 == 0).then(|| format!("R{i}")),
                    )
                })
                .collect();
            for release in Release::ALL {
                let plain = agrees::<AcknowledgeCharges>(&items, Some("T0K"), release).unwrap();
                assert_eq!(
                    plain,
                    AcknowledgeCharges::METHOD.since() <= release,
                    "{release}"
                );
            }
            // Not plain: a blank number, 51 items, no token; the walk reports them.
            let mut blank = items.clone();
            blank[3].0 = " ".into();
            assert!(!agrees::<AcknowledgeCharges>(&blank, Some("T0K"), Release::LATEST).unwrap());
            let mut many = items.clone();
            many.push(("I99".into(), "pci1".into(), None));
            assert!(!agrees::<AcknowledgeCharges>(&many, Some("T0K"), Release::LATEST).unwrap());
            assert!(!agrees::<AcknowledgeCharges>(&items, None, Release::LATEST).unwrap());
        }

        use crate::method::ApiRequest as _;
    }
}
