//! Feature `tracing`: what OtelctxLayer publishes in the calling thread's
//! slot as spans are created, entered, recorded and exited. The expected
//! records are written out here (ids as byte arrays, attributes as text),
//! not derived by the layer's code.

use std::sync::{Arc, Barrier};
use std::thread;

use otelctx::tracing::OtelctxLayer;
use otelctx::{sys, Key, Record, SpanContext};
use tracing::field::Empty;
use tracing::{info_span, Dispatch};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// 0102…10 and 1112…18 as the layer must decode them.
const TRACE_HEX: &str = "0102030405060708090a0b0c0d0e0f10";
const TRACE: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const SPAN_HEX: &str = "1112131415161718";
const SPAN: [u8; 8] = [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];
const CHILD_HEX: &str = "A1a2A3a4A5a6A7a8";
const CHILD: [u8; 8] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8];

/// What the calling thread's slot publishes: None when nothing is attached,
/// else (trace id, span id, flags, attributes by key name).
#[derive(Debug, PartialEq)]
struct Published {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    trace_flags: u8,
    attrs: Vec<(String, String)>,
}

fn published() -> Option<Published> {
    // SAFETY: reads the slot only.
    let ptr = unsafe { sys::otelctx_current() };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the attached record stays alive while its span is entered.
    let raw = unsafe { &*ptr };
    assert_eq!(raw.valid, 1, "the published record is not valid");
    let names = otelctx::key_map();
    let data = &raw.attrs_data[..usize::from(raw.attrs_data_size)];
    let (mut attrs, mut at) = (Vec::new(), 0);
    while at + 2 <= data.len() {
        let (key, len) = (usize::from(data[at]), usize::from(data[at + 1]));
        let value = String::from_utf8(data[at + 2..at + 2 + len].to_vec()).expect("UTF-8");
        attrs.push((names[key].clone(), value));
        at += 2 + len;
    }
    Some(Published { trace_id: raw.trace_id, span_id: raw.span_id, trace_flags: raw.trace_flags, attrs })
}

fn ids(trace_id: [u8; 16], span_id: [u8; 8], trace_flags: u8, attrs: &[(&str, &str)]) -> Option<Published> {
    let attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Some(Published { trace_id, span_id, trace_flags, attrs })
}

fn no_ids(attrs: &[(&str, &str)]) -> Option<Published> {
    ids([0; 16], [0; 8], 0, attrs)
}

fn layer() -> OtelctxLayer {
    OtelctxLayer::new().with_attribute("http.route").unwrap().with_attribute("user").unwrap()
}

fn with_layer(f: impl FnOnce()) {
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer()), f);
}

#[test]
fn nested_spans_publish_their_own_record_and_restore_the_parent() {
    with_layer(|| {
        assert_eq!(published(), None);
        let root = info_span!("root", trace_id = TRACE_HEX, span_id = SPAN_HEX, trace_flags = 1);
        let child = root.in_scope(|| info_span!("child", trace_id = "ffffffffffffffffffffffffffffffff",
                                                span_id = CHILD_HEX, trace_flags = 0));
        let entered = root.enter();
        assert_eq!(published(), ids(TRACE, SPAN, 1, &[]));
        {
            let _child = child.enter();
            assert_eq!(published(), ids([0xff; 16], CHILD, 0, &[]));
        }
        assert_eq!(published(), ids(TRACE, SPAN, 1, &[]));
        drop(entered);
        assert_eq!(published(), None);
    });
}

#[test]
fn a_child_keeps_its_parents_ids_or_trace_id() {
    with_layer(|| {
        let root = info_span!("root", trace_id = TRACE_HEX, span_id = SPAN_HEX, trace_flags = 3);
        let _root = root.enter();
        let plain = info_span!("plain");
        let _plain = plain.enter();
        assert_eq!(published(), ids(TRACE, SPAN, 3, &[]));
        let own = info_span!("own span id", span_id = CHILD_HEX);
        let _own = own.enter();
        assert_eq!(published(), ids(TRACE, CHILD, 3, &[]));
        let resampled = info_span!("flags only", trace_flags = 0);
        let _resampled = resampled.enter();
        assert_eq!(published(), ids(TRACE, CHILD, 0, &[]));
    });
}

