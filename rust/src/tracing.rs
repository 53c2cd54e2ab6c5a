//! Feature `tracing`: [`OtelctxLayer`], a `tracing_subscriber` layer that
//! publishes the entered span's context for out-of-process readers.
//!
//! Each span gets a record of its own, prepared when the span is created
//! (`on_new_span`) and rebuilt when it records a field it reads
//! (`on_record`); entering the span only attaches that record
//! ([`SharedRecord::enter`]) and exiting puts back what was attached before
//! ([`SharedRecord::exit`]), per thread, so nested spans restore their
//! parent's record.
//!
//! The ids come from the span's fields:
//! - `trace_id`: 32 hex digits, `span_id`: 16 hex digits, recorded as
//!   strings (`trace_id = "4bf9…"` or `trace_id = %id`); `trace_flags`: an
//!   integer 0..=255.
//! - A span without `trace_id` and `span_id` keeps its parent's ids; one with
//!   its own `span_id` only keeps its parent's trace id (and flags, unless it
//!   records `trace_flags`); one with both uses them (flags 0 unless given).
//! - A malformed id (wrong length, not hex, all zero), a `trace_id` without
//!   `span_id`, or a `span_id` without any trace to join, gives the span *no
//!   ids*: its record publishes its attributes only, and so do its children
//!   that have no ids of their own. Samples are then attributed to no trace
//!   rather than to the wrong span. A `trace_flags` outside 0..=255 is
//!   ignored.
//! - [`OtelctxLayer::with_ids`] takes the ids from elsewhere (the span's
//!   extensions, e.g. tracing-opentelemetry's data): what it returns wins
//!   over the fields.
//!
//! [`OtelctxLayer::with_attribute`] publishes a field as an attribute
//! (integers and booleans as their decimal text); a child span inherits its
//! parent's value unless it records its own. Values are taken when a span is
//! created and when it records; a value recorded while the span is entered
//! is published from its next enter on, and children created before it keep
//! the value they inherited.

use std::fmt;

use ::tracing::field::{Field, Visit};
use ::tracing::span::{Attributes, Id, Record as Values};
use ::tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::{Extensions, LookupSpan};

use crate::attr::Attr;
use crate::error::Result;
use crate::process::Key;
use crate::record::{Record, SpanContext};
use crate::shared::SharedRecord;

