//! The data model the analyzer keeps and the heuristics read: memories, classes, registry
//! fields, mark snapshots, and the text of interned ids. Plain data with detector state; the
//! ingestion that fills it is in [`crate::analyzer`].

use crate::detect::{RestTracker, WindowMin};
use crate::records::Tracking;
use crate::series::MinMaxSeries;

/// Latest allocator stats of a memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AllocState {
    /// Time of the stats.
    pub time: f64,
    /// Bytes in live allocations.
    pub live_bytes: f64,
    /// Live allocations.
    pub live_allocs: f64,
    /// Allocations ever.
    pub total_allocs: f64,
    /// Frees ever.
    pub total_frees: f64,
    /// What the figures cover: heuristics reason only from [`Tracking::whole_bytes`] ones.
    pub tracking: Tracking,
}

/// One of a memory's top allocation sites (sampled estimates, see [`crate::records`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Site {
    /// Interned text of the site's first meaningful frame.
    pub frame: u32,
    /// Estimated live bytes allocated there.
    pub bytes: f64,
    /// Estimated live allocations made there.
    pub count: f64,
}

/// Most growth points kept per memory (the evidence of a headroom alert).
pub const MAX_GROWTH_POINTS: usize = 32;
/// Most out-of-memory incidents kept per memory (older ones are dropped; their alerts resolve).
pub const MAX_INCIDENTS: usize = 16;
/// Most attempts kept per incident (beyond: counted in [`Incident::more`]).
pub const MAX_ATTEMPTS: usize = 16;
/// Failed attempts at most this far apart (event-time ms) are one incident (a retry ladder).
pub const INCIDENT_GAP_MS: f64 = 50.0;

/// One failed attempt to grow a memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Attempt {
    /// Event time.
    pub t: f64,
    /// Bytes asked for (grow delta, or the allocator request when `malloc`).
    pub requested: f64,
    /// Committed bytes then.
    pub committed: f64,
    /// Seen as the allocator returning NULL (else: `Memory.prototype.grow` threw).
    pub malloc: bool,
}

/// Failed growth attempts close together: one out-of-memory incident.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// 1-based number among the memory's incidents (its alert id's last part).
    pub n: u32,
    /// The attempts, oldest first (at most [`MAX_ATTEMPTS`]).
    pub attempts: Vec<Attempt>,
    /// Attempts beyond [`MAX_ATTEMPTS`].
    pub more: u32,
    /// Time of the latest attempt.
    pub last: f64,
    /// Interned JS stack of the first attempt that had one.
    pub stack: Option<u32>,
    /// Declared maximum the page reported with the attempts.
    pub max_bytes: Option<f64>,
}

/// One WebAssembly memory.
#[derive(Clone, Debug)]
pub struct Memory {
    /// Interned key.
    pub key: u32,
    /// Interned owner URL.
    pub owner: Option<u32>,
    /// Interned module key.
    pub module: Option<u32>,
    /// Interned realm id.
    pub realm: Option<u32>,
    /// Declared maximum.
    pub max_bytes: Option<f64>,
    /// Committed bytes now.
    pub current: f64,
    /// Largest committed bytes seen.
    pub peak: f64,
    /// Growth events seen.
    pub growth_events: u32,
    /// First event time.
    pub first_seen: f64,
    /// Latest event time.
    pub last_seen: f64,
    /// Time of the latest growth (first_seen when none).
    pub last_growth: f64,
    /// Time of the latest sign of use: a growth, or allocator activity counted inside wasm
    /// (allocations or frees made since the previous stats); first_seen when none.
    pub last_active: f64,
    /// Collected on the page (no longer alive).
    pub collected: bool,
    /// Chart series of committed bytes.
    pub series: MinMaxSeries,
    /// Chart series of the allocator's live bytes, all of one kind: `used_tracking`. Restarted
    /// when that kind changes (a whole heap's bytes and a part's never share a line).
    pub used_series: MinMaxSeries,
    /// What `used_series` covers; None while no live bytes are known (not counted, or counted
    /// without sizes).
    pub used_tracking: Option<Tracking>,
    /// Growth events (time, committed bytes after), for the chart's markers: bounded and
    /// multi-resolution like the other series, so a flood of grows costs no more.
    pub growth_series: MinMaxSeries,
    /// Rest levels of committed bytes.
    pub rest: RestTracker,
    /// Allocator view, when visible.
    pub alloc: Option<AllocState>,
    /// Rest levels of allocator live bytes.
    pub used_rest: RestTracker,
    /// Window minima of allocator live bytes.
    pub used_window: WindowMin,
    /// Since when fragmentation conditions hold.
    pub frag_since: Option<f64>,
    /// Committed bytes when the whole heap (inside-wasm counts) was first seen.
    pub heap_start_committed: Option<f64>,
    /// Top allocation sites, by estimated live bytes (at most [`crate::records::MAX_SITES`]).
    pub sites: Vec<Site>,
    /// Bumped whenever `sites` is replaced (alert texts naming the sites depend on it).
    pub sites_rev: u32,
    /// memory64 (index type i64): its engine limit is not wasm32's.
    pub is64: bool,
    /// (time, committed bytes) at each rise, latest [`MAX_GROWTH_POINTS`].
    pub growth: Vec<(f64, f64)>,
    /// Out-of-memory incidents, oldest first (latest [`MAX_INCIDENTS`]).
    pub incidents: Vec<Incident>,
    /// Incidents ever (numbers them).
    pub incident_count: u32,
}

