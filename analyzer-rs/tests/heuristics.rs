//! Each heuristic on synthetic series: the leaky pattern raises the right alert about the
//! right subject, the look-alike clean pattern raises nothing; plus golden reports
//! (tests/expectations/*.json, regenerate with UPDATE_EXPECT=1).

mod common;

use common::{Sim, MIB};

const OWNER: &str = "https://app.test/engine.wasm";

fn floor_rising(loads: usize) -> Sim {
    floor_rising_configured(loads, 4)
}

/// `loads` loads of 150 MiB each, resting in between, with `floorCycles` set first.
fn floor_rising_configured(loads: usize, floor_cycles: usize) -> Sim {
    let mut s = Sim::new();
    s.a.config.floor_cycles = floor_cycles;
    s.memory("r1:1", 16.0 * MIB, OWNER).idle(2000.0, 250.0);
    for i in 0..loads {
        let base = 16.0 * MIB + i as f64 * 150.0 * MIB;
        for k in 1..=3 {
            s.advance(50.0).grow("r1:1", base + k as f64 * 50.0 * MIB);
        }
        s.idle(5000.0, 250.0);
    }
    s
}

fn warm_up_plateau() -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", MIB, OWNER);
    for i in 1..=40 {
        s.advance(100.0).grow("r1:1", (1 + i * 4) as f64 * MIB);
    }
    s.idle(120_000.0, 500.0);
    s
}

fn cache_fills_once() -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER).idle(3000.0, 250.0);
    for i in 1..=8 {
        s.advance(200.0).grow("r1:1", (16 + i * 8) as f64 * MIB);
    }
    for cycle in 1..=20 {
        s.bindgen("Entry", (cycle * 100) as f64, (cycle * 100 - 5) as f64, 0.0);
        s.registry("cache", "entries", if cycle == 1 { 250.0 } else { 500.0 });
        s.idle(3000.0, 250.0);
    }
    s
}

fn engines_replaced(files: usize, collect_old: bool) -> Sim {
    let mut s = Sim::new();
    for i in 1..=files {
        let key = format!("r1:{i}");
        s.memory(&key, MIB, OWNER);
        s.advance(100.0).grow(&key, 150.0 * MIB);
        if collect_old && i > 1 {
            s.advance(2000.0).collected(&format!("r1:{}", i - 1));
        }
        s.idle(15_000.0, 500.0);
    }
    s
}

fn bindgen_leak(actions: usize) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    let (mut created, mut freed) = (0.0, 0.0);
    for _ in 0..actions {
        created += 50.0;
        s.advance(100.0).bindgen("Tokenizer", created, freed, 0.0);
        freed += 40.0;
        s.advance(100.0).bindgen("Tokenizer", created, freed, 0.0);
        s.idle(3000.0, 250.0);
    }
    s
}

fn bindgen_churn(actions: usize) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    for a in 1..=actions {
        s.advance(100.0).bindgen("Tokenizer", (a * 50) as f64, ((a - 1) * 50) as f64, 0.0);
        s.advance(100.0).bindgen("Tokenizer", (a * 50) as f64, (a * 50) as f64, 0.0);
        s.idle(2000.0, 250.0);
    }
    s
}

fn fragmentation(after_job_used: f64) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, "https://app.test/sql-wasm.wasm").alloc("r1:1", 2.0 * MIB).idle(1000.0, 250.0);
    s.advance(100.0).grow("r1:1", 256.0 * MIB).alloc("r1:1", 230.0 * MIB);
    s.idle(2000.0, 250.0).alloc("r1:1", after_job_used).idle(10_000.0, 250.0);
    s
}

#[test]
fn floor_rising_is_flagged_after_enough_cycles_and_resolves_when_it_stops() {
    let mut s = floor_rising(2);
    assert!(s.active_ids().is_empty(), "two loads are not a pattern yet");
    let mut s = floor_rising(4);
    assert_eq!(s.active_ids(), vec!["memory-floor-rising:r1:1"]);
    let alert = s.a.alerts.all()[0].clone();
    assert_eq!(alert.finding.subject, "r1:1");
    assert_eq!(alert.finding.series, "memory:r1:1:bytes");
    assert!(alert.finding.points.len() >= 4);
    // Raised within a few seconds of the 3rd rise settling (rest_ms + eval interval).
    let third_rise_rest = alert.finding.points[3].0;
    assert!(alert.raised_at - third_rise_rest <= 2500.0, "raised {} ms after the evidence", alert.raised_at - third_rise_rest);
    // The pattern stops: resolved after the hold time, same id.
    s.idle(120_000.0, 1000.0);
    assert_eq!(s.alerts(), vec![("memory-floor-rising:r1:1".to_string(), false, "Warning".to_string())]);
}

#[test]
fn warm_up_and_cache_filling_once_are_not_flagged() {
    assert!(warm_up_plateau().alerts().is_empty());
    assert!(cache_fills_once().alerts().is_empty());
}

#[test]
fn replaced_engines_are_flagged_old_ones_only_and_collected_ones_not() {
    let mut s = engines_replaced(3, false);
    let ids = s.active_ids();
    assert_eq!(ids, vec!["memory-replaced:r1:1", "memory-replaced:r1:2"]);
    let mut clean = engines_replaced(4, true);
    assert!(clean.alerts().is_empty(), "{:?}", clean.alerts());
    // Collecting the old memories resolves the alerts.
    s.collected("r1:1").collected("r1:2").advance(1000.0).sample();
    assert!(s.active_ids().is_empty());
}

