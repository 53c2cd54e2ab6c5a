//! Publishes a span on the main thread, enters a child span and an extra
//! attribute, and checks each step in-process: what an SDK does per request.

use otelctx::{Attr, Key, Record, SpanContext};

fn main() -> Result<(), otelctx::Error> {
    let route = Key::register("http.route")?;
    let user = Key::register("enduser.id")?;
    otelctx::process_publish(&[("service.name", "example")])?;
    let span = SpanContext { trace_id: [0x11; 16], span_id: [0x22; 8], trace_flags: 1 };
    let mut record = Record::with(&span, &[Attr::new(route, "/api/v1")])?;
    {
        let mut attached = record.attach();
        assert!(otelctx::is_attached());
        attached.update_span(&[0x33; 8])?;
        assert!(attached.push(Attr::new(user, "42"))?);
        assert_eq!(attached.span_id(), [0x33; 8]);
        assert_eq!(attached.attrs(), vec![(route.index(), b"/api/v1".to_vec()), (user.index(), b"42".to_vec())]);
        assert_eq!(attached.pop(1)?, 1);
    }
    assert!(!otelctx::is_attached());
    match otelctx::self_check() {
        Ok(()) => println!("publish: ok"),
        Err(why) => println!("publish: self-check: {why}"),
    }
    Ok(())
}
