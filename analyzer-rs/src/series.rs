//! Bounded, multi-resolution min/max series: the chart store.
//!
//! Level 0 keeps the latest raw points; level `i` keeps buckets that each summarise
//! `fanout^i` raw points (time span, min, max, last). Every level is a ring of at most
//! `capacity` buckets, except the top level, which never drops anything: when it is full,
//! adjacent buckets are merged pairwise, halving its length. So the whole history is always
//! covered, memory is bounded (`levels * capacity` buckets per series, ~48 bytes each), and
//! a peak is never lost at any zoom: a bucket's min/max are exact over what it summarises.

use std::collections::VecDeque;

use crate::records::Tracking;

/// One summarised stretch of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// Time of the first point.
    pub t0: f64,
    /// Time of the last point.
    pub t1: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Value of the last point.
    pub last: f64,
    /// Raw points summarised.
    pub n: u64,
}

impl Bucket {
    fn point(t: f64, v: f64) -> Bucket {
        Bucket { t0: t, t1: t, min: v, max: v, last: v, n: 1 }
    }

    fn merge(&mut self, o: &Bucket) {
        if o.t0 < self.t0 {
            self.t0 = o.t0;
        }
        if o.t1 >= self.t1 {
            self.t1 = o.t1;
            self.last = o.last;
        }
        if o.min < self.min {
            self.min = o.min;
        }
        if o.max > self.max {
            self.max = o.max;
        }
        self.n = self.n.saturating_add(o.n);
    }
}

#[derive(Clone, Debug, Default)]
struct Level {
    buf: VecDeque<Bucket>,
    /// Buckets of the level below folded into the bucket being built.
    pending: Option<Bucket>,
    pending_parts: u32,
    /// True once this level dropped its oldest bucket.
    dropped: bool,
}

/// Downsampled chart data: parallel columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Downsampled {
    /// Bucket times (first point of each bucket), ascending as ingested.
    pub times: Vec<f64>,
    /// Minimum per bucket.
    pub min: Vec<f64>,
    /// Maximum per bucket.
    pub max: Vec<f64>,
}

/// Chart data of one memory, as [`crate::analyzer::Analyzer::series`] gives it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryChart {
    /// Interned memory key.
    pub key: u32,
    /// Committed bytes.
    pub committed: Downsampled,
    /// The allocator's live bytes and what they cover (the whole heap, or only the allocations
    /// that crossed the JS boundary); None when not known.
    pub used: Option<(Tracking, Downsampled)>,
    /// Times of growth events, one per bucket (the first growth of each).
    pub growth: Vec<f64>,
}

/// A bounded min/max series. See the module docs.
#[derive(Clone, Debug)]
pub struct MinMaxSeries {
    levels: Vec<Level>,
    capacity: usize,
    fanout: u32,
    count: u64,
}

/// Default ring capacity per level.
pub const DEFAULT_CAPACITY: usize = 1024;
/// Default number of level-(i-1) buckets per level-i bucket.
pub const DEFAULT_FANOUT: u32 = 8;
/// Default number of levels.
pub const DEFAULT_LEVELS: usize = 6;

impl Default for MinMaxSeries {
    fn default() -> Self {
        MinMaxSeries::new(DEFAULT_CAPACITY, DEFAULT_FANOUT, DEFAULT_LEVELS)
    }
}

impl MinMaxSeries {
    /// A series with the given ring capacity (>= 4), fanout (>= 2) and level count (>= 1).
    pub fn new(capacity: usize, fanout: u32, levels: usize) -> MinMaxSeries {
        let capacity = capacity.max(4);
        let fanout = fanout.max(2);
        let levels = levels.clamp(1, 16);
        MinMaxSeries { levels: vec![Level::default(); levels], capacity, fanout, count: 0 }
    }

    /// Raw points pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Buckets currently held over all levels (the memory bound is `levels * capacity`).
    pub fn held(&self) -> usize {
        self.levels.iter().map(|l| l.buf.len()).sum()
    }

    /// Add one point. Non-finite values are ignored.
    pub fn push(&mut self, t: f64, v: f64) {
        if !t.is_finite() || !v.is_finite() {
            return;
        }
        self.count = self.count.saturating_add(1);
        self.push_at(0, Bucket::point(t, v));
    }

    fn push_at(&mut self, start: usize, bucket: Bucket) {
        let top = self.levels.len() - 1;
        let mut level_idx = start;
        let mut carry = bucket;
        loop {
            let capacity = self.capacity;
            let fanout = self.fanout;
            let Some(level) = self.levels.get_mut(level_idx) else { return };
            if level_idx == top {
                level.buf.push_back(carry);
                if level.buf.len() >= capacity {
                    // Merge pairwise: the top level covers everything, at half the resolution.
                    let old: Vec<Bucket> = level.buf.drain(..).collect();
                    let mut it = old.chunks(2);
                    for pair in &mut it {
                        let Some(first) = pair.first() else { continue };
                        let mut b = *first;
                        if let Some(second) = pair.get(1) {
                            b.merge(second);
                        }
                        level.buf.push_back(b);
                    }
                }
                return;
            }
            level.buf.push_back(carry);
            if level.buf.len() > capacity {
                level.buf.pop_front();
                level.dropped = true;
            }
            // Fold into the next level's pending bucket.
            let Some(next) = self.levels.get_mut(level_idx + 1) else { return };
            match next.pending.as_mut() {
                Some(p) => p.merge(&carry),
                None => next.pending = Some(carry),
            }
            next.pending_parts += 1;
            if next.pending_parts < fanout {
                return;
            }
            let Some(done) = next.pending.take() else { return };
            next.pending_parts = 0;
            carry = done;
            level_idx += 1;
        }
    }

