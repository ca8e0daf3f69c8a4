//! `fragmentation`: committed memory far above the live heap bytes, after the heap grew.
//!
//! The rule, all for `fragMinMs` (5 s):
//! 1. the heap is counted **inside wasm** (the whole heap). Figures counted at the JS boundary
//!    are a part of the heap: low by an unknown amount, so "little in use" would be a guess;
//!    they never raise this alert;
//! 2. committed memory **has grown since the heap was first seen** (`heap_start_committed`). A
//!    heap starts with free space and committed memory moves only once that space is used up, so
//!    a memory that never grew past its size at the heap's first count is just a heap with room
//!    (sql.js at rest: 16 MiB committed, 1 MiB used); growth before the heap was seen (start-up)
//!    does not count either;
//! 3. committed >= `fragMinCommittedBytes` (64 MiB), live bytes <= `fragMaxRatio` (25 %) of it,
//!    and committed - live >= `fragMinWastedBytes` (48 MiB).
//!
//! WebAssembly memory never shrinks: what a peak committed stays committed.

use super::Input;
use crate::alerts::{detail, Severity, Sink, Text};
use crate::config::Config;
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::{fixed, fmt_bytes, fmt_count};

/// Update since when the conditions hold on each memory (state that depends on time), before
/// an evaluation.
pub fn prepare(memories: &mut [Memory], c: &Config, now: f64) {
    let (min_committed, max_ratio, min_wasted) = (c.frag_min_committed, c.frag_max_ratio, c.frag_min_wasted);
    for m in memories {
        let holds = match m.alloc {
            Some(al) if !m.collected && al.tracking.whole_bytes() => {
                let committed = m.current;
                let grew_since_heap_seen = m.heap_start_committed.is_some_and(|start| committed > start);
                grew_since_heap_seen
                    && committed >= min_committed
                    && al.live_bytes <= committed * max_ratio
                    && committed - al.live_bytes >= min_wasted
            }
            _ => false,
        };
        if holds {
            if m.frag_since.is_none() {
                m.frag_since = Some(now);
            }
        } else {
            m.frag_since = None;
        }
    }
}

/// Emit the alert of memory `m` (not collected) if the conditions held for long enough.
pub fn find(input: &Input, out: &mut Sink, m: &Memory) {
    let (Some(since), Some(al), Some(start)) = (m.frag_since, m.alloc, m.heap_start_committed) else { return };
    let sustained = input.now - since >= input.config.frag_min_ms;
    if !sustained {
        return;
    }
    let kind = Kind::Fragmentation;
    let key = || input.name(m.key);
    let id = || format!("{}:{}", kind.name(), key());
    let text = || {
        let (key, owner) = (key(), input.owner(m));
        Text {
            kind,
            title: format!("Memory {key}: only {} of {} committed is in use", fmt_bytes(al.live_bytes), fmt_bytes(m.current)),
            detail: format!(
                "The allocator of {key} ({owner}), counted inside wasm, holds {} in {} live allocations, {}% of the \
                    {} committed. Committed memory grew from {} after the heap was first counted, and WebAssembly \
                    memory never shrinks, so the rest stays reserved.",
                fmt_bytes(al.live_bytes),
                fmt_count(al.live_allocs),
                fixed(if m.current > 0.0 { al.live_bytes / m.current * 100.0 } else { 0.0 }, 0),
                fmt_bytes(m.current),
                fmt_bytes(start)
            ),
            recommendation: "Lower the peak (process big inputs in chunks, free temporaries sooner) or recreate the \
                 instance after a big job to give the memory back."
                .to_string(),
            series: format!("memory:{key}:used"),
            subject: key,
        }
    };
    out.emit(
        (kind, m.key, detail::MAIN),
        Severity::Warning,
        &[(m.last_growth, m.current), (al.time, al.live_bytes)],
        [al.live_allocs, start, 0.0, 0.0],
        id,
        text,
    );
}
