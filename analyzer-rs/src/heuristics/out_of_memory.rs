//! `out-of-memory`: a memory that could not grow. Every failed attempt (a `Memory.prototype.grow`
//! that threw, an allocator that returned NULL inside wasm) joins the memory's latest incident
//! when it came within [`crate::model::INCIDENT_GAP_MS`] of it, so a retry ladder (Emscripten's
//! 20 %, 10 %, 5 % overgrowth, then the exact size) is one incident with all its attempts.
//!
//! An incident is an error while the memory is alive and has not grown since, or for
//! `holdMs` after its last attempt (so one that recovered at once is still raised); then it
//! resolves and stays in the session's history. When an attempt asked for less than the limit
//! left (committed + requested <= limit), the refusal came from the browser, not the limit.

use super::Input;
use crate::alerts::{Severity, Sink, Text};
use crate::json::{push_array, Obj};
use crate::kind::Kind;
use crate::model::{Incident, Memory};
use crate::text::{fixed, fmt_bytes};

/// One attempt as a phrase: "grow by 640 KiB" / "malloc of 640 KiB".
fn what(requested: f64, malloc: bool) -> String {
    if malloc {
        format!("malloc of {}", fmt_bytes(requested))
    } else {
        format!("grow by {}", fmt_bytes(requested))
    }
}

/// A malloc's own `memory.grow` asks for more than the allocation (its chunk overhead, rounded
/// up to its growth granularity): an allocation is judged refused below the limit only when this
/// much more would still have fit.
pub const MALLOC_SLACK_BYTES: f64 = 1024.0 * 1024.0;

/// Whether an attempt asked for less than the limit left (so the limit did not refuse it).
fn below_limit(a: &crate::model::Attempt, limit: f64) -> bool {
    a.committed + a.requested + if a.malloc { MALLOC_SLACK_BYTES } else { 0.0 } <= limit
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Emit the alerts of memory `m`'s incidents.
pub fn find(input: &Input, out: &mut Sink, m: &Memory) {
    for inc in &m.incidents {
        let recovered = m.last_growth > inc.last;
        let active = (!m.collected && !recovered) || input.now - inc.last < input.config.hold_ms;
        if active {
            emit(input, out, m, inc, recovered);
        }
    }
}

fn emit(input: &Input, out: &mut Sink, m: &Memory, inc: &Incident, recovered: bool) {
    let kind = Kind::OutOfMemory;
    let limit = inc.max_bytes.unwrap_or_else(|| m.limit());
    // The attempt that asked least: the size the app needed at minimum (a ladder's exact size).
    let Some(least) = inc.attempts.iter().min_by(|a, b| a.requested.total_cmp(&b.requested)).copied() else { return };
    let last = inc.attempts.last().copied().unwrap_or(least);
    let browser = inc.attempts.iter().any(|a| below_limit(a, limit));
    let by_malloc = inc.attempts.iter().all(|a| a.malloc);
    let points: Vec<(f64, f64)> = inc.attempts.iter().map(|a| (a.t, a.committed + a.requested)).collect();
    let subject = || input.name(m.key);
    let id = || format!("{}:{}:{}", kind.name(), subject(), inc.n);
    let text = || {
        let subject = subject();
        let n = inc.attempts.len() as u32 + inc.more;
        let span = inc.last - inc.attempts.first().map(|a| a.t).unwrap_or(inc.last);
        let title = capitalized(&format!(
            "{} failed at {} (limit {})",
            what(least.requested, least.malloc),
            fmt_bytes(last.committed),
            fmt_bytes(limit)
        ));
        let tries: Vec<String> =
            inc.attempts.iter().map(|a| format!("{} at {}", what(a.requested, a.malloc), fmt_bytes(a.committed))).collect();
        let attempts = if n > 1 {
            format!(
                " {n} attempts in {} ms: {}{}.",
                fixed(span, 0),
                tries.join(", "),
                if inc.more > 0 { format!(" and {} more", inc.more) } else { String::new() }
            )
        } else {
            String::new()
        };
        let cause = if browser {
            format!(
                " The browser refused it: {} + {} is within the limit of {} ({}), so the page was denied memory \
                 below its limit{}.",
                fmt_bytes(least.committed),
                fmt_bytes(least.requested),
                fmt_bytes(limit),
                super::headroom::limit_source(m),
                if by_malloc { " (or the allocator has a cap of its own, below the memory's)" } else { "" }
            )
        } else {
            format!(
                " {} + {} is over the limit of {} ({}).",
                fmt_bytes(least.committed),
                fmt_bytes(least.requested),
                fmt_bytes(limit),
                super::headroom::limit_source(m)
            )
        };
        let after = if recovered {
            " A later growth succeeded."
        } else if m.collected {
            " The memory was collected since."
        } else {
            " The memory has not grown since."
        };
        let stack = inc.stack.map(|s| format!(" Stack of the failing call:\n{}", input.name(s))).unwrap_or_default();
        let detail = format!("Memory {subject} ({}) could not grow.{attempts}{cause}{after}{stack}", input.owner(m));
        let recommendation = if browser {
            "The browser, not the module, refused the memory: the tab or the device is short of memory (other \
             memories of the page, other tabs). Lower the page's total memory, or handle the failure (catch the \
             RangeError, free caches and retry)."
        } else {
            "Lower the peak (free sooner, bound caches, process big inputs in chunks), or raise the maximum the \
             module declares (Emscripten: -sMAXIMUM_MEMORY; Rust/LLVM: -C link-arg=--max-memory=<bytes>)."
        }
        .to_string();
        let mut extra = String::new();
        let mut o = Obj::new(&mut extra);
        o.str("memory", &subject).num("number", inc.n as f64).num("limitBytes", limit);
        match inc.max_bytes.or(m.max_bytes) {
            Some(b) => o.num("maxBytes", b),
            None => o.null("maxBytes"),
        };
        o.bool("browserRefused", browser).bool("recovered", recovered).num("moreAttempts", inc.more as f64);
        match inc.stack {
            Some(s) => o.str("stack", &input.name(s)),
            None => o.null("stack"),
        };
        o.raw("attempts", |s| {
            push_array(s, inc.attempts.iter(), |s, a| {
                let mut ao = Obj::new(s);
                ao.num("time", a.t)
                    .str("via", if a.malloc { "malloc" } else { "js" })
                    .num("requestedBytes", a.requested)
                    .num("committedBytes", a.committed);
                ao.end();
            })
        });
        o.end();
        (Text { kind, title, detail, recommendation, series: format!("memory:{subject}:bytes"), subject }, Some(extra))
    };
    let sig = [limit, if recovered { 1.0 } else { 0.0 } + if m.collected { 2.0 } else { 0.0 }, inc.more as f64, inc.n as f64];
    out.emit_with((kind, m.key, inc.n), Severity::Error, &points, sig, id, text);
}