#[test]
fn an_outer_guard_is_restored_after_the_spans() {
    let mut outer = Record::with(&SpanContext { trace_id: [7; 16], span_id: [8; 8], trace_flags: 1 }, &[]).unwrap();
    let guard = outer.attach();
    with_layer(|| {
        let span = info_span!("inside", trace_id = TRACE_HEX, span_id = SPAN_HEX);
        {
            let _span = span.enter();
            assert_eq!(published(), ids(TRACE, SPAN, 0, &[]));
        }
        assert_eq!(published(), ids([7; 16], [8; 8], 1, &[]));
    });
    drop(guard);
    assert_eq!(published(), None);
}

#[test]
fn attributes_are_published_and_inherited() {
    with_layer(|| {
        let root = info_span!("root", trace_id = TRACE_HEX, span_id = SPAN_HEX, http.route = "/a", user = 42,
                              ignored = "not a chosen field");
        let _root = root.enter();
        assert_eq!(published(), ids(TRACE, SPAN, 0, &[("http.route", "/a"), ("user", "42")]));
        let child = info_span!("child", span_id = CHILD_HEX);
        let _child = child.enter();
        assert_eq!(published(), ids(TRACE, CHILD, 0, &[("http.route", "/a"), ("user", "42")]));
        let overriding = info_span!("override", http.route = %"/b");
        let _overriding = overriding.enter();
        assert_eq!(published(), ids(TRACE, CHILD, 0, &[("http.route", "/b"), ("user", "42")]));
        let grandchild = info_span!("grandchild");
        let _grandchild = grandchild.enter();
        assert_eq!(published(), ids(TRACE, CHILD, 0, &[("http.route", "/b"), ("user", "42")]));
    });
}

#[test]
fn malformed_ids_publish_no_ids() {
    with_layer(|| {
        let root = info_span!("root", trace_id = TRACE_HEX, span_id = SPAN_HEX, http.route = "/r");
        let _root = root.enter();
        let cases = [
            info_span!("not hex", span_id = "11121314151617zz"),
            info_span!("short", span_id = "111213141516171"),
            info_span!("long", trace_id = "0102030405060708090a0b0c0d0e0f1011", span_id = SPAN_HEX),
            info_span!("all zero", trace_id = "00000000000000000000000000000000", span_id = SPAN_HEX),
            info_span!("zero span", span_id = "0000000000000000"),
            info_span!("trace id alone", trace_id = TRACE_HEX),
            info_span!("debug quotes", span_id = ?SPAN_HEX),
        ];
        for span in &cases {
            let _span = span.enter();
            let name = span.metadata().unwrap().name();
            assert_eq!(published(), no_ids(&[("http.route", "/r")]), "{name}");
            let child = info_span!("child of a span without ids");
            let _child = child.enter();
            assert_eq!(published(), no_ids(&[("http.route", "/r")]), "child of {name}");
        }
        let bad_flags = info_span!("flags out of range", span_id = CHILD_HEX, trace_flags = 256);
        let _bad_flags = bad_flags.enter();
        assert_eq!(published(), ids(TRACE, CHILD, 0, &[("http.route", "/r")]));
    });
}

#[test]
fn recorded_fields_are_published_from_the_next_enter() {
    with_layer(|| {
        let span = info_span!("late", trace_id = TRACE_HEX, span_id = Empty, http.route = Empty);
        {
            let _span = span.enter();
            assert_eq!(published(), no_ids(&[]));
            span.record("span_id", SPAN_HEX);
            span.record("http.route", "/late");
            // Still the record prepared before: entered records are not written.
            assert_eq!(published(), no_ids(&[]));
        }
        assert_eq!(published(), None, "the replaced record was not restored on exit");
        let _span = span.enter();
        assert_eq!(published(), ids(TRACE, SPAN, 0, &[("http.route", "/late")]));
    });
}