#[test]
fn two_different_modules_are_not_replacements() {
    let mut s = Sim::new();
    s.memory("r1:1", 32.0 * MIB, "https://app.test/a.wasm").idle(5000.0, 500.0);
    s.memory("r1:2", 32.0 * MIB, "https://app.test/b.wasm").idle(30_000.0, 500.0);
    // Same module in two realms (e.g. workers) is not a replacement either.
    s.memory("w1:1", 32.0 * MIB, "https://app.test/a.wasm").idle(30_000.0, 500.0);
    assert!(s.alerts().is_empty());
}

#[test]
fn replaced_engine_whose_last_growth_was_sampled_just_after_its_successor_appeared() {
    // The sampler saw the old engine's final growth 80 ms after the next engine was created
    // (it finished loading just as the next file was opened): still a replacement.
    let mut s = Sim::new();
    s.memory("r1:1", MIB, OWNER);
    s.advance(50.0).grow("r1:1", 3.0 * MIB);
    s.advance(100.0);
    s.memory("r1:2", MIB, OWNER);
    s.advance(80.0).grow("r1:1", 4.0 * MIB);
    s.advance(50.0).grow("r1:2", 3.0 * MIB);
    s.idle(11_000.0, 500.0);
    assert_eq!(s.active_ids(), vec!["memory-replaced:r1:1"]);
}

#[test]
fn replacement_needs_the_old_memory_idle() {
    // Two instances of one module both in use: the old one keeps growing.
    let mut s = Sim::new();
    s.memory("r1:1", 2.0 * MIB, OWNER).idle(1000.0, 500.0);
    s.memory("r1:2", 2.0 * MIB, OWNER);
    for i in 1..=20 {
        s.advance(1000.0).grow("r1:1", (2 + i) as f64 * MIB);
    }
    assert!(s.alerts().is_empty());
}

#[test]
fn bindgen_live_growth_vs_churn() {
    let mut s = bindgen_leak(5);
    assert_eq!(s.active_ids(), vec!["bindgen-live-growth:Tokenizer"]);
    assert!(bindgen_churn(20).alerts().is_empty());
    assert!(bindgen_leak(2).alerts().is_empty(), "two actions are not a pattern yet");
}

#[test]
fn bindgen_live_growth_across_marks() {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    // Events every tick with jitter: never resting, but each action leaves one Doc behind.
    let mut live = 0.0;
    for a in 0..4 {
        s.mark(&format!("action {a}"));
        for k in 0..5 {
            s.advance(150.0).bindgen("Doc", live + 3.0 + k as f64, 0.0, 0.0);
        }
        live += 1.0;
        s.advance(150.0).bindgen("Doc", live, 0.0, 0.0);
    }
    s.mark("end");
    assert_eq!(s.active_ids(), vec!["bindgen-live-growth:Doc"]);
    let f = &s.a.alerts.all()[0].finding;
    assert!(f.detail.contains("marks"), "{}", f.detail);
}

#[test]
fn forgot_free_is_reported_even_though_memory_came_back() {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    s.advance(100.0).bindgen("Resvg", 3.0, 1.0, 0.0).idle(2000.0, 250.0);
    assert!(s.alerts().is_empty());
    s.advance(100.0).bindgen("Resvg", 3.0, 1.0, 2.0).idle(60_000.0, 1000.0);
    assert_eq!(s.alerts(), vec![("bindgen-forgot-free:Resvg".to_string(), true, "Warning".to_string())]);
    let f = &s.a.alerts.all()[0].finding;
    assert_eq!(f.points, vec![(2200.0, 2.0)]);
}

#[test]
fn never_freed_objects_are_flagged_but_few_long_lived_ones_are_not() {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    s.advance(100.0).bindgen("Resvg", 10.0, 0.0, 0.0).bindgen("Config", 1.0, 0.0, 0.0).idle(3000.0, 250.0);
    assert_eq!(s.active_ids(), vec!["bindgen-live-growth:Resvg"]);
    // Freed later: resolved.
    s.advance(100.0).bindgen("Resvg", 10.0, 10.0, 0.0).idle(3000.0, 250.0);
    assert!(s.active_ids().is_empty());
}

#[test]
fn registry_growth_without_bound_vs_bounded() {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    for i in 1..=30 {
        s.advance(1000.0).registry("documents", "count", (i * 3) as f64).registry("lru", "count", i.min(8) as f64).sample();
    }
    assert_eq!(s.active_ids(), vec!["registry-growth:documents:count"]);
    assert_eq!(s.a.alerts.all()[0].finding.subject, "documents");
}

#[test]
fn fragmentation_after_a_big_job_vs_a_heap_still_in_use() {
    let mut s = fragmentation(6.0 * MIB);
    assert_eq!(s.active_ids(), vec!["fragmentation:r1:1"]);
    assert!(fragmentation(200.0 * MIB).alerts().is_empty());
    // A small heap that never grew: sql.js at rest is not fragmentation.
    let mut small = Sim::new();
    small.memory("r1:1", 16.0 * MIB, OWNER).alloc("r1:1", MIB).idle(30_000.0, 500.0);
    assert!(small.alerts().is_empty());
}

#[test]
fn budgets_with_levels() {
    let mut s = Sim::new();
    s.a.config.memory_budget = Some(100.0 * MIB);
    s.a.config.page_budget = Some(200.0 * MIB);
    s.memory("r1:1", 50.0 * MIB, OWNER).idle(500.0, 250.0);
    assert!(s.alerts().is_empty());
    let mut seen = Vec::new();
    for mb in [62.0, 77.0, 88.0, 97.0] {
        s.advance(100.0).grow("r1:1", mb * MIB).idle(500.0, 250.0);
        let a = s.alerts();
        let b = a.iter().find(|x| x.0 == "budget:r1:1").cloned();
        seen.push(b.map(|x| x.2));
    }
    assert_eq!(seen, vec![Some("Info".to_string()), Some("Warning".to_string()), Some("Warning".to_string()), Some("Error".to_string())]);
    s.memory("r1:2", 80.0 * MIB, "https://app.test/other.wasm").idle(500.0, 250.0);
    assert!(s.active_ids().contains(&"budget:page".to_string()));
    s.collected("r1:2").collected("r1:1").advance(500.0);
    assert!(!s.active_ids().iter().any(|x| x.starts_with("budget:")));
}

