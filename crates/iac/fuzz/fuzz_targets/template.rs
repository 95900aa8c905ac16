//! Any bytes as a CloudFormation template (JSON or YAML), evaluated in
//! us-east-1: read them and, when they read, build the snapshot(s) to audit.
//! Nothing may panic, overflow the stack, loop forever or take memory out of
//! proportion to the input.
#![no_main]

use ibaudit_iac::build::{build, BuildOptions};
use ibaudit_iac::cfn::{read_template, CfnOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let regions = ["us-east-1".to_string()];
    let opts = CfnOptions {
        parameters: &[],
        regions: &regions,
        account_id: None,
        partition: "aws",
    };
    let Ok(model) = read_template(data, "fuzz.yaml", &opts) else {
        return;
    };
    let _ = build(
        &model,
        &BuildOptions {
            account_id: "111122223333",
            partition: "aws",
            base: None,
            collected_at: "2026-12-01T10:00:00Z".into(),
        },
    );
});
