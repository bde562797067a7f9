//! An exact decimal reading of a JSON number's text, rounded half away from zero by digit
//! arithmetic alone (no float, no decimal library): the reference the money tests and the
//! differential fuzz target compare the core's pricing with.

/// The value of the JSON number `text`, rounded half away from zero to `e` fraction digits and
/// written with exactly `e` of them (`"0.12"`, `"500"`, `"12.000"`, `"-2.99"`; zero unsigned).
/// `None` when `text` is not a JSON number or its value has more than `max_digits` integer digits.
pub fn round_half_away(text: &str, e: u32, max_digits: usize) -> Option<String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits_only(int) || !digits_only(frac) {
        return None;
    }
    if (int.len() > 1 && int.starts_with('0')) || (mantissa.contains('.') && frac.is_empty()) {
        return None;
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(x) => {
            let body = x.strip_prefix(['+', '-']).unwrap_or(x);
            if body.is_empty() || !digits_only(body) {
                return None;
            }
            // Beyond 12 digits the value is far outside any amount (or far below one): saturate
            // rather than overflow, after the leading zeros (`1E-000000000000000000002`).
            let body = body.trim_start_matches('0');
            let magnitude: i64 = match body.len() {
                0 => 0,
                1..=12 => body.parse().ok()?,
                _ => 1_000_000_000_000,
            };
            if x.starts_with('-') {
                -magnitude
            } else {
                magnitude
            }
        }
    };
    // value * 10^e = digits * 10^shift
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let shift = exponent - frac.len() as i64 + i64::from(e);
    let (mut kept, round_up): (Vec<u8>, bool) = if shift >= 0 {
        if digits.len() as i64 + shift > (max_digits + e as usize) as i64 + 1 {
            return None;
        }
        let mut kept = digits.clone();
        kept.extend(std::iter::repeat_n(0, shift as usize));
        (kept, false)
    } else {
        let drop = (-shift) as usize;
        if drop >= digits.len() {
            // Every digit is after the rounding point: rounds up only if the first of them is
            // right after it and at least 5.
            let up = drop == digits.len() && digits.first().is_some_and(|&d| d >= 5);
            (vec![0], up)
        } else {
            let split = digits.len() - drop;
            (digits[..split].to_vec(), digits[split] >= 5)
        }
    };
    if round_up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let first = kept.iter().position(|&d| d != 0).unwrap_or(kept.len());
    let kept: Vec<u8> = kept[first..].to_vec();
    let e = e as usize;
    let padded: Vec<u8> = if kept.len() <= e {
        let mut p = vec![0; e + 1 - kept.len()];
        p.extend(&kept);
        p
    } else {
        kept.clone()
    };
    if padded.len() - e > max_digits {
        return None;
    }
    let text: String = padded.iter().map(|d| char::from(b'0' + d)).collect();
    let (whole, fraction) = text.split_at(text.len() - e);
    let mut out = String::new();
    if negative && !kept.is_empty() {
        out.push('-');
    }
    out.push_str(whole);
    if e > 0 {
        out.push('.');
        out.push_str(fraction);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::round_half_away;

    #[test]
    fn the_reference_rounds_half_away_from_zero() {
        let r = |t, e| round_half_away(t, e, 30).unwrap();
        assert_eq!(r("0.125", 2), "0.13");
        assert_eq!(r("0.12499999999999999", 2), "0.12");
        assert_eq!(r("-0.005", 2), "-0.01");
        assert_eq!(r("-0.004", 2), "0.00");
        assert_eq!(r("5.99e-400", 2), "0.00");
        assert_eq!(r("0.5", 0), "1");
        assert_eq!(r("9.995", 2), "10.00");
        assert_eq!(r("12", 3), "12.000");
        assert_eq!(r("1.2345E1", 3), "12.345");
        assert_eq!(r("0.0049", 2), "0.00");
        assert_eq!(r("0.05", 1), "0.1");
        assert_eq!(r("5e-3", 2), "0.01");
        assert_eq!(r("-909531E-00000000000000000000000202907371", 0), "0");
        assert_eq!(r("5E+0000000000000000000000000000000000001", 0), "50");
        assert_eq!(round_half_away("01", 2, 30), None);
        assert_eq!(round_half_away("1.", 2, 30), None);
        assert_eq!(round_half_away("1e400", 2, 30), None);
    }
}
