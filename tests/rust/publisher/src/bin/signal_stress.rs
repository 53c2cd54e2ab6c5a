//! The signal-stress property for Rust code with otelctx inlined into it:
//! a one-shot timer (SIGEV_THREAD_ID, re-armed 2-33 us ahead from the
//! handler) interrupts this thread while it swaps, rewrites in place and
//! pushes/pops attributes; the handler reads the slot as an out-of-process
//! reader would and must see NULL, an invalid record, or a consistent one.
//! Stops after 100 000 reads with at least 20 interrupts inside every
//! operation; fails on a torn read or after a 300 s budget.

use core::ffi::c_int;
use core::sync::atomic::{compiler_fence, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use otelctx::{sys, Attr, Key, Record, SpanContext};

const SIGUSR1: c_int = 10;
const CLOCK_MONOTONIC: c_int = 1;
const SIGEV_THREAD_ID: c_int = 4;
const READS: u64 = 100_000;
const HITS_PER_OP: u64 = 20;
const BUDGET: Duration = Duration::from_secs(300);
const OPS: [&str; 3] = ["swap", "set_in_place", "push_pop"];
const EXTRA_KEY: u8 = 9;

#[repr(C)]
struct SigEvent {
    value: u64,
    signo: c_int,
    notify: c_int,
    tid: c_int,
    pad: [c_int; 11],
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

#[repr(C)]
struct ItimerSpec {
    interval: Timespec,
    value: Timespec,
}

extern "C" {
    fn gettid() -> c_int;
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn timer_create(clock: c_int, event: *mut SigEvent, timer: *mut *mut core::ffi::c_void) -> c_int;
    fn timer_settime(timer: *mut core::ffi::c_void, flags: c_int, new: *const ItimerSpec, old: *mut ItimerSpec) -> c_int;
}

static TIMER: AtomicU64 = AtomicU64::new(0);
static SEED: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
static OP: AtomicU8 = AtomicU8::new(0);
static KEY: AtomicU8 = AtomicU8::new(0);
static COUNTS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4]; // null, invalid, consistent, torn
static HITS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

fn arm() {
    let mut x = SEED.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    SEED.store(x, Ordering::Relaxed);
    let spec = ItimerSpec {
        interval: Timespec { sec: 0, nsec: 0 },
        value: Timespec { sec: 0, nsec: 2_000 + (x % 32_000) as i64 },
    };
    // SAFETY: the timer was created in main; timer_settime is async-signal-safe.
    unsafe { timer_settime(TIMER.load(Ordering::Relaxed) as *mut _, 0, &spec, core::ptr::null_mut()) };
}

/// The generation g of a record written by `contents(g)`, if every part of
/// it says the same g (the pushed extra attribute aside).
fn generation(bytes: &[u8; 640]) -> Option<u64> {
    let g = u64::from_le_bytes(bytes[0..8].try_into().ok()?);
    let size = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
    let value = format!("{g:016x}");
    let first_ok = bytes[8..16] == bytes[0..8]
        && bytes[16..24] == bytes[0..8]
        && bytes[28] == KEY.load(Ordering::Relaxed)
        && bytes[29] == 16
        && &bytes[30..46] == value.as_bytes();
    let extra_ok = size == 18 || (size == 18 + 2 + 5 && bytes[46] == EXTRA_KEY && bytes[47] == 5 && &bytes[48..53] == b"extra");
    (first_ok && extra_ok).then_some(g)
}

extern "C" fn on_timer(_: c_int) {
    // SAFETY: reads the slot, then the 640 bytes it points at, volatile, as a
    // reader outside the process would.
    let record = unsafe { sys::otelctx_current() };
    let kind = if record.is_null() {
        0
    } else {
        let bytes: [u8; 640] = unsafe { core::ptr::read_volatile(record.cast()) };
        if bytes[24] != 1 {
            1
        } else if generation(&bytes).is_some() {
            2
        } else {
            3
        }
    };
    COUNTS[kind].fetch_add(1, Ordering::Relaxed);
    let op = OP.load(Ordering::Relaxed);
    if op != 0 {
        HITS[usize::from(op - 1)].fetch_add(1, Ordering::Relaxed);
    }
    arm();
}

fn contents(g: u64) -> (SpanContext, String) {
    let mut trace_id = [0u8; 16];
    trace_id[..8].copy_from_slice(&g.to_le_bytes());
    trace_id[8..].copy_from_slice(&g.to_le_bytes());
    (SpanContext { trace_id, span_id: g.to_le_bytes(), trace_flags: 1 }, format!("{g:016x}"))
}

/// Runs f as operation `op` (1-based): the handler attributes interrupts
/// that land between the two stores to it. compiler_fence orders them with
/// f's stores as the handler on this thread sees them.
#[inline(always)]
fn during<R>(op: u8, f: impl FnOnce() -> R) -> R {
    OP.store(op, Ordering::Relaxed);
    compiler_fence(Ordering::SeqCst);
    let r = f();
    compiler_fence(Ordering::SeqCst);
    OP.store(0, Ordering::Relaxed);
    r
}

fn done() -> bool {
    let reads: u64 = COUNTS.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    reads >= READS && HITS.iter().all(|h| h.load(Ordering::Relaxed) >= HITS_PER_OP)
}

fn main() {
    let key = Key::register("stress.generation").expect("key");
    KEY.store(key.index(), Ordering::Relaxed);
    let extra = Attr::new(Key::from_index(EXTRA_KEY), "extra");
    let (span, value) = contents(1);
    let mut records = [
        Record::with(&span, &[Attr::new(key, &value)]).expect("record"),
        Record::with(&span, &[Attr::new(key, &value)]).expect("record"),
    ];
    let mut event = SigEvent { value: 0, signo: SIGUSR1, notify: SIGEV_THREAD_ID, tid: unsafe { gettid() }, pad: [0; 11] };
    let mut timer = core::ptr::null_mut();
    // SAFETY: plain libc calls with valid pointers.
    unsafe {
        signal(SIGUSR1, on_timer);
        assert_eq!(timer_create(CLOCK_MONOTONIC, &mut event, &mut timer), 0, "timer_create");
    }
    TIMER.store(timer as u64, Ordering::Relaxed);
    arm();
    let start = Instant::now();
    let mut g = 1u64;
    let mut ops = 0u64;
    while !done() {
        if start.elapsed() > BUDGET {
            eprintln!("signal_stress: FAIL: budget of {BUDGET:?} spent before enough interrupts");
            std::process::exit(1);
        }
        for _ in 0..1000 {
            let (a, b) = records.split_at_mut(1);
            let mut outer = during(1, || a[0].attach());
            {
                let _inner = during(1, || b[0].attach());
            }
            g += 1;
            let (span, value) = contents(g);
            let left_out = during(2, || outer.set(&span, &[Attr::new(key, &value)])).expect("set");
            assert_eq!(left_out, 0);
            during(3, || {
                assert!(outer.push(extra).expect("push"));
                assert_eq!(outer.pop(1).expect("pop"), 1);
            });
            during(1, || drop(outer));
            ops += 5;
        }
    }
    let count = |i: usize| COUNTS[i].load(Ordering::Relaxed);
    println!(
        "signal_stress: {:.1} s, {ops} ops, {} reads (NULL {}, invalid {}, consistent {}, torn {}); hits: {}",
        start.elapsed().as_secs_f64(),
        (0..4).map(count).sum::<u64>(),
        count(0), count(1), count(2), count(3),
        OPS.iter().zip(&HITS).map(|(n, h)| format!("{n} {}", h.load(Ordering::Relaxed))).collect::<Vec<_>>().join(", ")
    );
    assert!(count(2) > 0, "no consistent record was ever read");
    if count(3) != 0 {
        eprintln!("signal_stress: FAIL: {} torn reads", count(3));
        std::process::exit(1);
    }
}
