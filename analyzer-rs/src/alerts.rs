//! The alert book: alert lifecycle and ids, and the cache that spares rebuilding the texts
//! of an unchanged finding.
//!
//! The heuristics ([`crate::heuristics`]) list what is wrong at one evaluation, through a
//! [`Sink`]. [`AlertBook::apply`] turns successive findings into alerts with stable ids
//! (`kind:subject[:detail]`): raised when first found, updated while found, resolved when no
//! longer found, raised again (same id) if it comes back. JSON emission is in
//! [`crate::report`].

use crate::fxhash::FxHashMap;
use crate::kind::Kind;

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
    /// The wire name (`severity` of an alert).
    pub fn as_str(self) -> &'static str {
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
    /// Alert kind.
    pub kind: Kind,
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
    /// Identity (kind, subject id, detail), same for the same `id`.
    pub key: AlertKey,
    /// A JSON object of kind-specific details (`incident` of an out-of-memory alert), or None.
    pub extra: Option<String>,
}

/// Identity of an alert: (kind, interned subject id, detail). Lets an evaluation recognise an
/// unchanged alert without formatting its id. `detail` tells apart two alerts of one kind about
/// one subject (see [`detail`]).
pub type AlertKey = (Kind, u32, u32);

/// The `detail` part of an [`AlertKey`].
pub mod detail {
    /// The usual alert of its kind about its subject.
    pub const MAIN: u32 = 0;
    /// `memory-floor-rising:<key>:used`: the allocator's live bytes.
    pub const USED: u32 = 1;
    /// `budget:page`: the page budget (subject 0).
    pub const PAGE: u32 = 1;
}

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
    pub kind: Kind,
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

/// Collects the findings of one evaluation, reusing the active alert's texts when nothing they
/// depend on changed (formatting is the costliest part of an evaluation).
pub struct Sink<'a> {
    book: &'a AlertBook,
    out: Vec<Hit>,
}

impl<'a> Sink<'a> {
    /// An empty evaluation against the alerts of `book`.
    pub fn new(book: &'a AlertBook) -> Sink<'a> {
        Sink { book, out: Vec::new() }
    }

    /// The findings, in the order they were emitted.
    pub fn finish(self) -> Vec<Hit> {
        self.out
    }

    /// Push a finding. `points` is cut to the latest [`MAX_EVIDENCE`]; `sig` holds the other
    /// numbers the texts depend on; `id` and `text` are called only when the finding is new or
    /// changed.
    pub fn emit(
        &mut self,
        key: AlertKey,
        severity: Severity,
        points: &[(f64, f64)],
        sig: [f64; 4],
        id: impl FnOnce() -> String,
        text: impl FnOnce() -> Text,
    ) {
        self.emit_with(key, severity, points, sig, id, || (text(), None));
    }

    /// [`Sink::emit`] for a finding with kind-specific details: `text` also gives the JSON
    /// object of [`Finding::extra`] (which, like the texts, must depend only on the inputs named).
    pub fn emit_with(
        &mut self,
        key: AlertKey,
        severity: Severity,
        points: &[(f64, f64)],
        sig: [f64; 4],
        id: impl FnOnce() -> String,
        text: impl FnOnce() -> (Text, Option<String>),
    ) {
        let points = points.get(points.len().saturating_sub(MAX_EVIDENCE)..).unwrap_or(points);
        if let Some(&i) = self.book.by_key.get(&key) {
            if let Some(prev) = self.book.alerts.get(i) {
                if prev.active && prev.finding.severity == severity && prev.finding.points == points && prev.finding.sig == sig {
                    self.out.push(Hit::Same(i));
                    return;
                }
            }
        }
        let (t, extra) = text();
        self.out.push(Hit::New(Finding {
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
            extra,
        }));
    }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str) -> Finding {
        Finding {
            id: id.to_string(),
            kind: Kind::Budget,
            severity: Severity::Info,
            subject: "page".into(),
            title: "t".into(),
            detail: "d".into(),
            recommendation: "r".into(),
            series: "page:bytes".into(),
            points: vec![],
            sig: [0.0; 4],
            key: (Kind::Budget, id.len() as u32, 0),
            extra: None,
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
}
