//! The API's date format: `yyyy-MM-ddTHH:mm:ss`, no zone.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A date and time as the API carries it: a wall-clock reading without a zone, from
/// 0001-01-01T00:00:00 to 9999-12-31T23:59:59 (what every language's date type holds, so that a
/// decoded date never fails to convert later).
///
/// Decoding is lenient (fractional seconds and a zone suffix are accepted; the zone is dropped and
/// the wall-clock reading kept, since the API's own dates carry none); encoding is always the
/// canonical `yyyy-MM-ddTHH:mm:ss`.
///
/// ```
/// use crmcom_netflix::Date;
/// let d = Date::parse("2017-02-06T07:22:07.250+02:00").unwrap();
/// assert_eq!(d.to_string(), "2017-02-06T07:22:07");
/// assert!(Date::parse("2017-02-30T00:00:00").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDateTime);

impl Date {
    /// Parses the canonical form or a lenient variant; `None` if it is not a real date and time
    /// in years 1 to 9999.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let mut v = 0u32;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + u32::from(c - b'0');
            }
            Some(v)
        };
        // Four digits hold at most 9999; year 0 is no year of the Gregorian calendar (nor of
        // Python's datetime), so the range starts at 1.
        let year = num(0..4)?;
        if year == 0 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year as i32, num(5..7)?, num(8..10)?)?;
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let Some((&b'.', frac)) = rest.split_first() {
            let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            for (i, &c) in frac[..digits].iter().enumerate() {
                if i < 9 {
                    nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
                }
            }
            rest = &frac[digits..];
        }
        match rest {
            [] | [b'Z'] => {}
            [s, h1, h2, b':', m1, m2] | [s, h1, h2, m1, m2] if matches!(s, b'+' | b'-') => {
                let all = [h1, h2, m1, m2];
                if !all.iter().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                let hh = (h1 - b'0') * 10 + (h2 - b'0');
                let mm = (m1 - b'0') * 10 + (m2 - b'0');
                if hh > 23 || mm > 59 {
                    return None;
                }
            }
            _ => return None,
        }
        date.and_hms_nano_opt(h, mi, sec, nanos).map(Date)
    }

    /// The underlying chrono value.
    pub fn into_inner(self) -> NaiveDateTime {
        self.0
    }

    /// Writes the canonical form into a fixed buffer, without allocating.
    pub(crate) fn canonical(&self) -> [u8; 19] {
        let d = self.0;
        let mut out = *b"0000-00-00T00:00:00";
        let put = |out: &mut [u8; 19], at: usize, width: usize, mut v: u32| {
            for i in (0..width).rev() {
                out[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(&mut out, 0, 4, d.year().clamp(0, 9999) as u32);
        put(&mut out, 5, 2, d.month());
        put(&mut out, 8, 2, d.day());
        put(&mut out, 11, 2, d.hour());
        put(&mut out, 14, 2, d.minute());
        put(&mut out, 17, 2, d.second());
        out
    }
}

impl From<NaiveDateTime> for Date {
    fn from(value: NaiveDateTime) -> Self {
        Date(value)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buf = self.canonical();
        // The buffer holds ASCII digits and separators only.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let buf = self.canonical();
        s.serialize_str(std::str::from_utf8(&buf).map_err(serde::ser::Error::custom)?)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date as yyyy-MM-ddTHH:mm:ss")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).ok_or_else(|| {
                    E::custom(format_args!(
                        "invalid date `{v}`, expected yyyy-MM-ddTHH:mm:ss"
                    ))
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// The dates [`Date::parse`] reads, as a regular expression that ECMA-262, Python's `re` and
/// Rust's `regex` read alike: a real calendar day of years 0001 to 9999 (leap years included),
/// a time of day, optional fractional seconds and an optional zone. `[0-9]` rather than `\d`,
/// which is Unicode-wide in Python and Rust.
pub const DATE_PATTERN: &str = concat!(
    "^(?:",
    "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-",
    "(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)",
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29",
    ")T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]",
    "(?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?$"
);

impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": DATE_PATTERN,
            "x-date": true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_dates_round_trip() {
        for s in [
            "2017-02-06T07:22:07",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59",
        ] {
            assert_eq!(Date::parse(s).unwrap().to_string(), s);
        }
    }

    /// The pattern the schema publishes says what `parse` reads (years 1 to 9999).
    #[test]
    fn date_pattern_and_parse_agree() {
        let pattern = regex::Regex::new(DATE_PATTERN).unwrap();
        let mut checked = 0;
        for year in [1, 4, 100, 400, 1900, 2000, 2016, 2017, 2100, 2400, 9999] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    for tail in ["", ".5", "Z", "+02:00", "-0530", "+24:00", "x", "."] {
                        for time in ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"] {
                            let s = format!("{year:04}-{month:02}-{day:02}T{time}{tail}");
                            assert_eq!(pattern.is_match(&s), Date::parse(&s).is_some(), "{s}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 40_000);
    }

    #[test]
    fn lenient_forms_keep_the_wall_clock() {
        for s in [
            "2017-02-06T07:22:07.123",
            "2017-02-06T07:22:07Z",
            "2017-02-06T07:22:07+02:00",
            "2017-02-06T07:22:07.5-0530",
        ] {
            assert_eq!(
                Date::parse(s).unwrap().to_string(),
                "2017-02-06T07:22:07",
                "{s}"
            );
        }
    }

    #[test]
    fn impossible_or_foreign_dates_are_rejected() {
        for s in [
            "2017-02-30T00:00:00",
            "0000-01-01T00:00:00",
            "0000-12-31T23:59:59.999Z",
            "+10000-01-01T00:00:00",
            "-0001-01-01T00:00:00",
            "yesterday",
            "2017-02-06 07:22:07",
            "2017-02-06",
            "2017-02-06T24:00:00",
            "2017-02-06T07:22:07.",
            "2017-02-06T07:22:07+25:00",
            "2017-02-06T07:22:07x",
            "2017-02-06T07:22:07+0a:00",
        ] {
            assert!(Date::parse(s).is_none(), "{s}");
        }
    }
}
