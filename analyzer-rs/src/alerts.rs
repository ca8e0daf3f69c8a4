//! The leak heuristics (each documented in README.md) and the alert lifecycle.
//!
//! [`findings`] is a pure function of the analyzer state at `now`: it lists what is wrong
//! right now. [`AlertBook::apply`] turns successive findings into alerts with stable ids
//! (`kind:subject[:detail]`): raised when first found, updated while found, resolved when
//! no longer found, raised again (same id) if it comes back.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::fxhash::FxHashMap;

use crate::analyzer::{Analyzer, MarkSnap};
use crate::detect::Level;
use crate::json::{push_array, push_num, Obj};

/// Most alerts kept (oldest resolved ones are dropped first).
pub const MAX_ALERTS: usize = 512;
/// Most evidence points per alert.
pub const MAX_EVIDENCE: usize = 32;

/// Alert severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably a problem.
    Warning,
    /// A problem.
    Error,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What is wrong, as of one evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Stable id.
    pub id: String,
    /// One of the `AlertKind` strings of src/shared/analyzer-api.ts.
    pub kind: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Class name, memory key or registry name.
    pub subject: String,
    /// One line.
    pub title: String,
    /// Explanation with the numbers.
    pub detail: String,
    /// What to do.
    pub recommendation: String,
    /// Evidence series name.
    pub series: String,
    /// Evidence points (time, value), bounded.
    pub points: Vec<(f64, f64)>,
    /// Other numbers the texts depend on: equal severity, points and sig mean equal texts.
    pub sig: [f64; 4],
    /// Numeric identity (kind code, subject id, detail), same for the same `id`.
    pub key: AlertKey,
}

/// Numeric identity of an alert: (kind code, interned subject id, detail). Lets an evaluation
/// recognise an unchanged alert without formatting its id.
pub type AlertKey = (u8, u32, u32);

/// One finding of an evaluation: either the same as an active alert (by its index in the
/// book: nothing to rebuild or compare), or new / changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Hit {
    /// The active alert at this index is found again, unchanged.
    Same(usize),
    /// A new or changed finding.
    New(Finding),
}

/// The texts of a finding (built only when they may have changed).
pub struct Text {
    /// Alert kind.
    pub kind: &'static str,
    /// Subject.
    pub subject: String,
    /// Title.
    pub title: String,
    /// Detail.
    pub detail: String,
    /// Recommendation.
    pub recommendation: String,
    /// Evidence series name.
    pub series: String,
}

/// Push a finding, reusing the active alert's texts when nothing they depend on changed
/// (formatting is the costliest part of an evaluation).
#[allow(clippy::too_many_arguments)]
fn emit(
    out: &mut Vec<Hit>,
    book: &AlertBook,
    key: AlertKey,
    severity: Severity,
    points: &[(f64, f64)],
    sig: [f64; 4],
    id: impl FnOnce() -> String,
    text: impl FnOnce() -> Text,
) {
    let points = points.get(points.len().saturating_sub(MAX_EVIDENCE)..).unwrap_or(points);
    if let Some(&i) = book.by_key.get(&key) {
        if let Some(prev) = book.alerts.get(i) {
            if prev.active && prev.finding.severity == severity && prev.finding.points == points && prev.finding.sig == sig {
                out.push(Hit::Same(i));
                return;
            }
        }
    }
    let t = text();
    out.push(Hit::New(Finding {
        id: id(),
        kind: t.kind,
        severity,
        subject: t.subject,
        title: t.title,
        detail: t.detail,
        recommendation: t.recommendation,
        series: t.series,
        points: points.to_vec(),
        sig,
        key,
    }));
}

/// One alert with its lifecycle.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// The latest finding.
    pub finding: Finding,
    /// Active (found at the latest evaluation) or resolved.
    pub active: bool,
    /// When it was (last) raised.
    pub raised_at: f64,
    /// When it last changed.
    pub updated_at: f64,
}

/// All alerts, in order of first raise.
#[derive(Clone, Debug, Default)]
pub struct AlertBook {
    alerts: Vec<Alert>,
    index: FxHashMap<String, usize>,
    by_key: FxHashMap<AlertKey, usize>,
}

impl AlertBook {
    /// Alerts, oldest first.
    pub fn all(&self) -> &[Alert] {
        &self.alerts
    }

