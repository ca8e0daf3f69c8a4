//! The WASM Memory demo's document engine.
//!
//! The demo page creates one instance of this module per opened file. Each instance has its
//! own linear memory, which grows (by the `memory.grow` instruction, through Rust's allocator)
//! as [`document::Document::open`] parses and indexes the file. The page's leak is keeping
//! every old instance alive; nothing in here leaks.
//!
//! The boundary is a small C ABI (no wasm-bindgen): the page asks for an input buffer with
//! [`engine_alloc`], writes the file's bytes into linear memory, calls [`engine_open`], then
//! reads numbers back with the `engine_*` getters.
#![deny(missing_docs)]

pub mod document;

use document::{Document, Summary};
use std::cell::RefCell;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static DOC: RefCell<Option<Document>> = const { RefCell::new(None) };
}

/// Reserves `len` bytes of input in linear memory and returns where to write them.
#[no_mangle]
pub extern "C" fn engine_alloc(len: usize) -> *mut u8 {
    INPUT.with(|input| {
        let mut input = input.borrow_mut();
        *input = vec![0; len];
        input.as_mut_ptr()
    })
}

/// Parses and indexes the `len` input bytes written after [`engine_alloc`]; replaces any
/// document this instance held. Returns 0, or 1 if `len` exceeds the reserved input.
#[no_mangle]
pub extern "C" fn engine_open(len: usize) -> u32 {
    INPUT.with(|input| {
        let input = input.borrow();
        let Some(bytes) = input.get(..len) else { return 1 };
        let doc = Document::open(bytes);
        DOC.with(|d| *d.borrow_mut() = Some(doc));
        0
    })
}

/// Drops this instance's document and input (the allocator keeps the pages for reuse).
#[no_mangle]
pub extern "C" fn engine_close() {
    DOC.with(|d| *d.borrow_mut() = None);
    INPUT.with(|i| *i.borrow_mut() = Vec::new());
}

fn summary() -> Summary {
    DOC.with(|d| d.borrow().as_ref().map(Document::summary)).unwrap_or(Summary {
        lines: 0,
        words: 0,
        unique_words: 0,
        rows: 0,
        columns: 0,
        index_bytes: 0,
    })
}

/// Lines in the open document (0 if none).
#[no_mangle]
pub extern "C" fn engine_lines() -> u32 {
    summary().lines
}

/// Words in the open document.
#[no_mangle]
pub extern "C" fn engine_words() -> u32 {
    summary().words
}

/// Distinct words (case-insensitive) in the open document.
#[no_mangle]
pub extern "C" fn engine_unique_words() -> u32 {
    summary().unique_words
}

/// CSV data rows (0 for text).
#[no_mangle]
pub extern "C" fn engine_rows() -> u32 {
    summary().rows
}

/// CSV columns (0 for text).
#[no_mangle]
pub extern "C" fn engine_columns() -> u32 {
    summary().columns
}

/// Approximate heap bytes held by the document's indexes.
#[no_mangle]
pub extern "C" fn engine_index_bytes() -> u32 {
    summary().index_bytes
}

/// Case-insensitive substring count of the `len` input bytes written after [`engine_alloc`]
/// (the input buffer is reused for the query once the document is open).
#[no_mangle]
pub extern "C" fn engine_search(len: usize) -> u32 {
    INPUT.with(|input| {
        let input = input.borrow();
        let Some(needle) = input.get(..len) else { return 0 };
        DOC.with(|d| d.borrow().as_ref().map_or(0, |doc| doc.count_substring(needle) as u32))
    })
}
