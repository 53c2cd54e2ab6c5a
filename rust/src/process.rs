//! The process context (OTEP 4719) that names attribute keys for readers,
//! and the build self-check.

use core::ffi::{c_char, c_void, CStr};
use std::ffi::CString;

use crate::error::{Error, Result};
use crate::sys;

/// A registered attribute key: its index in the process's key map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(u8);

impl Key {
    /// Registers `name` (idempotent; `otelctx_key_index`). `-EINVAL` for an
    /// empty name, one over 255 bytes or one containing NUL; `-ENOSPC` when
    /// 256 keys exist; `-E2BIG` when the process context would pass 64 KiB.
    pub fn register(name: &str) -> Result<Key> {
        let name = CString::new(name).map_err(|_| Error::INVALID)?;
        // SAFETY: a NUL-terminated string, copied by the library.
        let index = Error::check(unsafe { sys::otelctx_key_index(name.as_ptr()) })?;
        u8::try_from(index).map(Key).map_err(|_| Error::INVALID)
    }

    /// A key index registered elsewhere in the process (another runtime
    /// sharing this library's key map, or an external publisher's map).
    pub fn from_index(index: u8) -> Key {
        Key(index)
    }

    /// The key index written into records.
    pub fn index(self) -> u8 {
        self.0
    }
}

/// Publishes (or updates in place) the process context with these resource
/// attributes (`otelctx_process_publish`). `-EEXIST` when another SDK's
/// context exists, external mode is on, or another copy of otelctx in the
/// process published its resource; `-EINVAL` for a duplicate key or a NUL
/// inside a key or value.
pub fn process_publish(resource: &[(&str, &str)]) -> Result<()> {
    let mut owned = Vec::with_capacity(resource.len());
    for (key, value) in resource {
        let key = CString::new(*key).map_err(|_| Error::INVALID)?;
        let value = CString::new(*value).map_err(|_| Error::INVALID)?;
        owned.push((key, value));
    }
    let kvs: Vec<sys::otelctx_kv> = owned
        .iter()
        .map(|(k, v)| sys::otelctx_kv { key: k.as_ptr(), value: v.as_ptr() })
        .collect();
    // SAFETY: kvs and the strings it points at outlive the call, which copies them.
    Error::check(unsafe { sys::otelctx_process_publish(kvs.as_ptr(), kvs.len()) }).map(drop)
}

/// Removes the process context this library published. `-ENOENT` if none;
/// `-EPERM` when another copy of otelctx in the process published the
/// resource.
pub fn process_unpublish() -> Result<()> {
    // SAFETY: no preconditions.
    Error::check(unsafe { sys::otelctx_process_unpublish() }).map(drop)
}

/// Someone else (the SDK's own publisher) publishes this process's context:
/// call before the first key or record. See [`schema_version`], [`key_map`]
/// and [`set_key_listener`] for what that publisher needs.
pub fn process_external() {
    // SAFETY: no preconditions; always 0.
    unsafe { sys::otelctx_process_external() };
}

/// The `threadlocal.schema_version` readers require.
pub fn schema_version() -> &'static str {
    // SAFETY: a static NUL-terminated ASCII string.
    unsafe { CStr::from_ptr(sys::otelctx_schema_version()) }
        .to_str()
        .unwrap_or_default()
}

/// The key names registered so far; position `i` names key index `i`.
pub fn key_map() -> Vec<String> {
    let mut names: *const *const c_char = core::ptr::null();
    // SAFETY: the library fills names with an append-only array of `count`
    // entries that live as long as the process.
    unsafe {
        let count = sys::otelctx_key_map(&mut names);
        (0..count)
            .map(|i| CStr::from_ptr(*names.add(i)).to_string_lossy().into_owned())
            .collect()
    }
}

unsafe extern "C" fn call_listener(index: u8, name: *const c_char, arg: *mut c_void) {
    // SAFETY: arg is the fn pointer set_key_listener registered.
    let listener: fn(u8, &str) = unsafe { core::mem::transmute(arg) };
    // SAFETY: name is NUL-terminated and lives as long as the process.
    let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    // A panic must not unwind into C.
    let _ = std::panic::catch_unwind(|| listener(index, &name));
}

/// Calls `listener(index, name)` for every key registered from now on, on
/// the registering thread, before its `Key::register` returns: an external
/// publisher republishes there. `None` removes it.
pub fn set_key_listener(listener: Option<fn(u8, &str)>) {
    // SAFETY: the trampoline receives the fn pointer back as arg.
    unsafe {
        match listener {
            Some(f) => sys::otelctx_key_listener(Some(call_listener), f as *mut c_void),
            None => sys::otelctx_key_listener(None, core::ptr::null_mut()),
        };
    }
}

/// Checks that readers can find the slot in the ELF object otelctx was linked
/// into (`otelctx_self_check`). `Err` carries the one-line reason: call it at
/// start-up and warn, since a build that lost the export still runs.
pub fn self_check() -> core::result::Result<(), String> {
    let mut why = [0 as c_char; 256];
    // SAFETY: why is writable for its length.
    let ret = unsafe { sys::otelctx_self_check(why.as_mut_ptr(), why.len()) };
    // SAFETY: the library NUL-terminates why.
    let text = unsafe { CStr::from_ptr(why.as_ptr()) }.to_string_lossy().into_owned();
    if ret == 0 {
        Ok(())
    } else {
        Err(text)
    }
}