/// The engine's largest memory (V8): 65,536 pages (4 GiB) for wasm32, 262,144 pages (16 GiB) for
/// memory64.
pub const ENGINE_LIMIT_I32: f64 = 65536.0 * 65536.0;
/// See [`ENGINE_LIMIT_I32`].
pub const ENGINE_LIMIT_I64: f64 = 262144.0 * 65536.0;

impl Memory {
    /// The most this memory can commit: its declared maximum, else the engine's limit for its
    /// index type.
    pub fn limit(&self) -> f64 {
        match self.max_bytes {
            Some(m) => m,
            None if self.is64 => ENGINE_LIMIT_I64,
            None => ENGINE_LIMIT_I32,
        }
    }

    /// Record one failed attempt, joining the latest incident when it is close enough.
    pub fn note_failure(&mut self, a: Attempt, max_bytes: Option<f64>, stack: Option<u32>) {
        if let Some(inc) = self.incidents.last_mut().filter(|i| a.t >= i.last && a.t - i.last <= INCIDENT_GAP_MS) {
            if inc.attempts.len() < MAX_ATTEMPTS {
                inc.attempts.push(a);
            } else {
                inc.more = inc.more.saturating_add(1);
            }
            inc.last = a.t;
            inc.stack = inc.stack.or(stack);
            inc.max_bytes = inc.max_bytes.or(max_bytes);
            return;
        }
        self.incident_count = self.incident_count.saturating_add(1);
        if self.incidents.len() >= MAX_INCIDENTS {
            self.incidents.remove(0);
        }
        self.incidents.push(Incident { n: self.incident_count, attempts: vec![a], more: 0, last: a.t, stack, max_bytes });
    }
}

/// One realm (window, frame or worker), from its `realm` record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Realm {
    /// [`crate::records::realm_kind`].
    pub kind: u32,
    /// Interned URL of its document or worker script.
    pub url: Option<u32>,
    /// Interned id of the realm that started it (a worker's parent).
    pub parent: Option<u32>,
    /// Time of its realm record.
    pub first_seen: f64,
}

impl Realm {
    /// A dedicated or shared worker.
    pub fn is_worker(&self) -> bool {
        self.kind == crate::records::realm_kind::WORKER || self.kind == crate::records::realm_kind::SHARED_WORKER
    }
}

/// One wasm-bindgen class (per module).
#[derive(Clone, Debug)]
pub struct Class {
    /// Interned class name.
    pub name: u32,
    /// Interned module key.
    pub module: Option<u32>,
    /// Cumulative created.
    pub created: f64,
    /// Cumulative freed.
    pub freed: f64,
    /// Cumulative reclaimed by the GC finalizer.
    pub reclaimed: f64,
    /// Live now.
    pub live: f64,
    /// First event time.
    pub first_seen: f64,
    /// Latest event time.
    pub last_seen: f64,
    /// Rest levels of the live count.
    pub rest: RestTracker,
    /// Window minima of the live count.
    pub window: WindowMin,
    /// (time, reclaimed) at each change of the reclaimed counter, bounded.
    pub reclaimed_points: Vec<(f64, f64)>,
    /// Objects whose wrapper was collected in JS while never freed in wasm (a lower bound);
    /// None when the page does not watch the class object by object.
    pub orphaned: Option<f64>,
    /// (time, orphaned) at each change of the orphaned count, bounded.
    pub orphaned_points: Vec<(f64, f64)>,
    /// Interned creation stacks of sampled orphans (at most 3).
    pub orphan_stacks: Vec<u32>,
}

