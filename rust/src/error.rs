//! Errors: the C library's negative errno values, named by `otelctx_strerror`.

use core::ffi::{c_int, CStr};
use core::fmt;

use crate::sys;

/// A negative errno value returned by the C library (`-EINVAL`, `-ENOENT`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error(c_int);

pub type Result<T> = core::result::Result<T, Error>;

pub(crate) const EINVAL: c_int = 22;
pub(crate) const ENOENT: c_int = 2;
pub(crate) const ENOMEM: c_int = 12;
pub(crate) const EBUSY: c_int = 16;

impl Error {
    pub(crate) const INVALID: Error = Error(-EINVAL);
    pub(crate) const NOT_ATTACHED: Error = Error(-ENOENT);
    pub(crate) const NO_MEMORY: Error = Error(-ENOMEM);
    /// `-EBUSY`: a writer called (from a signal handler) while the same
    /// thread was inside another writer; nothing was changed.
    pub const BUSY: Error = Error(-EBUSY);

    /// Whether a writer refused to run inside another writer of the thread
    /// (`-EBUSY`): retry later, outside the signal handler.
    pub fn is_busy(self) -> bool {
        self == Error::BUSY
    }

    /// The negative errno value, as the C function returned it.
    pub fn errno(self) -> i32 {
        self.0
    }

    /// The C call's errno (`otelctx_attrset_new` returns NULL and sets it),
    /// negated as the other calls return it.
    pub(crate) fn last_errno() -> Error {
        // The header promises errno with every NULL; ENOMEM if it were not set.
        let errno = std::io::Error::last_os_error().raw_os_error().filter(|&e| e > 0).unwrap_or(ENOMEM);
        Error(-errno)
    }

    /// `Ok(ret)` for a non-negative return value of a C call, `Err` otherwise.
    #[inline]
    pub(crate) fn check(ret: c_int) -> Result<c_int> {
        if ret < 0 {
            Err(Error(ret))
        } else {
            Ok(ret)
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: otelctx_strerror returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(sys::otelctx_strerror(self.0)) };
        write!(f, "{} ({})", name.to_string_lossy(), self.0)
    }
}

impl std::error::Error for Error {}
