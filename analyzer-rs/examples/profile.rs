//! Native timing of ingestion with evaluation on a session-like stream (developer aid:
//! `cargo run --release --example profile`). Mirrors bench/analyzer-throughput.mjs's stream.
use std::time::Instant;
use wasm_memory_analyzer::records::{encode, Record};
use wasm_memory_analyzer::Analyzer;

fn stream(n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * 8 * 2);
    let mut sizes = [16.0 * 1048576.0; 4];
    for (i, s) in sizes.iter().enumerate() {
        out.extend_from_slice(&encode(&Record::Memory {
            t: 0.0,
            mem: i as u32,
            bytes: *s,
            max_bytes: None,
            owner: Some(10 + i as u32),
            module: None,
            realm: Some(20),
        }));
    }
    let (mut t, mut created) = (1.7e12, 0.0);
    let mut events = 0;
    let mut tick = 0u64;
    while events < n {
        t += 100.0;
        let j = (tick % 4) as usize;
        if tick % 53 == 0 {
            let from = sizes[j];
            sizes[j] += 65536.0;
            out.extend_from_slice(&encode(&Record::Grow { t, mem: j as u32, from, to: sizes[j], js: false }));
            events += 1;
        }
        for (k, s) in sizes.iter().enumerate() {
            out.extend_from_slice(&encode(&Record::Sample { t, mem: k as u32, bytes: *s }));
        }
        events += 1;
        if tick % 5 == 0 {
            created += 7.0;
            out.extend_from_slice(&encode(&Record::Bindgen {
                t,
                class: 30,
                module: Some(31),
                created,
                freed: created,
                reclaimed: 0.0,
                live: 0.0,
            }));
            out.extend_from_slice(&encode(&Record::Registry { t, name: 32, field: 33, value: (tick % 100) as f64, memory: None }));
            out.extend_from_slice(&encode(&Record::Registry { t, name: 32, field: 34, value: (tick % 100) as f64 * 4096.0, memory: None }));
            events += 2;
        }
        if tick % 5000 == 0 {
            out.extend_from_slice(&encode(&Record::Mark { t, label: 40 }));
            events += 1;
        }
        tick += 1;
    }
    out
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let data = stream(n);
    for eval in [1000.0, 1e15] {
        let mut a = Analyzer::new();
        a.config.eval_interval_ms = eval;
        let t0 = Instant::now();
        for chunk in data.chunks(8 * 4096) {
            a.ingest(chunk);
        }
        let _ = a.report_json();
        println!("{} records, eval every {eval} ms: {:?} ({} alerts)", data.len() / 8, t0.elapsed(), a.alerts.all().len());
    }
}
