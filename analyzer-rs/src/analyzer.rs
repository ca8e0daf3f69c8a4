//! The analyzer's data model and incremental ingestion: memories, classes, registries,
//! marks, their bounded series and detector state. Queries: report (JSON), chart series,
//! diffs between marks. Heuristics live in [`crate::alerts`].

use crate::fxhash::FxHashMap;

use crate::alerts::AlertBook;
use crate::config::Config;
use crate::detect::{RestTracker, WindowMin};
use crate::json::{push_array, Obj};
use crate::records::{decode, Record, STRIDE};
use crate::series::{Downsampled, MinMaxSeries};

/// Most marks kept (each keeps a snapshot of current values).
pub const MAX_MARKS: usize = 1024;
/// Most snapshot entries over all marks (16 bytes each: 16 MiB); the oldest marks go first.
pub const MAX_SNAPSHOT_ENTRIES: usize = 1 << 20;
/// Most memories, classes or registry fields tracked; further ones are counted and skipped.
pub const MAX_ENTITIES: usize = 8192;
/// Most evidence points kept per reclaimed counter.
const MAX_POINTS: usize = 32;

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
    /// Collected on the page (no longer alive).
    pub collected: bool,
    /// Chart series of committed bytes.
    pub series: MinMaxSeries,
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
}

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
    names: Vec<Option<String>>,
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
    pub mark_runs: crate::alerts::MarkRuns,
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

    /// Text of an interned id (`#<id>` when unknown).
    pub fn name(&self, id: u32) -> String {
        match self.names.get(id as usize) {
            Some(Some(s)) => s.clone(),
            _ => format!("#{id}"),
        }
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
            | Record::InstanceMemory { t, .. } => t,
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
                    m.last_growth = t;
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
            Record::Alloc { t, mem, live_bytes, live_allocs, total_allocs, total_frees } => {
                let (rest_ms, window_ms) = (self.config.rest_ms, self.config.window_ms);
                let known = self.mem_index.get(mem).is_some();
                let init = if known { 0.0 } else { live_bytes };
                if let Some(m) = self.memory_mut(mem, t, init) {
                    m.alloc = Some(AllocState { time: t, live_bytes, live_allocs, total_allocs, total_frees });
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
                let memories: Vec<(usize, f64)> = self.memories.iter().enumerate().filter(|(_, m)| !m.collected).map(|(i, m)| (i, m.current)).collect();
                let classes: Vec<(usize, f64)> = self.classes.iter().enumerate().map(|(i, c)| (i, c.live)).collect();
                let registries: Vec<(usize, f64)> = self.registries.iter().enumerate().map(|(i, r)| (i, r.value)).collect();
                let size = |m: &MarkSnap| m.memories.len() + m.classes.len() + m.registries.len();
                let mut total: usize = self.marks.iter().map(size).sum::<usize>() + memories.len() + classes.len() + registries.len();
                while !self.marks.is_empty() && (self.marks.len() >= MAX_MARKS || total > MAX_SNAPSHOT_ENTRIES) {
                    let gone = self.marks.remove(0);
                    total -= size(&gone);
                }
                self.marks.push(MarkSnap { time: t, label, memories, classes, registries });
                self.mark_seq += 1;
            }
            Record::Module { module, url, byte_length, .. } => {
                if self.modules.len() < MAX_ENTITIES || self.modules.contains_key(&module) {
                    self.modules.insert(module, (url, byte_length));
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
                    collected: false,
                    series: MinMaxSeries::default(),
                    rest: RestTracker::default(),
                    alloc: None,
                    used_rest: RestTracker::default(),
                    used_window: WindowMin::default(),
                    frag_since: None,
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
        crate::alerts::prepare(self);
        let findings = crate::alerts::findings(self);
        let mut book = std::mem::take(&mut self.alerts);
        book.apply(findings, now);
        self.alerts = book;
    }

    /// Chart data of every memory (discovery order) for `[from, to]`, at most `max_points`
    /// buckets each.
    pub fn series(&self, max_points: usize, from: f64, to: f64) -> Vec<(u32, Downsampled)> {
        self.memories.iter().map(|m| (m.key, m.series.downsample(max_points, from, to))).collect()
    }

    /// The report as JSON text (alerts evaluated first). See README.md for the shape.
    pub fn report_json(&mut self) -> String {
        self.evaluate();
        let mut out = String::with_capacity(4096);
        let mut o = Obj::new(&mut out);
        o.raw("memories", |s| {
            push_array(s, self.memories.iter(), |s, m| {
                let mut mo = Obj::new(s);
                mo.str("key", &self.name(m.key));
                mo.str("owner", &m.owner.map(|o| self.name(o)).unwrap_or_default());
                mo.num("currentBytes", m.current)
                    .num("peakBytes", m.peak)
                    .num("growthEvents", m.growth_events as f64)
                    .num("firstSeen", m.first_seen)
                    .num("lastSeen", m.last_seen)
                    .bool("collected", m.collected);
                if let Some(a) = m.alloc {
                    mo.num("usedBytes", a.live_bytes);
                }
                mo.end();
            })
        });
        o.raw("classes", |s| {
            push_array(s, self.classes.iter(), |s, c| {
                let mut co = Obj::new(s);
                co.str("className", &self.name(c.name));
                match c.module {
                    Some(m) => co.str("module", &self.name(m)),
                    None => co.null("module"),
                };
                co.num("created", c.created).num("freed", c.freed).num("reclaimed", c.reclaimed).num("live", c.live);
                co.end();
            })
        });
        o.raw("registries", |s| {
            // Group fields by registry name, in discovery order.
            let mut order: Vec<u32> = Vec::new();
            for r in &self.registries {
                if !order.contains(&r.name) {
                    order.push(r.name);
                }
            }
            push_array(s, order.iter(), |s, &name| {
                let mut ro = Obj::new(s);
                ro.str("name", &self.name(name));
                if let Some(&mem) = self.registry_memory.get(&name) {
                    ro.str("memory", &self.name(mem));
                }
                ro.raw("stats", |s| {
                    let mut so = Obj::new(s);
                    for r in self.registries.iter().filter(|r| r.name == name) {
                        so.num(&self.name(r.field), r.value);
                    }
                    so.end();
                });
                ro.end();
            })
        });
        o.raw("alerts", |s| self.alerts.write_json(s));
        o.raw("marks", |s| {
            push_array(s, self.marks.iter(), |s, mk| {
                let mut mo = Obj::new(s);
                mo.num("time", mk.time).str("label", &self.name(mk.label));
                mo.end();
            })
        });
        o.num("eventCount", self.event_count as f64);
        o.num("badRecords", self.bad_records as f64);
        o.end();
        out
    }

    /// Differences between two marks (by index) as JSON text, or None if an index is out of
    /// range. Entities absent at a mark count as 0 there.
    pub fn diff_json(&self, from: usize, to: usize) -> Option<String> {
        let a = self.marks.get(from)?;
        let b = self.marks.get(to)?;
        let mut out = String::with_capacity(1024);
        let mark = |s: &mut String, m: &MarkSnap| {
            let mut mo = Obj::new(s);
            mo.num("time", m.time).str("label", &self.name(m.label));
            mo.end();
        };
        let lookup = crate::alerts::snap_at;
        let mut o = Obj::new(&mut out);
        o.raw("from", |s| mark(s, a));
        o.raw("to", |s| mark(s, b));
        o.raw("memories", |s| {
            let idx: Vec<usize> = union_idx(&a.memories, &b.memories);
            push_array(s, idx.iter(), |s, &i| {
                let f = lookup(&a.memories, i).unwrap_or(0.0);
                let t = lookup(&b.memories, i).unwrap_or(0.0);
                let mut mo = Obj::new(s);
                mo.str("key", &self.memories.get(i).map(|m| self.name(m.key)).unwrap_or_default());
                mo.num("fromBytes", f).num("toBytes", t).num("delta", t - f);
                mo.end();
            })
        });
        o.raw("classes", |s| {
            let idx: Vec<usize> = union_idx(&a.classes, &b.classes);
            push_array(s, idx.iter(), |s, &i| {
                let f = lookup(&a.classes, i).unwrap_or(0.0);
                let t = lookup(&b.classes, i).unwrap_or(0.0);
                let mut co = Obj::new(s);
                co.str("className", &self.classes.get(i).map(|c| self.name(c.name)).unwrap_or_default());
                co.num("fromLive", f).num("toLive", t).num("delta", t - f);
                co.end();
            })
        });
        o.raw("registries", |s| {
            let idx: Vec<usize> = union_idx(&a.registries, &b.registries);
            push_array(s, idx.iter(), |s, &i| {
                let f = lookup(&a.registries, i).unwrap_or(0.0);
                let t = lookup(&b.registries, i).unwrap_or(0.0);
                let mut ro = Obj::new(s);
                let (n, fld) = self.registries.get(i).map(|r| (self.name(r.name), self.name(r.field))).unwrap_or_default();
                ro.str("name", &n).str("field", &fld).num("from", f).num("to", t).num("delta", t - f);
                ro.end();
            })
        });
        o.end();
        Some(out)
    }
}

fn union_idx(a: &[(usize, f64)], b: &[(usize, f64)]) -> Vec<usize> {
    let mut v: Vec<usize> = a.iter().chain(b.iter()).map(|(i, _)| *i).collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Memory {
    fn set_bytes(&mut self, t: f64, bytes: f64, rest_ms: f64) {
        self.current = bytes;
        if bytes > self.peak {
            self.peak = bytes;
        }
        self.last_seen = self.last_seen.max(t);
        self.series.push(t, bytes);
        self.rest.update(t, bytes, rest_ms);
    }
}

