//! `bindgen-orphaned`: objects of a class whose JS wrapper was garbage-collected while their
//! wasm pointer was never released. Nothing can free them any more (the wrapper was the only
//! handle, and the glue has no finalizer that ran for it): leaked for good. The page counts them
//! object by object for classes whose objects it sees created one by one (old `ptr` glue,
//! 0.2.88 to 0.2.92 constructors); the figure is a lower bound. Always an error; never resolves
//! within a session (orphans stay orphaned).

use super::Input;
use crate::alerts::{detail, Severity, Sink, Text};
use crate::kind::Kind;
use crate::model::Class;
use crate::text::fmt_count;

/// Orphans at which the alert is raised: one is already memory that can never come back.
pub const MIN_ORPHANED: f64 = 1.0;
/// Lines of each creation stack quoted in the alert.
const STACK_LINES: usize = 3;

/// Emit the alert of class `cl` if any of its objects is orphaned.
pub fn find(input: &Input, out: &mut Sink, cl: &Class) {
    let orphaned = match cl.orphaned {
        Some(n) if n >= MIN_ORPHANED => n, // false for NaN too
        _ => return,
    };
    let kind = Kind::BindgenOrphaned;
    let name = || input.name(cl.name);
    let id = || format!("{}:{}", kind.name(), name());
    let text = || {
        let name = name();
        Text {
            kind,
            title: format!("{} objects collected in JS but never freed in wasm: leaked", fmt_count(orphaned)),
            detail: format!(
                "At least {} of {} {name} objects lost their JS wrapper to the garbage collector while \
                 their Rust value was never freed. No finalizer freed them (this glue registers none for \
                 them, or it did not run), and nothing else holds their pointer: their wasm memory can \
                 never come back.{}",
                fmt_count(orphaned),
                fmt_count(cl.created),
                stacks_sentence(input, cl)
            ),
            recommendation: format!(
                "Call free() on every {name} when it is no longer needed (try/finally, or `using`); \
                 wasm-bindgen 0.2.93 or later also registers a finalizer for objects made by `new`."
            ),
            series: format!("class:{name}:orphaned"),
            subject: name,
        }
    };
    let stacks = cl.orphan_stacks.len() as f64;
    out.emit((kind, cl.name, detail::MAIN), Severity::Error, &cl.orphaned_points, [cl.created, orphaned, stacks, 0.0], id, text);
}

/// " Created at (sampled orphans): ..." naming the first lines of the known creation stacks.
fn stacks_sentence(input: &Input, cl: &Class) -> String {
    let list: Vec<String> = cl
        .orphan_stacks
        .iter()
        .map(|&s| {
            let text = input.name(s);
            let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(STACK_LINES).collect();
            lines.join(" < ")
        })
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return String::new();
    }
    format!(" Creation stacks of sampled orphans: {}.", list.join("; "))
}

#[cfg(test)]
mod tests {
    use crate::alerts::Severity;
    use crate::records::{encode, Record};
    use crate::Analyzer;

    fn feed(a: &mut Analyzer, recs: &[Record]) {
        let flat: Vec<f64> = recs.iter().flat_map(encode).collect();
        assert_eq!(a.ingest(&flat), 0);
    }

    fn bindgen(t: f64, created: f64, freed: f64) -> Record {
        Record::Bindgen { t, class: 1, module: None, created, freed, reclaimed: 0.0, live: created - freed }
    }

    fn orphans(t: f64, n: f64, stack: Option<u32>) -> Record {
        Record::Orphans { t, class: 1, module: None, orphaned: n, stacks: [stack, None, None] }
    }

    fn analyzer() -> Analyzer {
        let mut a = Analyzer::new();
        a.set_name(1, "PhotonImage");
        a.set_name(2, "Error\n    at leak (http://x/page.html:12:19)\n    at http://x/page.html:20:3\n    at more");
        a
    }

    fn active(a: &mut Analyzer) -> Vec<(String, Severity, String, String)> {
        a.evaluate();
        a.alerts
            .all()
            .iter()
            .filter(|x| x.active)
            .map(|x| (x.finding.id.clone(), x.finding.severity, x.finding.title.clone(), x.finding.detail.clone()))
            .collect()
    }

    #[test]
    fn orphans_raise_an_error_alert_with_their_stacks() {
        let mut a = analyzer();
        feed(&mut a, &[bindgen(100.0, 200.0, 0.0), orphans(100.0, 0.0, None), bindgen(200.0, 200.0, 0.0), orphans(200.0, 200.0, Some(2))]);
        let alerts = active(&mut a);
        let (_, severity, title, detail) = alerts.iter().find(|x| x.0 == "bindgen-orphaned:PhotonImage").expect("orphan alert");
        assert_eq!(*severity, Severity::Error);
        assert_eq!(title, "200 objects collected in JS but never freed in wasm: leaked");
        assert!(detail.contains("at leak (http://x/page.html:12:19) < at http://x/page.html:20:3"), "{detail}");
        assert!(!detail.contains("at more"), "three lines per stack at most");
        let json = a.report_json();
        assert!(json.contains("\"orphaned\":200"), "{json}");
    }

    #[test]
    fn no_orphans_no_alert_and_no_figure_when_not_watched() {
        let mut a = analyzer();
        feed(&mut a, &[bindgen(100.0, 200.0, 200.0), orphans(100.0, 0.0, None)]);
        assert!(active(&mut a).iter().all(|x| x.0 != "bindgen-orphaned:PhotonImage"));
        assert!(a.report_json().contains("\"orphaned\":0"));
        let mut b = analyzer();
        feed(&mut b, &[bindgen(100.0, 5.0, 0.0)]);
        assert!(active(&mut b).iter().all(|x| x.0 != "bindgen-orphaned:PhotonImage"));
        assert!(!b.report_json().contains("orphaned"), "no figure for a class not watched object by object");
    }

    #[test]
    fn an_orphans_record_before_its_class_is_rejected() {
        let mut a = analyzer();
        let flat = encode(&orphans(100.0, 3.0, None));
        assert_eq!(a.ingest(&flat), 1, "counted as a bad record");
        assert!(active(&mut a).is_empty());
        assert!(!a.report_json().contains("orphaned"));
    }
}
