//! A tiny JSON writer (no serde here): strings are escaped per RFC 8259, non-finite numbers
//! become `null`, integral numbers print without a fraction.

use std::fmt::Write;

/// Append `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Append a number; NaN and infinities become `null`.
pub fn push_num(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
    } else if v == v.trunc() && v.abs() < 9.007_199_254_740_992e15 {
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{}", v);
    }
}

/// Builder for one JSON object: `{"a":1,"b":"x"}`. Keys are trusted (ASCII literals).
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Open an object.
    pub fn new(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_str(self.out, k);
        self.out.push(':');
        self.out
    }

    /// A number field.
    pub fn num(&mut self, k: &str, v: f64) -> &mut Self {
        let o = self.key(k);
        push_num(o, v);
        self
    }

    /// A string field.
    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        let o = self.key(k);
        push_str(o, v);
        self
    }

    /// A boolean field.
    pub fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        let o = self.key(k);
        o.push_str(if v { "true" } else { "false" });
        self
    }

    /// A `null` field.
    pub fn null(&mut self, k: &str) -> &mut Self {
        let o = self.key(k);
        o.push_str("null");
        self
    }

    /// A field whose value the closure writes (must write exactly one JSON value).
    pub fn raw(&mut self, k: &str, f: impl FnOnce(&mut String)) -> &mut Self {
        let o = self.key(k);
        f(o);
        self
    }

    /// Close the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// Append `[a,b,...]` where `f` writes each item.
pub fn push_array<T>(out: &mut String, items: impl IntoIterator<Item = T>, mut f: impl FnMut(&mut String, T)) {
    out.push('[');
    let mut first = true;
    for it in items {
        if !first {
            out.push(',');
        }
        first = false;
        f(out, it);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_numbers() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\n\u{1}\u{2028}é");
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001\\u2028é\"");
        let mut n = String::new();
        push_array(&mut n, [1.0, 1.5, f64::NAN, f64::INFINITY, -0.0, 1e300], |o, v| push_num(o, v));
        assert!(n.starts_with("[1,1.5,null,null,0,1"), "{n}");
        let mut o = String::new();
        let mut ob = Obj::new(&mut o);
        ob.num("x", 2.0).str("y", "z").bool("b", true).null("n");
        ob.end();
        assert_eq!(o, r#"{"x":2,"y":"z","b":true,"n":null}"#);
    }
}
