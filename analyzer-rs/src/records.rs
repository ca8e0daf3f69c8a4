//! The input encoding: fixed-stride `f64` records, one per (part of an) event.
//!
//! Strings never cross as text on the hot path: the caller interns every string (memory
//! keys, owners, class names, registry names and fields, labels, URLs) to a small integer id
//! once, tells the analyzer its text ([`crate::Analyzer::set_name`]), and then sends ids.
//! An absent id is `-1`. Every record is [`STRIDE`] numbers: `[type, time, a, b, c, d, e, f]`.
//!
//! | type | name            | a        | b          | c          | d            | e        | f       |
//! |------|-----------------|----------|------------|------------|--------------|----------|---------|
//! | 1    | memory          | memory   | bytes      | maxBytes/-1| owner        | module   | realm   |
//! | 2    | sample (1 key)  | memory   | bytes      |            |              |          |         |
//! | 3    | grow            | memory   | fromBytes  | toBytes    | via (0 js, 1 wasm) |    |         |
//! | 4    | collected       | key      |            |            |              |          |         |
//! | 5    | bindgen         | class    | module     | created    | freed        | reclaimed| live    |
//! | 6    | alloc           | memory   | liveBytes  | liveAllocs | totalAllocs  | totalFrees| tracking |
//! | 7    | registry field  | registry | field      | value      | memory       |          |         |
//! | 8    | mark            | label    |            |            |              |          |         |
//! | 9    | module          | module   | url        | byteLength |              |          |         |
//! | 10   | instance memory | instance | module     | memory     | helper (0/1) |          |         |
//! | 11   | site            | memory   | rank       | bytes      | count        | frame    |         |
//! | 12   | realm           | realm    | kind       | url        | parent       |          |         |
//! | 13   | orphans         | class    | module     | orphaned   | stack        | stack    | stack   |
//! | 14   | grow failed     | memory   | requested  | committed  | maxBytes/-1  | via (0 js, 1 malloc) | stack/-1 |
//! | 15   | memory64        | memory   |            |            |              |          |         |
//!
//! A `grow failed` record is one failed attempt to grow a memory: `requested` is the `grow` delta
//! in bytes (via js) or the size asked of the allocator (via malloc), `committed` the memory's
//! committed bytes then, `maxBytes` its declared maximum (-1: none known), `stack` the interned
//! JS stack. A `memory64` record says the memory's index type is i64 (its engine limit differs).
//!
//! `tracking` of an alloc record ([`tracking`], [`Tracking`]) says what the figures cover: `1`
//! the whole heap (counted inside wasm); `2` the whole heap's allocation counts, but not its
//! bytes (the page could not read sizes at free: `liveBytes` is not live bytes); `0` a part of
//! it (only allocations that crossed the JS boundary; also what encoders before it wrote
//! there). Any other value is rejected.
//!
//! `site` records carry a memory's top allocation sites (at most [`MAX_SITES`], by estimated
//! live bytes, from the latest `sites` event): `rank` 0 starts a new list (dropping the previous
//! one), ranks 1.. append; `frame` is the interned text of the site's first meaningful frame
//! (chosen by the caller), `-1` with rank 0 for "no sites"; `bytes` / `count` are the page's
//! sampled estimates of live bytes and live allocations.
//! `realm` records say what a realm is ([`realm_kind`]: a top-level window, a dedicated worker, a
//! frame, a shared worker), the URL of its document or worker script, and the realm that started
//! it (a worker's parent; `-1` when none or unknown). Any other kind is rejected.
//! `orphans` records carry a class's orphaned objects (wrappers collected in JS whose wasm
//! pointer was never released; a lower bound) and up to three interned creation stacks of
//! sampled orphans (`-1`: none). They follow the class's `bindgen` record of the same event.
//! A `sample` event with N keys becomes N records; a `registry` event with N fields, N
//! records; an `instance` event, one record per memory it uses. Records that do not decode
//! (unknown type, non-finite time, id out of range, negative bytes) are counted and skipped.

/// Numbers per record.
pub const STRIDE: usize = 8;
/// Largest id accepted (ids index dense tables).
pub const MAX_ID: u32 = 1 << 20;

