//! `memory-floor-rising` on the allocator's live bytes (id suffix `:used`): live heap bytes
//! rising across the latest marks, across rest levels (activity cycles), or across window minima
//! rising by at least [`WINDOW_RISE_STEPS`] floor steps in all. A leak even while committed memory
//! stays flat (the heap starts with free space; committed memory moves only once it is used up).
//!
//! Reasons only from whole heaps: bytes counted inside wasm. Figures counted at the JS
//! boundary (traces before version 2) are a part of the heap, and a part can rise while the
//! heap does not (wasm code frees what JS allocated), so they never raise anything; nor do
//! inside-wasm counts without sizes (no live bytes). Always a
//! warning (in the core and the TS reference alike).

use std::borrow::Cow;

use super::{ends, sites_sentence, Input, Via};
use crate::alerts::{detail, Severity, Sink, Text};
use crate::detect::recent_run;
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::{fmt_bytes, list};

/// Window minima count only when they rose by this many `floorMinStepBytes` in all.
pub const WINDOW_RISE_STEPS: f64 = 4.0;

/// Emit the `:used` alert of memory `m` (index `mi`, not collected) if its live heap bytes rise.
pub fn find(input: &Input, out: &mut Sink, mi: usize, m: &Memory) {
    if !m.alloc.is_some_and(|a| a.tracking.whole_bytes()) {
        return;
    }
    let c = input.config;
    let now = input.now;
    let used = input
        .mark_runs
        .used
        .get(mi)
        .and_then(|x| x.as_deref())
        .map(|r| (Via::Marks, Cow::Borrowed(r)))
        .or_else(|| {
            recent_run(m.used_rest.levels(), c.floor_min_step_bytes, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r)))
        })
        .or_else(|| {
            recent_run(m.used_window.mins(), f64::MIN_POSITIVE, c.window_cycles, now, c.hold_ms)
                .filter(|r| match (r.first(), r.last()) {
                    (Some(f), Some(l)) => l.1 - f.1 >= WINDOW_RISE_STEPS * c.floor_min_step_bytes,
                    _ => false,
                })
                .map(|r| (Via::Windows, Cow::Owned(r)))
        });
    let Some((via, run)) = used else { return };
    let (lo, hi) = ends(&run);
    let kind = Kind::MemoryFloorRising;
    let key = || input.name(m.key);
    let id = || format!("{}:{}:used", kind.name(), key());
    let text = || {
        let (key, owner) = (key(), input.owner(m));
        Text {
            kind,
            title: format!("Allocated bytes in {key} settle higher every cycle ({} → {})", fmt_bytes(lo), fmt_bytes(hi)),
            detail: format!(
                "The allocator's live bytes in {key} ({owner}), counted inside wasm, rose at {} successive {}: {}.",
                run.len(),
                via.what(),
                list(&run, fmt_bytes)
            ),
            recommendation: format!(
                "Allocations made per cycle are never freed: find the malloc without a matching free (or \
                the C++ object never deleted) in the code run each cycle.{}",
                sites_sentence(input, m)
            ),
            series: format!("memory:{key}:used"),
            subject: key,
        }
    };
    out.emit((kind, m.key, detail::USED), Severity::Warning, &run, [m.sites_rev as f64, 0.0, 0.0, 0.0], id, text);
}
