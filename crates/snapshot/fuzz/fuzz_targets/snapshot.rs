//! Any bytes as a snapshot file: read them and, when they load, audit them
//! and write them back. Nothing may panic, overflow the stack, loop forever
//! or take memory out of proportion to the input; what loads must survive
//! its own round trip unchanged.
#![no_main]

use std::path::Path;

use ibaudit_rules::{audit, AuditOptions, Config, Date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(snapshot) = ibaudit_snapshot::from_slice(data, Path::new("fuzz.json")) else {
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