/// Record type tags.
pub mod tag {
    /// A memory discovered.
    pub const MEMORY: u32 = 1;
    /// One memory's committed bytes at a sampling tick.
    pub const SAMPLE: u32 = 2;
    /// A growth.
    pub const GROW: u32 = 3;
    /// A memory (or instance) became unreachable.
    pub const COLLECTED: u32 = 4;
    /// wasm-bindgen class counters (cumulative).
    pub const BINDGEN: u32 = 5;
    /// Allocator stats (cumulative).
    pub const ALLOC: u32 = 6;
    /// One field of a registry stats record.
    pub const REGISTRY: u32 = 7;
    /// A user mark.
    pub const MARK: u32 = 8;
    /// A module compiled.
    pub const MODULE: u32 = 9;
    /// An instance uses a memory.
    pub const INSTANCE_MEMORY: u32 = 10;
    /// One of a memory's top allocation sites.
    pub const SITE: u32 = 11;
    /// A realm (window, worker, frame) started.
    pub const REALM: u32 = 12;
    /// A class's orphaned objects (and sampled creation stacks).
    pub const ORPHANS: u32 = 13;
    /// A failed growth attempt.
    pub const GROW_FAILED: u32 = 14;
    /// A memory is memory64.
    pub const MEMORY64: u32 = 15;
}

/// Values of the `kind` field of a realm record.
pub mod realm_kind {
    /// A top-level window.
    pub const WINDOW: u32 = 0;
    /// A dedicated worker.
    pub const WORKER: u32 = 1;
    /// A frame's window (not the top-level one).
    pub const FRAME: u32 = 2;
    /// A shared worker.
    pub const SHARED_WORKER: u32 = 3;
}

/// Values of the `tracking` field of an alloc record.
pub mod tracking {
    /// Only allocations that crossed the JS boundary: a part of the heap (and old encoders' 0).
    pub const JS_BOUNDARY: u32 = 0;
    /// Every allocation, counted inside wasm: the whole heap.
    pub const INSIDE_WASM: u32 = 1;
    /// Every allocation counted inside wasm, but sizes unknown at free: counts only, no bytes.
    pub const INSIDE_WASM_COUNTS_ONLY: u32 = 2;
}

/// What an alloc record's figures cover (see [`tracking`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracking {
    /// A part of the heap: never reasoned from.
    JsBoundary,
    /// The whole heap, bytes and counts.
    InsideWasm,
    /// The whole heap's counts; its live bytes are not known.
    InsideWasmCountsOnly,
}

impl Tracking {
    /// The record value.
    pub fn code(self) -> u32 {
        match self {
            Tracking::JsBoundary => tracking::JS_BOUNDARY,
            Tracking::InsideWasm => tracking::INSIDE_WASM,
            Tracking::InsideWasmCountsOnly => tracking::INSIDE_WASM_COUNTS_ONLY,
        }
    }

    fn from_code(v: f64) -> Option<Tracking> {
        [Tracking::JsBoundary, Tracking::InsideWasm, Tracking::InsideWasmCountsOnly].into_iter().find(|t| t.code() as f64 == v)
    }

    /// Live bytes of the whole heap: the only heap bytes a heuristic may reason from.
    pub fn whole_bytes(self) -> bool {
        self == Tracking::InsideWasm
    }

    /// Live bytes known at all (a part of the heap's, or the whole's).
    pub fn bytes_known(self) -> bool {
        self != Tracking::InsideWasmCountsOnly
    }

    /// The report's name (`tracking` of a memory in src/shared/analyzer-api.ts).
    pub fn name(self) -> &'static str {
        match self {
            Tracking::JsBoundary => "js-boundary",
            Tracking::InsideWasm | Tracking::InsideWasmCountsOnly => "inside-wasm",
        }
    }
}

/// Most allocation sites kept per memory (site records of a higher rank are rejected).
pub const MAX_SITES: usize = 3;

