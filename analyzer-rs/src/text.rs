//! Number formatting for alert texts (titles and details): deterministic, integer arithmetic
//! rather than the float formatter.

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

/// Human-readable bytes.
pub fn fmt_bytes(b: f64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if b >= 1024.0 * MIB {
        format!("{} GiB", fixed(b / (1024.0 * MIB), 2))
    } else if b >= MIB {
        format!("{} MiB", fixed(b / MIB, 1))
    } else if b >= 1024.0 {
        format!("{} KiB", fixed(b / 1024.0, 0))
    } else {
        format!("{} B", fixed(b, 0))
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
        assert_eq!(fmt_bytes(150.0 * 1048576.0), "150.0 MiB");
        assert_eq!(fmt_bytes(3.0 * 1073741824.0), "3.00 GiB");
        assert_eq!(fmt_bytes(1536.0), "2 KiB");
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
