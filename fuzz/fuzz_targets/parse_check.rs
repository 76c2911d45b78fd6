//! Parse and check arbitrary text: no input may panic, hang or overflow the stack.
//! Run with `cargo +nightly fuzz run parse_check` from the repository root (see fuzz/README.md).

// Test code: a failed expectation should panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let compilation = voltlex_dsl::compile_text("fuzz.vlx", text);
        // Rendering is part of what a user sees: it must not panic either.
        let _ = compilation.render_diagnostics(false);
    }
});
