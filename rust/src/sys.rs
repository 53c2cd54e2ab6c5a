//! The C API of `otelctx.h`, name for name: `extern "C"` declarations and
//! `#[repr(C)]` types. Every function is `unsafe` for the reasons the header
//! gives (pointers that must stay valid while a record is attached); the
//! crate root wraps them in a safe API.
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_void};

pub const OTELCTX_RECORD_SIZE: usize = 640;
pub const OTELCTX_ATTRS_CAPACITY: usize = 612;
pub const OTELCTX_VALUE_MAX: usize = 255;

/// The 640-byte thread context record of OTEP 4947.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otelctx_record {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub valid: u8,
    pub trace_flags: u8,
    pub attrs_data_size: u16,
    pub attrs_data: [u8; OTELCTX_ATTRS_CAPACITY],
}

const _: () = {
    assert!(core::mem::size_of::<otelctx_record>() == OTELCTX_RECORD_SIZE);
    assert!(core::mem::align_of::<otelctx_record>() == 2);
    assert!(core::mem::offset_of!(otelctx_record, span_id) == 16);
    assert!(core::mem::offset_of!(otelctx_record, valid) == 24);
    assert!(core::mem::offset_of!(otelctx_record, trace_flags) == 25);
    assert!(core::mem::offset_of!(otelctx_record, attrs_data_size) == 26);
    assert!(core::mem::offset_of!(otelctx_record, attrs_data) == 28);
};

/// One attribute: a key index and `len` bytes of UTF-8 (not NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otelctx_attr {
    pub key: u8,
    pub value: *const c_char,
    pub len: usize,
}

/// One resource attribute of the process context (both NUL-terminated).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct otelctx_kv {
    pub key: *const c_char,
    pub value: *const c_char,
}

/// A prepared attribute set (OTELCTX_1.3): opaque, immutable once made.
#[repr(C)]
pub struct otelctx_attrset {
    _opaque: [u8; 0],
}

pub type otelctx_key_callback =
    Option<unsafe extern "C" fn(index: u8, name: *const c_char, arg: *mut c_void)>;

extern "C" {
    pub fn otelctx_record_new() -> *mut otelctx_record;
    pub fn otelctx_record_free(record: *mut otelctx_record);
    pub fn otelctx_record_init(record: *mut otelctx_record) -> c_int;
    pub fn otelctx_record_set(
        record: *mut otelctx_record,
        trace_id: *const u8,
        span_id: *const u8,
        trace_flags: u8,
        attrs: *const otelctx_attr,
        n_attrs: usize,
    ) -> c_int;

    pub fn otelctx_attach(record: *mut otelctx_record) -> *mut otelctx_record;
    pub fn otelctx_detach() -> *mut otelctx_record;
    pub fn otelctx_detach_if(record: *mut otelctx_record) -> *mut otelctx_record;
    pub fn otelctx_current() -> *mut otelctx_record;
    pub fn otelctx_update(
        trace_id: *const u8,
        span_id: *const u8,
        trace_flags: u8,
        attrs: *const otelctx_attr,
        n_attrs: usize,
    ) -> c_int;

    pub fn otelctx_attrset_new(
        attrs: *const otelctx_attr,
        n_attrs: usize,
        left_out: *mut c_int,
    ) -> *mut otelctx_attrset;
    pub fn otelctx_attrset_free(set: *mut otelctx_attrset);
    pub fn otelctx_record_set_attrset(
        record: *mut otelctx_record,
        trace_id: *const u8,
        span_id: *const u8,
        trace_flags: u8,
        set: *const otelctx_attrset,
    ) -> c_int;
    pub fn otelctx_update_attrset(
        trace_id: *const u8,
        span_id: *const u8,
        trace_flags: u8,
        set: *const otelctx_attrset,
    ) -> c_int;

    pub fn otelctx_update_span(span_id: *const u8) -> c_int;
    pub fn otelctx_update_flags(trace_flags: u8) -> c_int;
    pub fn otelctx_attr_push(attr: *const otelctx_attr) -> c_int;
    pub fn otelctx_attr_pop(n: usize) -> c_int;
    pub fn otelctx_record_invalidate(record: *mut otelctx_record) -> c_int;

    pub fn otelctx_key_index(name: *const c_char) -> c_int;
    pub fn otelctx_process_publish(resource: *const otelctx_kv, n_resource: usize) -> c_int;
    pub fn otelctx_process_unpublish() -> c_int;
    pub fn otelctx_process_external() -> c_int;
    pub fn otelctx_schema_version() -> *const c_char;
    pub fn otelctx_key_map(names: *mut *const *const c_char) -> usize;
    pub fn otelctx_key_listener(on_key: otelctx_key_callback, arg: *mut c_void) -> c_int;

    pub fn otelctx_self_check(why: *mut c_char, why_len: usize) -> c_int;
    pub fn otelctx_strerror(err: c_int) -> *const c_char;
}
