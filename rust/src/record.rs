//! An owned record, and the span context and attributes written into it.

use core::ptr::NonNull;
use std::marker::PhantomData;

use crate::attr::Attr;
use crate::attrset::AttrSet;
use crate::error::{Error, Result};
use crate::slot::Attached;
use crate::sys;

/// The ids of a span: both set, or (see [`Record::clear`]) none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub trace_flags: u8,
}

// The writers' wrappers are #[inline]: without LTO a call of their own
// would be inlined nowhere and add to every write's cost.

/// `otelctx_record_set` on `record`: the number of attributes left out.
///
/// # Safety
/// `record` points at a live record that no other thread writes.
#[inline]
pub(crate) unsafe fn set_raw(
    record: *mut sys::otelctx_record,
    span: Option<&SpanContext>,
    attrs: &[Attr<'_>],
) -> Result<usize> {
    let (trace, id, flags) = match span {
        Some(s) => (s.trace_id.as_ptr(), s.span_id.as_ptr(), s.trace_flags),
        None => (core::ptr::null(), core::ptr::null(), 0),
    };
    // SAFETY: attrs is an otelctx_attr array (Attr's layout) of live values.
    let ret = unsafe { sys::otelctx_record_set(record, trace, id, flags, Attr::slice_as_raw(attrs), attrs.len()) };
    Error::check(ret).map(|n| n as usize)
}

/// `otelctx_record_set_attrset` on `record`: the set's left-out count.
///
/// # Safety
/// As for [`set_raw`].
#[inline]
pub(crate) unsafe fn set_attrset_raw(
    record: *mut sys::otelctx_record,
    span: &SpanContext,
    set: &AttrSet,
) -> Result<usize> {
    // SAFETY: a live set, only read by the call.
    let (trace, id) = (span.trace_id.as_ptr(), span.span_id.as_ptr());
    let ret = unsafe { sys::otelctx_record_set_attrset(record, trace, id, span.trace_flags, set.as_ptr()) };
    Error::check(ret).map(|n| n as usize)
}

/// A 640-byte thread context record, owned: allocated by
/// `otelctx_record_new`, freed on drop. Publish it on the calling thread with
/// [`Record::attach`].
///
/// `Send` (it is plain memory) but not `Sync`: the C writers are not atomic,
/// so one thread at a time writes a record.
pub struct Record {
    ptr: NonNull<sys::otelctx_record>,
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

// SAFETY: the record is heap memory owned by this value; nothing ties it to
// the thread that allocated it.
unsafe impl Send for Record {}

impl Record {
    /// A valid record with no trace and no attributes (`otelctx_record_new`).
    /// The first record of the process publishes the automatic process
    /// context, as in C.
    pub fn new() -> Result<Record> {
        // SAFETY: no preconditions.
        let ptr = unsafe { sys::otelctx_record_new() };
        NonNull::new(ptr)
            .map(|ptr| Record { ptr, _not_sync: PhantomData })
            .ok_or(Error::NO_MEMORY)
    }

    /// A record holding `span` and `attrs`; attributes that do not fit are
    /// left out, as [`Record::set`] reports.
    pub fn with(span: &SpanContext, attrs: &[Attr<'_>]) -> Result<Record> {
        let mut record = Record::new()?;
        record.set(span, attrs)?;
        Ok(record)
    }

    /// Writes `span` and `attrs` (`otelctx_record_set`) and makes the record
    /// valid. Returns how many attributes were left out: longer than 255
    /// bytes, or past the 612 bytes of attribute space. `Err(-EINVAL)` for
    /// one id all zero, or both zero with flags; the record is then unchanged.
    #[inline]
    pub fn set(&mut self, span: &SpanContext, attrs: &[Attr<'_>]) -> Result<usize> {
        // SAFETY: self owns the record and, being !Sync, is written here only.
        unsafe { set_raw(self.ptr.as_ptr(), Some(span), attrs) }
    }

    /// As [`Record::set`] with the prepared set's attributes
    /// (`otelctx_record_set_attrset`): the same record, the same result (the
    /// set's [`AttrSet::left_out`] on success), and per call only the copy
    /// of its encoded bytes.
    #[inline]
    pub fn set_attrset(&mut self, span: &SpanContext, set: &AttrSet) -> Result<usize> {
        // SAFETY: as in set.
        unsafe { set_attrset_raw(self.ptr.as_ptr(), span, set) }
    }

    /// A valid record with no trace (zero ids), only `attrs`.
    #[inline]
    pub fn set_attrs_only(&mut self, attrs: &[Attr<'_>]) -> Result<usize> {
        // SAFETY: as in set.
        unsafe { set_raw(self.ptr.as_ptr(), None, attrs) }
    }

    /// Marks the record invalid (`otelctx_record_invalidate`): readers skip
    /// it until the next set.
    pub fn invalidate(&mut self) {
        // SAFETY: a live record; the call only fails for NULL.
        unsafe { sys::otelctx_record_invalidate(self.ptr.as_ptr()) };
    }

    /// Publishes this record for the calling thread until the guard drops,
    /// which puts back whatever was attached before (the swap).
    pub fn attach(&mut self) -> Attached<'_> {
        Attached::new(self)
    }

    /// The record as C sees it, for `sys` calls.
    pub fn as_ptr(&self) -> *mut sys::otelctx_record {
        self.ptr.as_ptr()
    }

    fn raw(&self) -> &sys::otelctx_record {
        // SAFETY: live, and only this thread writes it (Record is !Sync).
        unsafe { self.ptr.as_ref() }
    }

    pub fn is_valid(&self) -> bool {
        self.raw().valid == 1
    }

    pub fn trace_id(&self) -> [u8; 16] {
        self.raw().trace_id
    }

    pub fn span_id(&self) -> [u8; 8] {
        self.raw().span_id
    }

    pub fn trace_flags(&self) -> u8 {
        self.raw().trace_flags
    }

    /// The encoded attributes: (key index, value bytes) in order.
    pub fn attrs(&self) -> Vec<(u8, Vec<u8>)> {
        let raw = self.raw();
        let data = &raw.attrs_data[..usize::from(raw.attrs_data_size).min(sys::OTELCTX_ATTRS_CAPACITY)];
        let mut out = Vec::new();
        let mut at = 0;
        while at + 2 <= data.len() {
            let (key, len) = (data[at], usize::from(data[at + 1]));
            let Some(value) = data.get(at + 2..at + 2 + len) else { break };
            out.push((key, value.to_vec()));
            at += 2 + len;
        }
        out
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // SAFETY: a record must not stay published once freed: detach it if
        // it is this thread's current one (a leaked guard), then free it.
        unsafe {
            sys::otelctx_detach_if(self.ptr.as_ptr());
            sys::otelctx_record_free(self.ptr.as_ptr());
        }
    }
}
