//! `memory-headroom`: a memory's committed bytes past a level (`budgetLevels`, 60/75/85/95 % by
//! default) of its limit: the declared maximum, else the engine's limit for its index type
//! ([`crate::model::Memory::limit`]). No configuration needed: every memory has a limit.

use super::Input;
use crate::alerts::{detail, Severity, Sink, Text};
use crate::heuristics::budget::severity;
use crate::kind::Kind;
use crate::model::{Memory, ENGINE_LIMIT_I32, ENGINE_LIMIT_I64};
use crate::text::{fixed, fmt_bytes};

/// The sentence naming where a memory's limit comes from.
pub fn limit_source(m: &Memory) -> String {
    match m.max_bytes {
        Some(_) => "its declared maximum".to_string(),
        None if m.is64 => format!("the engine's limit for memory64 memories ({})", fmt_bytes(ENGINE_LIMIT_I64)),
        None => format!("the engine's limit for wasm32 memories, 65,536 pages ({})", fmt_bytes(ENGINE_LIMIT_I32)),
    }
}

/// Emit the headroom alert of memory `m` (not collected) when it is past the lowest level.
pub fn find(input: &Input, out: &mut Sink, m: &Memory) {
    let levels = &input.config.budget_levels;
    let limit = m.limit();
    if !(limit > 0.0) || levels.is_empty() {
        return;
    }
    let bytes = m.current;
    let ratio = bytes / limit;
    let crossed = levels.iter().filter(|&&l| ratio >= l).count();
    if crossed == 0 {
        return;
    }
    let level = levels.get(crossed - 1).copied().unwrap_or(1.0);
    let sev: Severity = severity(ratio, crossed, levels.len());
    let kind = Kind::MemoryHeadroom;
    let subject = || input.name(m.key);
    let id = || format!("{}:{}", kind.name(), subject());
    let points = &m.growth;
    let text = || {
        let subject = subject();
        let (from, to) = (points.first().map(|p| p.1).unwrap_or(bytes), bytes);
        Text {
            kind,
            title: format!(
                "Memory {subject} past {}% of its limit ({} of {})",
                fixed(level * 100.0, 0),
                fmt_bytes(bytes),
                fmt_bytes(limit)
            ),
            detail: format!(
                "Memory {subject} ({}) has committed {} of {}, {}: {}% used, {} of headroom left. It grew from {} to {} \
                 over the evidence; a growth past the limit fails and the app runs out of memory.",
                input.owner(m),
                fmt_bytes(bytes),
                fmt_bytes(limit),
                limit_source(m),
                fixed(ratio * 100.0, 1),
                fmt_bytes((limit - bytes).max(0.0)),
                fmt_bytes(from),
                fmt_bytes(to),
            ),
            recommendation: "Lower the peak (free sooner, bound caches, stream big inputs), or raise the maximum the \
                 module declares (Emscripten: -sMAXIMUM_MEMORY; Rust/LLVM: -C link-arg=--max-memory=<bytes>) if this \
                 size is expected."
                .to_string(),
            series: format!("memory:{subject}:bytes"),
            subject,
        }
    };
    out.emit((kind, m.key, detail::MAIN), sev, points, [limit, level, if m.is64 { 1.0 } else { 0.0 }, 0.0], id, text);
}
