//! # wasm-memory-analyzer
//!
//! The pure core of WASM Memory: it ingests the page events of a tab (memory samples, growth
//! events, wasm-bindgen class counters, allocator stats, registry stats, user marks) and
//! turns them into chart series, per-memory stats, diffs between marks, and leak alerts.
//!
//! Layout:
//! - [`records`]: the input encoding (fixed-stride `f64` records with interned string ids);
//! - [`series`]: bounded multi-resolution min/max chart store;
//! - [`detect`]: pure pattern detectors (rest levels, window minima, rising runs);
//! - [`analyzer`]: the data model and incremental ingestion, report / series / diff queries;
//! - [`alerts`]: the heuristics and the alert lifecycle;
//! - [`config`]: thresholds;
//! - [`json`]: a small JSON writer;
//! - [`fxhash`]: a fast hasher for maps keyed by interned ids;
//! - `wasm` (only on `wasm32`): the thin C-ABI boundary used by src/analyzer/analyzer.ts.
//!
//! Nothing here knows about JavaScript, and nothing panics on input: bad records are
//! counted and skipped. Time is event time, so a recorded trace replays identically.
#![deny(missing_docs)]

pub mod alerts;
pub mod analyzer;
pub mod config;
pub mod detect;
pub mod fxhash;
pub mod json;
pub mod records;
pub mod series;

// The boundary is compiled for wasm32, and natively for its own tests (driven like JS does).
#[cfg(any(target_arch = "wasm32", test))]
mod wasm;

pub use analyzer::Analyzer;
pub use records::{Record, STRIDE};
