//! Any bytes as a snapshot file: read them and, when they load, audit them
//! and write them back. Nothing may panic, overflow the stack, loop forever
//! or take memory out of proportion to the input; what loads must survive
//! its own round trip unchanged. Streamed from bytes (as standard input and
//! files are read) or parsed from a slice, the same bytes read the same.
#![no_main]

use std::path::Path;

use ibaudit_rules::{audit, AuditOptions, Config, Date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sliced = ibaudit_snapshot::from_slice(data, Path::new("fuzz.json"));
    let streamed = ibaudit_snapshot::from_bytes(data.to_vec(), Path::new("fuzz.json"));
    match (&sliced, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "streamed and sliced reads differ"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("one read failed, the other did not: {sliced:?} / {streamed:?}"),
    }
    let Ok(snapshot) = sliced else {
        return;
    };
    let options = AuditOptions {
        config: Config::default(),
        environments: Vec::new(),
        today: Date::parse("2026-11-26").expect("a valid date"),
    };
    let _ = audit(&snapshot, &options);
    let written = serde_json::to_vec(&snapshot).expect("a loaded snapshot serialises");
    let again = ibaudit_snapshot::from_slice(&written, Path::new("again.json"))
        .unwrap_or_else(|e| panic!("a written snapshot does not read back: {e}"));
    assert_eq!(snapshot, again, "the round trip changed the snapshot");
});