#[test]
fn alerts_replay_identically() {
    let a = floor_rising(5).a.report_json();
    let b = floor_rising(5).a.report_json();
    assert_eq!(a, b);
}

// --- golden reports ---------------------------------------------------------------------

/// Re-indent compact JSON (2 spaces), so expectation files read and diff well.
fn pretty(json: &str) -> String {
    let mut out = String::new();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
                out.push(c);
            }
            ',' => {
                out.push(c);
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

fn golden(name: &str, mut s: Sim) {
    let json = pretty(&s.a.report_json());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expectations").join(format!("{name}.json"));
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, format!("{json}\n")).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}: run with UPDATE_EXPECT=1", path.display()));
    assert_eq!(json.trim_end(), expected.trim_end(), "report differs from {}; run with UPDATE_EXPECT=1 if intended", path.display());
}

#[test]
fn golden_reports() {
    golden("floor-rising", floor_rising(4));
    golden("warm-up-plateau", warm_up_plateau());
    golden("engines-replaced", engines_replaced(3, false));
    golden("engines-replaced-fixed", engines_replaced(3, true));
    golden("bindgen-leak", bindgen_leak(5));
    golden("fragmentation", fragmentation(6.0 * MIB));
    golden("fragmentation-js-boundary", fragmentation_js(6.0 * MIB));
    let mut used = used_at_marks(4, true);
    used.sites("r1:1", &[("sqlite3MemMalloc", 5.0 * MIB, 80.0), ("growOpArray", 2.0 * MIB, 4.0)]);
    golden("used-rising-marks", used);
    golden("used-rising-marks-js-boundary", used_at_marks(4, false));
}

#[test]
fn replaced_burst_flags_every_superseded_engine_once_the_pattern_is_established() {
    // Six engines opened in a burst; 10 s after the second one appeared, the first is past the
    // grace period and all five superseded (idle, alive) engines are flagged; not the newest.
    let mut s = Sim::new();
    for i in 1..=6 {
        let key = format!("r1:{i}");
        s.memory(&key, MIB, OWNER);
        s.advance(50.0).grow(&key, 2.0 * MIB);
        s.advance(150.0);
    }
    s.idle(8500.0, 500.0);
    assert!(s.active_ids().is_empty(), "{:?}", s.active_ids());
    s.idle(1500.0, 500.0);
    assert_eq!(s.active_ids(), (1..=5).map(|i| format!("memory-replaced:r1:{i}")).collect::<Vec<_>>());
    assert!(s.a.alerts.all().iter().all(|a| a.finding.severity == wasm_memory_analyzer::alerts::Severity::Error));
}

// --- replaced engines across workers (a watchdog) ------------------------------------------

const WORKER_JS: &str = "https://app.test/engine-worker.js";
const ENGINE_WASM: &str = "https://app.test/engine.wasm";

/// A page `w0` whose watchdog starts a new engine worker every `period` ms, `workers` times;
/// each worker's engine takes 6 MiB; only the newest is given work (heap activity). With
/// `terminate`, the old worker's memory is collected when the next one starts.
fn watchdog(workers: usize, period: f64, terminate: bool) -> Sim {
    use wasm_memory_analyzer::records::realm_kind;
    let mut s = Sim::new();
    s.realm("w0", realm_kind::WINDOW, "https://app.test/", None);
    for i in 1..=workers {
        let realm = format!("wk{i}");
        let key = format!("{realm}:1");
        s.realm(&realm, realm_kind::WORKER, WORKER_JS, Some("w0"));
        s.advance(50.0).memory(&key, MIB, ENGINE_WASM);
        s.advance(50.0).grow(&key, 6.0 * MIB);
        if terminate && i > 1 {
            s.collected(&format!("wk{}:1", i - 1));
        }
        let mut x = 0.0;
        while x < period {
            s.advance(250.0).sample();
            s.alloc_total(&key, 5.0 * MIB, 100.0 + x);
            x += 250.0;
        }
    }
    s
}

/// `workers` pool workers of one script started together (50 ms apart), all given work.
fn busy_pool(workers: usize, busy: bool) -> Sim {
    use wasm_memory_analyzer::records::realm_kind;
    let mut s = Sim::new();
    s.realm("w0", realm_kind::WINDOW, "https://app.test/", None);
    for i in 1..=workers {
        let realm = format!("wk{i}");
        s.realm(&realm, realm_kind::WORKER, WORKER_JS, Some("w0"));
        s.advance(50.0).memory(&format!("{realm}:1"), 6.0 * MIB, ENGINE_WASM);
    }
    for tick in 0..120 {
        s.advance(250.0).sample();
        if busy {
            for i in 1..=workers {
                s.alloc_total(&format!("wk{i}:1"), 5.0 * MIB, (100 + tick) as f64);
            }
        }
    }
    s
}

#[test]
fn a_watchdog_that_never_terminates_old_workers_is_flagged_across_realms() {
    let mut s = watchdog(6, 2000.0, false);
    let ids = s.active_ids();
    assert_eq!(ids, (1..=5).map(|i| format!("memory-replaced:wk{i}:1")).collect::<Vec<_>>(), "every old worker, not the newest");
    let a = s.a.alerts.all()[0].clone();
    assert_eq!(a.finding.severity, wasm_memory_analyzer::alerts::Severity::Error, "5 superseded workers");
    assert!(a.finding.detail.contains(WORKER_JS) && a.finding.detail.contains("never terminated"), "{}", a.finding.detail);
    // Terminating them (collected) resolves the alerts.
    for i in 1..=5 {
        s.collected(&format!("wk{i}:1"));
    }
    s.advance(1000.0).sample();
    assert!(s.active_ids().is_empty());
}

