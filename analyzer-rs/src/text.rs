//! Number formatting for alert texts (titles and details): deterministic, integer arithmetic
//! rather than the float formatter's exact mode; byte sizes as the TypeScript side writes them.

use crate::detect::Level;

/// `v` with `decimals` (0..=3) digits after the point, via integer arithmetic (the float
/// formatter's exact mode is slow in wasm, and this runs on every evaluation).
pub fn fixed(v: f64, decimals: u32) -> String {
    if !v.is_finite() || v.abs() >= 1e15 {
        return format!("{v}");
    }
    let scale = 10i64.pow(decimals.min(3));
    let n = (v * scale as f64).round() as i64;
    let sign = if n < 0 { "-" } else { "" };
    let n = n.abs();
    if decimals == 0 {
        format!("{sign}{n}")
    } else {
        format!("{sign}{}.{:0width$}", n / scale, n % scale, width = decimals.min(3) as usize)
    }
}

const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];

/// Byte sizes exactly as `formatBytes` in src/shared/bytes.ts writes them (the tables and the CLI
/// report), so an alert's title reads the same figure: binary units up to TiB, at most three
/// significant digits, no trailing zeros, "—" when not finite. Both are tested against
/// src/shared/bytes-cases.json.
pub fn fmt_bytes(b: f64) -> String {
    if !b.is_finite() {
        return "—".to_string();
    }
    let sign = if b < 0.0 { "-" } else { "" };
    let mut v = b.abs();
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    let digits = if u == 0 || v >= 100.0 || v == v.trunc() {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{sign}{} {}", js_number(to_fixed(v, digits)), UNITS[u])
}

/// `parseFloat(v.toFixed(digits))` of JavaScript for `v >= 0` and `digits` 0..=2: rounded on the
/// exact binary value, a tie going up (the float formatter's exact mode rounds ties to even).
fn to_fixed(v: f64, digits: u32) -> f64 {
    if v >= 1e21 || v == v.trunc() {
        return v; // toFixed writes these as they are
    }
    if digits == 0 {
        let floor = v.trunc();
        return if v - floor >= 0.5 { floor + 1.0 } else { floor };
    }
    // v = m * 2^-k exactly, with 0 < v < 2^52 not an integer, so k > 0.
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let (m, k) = if exp == 0 { (bits & ((1 << 52) - 1), 1074) } else { ((bits & ((1 << 52) - 1)) | (1 << 52), 1075 - exp) };
    if k > 100 {
        return 0.0; // below 2^-47: rounds to 0 at two digits
    }
    let scale = 10u128.pow(digits);
    let n = m as u128 * scale;
    let q = (n >> k) + u128::from(2 * (n & ((1u128 << k) - 1)) >= 1u128 << k);
    q as f64 / scale as f64
}

/// `String(x)` of JavaScript for a finite `x >= 0`: the shortest digits that read back as `x`,
/// in exponent form ("1e+21") from 1e21 on. (Not below 1e-6: never reached here.)
fn js_number(x: f64) -> String {
    if x >= 1e21 {
        format!("{x:e}").replacen('e', "e+", 1)
    } else {
        format!("{x}")
    }
}

/// A count: an integer as is, anything else with two decimals.
pub fn fmt_count(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        fixed(v, 2)
    }
}

/// The values of the latest 8 levels joined by arrows (`…, ` first when some were left out).
pub fn list(levels: &[Level], fmt: impl Fn(f64) -> String) -> String {
    let skip = levels.len().saturating_sub(8);
    let parts: Vec<String> = levels.iter().skip(skip).map(|l| fmt(l.1)).collect();
    let prefix = if skip > 0 { "…, " } else { "" };
    format!("{prefix}{}", parts.join(" → "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_formatting() {
        assert_eq!(fixed(1.25, 1), "1.3");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-2.5, 2), "-2.50");
        assert_eq!(fixed(99.96, 0), "100");
        assert_eq!(fmt_bytes(150.0 * 1048576.0), "150 MiB");
        assert_eq!(fmt_bytes(3.0 * 1073741824.0), "3 GiB");
        assert_eq!(fmt_bytes(1536.0), "1.5 KiB");
        assert_eq!(fmt_bytes(12.0), "12 B");
    }

    #[test]
    fn lists_keep_the_latest_eight() {
        let lv: Vec<Level> = (1..=10).map(|i| (i as f64, i as f64)).collect();
        assert_eq!(list(&lv[..3], fmt_count), "1 → 2 → 3");
        assert_eq!(list(&lv, fmt_count), "…, 3 → 4 → 5 → 6 → 7 → 8 → 9 → 10");
        assert_eq!(fmt_count(2.5), "2.50");
    }
}
