//! A reader of the usual shape of a `charges/list` body, without serde: the envelope, its status
//! and a page of charges whose strings have no escapes and whose numbers have no exponent.
//!
//! It reads a subset of what the general decoder reads, and gives up (`None`) on everything
//! else: a key it does not know the value of, a key twice, an escape or a control character in a
//! string, an exponent, a date that is not one, a missing field, a status other than `OK`, text
//! that is not JSON. The general decoder then reads the body and finds the error, if there is
//! one, with its path. What this reader returns is what the general decoder returns for the same
//! body (the core's tests check it on every body they decode); the checks after reading
//! (identifiers, presence with a `fields_set`, repeated charges) are the same for both.

use compact_str::CompactString;
use serde_json::{Map, Value};

use super::{price_amounts, Charge, ChargeStatus, ChargesPage};
use crate::date::Date;
use crate::money::{Currency, Money};
use crate::object::ResponseObject;

/// Reads the body; `None` when the general decoder must.
pub(crate) fn charges_page(text: &str) -> Option<ChargesPage> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let bits = NullBits::new();
    let mut status_ok = None;
    let mut charges = None;
    s.object(|s, key| {
        match key {
            "status" if status_ok.is_none() => status_ok = Some(s.status()?),
            "data" if charges.is_none() => charges = Some(s.data(&bits)?),
            // Another key, or one twice: the general decoder.
            _ => return None,
        }
        Some(())
    })?;
    s.skip_space();
    if s.at != s.bytes.len() || status_ok != Some(true) {
        return None;
    }
    Some(ChargesPage::from_parts(charges?))
}

/// Bits of the nullable fields in a charge's `explicit_nulls`, by the charge's field list.
struct NullBits {
    local_currency_amount: u64,
    local_currency: u64,
    set_as_approved_on: u64,
    set_as_declined_on: u64,
    set_as_bad_request_on: u64,
    set_as_rejected_request_on: u64,
}

impl NullBits {
    fn new() -> NullBits {
        let bit = |name: &str| {
            Charge::fields()
                .iter()
                .position(|f| f.name == name)
                .map_or(0, |i| 1u64 << i)
        };
        NullBits {
            local_currency_amount: bit("local_currency_amount"),
            local_currency: bit("local_currency"),
            set_as_approved_on: bit("set_as_approved_on"),
            set_as_declined_on: bit("set_as_declined_on"),
            set_as_bad_request_on: bit("set_as_bad_request_on"),
            set_as_rejected_request_on: bit("set_as_rejected_request_on"),
        }
    }
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `word` that is below `n` (at most 0x80), and maybe of bytes after
/// the first such one (the borrow runs upwards): the lowest one set is exact.
#[inline]
fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS
}