/// One numeric field of one registry.
#[derive(Clone, Debug)]
pub struct RegistryField {
    /// Interned registry name.
    pub name: u32,
    /// Interned field name.
    pub field: u32,
    /// Latest value.
    pub value: f64,
    /// First event time.
    pub first_seen: f64,
    /// Latest event time.
    pub last_seen: f64,
    /// Rest levels.
    pub rest: RestTracker,
    /// Window minima.
    pub window: WindowMin,
}

/// A mark and the values current when it was placed.
#[derive(Clone, Debug)]
pub struct MarkSnap {
    /// Event time.
    pub time: f64,
    /// Interned label.
    pub label: u32,
    /// (memory index, committed bytes) of memories alive then.
    pub memories: Vec<(usize, f64)>,
    /// (class index, live).
    pub classes: Vec<(usize, f64)>,
    /// (registry field index, value).
    pub registries: Vec<(usize, f64)>,
    /// (memory index, allocator live bytes) of memories alive then whose heap is counted inside
    /// wasm (js-boundary figures are a part of the heap: never snapshotted).
    pub used: Vec<(usize, f64)>,
}

/// The text of interned ids (see [`crate::records`]).
#[derive(Clone, Debug, Default)]
pub struct Names {
    names: Vec<Option<String>>,
}

impl Names {
    /// Give an id its text (ids above [`crate::records::MAX_ID`] are ignored).
    pub fn set(&mut self, id: u32, name: &str) {
        if id > crate::records::MAX_ID {
            return;
        }
        let i = id as usize;
        if self.names.len() <= i {
            self.names.resize(i + 1, None);
        }
        if let Some(slot) = self.names.get_mut(i) {
            *slot = Some(name.to_string());
        }
    }

    /// Text of an id (`#<id>` when unknown).
    pub fn get(&self, id: u32) -> String {
        match self.names.get(id as usize) {
            Some(Some(s)) => s.clone(),
            _ => format!("#{id}"),
        }
    }
}

/// Value of entity `i` in a mark snapshot (entries are in index order).
pub fn snap_at(v: &[(usize, f64)], i: usize) -> Option<f64> {
    v.binary_search_by_key(&i, |x| x.0).ok().and_then(|k| v.get(k)).map(|x| x.1)
}

impl Memory {
    /// Add one allocator figure to the used-bytes chart series: restarted when what the figures
    /// cover changes, emptied when live bytes are not known (counts only).
    pub(crate) fn note_used(&mut self, t: f64, live_bytes: f64, tracking: Tracking) {
        if !tracking.bytes_known() {
            if self.used_tracking.is_some() {
                self.used_series = MinMaxSeries::default();
                self.used_tracking = None;
            }
            return;
        }
        if self.used_tracking != Some(tracking) {
            self.used_series = MinMaxSeries::default();
            self.used_tracking = Some(tracking);
        }
        self.used_series.push(t, live_bytes);
    }

    pub(crate) fn set_bytes(&mut self, t: f64, bytes: f64, rest_ms: f64) {
        if bytes > self.current || self.growth.is_empty() {
            if self.growth.len() >= MAX_GROWTH_POINTS {
                self.growth.remove(0);
            }
            self.growth.push((t, bytes));
        }
        self.current = bytes;
        if bytes > self.peak {
            self.peak = bytes;
        }
        self.last_seen = self.last_seen.max(t);
        self.series.push(t, bytes);
        self.rest.update(t, bytes, rest_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_lookup_and_names() {
        assert_eq!(snap_at(&[(1, 5.0), (4, 6.0)], 4), Some(6.0));
        assert_eq!(snap_at(&[(1, 5.0), (4, 6.0)], 2), None);
        let mut n = Names::default();
        n.set(3, "a");
        n.set(crate::records::MAX_ID + 1, "too big");
        assert_eq!((n.get(3), n.get(2)), ("a".to_string(), "#2".to_string()));
    }
}
