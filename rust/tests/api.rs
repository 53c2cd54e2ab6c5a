//! The safe API against the C library, in the link mode the crate was built
//! with: records are compared with the encoding OTEP 4947 defines, written
//! out here by hand, not produced by the library.

use otelctx::{sys, Attr, Key, Record, SharedRecord, SpanContext};

const TRACE: [u8; 16] = [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36];
const SPAN: [u8; 8] = [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7];
const EINVAL: i32 = -22;
const ENOENT: i32 = -2;

fn span() -> SpanContext {
    SpanContext { trace_id: TRACE, span_id: SPAN, trace_flags: 1 }
}

fn current() -> *mut sys::otelctx_record {
    unsafe { sys::otelctx_current() }
}

/// The 640 bytes of a record, as OTEP 4947 lays them out.
fn expected_bytes(trace: [u8; 16], span: [u8; 8], flags: u8, attrs: &[(u8, &str)]) -> Vec<u8> {
    let mut data = Vec::new();
    for (key, value) in attrs {
        data.push(*key);
        data.push(value.len() as u8);
        data.extend_from_slice(value.as_bytes());
    }
    let mut bytes = Vec::with_capacity(640);
    bytes.extend_from_slice(&trace);
    bytes.extend_from_slice(&span);
    bytes.push(1);
    bytes.push(flags);
    bytes.extend_from_slice(&(data.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&data);
    bytes
}

fn record_bytes(record: &Record) -> Vec<u8> {
    let raw = unsafe { &*record.as_ptr() };
    let used = 28 + usize::from(raw.attrs_data_size);
    unsafe { std::slice::from_raw_parts(record.as_ptr().cast::<u8>(), used) }.to_vec()
}

#[test]
fn set_encodes_the_spec_layout() {
    let method = Key::register("http.method").unwrap();
    let route = Key::register("http.route").unwrap();
    let record = Record::with(&span(), &[Attr::new(method, "GET"), Attr::new(route, "/api/v1")]).unwrap();
    assert_eq!(
        record_bytes(&record),
        expected_bytes(TRACE, SPAN, 1, &[(method.index(), "GET"), (route.index(), "/api/v1")])
    );
    assert!(record.is_valid());
    assert_eq!(record.attrs(), vec![(method.index(), b"GET".to_vec()), (route.index(), b"/api/v1".to_vec())]);
}

#[test]
fn set_leaves_out_what_does_not_fit_and_rejects_half_ids() {
    let key = Key::register("big").unwrap();
    let long = "x".repeat(256);
    let fits = "y".repeat(255);
    let mut record = Record::new().unwrap();
    assert!(record.is_valid() && record.trace_id() == [0; 16] && record.attrs().is_empty());
    assert_eq!(record.set(&span(), &[Attr::new(key, &long), Attr::new(key, &fits)]).unwrap(), 1);
    assert_eq!(record.attrs(), vec![(key.index(), fits.clone().into_bytes())]);
    let before = record_bytes(&record);
    let half = SpanContext { trace_id: TRACE, span_id: [0; 8], trace_flags: 1 };
    assert_eq!(record.set(&half, &[]).unwrap_err().errno(), EINVAL);
    assert_eq!(record_bytes(&record), before, "a rejected set changed the record");
    // Nine attributes: the slice goes to C as it is, whatever its length.
    let nine: Vec<Attr> = (0..9).map(|_| Attr::new(key, "v")).collect();
    assert_eq!(record.set(&span(), &nine).unwrap(), 0);
    assert_eq!(record.attrs().len(), 9);
}

#[test]
fn attach_guards_nest_and_restore() {
    let mut outer = Record::with(&span(), &[]).unwrap();
    let mut inner = Record::new().unwrap();
    assert!(current().is_null());
    {
        let outer_guard = outer.attach();
        assert_eq!(current(), outer_guard.as_ptr());
        {
            let inner_guard = inner.attach();
            assert_eq!(current(), inner_guard.as_ptr());
        }
        assert_eq!(current(), outer_guard.as_ptr());
    }
    assert!(current().is_null());
    assert!(!otelctx::is_attached());
}

#[test]
fn partial_updates_write_only_the_attached_record() {
    let key = Key::register("partial").unwrap();
    let mut record = Record::with(&span(), &[Attr::new(key, "a")]).unwrap();
    let mut other = Record::new().unwrap();
    let mut guard = record.attach();
    guard.update_span(&[9; 8]).unwrap();
    assert!(guard.push(Attr::new(key, "b")).unwrap());
    assert!(!guard.push(Attr::new(key, &"z".repeat(256))).unwrap());
    assert_eq!(record_bytes(&guard), expected_bytes(TRACE, [9; 8], 1, &[(key.index(), "a"), (key.index(), "b")]));
    assert_eq!(guard.update_span(&[0; 8]).unwrap_err().errno(), EINVAL);
    assert_eq!(guard.pop(5).unwrap(), 2);
    {
        // While another record is attached, the outer guard does not write.
        let _nested = other.attach();
        assert_eq!(guard.update_span(&[7; 8]).unwrap_err().errno(), ENOENT);
        assert_eq!(guard.pop(1).unwrap_err().errno(), ENOENT);
    }
    guard.invalidate();
    assert!(!guard.is_valid());
    guard.set(&span(), &[]).unwrap();
    assert!(guard.is_valid());
    assert_eq!(guard.span_id(), SPAN);
}

#[test]
fn update_flags_writes_the_flags_byte_only() {
    let key = Key::register("flags").unwrap();
    let mut record = Record::with(&span(), &[Attr::new(key, "v")]).unwrap();
    let mut no_trace = Record::new().unwrap();
    no_trace.set_attrs_only(&[]).unwrap();
    let mut guard = record.attach();
    guard.update_flags(0).unwrap();
    assert_eq!(record_bytes(&guard), expected_bytes(TRACE, SPAN, 0, &[(key.index(), "v")]));
    guard.update_flags(3).unwrap();
    assert_eq!(record_bytes(&guard), expected_bytes(TRACE, SPAN, 3, &[(key.index(), "v")]));
    {
        let mut untraced = no_trace.attach();
        assert_eq!(untraced.update_flags(1).unwrap_err().errno(), EINVAL);
        untraced.update_flags(0).unwrap();
        // The outer guard's record is not the attached one: nothing written.
        assert_eq!(guard.update_flags(1).unwrap_err().errno(), ENOENT);
    }
    assert_eq!(guard.trace_flags(), 3);
}

#[test]
fn shared_records_enter_and_exit_without_a_guard() {
    let a = SharedRecord::new(Record::with(&span(), &[]).unwrap());
    let b = SharedRecord::new(Record::new().unwrap());
    assert!(!a.exit(), "an exit without an enter");
    a.enter();
    assert_eq!(current(), a.as_ptr());
    b.enter();
    a.enter(); // re-entered above b
    assert_eq!(current(), a.as_ptr());
    assert!(a.exit());
    assert_eq!(current(), b.as_ptr());
    assert!(a.exit()); // the first enter, below b: out of order
    assert_eq!(current(), b.as_ptr());
    assert!(b.exit());
    assert!(current().is_null(), "b's exit did not restore what a's first enter replaced");
    assert!(!b.exit());
    let on_other_thread = {
        let a = a.clone();
        std::thread::spawn(move || {
            a.enter();
            let entered = current() == a.as_ptr();
            (entered, a.exit(), current().is_null())
        })
        .join()
        .unwrap()
    };
    assert_eq!(on_other_thread, (true, true, true));
    assert!(current().is_null());
}

#[test]
fn a_shared_record_leaves_a_guards_record_up() {
    let shared = SharedRecord::new(Record::with(&span(), &[]).unwrap());
    let mut guarded = Record::new().unwrap();
    shared.enter();
    let guard = guarded.attach();
    assert!(shared.exit());
    assert_eq!(current(), guard.as_ptr(), "the exit replaced a record attached after its enter");
    drop(guard);
    assert_eq!(current(), shared.as_ptr());
}

#[test]
fn a_leaked_guard_does_not_leave_a_freed_record_published() {
    let mut record = Record::new().unwrap();
    std::mem::forget(record.attach());
    assert!(!current().is_null());
    drop(record);
    assert!(current().is_null());
}

#[test]
fn errors_are_named() {
    assert_eq!(Key::register("").unwrap_err().errno(), EINVAL);
    assert_eq!(Key::register("nul\0inside").unwrap_err().errno(), EINVAL);
    let text = Key::register(&"k".repeat(256)).unwrap_err().to_string();
    assert!(text.contains("-22"), "{text}");
    assert!(text.starts_with("EINVAL") || text.to_lowercase().contains("invalid"), "{text}");
}

#[test]
fn busy_is_known() {
    let busy = otelctx::Error::BUSY;
    assert_eq!(busy.errno(), -16); // -EBUSY on Linux, x86-64 and aarch64 alike
    assert!(busy.is_busy());
    assert!(!Key::register("").unwrap_err().is_busy());
    let text = busy.to_string();
    assert!(text.contains("-16") && text.contains("writer"), "{text}");
}

#[test]
fn keys_and_process_context() {
    let a = Key::register("proc.a").unwrap();
    assert_eq!(Key::register("proc.a").unwrap(), a);
    let map = otelctx::key_map();
    assert_eq!(map[usize::from(a.index())], "proc.a");
    assert_eq!(otelctx::schema_version(), "tlsdesc_v1_dev");
    otelctx::process_publish(&[("service.name", "rust-test")]).unwrap();
    assert_eq!(otelctx::process_publish(&[("k", "v"), ("k", "w")]).unwrap_err().errno(), EINVAL);
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    assert!(maps.contains("OTEL_CTX"), "no OTEL_CTX mapping after publish");
    otelctx::self_check().unwrap();
}