#[test]
fn a_watchdog_that_terminates_old_workers_is_quiet() {
    let mut s = watchdog(6, 2000.0, true);
    assert!(s.alerts().is_empty(), "{:?}", s.alerts());
    // Before the grace period, a leaking watchdog is not flagged yet either.
    let mut early = watchdog(3, 2000.0, false);
    assert!(early.active_ids().is_empty(), "{:?}", early.active_ids());
}

#[test]
fn a_pool_of_busy_workers_is_not_a_replacement() {
    assert!(busy_pool(4, true).alerts().is_empty());
    // Started together, even idle pool workers are one generation, not replacements.
    assert!(busy_pool(4, false).alerts().is_empty());
}

#[test]
fn workers_of_different_scripts_or_parents_are_not_grouped() {
    use wasm_memory_analyzer::records::realm_kind;
    let mut s = Sim::new();
    s.realm("w0", realm_kind::WINDOW, "https://app.test/", None);
    s.realm("wa", realm_kind::WORKER, "https://app.test/a-worker.js", Some("w0"));
    s.memory("wa:1", 6.0 * MIB, ENGINE_WASM).idle(3000.0, 250.0);
    s.realm("wb", realm_kind::WORKER, "https://app.test/b-worker.js", Some("w0"));
    s.memory("wb:1", 6.0 * MIB, ENGINE_WASM).idle(3000.0, 250.0);
    s.realm("w9", realm_kind::WINDOW, "https://app.test/other", None);
    s.realm("wc", realm_kind::WORKER, "https://app.test/a-worker.js", Some("w9"));
    s.memory("wc:1", 6.0 * MIB, ENGINE_WASM).idle(20_000.0, 250.0);
    assert!(s.alerts().is_empty(), "{:?}", s.alerts());
}

#[test]
fn marks_are_bounded_and_diffs_stay_valid() {
    let mut s = Sim::new();
    s.memory("r1:1", MIB, OWNER);
    for i in 0..1100 {
        s.advance(10.0).mark(&format!("m{i}"));
    }
    assert_eq!(s.a.marks.len(), wasm_memory_analyzer::analyzer::MAX_MARKS);
    assert_eq!(s.a.mark_seq, 1100);
    let last = s.a.marks.len() - 1;
    let d = s.a.diff_json(0, last).expect("diff of the oldest kept and the latest mark");
    assert!(d.contains(r#""label":"m76""#), "{}", &d[..120]);
    assert!(s.a.diff_json(0, last + 1).is_none());
}

// --- severities, pinned for every alert kind ---------------------------------------------

/// (active, severity) of the alert with this id, after an evaluation.
fn sev(s: &mut Sim, id: &str) -> Option<(bool, String)> {
    s.alerts().into_iter().find(|a| a.0 == id).map(|a| (a.1, a.2))
}

fn active(severity: &str) -> Option<(bool, String)> {
    Some((true, severity.to_string()))
}

/// A class leaking `created_step - freed_step` objects per action, resting between actions.
fn bindgen_leak_by(actions: usize, created_step: f64, freed_step: f64) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    let (mut created, mut freed) = (0.0, 0.0);
    for _ in 0..actions {
        created += created_step;
        s.advance(100.0).bindgen("Tokenizer", created, freed, 0.0);
        freed += freed_step;
        s.advance(100.0).bindgen("Tokenizer", created, freed, 0.0);
        s.idle(3000.0, 250.0);
    }
    s
}

/// Allocator live bytes resting `levels` times, 2 MiB higher each time; committed bytes flat.
fn used_rising(levels: usize) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 32.0 * MIB, OWNER);
    for i in 0..levels {
        s.advance(100.0).alloc("r1:1", (2 + 2 * i) as f64 * MIB).idle(3000.0, 250.0);
    }
    s
}

/// A registry field resting `levels` times, one entry higher each time.
fn registry_levels(levels: usize) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    for i in 1..=levels {
        s.advance(100.0).registry("documents", "count", i as f64).idle(3000.0, 250.0);
    }
    s
}

/// Committed bytes at `n` successive marks, 2 MiB higher each time (no rest in between).
fn floor_at_marks(n: usize) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    for i in 0..n {
        s.advance(100.0).grow("r1:1", (18 + 2 * i) as f64 * MIB).mark(&format!("m{i}"));
    }
    s
}

#[test]
fn floor_rising_severity_is_a_warning_then_an_error_at_twice_the_cycles() {
    assert_eq!(sev(&mut floor_rising(3), "memory-floor-rising:r1:1"), active("Warning"), "4 levels");
    assert_eq!(sev(&mut floor_rising(6), "memory-floor-rising:r1:1"), active("Warning"), "7 levels");
    assert_eq!(sev(&mut floor_rising(7), "memory-floor-rising:r1:1"), active("Error"), "8 levels = 2 x floorCycles");
    // At marks, twice markCycles.
    assert_eq!(sev(&mut floor_at_marks(7), "memory-floor-rising:r1:1"), active("Warning"));
    assert_eq!(sev(&mut floor_at_marks(8), "memory-floor-rising:r1:1"), active("Error"));
}

#[test]
fn allocator_floor_severity_is_always_a_warning() {
    assert_eq!(sev(&mut used_rising(4), "memory-floor-rising:r1:1:used"), active("Warning"));
    assert_eq!(sev(&mut used_rising(12), "memory-floor-rising:r1:1:used"), active("Warning"), "12 levels: still a warning");
    assert_eq!(used_rising(12).active_ids(), vec!["memory-floor-rising:r1:1:used"], "committed memory stayed flat");
}

