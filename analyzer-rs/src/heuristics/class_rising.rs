//! `bindgen-live-growth`: a wasm-bindgen class whose live count keeps rising, found (first
//! that matches) at the latest marks, in rest levels, or in window minima.

use std::borrow::Cow;

use super::{Input, Via};
use crate::alerts::{detail, Severity, Sink, Text};
use crate::detect::recent_run;
use crate::kind::Kind;
use crate::model::Class;
use crate::text::{fmt_count, list};

/// At this many live objects a rising class is an error whatever the length of the run.
pub const ERROR_LIVE: f64 = 10_000.0;

/// The recommendation, shared with [`super::never_freed`].
pub fn recommendation(name: &str) -> String {
    format!(
        "Call free() (or use `using` / Symbol.dispose) on every {name} once it is no longer needed; \
            the creation stacks of live objects show where they come from."
    )
}

/// Emit the alert of class `cl` (index `ci`) if its live count rises; returns whether it does.
pub fn find(input: &Input, out: &mut Sink, ci: usize, cl: &Class) -> bool {
    let c = input.config;
    let now = input.now;
    let found = input
        .mark_runs
        .class
        .get(ci)
        .and_then(|x| x.as_deref())
        .map(|r| (Via::Marks, Cow::Borrowed(r)))
        .or_else(|| recent_run(cl.rest.levels(), c.class_min_step, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r))))
        .or_else(|| {
            recent_run(cl.window.mins(), f64::MIN_POSITIVE, c.window_cycles, now, c.hold_ms)
                .filter(|r| match (r.first(), r.last()) {
                    (Some(f), Some(l)) => l.1 - f.1 >= c.class_window_min_rise,
                    _ => false,
                })
                .map(|r| (Via::Windows, Cow::Owned(r)))
        });
    let Some((via, run)) = found else { return false };
    let cycles = match via {
        Via::Marks => c.mark_cycles,
        Via::Floors => c.floor_cycles,
        Via::Windows => c.window_cycles,
    };
    let severity = if run.len() >= 2 * cycles || cl.live >= ERROR_LIVE { Severity::Error } else { Severity::Warning };
    let kind = Kind::BindgenLiveGrowth;
    let name = || input.name(cl.name);
    let id = || format!("{}:{}", kind.name(), name());
    let text = || {
        let name = name();
        Text {
            kind,
            title: format!("{name} objects keep piling up ({} live)", fmt_count(cl.live)),
            detail: format!(
                "The live count of wasm-bindgen class {name} rose at {} successive {}: {}. Created {}, \
                    freed {}, reclaimed by GC {}.",
                run.len(),
                via.what(),
                list(&run, fmt_count),
                fmt_count(cl.created),
                fmt_count(cl.freed),
                fmt_count(cl.reclaimed)
            ),
            recommendation: recommendation(&name),
            series: format!("class:{name}:live"),
            subject: name,
        }
    };
    out.emit((kind, cl.name, detail::MAIN), severity, &run, [cl.created, cl.freed, cl.reclaimed, cl.live], id, text);
    true
}
