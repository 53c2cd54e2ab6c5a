//! A prepared attribute set: attributes checked and encoded once, then
//! copied as they are by every write (`otelctx_attrset_*`, OTELCTX_1.3).

use core::ptr::NonNull;

use crate::attr::Attr;
use crate::error::{Error, Result};
use crate::sys;

/// Attribute values set over and over (a route, a method, a tenant),
/// encoded once by `otelctx_attrset_new` and freed on drop. Immutable once
/// made: shared between threads (`Send` and `Sync`). It keeps its own copy
/// of the values, so it borrows nothing; no record refers to it after a
/// write. Written by [`crate::Record::set_attrset`] and
/// [`crate::Attached::set_attrset`], which give the same record as
/// [`crate::Record::set`] with the same attributes.
pub struct AttrSet {
    ptr: NonNull<sys::otelctx_attrset>,
    left_out: usize,
}

// SAFETY: the C set is never written after otelctx_attrset_new; the writers
// only read it, from any thread.
unsafe impl Send for AttrSet {}
unsafe impl Sync for AttrSet {}

impl AttrSet {
    /// Checks and encodes `attrs` by the rules of [`crate::Record::set`]:
    /// values longer than 255 bytes, or past the 612 bytes of attribute
    /// space, are left out ([`AttrSet::left_out`] counts them). An empty
    /// slice gives an empty set. `Err(-ENOMEM)` when it cannot be allocated
    /// (`-EINVAL` for more than `i32::MAX` attributes).
    pub fn new(attrs: &[Attr<'_>]) -> Result<AttrSet> {
        let mut left_out = 0;
        // SAFETY: attrs is an otelctx_attr array (Attr's layout) of valid
        // values, read during the call only.
        let ptr = unsafe { sys::otelctx_attrset_new(Attr::slice_as_raw(attrs), attrs.len(), &mut left_out) };
        match NonNull::new(ptr) {
            Some(ptr) => Ok(AttrSet { ptr, left_out: left_out as usize }),
            None => Err(Error::last_errno()),
        }
    }

    /// How many of the attributes given to [`AttrSet::new`] were left out;
    /// the writers of the set return it.
    pub fn left_out(&self) -> usize {
        self.left_out
    }

    /// The set as C sees it, for `sys` calls.
    pub fn as_ptr(&self) -> *const sys::otelctx_attrset {
        self.ptr.as_ptr()
    }
}

impl Drop for AttrSet {
    fn drop(&mut self) {
        // SAFETY: made by otelctx_attrset_new, freed once; no record keeps
        // a reference to it.
        unsafe { sys::otelctx_attrset_free(self.ptr.as_ptr()) };
    }
}
