//! Evaluates 1,000,000 (policy, request) pairs over realistic endpoint
//! policies and reports the rate, next to the cost of only parsing the same
//! policy text as JSON (the baseline, measured in the same run).
//!
//! Run: `cargo bench -p ibaudit-policy --bench evaluate` (or `make bench`).

use std::hint::black_box;
use std::time::Instant;

use ibaudit_policy::{evaluate, parse, Caller, Context, Decision, EndpointKind, KeyState, Request};

const POLICIES: &[&str] = &[
    // The default policy.
    r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    // The Image Builder documentation's S3 endpoint example.
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowImageBuilderAccessToAppAndComponentBuckets","Effect":"Allow","Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::ec2imagebuilder-toe-us-east-1-prod/*","arn:aws:s3:::ec2imagebuilder-managed-resources-us-east-1-prod/components/*"]}]}"#,
    // The documentation's organization restriction.
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowRequestsByOrgsIdentitiesToOrgsResources","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcd1234","aws:ResourceOrgID":"o-abcd1234"}}},{"Sid":"AllowAccessToEC2ImageBuilderComponents","Effect":"Allow","Principal":{"AWS":"*"},"Action":["imagebuilder:GetComponent"],"Resource":["arn:aws:imagebuilder:us-east-1:aws:component/*"]}]}"#,
    // Allow all, deny everything but the customer's buckets.
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":["arn:aws:s3:::corp-artifacts","arn:aws:s3:::corp-artifacts/*"]}]}"#,
    // Conditions of several kinds and a policy variable.
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::*/${aws:SourceVpce}/*","Condition":{"StringLike":{"aws:SourceVpc":"vpc-0*"},"Bool":{"aws:SecureTransport":"true"},"ForAnyValue:StringEquals":{"aws:TagKeys":["team","env"]}}},{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{"NotIpAddress":{"aws:VpcSourceIp":["10.0.0.0/8","172.16.0.0/12"]}}}]}"#,
    // The Image Builder documentation's action example, commas fixed.
    r#"{"Version":"2012-10-17","Statement":[{"Action":"imagebuilder:*","Effect":"Allow","Resource":"*"},{"Action":["imagebuilder: DeleteImage"],"Effect":"Deny","Resource":"*"},{"Action":["imagebuilder: DeleteComponent"],"Effect":"Deny","Resource":"*"}]}"#,
];

fn requests() -> Vec<Request> {
    let mut anon = Context::open();
    anon.value("aws:SourceVpce", "vpce-0a1b2c3d4e5f60001")
        .value("aws:SourceVpc", "vpc-0a1b2c3d4e5f60001")
        .value("aws:PrincipalAccount", "anonymous")
        .value("aws:SecureTransport", "true")
        .set("aws:PrincipalOrgID", KeyState::Absent)
        .set("aws:TagKeys", KeyState::Values(vec!["team".into()]));
    let mut account = Context::open();
    account
        .value("aws:SourceVpce", "vpce-0a1b2c3d4e5f60002")
        .value("aws:PrincipalAccount", "111122223333")
        .value("aws:VpcSourceIp", "10.0.1.17");
    vec![
        Request {
            caller: Caller::Anonymous,
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::ec2imagebuilder-toe-us-east-1-prod/latest/linux/amd64/awstoe".into(),
            context: anon.clone(),
            endpoint: EndpointKind::Interface,
        },
        Request {
            caller: Caller::Anonymous,
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::ec2imagebuilder-managed-resources-us-east-1-prod/components/update-linux/1.0.2/1/document.yaml".into(),
            context: anon,
            endpoint: EndpointKind::Interface,
        },
        Request {
            caller: Caller::Account("111122223333".into()),
            action: "imagebuilder:GetComponent".into(),
            resource: "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/1.0.2/1".into(),
            context: account.clone(),
            endpoint: EndpointKind::Interface,
        },
        Request {
            caller: Caller::Account("111122223333".into()),
            action: "s3:PutObject".into(),
            resource: "arn:aws:s3:::corp-artifacts/build/1".into(),
            context: account,
            endpoint: EndpointKind::Interface,
        },
    ]
}

fn main() {
    const PAIRS: usize = 1_000_000;
    let policies: Vec<_> = POLICIES
        .iter()
        .map(|p| parse(p).expect("bench policies parse"))
        .collect();
    let requests = requests();
    let pairs = |i: usize| (i % POLICIES.len(), (i / POLICIES.len()) % requests.len());

    // Baseline: parse each pair's policy text as JSON, nothing more.
    let start = Instant::now();
    for i in 0..PAIRS {
        let (p, _) = pairs(i);
        black_box(serde_json::from_str::<serde_json::Value>(black_box(POLICIES[p])).unwrap());
    }
    let baseline = start.elapsed();

    let start = Instant::now();
    let mut tally = [0usize; 3];
    for i in 0..PAIRS {
        let (p, r) = pairs(i);
        match evaluate(black_box(&policies[p]), black_box(&requests[r])) {
            Decision::Allowed { .. } => tally[0] += 1,
            Decision::Denied { .. } => tally[1] += 1,
            Decision::Undetermined { .. } => tally[2] += 1,
        }
    }
    let eval = start.elapsed();

    let start = Instant::now();
    for i in 0..PAIRS {
        let (p, r) = pairs(i);
        let policy = parse(black_box(POLICIES[p])).unwrap();
        black_box(evaluate(&policy, &requests[r]));
    }
    let both = start.elapsed();

    let rate = PAIRS as f64 / eval.as_secs_f64();
    println!(
        "{PAIRS} (policy, request) pairs over {} policies and {} requests",
        POLICIES.len(),
        requests.len()
    );
    println!(
        "  decisions: {} allowed, {} denied, {} undetermined",
        tally[0], tally[1], tally[2]
    );
    println!(
        "  baseline, JSON parse only: {:>8.3} s",
        baseline.as_secs_f64()
    );
    println!(
        "  evaluate (parsed once):    {:>8.3} s  {:>12.0} evaluations/s  {:.3}x baseline",
        eval.as_secs_f64(),
        rate,
        eval.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  parse + evaluate:          {:>8.3} s  {:.3}x baseline",
        both.as_secs_f64(),
        both.as_secs_f64() / baseline.as_secs_f64()
    );
}
