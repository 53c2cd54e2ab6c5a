//! Speaks tests/scenario_reader.py's protocol: one context per stdin line
//! ("TRACE SPAN FLAGS KEY:VALUE..." in hex) until an empty line, one thread
//! per context publishing it with the safe API, "thread TID any"
//! per thread and "ready"; the threads keep their records attached until
//! stdin closes. With OTELCTX_SCENARIO_BUSY=1 they spin in this program's
//! code meanwhile instead of blocking, so that a sampling reader (perf
//! events fire only on a running thread) catches them.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

/// Set when stdin closed: the busy threads stop spinning.
static STOP_SPINNING: AtomicBool = AtomicBool::new(false);

use otelctx::{Attr, Key, Record};

#[path = "../../scenario_line.rs"]
mod scenario_line;
use scenario_line::{parse, Context};

extern "C" {
    fn gettid() -> i32;
}

fn publish(index: usize, context: Context, busy: bool, published: Arc<Barrier>, released: Arc<Barrier>, report: std::sync::mpsc::Sender<(usize, i32)>) {
    assert!(scenario_line::name_keys(&context), "the scenario's key names got other indexes");
    let attrs: Vec<Attr> = context.attrs.iter().map(|(k, v)| Attr::new(Key::from_index(*k), v)).collect();
    let mut record = Record::with(&context.span, &attrs).expect("record");
    let attached = record.attach();
    assert_eq!(attached.trace_id(), context.span.trace_id);
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { gettid() };
    report.send((index, tid)).expect("report");
    published.wait();
    while busy && !STOP_SPINNING.load(Ordering::Relaxed) {
        std::hint::spin_loop();
    }
    released.wait();
    drop(attached);
}

fn main() {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut contexts = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("stdin");
        if line.trim().is_empty() {
            break;
        }
        contexts.push(parse(&line));
    }
    let busy = std::env::var("OTELCTX_SCENARIO_BUSY").is_ok_and(|v| v == "1");
    let check = otelctx::self_check();
    println!("self_check {} {}", if check.is_ok() { 0 } else { -8 }, check.err().unwrap_or_default());
    let published = Arc::new(Barrier::new(contexts.len() + 1));
    let released = Arc::new(Barrier::new(contexts.len() + 1));
    let (report, reports) = std::sync::mpsc::channel();
    let threads: Vec<_> = contexts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let (p, r, s) = (published.clone(), released.clone(), report.clone());
            std::thread::spawn(move || publish(i, c, busy, p, r, s))
        })
        .collect();
    published.wait();
    // The TLS kind is not reported: Rust cannot name an extern thread-local
    // on stable, so the reader runs with --tls any.
    // In the order of the contexts: the reader pairs them by position.
    let mut tids: Vec<(usize, i32)> = reports.try_iter().collect();
    tids.sort();
    for (_, tid) in tids {
        println!("thread {tid} any");
    }
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    for line in lines {
        line.expect("stdin");
    }
    STOP_SPINNING.store(true, Ordering::Relaxed);
    released.wait();
    for t in threads {
        t.join().expect("publisher thread");
    }
}
