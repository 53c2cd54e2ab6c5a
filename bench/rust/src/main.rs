//! Rust benchmarks of otelctx, without crates.io: plain timing loops that
//! write google-benchmark's JSON (bench/report.py reads both), and
//! `--instr OP N`, which runs op_OP N times for callgrind
//! (bench/rust/instructions.sh).
//!
//!   rust/swap         sys::otelctx_attach of one of two records, as single/swap
//!   rust/current      sys::otelctx_current
//!   rust/in_place     Attached::set: fresh ids and two attributes, in place
//!   rust/in_place_attrset  Attached::set_attrset: the same, the two
//!                     attributes as a prepared AttrSet
//!   rust/update_span  Attached::update_span: a child span's id

use core::ffi::c_int;
use std::hint::black_box;
use std::time::Instant;

use otelctx::{sys, Attached, Attr, AttrSet, Key, Record, SpanContext};

const NAMES: [&str; 5] = ["rust/swap", "rust/current", "rust/in_place", "rust/in_place_attrset", "rust/update_span"];

struct State<'a> {
    records: [*mut sys::otelctx_record; 2],
    attached: Attached<'a>,
    attrs: [Attr<'static>; 2],
    set: AttrSet,
    span: SpanContext,
    n: u64,
}

#[inline(always)]
fn swap(s: &mut State) {
    s.n += 1;
    // SAFETY: both records outlive the benchmark; the guard's record is
    // attached again after the loop.
    black_box(unsafe { sys::otelctx_attach(s.records[(s.n & 1) as usize]) });
}

#[inline(always)]
fn current(_: &mut State) {
    // SAFETY: reads the slot only.
    black_box(unsafe { sys::otelctx_current() });
}

#[inline(always)]
fn in_place(s: &mut State) {
    s.n += 1;
    s.span.trace_id[8..].copy_from_slice(&s.n.to_le_bytes());
    s.span.span_id = s.n.to_le_bytes();
    black_box(s.attached.set(&s.span, &s.attrs)).ok();
}

#[inline(always)]
fn in_place_attrset(s: &mut State) {
    s.n += 1;
    s.span.trace_id[8..].copy_from_slice(&s.n.to_le_bytes());
    s.span.span_id = s.n.to_le_bytes();
    black_box(s.attached.set_attrset(&s.span, &s.set)).ok();
}

#[inline(always)]
fn update_span(s: &mut State) {
    s.n += 1;
    black_box(s.attached.update_span(&s.n.to_le_bytes())).ok();
}

// One out-of-line function per operation for --instr: callgrind collects
// only inside it. The timing loops inline the operation instead, as
// google-benchmark's loops around the C calls do.
macro_rules! out_of_line {
    ($($name:ident => $op:ident),*) => {$(
        #[no_mangle]
        #[inline(never)]
        fn $name(s: &mut State) {
            $op(s)
        }
    )*};
}

out_of_line!(op_swap => swap, op_current => current, op_in_place => in_place,
             op_in_place_attrset => in_place_attrset, op_update_span => update_span);

const OPS: [fn(&mut State); 5] = [op_swap, op_current, op_in_place, op_in_place_attrset, op_update_span];

extern "C" {
    fn clock_gettime(clock: c_int, ts: *mut [i64; 2]) -> c_int;
}

fn thread_cpu_ns() -> f64 {
    let mut ts = [0i64; 2];
    // SAFETY: CLOCK_THREAD_CPUTIME_ID (3) into a timespec.
    unsafe { clock_gettime(3, &mut ts) };
    ts[0] as f64 * 1e9 + ts[1] as f64
}

/// (iterations, real ns per op, cpu ns per op): iterations doubled until one
/// run takes min_time, as google-benchmark does.
fn measure(op: impl Fn(&mut State), state: &mut State, min_time: f64) -> (u64, f64, f64) {
    let mut iterations = 1000u64;
    loop {
        let (real, cpu) = (Instant::now(), thread_cpu_ns());
        for _ in 0..iterations {
            op(state);
        }
        let cpu = thread_cpu_ns() - cpu;
        let real = real.elapsed().as_secs_f64();
        if real >= min_time || iterations >= 1 << 34 {
            return (iterations, real * 1e9 / iterations as f64, cpu / iterations as f64);
        }
        iterations *= 2;
    }
}

