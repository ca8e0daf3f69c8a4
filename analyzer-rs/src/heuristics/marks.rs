//! Marks-based runs: an entity whose value rose at each of the latest marks. They depend only
//! on the (immutable) mark snapshots and the thresholds, so they are computed once per new
//! mark, not at every evaluation. Read by [`super::class_rising`], [`super::floor_rising`],
//! [`super::used_rising`] and [`super::registry_growth`].

use crate::alerts::MAX_EVIDENCE;
use crate::config::Config;
use crate::detect::{rising_run, Level};
use crate::model::{snap_at, MarkSnap};

/// Marks-based runs per entity.
#[derive(Clone, Debug, Default)]
pub struct MarkRuns {
    key: Option<(u64, usize, [u64; 3])>,
    /// Per memory index: committed bytes.
    pub memory: Vec<Option<Vec<Level>>>,
    /// Per memory index: allocator live bytes counted inside wasm (whole heaps only).
    pub used: Vec<Option<Vec<Level>>>,
    /// Per class index.
    pub class: Vec<Option<Vec<Level>>>,
    /// Per registry field index.
    pub registry: Vec<Option<Vec<Level>>>,
}

impl MarkRuns {
    /// Recompute when a mark was placed (`mark_seq` moved) or a threshold changed. `counts`
    /// is (memories, classes, registry fields). A memory absent from a snapshot (collected)
    /// breaks its run; a class or field absent counts as 0.
    pub fn update(&mut self, marks: &[MarkSnap], mark_seq: u64, counts: (usize, usize, usize), c: &Config) {
        let key = (mark_seq, c.mark_cycles, [c.floor_min_step_bytes.to_bits(), c.class_min_step.to_bits(), c.registry_min_step.to_bits()]);
        if self.key == Some(key) {
            return;
        }
        let (mem_n, class_n, reg_n) = counts;
        let memory = (0..mem_n).map(|i| marks_run_by(marks, |s| snap_at(&s.memories, i), c.floor_min_step_bytes, c.mark_cycles)).collect();
        let used = (0..mem_n).map(|i| marks_run_by(marks, |s| snap_at(&s.used, i), c.floor_min_step_bytes, c.mark_cycles)).collect();
        let class = (0..class_n)
            .map(|i| marks_run_by(marks, |s| Some(snap_at(&s.classes, i).unwrap_or(0.0)), c.class_min_step, c.mark_cycles))
            .collect();
        let registry = (0..reg_n)
            .map(|i| marks_run_by(marks, |s| Some(snap_at(&s.registries, i).unwrap_or(0.0)), c.registry_min_step, c.mark_cycles))
            .collect();
        *self = MarkRuns { key: Some(key), memory, used, class, registry };
    }
}

/// A run of at least `cycles` rising values (of one entity, at successive marks) that ends at
/// the latest mark; allocates only when a run is found.
pub fn marks_run_by(marks: &[MarkSnap], pick: impl Fn(&MarkSnap) -> Option<f64>, min_step: f64, cycles: usize) -> Option<Vec<Level>> {
    if marks.len() < cycles.max(2) {
        return None;
    }
    // Only the latest MAX_EVIDENCE values matter (a longer run is reported as that long), so an
    // evaluation costs O(1) whatever the number of marks.
    let run = rising_run(marks.iter().rev().filter_map(&pick).take(MAX_EVIDENCE), min_step);
    if run >= cycles.max(2) {
        let mut out: Vec<Level> = marks.iter().rev().filter_map(|m| pick(m).map(|v| (m.time, v))).take(run).collect();
        out.reverse();
        Some(out)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_run_ends_at_last_mark() {
        let snaps: Vec<MarkSnap> = [1.0, 2.0, 3.0, 3.0]
            .iter()
            .enumerate()
            .map(|(i, &v)| MarkSnap { time: i as f64, label: 0, memories: vec![(0, v)], classes: vec![], registries: vec![], used: vec![] })
            .collect();
        let pick = |m: &MarkSnap| snap_at(&m.memories, 0);
        assert_eq!(marks_run_by(&snaps, pick, 1.0, 3), None, "the last mark did not rise");
        assert_eq!(marks_run_by(&snaps[..3], pick, 1.0, 3), Some(vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]));
        assert_eq!(marks_run_by(&snaps[..3], pick, 1.5, 3), None);
    }
}
