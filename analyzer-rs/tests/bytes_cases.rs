//! `fmt_bytes` writes byte sizes exactly as `formatBytes` of src/shared/bytes.ts: both are held to
//! the same cases, src/shared/bytes-cases.json (`[[input, expected], ...]`; an input is a number,
//! or "NaN", "Infinity" or "-Infinity"), read here with a small parser (no crates).

use wasm_memory_analyzer::text::fmt_bytes;

/// A JSON value of the cases file: numbers, strings and arrays are all it holds.
#[derive(Debug)]
enum Value {
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) {
        self.ws();
        assert_eq!(self.s.get(self.i), Some(&c), "expected '{}' at byte {}", c as char, self.i);
        self.i += 1;
    }

    fn value(&mut self) -> Value {
        self.ws();
        match self.s.get(self.i) {
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Value::Arr(items);
                }
                loop {
                    items.push(self.value());
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Value::Arr(items);
                        }
                        _ => panic!("expected ',' or ']' at byte {}", self.i),
                    }
                }
            }
            Some(b'"') => Value::Str(self.string()),
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len() && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Value::Num(text.parse().unwrap_or_else(|_| panic!("bad number {text}")))
            }
            _ => panic!("unexpected input at byte {}", self.i),
        }
    }

    fn string(&mut self) -> String {
        self.eat(b'"');
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i).expect("unterminated string");
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).expect("UTF-8"),
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                            self.i += 4;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).expect("BMP character");
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => panic!("unsupported escape \\{}", e as char),
                    }
                }
                _ => out.push(c),
            }
        }
    }
}

fn parse(text: &str) -> Value {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value();
    p.ws();
    assert_eq!(p.i, p.s.len(), "trailing input");
    v
}

#[test]
fn fmt_bytes_matches_the_shared_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/shared/bytes-cases.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let Value::Arr(cases) = parse(&text) else { panic!("{path}: not an array") };
    assert!(cases.len() >= 40, "{path}: only {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let Value::Arr(pair) = case else { panic!("{path}: case {case:?} is not an array") };
        let (input, Value::Str(expected)) = (&pair[0], &pair[1]) else { panic!("{path}: bad case {case:?}") };
        let n = match input {
            Value::Num(n) => *n,
            Value::Str(s) => s.parse::<f64>().unwrap_or_else(|_| panic!("{path}: bad input {s:?}")),
            Value::Arr(_) => panic!("{path}: bad input {input:?}"),
        };
        let got = fmt_bytes(n);
        if got != *expected {
            wrong.push(format!("fmt_bytes({input:?}) = {got:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases differ:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[test]
fn the_parser_reads_negative_zero_and_escapes() {
    let Value::Arr(v) = parse(r#"[-0, "\u2014\"", 1e+21]"#) else { panic!() };
    assert!(matches!(v[0], Value::Num(z) if z == 0.0 && z.is_sign_negative()));
    assert!(matches!(&v[1], Value::Str(s) if s == "—\""));
    assert!(matches!(v[2], Value::Num(x) if x == 1e21));
}
