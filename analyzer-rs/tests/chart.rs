//! Chart series beyond committed bytes: the allocator's live bytes (labelled by what they
//! cover, never mixed) and growth-event times.

mod common;

use common::{Sim, MIB};
use wasm_memory_analyzer::records::Tracking;

fn chart_of(s: &mut Sim, key: &str, points: usize) -> wasm_memory_analyzer::series::MemoryChart {
    let id = s.id(key);
    s.a.series(points, f64::NEG_INFINITY, f64::INFINITY).into_iter().find(|c| c.key == id).expect("memory charted")
}

#[test]
fn used_bytes_are_charted_with_what_they_cover() {
    let mut s = Sim::new();
    s.memory("r:1", 4.0 * MIB, "a.wasm");
    assert_eq!(chart_of(&mut s, "r:1", 100).used, None, "nothing counted yet");
    s.advance(100.0).alloc("r:1", 1.0 * MIB);
    s.advance(100.0).alloc("r:1", 3.0 * MIB);
    let c = chart_of(&mut s, "r:1", 100);
    let (tracking, used) = c.used.expect("used bytes charted");
    assert_eq!(tracking, Tracking::InsideWasm);
    assert_eq!(used.times, vec![100.0, 200.0]);
    assert_eq!(used.max, vec![1.0 * MIB, 3.0 * MIB]);
}

#[test]
fn a_change_of_what_is_counted_starts_a_new_line_and_counts_only_show_nothing() {
    let mut s = Sim::new();
    s.memory("r:1", 4.0 * MIB, "a.wasm");
    s.advance(100.0).alloc_js("r:1", 2.0 * MIB);
    s.advance(100.0).alloc_js("r:1", 2.5 * MIB);
    let (tracking, used) = chart_of(&mut s, "r:1", 100).used.expect("partial figures charted");
    assert_eq!(tracking, Tracking::JsBoundary);
    assert_eq!(used.times.len(), 2);
    // The whole heap from now on: its line starts afresh, the part is not joined to it.
    s.advance(100.0).alloc("r:1", 3.0 * MIB);
    let (tracking, used) = chart_of(&mut s, "r:1", 100).used.expect("whole heap charted");
    assert_eq!(tracking, Tracking::InsideWasm);
    assert_eq!((used.times.clone(), used.max.clone()), (vec![300.0], vec![3.0 * MIB]));
    // Counts without sizes: no bytes to draw.
    s.advance(100.0).alloc_tracked("r:1", 0.0, Tracking::InsideWasmCountsOnly);
    assert_eq!(chart_of(&mut s, "r:1", 100).used, None);
}

#[test]
fn growth_events_are_charted_one_per_bucket_and_bounded() {
    let mut s = Sim::new();
    s.memory("r:1", 1.0 * MIB, "a.wasm");
    s.advance(10.0).grow("r:1", 2.0 * MIB);
    s.advance(10.0).grow("r:1", 3.0 * MIB);
    assert_eq!(chart_of(&mut s, "r:1", 100).growth, vec![10.0, 20.0]);
    for i in 0..5000 {
        s.advance(10.0).grow("r:1", (4 + i) as f64 * MIB);
    }
    let g = chart_of(&mut s, "r:1", 50).growth;
    assert!(!g.is_empty() && g.len() <= 50, "{} markers", g.len());
    assert!(g.windows(2).all(|w| w[0] < w[1]), "in time order");
    // A window on the latest growths only.
    let id = s.id("r:1");
    let last = s.t;
    let zoom = s.a.series(1000, last - 95.0, last).into_iter().find(|c| c.key == id).expect("charted");
    assert_eq!(zoom.growth.len(), 10);
    assert_eq!(zoom.growth.last().copied(), Some(last));
}
