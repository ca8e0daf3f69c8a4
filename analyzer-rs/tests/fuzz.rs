//! Property / fuzz tests: thousands of random inputs (deterministic PRNG, no dependencies)
//! into the core and every query. The property: nothing panics, and the invariants hold.

use wasm_memory_analyzer::records::{MAX_ID, STRIDE};
use wasm_memory_analyzer::series::MinMaxSeries;
use wasm_memory_analyzer::Analyzer;

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A number from a distribution rich in edge cases.
    fn num(&mut self) -> f64 {
        match self.below(14) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -1.0,
            4 => 0.0,
            5 => -0.0,
            6 => f64::MAX,
            7 => f64::MIN_POSITIVE,
            8 => (MAX_ID as f64) + self.below(3) as f64 - 1.0,
            9 => f64::from_bits(self.next()),
            10 => self.unit() * 1e12 - 1e11,
            _ => self.below(40) as f64,
        }
    }
}

fn random_record(r: &mut Rng, t: &mut f64) -> [f64; STRIDE] {
    let mut rec = [0.0; STRIDE];
    rec[0] = if r.below(10) == 0 { r.num() } else { (1 + r.below(11)) as f64 };
    *t += if r.below(20) == 0 { r.num() } else { r.unit() * 800.0 };
    rec[1] = if r.below(30) == 0 { r.num() } else { *t };
    for x in rec.iter_mut().skip(2) {
        *x = if r.below(4) == 0 { r.num() } else { r.below(12) as f64 * if r.below(2) == 0 { 1.0 } else { 1048576.0 } };
    }
    rec
}

#[test]
fn random_records_never_panic_and_keep_invariants() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..1500 {
        let mut a = Analyzer::new();
        for id in 0..12u32 {
            let name: String = (0..rng.below(6)).map(|_| char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('?')).collect();
            a.set_name(id, &name);
        }
        a.set_name(u32::MAX, "ignored");
        let mut t = 0.0;
        let n = 1 + rng.below(300) as usize;
        let mut data = Vec::with_capacity(n * STRIDE + 3);
        for _ in 0..n {
            data.extend_from_slice(&random_record(&mut rng, &mut t));
        }
        // Sometimes a truncated tail.
        for _ in 0..rng.below(3) {
            data.push(rng.num());
        }
        if rng.below(3) == 0 {
            a.config.set(rng.below(30) as u32, rng.num());
            a.config.set(3, rng.num());
        }
        let bad = a.ingest(&data);
        assert!(bad <= n as u64 + 1, "round {round}");
        // Every record is either applied or rejected (table overflow may reject after applying).
        assert!(a.event_count <= n as u64, "round {round}");
        assert!(a.event_count + bad >= n as u64, "round {round}");
        let report = a.report_json();
        assert!(report.starts_with('{') && report.ends_with('}'));
        for m in &a.memories {
            assert!(m.peak >= m.current && m.current >= 0.0, "round {round}");
        }
        let pts = rng.below(50) as usize;
        for c in a.series(pts, rng.num(), rng.num()) {
            for d in std::iter::once(&c.committed).chain(c.used.as_ref().map(|u| &u.1)) {
                assert!(d.times.len() <= pts.max(1));
                assert_eq!(d.times.len(), d.min.len());
                assert_eq!(d.times.len(), d.max.len());
                for (lo, hi) in d.min.iter().zip(d.max.iter()) {
                    assert!(lo <= hi);
                }
            }
            assert!(c.growth.len() <= pts.max(1));
        }
        let _ = a.series(pts, f64::NEG_INFINITY, f64::INFINITY);
        let k = a.marks.len();
        let _ = a.diff_json(rng.below(k as u64 + 2) as usize, rng.below(k as u64 + 2) as usize);
        a.reset();
        assert_eq!(a.event_count, 0);
    }
}

#[test]
fn series_property_peaks_survive_any_downsampling() {
    let mut rng = Rng(42);
    for _ in 0..300 {
        let cap = 4 + rng.below(64) as usize;
        let fan = 2 + rng.below(8) as u32;
        let lv = 1 + rng.below(6) as usize;
        let mut s = MinMaxSeries::new(cap, fan, lv);
        let n = rng.below(20_000) as usize;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut t = 0.0;
        for _ in 0..n {
            t += rng.unit() * 10.0;
            let v = rng.unit() * 1000.0 - 500.0;
            lo = lo.min(v);
            hi = hi.max(v);
            s.push(t, v);
        }
        assert!(s.held() <= cap * lv + lv, "bounded: {} > {}", s.held(), cap * lv);
        let pts = 1 + rng.below(500) as usize;
        let d = s.downsample(pts, f64::NEG_INFINITY, f64::INFINITY);
        assert!(d.times.len() <= pts);
        if n > 0 {
            let dmax = d.max.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let dmin = d.min.iter().cloned().fold(f64::INFINITY, f64::min);
            assert_eq!(dmax, hi);
            assert_eq!(dmin, lo);
        } else {
            assert!(d.times.is_empty());
        }
    }
}
