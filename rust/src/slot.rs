//! The calling thread's slot, `otel_thread_ctx_v1`: attach guards and the
//! partial updates of the attached record.

use core::ops::Deref;
use std::marker::PhantomData;

use crate::attr::Attr;
use crate::attrset::AttrSet;
use crate::error::{Error, Result};
use crate::record::{set_attrset_raw, set_raw, Record, SpanContext};
use crate::sys;

/// A record published on the calling thread. Dropping it puts back the
/// record that was attached before (`otelctx_attach` returns it: one swap
/// each way), so guards nest like spans.
///
/// Not `Send`: the slot belongs to the thread that attached. Its methods
/// write only when the guard's record is still the thread's current one
/// (a later guard may have replaced it) and fail with `-ENOENT` otherwise.
/// Leaking a guard (`mem::forget`) leaves the record published; dropping the
/// record then detaches it, so no freed memory stays published by it.
pub struct Attached<'a> {
    record: &'a mut Record,
    previous: *mut sys::otelctx_record,
    _not_send: PhantomData<*const ()>,
}

// Only the whole-record writers below are #[inline]. The slot operations'
// wrappers are not: under LTO the C operation inlines into the small wrapper,
// as the consumer gate requires, while a wrapper inlined into a large caller
// (rust/examples/publish's main) left its C call out of line.
impl<'a> Attached<'a> {
    pub(crate) fn new(record: &'a mut Record) -> Self {
        // SAFETY: the record lives at least as long as the guard, which
        // detaches it before the borrow ends.
        let previous = unsafe { sys::otelctx_attach(record.as_ptr()) };
        Attached { record, previous, _not_send: PhantomData }
    }

    fn ensure_current(&self) -> Result<()> {
        // SAFETY: reads the slot only.
        if unsafe { sys::otelctx_current() } == self.record.as_ptr() {
            Ok(())
        } else {
            Err(Error::NOT_ATTACHED)
        }
    }

    /// Rewrites the attached record in place (readers see the old or the new
    /// content, never a mix). Same result as [`Record::set`].
    #[inline]
    pub fn set(&mut self, span: &SpanContext, attrs: &[Attr<'_>]) -> Result<usize> {
        // SAFETY: the guard's record is alive and written by this thread only.
        unsafe { set_raw(self.record.as_ptr(), Some(span), attrs) }
    }

    /// Rewrites the attached record in place with the prepared set's
    /// attributes, as [`Attached::set`] does. Same result as
    /// [`Record::set_attrset`].
    #[inline]
    pub fn set_attrset(&mut self, span: &SpanContext, set: &AttrSet) -> Result<usize> {
        // SAFETY: as in set.
        unsafe { set_attrset_raw(self.record.as_ptr(), span, set) }
    }

    /// A child span: only the span id changes (`otelctx_update_span`).
    /// `-EINVAL` for an all-zero id or a record without trace.
    pub fn update_span(&mut self, span_id: &[u8; 8]) -> Result<()> {
        self.ensure_current()?;
        // SAFETY: the slot holds this guard's live record.
        Error::check(unsafe { sys::otelctx_update_span(span_id.as_ptr()) }).map(drop)
    }

    /// The sampling decision made after the span's context was published:
    /// only the trace flags change, one byte store (`otelctx_update_flags`).
    /// `-EINVAL` for flags other than 0 on a record without trace.
    pub fn update_flags(&mut self, trace_flags: u8) -> Result<()> {
        self.ensure_current()?;
        // SAFETY: the slot holds this guard's live record.
        Error::check(unsafe { sys::otelctx_update_flags(trace_flags) }).map(drop)
    }

    /// Appends one attribute (`otelctx_attr_push`): `Ok(true)` appended,
    /// `Ok(false)` left out (too long, or no room), the record unchanged.
    pub fn push(&mut self, attr: Attr<'_>) -> Result<bool> {
        self.ensure_current()?;
        // SAFETY: as in update_span; attr borrows its value for the call.
        Error::check(unsafe { sys::otelctx_attr_push(attr.as_raw()) }).map(|ret| ret == 0)
    }

    /// Removes the last `n` attributes; returns how many there were to remove.
    pub fn pop(&mut self, n: usize) -> Result<usize> {
        self.ensure_current()?;
        // SAFETY: as in update_span.
        Error::check(unsafe { sys::otelctx_attr_pop(n) }).map(|ret| ret as usize)
    }

    /// Hides the record from readers while it stays attached (an async
    /// runtime parking a task); the next [`Attached::set`] shows it again.
    pub fn invalidate(&mut self) {
        // SAFETY: a live record.
        unsafe { sys::otelctx_record_invalidate(self.record.as_ptr()) };
    }
}

impl Deref for Attached<'_> {
    type Target = Record;

    fn deref(&self) -> &Record {
        self.record
    }
}

impl Drop for Attached<'_> {
    fn drop(&mut self) {
        // Put the previous record back only if ours is still the current one:
        // if a later guard was leaked, the slot keeps its record.
        // SAFETY: previous was attached when this guard was made; detach_if
        // and attach only swap the slot.
        unsafe {
            if sys::otelctx_detach_if(self.record.as_ptr()) == self.record.as_ptr() {
                sys::otelctx_attach(self.previous);
            }
        }
    }
}

/// Whether the calling thread has a record attached.
pub fn is_attached() -> bool {
    // SAFETY: reads the slot only.
    !unsafe { sys::otelctx_current() }.is_null()
}
