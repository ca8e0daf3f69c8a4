//! `memory-floor-rising`: committed memory of a live memory whose floor rises from cycle to
//! cycle, at the latest marks or in rest levels (never window minima: committed memory that
//! grows without resting cannot be told from a warm-up; budgets catch it).

use std::borrow::Cow;

use super::{ends, sites_sentence, Input, Via};
use crate::alerts::{detail, Severity, Sink, Text};
use crate::detect::recent_run;
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::{fmt_bytes, list};

/// Emit the alert of memory `m` (index `mi`, not collected) if its floor rises.
pub fn find(input: &Input, out: &mut Sink, mi: usize, m: &Memory) {
    let c = input.config;
    let found = input.mark_runs.memory.get(mi).and_then(|x| x.as_deref()).map(|r| (Via::Marks, Cow::Borrowed(r))).or_else(|| {
        recent_run(m.rest.levels(), c.floor_min_step_bytes, c.floor_cycles, input.now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r)))
    });
    let Some((via, run)) = found else { return };
    let cycles = if via == Via::Marks { c.mark_cycles } else { c.floor_cycles };
    let severity = if run.len() >= 2 * cycles { Severity::Error } else { Severity::Warning };
    let (lo, hi) = ends(&run);
    let kind = Kind::MemoryFloorRising;
    let key = || input.name(m.key);
    let id = || format!("{}:{}", kind.name(), key());
    let text = || {
        let (key, owner) = (key(), input.owner(m));
        Text {
            kind,
            title: format!("Memory {key} settles higher every cycle ({} → {})", fmt_bytes(lo), fmt_bytes(hi)),
            detail: format!(
                "Committed memory of {key} ({owner}) rose at {} successive {}: {}. A warm-up or a cache \
                    that fills once settles at one level; this keeps climbing.",
                run.len(),
                via.what(),
                list(&run, fmt_bytes)
            ),
            recommendation: format!(
                "Something allocated per cycle (per file, per request) is kept. Place a mark before and \
                 after one cycle and diff them to see which classes or registries grow; free them or bound \
                 the cache.{}",
                sites_sentence(input, m)
            ),
            series: format!("memory:{key}:bytes"),
            subject: key,
        }
    };
    out.emit((kind, m.key, detail::MAIN), severity, &run, [m.sites_rev as f64, 0.0, 0.0, 0.0], id, text);
}