/// A decoded record. Field meanings are in the table of the module docs (`t` is event time).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record {
    /// See the table in the module docs.
    Memory {
        t: f64,
        mem: u32,
        bytes: f64,
        max_bytes: Option<f64>,
        owner: Option<u32>,
        module: Option<u32>,
        realm: Option<u32>,
    },
    /// See the table in the module docs.
    Sample {
        t: f64,
        mem: u32,
        bytes: f64,
    },
    /// See the table in the module docs.
    Grow {
        t: f64,
        mem: u32,
        from: f64,
        to: f64,
        js: bool,
    },
    /// See the table in the module docs.
    Collected {
        t: f64,
        key: u32,
    },
    /// See the table in the module docs.
    Bindgen {
        t: f64,
        class: u32,
        module: Option<u32>,
        created: f64,
        freed: f64,
        reclaimed: f64,
        live: f64,
    },
    /// See the table in the module docs.
    Alloc {
        t: f64,
        mem: u32,
        live_bytes: f64,
        live_allocs: f64,
        total_allocs: f64,
        total_frees: f64,
        tracking: Tracking,
    },
    /// See the table in the module docs.
    Registry {
        t: f64,
        name: u32,
        field: u32,
        value: f64,
        memory: Option<u32>,
    },
    /// See the table in the module docs.
    Mark {
        t: f64,
        label: u32,
    },
    /// See the table in the module docs.
    Module {
        t: f64,
        module: u32,
        url: Option<u32>,
        byte_length: f64,
    },
    /// See the table in the module docs.
    InstanceMemory {
        t: f64,
        instance: u32,
        module: Option<u32>,
        mem: u32,
        helper: bool,
    },
    /// See the table in the module docs.
    Site {
        t: f64,
        mem: u32,
        rank: usize,
        bytes: f64,
        count: f64,
        frame: Option<u32>,
    },
    /// See the table in the module docs.
    Realm {
        t: f64,
        realm: u32,
        kind: u32,
        url: Option<u32>,
        parent: Option<u32>,
    },
    Orphans {
        t: f64,
        class: u32,
        module: Option<u32>,
        orphaned: f64,
        stacks: [Option<u32>; 3],
    },
    /// See the table in the module docs.
    GrowFailed {
        t: f64,
        mem: u32,
        requested: f64,
        committed: f64,
        max_bytes: Option<f64>,
        malloc: bool,
        stack: Option<u32>,
    },
    /// See the table in the module docs.
    Memory64 {
        t: f64,
        mem: u32,
    },
}

fn id(v: f64) -> Option<u32> {
    if v.is_finite() && v >= 0.0 && v <= MAX_ID as f64 && v == v.trunc() {
        Some(v as u32)
    } else {
        None
    }
}

fn opt_id(v: f64) -> Result<Option<u32>, ()> {
    if v == -1.0 {
        Ok(None)
    } else {
        id(v).map(Some).ok_or(())
    }
}

fn count(v: f64) -> Option<f64> {
    if v.is_finite() && v >= 0.0 {
        Some(v)
    } else {
        None
    }
}

/// Decode one record (a slice of at least [`STRIDE`] numbers; extra numbers are ignored).
pub fn decode(r: &[f64]) -> Option<Record> {
    let [ty, t, a, b, c, d, e, f] = *r.get(..STRIDE)? else { return None };
    if !t.is_finite() || !ty.is_finite() {
        return None;
    }
    let rec = match ty as i64 {
        1 => Record::Memory {
            t,
            mem: id(a)?,
            bytes: count(b)?,
            max_bytes: if c.is_finite() && c >= 0.0 { Some(c) } else { None },
            owner: opt_id(d).ok()?,
            module: opt_id(e).ok()?,
            realm: opt_id(f).ok()?,
        },
        2 => Record::Sample { t, mem: id(a)?, bytes: count(b)? },
        3 => Record::Grow { t, mem: id(a)?, from: count(b)?, to: count(c)?, js: d == 0.0 },
        4 => Record::Collected { t, key: id(a)? },
        5 => Record::Bindgen {
            t,
            class: id(a)?,
            module: opt_id(b).ok()?,
            created: count(c)?,
            freed: count(d)?,
            reclaimed: count(e)?,
            live: if f.is_finite() { f } else { return None },
        },
        6 => Record::Alloc {
            t,
            mem: id(a)?,
            live_bytes: count(b)?,
            live_allocs: count(c)?,
            total_allocs: count(d)?,
            total_frees: count(e)?,
            tracking: Tracking::from_code(f)?,
        },
        7 => {
            Record::Registry { t, name: id(a)?, field: id(b)?, value: if c.is_finite() { c } else { return None }, memory: opt_id(d).ok()? }
        }
        8 => Record::Mark { t, label: id(a)? },
        9 => Record::Module { t, module: id(a)?, url: opt_id(b).ok()?, byte_length: count(c)? },
        10 => Record::InstanceMemory { t, instance: id(a)?, module: opt_id(b).ok()?, mem: id(c)?, helper: d != 0.0 },
        11 => Record::Site {
            t,
            mem: id(a)?,
            rank: match b {
                r if r >= 0.0 && r < MAX_SITES as f64 && r == r.trunc() => r as usize,
                _ => return None,
            },
            bytes: count(c)?,
            count: count(d)?,
            frame: opt_id(e).ok()?,
        },
        12 => Record::Realm {
            t,
            realm: id(a)?,
            kind: match b {
                k if k >= 0.0 && k <= realm_kind::SHARED_WORKER as f64 && k == k.trunc() => k as u32,
                _ => return None,
            },
            url: opt_id(c).ok()?,
            parent: opt_id(d).ok()?,
        },
        13 => Record::Orphans {
            t,
            class: id(a)?,
            module: opt_id(b).ok()?,
            orphaned: count(c)?,
            stacks: [opt_id(d).ok()?, opt_id(e).ok()?, opt_id(f).ok()?],
        },
        14 => Record::GrowFailed {
            t,
            mem: id(a)?,
            requested: count(b)?,
            committed: count(c)?,
            max_bytes: if d == -1.0 { None } else { Some(count(d)?) },
            malloc: match e {
                v if v == 0.0 => false,
                v if v == 1.0 => true,
                _ => return None,
            },
            stack: opt_id(f).ok()?,
        },
        15 => Record::Memory64 { t, mem: id(a)? },
        _ => return None,
    };
    Some(rec)
}

