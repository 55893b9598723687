//! The untyped baselines the decode targets are measured against: a
//! `serde_json::Value` parse (JSON vendors) and a bare quick-xml event scan
//! (OPERA), on the same bytes as the typed decoders.

/// Parses `bytes` into a `serde_json::Value` tree.
///
/// # Panics
/// If the bytes are not JSON (the generated payloads always are).
pub fn value_parse(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice::<serde_json::Value>(bytes).expect("generated JSON parses")
}

/// Reads every XML event of `bytes` without building anything; returns the count.
///
/// # Panics
/// If the bytes are not well-formed XML (the generated payloads always are).
pub fn xml_scan(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut events = 0usize;
    loop {
        match reader.read_event_into(&mut buf).expect("generated XML scans") {
            quick_xml::events::Event::Eof => return events,
            _ => events += 1,
        }
        buf.clear();
    }
}
