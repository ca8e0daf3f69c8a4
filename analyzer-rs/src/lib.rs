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
//! - [`model`]: the data model (memories, classes, registry fields, mark snapshots, names);
//! - [`analyzer`]: incremental ingestion, the evaluation schedule, chart series;
//! - [`heuristics`]: one leak heuristic per file, over a read-only view of the model;
//! - [`kind`]: alert kinds and their wire names;
//! - [`alerts`]: the alert book (lifecycle, stable ids, reuse of unchanged texts);
//! - [`text`]: number formatting for alert texts;
//! - [`report`]: JSON of the report (alerts included) and of diffs between marks;
//! - [`config`]: thresholds, settable by numeric key;
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
pub mod heuristics;
pub mod json;
pub mod kind;
pub mod model;
pub mod records;
pub mod report;
pub mod series;
pub mod text;

// The boundary is compiled for wasm32, and natively for its own tests (driven like JS does).
#[cfg(any(target_arch = "wasm32", test))]
mod wasm;

pub use analyzer::Analyzer;
pub use records::{Record, STRIDE};
