//! Any document: parse, lint and, when it parses, evaluate a few requests.
//! Nothing may panic, overflow the stack or loop forever.
#![no_main]

use ibaudit_policy::{evaluate, lint, Caller, Context, EndpointKind, KeyState, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, policy) = lint(text);
    let Some(policy) = policy else { return };
    let mut open = Context::open();
    open.value("aws:SourceVpce", "vpce-1").set("aws:PrincipalOrgID", KeyState::Absent);
    let mut closed = Context::closed();
    closed
        .value("aws:username", "alice")
        .value("aws:CurrentTime", "2026-11-26T07:00:00Z")
        .value("aws:SourceIp", "10.0.0.1")
        .set("aws:TagKeys", KeyState::Values(vec!["a".into(), "b*".into()]));
    for (caller, context) in [(Caller::Anonymous, open), (Caller::Account("111122223333".into()), closed)] {
        let request = Request {
            caller,
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::bucket/a/b:c".into(),
            context,
            endpoint: EndpointKind::Interface,
        };
        let _ = evaluate(&policy, &request);
    }
});
