//! `memory-floor-rising` on the allocator's live bytes (id suffix `:used`), when the allocator
//! is visible: rest levels, or window minima rising by at least [`WINDOW_RISE_STEPS`] floor
//! steps in all. Always a warning (in the core and the TS reference alike).

use super::{ends, Input, Via};
use crate::alerts::{detail, Severity, Sink, Text};
use crate::detect::recent_run;
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::{fmt_bytes, list};

/// Window minima count only when they rose by this many `floorMinStepBytes` in all.
pub const WINDOW_RISE_STEPS: f64 = 4.0;

/// Emit the `:used` alert of memory `m` (not collected) if its allocated bytes rest higher.
pub fn find(input: &Input, out: &mut Sink, m: &Memory) {
    if m.alloc.is_none() {
        return;
    }
    let c = input.config;
    let now = input.now;
    let used =
        recent_run(m.used_rest.levels(), c.floor_min_step_bytes, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, r)).or_else(|| {
            recent_run(m.used_window.mins(), f64::MIN_POSITIVE, c.window_cycles, now, c.hold_ms)
                .filter(|r| match (r.first(), r.last()) {
                    (Some(f), Some(l)) => l.1 - f.1 >= WINDOW_RISE_STEPS * c.floor_min_step_bytes,
                    _ => false,
                })
                .map(|r| (Via::Windows, r))
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
                "The allocator's live bytes in {key} ({owner}) rose at {} successive {}: {}.",
                run.len(),
                via.what(),
                list(&run, fmt_bytes)
            ),
            recommendation: "Allocations made per cycle are never freed: find the malloc without a matching free (or \
                the C++ object never deleted) in the code run each cycle."
                .to_string(),
            series: format!("memory:{key}:used"),
            subject: key,
        }
    };
    out.emit((kind, m.key, detail::USED), Severity::Warning, &run, [0.0; 4], id, text);
}
