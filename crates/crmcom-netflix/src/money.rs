//! Exact money from the API's float artefacts (5.989999771118164 USD is 5.99 USD, 599 cents).

use std::fmt;
use std::str::FromStr;

use compact_str::CompactString;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// ISO 4217 codes with 0, 3 or 4 minor-unit digits; every other code in [`TWO_DIGIT`] has 2.
const ZERO_DIGIT: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
const THREE_DIGIT: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const FOUR_DIGIT: &[&str] = &["CLF", "UYW"];
/// Active ISO 4217 codes with 2 minor-unit digits.
const TWO_DIGIT: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DKK", "DOP",
    "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ",
    "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS",
    "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD",
    "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH",
    "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
    "ZWL",
];

/// The number of minor-unit digits of an ISO 4217 currency; `None` for a code the SDK does not know.
///
/// ```
/// use crmcom_netflix::minor_unit_exponent;
/// assert_eq!(minor_unit_exponent("USD"), Some(2));
/// assert_eq!(minor_unit_exponent("JPY"), Some(0));
/// assert_eq!(minor_unit_exponent("KWD"), Some(3));
/// assert_eq!(minor_unit_exponent("XYZ"), None);
/// ```
pub fn minor_unit_exponent(code: &str) -> Option<u32> {
    // The common cases first, without a table search.
    if matches!(code, "USD" | "EUR" | "GBP") {
        return Some(2);
    }
    let table: [(&[&str], u32); 4] = [
        (TWO_DIGIT, 2),
        (ZERO_DIGIT, 0),
        (THREE_DIGIT, 3),
        (FOUR_DIGIT, 4),
    ];
    table
        .iter()
        .find(|(codes, _)| codes.binary_search(&code).is_ok())
        .map(|&(_, e)| e)
}

/// A currency code as the API sent it, with its ISO 4217 minor unit when the code is known.
/// Unknown or ill-formed codes are kept as sent (never dropped), with no minor unit.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: CompactString,
    exponent: Option<u32>,
}

impl Currency {
    /// A currency from its code.
    pub fn new(code: &str) -> Currency {
        Currency {
            code: CompactString::new(code),
            exponent: minor_unit_exponent(code),
        }
    }
    /// The code as sent (`"USD"`).
    pub fn code(&self) -> &str {
        &self.code
    }
    /// Minor-unit digits (2 for USD); `None` for an unknown code.
    pub fn minor_unit_exponent(&self) -> Option<u32> {
        self.exponent
    }
    /// Whether ISO 4217 knows the code.
    pub fn is_known(&self) -> bool {
        self.exponent.is_some()
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.code.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = CompactString::deserialize(d)?;
        let exponent = minor_unit_exponent(&code);
        Ok(Currency { code, exponent })
    }
}

impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // Any code decodes (an identifier: no control character); one the SDK does not know, `usd`
        // or `USDX` say, leaves the charge unpriced and not billable rather than failing the page.
        schemars::json_schema!({"type": "string", "pattern": crate::schema::TEXT_PATTERN})
    }
}

/// An amount: the wire number as sent, and the exact decimal it stands for.
///
/// The exact value is the shortest decimal that reads back as the wire double (5.989999771118164),
/// rounded half away from zero to the currency's minor unit (5.99 USD). Without a known currency
/// it stays unrounded and has no minor units.
///
/// ```
/// use crmcom_netflix::{Currency, Money};
/// let m = Money::new(5.989999771118164, Some(&Currency::new("USD"))).unwrap();
/// assert_eq!(m.exact().to_string(), "5.99");
/// assert_eq!(m.minor_units(), Some(599));
/// assert_eq!(m.raw(), 5.989999771118164);
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Money {
    raw: f64,
    /// The rounded value; meaningful only when `exponent` is known.
    exact: Decimal,
    exponent: Option<u32>,
}

/// Largest magnitude a decimal holds (about 7.9e28).
const DECIMAL_LIMIT: f64 = 7.9e28;

impl Money {
    /// Exact money from a wire number and its currency; `None` if the number is not finite or too
    /// large for a decimal (beyond about 7.9e28).
    pub fn new(raw: f64, currency: Option<&Currency>) -> Option<Money> {
        Money::unpriced(raw).map(|m| m.priced_in(currency))
    }

    /// An amount whose currency is not known yet.
    pub(crate) fn unpriced(raw: f64) -> Option<Money> {
        (raw.is_finite() && raw.abs() < DECIMAL_LIMIT).then_some(Money {
            raw,
            exact: Decimal::ZERO,
            exponent: None,
        })
    }

    /// Rounds to the currency's minor unit (decoding reads the number before it may have seen the
    /// currency, so pricing is a second step).
    pub(crate) fn priced_in(self, currency: Option<&Currency>) -> Money {
        let exponent = currency.and_then(Currency::minor_unit_exponent);
        match exponent.and_then(|e| round_to_minor(self.raw, e).map(|d| (e, d))) {
            Some((e, exact)) => Money {
                raw: self.raw,
                exact,
                exponent: Some(e),
            },
            None => Money {
                raw: self.raw,
                exact: Decimal::ZERO,
                exponent: None,
            },
        }
    }

