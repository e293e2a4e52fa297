//! Library half of the yinqi binary: the parts its integration tests and benchmarks reuse.

pub mod synth;