    /// The alert with this id.
    pub fn get(&self, id: &str) -> Option<&Alert> {
        self.index.get(id).and_then(|&i| self.alerts.get(i))
    }

    /// Merge one evaluation's findings at time `now`.
    pub fn apply(&mut self, findings: Vec<Hit>, now: f64) {
        let mut seen = vec![false; self.alerts.len()];
        // Unchanged ones first: their indices are valid before any alert is dropped below.
        let mut fresh = Vec::new();
        for hit in findings {
            match hit {
                Hit::Same(i) => {
                    if let Some(s) = seen.get_mut(i) {
                        *s = true;
                    }
                }
                Hit::New(f) => fresh.push(f),
            }
        }
        for f in fresh {
            match self.index.get(&f.id).copied() {
                Some(i) => {
                    if let Some(a) = self.alerts.get_mut(i) {
                        if !a.active {
                            a.active = true;
                            a.raised_at = now;
                            a.updated_at = now;
                        } else if a.finding != f {
                            a.updated_at = now;
                        }
                        a.finding = f;
                    }
                    if let Some(s) = seen.get_mut(i) {
                        *s = true;
                    }
                }
                None => {
                    if self.alerts.len() >= MAX_ALERTS {
                        if let Some(pos) = self.drop_oldest_resolved() {
                            if pos < seen.len() {
                                seen.remove(pos);
                            }
                        } else {
                            continue;
                        }
                    }
                    self.index.insert(f.id.clone(), self.alerts.len());
                    self.by_key.insert(f.key, self.alerts.len());
                    self.alerts.push(Alert { finding: f, active: true, raised_at: now, updated_at: now });
                    seen.push(true);
                }
            }
        }
        for (a, s) in self.alerts.iter_mut().zip(seen.iter()) {
            if a.active && !*s {
                a.active = false;
                a.updated_at = now;
            }
        }
    }

    fn drop_oldest_resolved(&mut self) -> Option<usize> {
        let pos = self.alerts.iter().position(|a| !a.active)?;
        self.alerts.remove(pos);
        self.index.clear();
        self.by_key.clear();
        for (i, a) in self.alerts.iter().enumerate() {
            self.index.insert(a.finding.id.clone(), i);
            self.by_key.insert(a.finding.key, i);
        }
        Some(pos)
    }

    /// Write the alerts as a JSON array of `Alert` (src/shared/analyzer-api.ts).
    pub fn write_json(&self, out: &mut String) {
        push_array(out, self.alerts.iter(), |s, a| {
            let f = &a.finding;
            let mut o = Obj::new(s);
            o.str("id", &f.id)
                .str("kind", f.kind)
                .str("severity", f.severity.as_str())
                .str("subject", &f.subject)
                .str("title", &f.title)
                .str("detail", &f.detail)
                .str("recommendation", &f.recommendation);
            o.raw("evidence", |s| {
                let mut e = Obj::new(s);
                e.str("series", &f.series);
                e.num("fromTime", f.points.first().map(|p| p.0).unwrap_or(a.raised_at));
                e.num("toTime", f.points.last().map(|p| p.0).unwrap_or(a.updated_at));
                e.raw("points", |s| {
                    push_array(s, f.points.iter(), |s, p| {
                        s.push('[');
                        push_num(s, p.0);
                        s.push(',');
                        push_num(s, p.1);
                        s.push(']');
                    })
                });
                e.end();
            });
            o.str("state", if a.active { "active" } else { "resolved" });
            o.num("raisedAt", a.raised_at).num("updatedAt", a.updated_at);
            o.end();
        });
    }
}

/// `v` with `decimals` (0..=3) digits after the point, via integer arithmetic (the float
/// formatter's exact mode is slow in wasm, and this runs on every evaluation).
pub fn fixed(v: f64, decimals: u32) -> String {
    if !v.is_finite() || v.abs() >= 1e15 {
        return format!("{v}");
    }
    let scale = 10i64.pow(decimals.min(3));
    let n = (v * scale as f64).round() as i64;
    let sign = if n < 0 { "-" } else { "" };
    let n = n.abs();
    if decimals == 0 {
        format!("{sign}{n}")
    } else {
        format!("{sign}{}.{:0width$}", n / scale, n % scale, width = decimals.min(3) as usize)
    }
}

