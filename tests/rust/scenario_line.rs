//! One context line of tests/scenario_reader.py: "TRACE SPAN FLAGS
//! KEY:VALUE..." (ids and values in hex), shared by the Rust publishers.

use otelctx::{Key, SpanContext};

pub struct Context {
    pub span: SpanContext,
    pub attrs: Vec<(u8, String)>,
}

fn hex(word: &str) -> Vec<u8> {
    (0..word.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&word[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn parse(line: &str) -> Context {
    let mut words = line.split_whitespace();
    let trace_id = hex(words.next().expect("trace id")).try_into().expect("16 bytes");
    let span_id = hex(words.next().expect("span id")).try_into().expect("8 bytes");
    let trace_flags = words.next().expect("flags").parse().expect("flags");
    let attrs = words
        .map(|w| {
            let (key, value) = w.split_once(':').expect("KEY:VALUE");
            (key.parse().expect("key"), String::from_utf8(hex(value)).expect("ASCII value"))
        })
        .collect();
    Context { span: SpanContext { trace_id, span_id, trace_flags }, attrs }
}


/// Names the key indexes 0 to the largest `context` uses
/// ("scenario.key.N", as tests/scenario_publisher.c does), so that
/// otelctx-inspect --strict finds every record's keys in the key map. A name
/// is registered only after the names below it, so each gets its number as
/// index, also with threads naming at once; false when one did not.
pub fn name_keys(context: &Context) -> bool {
    let keys = context.attrs.iter().map(|(k, _)| usize::from(*k) + 1).max().unwrap_or(0);
    (0..keys).all(|k| Key::register(&format!("scenario.key.{k}")).is_ok_and(|key| usize::from(key.index()) == k))
}
