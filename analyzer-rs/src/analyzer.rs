//! The analyzer: incremental ingestion of records into the model ([`crate::model`]), the
//! evaluation schedule that runs the heuristics ([`crate::heuristics`]) and feeds the alert
//! book ([`crate::alerts`]), and chart series. The report and diff JSON are in
//! [`crate::report`].

use crate::fxhash::FxHashMap;

use crate::alerts::AlertBook;
use crate::config::Config;
use crate::detect::{RestTracker, WindowMin};
use crate::heuristics::{self, Input, MarkRuns};
use crate::model::{AllocState, Class, MarkSnap, Memory, Names, Realm, RegistryField, Site};
use crate::records::{decode, Record, STRIDE};
use crate::series::{MemoryChart, MinMaxSeries};

/// Most marks kept (each keeps a snapshot of current values).
pub const MAX_MARKS: usize = 1024;
/// Most snapshot entries over all marks (16 bytes each: 16 MiB); the oldest marks go first.
pub const MAX_SNAPSHOT_ENTRIES: usize = 1 << 20;
/// Most memories, classes or registry fields tracked; further ones are counted and skipped.
pub const MAX_ENTITIES: usize = 8192;
/// Most evidence points kept per reclaimed counter.
const MAX_POINTS: usize = 32;

/// Dense id -> index table.
#[derive(Clone, Debug, Default)]
struct IdMap {
    slots: Vec<u32>,
}

impl IdMap {
    fn get(&self, id: u32) -> Option<usize> {
        match self.slots.get(id as usize) {
            Some(&s) if s > 0 => Some((s - 1) as usize),
            _ => None,
        }
    }
    fn insert(&mut self, id: u32, idx: usize) {
        let i = id as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, 0);
        }
        if let Some(s) = self.slots.get_mut(i) {
            *s = (idx as u32).saturating_add(1);
        }
    }
}

/// The whole analyzer state.
#[derive(Debug, Default)]
pub struct Analyzer {
    /// Tunables.
    pub config: Config,
    names: Names,
    /// Memories in discovery order.
    pub memories: Vec<Memory>,
    mem_index: IdMap,
    /// Classes in discovery order.
    pub classes: Vec<Class>,
    class_index: FxHashMap<(u32, u32), usize>,
    /// Registry fields in discovery order.
    pub registries: Vec<RegistryField>,
    reg_index: FxHashMap<(u32, u32), usize>,
    /// Memory each registry lives in (by interned registry name).
    pub registry_memory: FxHashMap<u32, u32>,
    /// Marks, oldest first.
    pub marks: Vec<MarkSnap>,
    /// Module key -> (url, byteLength).
    pub modules: FxHashMap<u32, (Option<u32>, f64)>,
    /// Realm id -> what the realm is (bounded by [`MAX_ENTITIES`]).
    pub realms: FxHashMap<u32, Realm>,
    /// Records ingested (valid ones).
    pub event_count: u64,
    /// Records rejected.
    pub bad_records: u64,
    /// Latest event time seen.
    pub now: f64,
    last_eval: f64,
    /// Alerts and their lifecycle.
    pub alerts: AlertBook,
    /// Marks placed so far (never decreases, unlike `marks.len()` once capped).
    pub mark_seq: u64,
    /// Marks-based runs, recomputed when a mark is placed.
    pub mark_runs: MarkRuns,
}

impl Analyzer {
    /// A fresh analyzer with default thresholds.
    pub fn new() -> Analyzer {
        Analyzer { now: f64::NEG_INFINITY, last_eval: f64::NEG_INFINITY, ..Analyzer::default() }
    }

    /// Forget all data (keeps thresholds and names).
    pub fn reset(&mut self) {
        let config = std::mem::take(&mut self.config);
        let names = std::mem::take(&mut self.names);
        *self = Analyzer::new();
        self.config = config;
        self.names = names;
    }

    /// Give an interned id its text.
    pub fn set_name(&mut self, id: u32, name: &str) {
        self.names.set(id, name);
    }

    /// Text of an interned id (`#<id>` when unknown).
    pub fn name(&self, id: u32) -> String {
        self.names.get(id)
    }

    /// Ingest `n` records from a flat slice (stride [`STRIDE`]); returns how many were rejected.
    pub fn ingest(&mut self, data: &[f64]) -> u64 {
        let before = self.bad_records;
        for chunk in data.chunks_exact(STRIDE) {
            match decode(chunk) {
                Some(rec) => self.apply(rec),
                None => self.bad_records += 1,
            }
        }
        if data.len() % STRIDE != 0 {
            self.bad_records += 1;
        }
        self.bad_records - before
    }