/// Human-readable bytes.
pub fn fmt_bytes(b: f64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if b >= 1024.0 * MIB {
        format!("{} GiB", fixed(b / (1024.0 * MIB), 2))
    } else if b >= MIB {
        format!("{} MiB", fixed(b / MIB, 1))
    } else if b >= 1024.0 {
        format!("{} KiB", fixed(b / 1024.0, 0))
    } else {
        format!("{} B", fixed(b, 0))
    }
}

fn fmt_count(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        fixed(v, 2)
    }
}

fn rises(prev: f64, next: f64, min_step: f64) -> bool {
    let step = next - prev;
    step > 0.0 && step >= min_step
}


/// The latest run of at least `cycles` strictly rising levels (each by `min_step`), if it is
/// recent: its last level started within `max(hold, 3 * mean cycle)` of `now`.
pub fn recent_run(levels: &VecDeque<Level>, min_step: f64, cycles: usize, now: f64, hold: f64) -> Option<Vec<Level>> {
    if levels.len() < cycles.max(2) {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    let mut run = 0usize;
    let mut prev: Option<f64> = None;
    for (i, &(_, val)) in levels.iter().enumerate() {
        run = match prev {
            Some(p) if rises(p, val, min_step) => run + 1,
            _ => 1,
        };
        prev = Some(val);
        if run >= cycles.max(2) {
            best = Some((i + 1 - run, i));
        }
    }
    let (s, e) = best?;
    let (first, last) = (levels.get(s)?, levels.get(e)?);
    let mean = (last.0 - first.0) / (e - s).max(1) as f64;
    let stop = hold.max(3.0 * mean);
    if now - last.0 <= stop {
        Some(levels.range(s..=e).copied().collect())
    } else {
        None
    }
}

/// Value of entity `i` in a mark snapshot (entries are in index order).
pub fn snap_at(v: &[(usize, f64)], i: usize) -> Option<f64> {
    v.binary_search_by_key(&i, |x| x.0).ok().and_then(|k| v.get(k)).map(|x| x.1)
}

/// A run of at least `cycles` rising values (of one entity, at successive marks) that ends at
/// the latest mark; allocates only when a run is found.
fn marks_run_by(marks: &[MarkSnap], pick: impl Fn(&MarkSnap) -> Option<f64>, min_step: f64, cycles: usize) -> Option<Vec<Level>> {
    if marks.len() < cycles.max(2) {
        return None;
    }
    // Only the latest MAX_EVIDENCE values matter (a longer run is reported as that long), so an
    // evaluation costs O(1) whatever the number of marks.
    let mut run = 0usize;
    let mut next: Option<f64> = None;
    for v in marks.iter().rev().filter_map(&pick).take(MAX_EVIDENCE) {
        match next {
            None => run = 1,
            Some(n) if rises(v, n, min_step) => run += 1,
            Some(_) => break,
        }
        next = Some(v);
    }
    if run >= cycles.max(2) {
        let mut out: Vec<Level> = marks.iter().rev().filter_map(|m| pick(m).map(|v| (m.time, v))).take(run).collect();
        out.reverse();
        Some(out)
    } else {
        None
    }
}

fn list(levels: &[Level], fmt: impl Fn(f64) -> String) -> String {
    let skip = levels.len().saturating_sub(8);
    let parts: Vec<String> = levels.iter().skip(skip).map(|l| fmt(l.1)).collect();
    let prefix = if skip > 0 { "…, " } else { "" };
    format!("{prefix}{}", parts.join(" → "))
}

/// Where a rising pattern was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    Marks,
    Floors,
    Windows,
}

impl Via {
    fn what(self) -> &'static str {
        match self {
            Via::Marks => "marks",
            Via::Floors => "activity cycles (rest levels)",
            Via::Windows => "time windows (window minima)",
        }
    }
}

/// Marks-based runs per entity. They depend only on the (immutable) mark snapshots and the
/// thresholds, so they are computed once per new mark, not at every evaluation.
#[derive(Clone, Debug, Default)]
pub struct MarkRuns {
    key: Option<(u64, usize, [u64; 3])>,
    /// Per memory index.
    pub memory: Vec<Option<Vec<Level>>>,
    /// Per class index.
    pub class: Vec<Option<Vec<Level>>>,
    /// Per registry field index.
    pub registry: Vec<Option<Vec<Level>>>,
}

