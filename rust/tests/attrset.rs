//! Prepared attribute sets against the plain writers: a record written from
//! an `AttrSet` must hold the header and the first `attrs_data_size` bytes
//! that `Record::set` writes from the same attributes (the bytes past it may
//! differ, as otelctx.h allows), with the same result.

use std::sync::Arc;

use otelctx::{sys, Attr, AttrSet, Key, Record, SpanContext};

const TRACE: [u8; 16] = [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36];
const SPAN: [u8; 8] = [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7];
const EINVAL: i32 = -22;

fn span() -> SpanContext {
    SpanContext { trace_id: TRACE, span_id: SPAN, trace_flags: 1 }
}

/// The header (28 bytes) and the attribute bytes in use.
fn used_bytes(record: *const sys::otelctx_record) -> Vec<u8> {
    let raw = unsafe { &*record };
    let used = 28 + usize::from(raw.attrs_data_size);
    unsafe { std::slice::from_raw_parts(record.cast::<u8>(), used) }.to_vec()
}

/// A record dirtied first, so that a writer that skips a byte shows it.
fn dirty_record() -> Record {
    let key = Key::register("attrset.dirt").unwrap();
    let dirt = "d".repeat(200);
    let dirty = SpanContext { trace_id: [0xee; 16], span_id: [0xee; 8], trace_flags: 0xee };
    Record::with(&dirty, &[Attr::new(key, &dirt), Attr::new(key, &dirt), Attr::new(key, &dirt)]).unwrap()
}

/// Attribute lists that take every rule: none, two short ones, one too
/// long (left out) among fitting ones, and more than the 612 bytes hold.
fn cases() -> Vec<Vec<(Key, String)>> {
    let method = Key::register("http.method").unwrap();
    let route = Key::register("http.route").unwrap();
    let big = Key::register("attrset.big").unwrap();
    vec![
        vec![],
        vec![(method, "GET".into()), (route, "/api/v1".into())],
        vec![(big, "x".repeat(256)), (method, "".into()), (big, "y".repeat(255))],
        (0..5).map(|i| (big, format!("{i}").repeat(200))).collect(),
    ]
}

fn attrs(case: &[(Key, String)]) -> Vec<Attr<'_>> {
    case.iter().map(|(key, value)| Attr::new(*key, value)).collect()
}

#[test]
fn a_set_writes_the_plain_calls_record() {
    for case in cases() {
        let attrs = attrs(&case);
        let mut plain = dirty_record();
        let plain_ret = plain.set(&span(), &attrs).unwrap();
        let set = AttrSet::new(&attrs).unwrap();
        let mut prepared = dirty_record();
        assert_eq!(prepared.set_attrset(&span(), &set).unwrap(), plain_ret, "{} attributes", attrs.len());
        assert_eq!(used_bytes(prepared.as_ptr()), used_bytes(plain.as_ptr()), "{} attributes", attrs.len());
    }
}

#[test]
fn the_attached_record_is_written_in_place() {
    for case in cases() {
        let attrs = attrs(&case);
        let mut plain = dirty_record();
        let plain_ret = plain.set(&span(), &attrs).unwrap();
        let set = AttrSet::new(&attrs).unwrap();
        let mut record = dirty_record();
        let mut attached = record.attach();
        assert_eq!(attached.set_attrset(&span(), &set).unwrap(), plain_ret);
        let current = unsafe { sys::otelctx_current() };
        assert_eq!(current, attached.as_ptr(), "set_attrset changed the slot");
        assert_eq!(used_bytes(current), used_bytes(plain.as_ptr()), "{} attributes", attrs.len());
    }
}

#[test]
fn left_out_counts_what_the_rules_leave_out() {
    let key = Key::register("attrset.count").unwrap();
    let too_long = "x".repeat(256);
    let fits = "y".repeat(255);
    // 3 × 257 bytes pass the 612 of the record: the third is left out too.
    let set = AttrSet::new(&[
        Attr::new(key, &too_long),
        Attr::new(key, &fits),
        Attr::new(key, &fits),
        Attr::new(key, &fits),
    ])
    .unwrap();
    assert_eq!(set.left_out(), 2);
    assert_eq!(AttrSet::new(&[Attr::new(key, &fits)]).unwrap().left_out(), 0);
    assert_eq!(AttrSet::new(&[]).unwrap().left_out(), 0);
    let mut record = Record::new().unwrap();
    assert_eq!(record.set_attrset(&span(), &set).unwrap(), 2);
    assert_eq!(record.attrs(), vec![(key.index(), fits.clone().into_bytes()); 2]);
}

#[test]
fn ids_are_checked_as_by_the_plain_call() {
    let key = Key::register("attrset.ids").unwrap();
    let set = AttrSet::new(&[Attr::new(key, "v")]).unwrap();
    let mut record = Record::with(&span(), &[]).unwrap();
    let before = used_bytes(record.as_ptr());
    for bad in [
        SpanContext { trace_id: TRACE, span_id: [0; 8], trace_flags: 1 },
        SpanContext { trace_id: [0; 16], span_id: SPAN, trace_flags: 1 },
        SpanContext { trace_id: [0; 16], span_id: [0; 8], trace_flags: 1 },
    ] {
        assert_eq!(record.set(&bad, &[Attr::new(key, "v")]).unwrap_err().errno(), EINVAL);
        assert_eq!(record.set_attrset(&bad, &set).unwrap_err().errno(), EINVAL);
        assert_eq!(record.attach().set_attrset(&bad, &set).unwrap_err().errno(), EINVAL);
        assert_eq!(used_bytes(record.as_ptr()), before, "a rejected set_attrset changed the record");
    }
}

#[test]
fn one_set_is_written_from_many_threads() {
    fn shared<T: Send + Sync>(_: &T) {}
    let key = Key::register("attrset.threads").unwrap();
    let set = Arc::new(AttrSet::new(&[Attr::new(key, "shared")]).unwrap());
    shared(&*set);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let set = Arc::clone(&set);
            std::thread::spawn(move || {
                let mut record = Record::new().unwrap();
                record.set_attrset(&span(), &set).unwrap();
                record.attrs()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), vec![(key.index(), b"shared".to_vec())]);
    }
}

#[test]
fn an_attr_gives_back_its_key_and_value() {
    let key = Key::register("attrset.attr").unwrap();
    let value = String::from("/api/v1");
    let attr = Attr::new(key, &value);
    assert_eq!((attr.key(), attr.value()), (key, "/api/v1"));
    let raw = unsafe { &*attr.as_raw() };
    assert_eq!((raw.key, raw.value.cast::<u8>(), raw.len), (key.index(), value.as_ptr(), value.len()));
}