#[test]
fn exits_out_of_order_leave_the_remaining_span_published() {
    with_layer(|| {
        let outer = info_span!("outer", trace_id = TRACE_HEX, span_id = SPAN_HEX);
        let inner = info_span!("inner", trace_id = TRACE_HEX, span_id = CHILD_HEX);
        let outer_entered = outer.enter();
        let inner_entered = inner.enter();
        drop(outer_entered);
        assert_eq!(published(), ids(TRACE, CHILD, 0, &[]));
        drop(inner_entered);
        assert_eq!(published(), None);
    });
}

#[test]
fn two_threads_publish_their_own_spans() {
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer()));
    let shared = tracing::dispatcher::with_default(&dispatch, || {
        info_span!("shared", trace_id = TRACE_HEX, span_id = SPAN_HEX, user = "both")
    });
    // In lockstep: thread 0 enters first and exits first, while thread 1 is
    // still inside; each reads its own slot at every step.
    let step = Arc::new(Barrier::new(2));
    let threads: Vec<_> = [CHILD_HEX, "b1b2b3b4b5b6b7b8"]
        .into_iter()
        .enumerate()
        .map(|(index, span_id)| {
            let (dispatch, shared, step) = (dispatch.clone(), shared.clone(), Arc::clone(&step));
            let first = index == 0;
            thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    if !first {
                        step.wait();
                    }
                    let shared_entered = shared.enter();
                    let own = info_span!("own", span_id);
                    let own_entered = own.enter();
                    if first {
                        step.wait();
                    }
                    step.wait();
                    let inside = published();
                    step.wait();
                    if !first {
                        step.wait();
                    }
                    drop(own_entered);
                    let after_own = published();
                    drop(shared_entered);
                    let after_both = published();
                    if first {
                        step.wait();
                    }
                    (inside, after_own, after_both)
                })
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results[0].0, ids(TRACE, CHILD, 0, &[("user", "both")]));
    assert_eq!(results[1].0, ids(TRACE, [0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8], 0, &[("user", "both")]));
    for (_, after_own, after_both) in &results {
        assert_eq!(after_own, &ids(TRACE, SPAN, 0, &[("user", "both")]));
        assert_eq!(after_both, &None);
    }
}

/// What another layer (tracing-opentelemetry's, say) keeps in a span's
/// extensions.
struct ForeignIds(SpanContext);

/// Puts ForeignIds into spans named "foreign".
struct ForeignLayer;

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for ForeignLayer {
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, id: &tracing::Id,
                   ctx: tracing_subscriber::layer::Context<'_, S>) {
        if attrs.metadata().name() == "foreign" {
            let ids = SpanContext { trace_id: [0x33; 16], span_id: [0x44; 8], trace_flags: 1 };
            ctx.span(id).unwrap().extensions_mut().insert(ForeignIds(ids));
        }
    }
}

#[test]
fn with_ids_takes_ids_from_the_extensions() {
    let layer = layer().with_ids(|extensions, _metadata| extensions.get::<ForeignIds>().map(|f| f.0));
    let subscriber = tracing_subscriber::registry().with(ForeignLayer).with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let foreign = info_span!("foreign", trace_id = TRACE_HEX, span_id = SPAN_HEX);
        let _foreign = foreign.enter();
        assert_eq!(published(), ids([0x33; 16], [0x44; 8], 1, &[]));
        let child = info_span!("child", span_id = CHILD_HEX);
        let _child = child.enter();
        assert_eq!(published(), ids([0x33; 16], CHILD, 1, &[]));
    });
}

#[test]
fn with_attribute_reports_a_bad_key() {
    assert!(OtelctxLayer::new().with_attribute("").is_err());
    assert!(Key::register("http.route").is_ok());
}
