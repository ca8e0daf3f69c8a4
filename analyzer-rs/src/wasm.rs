//! The C-ABI boundary (wasm32 only). Handle-based; the module imports nothing.
//!
//! Protocol (see src/analyzer/analyzer.ts):
//! 1. `wma_new() -> handle` (0 on failure).
//! 2. Strings: `wma_str_buf(h, len) -> ptr`, write UTF-8 there, `wma_set_name(h, id, len)`.
//! 3. Records: `wma_in_buf(h, n_records) -> ptr` (f64, [`crate::STRIDE`] per record), write
//!    them, `wma_ingest(h, n_records) -> rejected`.
//! 4. Queries write into an output buffer and return its pointer; `wma_out_len(h)` gives
//!    its length (bytes for JSON, f64 count for series): `wma_report`, `wma_diff`,
//!    `wma_series`.
//! 5. `wma_configure(h, key, value) -> 1|0`, `wma_reset(h)`, `wma_free(h)`.
//!
//! Any bad handle or size returns 0 / does nothing; nothing here panics on input.

use std::cell::RefCell;

use crate::analyzer::Analyzer;
use crate::records::STRIDE;
use crate::series::Downsampled;

/// Largest input batch (records) accepted in one call.
const MAX_BATCH: usize = 1 << 16;
/// Largest string accepted.
const MAX_STR: usize = 1 << 16;

struct Session {
    analyzer: Analyzer,
    input: Vec<f64>,
    strbuf: Vec<u8>,
    out_bytes: Vec<u8>,
    out_f64: Vec<f64>,
    out_len: usize,
}

thread_local! {
    static SESSIONS: RefCell<Vec<Option<Box<Session>>>> = const { RefCell::new(Vec::new()) };
}

fn with<R>(h: u32, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
    SESSIONS.with(|s| {
        let mut s = s.borrow_mut();
        let slot = s.get_mut((h as usize).checked_sub(1)?)?;
        slot.as_mut().map(|b| f(b))
    })
}

/// Create an analyzer; returns its handle (>= 1).
#[no_mangle]
pub extern "C" fn wma_new() -> u32 {
    SESSIONS.with(|s| {
        let mut s = s.borrow_mut();
        let sess = Box::new(Session {
            analyzer: Analyzer::new(),
            input: Vec::new(),
            strbuf: Vec::new(),
            out_bytes: Vec::new(),
            out_f64: Vec::new(),
            out_len: 0,
        });
        if let Some(i) = s.iter().position(|x| x.is_none()) {
            if let Some(slot) = s.get_mut(i) {
                *slot = Some(sess);
                return (i + 1) as u32;
            }
        }
        s.push(Some(sess));
        s.len() as u32
    })
}

/// Release an analyzer.
#[no_mangle]
pub extern "C" fn wma_free(h: u32) {
    SESSIONS.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(slot) = (h as usize).checked_sub(1).and_then(|i| s.get_mut(i)) {
            *slot = None;
        }
    });
}

/// Forget all data, keep thresholds and names.
#[no_mangle]
pub extern "C" fn wma_reset(h: u32) {
    with(h, |s| s.analyzer.reset());
}

