//! Pure pattern detectors over one numeric series, fed point by point (event time).
//!
//! - [`RestTracker`] records *rest levels*: the value a series settles at between bursts of
//!   activity (unchanged for at least `rest_ms`). Cycle floors are rest levels: a leak leaves
//!   each cycle resting higher than the previous one; a warm-up or a cache that fills once
//!   rests at one level and stays there.
//! - [`WindowMin`] records the minimum of fixed time windows, for series that never rest
//!   (counters polled on every tick while something churns).
//! - [`recent_run`] finds the latest run of enough strictly rising levels, if recent;
//!   [`rising_run`] how many trailing values rise (for marks). Both count a rise with
//!   [`rises`]; the heuristics use nothing else to detect runs.

use std::collections::VecDeque;

/// Most levels kept per tracker (bounded memory for hours of recording).
pub const MAX_LEVELS: usize = 64;

/// One recorded level: when the series settled there, and at which value.
pub type Level = (f64, f64);

/// Records the levels a series rests at. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct RestTracker {
    value: Option<f64>,
    since: f64,
    recorded: bool,
    levels: VecDeque<Level>,
}

impl RestTracker {
    /// Feed a point (time-ordered per series; an older time is treated as the same time).
    /// A value counts as a rest once it has been *observed* unchanged for `rest_ms`: a change
    /// never settles the previous value, since it may have changed right after being seen.
    pub fn update(&mut self, t: f64, v: f64, rest_ms: f64) {
        match self.value {
            Some(prev) if prev == v => {
                if t - self.since >= rest_ms {
                    self.record();
                }
            }
            _ => {
                self.value = Some(v);
                self.since = t;
                self.recorded = false;
            }
        }
    }

    /// Advance time without a new point. A series that reports only on change and has been
    /// silent for `2 * rest_ms` is resting at its latest value.
    pub fn settle(&mut self, now: f64, rest_ms: f64) {
        if now - self.since >= 2.0 * rest_ms {
            self.record();
        }
    }

    fn record(&mut self) {
        if self.recorded {
            return;
        }
        let Some(v) = self.value else { return };
        self.recorded = true;
        if self.levels.back().map(|l| l.1) == Some(v) {
            return;
        }
        self.levels.push_back((self.since, v));
        if self.levels.len() > MAX_LEVELS {
            self.levels.pop_front();
        }
    }

    /// Rest levels recorded so far, oldest first (consecutive duplicates collapsed).
    pub fn levels(&self) -> &VecDeque<Level> {
        &self.levels
    }

    /// Latest value fed.
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

/// Minimum per fixed time window. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct WindowMin {
    window_start: Option<f64>,
    current_min: f64,
    mins: VecDeque<Level>,
}

impl WindowMin {
    /// Feed a point.
    pub fn update(&mut self, t: f64, v: f64, window_ms: f64) {
        let window_ms = if window_ms > 0.0 { window_ms } else { 1.0 };
        match self.window_start {
            None => {
                self.window_start = Some(t);
                self.current_min = v;
            }
            Some(start) => {
                if t - start >= window_ms {
                    self.mins.push_back((start, self.current_min));
                    if self.mins.len() > MAX_LEVELS {
                        self.mins.pop_front();
                    }
                    // Skip whole empty windows: the next window starts on the grid.
                    let k = ((t - start) / window_ms).floor();
                    self.window_start = Some(start + k * window_ms);
                    self.current_min = v;
                } else if v < self.current_min {
                    self.current_min = v;
                }
            }
        }
    }

    /// Completed window minima, oldest first.
    pub fn mins(&self) -> &VecDeque<Level> {
        &self.mins
    }
}

/// Whether `next` counts as a rise over `prev`: strictly higher, by at least `min_step`.
pub fn rises(prev: f64, next: f64, min_step: f64) -> bool {
    let step = next - prev;
    step > 0.0 && step >= min_step
}

/// Length of the trailing rising run of a series given **latest first**: how many values,
/// from the latest back, each [`rises`] over the one before it. A run of length `n` holds `n`
/// values, i.e. `n - 1` rises; 1 when nothing rises, 0 when empty. Used for marks, where a run
/// must end at the latest mark (the caller bounds the look-back with `take`).
pub fn rising_run(latest_first: impl IntoIterator<Item = f64>, min_step: f64) -> usize {
    let mut run = 0usize;
    let mut next: Option<f64> = None;
    for v in latest_first {
        match next {
            None => run = 1,
            Some(n) if rises(v, n, min_step) => run += 1,
            Some(_) => break,
        }
        next = Some(v);
    }
    run
}

