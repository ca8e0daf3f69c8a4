//! Test support: a tiny event builder over the real record encoding.
#![allow(dead_code)]

use std::collections::HashMap;

use wasm_memory_analyzer::records::{encode, Record, Tracking};
use wasm_memory_analyzer::Analyzer;

pub const MIB: f64 = 1024.0 * 1024.0;

/// Drives an analyzer with named entities and a clock (ms since start).
pub struct Sim {
    pub a: Analyzer,
    pub t: f64,
    ids: HashMap<String, u32>,
    mems: Vec<(u32, f64)>,
}

impl Sim {
    pub fn new() -> Sim {
        Sim { a: Analyzer::new(), t: 0.0, ids: HashMap::new(), mems: Vec::new() }
    }

    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.insert(s.to_string(), i);
        self.a.set_name(i, s);
        i
    }

    fn put(&mut self, r: Record) {
        let enc = encode(&r);
        assert_eq!(self.a.ingest(&enc), 0, "record rejected: {r:?}");
    }

    pub fn advance(&mut self, ms: f64) -> &mut Self {
        self.t += ms;
        self
    }

    pub fn memory(&mut self, key: &str, bytes: f64, owner: &str) -> &mut Self {
        let (mem, owner) = (self.id(key), self.id(owner));
        let realm = self.id(key.rsplit_once(':').map(|x| x.0).unwrap_or(""));
        self.mems.push((mem, bytes));
        self.put(Record::Memory { t: self.t, mem, bytes, max_bytes: None, owner: Some(owner), module: None, realm: Some(realm) });
        self
    }

    /// A memory with a declared maximum.
    pub fn memory_max(&mut self, key: &str, bytes: f64, max: f64, owner: &str) -> &mut Self {
        let (mem, owner) = (self.id(key), self.id(owner));
        self.mems.push((mem, bytes));
        self.put(Record::Memory { t: self.t, mem, bytes, max_bytes: Some(max), owner: Some(owner), module: None, realm: None });
        self
    }

    /// A failed attempt: `grow` by `requested` (or malloc of it), at the memory's current size.
    pub fn grow_failed(&mut self, key: &str, requested: f64, max: Option<f64>, malloc: bool, stack: &str) -> &mut Self {
        let mem = self.id(key);
        let stack = Some(self.id(stack));
        let committed = self.mems.iter().find(|m| m.0 == mem).map(|m| m.1).unwrap_or(0.0);
        self.put(Record::GrowFailed { t: self.t, mem, requested, committed, max_bytes: max, malloc, stack });
        self
    }

    pub fn grow(&mut self, key: &str, to: f64) -> &mut Self {
        let mem = self.id(key);
        let from = self.mems.iter().find(|m| m.0 == mem).map(|m| m.1).unwrap_or(0.0);
        for m in &mut self.mems {
            if m.0 == mem {
                m.1 = to;
            }
        }
        self.put(Record::Grow { t: self.t, mem, from, to, js: false });
        self.sample()
    }

    pub fn collected(&mut self, key: &str) -> &mut Self {
        let k = self.id(key);
        self.mems.retain(|m| m.0 != k);
        self.put(Record::Collected { t: self.t, key: k });
        self
    }

    pub fn sample(&mut self) -> &mut Self {
        let mems = self.mems.clone();
        for (mem, bytes) in mems {
            self.put(Record::Sample { t: self.t, mem, bytes });
        }
        self
    }

    /// Sample every `step` ms for `ms` ms.
    pub fn idle(&mut self, ms: f64, step: f64) -> &mut Self {
        let mut x = 0.0;
        while x < ms {
            self.advance(step);
            self.sample();
            x += step;
        }
        self
    }

    pub fn bindgen(&mut self, class: &str, created: f64, freed: f64, reclaimed: f64) -> &mut Self {
        let (class, module) = (self.id(class), self.id("r1:m1"));
        self.put(Record::Bindgen { t: self.t, class, module: Some(module), created, freed, reclaimed, live: created - freed - reclaimed });
        self
    }

    /// Allocator stats counted inside wasm (the whole heap).
    pub fn alloc(&mut self, key: &str, live_bytes: f64) -> &mut Self {
        self.alloc_tracked(key, live_bytes, Tracking::InsideWasm)
    }

    /// Allocator stats counted at the JS boundary only (a part of the heap, traces before v2).
    pub fn alloc_js(&mut self, key: &str, live_bytes: f64) -> &mut Self {
        self.alloc_tracked(key, live_bytes, Tracking::JsBoundary)
    }

    pub fn alloc_tracked(&mut self, key: &str, live_bytes: f64, tracking: Tracking) -> &mut Self {
        let mem = self.id(key);
        self.put(Record::Alloc { t: self.t, mem, live_bytes, live_allocs: 10.0, total_allocs: 30.0, total_frees: 20.0, tracking });
        self
    }

    /// Replace the top allocation sites of a memory: (frame, estimated bytes, estimated count).
    pub fn sites(&mut self, key: &str, sites: &[(&str, f64, f64)]) -> &mut Self {
        let mem = self.id(key);
        if sites.is_empty() {
            self.put(Record::Site { t: self.t, mem, rank: 0, bytes: 0.0, count: 0.0, frame: None });
        }
        for (rank, (frame, bytes, count)) in sites.iter().enumerate() {
            let frame = Some(self.id(frame));
            self.put(Record::Site { t: self.t, mem, rank, bytes: *bytes, count: *count, frame });
        }
        self
    }

    pub fn registry(&mut self, name: &str, field: &str, value: f64) -> &mut Self {
        let (name, field) = (self.id(name), self.id(field));
        self.put(Record::Registry { t: self.t, name, field, value, memory: None });
        self
    }

    /// A realm record: `kind` from `records::realm_kind`, the realm's URL and its parent realm.
    pub fn realm(&mut self, realm: &str, kind: u32, url: &str, parent: Option<&str>) -> &mut Self {
        let (realm, url) = (self.id(realm), self.id(url));
        let parent = parent.map(|p| self.id(p));
        self.put(Record::Realm { t: self.t, realm, kind, url: Some(url), parent });
        self
    }

    /// Allocator stats (whole heap) with the given cumulative allocation count: a changed count
    /// is heap activity.
    pub fn alloc_total(&mut self, key: &str, live_bytes: f64, total_allocs: f64) -> &mut Self {
        let mem = self.id(key);
        self.put(Record::Alloc {
            t: self.t,
            mem,
            live_bytes,
            live_allocs: 10.0,
            total_allocs,
            total_frees: total_allocs - 10.0,
            tracking: Tracking::InsideWasm,
        });
        self
    }

    pub fn mark(&mut self, label: &str) -> &mut Self {
        let label = self.id(label);
        self.put(Record::Mark { t: self.t, label });
        self
    }

    /// Evaluate and return (id, state, severity) of every alert.
    pub fn alerts(&mut self) -> Vec<(String, bool, String)> {
        self.a.evaluate();
        self.a.alerts.all().iter().map(|x| (x.finding.id.clone(), x.active, format!("{:?}", x.finding.severity))).collect()
    }

    pub fn active_ids(&mut self) -> Vec<String> {
        self.alerts().into_iter().filter(|a| a.1).map(|a| a.0).collect()
    }
}
