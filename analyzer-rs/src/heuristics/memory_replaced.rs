//! `memory-replaced`: a memory / engine replaced while the old one stays alive.
//!
//! Memories are grouped by realm (the key's prefix) and module (URL + byte length when the
//! module is known, else the owner URL). An older memory of a group that is alive, at least
//! `replacedMinBytes`, and has not grown since a newer sibling appeared `replacedGraceMs` ago
//! is flagged; once one is, every other idle, alive, superseded memory of the group is too.
//! The newest memory is never flagged.

use super::{sites_sentence, Input};
use crate::alerts::{detail, Severity, Sink, Text};
use crate::fxhash::FxHashMap;
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::fmt_bytes;

/// A group holding this many superseded memories makes each alert an error.
pub const ERROR_COUNT: usize = 3;

/// Group key of a memory: same realm and same module (URL + size) or, when the module is
/// unknown, same owner URL.
fn group_of(input: &Input, m: &Memory) -> Option<(u32, u32, u64)> {
    let realm = m.realm.unwrap_or(u32::MAX);
    if let Some((Some(url), len)) = m.module.and_then(|k| input.modules.get(&k)).copied() {
        return Some((realm, url, len.to_bits()));
    }
    m.owner.map(|o| (realm, o, u64::MAX))
}

/// In-wasm growth is seen by the page's sampler up to one tick (100 ms) late, more on a busy
/// page: growth an old memory shows this soon after a newer sibling appeared still happened
/// before it (an engine that finished loading just as the next one was opened).
pub const REPLACED_GROWTH_LAG_MS: f64 = 1000.0;

/// Emit an alert for every superseded memory still alive (see the module docs).
pub fn find(input: &Input, out: &mut Sink) {
    let c = input.config;
    let now = input.now;
    if input.memories.len() < 2 {
        return;
    }
    let mut groups: FxHashMap<(u32, u32, u64), Vec<usize>> = FxHashMap::default();
    let mut order: Vec<(u32, u32, u64)> = Vec::new();
    for (i, m) in input.memories.iter().enumerate() {
        if let Some(g) = group_of(input, m) {
            let e = groups.entry(g).or_default();
            if e.is_empty() {
                order.push(g);
            }
            e.push(i);
        }
    }
    for g in order {
        let Some(members) = groups.get(&g) else { continue };
        if members.len() < 2 {
            continue;
        }
        let mems: Vec<&Memory> = members.iter().filter_map(|&i| input.memories.get(i)).collect();
        // Pass 1: superseded by a sibling that has existed for the grace period. Pass 2 (once
        // the pattern is established in this group): every other idle, superseded one too.
        let mut stale: Vec<(&Memory, &Memory)> = Vec::new();
        for pass in 0..2 {
            if pass == 1 && stale.is_empty() {
                break;
            }
            for old in &mems {
                if old.collected || old.current < c.replaced_min_bytes || stale.iter().any(|(o, _)| o.key == old.key) {
                    continue;
                }
                // The earliest newer sibling that appeared after the old one's last growth.
                let newer = mems
                    .iter()
                    .filter(|n| {
                        n.first_seen > old.first_seen
                            && n.first_seen + REPLACED_GROWTH_LAG_MS >= old.last_growth
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
            let severity = if count >= ERROR_COUNT { Severity::Error } else { Severity::Warning };
            let points = [(old.first_seen, old.current), (newer.first_seen, old.current)];
            let id = || format!("{}:{}", kind.name(), input.name(old.key));
            let text = || {
                let key = input.name(old.key);
                let new_key = input.name(newer.key);
                let owner = input.owner(old);
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
}
