//! The C ABI of a minimal Rust SDK: enter a span on the calling thread from a
//! scenario line, leave it, and report the self-check. The span's record and
//! attach guard live in a Rust thread-local (std's TLS: this library imports
//! __tls_get_addr for it, legitimately; the slot itself is TLSDESC).

use core::ffi::{c_char, c_int, CStr};
use std::cell::RefCell;

use otelctx::{Attached, Attr, Key, Record};

#[path = "../../scenario_line.rs"]
mod scenario_line;

thread_local! {
    static SPAN: RefCell<Option<(Attached<'static>, *mut Record)>> = const { RefCell::new(None) };
}

/// Publishes the context of `line` on the calling thread, its key indexes
/// named. 0, or -22 (EINVAL) for a line that does not parse, key names that
/// got other indexes, or a span already entered.
///
/// # Safety
/// `line` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn rust_sdk_enter(line: *const c_char) -> c_int {
    // SAFETY: the caller passes a NUL-terminated line.
    let Ok(line) = unsafe { CStr::from_ptr(line) }.to_str() else { return -22 };
    let context = scenario_line::parse(line);
    if !scenario_line::name_keys(&context) {
        return -22;
    }
    let attrs: Vec<Attr> = context.attrs.iter().map(|(k, v)| Attr::new(Key::from_index(*k), v)).collect();
    let record = match Record::with(&context.span, &attrs) {
        Ok(record) => Box::into_raw(Box::new(record)),
        Err(err) => return err.errno(),
    };
    SPAN.with(|span| {
        let mut span = span.borrow_mut();
        if span.is_some() {
            // SAFETY: record came from Box::into_raw above and is not attached.
            drop(unsafe { Box::from_raw(record) });
            return -22;
        }
        // SAFETY: the record is freed only after its guard is dropped, in
        // rust_sdk_exit, on this thread.
        let attached = unsafe { &mut *record }.attach();
        *span = Some((attached, record));
        0
    })
}

/// Leaves the span: the previous record (none) is published again.
#[no_mangle]
pub extern "C" fn rust_sdk_exit() {
    SPAN.with(|span| {
        if let Some((attached, record)) = span.borrow_mut().take() {
            drop(attached);
            // SAFETY: from Box::into_raw in rust_sdk_enter; its guard is gone.
            drop(unsafe { Box::from_raw(record) });
        }
    });
}

/// otelctx's self-check of this library: 0, or -8 with the reason in `why`.
///
/// # Safety
/// `why` is writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn rust_sdk_self_check(why: *mut c_char, len: usize) -> c_int {
    let (ret, text) = match otelctx::self_check() {
        Ok(()) => (0, String::new()),
        Err(text) => (-8, text),
    };
    let n = text.len().min(len.saturating_sub(1));
    // SAFETY: n + 1 <= len bytes of why are written.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr().cast(), why, n);
        *why.add(n) = 0;
    }
    ret
}