#[test]
fn bindgen_live_growth_severity() {
    let id = "bindgen-live-growth:Tokenizer";
    assert_eq!(sev(&mut bindgen_leak(4), id), active("Warning"));
    assert_eq!(sev(&mut bindgen_leak(7), id), active("Warning"));
    assert_eq!(sev(&mut bindgen_leak(8), id), active("Error"), "8 levels = 2 x floorCycles");
    // 10 000 live objects make it an error whatever the length of the run.
    assert_eq!(sev(&mut bindgen_leak_by(4, 5000.0, 2500.0), id), active("Error"), "4 levels, 10 000 live");
    assert_eq!(sev(&mut bindgen_leak_by(4, 4999.0, 2500.0), id), active("Warning"), "4 levels, 9 996 live");
}

#[test]
fn never_freed_severity_is_a_warning_however_many() {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    s.advance(100.0).bindgen("Resvg", 20_000.0, 0.0, 0.0).idle(3000.0, 250.0);
    assert_eq!(s.alerts(), vec![("bindgen-live-growth:Resvg".to_string(), true, "Warning".to_string())]);
}

#[test]
fn forgot_free_severity_turns_error_at_the_configured_count() {
    let run = |reclaimed: f64| {
        let mut s = Sim::new();
        s.memory("r1:1", 16.0 * MIB, OWNER);
        s.advance(100.0).bindgen("Resvg", 200.0, 0.0, reclaimed).idle(2000.0, 250.0);
        sev(&mut s, "bindgen-forgot-free:Resvg")
    };
    assert_eq!(run(1.0), active("Warning"));
    assert_eq!(run(99.0), active("Warning"));
    assert_eq!(run(100.0), active("Error"), "forgotFreeErrorCount (100)");
}

#[test]
fn registry_growth_severity_is_always_a_warning() {
    // Rest levels: 4, then 12 (three times the required run).
    assert_eq!(sev(&mut registry_levels(4), "registry-growth:documents:count"), active("Warning"));
    assert_eq!(sev(&mut registry_levels(12), "registry-growth:documents:count"), active("Warning"));
    // Window minima over 90 s (about 30 rising windows).
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER);
    for i in 1..=90 {
        s.advance(1000.0).registry("documents", "count", (i * 3) as f64).sample();
    }
    assert_eq!(sev(&mut s, "registry-growth:documents:count"), active("Warning"));
    // At 10 rising marks.
    let mut m = Sim::new();
    m.memory("r1:1", 16.0 * MIB, OWNER);
    for i in 1..=10 {
        m.advance(100.0).registry("documents", "count", i as f64).mark(&format!("m{i}"));
    }
    assert_eq!(sev(&mut m, "registry-growth:documents:count"), active("Warning"));
}

#[test]
fn fragmentation_severity_is_a_warning() {
    assert_eq!(sev(&mut fragmentation(6.0 * MIB), "fragmentation:r1:1"), active("Warning"));
}

#[test]
fn replaced_severity_turns_error_at_three_superseded_memories() {
    let mut two = engines_replaced(3, false);
    assert_eq!(two.alerts().iter().map(|a| a.2.as_str()).collect::<Vec<_>>(), vec!["Warning", "Warning"]);
    let mut three = engines_replaced(4, false);
    assert_eq!(three.active_ids().len(), 3);
    assert!(three.alerts().iter().all(|a| a.2 == "Error"), "{:?}", three.alerts());
}

#[test]
fn page_budget_severity_and_two_levels_have_no_info() {
    let mut s = Sim::new();
    s.a.config.page_budget = Some(100.0 * MIB);
    s.memory("r1:1", 62.0 * MIB, OWNER).idle(500.0, 250.0);
    assert_eq!(sev(&mut s, "budget:page"), active("Info"));
    s.memory("r1:2", 40.0 * MIB, "https://app.test/other.wasm").idle(500.0, 250.0);
    assert_eq!(sev(&mut s, "budget:page"), active("Error"), "over 100 %");
    let mut t = Sim::new();
    t.a.config.memory_budget = Some(100.0 * MIB);
    t.a.config.budget_levels = vec![0.5, 0.9];
    t.memory("r1:1", 60.0 * MIB, OWNER).idle(500.0, 250.0);
    assert_eq!(sev(&mut t, "budget:r1:1"), active("Warning"), "lowest of two levels: no info");
    t.advance(100.0).grow("r1:1", 91.0 * MIB).idle(500.0, 250.0);
    assert_eq!(sev(&mut t, "budget:r1:1"), active("Error"), "highest level");
    // Over 100 % is an error even below the highest level.
    let mut u = Sim::new();
    u.a.config.memory_budget = Some(100.0 * MIB);
    u.a.config.budget_levels = vec![0.5, 0.9, 1.2];
    u.memory("r1:1", 95.0 * MIB, OWNER).idle(500.0, 250.0);
    assert_eq!(sev(&mut u, "budget:r1:1"), active("Warning"), "95 %: second of three levels");
    u.advance(100.0).grow("r1:1", 105.0 * MIB).idle(500.0, 250.0);
    assert_eq!(sev(&mut u, "budget:r1:1"), active("Error"), "105 %");
}

// --- exactly how many rising levels ------------------------------------------------------

#[test]
fn floor_rising_needs_exactly_floor_cycles_levels() {
    assert!(floor_rising(2).active_ids().is_empty(), "3 levels");
    assert_eq!(floor_rising(3).active_ids(), vec!["memory-floor-rising:r1:1"], "4 levels");
    // The threshold is read from the config.
    let with = |loads: usize| floor_rising_configured(loads, 5).active_ids();
    assert!(with(3).is_empty(), "4 levels, floorCycles 5");
    assert_eq!(with(4), vec!["memory-floor-rising:r1:1"], "5 levels, floorCycles 5");
}