fn update_mark_runs(a: &mut Analyzer) {
    let c = &a.config;
    let key = (a.mark_seq, c.mark_cycles, [c.floor_min_step_bytes.to_bits(), c.class_min_step.to_bits(), c.registry_min_step.to_bits()]);
    if a.mark_runs.key == Some(key) {
        return;
    }
    let marks = &a.marks;
    let (mem_n, class_n, reg_n) = (a.memories.len(), a.classes.len(), a.registries.len());
    let memory = (0..mem_n).map(|i| marks_run_by(marks, |s| snap_at(&s.memories, i), c.floor_min_step_bytes, c.mark_cycles)).collect();
    let class = (0..class_n).map(|i| marks_run_by(marks, |s| Some(snap_at(&s.classes, i).unwrap_or(0.0)), c.class_min_step, c.mark_cycles)).collect();
    let registry = (0..reg_n).map(|i| marks_run_by(marks, |s| Some(snap_at(&s.registries, i).unwrap_or(0.0)), c.registry_min_step, c.mark_cycles)).collect();
    a.mark_runs = MarkRuns { key: Some(key), memory, class, registry };
}

/// Update detector state that depends on time (fragmentation persistence) or on new marks.
pub fn prepare(a: &mut Analyzer) {
    update_mark_runs(a);
    let now = a.now;
    let (min_committed, max_ratio, min_wasted) = (a.config.frag_min_committed, a.config.frag_max_ratio, a.config.frag_min_wasted);
    for m in &mut a.memories {
        let holds = match m.alloc {
            Some(al) if !m.collected => {
                let committed = m.current;
                committed >= min_committed
                    && m.growth_events >= 1
                    && al.live_bytes <= committed * max_ratio
                    && committed - al.live_bytes >= min_wasted
            }
            _ => false,
        };
        if holds {
            if m.frag_since.is_none() {
                m.frag_since = Some(now);
            }
        } else {
            m.frag_since = None;
        }
    }
}