    /// Latest point, if any.
    pub fn last(&self) -> Option<(f64, f64)> {
        self.levels.first().and_then(|l| l.buf.back()).map(|b| (b.t1, b.last))
    }

    /// Buckets of level `i`, followed by the pending (incomplete) buckets that cover the
    /// most recent points, in time order (without copying them).
    fn level_view(&self, i: usize) -> impl Iterator<Item = &Bucket> + Clone + '_ {
        let held = self.levels.get(i).map(|l| l.buf.iter()).into_iter().flatten();
        let pending = (1..=i).rev().filter_map(move |j| self.levels.get(j).and_then(|l| l.pending.as_ref()));
        held.chain(pending)
    }

    /// Chart data for `[from, to]` with at most `max_points` buckets (>= 1), keeping the
    /// exact min and max of every stretch. Picks the finest level that still covers `from`.
    pub fn downsample(&self, max_points: usize, from: f64, to: f64) -> Downsampled {
        let max_points = max_points.clamp(1, 1 << 20);
        let mut res = Downsampled::default();
        if self.count == 0 || from.is_nan() || to.is_nan() || from > to {
            return res;
        }
        let mut chosen = self.levels.len() - 1;
        for (i, level) in self.levels.iter().enumerate() {
            let covers = !level.dropped || level.buf.front().map(|b| b.t0 <= from).unwrap_or(false);
            if covers {
                chosen = i;
                break;
            }
        }
        // Called for every memory at every view update: no copy of the level, two passes over it.
        let in_range = self.level_view(chosen).filter(|b| b.t1 >= from && b.t0 <= to);
        let (mut n, mut lo, mut hi) = (0usize, f64::INFINITY, f64::NEG_INFINITY);
        for b in in_range.clone() {
            n += 1;
            lo = lo.min(b.t0);
            hi = hi.max(b.t0);
        }
        if n == 0 {
            return res;
        }
        if n <= max_points {
            res.times.reserve(n);
            res.min.reserve(n);
            res.max.reserve(n);
            for b in in_range {
                res.times.push(b.t0);
                res.min.push(b.min);
                res.max.push(b.max);
            }
            return res;
        }
        let lo = lo.max(from);
        let hi = hi.min(to);
        let span = hi - lo;
        let mut bins: Vec<Option<Bucket>> = vec![None; max_points];
        for b in in_range {
            let idx = if span > 0.0 {
                let x = ((b.t0 - lo) / span * max_points as f64).floor();
                if x.is_finite() && x > 0.0 {
                    (x as usize).min(max_points - 1)
                } else {
                    0
                }
            } else {
                0
            };
            if let Some(slot) = bins.get_mut(idx) {
                match slot {
                    Some(acc) => acc.merge(b),
                    None => *slot = Some(*b),
                }
            }
        }
        for b in bins.into_iter().flatten() {
            res.times.push(b.t0);
            res.min.push(b.min);
            res.max.push(b.max);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_point_when_small() {
        let mut s = MinMaxSeries::default();
        for i in 0..100 {
            s.push(i as f64, (i * 2) as f64);
        }
        let d = s.downsample(1000, 0.0, 1e9);
        assert_eq!(d.times.len(), 100);
        assert_eq!(d.max[99], 198.0);
    }

    #[test]
    fn keeps_a_single_spike_at_any_zoom_after_millions_of_points() {
        let mut s = MinMaxSeries::default();
        for i in 0..2_000_000u64 {
            let v = if i == 1_234_567 {
                9_999.0
            } else if i == 77 {
                -5.0
            } else {
                100.0
            };
            s.push(i as f64, v);
        }
        for pts in [1usize, 10, 300, 5000] {
            let d = s.downsample(pts, 0.0, 3e6);
            assert!(d.times.len() <= pts);
            let max = d.max.iter().cloned().fold(f64::MIN, f64::max);
            let min = d.min.iter().cloned().fold(f64::MAX, f64::min);
            assert_eq!(max, 9_999.0, "peak lost at {pts} points");
            assert_eq!(min, -5.0, "trough lost at {pts} points");
        }
        assert!(s.held() <= DEFAULT_LEVELS * DEFAULT_CAPACITY);
        // Zoom on the recent end: the finest level is used there.
        let d = s.downsample(2000, 1_999_500.0, 2e6);
        assert!(d.times.len() >= 400, "recent zoom has {} points", d.times.len());
        assert_eq!(d.times.last().copied(), Some(1_999_999.0));
    }

    #[test]
    fn top_level_merges_instead_of_dropping() {
        let mut s = MinMaxSeries::new(4, 2, 2);
        for i in 0..1000 {
            s.push(i as f64, i as f64);
        }
        let d = s.downsample(100, 0.0, 1e9);
        assert_eq!(d.times.first().copied(), Some(0.0));
        assert_eq!(d.max.last().copied(), Some(999.0));
    }

    #[test]
    fn ignores_non_finite_and_bad_ranges() {
        let mut s = MinMaxSeries::default();
        s.push(f64::NAN, 1.0);
        s.push(1.0, f64::INFINITY);
        assert_eq!(s.count(), 0);
        s.push(1.0, 1.0);
        assert!(s.downsample(10, 5.0, 1.0).times.is_empty());
        assert!(s.downsample(10, f64::NAN, 1.0).times.is_empty());
        assert_eq!(s.downsample(0, 0.0, 2.0).times.len(), 1);
    }
}
