//! `registry-growth`: a registry field (count or bytes) that keeps growing, at the latest
//! marks, in rest levels or in window minima (each step at least `registryMinStep`).

use std::borrow::Cow;

use super::{ends, Input, Via};
use crate::alerts::{Severity, Sink, Text};
use crate::detect::recent_run;
use crate::kind::Kind;
use crate::model::RegistryField;
use crate::text::{fmt_count, list};

/// Severity of every registry-growth alert.
pub const SEVERITY: Severity = Severity::Warning;

/// Emit the alert of registry field `r` (index `ri`) if it keeps growing.
pub fn find(input: &Input, out: &mut Sink, ri: usize, r: &RegistryField) {
    let c = input.config;
    let now = input.now;
    let found = input
        .mark_runs
        .registry
        .get(ri)
        .and_then(|x| x.as_deref())
        .map(|r| (Via::Marks, Cow::Borrowed(r)))
        .or_else(|| recent_run(r.rest.levels(), c.registry_min_step, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r))))
        .or_else(|| {
            recent_run(r.window.mins(), c.registry_min_step, c.window_cycles, now, c.hold_ms).map(|r| (Via::Windows, Cow::Owned(r)))
        });
    let Some((via, run)) = found else { return };
    let (lo, hi) = ends(&run);
    let kind = Kind::RegistryGrowth;
    let id = || format!("{}:{}:{}", kind.name(), input.name(r.name), input.name(r.field));
    let text = || {
        let (name, field) = (input.name(r.name), input.name(r.field));
        Text {
            kind,
            title: format!("Registry {name}: {field} keeps growing ({} → {})", fmt_count(lo), fmt_count(hi)),
            detail: format!("{name}.{field} rose at {} successive {}: {}.", run.len(), via.what(), list(&run, fmt_count)),
            recommendation: format!(
                "Remove entries from {name} when what they describe is released, or bound it (size cap, \
                LRU)."
            ),
            series: format!("registry:{name}:{field}"),
            subject: name,
        }
    };
    out.emit((kind, r.name, r.field), SEVERITY, &run, [0.0; 4], id, text);
}