    fn time_of(rec: &Record) -> f64 {
        match *rec {
            Record::Memory { t, .. }
            | Record::Sample { t, .. }
            | Record::Grow { t, .. }
            | Record::Collected { t, .. }
            | Record::Bindgen { t, .. }
            | Record::Alloc { t, .. }
            | Record::Registry { t, .. }
            | Record::Mark { t, .. }
            | Record::Module { t, .. }
            | Record::InstanceMemory { t, .. }
            | Record::Site { t, .. }
            | Record::Realm { t, .. }
            | Record::Orphans { t, .. }
            | Record::GrowFailed { t, .. }
            | Record::Memory64 { t, .. } => t,
        }
    }

    /// Apply one decoded record (evaluating alerts first when event time moved on enough).
    pub fn apply(&mut self, rec: Record) {
        let t = Self::time_of(&rec);
        if t > self.now {
            if self.now.is_finite() && t - self.last_eval >= self.config.eval_interval_ms {
                // Evaluate as of the time just before this record.
                self.evaluate();
            }
            self.now = t;
            if !self.last_eval.is_finite() {
                self.last_eval = t;
            }
        }
        self.event_count += 1;
        match rec {
            Record::Memory { t, mem, bytes, max_bytes, owner, module, realm } => {
                let rest_ms = self.config.rest_ms;
                if let Some(m) = self.memory_mut(mem, t, bytes) {
                    if owner.is_some() {
                        m.owner = owner;
                    }
                    if module.is_some() {
                        m.module = module;
                    }
                    if realm.is_some() {
                        m.realm = realm;
                    }
                    if max_bytes.is_some() {
                        m.max_bytes = max_bytes;
                    }
                    // An alloc record seen first made a placeholder: its discovery bytes are the
                    // real committed size when the heap was first seen.
                    if let Some(s) = m.heap_start_committed {
                        m.heap_start_committed = Some(s.max(bytes));
                    }
                    m.set_bytes(t, bytes, rest_ms);
                }
            }
            Record::Sample { t, mem, bytes } => {
                let rest_ms = self.config.rest_ms;
                if let Some(m) = self.memory_mut(mem, t, bytes) {
                    m.set_bytes(t, bytes, rest_ms);
                }
            }
            Record::Grow { t, mem, from, to, .. } => {
                let rest_ms = self.config.rest_ms;
                if let Some(m) = self.memory_mut(mem, t, from) {
                    m.growth_events = m.growth_events.saturating_add(1);
                    m.growth_series.push(t, to);
                    m.last_growth = t;
                    m.last_active = m.last_active.max(t);
                    m.set_bytes(t, to, rest_ms);
                }
            }
            Record::Collected { t, key } => {
                if let Some(i) = self.mem_index.get(key) {
                    if let Some(m) = self.memories.get_mut(i) {
                        m.collected = true;
                        m.last_seen = m.last_seen.max(t);
                    }
                }
            }
            Record::Bindgen { t, class, module, created, freed, reclaimed, live } => {
                let k = (class, module.unwrap_or(u32::MAX));
                let idx = match self.class_index.get(&k) {
                    Some(&i) => Some(i),
                    None if self.classes.len() < MAX_ENTITIES => {
                        self.classes.push(Class {
                            name: class,
                            module,
                            created: 0.0,
                            freed: 0.0,
                            reclaimed: 0.0,
                            live: 0.0,
                            first_seen: t,
                            last_seen: t,
                            rest: RestTracker::default(),
                            window: WindowMin::default(),
                            reclaimed_points: Vec::new(),
                            orphaned: None,
                            orphaned_points: Vec::new(),
                            orphan_stacks: Vec::new(),
                        });
                        let i = self.classes.len() - 1;
                        self.class_index.insert(k, i);
                        Some(i)
                    }
                    None => {
                        self.bad_records += 1;
                        None
                    }
                };
                let (rest_ms, window_ms) = (self.config.rest_ms, self.config.window_ms);
                if let Some(c) = idx.and_then(|i| self.classes.get_mut(i)) {
                    if reclaimed != c.reclaimed {
                        c.reclaimed_points.push((t, reclaimed));
                        if c.reclaimed_points.len() > MAX_POINTS {
                            c.reclaimed_points.remove(0);
                        }
                    }
                    c.created = created;
                    c.freed = freed;
                    c.reclaimed = reclaimed;
                    c.live = live;
                    c.last_seen = c.last_seen.max(t);
                    c.rest.update(t, live, rest_ms);
                    c.window.update(t, live, window_ms);
                }
            }
            Record::Orphans { t, class, module, orphaned, stacks } => {
                // Follows the class's bindgen record: a class not seen yet is not created here.
                let k = (class, module.unwrap_or(u32::MAX));
                if let Some(c) = self.class_index.get(&k).copied().and_then(|i| self.classes.get_mut(i)) {
                    if c.orphaned != Some(orphaned) {
                        c.orphaned_points.push((t, orphaned));
                        if c.orphaned_points.len() > MAX_POINTS {
                            c.orphaned_points.remove(0);
                        }
                    }
                    c.orphaned = Some(orphaned);
                    c.orphan_stacks = stacks.iter().flatten().copied().collect();
                    c.last_seen = c.last_seen.max(t);
                } else {
                    self.bad_records += 1;
                }
            }
            Record::Alloc { t, mem, live_bytes, live_allocs, total_allocs, total_frees, tracking } => {
                let (rest_ms, window_ms) = (self.config.rest_ms, self.config.window_ms);
                let known = self.mem_index.get(mem).is_some();
                let init = if known { 0.0 } else { live_bytes };
                if let Some(m) = self.memory_mut(mem, t, init) {
                    if m.alloc.is_some_and(|a| a.tracking != tracking) {
                        // Whole and partial figures never mix in one detector.
                        m.used_rest = RestTracker::default();
                        m.used_window = WindowMin::default();
                        m.frag_since = None;
                        m.heap_start_committed = None;
                    }
                    // Allocations or frees since the previous stats: the heap is in use.
                    if m.alloc.is_some_and(|a| a.total_allocs != total_allocs || a.total_frees != total_frees) {
                        m.last_active = m.last_active.max(t);
                    }
                    if tracking.whole_bytes() && m.heap_start_committed.is_none() {
                        m.heap_start_committed = Some(m.current);
                    }
                    m.alloc = Some(AllocState { time: t, live_bytes, live_allocs, total_allocs, total_frees, tracking });
                    m.note_used(t, live_bytes, tracking);
                    m.used_rest.update(t, live_bytes, rest_ms);
                    m.used_window.update(t, live_bytes, window_ms);
                    m.last_seen = m.last_seen.max(t);
                }
            }
            Record::Registry { t, name, field, value, memory } => {
                if let Some(mem) = memory {
                    self.registry_memory.insert(name, mem);
                }
                let k = (name, field);
                let idx = match self.reg_index.get(&k) {
                    Some(&i) => Some(i),
                    None if self.registries.len() < MAX_ENTITIES => {
                        self.registries.push(RegistryField {
                            name,
                            field,
                            value,
                            first_seen: t,
                            last_seen: t,
                            rest: RestTracker::default(),
                            window: WindowMin::default(),
                        });
                        let i = self.registries.len() - 1;
                        self.reg_index.insert(k, i);
                        Some(i)
                    }
                    None => {
                        self.bad_records += 1;
                        None
                    }
                };
                let (rest_ms, window_ms) = (self.config.rest_ms, self.config.window_ms);
                if let Some(r) = idx.and_then(|i| self.registries.get_mut(i)) {
                    r.value = value;
                    r.last_seen = r.last_seen.max(t);
                    r.rest.update(t, value, rest_ms);
                    r.window.update(t, value, window_ms);
                }
            }
            Record::Mark { t, label } => {
                let memories: Vec<(usize, f64)> =
                    self.memories.iter().enumerate().filter(|(_, m)| !m.collected).map(|(i, m)| (i, m.current)).collect();
                let classes: Vec<(usize, f64)> = self.classes.iter().enumerate().map(|(i, c)| (i, c.live)).collect();
                let registries: Vec<(usize, f64)> = self.registries.iter().enumerate().map(|(i, r)| (i, r.value)).collect();
                let used: Vec<(usize, f64)> = self
                    .memories
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !m.collected)
                    .filter_map(|(i, m)| m.alloc.filter(|a| a.tracking.whole_bytes()).map(|a| (i, a.live_bytes)))
                    .collect();
                let size = |m: &MarkSnap| m.memories.len() + m.classes.len() + m.registries.len() + m.used.len();
                let mut total: usize =
                    self.marks.iter().map(size).sum::<usize>() + memories.len() + classes.len() + registries.len() + used.len();
                while !self.marks.is_empty() && (self.marks.len() >= MAX_MARKS || total > MAX_SNAPSHOT_ENTRIES) {
                    let gone = self.marks.remove(0);
                    total -= size(&gone);
                }
                self.marks.push(MarkSnap { time: t, label, memories, classes, registries, used });
                self.mark_seq += 1;
            }
            Record::Module { module, url, byte_length, .. } => {
                if self.modules.len() < MAX_ENTITIES || self.modules.contains_key(&module) {
                    self.modules.insert(module, (url, byte_length));
                }
            }
            Record::Site { t, mem, rank, bytes, count, frame } => {
                // Only about memories already known; the caller sends a list only when it changed.
                if let Some(m) = self.mem_index.get(mem).and_then(|i| self.memories.get_mut(i)) {
                    if rank == 0 {
                        m.sites.clear();
                        m.sites_rev = m.sites_rev.wrapping_add(1);
                    }
                    if let Some(frame) = frame.filter(|_| m.sites.len() == rank) {
                        m.sites.push(Site { frame, bytes, count });
                    }
                    m.last_seen = m.last_seen.max(t);
                }
            }
            Record::Realm { t, realm, kind, url, parent } => {
                if self.realms.len() < MAX_ENTITIES || self.realms.contains_key(&realm) {
                    self.realms.insert(realm, Realm { kind, url, parent, first_seen: t });
                }
            }
            Record::GrowFailed { t, mem, requested, committed, max_bytes, malloc, stack } => {
                // Only about memories already known (a memory event always comes first).
                if let Some(m) = self.mem_index.get(mem).and_then(|i| self.memories.get_mut(i)) {
                    if m.max_bytes.is_none() {
                        m.max_bytes = max_bytes;
                    }
                    m.note_failure(crate::model::Attempt { t, requested, committed, malloc }, max_bytes, stack);
                    m.last_seen = m.last_seen.max(t);
                } else {
                    self.bad_records += 1;
                }
            }
            Record::Memory64 { mem, .. } => {
                if let Some(m) = self.mem_index.get(mem).and_then(|i| self.memories.get_mut(i)) {
                    m.is64 = true;
                }
            }
            Record::InstanceMemory { t, module, mem, helper, .. } => {
                if helper {
                    return;
                }
                if let Some(i) = self.mem_index.get(mem) {
                    if let Some(m) = self.memories.get_mut(i) {
                        if m.module.is_none() {
                            m.module = module;
                        }
                        m.last_seen = m.last_seen.max(t);
                    }
                }
            }
        }
    }

    fn memory_mut(&mut self, key: u32, t: f64, bytes: f64) -> Option<&mut Memory> {
        let idx = match self.mem_index.get(key) {
            Some(i) => i,
            None => {
                if self.memories.len() >= MAX_ENTITIES {
                    self.bad_records += 1;
                    return None;
                }
                self.memories.push(Memory {
                    key,
                    owner: None,
                    module: None,
                    realm: None,
                    max_bytes: None,
                    current: bytes,
                    peak: bytes,
                    growth_events: 0,
                    first_seen: t,
                    last_seen: t,
                    last_growth: t,
                    last_active: t,
                    collected: false,
                    series: MinMaxSeries::default(),
                    used_series: MinMaxSeries::default(),
                    used_tracking: None,
                    growth_series: MinMaxSeries::default(),
                    rest: RestTracker::default(),
                    alloc: None,
                    used_rest: RestTracker::default(),
                    used_window: WindowMin::default(),
                    frag_since: None,
                    heap_start_committed: None,
                    sites: Vec::new(),
                    sites_rev: 0,
                    is64: false,
                    growth: Vec::new(),
                    incidents: Vec::new(),
                    incident_count: 0,
                });
                let i = self.memories.len() - 1;
                self.mem_index.insert(key, i);
                i
            }
        };
        self.memories.get_mut(idx)
    }

    /// Index of a memory by interned key.
    pub fn memory_index(&self, key: u32) -> Option<usize> {
        self.mem_index.get(key)
    }

    /// Run the heuristics as of `self.now`.
    pub fn evaluate(&mut self) {
        if !self.now.is_finite() {
            return;
        }
        self.last_eval = self.now;
        let now = self.now;
        let rest_ms = self.config.rest_ms;
        for m in &mut self.memories {
            m.rest.settle(now, rest_ms);
            m.used_rest.settle(now, rest_ms);
        }
        for c in &mut self.classes {
            c.rest.settle(now, rest_ms);
        }
        for r in &mut self.registries {
            r.rest.settle(now, rest_ms);
        }
        self.mark_runs.update(&self.marks, self.mark_seq, (self.memories.len(), self.classes.len(), self.registries.len()), &self.config);
        heuristics::fragmentation::prepare(&mut self.memories, &self.config, now);
        let input = Input {
            config: &self.config,
            now,
            names: &self.names,
            memories: &self.memories,
            classes: &self.classes,
            registries: &self.registries,
            modules: &self.modules,
            realms: &self.realms,
            mark_runs: &self.mark_runs,
        };
        let findings = heuristics::findings(&input, &self.alerts);
        self.alerts.apply(findings, now);
    }

    /// Chart data of every memory (discovery order) for `[from, to]`, at most `max_points`
    /// buckets each: committed bytes, the allocator's live bytes when known (and what they
    /// cover), and the times of growth events (one per bucket).
    pub fn series(&self, max_points: usize, from: f64, to: f64) -> Vec<MemoryChart> {
        self.memories
            .iter()
            .map(|m| MemoryChart {
                key: m.key,
                committed: m.series.downsample(max_points, from, to),
                used: m.used_tracking.map(|tr| (tr, m.used_series.downsample(max_points, from, to))),
                growth: m.growth_series.downsample(max_points, from, to).times,
            })
            .collect()
    }
}