#[test]
fn class_registry_and_allocator_runs_need_exactly_four_levels() {
    assert!(bindgen_leak(3).active_ids().is_empty(), "class: 3 levels");
    assert_eq!(bindgen_leak(4).active_ids(), vec!["bindgen-live-growth:Tokenizer"], "class: 4 levels");
    assert!(registry_levels(3).active_ids().is_empty(), "registry: 3 levels");
    assert_eq!(registry_levels(4).active_ids(), vec!["registry-growth:documents:count"], "registry: 4 levels");
    assert!(used_rising(3).active_ids().is_empty(), "allocator: 3 levels");
    assert_eq!(used_rising(4).active_ids(), vec!["memory-floor-rising:r1:1:used"], "allocator: 4 levels");
}

#[test]
fn marks_runs_need_exactly_mark_cycles_marks() {
    assert!(floor_at_marks(3).active_ids().is_empty(), "3 marks");
    assert_eq!(floor_at_marks(4).active_ids(), vec!["memory-floor-rising:r1:1"], "4 marks");
}

// --- whole heaps (counted inside wasm) vs partial ones (JS boundary) ---------------------

/// The `fragmentation` job with allocator figures counted at the JS boundary: the same numbers.
fn fragmentation_js(after_job_used: f64) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, "https://app.test/sql-wasm.wasm").alloc_js("r1:1", 2.0 * MIB).idle(1000.0, 250.0);
    s.advance(100.0).grow("r1:1", 256.0 * MIB).alloc_js("r1:1", 230.0 * MIB);
    s.idle(2000.0, 250.0).alloc_js("r1:1", after_job_used).idle(10_000.0, 250.0);
    s
}

#[test]
fn fragmentation_never_reasons_from_js_boundary_counts() {
    assert!(fragmentation_js(6.0 * MIB).alerts().is_empty(), "a partial count is low by an unknown amount");
    // The same numbers counted inside wasm, after the heap grew: flagged.
    assert_eq!(sev(&mut fragmentation(6.0 * MIB), "fragmentation:r1:1"), active("Warning"));
}

#[test]
fn fragmentation_needs_committed_growth_after_the_heap_was_first_seen() {
    // Committed memory grew at start-up, before the heap was first counted, then never again:
    // a large heap with room, not a peak that left memory behind.
    let mut s = Sim::new();
    s.memory("r1:1", 16.0 * MIB, OWNER).advance(100.0).grow("r1:1", 256.0 * MIB).idle(1000.0, 250.0);
    s.alloc("r1:1", 6.0 * MIB).idle(20_000.0, 250.0);
    assert!(s.alerts().is_empty(), "grew only before the heap was seen");
    // One more growth after the heap was seen, the heap small again: flagged.
    s.advance(100.0).alloc("r1:1", 200.0 * MIB).grow("r1:1", 320.0 * MIB).idle(1000.0, 250.0);
    s.alloc("r1:1", 6.0 * MIB).idle(10_000.0, 250.0);
    assert_eq!(s.alerts(), vec![("fragmentation:r1:1".to_string(), true, "Warning".to_string())]);
}

#[test]
fn a_switch_from_js_boundary_to_inside_wasm_counts_the_heap_from_the_switch() {
    // JS-boundary figures during the growth, then inside-wasm ones: the heap was first seen
    // whole at 256 MiB committed, which has not grown since.
    let mut s = fragmentation_js(6.0 * MIB);
    s.alloc("r1:1", 6.0 * MIB).idle(20_000.0, 250.0);
    assert!(s.alerts().is_empty());
}

/// Live heap bytes at `n` successive marks, 2 MiB higher each time, committed memory flat (the
/// heap still has room), no rest in between; counted inside wasm or at the JS boundary.
fn used_at_marks(n: usize, inside_wasm: bool) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 64.0 * MIB, OWNER);
    for i in 0..n {
        let used = (2 + 2 * i) as f64 * MIB;
        // Work: the heap peaks, then the action ends and the mark is placed.
        if inside_wasm {
            s.advance(50.0).alloc("r1:1", used + 8.0 * MIB).advance(50.0).alloc("r1:1", used);
        } else {
            s.advance(50.0).alloc_js("r1:1", used + 8.0 * MIB).advance(50.0).alloc_js("r1:1", used);
        }
        s.advance(10.0).mark(&format!("m{i}"));
    }
    s
}

/// The clean look-alike: every action allocates and frees, the heap is back at 2 MiB at each mark.
fn used_flat_at_marks(n: usize) -> Sim {
    let mut s = Sim::new();
    s.memory("r1:1", 64.0 * MIB, OWNER);
    for i in 0..n {
        s.advance(50.0).alloc("r1:1", (10 + 2 * i) as f64 * MIB).advance(50.0).alloc("r1:1", 2.0 * MIB);
        s.advance(10.0).mark(&format!("m{i}"));
    }
    s
}