    /// The number exactly as it came over the wire.
    pub fn raw(&self) -> f64 {
        self.raw
    }
    /// The exact amount, rounded to the currency's minor unit when the currency is known.
    pub fn exact(&self) -> Decimal {
        match self.exponent {
            Some(_) => self.exact,
            None => shortest_decimal(self.raw).map_or(Decimal::ZERO, |d| {
                let mut d = d.normalize();
                if d.is_zero() {
                    d.set_sign_positive(true);
                }
                d
            }),
        }
    }
    /// The amount in integer minor units (599 for 5.99 USD); `None` without a known currency or if
    /// it does not fit an `i64`.
    pub fn minor_units(&self) -> Option<i64> {
        let e = self.exponent?;
        let mut d = self.exact;
        d.rescale(e);
        i64::try_from(d.mantissa()).ok()
    }
    /// Minor-unit digits used (2 for USD); `None` without a known currency.
    pub fn minor_unit_exponent(&self) -> Option<u32> {
        self.exponent
    }
    /// Whether the amount could be priced in a known currency.
    pub fn is_priced(&self) -> bool {
        self.exponent.is_some() && self.minor_units().is_some()
    }
    /// Whether the exact amount is below zero (an amount that rounds to zero is not).
    pub fn is_negative(&self) -> bool {
        self.exact().is_sign_negative() && !self.exact().is_zero()
    }
}

/// Rounds the shortest decimal of `raw` half away from zero to `e` digits.
///
/// Fast path: scale the double and round. The shortest decimal and the double differ by at most
/// half a unit in the last place, and scaling adds at most another half, so below 1e9 minor units
/// the scaled value is within 5e-7 of the scaled shortest decimal: the two roundings can only
/// disagree when the scaled value lies within that distance of a midpoint. There, and for larger
/// magnitudes, the decimal is built from the shortest representation instead.
fn round_to_minor(raw: f64, e: u32) -> Option<Decimal> {
    let scaled = raw * 10f64.powi(e as i32);
    let fraction = scaled.abs().fract();
    let near_midpoint = (fraction - 0.5).abs() < 1e-6;
    if scaled.abs() < 1.0e9 && !near_midpoint {
        let minor = scaled.round() as i64;
        return Some(Decimal::new(minor, e));
    }
    let shortest = shortest_decimal(raw)?;
    let mut rounded = shortest.round_dp_with_strategy(e, RoundingStrategy::MidpointAwayFromZero);
    // -0.001 rounds to zero, written `0.00` and never "-0.00".
    if rounded.is_zero() {
        rounded.set_sign_positive(true);
    }
    Some(rounded)
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} from {:?})", self, self.raw)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exponent {
            Some(e) => {
                let mut d = self.exact;
                d.rescale(e);
                write!(f, "{d}")
            }
            None => write!(f, "{}", self.exact()),
        }
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.raw)
    }
}

/// The shortest decimal that reads back as `x`.
///
/// When two decimals of the same, shortest length both read back as `x` (the double lies exactly
/// halfway between them, as -1380301467726983.25 does between `...983.2` and `...983.3`), the one
/// with the even last digit is taken: the choice of Ryu, of serde_json's writer and of Python's
/// `repr`, so that every language prices such a double alike. Rust's own float formatting picks
/// the other one on these ties and is not used here.
fn shortest_decimal(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(x);
    match text.split_once('e') {
        None => Decimal::from_str(text).ok(),
        // Ryu writes 1e-7 and 1e16 in scientific form; written out in full, digits beyond a
        // decimal's 28 places round away as they do for any long text.
        Some((mantissa, exponent)) => Decimal::from_str(&positional(mantissa, exponent)?).ok(),
    }
}

/// `mantissa` times ten to `exponent`, written without an exponent (`1.5`, `-7` gives `0.00000015`).
fn positional(mantissa: &str, exponent: &str) -> Option<String> {
    let exponent: i32 = exponent.parse().ok()?;
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let point = whole.len() as i32 + exponent;
    Some(if point <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(point.unsigned_abs() as usize)
        )
    } else if point as usize >= digits.len() {
        format!(
            "{sign}{digits}{}",
            "0".repeat(point as usize - digits.len())
        )
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    })
}

/// Adds up exact amounts per currency code; used by reports.
pub fn total_by_currency<'a>(
    amounts: impl IntoIterator<Item = (&'a Currency, &'a Money)>,
) -> std::collections::BTreeMap<String, Decimal> {
    let mut totals = std::collections::BTreeMap::new();
    for (currency, money) in amounts {
        add_to_total(&mut totals, currency, money);
    }
    totals
}

