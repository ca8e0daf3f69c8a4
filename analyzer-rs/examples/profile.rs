//! Native timing of ingestion with evaluation (developer aid: `cargo run --release --example profile`).
use std::time::Instant;
use wasm_memory_analyzer::records::{encode, Record};
use wasm_memory_analyzer::Analyzer;

fn main() {
    for eval in [1000.0, 1e12] {
        let mut a = Analyzer::new();
        a.config.eval_interval_ms = eval;
        for i in 0..4u32 {
            a.set_name(i, &format!("r1:{i}"));
            let r = encode(&Record::Memory { t: 0.0, mem: i, bytes: 16.0 * 1048576.0, max_bytes: None, owner: Some(9), module: None, realm: Some(8) });
            a.ingest(&r);
        }
        let mut bytes = [16.0 * 1048576.0; 4];
        let t0 = Instant::now();
        let mut buf = Vec::new();
        for i in 0..300_000u32 {
            let j = (i % 4) as usize;
            if i % 997 == 0 {
                bytes[j] += 65536.0;
            }
            buf.extend_from_slice(&encode(&Record::Sample { t: 1.0 + i as f64 * 100.0, mem: j as u32, bytes: bytes[j] }));
            if buf.len() >= 8 * 4096 {
                a.ingest(&buf);
                buf.clear();
            }
        }
        a.ingest(&buf);
        println!("eval {eval}: {:?}", t0.elapsed());
    }
}