/// A buffer for `n` input records; valid until the next call on this handle.
#[no_mangle]
pub extern "C" fn wma_in_buf(h: u32, n: u32) -> *mut f64 {
    let n = n as usize;
    if n == 0 || n > MAX_BATCH {
        return std::ptr::null_mut();
    }
    with(h, |s| {
        if s.input.len() < n * STRIDE {
            s.input.resize(n * STRIDE, 0.0);
        }
        s.input.as_mut_ptr()
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Ingest `n` records from the input buffer; returns how many were rejected.
#[no_mangle]
pub extern "C" fn wma_ingest(h: u32, n: u32) -> u32 {
    with(h, |s| {
        let len = (n as usize).saturating_mul(STRIDE).min(s.input.len());
        let input = std::mem::take(&mut s.input);
        let bad = s.analyzer.ingest(input.get(..len).unwrap_or(&[]));
        s.input = input;
        bad.min(u32::MAX as u64) as u32
    })
    .unwrap_or(u32::MAX)
}

/// A buffer for a UTF-8 string of `len` bytes.
#[no_mangle]
pub extern "C" fn wma_str_buf(h: u32, len: u32) -> *mut u8 {
    let len = len as usize;
    if len > MAX_STR {
        return std::ptr::null_mut();
    }
    with(h, |s| {
        if s.strbuf.len() < len.max(1) {
            s.strbuf.resize(len.max(1), 0);
        }
        s.strbuf.as_mut_ptr()
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Name id `id` with the `len` bytes in the string buffer (invalid UTF-8 is replaced).
#[no_mangle]
pub extern "C" fn wma_set_name(h: u32, id: u32, len: u32) -> u32 {
    with(h, |s| {
        let bytes = s.strbuf.get(..len as usize).unwrap_or(&[]);
        let text = String::from_utf8_lossy(bytes).into_owned();
        s.analyzer.set_name(id, &text);
        1
    })
    .unwrap_or(0)
}

/// Set a threshold (see `config::key`); 1 if accepted.
#[no_mangle]
pub extern "C" fn wma_configure(h: u32, key: u32, value: f64) -> u32 {
    with(h, |s| s.analyzer.config.set(key, value) as u32).unwrap_or(0)
}

fn put_bytes(s: &mut Session, text: String) -> *const u8 {
    s.out_bytes = text.into_bytes();
    s.out_len = s.out_bytes.len();
    s.out_bytes.as_ptr()
}

/// Evaluate alerts and write the report JSON; returns its pointer (length: `wma_out_len`).
#[no_mangle]
pub extern "C" fn wma_report(h: u32) -> *const u8 {
    with(h, |s| {
        let text = s.analyzer.report_json();
        put_bytes(s, text)
    })
    .unwrap_or(std::ptr::null())
}

/// Diff of marks `from` and `to` as JSON; null if an index is out of range.
#[no_mangle]
pub extern "C" fn wma_diff(h: u32, from: u32, to: u32) -> *const u8 {
    with(h, |s| match s.analyzer.diff_json(from as usize, to as usize) {
        Some(text) => put_bytes(s, text),
        None => {
            s.out_len = 0;
            std::ptr::null()
        }
    })
    .unwrap_or(std::ptr::null())
}

/// Chart series of all memories in `[from, to]` with at most `max_points` buckets each.
/// Layout (f64): `[count, then per memory: keyId, n, times[n], min[n], max[n],
/// usedTracking, u, usedTimes[u], usedMin[u], usedMax[u], g, growthTimes[g]]`; `usedTracking`
/// is a [`crate::records::tracking`] code, or -1 (then `u` is 0) when live bytes are not known.
#[no_mangle]
pub extern "C" fn wma_series(h: u32, max_points: u32, from: f64, to: f64) -> *const f64 {
    with(h, |s| {
        let all = s.analyzer.series(max_points as usize, from, to);
        let mut out = std::mem::take(&mut s.out_f64);
        out.clear();
        out.push(all.len() as f64);
        for c in &all {
            out.push(c.key as f64);
            push_columns(&mut out, &c.committed);
            match &c.used {
                Some((tracking, d)) => {
                    out.push(tracking.code() as f64);
                    push_columns(&mut out, d);
                }
                None => out.extend_from_slice(&[-1.0, 0.0]),
            }
            out.push(c.growth.len() as f64);
            out.extend_from_slice(&c.growth);
        }
        s.out_f64 = out;
        s.out_len = s.out_f64.len();
        s.out_f64.as_ptr()
    })
    .unwrap_or(std::ptr::null())
}

/// `n, times[n], min[n], max[n]`.
fn push_columns(out: &mut Vec<f64>, d: &Downsampled) {
    out.push(d.times.len() as f64);
    out.extend_from_slice(&d.times);
    out.extend_from_slice(&d.min);
    out.extend_from_slice(&d.max);
}

/// Length of the latest query output (bytes or f64s).
#[no_mangle]
pub extern "C" fn wma_out_len(h: u32) -> u32 {
    with(h, |s| s.out_len as u32).unwrap_or(0)
}

/// Valid records ingested so far.
#[no_mangle]
pub extern "C" fn wma_event_count(h: u32) -> f64 {
    with(h, |s| s.analyzer.event_count as f64).unwrap_or(-1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{encode, Record};

    fn write_str(h: u32, id: u32, s: &str) {
        let p = wma_str_buf(h, s.len() as u32);
        assert!(!p.is_null());
        // SAFETY: wma_str_buf returned a buffer of at least s.len() bytes for this handle.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len()) };
        assert_eq!(wma_set_name(h, id, s.len() as u32), 1);
    }

    fn ingest(h: u32, recs: &[[f64; STRIDE]]) -> u32 {
        let p = wma_in_buf(h, recs.len() as u32);
        assert!(!p.is_null());
        for (i, r) in recs.iter().enumerate() {
            // SAFETY: the buffer holds recs.len() * STRIDE f64s.
            unsafe { std::ptr::copy_nonoverlapping(r.as_ptr(), p.add(i * STRIDE), STRIDE) };
        }
        wma_ingest(h, recs.len() as u32)
    }

    fn out_text(h: u32, p: *const u8) -> String {
        let n = wma_out_len(h) as usize;
        // SAFETY: the output buffer of this handle holds wma_out_len bytes.
        let bytes = unsafe { std::slice::from_raw_parts(p, n) };
        String::from_utf8(bytes.to_vec()).expect("utf-8 report")
    }

    #[test]
    fn boundary_round_trip_like_the_wrapper() {
        let h = wma_new();
        assert!(h >= 1);
        write_str(h, 0, "r1:1");
        write_str(h, 1, "https://x.test/a.wasm");
        let rejected = ingest(
            h,
            &[
                encode(&Record::Memory { t: 1.0, mem: 0, bytes: 65536.0, max_bytes: None, owner: Some(1), module: None, realm: None }),
                encode(&Record::Grow { t: 2.0, mem: 0, from: 65536.0, to: 131072.0, js: true }),
                [99.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ],
        );
        assert_eq!(rejected, 1);
        let p = wma_report(h);
        let r = out_text(h, p);
        assert!(r.contains(r#""key":"r1:1","owner":"https://x.test/a.wasm","currentBytes":131072"#), "{r}");
        let sp = wma_series(h, 10, f64::NEG_INFINITY, f64::INFINITY);
        let n = wma_out_len(h) as usize;
        // SAFETY: the f64 output buffer holds wma_out_len numbers.
        let series = unsafe { std::slice::from_raw_parts(sp, n) };
        // committed: 2 buckets; used: not known (-1, 0); growth: 1 (at t = 2)
        assert_eq!(series, &[1.0, 0.0, 2.0, 1.0, 2.0, 65536.0, 131072.0, 65536.0, 131072.0, -1.0, 0.0, 1.0, 2.0]);
        assert!(wma_diff(h, 0, 1).is_null());
        assert_eq!(wma_configure(h, 11, 1.0), 0);
        assert_eq!(wma_configure(h, 11, 3.0), 1);
        wma_reset(h);
        assert_eq!(wma_event_count(h), 0.0);
        wma_free(h);
        assert_eq!(wma_event_count(h), -1.0);
        // The slot is reused.
        assert_eq!(wma_new(), h);
        wma_free(h);
    }

    #[test]
    fn bad_handles_and_sizes_do_nothing() {
        for h in [0u32, 7777, u32::MAX] {
            assert!(wma_in_buf(h, 1).is_null());
            assert_eq!(wma_ingest(h, 10), u32::MAX);
            assert!(wma_str_buf(h, 1).is_null());
            assert_eq!(wma_set_name(h, 1, 1), 0);
            assert_eq!(wma_configure(h, 0, 1.0), 0);
            assert!(wma_report(h).is_null());
            assert!(wma_diff(h, 0, 0).is_null());
            assert!(wma_series(h, 10, 0.0, 1.0).is_null());
            assert_eq!(wma_out_len(h), 0);
            wma_reset(h);
            wma_free(h);
        }
        let h = wma_new();
        assert!(wma_in_buf(h, 0).is_null());
        assert!(wma_in_buf(h, u32::MAX).is_null());
        assert!(wma_str_buf(h, u32::MAX).is_null());
        // More records than the buffer holds: clamped, no overrun.
        let p = wma_in_buf(h, 2);
        assert!(!p.is_null());
        assert_eq!(wma_ingest(h, 1_000_000), 2, "two zeroed records, both rejected");
        // A name longer than the string buffer: clamped to what is there.
        assert_eq!(wma_set_name(h, 3, 1_000_000), 1);
        wma_free(h);
    }
}
