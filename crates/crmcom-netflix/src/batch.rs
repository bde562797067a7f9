//! Batching for acknowledge, accept and decline: any number of charges in, requests of at most 50
//! out, repeated charges removed, reference numbers kept.

use std::collections::HashSet;

use crate::method::ApiRequest;

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

/// Splits charges into requests of at most 50 items, in order, dropping a repeated charge number
/// (the first occurrence wins) and an item whose non-empty reference number was already used, so
/// that every request passes the set rules.
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
    let mut numbers = HashSet::new();
    let mut references = HashSet::new();
    let mut requests = Vec::new();
    let mut current = Vec::with_capacity(MAX_SET_ITEMS);
    for item in items {
        if !numbers.insert(item.number().to_owned()) {
            continue;
        }
        if let Some(reference) = item.reference_number().filter(|r| !r.is_empty()) {
            if !references.insert(reference.to_owned()) {
                continue;
            }
        }
        current.push(item);
        if current.len() == MAX_SET_ITEMS {
            requests.push(R::from_items(std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        requests.push(R::from_items(current));
    }
    requests
}

/// Items for a set from decoded charges (number and customer identifier; no reference number).
pub fn items_from_charges<'a, I: ChargeSetItem>(
    charges: impl IntoIterator<Item = &'a crate::Charge>,
) -> Vec<I> {
    charges
        .into_iter()
        .filter_map(|c| {
            Some(I::new_item(
                c.number.as_deref()?.to_owned(),
                c.billing_system_customer_identifier
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned(),
                None,
            ))
        })
        .collect()
}