struct Args {
    min_time: f64,
    repetitions: u32,
    out: Option<String>,
    json_stdout: bool,
    instr: Option<(String, u64)>,
}

fn parse_args() -> Args {
    let mut args = Args { min_time: 0.2, repetitions: 1, out: None, json_stdout: false, instr: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (key, value) = arg.split_once('=').unwrap_or((&arg, ""));
        match key {
            "--benchmark_min_time" => args.min_time = value.trim_end_matches('s').parse().expect("seconds"),
            "--benchmark_repetitions" => args.repetitions = value.parse().expect("count"),
            "--benchmark_out" => args.out = Some(value.to_string()),
            "--benchmark_out_format" => assert_eq!(value, "json", "only json output"),
            "--benchmark_format" => args.json_stdout = value == "json",
            "--instr" => {
                let op = it.next().expect("--instr OP N");
                let n = it.next().and_then(|n| n.parse().ok()).expect("--instr OP N");
                args.instr = Some((op, n));
            }
            _ => panic!("unknown argument {arg}"),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let route = Key::register("http.route").expect("key");
    let method = Key::register("http.method").expect("key");
    let span = SpanContext { trace_id: [0x4b; 16], span_id: [0x01; 8], trace_flags: 1 };
    let attrs = [Attr::new(method, "GET"), Attr::new(route, "/api/v1")];
    let swapped = [Record::new().expect("record"), Record::new().expect("record")];
    let mut record = Record::with(&span, &attrs).expect("record");
    let mut state = State {
        records: [swapped[0].as_ptr(), swapped[1].as_ptr()],
        attached: record.attach(),
        attrs,
        set: AttrSet::new(&attrs).expect("attribute set"),
        span,
        n: 0,
    };
    if let Some((name, n)) = args.instr {
        let i = NAMES.iter().position(|x| x.strip_prefix("rust/") == Some(name.as_str())).expect("op name");
        for _ in 0..n {
            OPS[i](&mut state);
        }
        // SAFETY: put the guard's record back before it is dropped.
        unsafe { sys::otelctx_attach(state.attached.as_ptr()) };
        return;
    }
    let mut rows = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        for index in 0..args.repetitions {
            // Each arm monomorphises measure() with the operation inlined.
            let (iterations, real, cpu) = match i {
                0 => measure(swap, &mut state, args.min_time),
                1 => measure(current, &mut state, args.min_time),
                2 => measure(in_place, &mut state, args.min_time),
                3 => measure(in_place_attrset, &mut state, args.min_time),
                _ => measure(update_span, &mut state, args.min_time),
            };
            // SAFETY: swap leaves one of its records attached: restore the guard's.
            unsafe { sys::otelctx_attach(state.attached.as_ptr()) };
            rows.push(format!(
                "    {{\"name\": \"{name}\", \"run_name\": \"{name}\", \"run_type\": \"iteration\", \
                 \"repetitions\": {}, \"repetition_index\": {index}, \"threads\": 1, \"iterations\": {iterations}, \
                 \"real_time\": {real:.4}, \"cpu_time\": {cpu:.4}, \"time_unit\": \"ns\"}}",
                args.repetitions
            ));
            if !args.json_stdout {
                eprintln!("{name:<20} {real:8.2} ns {cpu:8.2} ns {iterations:>12}");
            }
        }
    }
    let json = format!(
        "{{\n  \"context\": {{\"executable\": \"otelctx-bench-rust\", \"lto\": {}}},\n  \"benchmarks\": [\n{}\n  ]\n}}\n",
        cfg!(feature = "lto"),
        rows.join(",\n")
    );
    if let Some(path) = args.out {
        std::fs::write(&path, &json).expect("--benchmark_out");
    }
    if args.json_stdout {
        print!("{json}");
    }
}