/// Encode a record (used by tests and by native callers).
pub fn encode(rec: &Record) -> [f64; STRIDE] {
    let o = |v: Option<u32>| v.map(|x| x as f64).unwrap_or(-1.0);
    match *rec {
        Record::Memory { t, mem, bytes, max_bytes, owner, module, realm } => {
            [1.0, t, mem as f64, bytes, max_bytes.unwrap_or(-1.0), o(owner), o(module), o(realm)]
        }
        Record::Sample { t, mem, bytes } => [2.0, t, mem as f64, bytes, 0.0, 0.0, 0.0, 0.0],
        Record::Grow { t, mem, from, to, js } => [3.0, t, mem as f64, from, to, if js { 0.0 } else { 1.0 }, 0.0, 0.0],
        Record::Collected { t, key } => [4.0, t, key as f64, 0.0, 0.0, 0.0, 0.0, 0.0],
        Record::Bindgen { t, class, module, created, freed, reclaimed, live } => {
            [5.0, t, class as f64, o(module), created, freed, reclaimed, live]
        }
        Record::Alloc { t, mem, live_bytes, live_allocs, total_allocs, total_frees, tracking } => {
            [6.0, t, mem as f64, live_bytes, live_allocs, total_allocs, total_frees, tracking.code() as f64]
        }
        Record::Registry { t, name, field, value, memory } => [7.0, t, name as f64, field as f64, value, o(memory), 0.0, 0.0],
        Record::Mark { t, label } => [8.0, t, label as f64, 0.0, 0.0, 0.0, 0.0, 0.0],
        Record::Module { t, module, url, byte_length } => [9.0, t, module as f64, o(url), byte_length, 0.0, 0.0, 0.0],
        Record::InstanceMemory { t, instance, module, mem, helper } => {
            [10.0, t, instance as f64, o(module), mem as f64, if helper { 1.0 } else { 0.0 }, 0.0, 0.0]
        }
        Record::Site { t, mem, rank, bytes, count, frame } => [11.0, t, mem as f64, rank as f64, bytes, count, o(frame), 0.0],
        Record::Realm { t, realm, kind, url, parent } => [12.0, t, realm as f64, kind as f64, o(url), o(parent), 0.0, 0.0],
        Record::Orphans { t, class, module, orphaned, stacks } => {
            [13.0, t, class as f64, o(module), orphaned, o(stacks[0]), o(stacks[1]), o(stacks[2])]
        }
        Record::GrowFailed { t, mem, requested, committed, max_bytes, malloc, stack } => {
            [14.0, t, mem as f64, requested, committed, max_bytes.unwrap_or(-1.0), if malloc { 1.0 } else { 0.0 }, o(stack)]
        }
        Record::Memory64 { t, mem } => [15.0, t, mem as f64, 0.0, 0.0, 0.0, 0.0, 0.0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let recs = [
            Record::Memory { t: 1.0, mem: 3, bytes: 65536.0, max_bytes: None, owner: Some(4), module: None, realm: Some(0) },
            Record::Sample { t: 2.0, mem: 3, bytes: 131072.0 },
            Record::Grow { t: 2.0, mem: 3, from: 65536.0, to: 131072.0, js: false },
            Record::Bindgen { t: 3.0, class: 9, module: None, created: 5.0, freed: 1.0, reclaimed: 1.0, live: 3.0 },
            Record::Registry { t: 4.0, name: 1, field: 2, value: -3.5, memory: None },
            Record::InstanceMemory { t: 5.0, instance: 1, module: Some(2), mem: 3, helper: true },
            Record::Alloc {
                t: 6.0,
                mem: 3,
                live_bytes: 9.0,
                live_allocs: 1.0,
                total_allocs: 2.0,
                total_frees: 1.0,
                tracking: Tracking::InsideWasm,
            },
            Record::Alloc {
                t: 6.0,
                mem: 3,
                live_bytes: 9.0,
                live_allocs: 1.0,
                total_allocs: 2.0,
                total_frees: 1.0,
                tracking: Tracking::JsBoundary,
            },
            Record::Alloc {
                t: 6.0,
                mem: 3,
                live_bytes: 0.0,
                live_allocs: 1.0,
                total_allocs: 2.0,
                total_frees: 1.0,
                tracking: Tracking::InsideWasmCountsOnly,
            },
            Record::Site { t: 7.0, mem: 3, rank: 2, bytes: 4096.0, count: 3.0, frame: Some(8) },
            Record::Site { t: 7.0, mem: 3, rank: 0, bytes: 0.0, count: 0.0, frame: None },
            Record::Realm { t: 8.0, realm: 2, kind: realm_kind::WORKER, url: Some(5), parent: Some(1) },
            Record::Realm { t: 8.0, realm: 1, kind: realm_kind::WINDOW, url: Some(6), parent: None },
            Record::Orphans { t: 8.0, class: 9, module: Some(2), orphaned: 200.0, stacks: [Some(4), None, None] },
            Record::GrowFailed {
                t: 8.0,
                mem: 3,
                requested: 655360.0,
                committed: 6291456.0,
                max_bytes: Some(6553600.0),
                malloc: false,
                stack: Some(9),
            },
            Record::GrowFailed { t: 8.0, mem: 3, requested: 100.0, committed: 65536.0, max_bytes: None, malloc: true, stack: None },
            Record::Memory64 { t: 9.0, mem: 3 },
        ];
        for r in recs {
            assert_eq!(decode(&encode(&r)), Some(r));
        }
        assert_eq!(decode(&[2.0, 1.0, 3.0]), None);
        assert_eq!(decode(&[2.0, f64::NAN, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0]), None);
        assert_eq!(decode(&[2.0, 1.0, -3.0, 1.0, 0.0, 0.0, 0.0, 0.0]), None);
        assert_eq!(decode(&[2.0, 1.0, 3.0, -1.0, 0.0, 0.0, 0.0, 0.0]), None);
        assert_eq!(decode(&[99.0, 1.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0]), None);
        assert_eq!(decode(&[1.0, 1.0, 3.0, 1.0, 0.0, 1.5, 0.0, 0.0]), None);
        assert_eq!(decode(&[6.0, 1.0, 3.0, 1.0, 1.0, 1.0, 0.0, 3.0]), None, "unknown tracking");
        assert_eq!(decode(&[11.0, 1.0, 3.0, 3.0, 1.0, 1.0, 4.0, 0.0]), None, "site rank beyond MAX_SITES");
        assert_eq!(decode(&[11.0, 1.0, 3.0, 0.5, 1.0, 1.0, 4.0, 0.0]), None, "fractional rank");
        assert_eq!(decode(&[12.0, 1.0, 3.0, 4.0, 1.0, -1.0, 0.0, 0.0]), None, "unknown realm kind");
        assert_eq!(decode(&[13.0, 1.0, 3.0, -1.0, -2.0, -1.0, -1.0, -1.0]), None, "negative orphaned");
        assert_eq!(decode(&[13.0, 1.0, 3.0, -1.0, 2.0, 0.5, -1.0, -1.0]), None, "stack id not an id");
        assert_eq!(decode(&[14.0, 1.0, 3.0, -5.0, 1.0, -1.0, 0.0, -1.0]), None, "negative request");
        assert_eq!(decode(&[14.0, 1.0, 3.0, 5.0, 1.0, -2.0, 0.0, -1.0]), None, "bad maximum");
        assert_eq!(decode(&[14.0, 1.0, 3.0, 5.0, 1.0, -1.0, 2.0, -1.0]), None, "unknown via");
    }
}
