//! Publish the calling thread's OpenTelemetry context where out-of-process
//! readers (the OpenTelemetry eBPF profiler, gdb, `otelctx-inspect`) find it:
//! the thread-local `otel_thread_ctx_v1` of OTEP 4947 and the process
//! context of OTEP 4719, through the otelctx C library.
//!
//! ```no_run
//! use otelctx::{Attr, Key, Record, SpanContext};
//!
//! let method = Key::register("http.method").unwrap();
//! let span = SpanContext { trace_id: [1; 16], span_id: [2; 8], trace_flags: 1 };
//! let mut record = Record::with(&span, &[Attr::new(method, "GET")]).unwrap();
//! {
//!     let mut attached = record.attach(); // published on this thread
//!     attached.update_span(&[3; 8]).unwrap(); // a child span
//! } // the previous record (here: none) is published again
//! ```
//!
//! Callback-shaped integrations, whose attach and restore are two calls (no
//! guard can span them), freeze a prepared record into a [`SharedRecord`]
//! and call [`SharedRecord::enter`] / [`SharedRecord::exit`]. Feature
//! `tracing` does so for every span: [`tracing::OtelctxLayer`].
//!
//! Linking: by default the crate links `libotelctx.so`. With feature `lto`
//! it links the optimized ThinLTO bitcode `libotelctx.a`; build the final
//! program with `rust/cargo-lto` so that the C calls are inlined into Rust
//! code and the result is checked (see docs/rust.md in the repository).

pub mod sys;

mod attr;
mod attrset;
mod error;
mod process;
mod record;
mod shared;
mod slot;

#[cfg(feature = "tracing")]
pub mod tracing;

pub use attr::Attr;
pub use attrset::AttrSet;
pub use error::{Error, Result};
pub use process::{
    key_map, process_external, process_publish, process_unpublish, schema_version, self_check,
    set_key_listener, Key,
};
pub use record::{Record, SpanContext};
pub use shared::SharedRecord;
pub use slot::{is_attached, Attached};
