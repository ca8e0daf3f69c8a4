//! `memory-replaced`: a memory / engine replaced while the old one stays alive.
//!
//! In one realm: memories are grouped by realm (the key's prefix) and module (URL + byte length
//! when the module is known, else the owner URL). An older memory of a group that is alive, at
//! least `replacedMinBytes`, and has not grown since a newer sibling appeared `replacedGraceMs`
//! ago is flagged; once one is, every other idle, alive, superseded memory of the group is too.
//! The newest memory is never flagged.
//!
//! Across workers (a watchdog that starts a new engine worker and never terminates the old
//! one): memories of worker realms are grouped by the worker's parent realm, the worker's
//! script URL and the module (as above). The same evidence, grace, severity and resolve-on-collect
//! apply, with two differences that keep worker pools quiet: a newer sibling counts only when
//! its realm started at least [`GENERATION_GAP_MS`] after the old one's (workers started together
//! are one pool, not a replacement), and "idle" also means no allocator activity (allocations or
//! frees counted inside wasm) since the newer one appeared, not only no growth: a pool worker
//! that is still given work is in use.

use super::{sites_sentence, Input};
use crate::alerts::{detail, Severity, Sink, Text};
use crate::fxhash::FxHashMap;
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::fmt_bytes;

/// A group holding this many superseded memories makes each alert an error.
pub const ERROR_COUNT: usize = 3;

/// Workers of one script whose realms started less than this apart are one generation (a pool
/// started together), never a replacement of each other.
pub const GENERATION_GAP_MS: f64 = 1000.0;

/// Module part of a group key: module URL + size, else the owner URL.
fn module_of(input: &Input, m: &Memory) -> Option<(u32, u64)> {
    if let Some((Some(url), len)) = m.module.and_then(|k| input.modules.get(&k)).copied() {
        return Some((url, len.to_bits()));
    }
    m.owner.map(|o| (o, u64::MAX))
}

/// Group key of a memory: same realm and same module (URL + size) or, when the module is
/// unknown, same owner URL.
fn group_of(input: &Input, m: &Memory) -> Option<(u32, u32, u64)> {
    let realm = m.realm.unwrap_or(u32::MAX);
    module_of(input, m).map(|(u, l)| (realm, u, l))
}

/// Cross-worker group key: (parent realm, worker script URL, module), for memories of worker
/// realms whose script URL is known.
fn worker_group_of(input: &Input, m: &Memory) -> Option<(u32, u32, u32, u64)> {
    let r = input.realms.get(&m.realm?)?;
    if !r.is_worker() {
        return None;
    }
    let (u, l) = module_of(input, m)?;
    Some((r.parent.unwrap_or(u32::MAX), r.url?, u, l))
}

/// In-wasm growth is seen by the page's sampler up to one tick (100 ms) late, more on a busy
/// page: growth an old memory shows this soon after a newer sibling appeared still happened
/// before it (an engine that finished loading just as the next one was opened).
pub const REPLACED_GROWTH_LAG_MS: f64 = 1000.0;

/// Members of groups with at least two memories, in order of first appearance.
fn groups<K: std::hash::Hash + Eq + Copy>(input: &Input, key: impl Fn(&Memory) -> Option<K>) -> Vec<Vec<usize>> {
    let mut groups: FxHashMap<K, usize> = FxHashMap::default();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, m) in input.memories.iter().enumerate() {
        if let Some(g) = key(m) {
            let slot = *groups.entry(g).or_insert_with(|| {
                out.push(Vec::new());
                out.len() - 1
            });
            if let Some(v) = out.get_mut(slot) {
                v.push(i);
            }
        }
    }
    out.retain(|v| v.len() >= 2);
    out
}

/// Emit an alert for every superseded memory still alive (see the module docs).
pub fn find(input: &Input, out: &mut Sink) {
    if input.memories.len() < 2 {
        return;
    }
    let mut flagged: FxHashMap<u32, ()> = FxHashMap::default();
    for members in groups(input, |m| group_of(input, m)) {
        flag_group(input, out, &members, false, &mut flagged);
    }
    if input.realms.is_empty() {
        return;
    }
    for members in groups(input, |m| worker_group_of(input, m)) {
        flag_group(input, out, &members, true, &mut flagged);
    }
}

/// When the realm of `m` started (its memory's first sighting when the realm is unknown).
fn realm_start(input: &Input, m: &Memory) -> f64 {
    m.realm.and_then(|r| input.realms.get(&r)).map(|r| r.first_seen).unwrap_or(m.first_seen)
}

