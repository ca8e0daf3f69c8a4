//! The pure core: parse one document and build the indexes a viewer needs (line starts, a word
//! index, a trigram index for substring search, a per-byte layout cache and, for CSV, a column
//! store). Knows nothing about JS or wasm; tested natively with `cargo test`.
//!
//! The indexes are deliberately the kind real viewers keep: together they hold a few times the
//! file's size, so each open document makes its engine's linear memory grow noticeably.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: a tiny deterministic hasher (std's RandomState needs an entropy source that
/// wasm32-unknown-unknown does not have, and this crate stays dependency-free).
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// One CSV column, typed by its content.
#[derive(Debug, PartialEq)]
pub enum Column {
    /// Every non-empty cell parsed as a number.
    Numbers(Vec<f64>),
    /// Anything else, kept as text.
    Text(Vec<String>),
}

/// A parsed CSV file: header names and one column per header.
#[derive(Debug)]
pub struct Table {
    /// Column names from the first line.
    pub header: Vec<String>,
    /// Column values, in header order.
    pub columns: Vec<Column>,
    /// Data rows (lines after the header).
    pub rows: usize,
}

/// An opened document with its indexes.
pub struct Document {
    text: Vec<u8>,
    line_starts: Vec<u32>,
    words: FnvMap<Vec<u8>, Vec<u32>>,
    word_count: usize,
    trigrams: FnvMap<[u8; 3], Vec<u32>>,
    layout: Vec<f32>,
    table: Option<Table>,
}

/// Summary numbers about a document, as shown by the demo page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Lines in the file.
    pub lines: u32,
    /// Words (runs of letters, digits, `_`).
    pub words: u32,
    /// Distinct words, case-insensitive.
    pub unique_words: u32,
    /// CSV data rows (0 for plain text).
    pub rows: u32,
    /// CSV columns (0 for plain text).
    pub columns: u32,
    /// Approximate heap bytes held by the document and its indexes.
    pub index_bytes: u32,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Looks like CSV: the first line has at least two commas and the next lines agree.
fn looks_like_csv(text: &[u8]) -> bool {
    let mut lines = text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).take(5);
    let Some(first) = lines.next() else { return false };
    let commas = |l: &[u8]| l.iter().filter(|b| **b == b',').count();
    let n = commas(first);
    n >= 2 && lines.all(|l| commas(l) == n)
}

fn parse_table(text: &[u8]) -> Table {
    let text = String::from_utf8_lossy(text);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines.next().unwrap_or("").split(',').map(|s| s.trim().to_string()).collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    let mut rows = 0;
    for line in lines {
        rows += 1;
        let mut fields = line.split(',');
        for col in cells.iter_mut() {
            col.push(fields.next().unwrap_or("").trim().to_string());
        }
    }
    let columns = cells
        .into_iter()
        .map(|col| {
            let numbers: Option<Vec<f64>> = col.iter().map(|c| c.parse::<f64>().ok()).collect();
            match numbers {
                Some(n) if !n.is_empty() => Column::Numbers(n),
                _ => Column::Text(col),
            }
        })
        .collect();
    Table { header, columns, rows }
}