#[test]
fn live_heap_rising_across_marks_is_a_leak_before_committed_memory_grows() {
    let mut s = used_at_marks(4, true);
    assert_eq!(s.alerts(), vec![("memory-floor-rising:r1:1:used".to_string(), true, "Warning".to_string())]);
    let f = s.a.alerts.all()[0].finding.clone();
    assert_eq!(f.series, "memory:r1:1:used");
    assert!(f.detail.contains("4 successive marks"), "{}", f.detail);
    assert_eq!(f.points.iter().map(|p| p.1 / MIB).collect::<Vec<_>>(), vec![2.0, 4.0, 6.0, 8.0]);
    // Severity pinned: always a warning, also at twice markCycles.
    assert_eq!(sev(&mut used_at_marks(8, true), "memory-floor-rising:r1:1:used"), active("Warning"));
    // Exactly markCycles marks.
    assert!(used_at_marks(3, true).alerts().is_empty(), "3 marks");
    // The clean look-alike (same peaks, freed by each mark) and the same numbers counted at the
    // JS boundary raise nothing.
    assert!(used_flat_at_marks(8).alerts().is_empty(), "heap back to its level at each mark");
    assert!(used_at_marks(8, false).alerts().is_empty(), "JS-boundary figures are a part of the heap");
}

#[test]
fn a_later_mark_without_a_rise_resolves_the_marks_run() {
    let mut s = used_at_marks(4, true);
    assert_eq!(s.active_ids(), vec!["memory-floor-rising:r1:1:used"]);
    s.advance(100.0).mark("same again");
    assert!(s.active_ids().is_empty());
}

#[test]
fn allocator_rest_levels_counted_at_the_js_boundary_raise_nothing() {
    let mut s = Sim::new();
    s.memory("r1:1", 32.0 * MIB, OWNER);
    for i in 0..8 {
        s.advance(100.0).alloc_js("r1:1", (2 + 2 * i) as f64 * MIB).idle(3000.0, 250.0);
    }
    assert!(s.alerts().is_empty(), "the sql.js pattern of the v1 traces, counted at the JS boundary");
    assert_eq!(used_rising(4).active_ids(), vec!["memory-floor-rising:r1:1:used"], "the same, inside wasm");
}

#[test]
fn leak_alerts_about_a_memory_name_its_top_allocation_sites() {
    let sites = [("sqlite3MemMalloc", 5.0 * MIB, 80.0), ("growOpArray", 2.0 * MIB, 4.0), ("vdbeSorterInit", 65536.0, 1.0)];
    let want = "Top allocation sites by live bytes (sampled estimates): sqlite3MemMalloc (~5 MiB in ~80 allocations); \
                growOpArray (~2 MiB in ~4 allocations); vdbeSorterInit (~64 KiB in ~1 allocations).";
    let rec = |s: &Sim, id: &str| s.a.alerts.get(id).map(|a| a.finding.recommendation.clone()).unwrap_or_default();

    let mut s = used_at_marks(4, true);
    s.sites("r1:1", &sites);
    s.alerts();
    assert!(rec(&s, "memory-floor-rising:r1:1:used").ends_with(want), "{}", rec(&s, "memory-floor-rising:r1:1:used"));
    // A new snapshot replaces the list (and the text).
    s.advance(10.0).sites("r1:1", &sites[1..2]);
    s.alerts();
    assert!(rec(&s, "memory-floor-rising:r1:1:used")
        .ends_with("sites by live bytes (sampled estimates): growOpArray (~2 MiB in ~4 allocations)."));
    s.advance(10.0).sites("r1:1", &[]);
    s.alerts();
    assert!(!rec(&s, "memory-floor-rising:r1:1:used").contains("allocation sites"));

    let mut s = floor_at_marks(4);
    s.sites("r1:1", &sites);
    s.alerts();
    assert!(rec(&s, "memory-floor-rising:r1:1").ends_with(want), "{}", rec(&s, "memory-floor-rising:r1:1"));

    let mut s = engines_replaced(3, false);
    s.sites("r1:1", &sites);
    s.alerts();
    assert!(rec(&s, "memory-replaced:r1:1").ends_with(want), "{}", rec(&s, "memory-replaced:r1:1"));
}

