//! One attribute, laid out exactly as the C library's `otelctx_attr`, so
//! that a slice of them goes to C as it is: no copy per call.

use core::fmt;
use std::marker::PhantomData;

use crate::process::Key;
use crate::sys;

/// One attribute: a registered key (see [`crate::Key`]) and a UTF-8 value of
/// at most 255 bytes (longer ones are left out by the writers).
///
/// `#[repr(C)]` as `sys::otelctx_attr` (key index, value pointer, length):
/// `&[Attr]` is the C array. The value stays borrowed for `'a`, so no
/// pointer in it outlives the string it points at.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Attr<'a> {
    key: u8,
    value: *const u8,
    len: usize,
    _value: PhantomData<&'a str>,
}

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<Attr<'_>>() == size_of::<sys::otelctx_attr>());
    assert!(align_of::<Attr<'_>>() == align_of::<sys::otelctx_attr>());
    assert!(offset_of!(Attr<'_>, key) == offset_of!(sys::otelctx_attr, key));
    assert!(offset_of!(Attr<'_>, value) == offset_of!(sys::otelctx_attr, value));
    assert!(offset_of!(Attr<'_>, len) == offset_of!(sys::otelctx_attr, len));
};

// SAFETY: an Attr is a key index and a `&'a str`, both Send and Sync; the
// raw pointer is only there for the C layout.
unsafe impl Send for Attr<'_> {}
unsafe impl Sync for Attr<'_> {}

impl<'a> Attr<'a> {
    #[inline]
    pub fn new(key: Key, value: &'a str) -> Self {
        Attr { key: key.index(), value: value.as_ptr(), len: value.len(), _value: PhantomData }
    }

    #[inline]
    pub fn key(&self) -> Key {
        Key::from_index(self.key)
    }

    #[inline]
    pub fn value(&self) -> &'a str {
        // SAFETY: the fields are private and set only by new, from a
        // `&'a str` still borrowed (PhantomData<&'a str>).
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.value, self.len)) }
    }

    /// The attribute as C reads it: the same memory, by the layout above.
    #[inline]
    pub fn as_raw(&self) -> *const sys::otelctx_attr {
        (self as *const Attr<'a>).cast()
    }

    /// `attrs` as the C array `otelctx_attr[attrs.len()]`.
    #[inline]
    pub fn slice_as_raw(attrs: &[Attr<'a>]) -> *const sys::otelctx_attr {
        attrs.as_ptr().cast()
    }
}

impl fmt::Debug for Attr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attr").field("key", &self.key()).field("value", &self.value()).finish()
    }
}
