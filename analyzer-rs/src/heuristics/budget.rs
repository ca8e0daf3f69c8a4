//! `budget`: a memory (`memoryBudgetBytes`) or the page's live memories together
//! (`pageBudgetBytes`) past a level of the configured budget (`budgetLevels`).

use super::Input;
use crate::alerts::{detail, AlertKey, Severity, Sink, Text};
use crate::kind::Kind;
use crate::model::Memory;
use crate::text::{fixed, fmt_bytes};

/// Severity at `crossed` of `levels` levels with `bytes / budget == ratio`: info at the lowest
/// level (when there are more than two), error at the highest level or over 100 %, warning in
/// between.
pub fn severity(ratio: f64, crossed: usize, levels: usize) -> Severity {
    if ratio >= 1.0 || crossed == levels {
        Severity::Error
    } else if crossed == 1 && levels > 2 {
        Severity::Info
    } else {
        Severity::Warning
    }
}

/// Emit the budget alert of memory `m` (not collected), if a memory budget is set.
pub fn find_memory(input: &Input, out: &mut Sink, m: &Memory) {
    if let Some(budget) = input.config.memory_budget {
        let key = || input.name(m.key);
        find(input, out, (Kind::Budget, m.key, detail::MAIN), budget, m.current, m.last_growth, Some(&key));
    }
}

/// Emit the page budget alert for `live_total` bytes of live memories (latest growth at
/// `live_changed`), if a page budget is set.
pub fn find_page(input: &Input, out: &mut Sink, live_total: f64, live_changed: f64) {
    if let Some(budget) = input.config.page_budget {
        find(input, out, (Kind::Budget, 0, detail::PAGE), budget, live_total, live_changed, None);
    }
}

fn find(input: &Input, out: &mut Sink, akey: AlertKey, budget: f64, bytes: f64, changed: f64, memory: Option<&dyn Fn() -> String>) {
    let levels = &input.config.budget_levels;
    if !(budget > 0.0) || levels.is_empty() {
        return;
    }
    let ratio = bytes / budget;
    let crossed = levels.iter().filter(|&&l| ratio >= l).count();
    if crossed == 0 {
        return;
    }
    let level = levels.get(crossed - 1).copied().unwrap_or(1.0);
    let severity = severity(ratio, crossed, levels.len());
    let kind = Kind::Budget;
    let subject = || memory.map(|k| k()).unwrap_or_else(|| "page".to_string());
    let id = || format!("{}:{}", kind.name(), subject());
    let text = || {
        let subject = subject();
        let (what, series) = if memory.is_some() {
            (format!("Memory {subject}"), format!("memory:{subject}:bytes"))
        } else {
            ("Page memory".to_string(), "page:bytes".to_string())
        };
        Text {
            kind,
            title: format!("{what} past {}% of its budget ({} of {})", fixed(level * 100.0, 0), fmt_bytes(bytes), fmt_bytes(budget)),
            detail: format!("{what} is at {}% of the configured budget of {}.", fixed(ratio * 100.0, 1), fmt_bytes(budget)),
            recommendation: "Lower the peak: free objects sooner, bound caches, process big inputs in chunks; or raise \
                 the budget if this size is expected."
                .to_string(),
            series,
            subject,
        }
    };
    out.emit(akey, severity, &[(changed, bytes)], [budget, level, 0.0, 0.0], id, text);
}