/// Everything wrong as of `a.now`.
pub fn findings(a: &Analyzer) -> Vec<Hit> {
    let mut out = Vec::new();
    let c = &a.config;
    let now = a.now;

    // --- wasm-bindgen classes ---------------------------------------------------------
    for (ci, cl) in a.classes.iter().enumerate() {
        let found = a.mark_runs.class.get(ci).and_then(|x| x.as_deref())
            .map(|r| (Via::Marks, Cow::Borrowed(r)))
            .or_else(|| recent_run(cl.rest.levels(), c.class_min_step, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r))))
            .or_else(|| {
                recent_run(cl.window.mins(), f64::MIN_POSITIVE, c.window_cycles, now, c.hold_ms)
                    .filter(|r| match (r.first(), r.last()) {
                        (Some(f), Some(l)) => l.1 - f.1 >= c.class_window_min_rise,
                        _ => false,
                    })
                    .map(|r| (Via::Windows, Cow::Owned(r)))
            });
        let never_freed = found.is_none() && c.never_freed_min > 0.0 && cl.live >= c.never_freed_min && cl.freed == 0.0 && cl.reclaimed == 0.0;
        if found.is_none() && !never_freed && cl.reclaimed <= 0.0 {
            continue;
        }
        let name = || a.name(cl.name);
        if never_freed {
            emit(&mut out, &a.alerts, (1, cl.name, 0), Severity::Warning, &[(cl.first_seen, 0.0), (cl.last_seen, cl.live)], [cl.created, 0.0, 0.0, 0.0], || format!("bindgen-live-growth:{}", name()), || { let name = name(); Text {
                kind: "bindgen-live-growth",
                title: format!("{} {name} objects created, none ever freed", fmt_count(cl.live)),
                detail: format!(
                    "{} objects of wasm-bindgen class {name} were created and not one was freed or reclaimed: each keeps its Rust value (and what it owns) in wasm memory until free() is called.",
                    fmt_count(cl.created)
                ),
                recommendation: format!(
                    "Call free() (or use `using` / Symbol.dispose) on every {name} once it is no longer needed; the creation stacks of live objects show where they come from."
                ),
                series: format!("class:{name}:live"),
                subject: name,
            }});
        }
        if let Some((via, run)) = found {
            let cycles = if via == Via::Marks { c.mark_cycles } else if via == Via::Floors { c.floor_cycles } else { c.window_cycles };
            let severity = if run.len() >= 2 * cycles || cl.live >= 10_000.0 { Severity::Error } else { Severity::Warning };
            emit(&mut out, &a.alerts, (1, cl.name, 0), severity, &run, [cl.created, cl.freed, cl.reclaimed, cl.live], || format!("bindgen-live-growth:{}", name()), || { let name = name(); Text {
                kind: "bindgen-live-growth",
                title: format!("{name} objects keep piling up ({} live)", fmt_count(cl.live)),
                detail: format!(
                    "The live count of wasm-bindgen class {name} rose at {} successive {}: {}. Created {}, freed {}, reclaimed by GC {}.",
                    run.len(),
                    via.what(),
                    list(&run, fmt_count),
                    fmt_count(cl.created),
                    fmt_count(cl.freed),
                    fmt_count(cl.reclaimed)
                ),
                recommendation: format!(
                    "Call free() (or use `using` / Symbol.dispose) on every {name} once it is no longer needed; the creation stacks of live objects show where they come from."
                ),
                series: format!("class:{name}:live"),
                subject: name,
            }});
        }
        if cl.reclaimed > 0.0 {
            let severity = if cl.reclaimed >= c.forgot_free_error_count { Severity::Error } else { Severity::Warning };
            emit(&mut out, &a.alerts, (2, cl.name, 0), severity, &cl.reclaimed_points, [cl.created, cl.reclaimed, 0.0, 0.0], || format!("bindgen-forgot-free:{}", name()), || { let name = name(); Text {
                kind: "bindgen-forgot-free",
                title: format!("{} {name} objects were never freed (reclaimed by the GC)", fmt_count(cl.reclaimed)),
                detail: format!(
                    "wasm-bindgen's finalizer reclaimed {} of {} {name} objects that were dropped without free(). The memory came back this time, but only when the GC ran: under load, in long sessions, or with wasm-bindgen versions that register no finalizer, these objects leak.",
                    fmt_count(cl.reclaimed),
                    fmt_count(cl.created)
                ),
                recommendation: format!("Call free() explicitly (try/finally, or `using`) as soon as each {name} is no longer needed."),
                series: format!("class:{name}:reclaimed"),
                subject: name,
            }});
        }
    }

    // --- memories -------------------------------------------------------------------
    let mut live_total = 0.0;
    let mut live_changed = f64::NEG_INFINITY;
    for (mi, m) in a.memories.iter().enumerate() {
        if m.collected {
            continue;
        }
        live_total += m.current;
        live_changed = live_changed.max(m.last_growth);
        let key = || a.name(m.key);
        let owner = || m.owner.map(|o| a.name(o)).unwrap_or_else(|| "unknown owner".to_string());
        let found = a.mark_runs.memory.get(mi).and_then(|x| x.as_deref())
            .map(|r| (Via::Marks, Cow::Borrowed(r)))
            .or_else(|| recent_run(m.rest.levels(), c.floor_min_step_bytes, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r))));
        if let Some((via, run)) = found {
            let cycles = if via == Via::Marks { c.mark_cycles } else { c.floor_cycles };
            let severity = if run.len() >= 2 * cycles { Severity::Error } else { Severity::Warning };
            let (lo, hi) = (run.first().map(|l| l.1).unwrap_or(0.0), run.last().map(|l| l.1).unwrap_or(0.0));
            emit(&mut out, &a.alerts, (3, m.key, 0), severity, &run, [0.0; 4], || format!("memory-floor-rising:{}", key()), || { let (key, owner) = (key(), owner()); Text {
                kind: "memory-floor-rising",
                title: format!("Memory {key} settles higher every cycle ({} → {})", fmt_bytes(lo), fmt_bytes(hi)),
                detail: format!(
                    "Committed memory of {key} ({owner}) rose at {} successive {}: {}. A warm-up or a cache that fills once settles at one level; this keeps climbing.",
                    run.len(),
                    via.what(),
                    list(&run, fmt_bytes)
                ),
                recommendation: "Something allocated per cycle (per file, per request) is kept. Place a mark before and after one cycle and diff them to see which classes or registries grow; free them or bound the cache.".to_string(),
                series: format!("memory:{key}:bytes"),
                subject: key,
            }});
        }
        if m.alloc.is_some() {
            let used = recent_run(m.used_rest.levels(), c.floor_min_step_bytes, c.floor_cycles, now, c.hold_ms)
                .map(|r| (Via::Floors, r))
                .or_else(|| {
                    recent_run(m.used_window.mins(), f64::MIN_POSITIVE, c.window_cycles, now, c.hold_ms)
                        .filter(|r| match (r.first(), r.last()) {
                            (Some(f), Some(l)) => l.1 - f.1 >= 4.0 * c.floor_min_step_bytes,
                            _ => false,
                        })
                        .map(|r| (Via::Windows, r))
                });
            if let Some((via, run)) = used {
                let (lo, hi) = (run.first().map(|l| l.1).unwrap_or(0.0), run.last().map(|l| l.1).unwrap_or(0.0));
                emit(&mut out, &a.alerts, (4, m.key, 0), Severity::Warning, &run, [0.0; 4], || format!("memory-floor-rising:{}:used", key()), || { let (key, owner) = (key(), owner()); Text {
                    kind: "memory-floor-rising",
                    title: format!("Allocated bytes in {key} settle higher every cycle ({} → {})", fmt_bytes(lo), fmt_bytes(hi)),
                    detail: format!(
                        "The allocator's live bytes in {key} ({owner}) rose at {} successive {}: {}.",
                        run.len(),
                        via.what(),
                        list(&run, fmt_bytes)
                    ),
                    recommendation: "Allocations made per cycle are never freed: find the malloc without a matching free (or the C++ object never deleted) in the code run each cycle.".to_string(),
                    series: format!("memory:{key}:used"),
                    subject: key,
                }});
            }
        }
        if let (Some(since), Some(al)) = (m.frag_since, m.alloc) {
            if now - since >= c.frag_min_ms {
                emit(&mut out, &a.alerts, (5, m.key, 0), Severity::Warning, &[(m.last_growth, m.current), (al.time, al.live_bytes)], [al.live_allocs, m.peak, 0.0, 0.0], || format!("fragmentation:{}", key()), || { let (key, owner) = (key(), owner()); Text {
                    kind: "fragmentation",
                    title: format!("Memory {key}: only {} of {} committed is in use", fmt_bytes(al.live_bytes), fmt_bytes(m.current)),
                    detail: format!(
                        "The allocator of {key} ({owner}) holds {} in {} live allocations, {}% of the {} committed (peak {}). WebAssembly memory never shrinks, so the rest stays reserved.",
                        fmt_bytes(al.live_bytes),
                        fmt_count(al.live_allocs),
                        fixed(if m.current > 0.0 { al.live_bytes / m.current * 100.0 } else { 0.0 }, 0),
                        fmt_bytes(m.current),
                        fmt_bytes(m.peak)
                    ),
                    recommendation: "Lower the peak (process big inputs in chunks, free temporaries sooner) or recreate the instance after a big job to give the memory back.".to_string(),
                    series: format!("memory:{key}:used"),
                    subject: key,
                }});
            }
        }
        if let Some(budget) = c.memory_budget {
            budget_finding(&mut out, &a.alerts, (8, m.key, 0), &c.budget_levels, budget, m.current, m.last_growth, Some(&key));
        }
    }
    if let Some(budget) = c.page_budget {
        budget_finding(&mut out, &a.alerts, (9, 0, 0), &c.budget_levels, budget, live_total, live_changed, None);
    }

    // --- replaced memories ----------------------------------------------------------
    replaced(a, &mut out);

    // --- registries -----------------------------------------------------------------
    for (ri, r) in a.registries.iter().enumerate() {
        let found = a.mark_runs.registry.get(ri).and_then(|x| x.as_deref())
            .map(|r| (Via::Marks, Cow::Borrowed(r)))
            .or_else(|| recent_run(r.rest.levels(), c.registry_min_step, c.floor_cycles, now, c.hold_ms).map(|r| (Via::Floors, Cow::Owned(r))))
            .or_else(|| recent_run(r.window.mins(), c.registry_min_step, c.window_cycles, now, c.hold_ms).map(|r| (Via::Windows, Cow::Owned(r))));
        if let Some((via, run)) = found {
            let (lo, hi) = (run.first().map(|l| l.1).unwrap_or(0.0), run.last().map(|l| l.1).unwrap_or(0.0));
            emit(&mut out, &a.alerts, (6, r.name, r.field), Severity::Warning, &run, [0.0; 4], || format!("registry-growth:{}:{}", a.name(r.name), a.name(r.field)), || { let (name, field) = (a.name(r.name), a.name(r.field)); Text {
                kind: "registry-growth",
                title: format!("Registry {name}: {field} keeps growing ({} → {})", fmt_count(lo), fmt_count(hi)),
                detail: format!("{name}.{field} rose at {} successive {}: {}.", run.len(), via.what(), list(&run, fmt_count)),
                recommendation: format!("Remove entries from {name} when what they describe is released, or bound it (size cap, LRU)."),
                series: format!("registry:{name}:{field}"),
                subject: name,
            }});
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn budget_finding(out: &mut Vec<Hit>, book: &AlertBook, akey: AlertKey, levels: &[f64], budget: f64, bytes: f64, changed: f64, memory: Option<&dyn Fn() -> String>) {
    if !(budget > 0.0) || levels.is_empty() {
        return;
    }
    let ratio = bytes / budget;
    let crossed = levels.iter().filter(|&&l| ratio >= l).count();
    if crossed == 0 {
        return;
    }
    let level = levels.get(crossed - 1).copied().unwrap_or(1.0);
    let severity = if ratio >= 1.0 || crossed == levels.len() {
        Severity::Error
    } else if crossed == 1 && levels.len() > 2 {
        Severity::Info
    } else {
        Severity::Warning
    };
    let subject = || memory.map(|k| k()).unwrap_or_else(|| "page".to_string());
    emit(out, book, akey, severity, &[(changed, bytes)], [budget, level, 0.0, 0.0], || format!("budget:{}", subject()), || {
        let subject = subject();
        let (what, series) = if memory.is_some() { (format!("Memory {subject}"), format!("memory:{subject}:bytes")) } else { ("Page memory".to_string(), "page:bytes".to_string()) };
        Text {
            kind: "budget",
            title: format!("{what} past {}% of its budget ({} of {})", fixed(level * 100.0, 0), fmt_bytes(bytes), fmt_bytes(budget)),
            detail: format!("{what} is at {}% of the configured budget of {}.", fixed(ratio * 100.0, 1), fmt_bytes(budget)),
            recommendation: "Lower the peak: free objects sooner, bound caches, process big inputs in chunks; or raise the budget if this size is expected.".to_string(),
            series,
            subject,
        }
    });
}

/// Group key of a memory: same realm and same module (URL + size) or, when the module is
/// unknown, same owner URL.
fn group_of(a: &Analyzer, m: &crate::analyzer::Memory) -> Option<(u32, u32, u64)> {
    let realm = m.realm.unwrap_or(u32::MAX);
    if let Some((Some(url), len)) = m.module.and_then(|k| a.modules.get(&k)).copied() {
        return Some((realm, url, len.to_bits()));
    }
    m.owner.map(|o| (realm, o, u64::MAX))
}

/// In-wasm growth is seen by the page's sampler up to one tick (100 ms) late, more on a busy
/// page: growth an old memory shows this soon after a newer sibling appeared still happened
/// before it (an engine that finished loading just as the next one was opened).
pub const REPLACED_GROWTH_LAG_MS: f64 = 1000.0;

fn replaced(a: &Analyzer, out: &mut Vec<Hit>) {
    let c = &a.config;
    let now = a.now;
    if a.memories.len() < 2 {
        return;
    }
    let mut groups: FxHashMap<(u32, u32, u64), Vec<usize>> = FxHashMap::default();
    let mut order: Vec<(u32, u32, u64)> = Vec::new();
    for (i, m) in a.memories.iter().enumerate() {
        if let Some(g) = group_of(a, m) {
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
        let mems: Vec<&crate::analyzer::Memory> = members.iter().filter_map(|&i| a.memories.get(i)).collect();
        // Pass 1: superseded by a sibling that has existed for the grace period. Pass 2 (once
        // the pattern is established in this group): every other idle, superseded one too.
        let mut stale: Vec<(&crate::analyzer::Memory, &crate::analyzer::Memory)> = Vec::new();
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
        for (old, newer) in &stale {
            let severity = if count >= 3 { Severity::Error } else { Severity::Warning };
            let points = [(old.first_seen, old.current), (newer.first_seen, old.current)];
            emit(out, &a.alerts, (7, old.key, 0), severity, &points, [count as f64, total, 0.0, 0.0], || format!("memory-replaced:{}", a.name(old.key)), || {
                let key = a.name(old.key);
                let new_key = a.name(newer.key);
                let owner = old.owner.map(|o| a.name(o)).unwrap_or_else(|| "unknown owner".to_string());
                Text {
                kind: "memory-replaced",
                title: format!("Memory {key} ({}) is still alive after its instance was replaced", fmt_bytes(old.current)),
                detail: format!(
                    "{owner} was instantiated again ({new_key}), but the earlier memory {key} was never collected and has not grown since. {count} superseded memories of this module hold {} in all.",
                    fmt_bytes(total)
                ),
                recommendation: "When replacing an instance, drop every reference to the old one (exports, memory views, wasm-bindgen objects, closures, listeners), or reuse a single instance.".to_string(),
                series: format!("memory:{key}:bytes"),
                subject: key,
            }});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str) -> Finding {
        Finding {
            id: id.to_string(),
            kind: "budget",
            severity: Severity::Info,
            subject: "page".into(),
            title: "t".into(),
            detail: "d".into(),
            recommendation: "r".into(),
            series: "page:bytes".into(),
            points: vec![],
            sig: [0.0; 4],
            key: (9, id.len() as u32, 0),
        }
    }

    #[test]
    fn lifecycle_raise_update_resolve_reraise() {
        let mut b = AlertBook::default();
        b.apply(vec![Hit::New(f("a"))], 1.0);
        assert_eq!(b.all().len(), 1);
        assert!(b.all()[0].active);
        let mut g = f("a");
        g.severity = Severity::Error;
        b.apply(vec![Hit::New(g.clone())], 2.0);
        assert_eq!((b.all()[0].raised_at, b.all()[0].updated_at), (1.0, 2.0));
        b.apply(vec![Hit::New(g.clone())], 3.0);
        assert_eq!(b.all()[0].updated_at, 2.0, "unchanged finding does not bump updatedAt");
        b.apply(vec![], 4.0);
        assert!(!b.all()[0].active);
        b.apply(vec![Hit::New(g)], 5.0);
        assert!(b.all()[0].active);
        assert_eq!(b.all()[0].raised_at, 5.0);
        assert_eq!(b.all().len(), 1, "same id, same alert");
    }

    #[test]
    fn fixed_point_formatting() {
        assert_eq!(fixed(1.25, 1), "1.3");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-2.5, 2), "-2.50");
        assert_eq!(fixed(99.96, 0), "100");
        assert_eq!(fmt_bytes(150.0 * 1048576.0), "150.0 MiB");
        assert_eq!(fmt_bytes(3.0 * 1073741824.0), "3.00 GiB");
        assert_eq!(fmt_bytes(1536.0), "2 KiB");
        assert_eq!(fmt_bytes(12.0), "12 B");
    }

    #[test]
    fn recent_run_needs_recency() {
        let lv: VecDeque<Level> = [(0.0, 1.0), (10.0, 2.0), (20.0, 3.0), (30.0, 4.0)].into_iter().collect();
        assert_eq!(recent_run(&lv, 1.0, 4, 35.0, 5.0).map(|r| r.len()), Some(4));
        assert_eq!(recent_run(&lv, 1.0, 4, 100.0, 5.0), None, "stale: 3 * mean cycle (30) exceeded");
        assert_eq!(recent_run(&lv, 1.0, 5, 35.0, 5.0), None);
        assert_eq!(recent_run(&lv, 2.0, 2, 35.0, 5.0), None);
    }

    #[test]
    fn marks_run_ends_at_last_mark() {
        let snaps: Vec<MarkSnap> = [1.0, 2.0, 3.0, 3.0]
            .iter()
            .enumerate()
            .map(|(i, &v)| MarkSnap { time: i as f64, label: 0, memories: vec![(0, v)], classes: vec![], registries: vec![] })
            .collect();
        let pick = |m: &MarkSnap| snap_at(&m.memories, 0);
        assert_eq!(marks_run_by(&snaps, pick, 1.0, 3), None, "the last mark did not rise");
        assert_eq!(marks_run_by(&snaps[..3], pick, 1.0, 3), Some(vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]));
        assert_eq!(marks_run_by(&snaps[..3], pick, 1.5, 3), None);
        assert_eq!(snap_at(&[(1, 5.0), (4, 6.0)], 4), Some(6.0));
        assert_eq!(snap_at(&[(1, 5.0), (4, 6.0)], 2), None);
    }
}
