//! The leak heuristics, one per file, each documented in README.md ("Heuristics").
//!
//! Every heuristic is a `find` function over an [`Input`] (a read-only view of the model at
//! `now`) that emits what is wrong right now into a [`Sink`]; the alert book turns successive
//! evaluations into alerts. [`findings`] runs them all in a fixed order (the order alerts are
//! first raised in, hence the order of the report). Heuristics read the model, the config and
//! the detectors; they never see the analyzer itself.
//!
//! | file | kind | subject |
//! |------|------|---------|
//! | [`class_rising`] | `bindgen-live-growth` | class: live count rising (marks, rest levels, windows) |
//! | [`never_freed`] | `bindgen-live-growth` | class: many live, none ever freed |
//! | [`forgot_free`] | `bindgen-forgot-free` | class: objects reclaimed by the GC finalizer |
//! | [`orphaned`] | `bindgen-orphaned` | class: wrappers collected in JS, objects never freed in wasm |
//! | [`floor_rising`] | `memory-floor-rising` | memory: committed bytes rest higher every cycle |
//! | [`used_rising`] | `memory-floor-rising` (`:used`) | memory: live heap bytes (inside wasm) higher at marks, rest levels or windows |
//! | [`fragmentation`] | `fragmentation` | memory: committed far above the live heap (inside wasm) after the heap grew |
//!
//! No heuristic reasons from a partial figure: allocator stats counted at the JS boundary
//! or without sizes ([`crate::records::Tracking::whole_bytes`] false) are reported, never judged.
//! | [`budget`] | `budget` | memory or page over a budget level |
//! | [`memory_replaced`] | `memory-replaced` | memory: superseded by a newer sibling (same realm, or a newer worker of the same script), still alive |
//! | [`headroom`] | `memory-headroom` | memory: committed past a level of its limit (declared maximum or engine limit) |
//! | [`out_of_memory`] | `out-of-memory` | memory: failed growth attempts, one incident per retry ladder |
//! | [`registry_growth`] | `registry-growth` | registry field rising |

pub mod budget;
pub mod class_rising;
pub mod floor_rising;
pub mod forgot_free;
pub mod fragmentation;
pub mod headroom;
pub mod marks;
pub mod memory_replaced;
pub mod never_freed;
pub mod orphaned;
pub mod out_of_memory;
pub mod registry_growth;
pub mod used_rising;

use crate::alerts::{Hit, Sink};
use crate::config::Config;
use crate::fxhash::FxHashMap;
use crate::model::{Class, Memory, Names, Realm, RegistryField};

pub use marks::MarkRuns;

/// What the heuristics read: the model as of `now`.
pub struct Input<'a> {
    /// Thresholds.
    pub config: &'a Config,
    /// Event time of the evaluation.
    pub now: f64,
    /// Text of interned ids.
    pub names: &'a Names,
    /// Memories in discovery order.
    pub memories: &'a [Memory],
    /// Classes in discovery order.
    pub classes: &'a [Class],
    /// Registry fields in discovery order.
    pub registries: &'a [RegistryField],
    /// Module key -> (url, byteLength).
    pub modules: &'a FxHashMap<u32, (Option<u32>, f64)>,
    /// Realm id -> what the realm is.
    pub realms: &'a FxHashMap<u32, Realm>,
    /// Marks-based runs per entity (up to date).
    pub mark_runs: &'a MarkRuns,
}

impl Input<'_> {
    /// Text of an interned id.
    pub fn name(&self, id: u32) -> String {
        self.names.get(id)
    }

    /// Owner URL of a memory, for texts.
    pub fn owner(&self, m: &Memory) -> String {
        m.owner.map(|o| self.name(o)).unwrap_or_else(|| "unknown owner".to_string())
    }
}

/// Where a rising pattern was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Values at successive user marks.
    Marks,
    /// Rest levels (cycle floors).
    Floors,
    /// Window minima.
    Windows,
}

impl Via {
    /// How the texts name it.
    pub fn what(self) -> &'static str {
        match self {
            Via::Marks => "marks",
            Via::Floors => "activity cycles (rest levels)",
            Via::Windows => "time windows (window minima)",
        }
    }
}

/// The sentence naming a memory's top allocation sites (empty when none are known), appended
/// to the recommendation of the leak alerts about a memory. The figures are the page's sampled
/// estimates of live bytes and allocations, and say so.
pub(crate) fn sites_sentence(input: &Input, m: &Memory) -> String {
    if m.sites.is_empty() {
        return String::new();
    }
    let list: Vec<String> = m
        .sites
        .iter()
        .map(|s| {
            format!("{} (~{} in ~{} allocations)", input.name(s.frame), crate::text::fmt_bytes(s.bytes), crate::text::fixed(s.count, 0))
        })
        .collect();
    format!(" Top allocation sites by live bytes (sampled estimates): {}.", list.join("; "))
}

/// First and last value of a run (0 when empty).
pub(crate) fn ends(run: &[crate::detect::Level]) -> (f64, f64) {
    (run.first().map(|l| l.1).unwrap_or(0.0), run.last().map(|l| l.1).unwrap_or(0.0))
}

/// Everything wrong as of `input.now`, against the alerts of `book` (whose unchanged alerts
/// are reused).
pub fn findings(input: &Input, book: &crate::alerts::AlertBook) -> Vec<Hit> {
    let mut out = Sink::new(book);

    for (ci, cl) in input.classes.iter().enumerate() {
        if !class_rising::find(input, &mut out, ci, cl) {
            never_freed::find(input, &mut out, cl);
        }
        forgot_free::find(input, &mut out, cl);
        orphaned::find(input, &mut out, cl);
    }

    let mut live_total = 0.0;
    let mut live_changed = f64::NEG_INFINITY;
    for m in input.memories {
        // Incidents stay raised for a while after their memory is collected (see the file).
        out_of_memory::find(input, &mut out, m);
    }
    for (mi, m) in input.memories.iter().enumerate() {
        if m.collected {
            continue;
        }
        headroom::find(input, &mut out, m);
        live_total += m.current;
        live_changed = live_changed.max(m.last_growth);
        floor_rising::find(input, &mut out, mi, m);
        used_rising::find(input, &mut out, mi, m);
        fragmentation::find(input, &mut out, m);
        budget::find_memory(input, &mut out, m);
    }
    budget::find_page(input, &mut out, live_total, live_changed);

    memory_replaced::find(input, &mut out);

    for (ri, r) in input.registries.iter().enumerate() {
        registry_growth::find(input, &mut out, ri, r);
    }
    out.finish()
}