impl Document {
    /// Parses `bytes` (UTF-8 text or CSV) and builds every index.
    pub fn open(bytes: &[u8]) -> Document {
        let text = bytes.to_vec();
        let mut line_starts = vec![0u32];
        let mut words: FnvMap<Vec<u8>, Vec<u32>> = FnvMap::default();
        let mut trigrams: FnvMap<[u8; 3], Vec<u32>> = FnvMap::default();
        let mut layout = Vec::with_capacity(text.len());
        let mut word_count = 0;
        let mut word_start: Option<usize> = None;
        let mut x = 0f32;
        for (i, &b) in text.iter().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
                x = 0.0;
            }
            // A monospace-ish advance table, as a text view would cache per glyph.
            x += match b {
                b'\t' => 32.0,
                b'i' | b'l' | b'.' | b',' | b'\'' => 4.0,
                b'm' | b'w' | b'M' | b'W' => 12.0,
                _ => 8.0,
            };
            layout.push(x);
            if i + 3 <= text.len() {
                let key = [text[i].to_ascii_lowercase(), text[i + 1].to_ascii_lowercase(), text[i + 2].to_ascii_lowercase()];
                trigrams.entry(key).or_default().push(i as u32);
            }
            match (is_word_byte(b), word_start) {
                (true, None) => word_start = Some(i),
                (false, Some(s)) => {
                    word_count += 1;
                    words.entry(text[s..i].to_ascii_lowercase()).or_default().push(s as u32);
                    word_start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = word_start {
            word_count += 1;
            words.entry(text[s..].to_ascii_lowercase()).or_default().push(s as u32);
        }
        let table = if looks_like_csv(&text) { Some(parse_table(&text)) } else { None };
        Document { text, line_starts, words, word_count, trigrams, layout, table }
    }

    /// Summary numbers for the page.
    pub fn summary(&self) -> Summary {
        let lines = if self.text.is_empty() {
            0
        } else if self.text.ends_with(b"\n") {
            self.line_starts.len() - 1
        } else {
            self.line_starts.len()
        };
        Summary {
            lines: lines as u32,
            words: self.word_count as u32,
            unique_words: self.words.len() as u32,
            rows: self.table.as_ref().map_or(0, |t| t.rows) as u32,
            columns: self.table.as_ref().map_or(0, |t| t.header.len()) as u32,
            index_bytes: self.heap_bytes() as u32,
        }
    }

    /// Approximate heap bytes held (capacities, not lengths: what the allocator really gave).
    pub fn heap_bytes(&self) -> usize {
        let vec_u32 = |v: &Vec<u32>| v.capacity() * 4;
        let words: usize = self.words.iter().map(|(k, v)| k.capacity() + vec_u32(v) + 48).sum();
        let trigrams: usize = self.trigrams.values().map(|v| vec_u32(v) + 40).sum();
        let table = self.table.as_ref().map_or(0, |t| {
            t.columns
                .iter()
                .map(|c| match c {
                    Column::Numbers(n) => n.capacity() * 8,
                    Column::Text(s) => s.iter().map(|x| x.capacity() + 24).sum(),
                })
                .sum()
        });
        self.text.capacity() + vec_u32(&self.line_starts) + words + trigrams + self.layout.capacity() * 4 + table
    }

    /// How many times `word` occurs as a whole word (case-insensitive).
    pub fn count_word(&self, word: &[u8]) -> usize {
        self.words.get(&word.to_ascii_lowercase()).map_or(0, Vec::len)
    }

    /// How many times `needle` occurs as a substring (case-insensitive), via the trigram index.
    pub fn count_substring(&self, needle: &[u8]) -> usize {
        let needle = needle.to_ascii_lowercase();
        if needle.len() < 3 {
            return self.text.windows(needle.len().max(1)).filter(|w| w.eq_ignore_ascii_case(&needle)).count();
        }
        let key = [needle[0], needle[1], needle[2]];
        self.trigrams.get(&key).map_or(0, |starts| {
            starts
                .iter()
                .filter(|&&s| {
                    let s = s as usize;
                    self.text.get(s..s + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(&needle))
                })
                .count()
        })
    }

    /// Sum of a numeric CSV column, or None if there is no such numeric column.
    pub fn column_sum(&self, index: usize) -> Option<f64> {
        match self.table.as_ref()?.columns.get(index)? {
            Column::Numbers(n) => Some(n.iter().sum()),
            Column::Text(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_summary_and_search() {
        let d = Document::open(b"The cat sat.\nThe Cat ran away\nend");
        let s = d.summary();
        assert_eq!(s.lines, 3);
        assert_eq!(s.words, 8);
        assert_eq!(s.unique_words, 6); // the, cat, sat, ran, away, end
        assert_eq!(s.rows, 0);
        assert_eq!(d.count_word(b"CAT"), 2);
        assert_eq!(d.count_word(b"dog"), 0);
        assert_eq!(d.count_substring(b"the c"), 2);
        assert_eq!(d.count_substring(b"a"), 6); // cat sat Cat ran away(2)
        assert!(s.index_bytes as usize >= 34 * 5, "indexes are several times the text");
    }

    #[test]
    fn csv_columns() {
        let d = Document::open(b"region,units,price\nnorth,3,1.5\nsouth,4,2.5\n");
        let s = d.summary();
        assert_eq!((s.rows, s.columns, s.lines), (2, 3, 3));
        assert_eq!(d.column_sum(1), Some(7.0));
        assert_eq!(d.column_sum(2), Some(4.0));
        assert_eq!(d.column_sum(0), None);
        assert_eq!(d.column_sum(9), None);
    }

    #[test]
    fn empty_document() {
        let d = Document::open(b"");
        assert_eq!(d.summary().lines, 0);
        assert_eq!(d.summary().words, 0);
        assert_eq!(d.count_substring(b"abc"), 0);
    }
}