/// The length of a string's text up to its closing quote; `None` if a backslash or a control
/// character comes first, or no quote does. Eight bytes at a time.
#[inline]
fn string_len(rest: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(chunk) = rest.get(at..at + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let stop = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if stop != 0 {
            let len = at + (stop.trailing_zeros() / 8) as usize;
            return (rest[len] == b'"').then_some(len);
        }
        at += 8;
    }
    let len = at
        + rest
            .get(at..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (rest[len] == b'"').then_some(len)
}

/// The fields of a charge.
#[derive(Clone, Copy)]
enum Field {
    Number,
    Customer,
    Amount,
    Currency,
    LocalAmount,
    LocalCurrency,
    PaidThrough,
    Status,
    Received,
    Approved,
    Declined,
    BadRequest,
    Rejected,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// Powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl<'a> Scanner<'a> {
    /// Skips JSON whitespace.
    #[inline]
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    #[inline]
    fn next(&mut self) -> Option<u8> {
        self.skip_space();
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// A string without escapes or control characters.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let len = string_len(self.bytes.get(start..)?)?;
        self.at = start + len + 1;
        // Both ends are at ASCII quotes, so on character boundaries.
        self.text.get(start..start + len)
    }

    /// `null`, consumed, if it is next.
    #[inline]
    fn null(&mut self) -> bool {
        self.skip_space();
        let is_null = self.bytes.get(self.at..self.at + 4) == Some(b"null");
        if is_null {
            self.at += 4;
        }
        is_null
    }

    /// A number without an exponent, as the double nearest to it (as the general reader has it).
    fn number(&mut self) -> Option<f64> {
        self.skip_space();
        let start = self.at;
        let negative = self.bytes.get(self.at) == Some(&b'-');
        if negative {
            self.at += 1;
        }
        let mut mantissa: u64 = 0;
        let mut digits = 0usize;
        match self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                while let Some(&d @ b'0'..=b'9') = self.bytes.get(self.at) {
                    mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                    digits += 1;
                    self.at += 1;
                }
            }
            _ => return None,
        }
        let mut fraction = 0usize;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            while let Some(&d @ b'0'..=b'9') = self.bytes.get(self.at) {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                fraction += 1;
                self.at += 1;
            }
            if fraction == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E' | b'0'..=b'9') = self.bytes.get(self.at) {
            // An exponent, or a digit after a leading zero: the general reader.
            return None;
        }
        // Up to 2^53 and 10^22 both are exact doubles, and one division rounds correctly.
        let value = if digits + fraction <= 19 && mantissa <= 1 << 53 && fraction < POW10.len() {
            mantissa as f64 / POW10[fraction]
        } else {
            return self.text.get(start..self.at)?.parse().ok();
        };
        Some(if negative { -value } else { value })
    }

    /// An object: `field` is called with each key, positioned at its value.
    #[inline]
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            field(self, key)?;
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// The status: whether its code is `OK` (any other code is an API error, which the general
    /// decoder reports).
    fn status(&mut self) -> Option<bool> {
        let mut code = None;
        let mut seen = 0u8;
        self.object(|s, key| {
            let bit = match key {
                "code" => 1,
                "description" => 2,
                "message" => 4,
                _ => return None,
            };
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            if bit == 1 {
                code = Some(s.string()?);
            } else if !s.null() {
                s.string()?;
            }
            Some(())
        })?;
        Some(code? == "OK")
    }

    /// `data`: `{"charges_set": [...]}`.
    fn data(&mut self, bits: &NullBits) -> Option<Vec<Charge>> {
        let mut charges = None;
        self.object(|s, key| {
            if key != "charges_set" || charges.is_some() {
                return None;
            }
            charges = Some(s.charges(bits)?);
            Some(())
        })?;
        charges
    }

    fn charges(&mut self, bits: &NullBits) -> Option<Vec<Charge>> {
        self.expect(b'[')?;
        let mut out = Vec::with_capacity(50);
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            out.push(self.charge(bits)?);
            match self.next()? {
                b',' => {}
                b']' => return Some(out),
                _ => return None,
            }
        }
    }

    /// A date: the canonical form read in place, any other through the string reader.
    #[inline]
    fn date(&mut self) -> Option<Date> {
        self.skip_space();
        let at = self.at + 1;
        if self.bytes.get(self.at) == Some(&b'"') && self.bytes.get(at + 19) == Some(&b'"') {
            // A real date of 19 characters holds no quote, backslash or control character, so
            // it is the whole string.
            if let Some(date) = self.text.get(at..at + 19).and_then(Date::parse) {
                self.at = at + 20;
                return Some(date);
            }
        }
        Date::parse(self.string()?)
    }

    /// A nullable value: `None` for `null`, setting its bit in `nulls`.
    #[inline]
    fn nullable<T>(
        &mut self,
        nulls: &mut u64,
        bit: u64,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.null() {
            *nulls |= bit;
            return Some(None);
        }
        read(self).map(Some)
    }

    /// A charge's key: one of its fields, told apart by a byte or two and compared whole, or
    /// another key.
    #[inline]
    fn charge_key(&mut self) -> Option<Result<Field, &'a str>> {
        self.expect(b'"')?;
        let rest = self.bytes.get(self.at..)?;
        // Each name with its closing quote, so that a longer key is not taken for it.
        macro_rules! fields {
            ($($first:literal $(@ $at:literal = $byte:literal)? => $name:literal $field:ident,)*) => {
                match rest.first()? {
                    $($first if $(rest.get($at) == Some(&$byte) &&)? rest.starts_with($name) => {
                        self.at += $name.len();
                        return Some(Ok(Field::$field));
                    })*
                    _ => {}
                }
            };
        }
        fields! {
            b'n' => b"number\"" Number,
            b'b' => b"billing_system_customer_identifier\"" Customer,
            b'a' => b"amount\"" Amount,
            b'c' => b"currency\"" Currency,
            b'c' => b"charge_status\"" Status,
            b'l' => b"local_currency\"" LocalCurrency,
            b'l' => b"local_currency_amount\"" LocalAmount,
            b'p' => b"paid_through_date\"" PaidThrough,
            b'r' => b"received_on\"" Received,
            b's' @ 7 = b'a' => b"set_as_approved_on\"" Approved,
            b's' @ 7 = b'd' => b"set_as_declined_on\"" Declined,
            b's' @ 7 = b'b' => b"set_as_bad_request_on\"" BadRequest,
            b's' @ 7 = b'r' => b"set_as_rejected_request_on\"" Rejected,
        }
        // Not a field: the whole key.
        self.at -= 1;
        self.string().map(Err)
    }

    fn charge(&mut self, bits: &NullBits) -> Option<Charge> {
        let mut number = None;
        let mut customer = None;
        let mut amount = None;
        let mut currency = None;
        let mut local_amount = None;
        let mut local_currency = None;
        let mut paid_through_date = None;
        let mut charge_status = None;
        let mut received_on = None;
        let mut approved = None;
        let mut declined = None;
        let mut bad_request = None;
        let mut rejected = None;
        let mut extra = Map::new();
        let mut nulls = 0u64;
        // A field twice: the general decoder (whose error it is).
        #[inline]
        fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
            if slot.is_some() {
                return None;
            }
            *slot = Some(value?);
            Some(())
        }
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                let key = self.charge_key()?;
                self.expect(b':')?;
                let s = &mut *self;
                match key {
                    Ok(Field::Number) => once(&mut number, s.string().map(CompactString::new))?,
                    Ok(Field::Customer) => once(&mut customer, s.string().map(CompactString::new))?,
                    Ok(Field::Amount) => once(&mut amount, s.number().and_then(Money::unpriced))?,
                    Ok(Field::Currency) => once(&mut currency, s.string().map(Currency::new))?,
                    Ok(Field::LocalAmount) => {
                        let value = s.nullable(&mut nulls, bits.local_currency_amount, |s| {
                            s.number().and_then(Money::unpriced)
                        });
                        once(&mut local_amount, value)?
                    }
                    Ok(Field::LocalCurrency) => {
                        let value = s.nullable(&mut nulls, bits.local_currency, |s| {
                            s.string().map(Currency::new)
                        });
                        once(&mut local_currency, value)?
                    }
                    Ok(Field::PaidThrough) => once(&mut paid_through_date, s.date())?,
                    Ok(Field::Status) => {
                        let status = s.string().map(ChargeStatus::from_wire).filter(|st| {
                            // An unknown status is kept, so it must be clean (the general
                            // decoder says so).
                            st.is_known() || !crate::json::has_control(st.as_str())
                        });
                        once(&mut charge_status, status)?
                    }
                    Ok(Field::Received) => once(&mut received_on, s.date())?,
                    Ok(Field::Approved) => {
                        let value = s.nullable(&mut nulls, bits.set_as_approved_on, Self::date);
                        once(&mut approved, value)?
                    }
                    Ok(Field::Declined) => {
                        let value = s.nullable(&mut nulls, bits.set_as_declined_on, Self::date);
                        once(&mut declined, value)?
                    }
                    Ok(Field::BadRequest) => {
                        let value = s.nullable(&mut nulls, bits.set_as_bad_request_on, Self::date);
                        once(&mut bad_request, value)?
                    }
                    Ok(Field::Rejected) => {
                        let value =
                            s.nullable(&mut nulls, bits.set_as_rejected_request_on, Self::date);
                        once(&mut rejected, value)?
                    }
                    // A key this SDK does not know, kept in `extra`: with a string, `null`,
                    // `true` or `false` here, with anything else through the general decoder.
                    Err(other) => {
                        if extra.contains_key(other) {
                            return None;
                        }
                        let value = match s.peek()? {
                            b'"' => Value::String(s.string()?.to_owned()),
                            b'n' if s.null() => Value::Null,
                            b't' if s.literal(b"true") => Value::Bool(true),
                            b'f' if s.literal(b"false") => Value::Bool(false),
                            _ => return None,
                        };
                        extra.insert(other.to_owned(), value);
                    }
                }
                match self.next()? {
                    b',' => {}
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        let mut charge = Charge {
            number: number?,
            billing_system_customer_identifier: customer?,
            amount: amount?,
            currency: currency?,
            local_currency_amount: local_amount.flatten(),
            local_currency: local_currency.flatten(),
            paid_through_date: paid_through_date?,
            charge_status: charge_status?,
            received_on: received_on?,
            set_as_approved_on: approved.flatten(),
            set_as_declined_on: declined.flatten(),
            set_as_bad_request_on: bad_request.flatten(),
            set_as_rejected_request_on: rejected.flatten(),
            extra,
            explicit_nulls: nulls,
        };
        price_amounts(&mut charge);
        Some(charge)
    }

    /// A literal (`true`, `false`), consumed, if it is next.
    fn literal(&mut self, word: &[u8]) -> bool {
        let is = self.bytes.get(self.at..self.at + word.len()) == Some(word);
        if is {
            self.at += word.len();
        }
        is
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::read_general;
    use proptest::prelude::*;

    /// What the general decoder reads from the body, when it reads a page.
    fn general(text: &str) -> Option<ChargesPage> {
        read_general::<ChargesPage>(text).ok()
    }

    fn naive_len(rest: &[u8]) -> Option<usize> {
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        (rest[len] == b'"').then_some(len)
    }

    #[test]
    fn strings_end_where_a_byte_by_byte_scan_ends_them() {
        let fillers: [&[u8]; 4] = [b"a", "é".as_bytes(), "中".as_bytes(), b"\x7f"];
        let stops: [&[u8]; 7] = [b"\"", b"\\", b"\x00", b"\x1f", b"\n", b"\x20\"", b""];
        let mut checked = 0;
        for filler in fillers {
            for len in 0..40 {
                for stop in stops {
                    let mut text = filler.repeat(len);
                    text.extend_from_slice(stop);
                    text.extend_from_slice(b"tail\"");
                    assert_eq!(string_len(&text), naive_len(&text), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
        assert_eq!(string_len(b"abc"), None);
        assert_eq!(string_len(b"0123456789abcdef\""), Some(16));
    }

    /// A number as the reader reads it: `Some` only if it read the whole text.
    fn number(text: &str) -> Option<f64> {
        let mut s = Scanner {
            text,
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = s.number()?;
        (s.at == text.len()).then_some(value)
    }

    fn assert_number_as_serde_json_reads_it(text: &str) {
        if let Some(value) = number(text) {
            let serde: f64 = serde_json::from_str(text).unwrap();
            assert_eq!(value.to_bits(), serde.to_bits(), "{text}");
        }
    }

    #[test]
    fn numbers_are_the_doubles_the_general_reader_makes() {
        for text in [
            "0",
            "-0",
            "-0.0",
            "5.99",
            "5.989999771118164",
            "-5.49",
            "9007199254740992",
            "9007199254740993",
            "9007199254740993.5",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890.5",
            "0.1000000000000000055511151231257827",
            "0.0000000000000000000000001",
            "2.2250738585072011e-308",
        ] {
            assert_number_as_serde_json_reads_it(text);
        }
        assert_eq!(number("5.99"), Some(5.99));
        assert_eq!(number("-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        // Not read here: the general reader takes (or refuses) them.
        for text in [
            "1e5", "1E5", "01", "1.", "-", ".5", "+1", "--1", "1.5e-3", "-x",
        ] {
            assert_eq!(number(text), None, "{text}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn every_finite_double_written_out_reads_back_as_the_general_reader_has_it(
            bits in any::<u64>(),
            cents in -10_000_000i64..10_000_000,
        ) {
            let x = f64::from_bits(bits);
            if x.is_finite() {
                assert_number_as_serde_json_reads_it(&format!("{x}"));
                assert_number_as_serde_json_reads_it(&format!("{}", x as f32));
            }
            let amount = cents as f64 / 100.0;
            assert_number_as_serde_json_reads_it(&format!("{amount}"));
            prop_assert_eq!(number(&format!("{amount}")), Some(amount));
        }
    }

    /// A charge's members as JSON text, the usual ones first.
    fn charge_members() -> Vec<(&'static str, &'static str)> {
        vec![
            ("number", r#""I00002662""#),
            ("billing_system_customer_identifier", r#""pci0""#),
            ("amount", "5.989999771118164"),
            ("currency", r#""USD""#),
            ("local_currency_amount", "5.49"),
            ("local_currency", r#""EUR""#),
            ("paid_through_date", r#""2017-02-19T02:00:00""#),
            ("charge_status", r#""APPROVED""#),
            ("received_on", r#""2017-02-21T10:07:23""#),
            ("set_as_approved_on", r#""2017-02-21T10:38:58""#),
            ("set_as_declined_on", "null"),
            ("set_as_bad_request_on", "null"),
            ("set_as_rejected_request_on", "null"),
        ]
    }

    /// Values put in place of a member's, usual and not.
    const VALUES: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-0",
        "12",
        "-5.99",
        "1e2",
        "007",
        "5.",
        r#""""#,
        r#"" ""#,
        r#""I1""#,
        r#""I\u00001""#,
        "\"I\u{1}1\"",
        "\"I\u{7f}1\"",
        r#""USD""#,
        r#""XYZ""#,
        r#""JPY""#,
        r#""PENDING""#,
        r#""REFUNDED""#,
        "\"REFUNDED\u{7f}\"",
        r#""2017-02-21T10:07:23""#,
        r#""2017-02-21T10:07:23.250+02:00""#,
        r#""2017-02-21T10:07:23Z""#,
        r#""2017-02-30T00:00:00""#,
        r#""0000-01-01T00:00:00""#,
        r#""9999-12-31T23:59:59""#,
        r#""2017-02-21T10:07:2x""#,
        r#""2017-02-21T10:07:23\"""#,
        "[]",
        "{}",
        r#"{"a": 1}"#,
        "[1, 2]",
    ];

    const SPACES: &[&str] = &["", " ", "\n  ", "\t\r\n"];

    /// A body built from choices: `edits` replace, drop, repeat or add members of the charges
    /// (by index into the choices), `space` picks the whitespace.
    fn body(
        charges: usize,
        edits: &[(usize, usize, usize)],
        space: usize,
        envelope: usize,
    ) -> String {
        let sp = SPACES[space % SPACES.len()];
        let mut pages = Vec::new();
        for c in 0..charges {
            let mut members: Vec<(String, String)> = charge_members()
                .into_iter()
                .map(|(k, v)| (format!("\"{k}\""), v.to_owned()))
                .collect();
            members[0].1 = format!("\"I{c}\"");
            for &(which, what, value) in edits.iter().filter(|e| e.0 % charges.max(1) == c) {
                let at = what % members.len();
                let value = VALUES[value % VALUES.len()].to_owned();
                match (what / members.len()) % 6 {
                    0 => members[at].1 = value,
                    1 => {
                        members.remove(at);
                    }
                    2 => {
                        let again = members[at].clone();
                        members.push(again);
                    }
                    3 => members.insert(at, (format!("\"x_{}\"", which % 3), value)),
                    4 => {
                        let last = members.len() - 1;
                        members.swap(at, last);
                    }
                    _ => {
                        members[at].0 = format!(
                            "\"{}\"",
                            members[at].0.trim_matches('"').replace('n', "\\u006e")
                        )
                    }
                }
                if members.is_empty() {
                    break;
                }
            }
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{sp}{k}{sp}:{sp}{v}"))
                .collect();
            pages.push(format!("{{{}{sp}}}", inner.join(",")));
        }
        let set = format!("[{sp}{}{sp}]", pages.join(&format!(",{sp}")));
        let data = format!(r#"{{"charges_set":{sp}{set}}}"#);
        let status = r#"{"code": "OK", "description": "", "message": ""}"#;
        match envelope % 8 {
            0 => format!(r#"{{"data":{sp}{data},{sp}"status":{sp}{status}}}{sp}"#),
            1 => format!(r#"{sp}{{"status": {status}, "data": {data}}}"#),
            2 => format!(
                r#"{{"status": {{"code": "OK", "description": null, "message": null}}, "data": {data}}}"#
            ),
            3 => format!(
                r#"{{"status": {{"code": "ERROR", "description": "x", "message": "y"}}, "data": {data}}}"#
            ),
            4 => format!(r#"{{"status": {status}, "data": {data}, "extra": 1}}"#),
            5 => format!(r#"{{"status": {status}, "data": {data}}} x"#),
            6 => format!(r#"{{"status": {status}, "data": {data}, "data": {data}}}"#),
            _ => format!(
                r#"{{"status": {{"code": "OK"}}, "data": {{"charges_set": {set}, "more": null}}}}"#
            ),
        }
    }

    #[test]
    fn a_usual_page_is_read_here_and_as_the_general_decoder_reads_it() {
        for space in 0..SPACES.len() {
            for envelope in 0..3 {
                for charges in [0, 1, 3] {
                    let text = body(charges, &[], space, envelope);
                    let page = charges_page(&text);
                    assert!(page.is_some(), "{text}");
                    assert_eq!(general(&text), page, "{text}");
                }
            }
        }
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../bench/data/charges-list-50.json"
        ));
        let page = charges_page(text).unwrap();
        assert_eq!(page.charges().len(), 50);
        assert_eq!(general(text), Some(page));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// Whatever the body, what this reader returns is what the general decoder returns.
        #[test]
        fn whatever_it_reads_the_general_decoder_reads_alike(
            charges in 1usize..4,
            edits in proptest::collection::vec((0usize..12, 0usize..100, 0usize..VALUES.len()), 0..5),
            space in 0usize..4,
            envelope in 0usize..8,
        ) {
            let text = body(charges, &edits, space, envelope);
            if let Some(page) = charges_page(&text) {
                prop_assert_eq!(general(&text), Some(page), "{}", text);
            }
        }

        /// Cut anywhere, a body is never read as a page the general decoder would not read.
        #[test]
        fn a_cut_or_altered_body_is_read_alike_or_left_to_the_general_decoder(
            cut in 0usize..2000,
            byte in any::<u8>(),
            space in 0usize..4,
        ) {
            let text = body(2, &[], space, 0);
            let mut bytes = text.clone().into_bytes();
            let cut = cut % bytes.len();
            let variants = [
                bytes[..cut].to_vec(),
                { bytes[cut] = byte; bytes.clone() },
            ];
            for variant in variants {
                if let Ok(text) = String::from_utf8(variant) {
                    if let Some(page) = charges_page(&text) {
                        prop_assert_eq!(general(&text), Some(page), "{}", text);
                    }
                }
            }
        }
    }
}