/// The closure of [`OtelctxLayer::with_ids`].
type IdsFn = dyn Fn(&Extensions<'_>, &'static Metadata<'static>) -> Option<SpanContext> + Send + Sync;

/// Publishes each entered span's ids and chosen fields in the calling
/// thread's `otel_thread_ctx_v1` (see the [module](self) for the rules).
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// let layer = otelctx::tracing::OtelctxLayer::new().with_attribute("http.route").unwrap();
/// tracing_subscriber::registry().with(layer).init();
/// ```
pub struct OtelctxLayer {
    attributes: Vec<(&'static str, Key)>,
    ids: Option<Box<IdsFn>>,
}

impl Default for OtelctxLayer {
    fn default() -> Self {
        OtelctxLayer::new()
    }
}

impl OtelctxLayer {
    /// A layer publishing the ids of the fields `trace_id`, `span_id` and
    /// `trace_flags`, and no attribute.
    pub fn new() -> OtelctxLayer {
        OtelctxLayer { attributes: Vec::new(), ids: None }
    }

    /// Also publishes the span field `name` as the attribute `name`, which
    /// child spans inherit. Registers the key now ([`Key::register`]'s
    /// errors).
    pub fn with_attribute(mut self, name: &'static str) -> Result<OtelctxLayer> {
        let key = Key::register(name)?;
        self.attributes.push((name, key));
        Ok(self)
    }

    /// Takes a span's ids from `ids`, called when the span is created and
    /// when it records a field, after the layers below this one have seen
    /// it (add this layer last, on top of tracing-opentelemetry's, so its
    /// data is in the extensions). It gets the span's extensions and
    /// metadata; `Some` is the span's ids, `None` leaves them to the fields
    /// and the parent as without `with_ids`.
    pub fn with_ids<F>(mut self, ids: F) -> OtelctxLayer
    where
        F: Fn(&Extensions<'_>, &'static Metadata<'static>) -> Option<SpanContext> + Send + Sync + 'static,
    {
        self.ids = Some(Box::new(ids));
        self
    }
}

/// An id field as the span recorded it.
#[derive(Clone, Copy, Default)]
enum IdField<const N: usize> {
    #[default]
    Absent,
    Valid([u8; N]),
    Malformed,
}

impl<const N: usize> IdField<N> {
    /// `N` bytes from exactly `2 * N` hex digits. An all-zero id parses,
    /// and the record's writer rejects it (`-EINVAL`): the span then
    /// publishes no ids, as for any malformed one.
    fn parse(text: &str) -> IdField<N> {
        let digits = text.as_bytes();
        if digits.len() != 2 * N {
            return IdField::Malformed;
        }
        let mut bytes = [0u8; N];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let (Some(high), Some(low)) = (hex_digit(pair[0]), hex_digit(pair[1])) else {
                return IdField::Malformed;
            };
            *byte = high << 4 | low;
        }
        IdField::Valid(bytes)
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// What a span recorded of the fields the layer reads.
#[derive(Default)]
struct Fields {
    trace_id: IdField<16>,
    span_id: IdField<8>,
    trace_flags: Option<u8>,
    /// Per attribute of the layer, in its order: the span's own value.
    values: Vec<Option<String>>,
}

/// Records the fields of `Fields` from a span's values.
struct FieldVisitor<'a> {
    fields: &'a mut Fields,
    attributes: &'a [(&'static str, Key)],
}

impl FieldVisitor<'_> {
    fn text(&mut self, field: &Field, text: &str) {
        match field.name() {
            "trace_id" => self.fields.trace_id = IdField::parse(text),
            "span_id" => self.fields.span_id = IdField::parse(text),
            _ => self.attribute(field, text),
        }
    }

    fn attribute(&mut self, field: &Field, text: &str) {
        if let Some(at) = self.attributes.iter().position(|(name, _)| *name == field.name()) {
            self.fields.values[at] = Some(text.to_owned());
        }
    }

    fn integer(&mut self, field: &Field, value: i128) {
        if field.name() == "trace_flags" {
            self.fields.trace_flags = u8::try_from(value).ok();
        } else {
            self.attribute(field, &value.to_string());
        }
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.integer(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.integer(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.attribute(field, if value { "true" } else { "false" });
    }

    // `%value` arrives here as a Debug that prints the Display text.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, &format!("{value:?}"));
    }
}

/// What a child span takes from its parent when it is created.
#[derive(Clone)]
struct Inherited {
    ids: Option<SpanContext>,
    values: Vec<Option<String>>,
}

/// The layer's data of one span, in its extensions.
struct SpanState {
    inherited: Inherited,
    own: Fields,
    /// The ids and attribute values in force (published, and inherited).
    effective: Inherited,
    record: SharedRecord,
    /// Records replaced by `on_record`, which a thread may still have
    /// entered: its exit finds them here.
    superseded: Vec<SharedRecord>,
}

/// The ids the fields give, over the parent's (see the module's rules).
fn ids_from_fields(own: &Fields, parent: Option<SpanContext>) -> Option<SpanContext> {
    match (own.trace_id, own.span_id) {
        (IdField::Absent, IdField::Absent) => parent.map(|p| SpanContext {
            trace_flags: own.trace_flags.unwrap_or(p.trace_flags),
            ..p
        }),
        (IdField::Absent, IdField::Valid(span_id)) => parent.map(|p| SpanContext {
            span_id,
            trace_flags: own.trace_flags.unwrap_or(p.trace_flags),
            ..p
        }),
        (IdField::Valid(trace_id), IdField::Valid(span_id)) => {
            Some(SpanContext { trace_id, span_id, trace_flags: own.trace_flags.unwrap_or(0) })
        }
        _ => None,
    }
}

/// The span's record: its ids (if any) and attribute values, in the
/// layer's attribute order. Values that do not fit are left out, as
/// [`Record::set`] does; ids it rejects (all zero) leave the attributes only. `None` when no record can be allocated: the span
/// then publishes nothing.
fn build_record(effective: &Inherited, attributes: &[(&'static str, Key)]) -> Option<SharedRecord> {
    let attrs: Vec<Attr<'_>> = attributes
        .iter()
        .zip(&effective.values)
        .filter_map(|((_, key), value)| value.as_deref().map(|v| Attr::new(*key, v)))
        .collect();
    let mut record = Record::new().ok()?;
    let written = match &effective.ids {
        Some(ids) => record.set(ids, &attrs),
        None => record.set_attrs_only(&attrs),
    };
    if written.is_err() {
        record.set_attrs_only(&attrs).ok()?;
    }
    Some(SharedRecord::new(record))
}

/// The span's ids and values in force: `given` by `with_ids`, else by the
/// fields over the parent's; its own values over the inherited ones.
fn effective(own: &Fields, inherited: &Inherited, given: Option<SpanContext>) -> Inherited {
    let values = own
        .values
        .iter()
        .zip(&inherited.values)
        .map(|(own, parent)| own.clone().or_else(|| parent.clone()))
        .collect();
    Inherited { ids: given.or_else(|| ids_from_fields(own, inherited.ids)), values }
}

impl OtelctxLayer {
    fn given_ids(&self, extensions: &Extensions<'_>, metadata: &'static Metadata<'static>) -> Option<SpanContext> {
        self.ids.as_ref().and_then(|ids| ids(extensions, metadata))
    }
}

impl<S> Layer<S> for OtelctxLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let inherited = span
            .parent()
            .and_then(|parent| parent.extensions().get::<SpanState>().map(|s| s.effective.clone()))
            .unwrap_or_else(|| Inherited { ids: None, values: vec![None; self.attributes.len()] });
        let mut own = Fields { values: vec![None; self.attributes.len()], ..Fields::default() };
        attrs.record(&mut FieldVisitor { fields: &mut own, attributes: &self.attributes });
        let given = self.given_ids(&span.extensions(), span.metadata());
        let effective = effective(&own, &inherited, given);
        let Some(record) = build_record(&effective, &self.attributes) else { return };
        span.extensions_mut().insert(SpanState { inherited, own, effective, record, superseded: Vec::new() });
    }

    fn on_record(&self, id: &Id, values: &Values<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let given = self.given_ids(&span.extensions(), span.metadata());
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<SpanState>() else { return };
        values.record(&mut FieldVisitor { fields: &mut state.own, attributes: &self.attributes });
        let effective = effective(&state.own, &state.inherited, given);
        if let Some(record) = build_record(&effective, &self.attributes) {
            state.effective = effective;
            let old = std::mem::replace(&mut state.record, record);
            state.superseded.push(old);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let record = span.extensions().get::<SpanState>().map(|s| s.record.clone());
        if let Some(record) = record {
            record.enter();
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        if let Some(state) = extensions.get::<SpanState>() {
            let _ = state.record.exit() || state.superseded.iter().rev().any(SharedRecord::exit);
        }
    }
}
