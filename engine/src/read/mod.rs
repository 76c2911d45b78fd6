//! Readers for the files a bill needs (being written).
