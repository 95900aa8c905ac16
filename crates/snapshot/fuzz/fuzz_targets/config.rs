//! Any text as an `ibaudit.toml`: parse it and, when it parses, apply it.
//! Nothing may panic, loop forever or take memory out of proportion.
#![no_main]

use std::path::Path;

use ibaudit_rules::{Config, Date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    let today = Date::parse("2026-11-26").expect("a valid date");
    let _ = config.apply(&mut [], today);
});
