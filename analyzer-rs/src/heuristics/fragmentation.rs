//! `fragmentation`: a memory with allocator stats that has grown at least once, is large
//! (`fragMinCommittedBytes`), and whose live bytes are a small share of it (`fragMaxRatio`,
//! `fragMinWastedBytes`) for `fragMinMs`. WebAssembly memory never shrinks.

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
            Some(al) if !m.collected => {
                let committed = m.current;
                committed >= min_committed
                    && m.growth_events >= 1
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
    let (Some(since), Some(al)) = (m.frag_since, m.alloc) else { return };
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
                "The allocator of {key} ({owner}) holds {} in {} live allocations, {}% of the {} committed \
                    (peak {}). WebAssembly memory never shrinks, so the rest stays reserved.",
                fmt_bytes(al.live_bytes),
                fmt_count(al.live_allocs),
                fixed(if m.current > 0.0 { al.live_bytes / m.current * 100.0 } else { 0.0 }, 0),
                fmt_bytes(m.current),
                fmt_bytes(m.peak)
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
        [al.live_allocs, m.peak, 0.0, 0.0],
        id,
        text,
    );
}
