//! Attaching without a scoped guard, for callback-shaped integrations (a
//! `tracing` layer's `on_enter`/`on_exit`, an executor's poll hooks), where
//! the attach and the restore happen in two calls and no borrow can span
//! them: the calling thread keeps what it entered alive on a stack of its
//! own, so no record it published can be freed while published.

use core::ops::Deref;
use std::cell::RefCell;
use std::sync::Arc;

use crate::record::Record;
use crate::sys;

/// A record that is no longer written: shared between threads (`Send` and
/// `Sync`), attached on any number of them at once with
/// [`SharedRecord::enter`], put back with [`SharedRecord::exit`]. Cloning is
/// one reference count. Build the record first, then freeze it here: a
/// change is a new `SharedRecord`, so the writes stay off the hot path and
/// no reader ever sees a record written by another thread.
#[derive(Clone)]
pub struct SharedRecord(Arc<Frozen>);

struct Frozen(Record);

// SAFETY: a frozen record is never written again: `SharedRecord` hands out
// `&Record` only, whose safe methods read.
unsafe impl Sync for Frozen {}

/// One `enter` of the calling thread: the record, kept alive while it is on
/// the stack, and the slot's content it replaced.
struct Entry {
    record: SharedRecord,
    previous: *mut sys::otelctx_record,
}

/// The calling thread's entered records, the most recent last.
struct Stack(Vec<Entry>);

impl Drop for Stack {
    fn drop(&mut self) {
        // The thread exits with records entered: its slot must not keep a
        // record that the stack's clones were keeping alive.
        if let Some(top) = self.0.last() {
            // SAFETY: only swaps the exiting thread's slot.
            unsafe { sys::otelctx_detach_if(top.record.as_ptr()) };
        }
    }
}

thread_local! {
    static STACK: RefCell<Stack> = const { RefCell::new(Stack(Vec::new())) };
}

impl SharedRecord {
    /// Freezes `record` for publication.
    pub fn new(record: Record) -> SharedRecord {
        SharedRecord(Arc::new(Frozen(record)))
    }

    /// Whether both are the same record (clones of one `SharedRecord`).
    pub fn ptr_eq(&self, other: &SharedRecord) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Publishes the record on the calling thread until the matching
    /// [`SharedRecord::exit`] on the same thread; the thread holds a clone
    /// meanwhile. Enters nest, also of the same record (a re-entered span).
    /// Called while the thread's locals are being destroyed (a thread-local
    /// destructor entering a span), it publishes nothing, and the matching
    /// `exit` returns `false`.
    pub fn enter(&self) {
        let _ = STACK.try_with(|stack| {
            // SAFETY: the stack keeps the record alive while it is attached
            // here, and detaches it before letting it go.
            let previous = unsafe { sys::otelctx_attach(self.as_ptr()) };
            stack.borrow_mut().0.push(Entry { record: self.clone(), previous });
        });
    }

    /// Undoes the thread's most recent [`SharedRecord::enter`] of this
    /// record: the slot gets back what that enter replaced. Exits may come
    /// out of order (tracing allows it): leaving an entry below the top
    /// hands what it replaced to the entry above it. The slot changes only
    /// while it holds this record, so a record attached meanwhile by a guard
    /// or by C code stays up. `false` when this thread has no enter of it
    /// pending (nothing changes).
    ///
    /// What an enter replaced is put back by address: a record attached
    /// before it by [`crate::Record::attach`] or by C code must stay alive
    /// until the matching exit (as with nested [`crate::Attached`] guards).
    pub fn exit(&self) -> bool {
        STACK
            .try_with(|stack| {
                let entries = &mut stack.borrow_mut().0;
                let Some(at) = entries.iter().rposition(|e| e.record.ptr_eq(self)) else {
                    return false;
                };
                let left = entries.remove(at);
                if let Some(above) = entries.get_mut(at) {
                    if above.previous == left.record.as_ptr() {
                        above.previous = left.previous;
                    }
                    return true;
                }
                // SAFETY: left.previous is what this thread's slot held
                // before the enter; only the slot is swapped.
                unsafe {
                    if sys::otelctx_detach_if(self.as_ptr()) == self.as_ptr() {
                        sys::otelctx_attach(left.previous);
                    }
                }
                true
            })
            .unwrap_or(false)
    }
}

impl Deref for SharedRecord {
    type Target = Record;

    fn deref(&self) -> &Record {
        &self.0 .0
    }
}