/// The latest run of at least `cycles` (and at least 2) levels, each [`rises`] over the
/// previous by `min_step`, if it is recent: its last level started within
/// `max(hold, 3 * mean cycle)` of `now`. The run need not end at the latest level, but a later
/// run of enough levels wins. Used for rest levels and window minima.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut RestTracker, pts: &[(f64, f64)]) {
        for &(t, v) in pts {
            r.update(t, v, 1000.0);
        }
    }

    #[test]
    fn rest_levels_of_a_leak_rise() {
        let mut r = RestTracker::default();
        // Bursts of activity, each resting higher.
        let mut pts = Vec::new();
        for cycle in 0..4 {
            let base = cycle as f64 * 10_000.0;
            let floor = 100.0 * (cycle + 1) as f64;
            pts.push((base, floor + 500.0));
            pts.push((base + 100.0, floor + 200.0));
            pts.push((base + 200.0, floor));
            pts.push((base + 5_000.0, floor));
        }
        feed(&mut r, &pts);
        let lv: Vec<f64> = r.levels().iter().map(|l| l.1).collect();
        assert_eq!(lv, vec![100.0, 200.0, 300.0, 400.0]);
        assert_eq!(rising_run(r.levels().iter().rev().map(|l| l.1), 1.0), 4);
    }

    #[test]
    fn warm_up_plateau_is_one_level() {
        let mut r = RestTracker::default();
        let mut pts = Vec::new();
        for i in 0..50 {
            pts.push((i as f64 * 50.0, (i * 10) as f64)); // climbing fast, never resting
        }
        for i in 0..100 {
            pts.push((2500.0 + i as f64 * 500.0, 490.0));
        }
        feed(&mut r, &pts);
        assert_eq!(r.levels().len(), 1);
        assert_eq!(rising_run(r.levels().iter().rev().map(|l| l.1), 1.0), 1);
    }

    #[test]
    fn settle_records_the_ongoing_rest() {
        let mut r = RestTracker::default();
        r.update(0.0, 5.0, 1000.0);
        r.settle(1500.0, 1000.0);
        assert!(r.levels().is_empty());
        r.settle(2000.0, 1000.0);
        assert_eq!(r.levels().len(), 1);
        // A series that changes at every observation never rests, however slow.
        let mut q = RestTracker::default();
        for i in 0..20 {
            q.update(i as f64 * 1500.0, i as f64, 1000.0);
        }
        assert!(q.levels().is_empty());
    }

    #[test]
    fn window_minima() {
        let mut w = WindowMin::default();
        for i in 0..100 {
            let t = i as f64 * 100.0;
            w.update(t, (i % 10) as f64 + (i / 10) as f64 * 3.0, 1000.0);
        }
        let mins: Vec<f64> = w.mins().iter().map(|l| l.1).collect();
        assert_eq!(mins, (0..9).map(|i| i as f64 * 3.0).collect::<Vec<_>>());
        assert_eq!(rising_run(w.mins().iter().rev().map(|l| l.1), 2.0), 9);
        assert_eq!(rising_run(w.mins().iter().rev().map(|l| l.1), 4.0), 1);
    }

    #[test]
    fn rising_run_edges() {
        assert_eq!(rising_run([], 0.0), 0);
        let latest_first = |v: &[f64]| v.iter().rev().copied().collect::<Vec<_>>();
        assert_eq!(rising_run(latest_first(&[1.0, 3.0, 2.0, 4.0, 8.0]), 0.0), 3);
        assert_eq!(rising_run(latest_first(&[1.0, 3.0, 2.0, 4.0, 8.0]), 4.0), 2);
        assert_eq!(rising_run(latest_first(&[1.0, 3.0, 2.0, 4.0, 8.0]), 5.0), 1);
        assert_eq!(rising_run(latest_first(&[1.0, 2.0, 2.0]), 0.0), 1, "equal is not a rise");
    }

    #[test]
    fn recent_run_needs_exactly_cycles_levels() {
        let lv = |v: &[f64]| -> VecDeque<Level> { v.iter().enumerate().map(|(i, &x)| (i as f64 * 10.0, x)).collect() };
        let len = |v: &[f64], cycles: usize| recent_run(&lv(v), 1.0, cycles, 100.0, 1000.0).map(|r| r.len());
        assert_eq!(len(&[1.0, 2.0, 3.0, 4.0], 4), Some(4), "4 levels are 3 rises: enough");
        assert_eq!(len(&[1.0, 2.0, 3.0], 4), None, "3 levels are not");
        assert_eq!(len(&[5.0, 1.0, 2.0, 3.0], 4), None, "a fall restarts the run");
        assert_eq!(len(&[1.0, 2.0, 2.0, 3.0, 4.0], 4), None, "an equal level restarts the run");
        assert_eq!(len(&[1.0, 2.0, 2.5, 3.0], 4), None, "a rise below min_step restarts the run");
        assert_eq!(len(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 4), Some(6), "the whole run, not just its tail");
        assert_eq!(len(&[1.0, 2.0, 3.0, 4.0, 0.0, 1.0], 4), Some(4), "the latest run long enough, even if not trailing");
        assert_eq!(len(&[1.0, 2.0], 1), Some(2), "at least two levels whatever `cycles`");
        assert_eq!(len(&[1.0], 1), None);
    }

    #[test]
    fn recent_run_needs_recency() {
        let lv: VecDeque<Level> = [(0.0, 1.0), (10.0, 2.0), (20.0, 3.0), (30.0, 4.0)].into_iter().collect();
        assert_eq!(recent_run(&lv, 1.0, 4, 35.0, 5.0).map(|r| r.len()), Some(4));
        assert_eq!(recent_run(&lv, 1.0, 4, 100.0, 5.0), None, "stale: 3 * mean cycle (30) exceeded");
        assert_eq!(recent_run(&lv, 1.0, 5, 35.0, 5.0), None);
        assert_eq!(recent_run(&lv, 2.0, 2, 35.0, 5.0), None);
    }
}