#[test]
fn inside_wasm_counts_without_sizes_are_never_judged_by_bytes() {
    // The page counted every allocation but could not read sizes at free: the bytes figure is
    // not live bytes. The same rising shape as `used_rising`, and the `fragmentation` numbers.
    let counts_only = wasm_memory_analyzer::records::Tracking::InsideWasmCountsOnly;
    let mut s = Sim::new();
    s.memory("r1:1", 32.0 * MIB, OWNER);
    for i in 0..8 {
        s.advance(100.0).alloc_tracked("r1:1", (2 + 2 * i) as f64 * MIB, counts_only).idle(3000.0, 250.0);
        s.mark(&format!("m{i}"));
    }
    s.advance(100.0).grow("r1:1", 256.0 * MIB).idle(10_000.0, 250.0);
    assert!(s.alerts().is_empty());
    let report = s.a.report_json();
    assert!(report.contains(r#""liveAllocations":10,"tracking":"inside-wasm""#), "{report}");
    assert!(!report.contains("usedBytes"), "no live bytes to show: {report}");
}

// ---- memory-headroom and out-of-memory -------------------------------------------------------

const PAGE: f64 = 65536.0;

fn alert_titles(s: &mut Sim, kind: &str) -> Vec<(String, bool, String)> {
    s.a.evaluate();
    s.a.alerts
        .all()
        .iter()
        .filter(|a| a.finding.kind.name() == kind)
        .map(|a| (a.finding.title.clone(), a.active, a.finding.severity.as_str().to_string()))
        .collect()
}

#[test]
fn headroom_raises_each_level_once_in_order_with_no_configuration() {
    let mut s = Sim::new();
    s.memory_max("r1:1", 10.0 * PAGE, 100.0 * PAGE, OWNER).idle(1000.0, 250.0);
    let mut seen: Vec<(String, String)> = Vec::new();
    for pages in [30.0, 50.0, 61.0, 70.0, 76.0, 80.0, 86.0, 90.0, 96.0, 99.0] {
        s.advance(300.0).grow("r1:1", pages * PAGE).idle(1200.0, 300.0);
        if let Some((title, active, sev)) = alert_titles(&mut s, "memory-headroom").pop() {
            assert!(active);
            let level = title.split(" past ").nth(1).and_then(|t| t.split('%').next()).unwrap_or("").to_string();
            if seen.last().map(|x| &x.0) != Some(&level) {
                seen.push((level, sev));
            }
        }
    }
    let want: Vec<(String, String)> = [("60", "info"), ("75", "warning"), ("85", "warning"), ("95", "error")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(seen, want);
    assert_eq!(alert_titles(&mut s, "memory-headroom").len(), 1, "one alert, updated level by level");
    let report = s.a.report_json();
    assert!(report.contains(r#""maxBytes":6553600,"limitBytes":6553600"#), "{report}");
}

#[test]
fn headroom_without_a_maximum_is_judged_against_the_engine_limit() {
    let mut s = Sim::new();
    s.memory("r1:1", 64.0 * MIB, OWNER).idle(1000.0, 250.0);
    assert!(alert_titles(&mut s, "memory-headroom").is_empty());
    s.advance(100.0).grow("r1:1", 2500.0 * MIB).idle(1000.0, 250.0);
    let a = alert_titles(&mut s, "memory-headroom");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, "Memory r1:1 past 60% of its limit (2.44 GiB of 4 GiB)");
    let report = s.a.report_json();
    assert!(report.contains(r#""maxBytes":null,"limitBytes":4294967296"#), "{report}");
}

#[test]
fn a_retry_ladder_is_one_out_of_memory_incident_with_all_its_attempts() {
    let mut s = Sim::new();
    let max = 100.0 * PAGE;
    s.memory_max("r1:1", 96.0 * PAGE, max, OWNER).idle(1000.0, 250.0);
    // Emscripten's resize: 20 %, 10 %, 5 % overgrowth, then the exact size, each refused
    for (dt, pages) in [(0.0, 12.0), (1.0, 11.0), (1.0, 10.5), (1.0, 10.0)] {
        s.advance(dt).grow_failed("r1:1", pages * PAGE, Some(max), false, "at emscripten_resize_heap (app.js:1:2)");
    }
    s.idle(2000.0, 250.0);
    let a = alert_titles(&mut s, "out-of-memory");
    assert_eq!(a, vec![("Grow by 640 KiB failed at 6 MiB (limit 6.25 MiB)".to_string(), true, "error".to_string())]);
    let alert = s.a.alerts.all().iter().find(|a| a.finding.kind.name() == "out-of-memory").cloned();
    let f = alert.map(|a| a.finding);
    let f = f.as_ref();
    assert_eq!(f.map(|f| f.points.len()), Some(4));
    assert!(f.is_some_and(|f| f.detail.contains("4 attempts in 3 ms")), "{f:?}");
    assert!(f.is_some_and(|f| f.detail.contains("at emscripten_resize_heap")));
    let report = s.a.report_json();
    assert!(
        report.contains(r#""incident":{"memory":"r1:1","number":1,"limitBytes":6553600,"maxBytes":6553600,"browserRefused":false"#),
        "{report}"
    );
    // a second failure much later is a second incident
    s.advance(5000.0).grow_failed("r1:1", PAGE, Some(max), false, "at g");
    assert_eq!(alert_titles(&mut s, "out-of-memory").len(), 2);
}

#[test]
fn an_out_of_memory_incident_resolves_after_recovery_and_stays_in_history() {
    let mut s = Sim::new();
    s.memory_max("r1:1", 96.0 * PAGE, 100.0 * PAGE, OWNER).idle(1000.0, 250.0);
    s.grow_failed("r1:1", 10.0 * PAGE, None, false, "at f");
    s.advance(1.0).grow("r1:1", 98.0 * PAGE); // a smaller growth succeeded
    s.idle(1500.0, 250.0);
    assert_eq!(alert_titles(&mut s, "out-of-memory").iter().filter(|a| a.1).count(), 1, "raised even though it recovered at once");
    s.idle(40_000.0, 1000.0);
    let a = alert_titles(&mut s, "out-of-memory");
    assert_eq!(a.len(), 1);
    assert!(!a[0].1, "resolved after the hold");
}

#[test]
fn a_refusal_below_the_declared_maximum_is_the_browsers() {
    let mut s = Sim::new();
    s.memory_max("r1:1", 16.0 * PAGE, 65536.0 * PAGE, OWNER).idle(1000.0, 250.0);
    s.grow_failed("r1:1", 2048.0 * MIB, None, true, "at run (app.js:3:4)");
    s.idle(1000.0, 250.0);
    let a = s.a.alerts.all().iter().find(|a| a.finding.kind.name() == "out-of-memory").map(|a| a.finding.clone());
    let a = a.as_ref();
    assert_eq!(a.map(|a| a.title.as_str()), Some("Malloc of 2 GiB failed at 1 MiB (limit 4 GiB)"));
    assert!(a.is_some_and(|a| a.detail.contains("The browser refused it")), "{a:?}");
    assert!(s.a.report_json().contains(r#""browserRefused":true"#));
}

#[test]
fn a_small_allocation_failing_near_the_limit_is_the_limits_not_the_browsers() {
    let mut s = Sim::new();
    // 63 of 64 pages committed: a 100-byte malloc fails because its allocator must grow by a
    // page or more, which the limit refuses
    s.memory_max("r1:1", 63.0 * PAGE, 64.0 * PAGE, OWNER).idle(1000.0, 250.0);
    s.grow_failed("r1:1", 100.0, None, true, "at f");
    s.idle(1000.0, 250.0);
    let report = s.a.report_json();
    assert!(report.contains(r#""browserRefused":false"#), "{report}");
    assert!(report.contains("Malloc of 100 B failed at 3.94 MiB (limit 4 MiB)"), "{report}");
}