/// Adds one exact amount to running totals per currency code, as [`total_by_currency`] does: for
/// totals kept one charge at a time.
pub fn add_to_total(
    totals: &mut std::collections::BTreeMap<String, Decimal>,
    currency: &Currency,
    money: &Money,
) {
    *totals
        .entry(currency.code().to_owned())
        .or_insert(Decimal::ZERO) += money.exact();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(raw: f64, code: &str) -> (String, Option<i64>) {
        let m = Money::new(raw, Some(&Currency::new(code))).unwrap();
        (m.to_string(), m.minor_units())
    }

    #[test]
    fn currency_tables_are_sorted_for_binary_search() {
        for t in [TWO_DIGIT, ZERO_DIGIT, THREE_DIGIT, FOUR_DIGIT] {
            assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
        }
    }

    #[test]
    fn single_precision_artefacts_round_to_cents() {
        assert_eq!(exact(5.989999771118164, "USD"), ("5.99".into(), Some(599)));
        assert_eq!(exact(2.990000009536743, "USD"), ("2.99".into(), Some(299)));
        assert_eq!(exact(1.9900000095367432, "USD"), ("1.99".into(), Some(199)));
    }

    #[test]
    fn zero_and_three_digit_currencies_use_their_minor_unit() {
        assert_eq!(exact(500.0, "JPY"), ("500".into(), Some(500)));
        assert_eq!(exact(499.5, "JPY"), ("500".into(), Some(500)));
        assert_eq!(exact(1.2345, "KWD"), ("1.235".into(), Some(1235)));
        assert_eq!(exact(12.0, "KWD"), ("12.000".into(), Some(12000)));
    }

    #[test]
    fn midpoints_round_half_away_from_zero() {
        assert_eq!(exact(0.005, "USD"), ("0.01".into(), Some(1)));
        assert_eq!(exact(-0.005, "USD"), ("-0.01".into(), Some(-1)));
        assert_eq!(exact(2.675, "USD"), ("2.68".into(), Some(268)));
    }

    // The literals are the exact values of the doubles: the digits past a double's precision are
    // what makes them ties.
    #[allow(clippy::excessive_precision)]
    #[test]
    fn a_double_halfway_between_two_shortest_texts_takes_the_even_one() {
        // 927031709157185.25 reads back from both ...185.2 and ...185.3; Rust's own formatting
        // writes ...185.3, Ryu and Python write ...185.2.
        let tie = 927_031_709_157_185.25_f64;
        assert_eq!(
            shortest_decimal(tie).unwrap().to_string(),
            "927031709157185.2"
        );
        assert_eq!(exact(tie, "USD").0, "927031709157185.20");
        assert_eq!(
            exact(-1_380_301_467_726_983.25, "USD").0,
            "-1380301467726983.20"
        );
    }

    #[test]
    fn scientific_texts_are_written_out_in_full() {
        assert_eq!(positional("1.5", "-7").unwrap(), "0.00000015");
        assert_eq!(positional("-1", "16").unwrap(), "-10000000000000000");
        assert_eq!(positional("1.2345", "2").unwrap(), "123.45");
        assert_eq!(shortest_decimal(1e-7).unwrap().to_string(), "0.0000001");
        assert_eq!(
            shortest_decimal(1.5e16).unwrap().to_string(),
            "15000000000000000"
        );
        assert!(shortest_decimal(-1e-300).unwrap().is_zero());
    }

    #[test]
    fn unknown_currency_keeps_the_unrounded_amount_and_has_no_minor_units() {
        let m = Money::new(12.345, Some(&Currency::new("XYZ"))).unwrap();
        assert_eq!(m.exact().to_string(), "12.345");
        assert_eq!(m.minor_units(), None);
        assert!(!m.is_priced());
    }

    #[test]
    fn non_finite_and_huge_amounts_are_refused() {
        assert!(Money::new(f64::NAN, None).is_none());
        assert!(Money::new(1e300, None).is_none());
        assert!(Money::new(1e-300, None).is_some());
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = f64::deserialize(d)?;
        Money::unpriced(raw).ok_or_else(|| {
            serde::de::Error::custom(format_args!("the amount {raw} is too large for money"))
        })
    }
}

impl schemars::JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "number"})
    }
}

#[cfg(test)]
mod rounding_tests {
    use super::*;

    /// The fast path must agree with rounding the shortest decimal, including next to midpoints.
    #[test]
    fn fast_rounding_agrees_with_the_shortest_decimal_everywhere_tested() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let raw = match i % 4 {
                0 => (x % 10_000_000) as f64 / 1000.0,
                1 => (x % 1_000_000) as f32 as f64 / 100.0,
                2 => ((x % 100_000) as f64 + 0.5) / 100.0,
                _ => f64::from_bits(x) % 1e9,
            };
            if !raw.is_finite() {
                continue;
            }
            for e in [0, 2, 3, 4] {
                let slow = shortest_decimal(raw)
                    .unwrap()
                    .round_dp_with_strategy(e, RoundingStrategy::MidpointAwayFromZero);
                assert_eq!(round_to_minor(raw, e), Some(slow), "{raw} at {e} digits");
            }
        }
    }
}