fn flag_group(input: &Input, out: &mut Sink, members: &[usize], across_workers: bool, flagged: &mut FxHashMap<u32, ()>) {
    let c = input.config;
    let now = input.now;
    let mems: Vec<&Memory> = members.iter().filter_map(|&i| input.memories.get(i)).collect();
    // The last sign of use the rule reads: growth in one realm (as before), growth or heap
    // activity across workers.
    let last_used = |m: &Memory| if across_workers { m.last_active.max(m.last_growth) } else { m.last_growth };
    let is_newer = |old: &Memory, n: &Memory| {
        if across_workers {
            n.realm != old.realm && realm_start(input, n) >= realm_start(input, old) + GENERATION_GAP_MS && n.first_seen > old.first_seen
        } else {
            n.first_seen > old.first_seen
        }
    };
    // Pass 1: superseded by a sibling that has existed for the grace period. Pass 2 (once
    // the pattern is established in this group): every other idle, superseded one too.
    let mut stale: Vec<(&Memory, &Memory)> = Vec::new();
    for pass in 0..2 {
        if pass == 1 && stale.is_empty() {
            break;
        }
        for old in &mems {
            if old.collected
                || old.current < c.replaced_min_bytes
                || stale.iter().any(|(o, _)| o.key == old.key)
                || flagged.contains_key(&old.key)
            {
                continue;
            }
            // The earliest newer sibling that appeared after the old one was last used.
            let newer = mems
                .iter()
                .filter(|n| {
                    is_newer(old, n)
                        && n.first_seen + REPLACED_GROWTH_LAG_MS >= last_used(old)
                        && (pass == 1 || now - n.first_seen >= c.replaced_grace_ms)
                })
                .min_by(|x, y| x.first_seen.total_cmp(&y.first_seen));
            if let Some(n) = newer {
                stale.push((old, n));
            }
        }
    }
    stale.sort_by(|x, y| x.0.first_seen.total_cmp(&y.0.first_seen));
    let total: f64 = stale.iter().map(|(o, _)| o.current).sum();
    let count = stale.len();
    let kind = Kind::MemoryReplaced;
    for (old, newer) in &stale {
        flagged.insert(old.key, ());
        let severity = if count >= ERROR_COUNT { Severity::Error } else { Severity::Warning };
        let points = [(old.first_seen, old.current), (newer.first_seen, old.current)];
        let id = || format!("{}:{}", kind.name(), input.name(old.key));
        let text = || {
            let key = input.name(old.key);
            let new_key = input.name(newer.key);
            let owner = input.owner(old);
            if across_workers {
                let script = old
                    .realm
                    .and_then(|r| input.realms.get(&r))
                    .and_then(|r| r.url)
                    .map(|u| input.name(u))
                    .unwrap_or_else(|| "unknown script".to_string());
                return Text {
                    kind,
                    title: format!(
                        "Memory {key} ({}) is still alive in an old worker after its engine was restarted in a new one",
                        fmt_bytes(old.current)
                    ),
                    detail: format!(
                        "Worker {script} was started again and runs {owner} again ({new_key}), but the earlier worker \
                        was never terminated: its memory {key} was never collected and has been idle (no growth, no \
                        allocations) since. {count} superseded workers of this script hold {} in all.",
                        fmt_bytes(total)
                    ),
                    recommendation: format!(
                        "When a watchdog or restart starts a new worker, call terminate() on the old one (and drop \
                        every reference to it), or restart the engine inside a single worker.{}",
                        sites_sentence(input, old)
                    ),
                    series: format!("memory:{key}:bytes"),
                    subject: key,
                };
            }
            Text {
                kind,
                title: format!("Memory {key} ({}) is still alive after its instance was replaced", fmt_bytes(old.current)),
                detail: format!(
                    "{owner} was instantiated again ({new_key}), but the earlier memory {key} was never \
                    collected and has not grown since. {count} superseded memories of this module hold {} in \
                    all.",
                    fmt_bytes(total)
                ),
                recommendation: format!(
                    "When replacing an instance, drop every reference to the old one (exports, memory views, \
                    wasm-bindgen objects, closures, listeners), or reuse a single instance.{}",
                    sites_sentence(input, old)
                ),
                series: format!("memory:{key}:bytes"),
                subject: key,
            }
        };
        out.emit((kind, old.key, detail::MAIN), severity, &points, [count as f64, total, old.sites_rev as f64, 0.0], id, text);
    }
}
