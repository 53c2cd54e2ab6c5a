//! The writer that tests/rust/tracing_reader.py reads from outside: two
//! threads, each inside nested `tracing` spans published by OtelctxLayer,
//! print "thread TID ROLE" (ROLE names the spans they entered), then
//! "ready", and stay inside their spans until stdin closes. Then each exits
//! its spans and checks that its slot is empty again.

use std::io::Read;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

use tracing::info_span;
use tracing_subscriber::prelude::*;

/// The calling thread's id, from /proc/thread-self ("PID/task/TID").
fn tid() -> u32 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok()).expect("a thread id")
}

/// A root span with ids and a route, and a child with its own span id only.
fn child_with_own_span_id(report: mpsc::Sender<String>, done: Arc<Barrier>) {
    let root = info_span!("request", trace_id = "0af7651916cd43dd8448eb211c80319c",
                          span_id = "b7ad6b7169203331", trace_flags = 1u8, http.route = "/checkout");
    let _root = root.enter();
    let child = info_span!("db.query", span_id = "00f067aa0ba902b7");
    let _child = child.enter();
    report.send(format!("thread {} child-with-own-span-id", tid())).expect("report");
    done.wait();
}

/// A root span with `%display` ids, and a child without ids and its own route.
fn child_without_ids(report: mpsc::Sender<String>, done: Arc<Barrier>) {
    let trace = String::from("4bf92f3577b34da6a3ce929d0e0e4736");
    let root = info_span!("job", trace_id = %trace, span_id = %"53995c3f42cd8ad8", http.route = "/jobs");
    let _root = root.enter();
    let child = info_span!("job.step", http.route = "/jobs/step");
    let _child = child.enter();
    report.send(format!("thread {} child-without-ids", tid())).expect("report");
    done.wait();
}

fn main() {
    let layer = otelctx::tracing::OtelctxLayer::new().with_attribute("http.route").expect("key");
    tracing_subscriber::registry().with(layer).init();
    let (report, reports) = mpsc::channel();
    let done = Arc::new(Barrier::new(3));
    let workers: [fn(mpsc::Sender<String>, Arc<Barrier>); 2] = [child_with_own_span_id, child_without_ids];
    let threads: Vec<_> = workers
        .into_iter()
        .map(|work| {
            let (report, done) = (report.clone(), Arc::clone(&done));
            thread::spawn(move || {
                work(report, done);
                assert!(!otelctx::is_attached(), "a slot kept a record after its spans exited");
            })
        })
        .collect();
    for line in reports.iter().take(threads.len()) {
        println!("{line}");
    }
    println!("ready");
    let mut rest = Vec::new();
    std::io::stdin().read_to_end(&mut rest).expect("stdin");
    done.wait();
    for thread in threads {
        thread.join().expect("a span thread failed");
    }
    println!("tracing_spans: ok");
}
