//! Memory a snapshot cannot blow up: a shape that would cost many times its
//! size in memory is refused with its JSON path, within a budget
//! proportional to the file; the same bytes of unknown text, and real
//! shapes written without whitespace, are read.

use std::fmt::Write as _;

use crate::common::*;

const HEAD: &str = r#"{"ibaudit_snapshot":1,"collected_at":"2026-11-26T07:00:00Z","accounts":[{"account_id":"111122223333","regions":[{"region":"us-east-1","#;
const TAIL: &str = "}]}]}";

/// `"a","a",...`: about `mib` MiB of one-letter items.
fn tiny_items(mib: usize) -> String {
    let n = (mib << 20) / 4;
    let mut s = String::with_capacity(n * 4);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str("\"a\"");
    }
    s
}

fn endpoint_with(field: &str, items: &str) -> String {
    format!(
        r#"{HEAD}"DescribeVpcEndpoints":{{"VpcEndpoints":[{{"VpcEndpointId":"vpce-1","VpcEndpointType":"Interface","VpcId":"vpc-1","{field}":[{items}]}}]}}{TAIL}"#
    )
}

/// The refusal, with the position where the budget ran out (which depends
/// on the allocator) replaced by `N`.
fn redacted(stderr: &str) -> String {
    match (stderr.find("(line "), stderr.find("):")) {
        (Some(a), Some(b)) if a < b => format!("{}(line N, column N{}", &stderr[..a], &stderr[b..]),
        _ => stderr.to_string(),
    }
}

#[test]
fn a_list_of_tiny_items_is_refused_with_its_path_and_nothing_written() {
    let text = endpoint_with("NetworkInterfaceIds", &tiny_items(10));
    let (dir, path) = write_temp("tiny.json", &text);
    let out = dir.path().join("report.json");
    let o = Ibaudit::new(&[
        "audit",
        path.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ])
    .run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(!out.exists(), "no report for a refused snapshot");
    let message = stderr(&o).replace(path.to_str().unwrap(), "tiny.json");
    assert!(
        message.contains(
            "at accounts[0].regions[0].DescribeVpcEndpoints.VpcEndpoints[0].NetworkInterfaceIds ("
        ),
        "{message}"
    );
    insta::assert_snapshot!("tiny_items_refused", redacted(&message));

    // The same from standard input.
    let o = Ibaudit::new(&["audit", "-", "--format", "json"])
        .stdin(text)
        .run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("in memory"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn a_list_of_empty_records_is_refused() {
    let mut routes = String::new();
    for i in 0..(10 << 20) / 3 {
        routes.push_str(if i > 0 { ",{}" } else { "{}" });
    }
    let text = format!(
        r#"{HEAD}"DescribeRouteTables":{{"RouteTables":[{{"RouteTableId":"rtb-1","VpcId":"vpc-1","Routes":[{routes}]}}]}}{TAIL}"#
    );
    let (_dir, path) = write_temp("routes.json", &text);
    let o = Ibaudit::new(&["audit", path.to_str().unwrap()]).run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("DescribeRouteTables.RouteTables[0].Routes ("),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_same_bytes_of_unknown_text_are_read() {
    // Kept as its text, an unknown key costs its size: within the budget.
    let text = endpoint_with("FutureIds", &tiny_items(10));
    let (_dir, path) = write_temp("unknown.json", &text);
    let o = Ibaudit::new(&["audit", path.to_str().unwrap(), "--fail-on", "none"]).run();
    assert_eq!(code(&o), 3, "{}", stderr(&o));
}

/// Real shapes written without any whitespace cost the most memory for their
/// size that a real account's snapshot does; many such endpoints, well above
/// the budget's floor, are read.
#[test]
fn real_shapes_without_whitespace_are_read() {
    let mut endpoints = String::new();
    let n = 24_000;
    for i in 0..n {
        if i > 0 {
            endpoints.push(',');
        }
        write!(
            endpoints,
            r#"{{"VpcEndpointId":"vpce-{i:017x}","VpcEndpointType":"Interface","VpcId":"vpc-{v:017x}","ServiceName":"com.amazonaws.us-east-1.s3","State":"available","PolicyDocument":"{{\"Version\":\"2008-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}}]}}","RouteTableIds":[],"SubnetIds":["subnet-{i:017x}","subnet-{j:017x}"],"Groups":[{{"GroupId":"sg-{i:017x}","GroupName":"endpoints"}}],"PrivateDnsEnabled":true,"RequesterManaged":false,"NetworkInterfaceIds":["eni-{i:017x}","eni-{j:017x}"],"DnsEntries":[{{"DnsName":"vpce-{i:017x}-abcd.s3.us-east-1.vpce.amazonaws.com","HostedZoneId":"Z7HUB22UULQXV"}}],"CreationTimestamp":"2026-01-10T12:00:00.000Z","Tags":[{{"Key":"team","Value":"platform"}}],"OwnerId":"111122223333"}}"#,
            v = i / 100,
            j = i + n,
        )
        .unwrap();
    }
    let text = format!(r#"{HEAD}"DescribeVpcEndpoints":{{"VpcEndpoints":[{endpoints}]}}{TAIL}"#);
    assert!(text.len() > 16 << 20, "above the floor: {}", text.len());
    let (_dir, path) = write_temp("real.json", &text);
    let o = Ibaudit::new(&["audit", path.to_str().unwrap(), "--fail-on", "none"]).run();
    assert_ne!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn merge_keeps_to_the_budget_too() {
    // Merge keeps each response's text as well as its model: the text is
    // allowed on top of the budget, the model is not.
    let text = endpoint_with("NetworkInterfaceIds", &tiny_items(10));
    let (dir, path) = write_temp("tiny.json", &text);
    let out = dir.path().join("merged.json");
    let o = Ibaudit::new(&["merge", path.to_str().unwrap(), "-o", out.to_str().unwrap()]).run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("in memory"), "{}", stderr(&o));
    assert!(!out.exists());
    // The same from standard input.
    let o = Ibaudit::new(&["merge", "-"]).stdin(text).run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("in memory"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());

    let text = endpoint_with("FutureIds", &tiny_items(10));
    let (dir, path) = write_temp("unknown.json", &text);
    let out = dir.path().join("merged.json");
    let o = Ibaudit::new(&["merge", path.to_str().unwrap(), "-o", out.to_str().unwrap()]).run();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let merged = std::fs::read_to_string(&out).unwrap();
    assert!(merged.contains("FutureIds"));
}

/// Read account by account, each account has a budget of its own, set by
/// the largest account: a hostile shape in one account of an organization
/// is refused with its JSON path, and the accounts before it change nothing.
#[test]
fn a_hostile_account_of_an_organization_is_refused_with_its_path() {
    let account = |id: &str, region: &str| {
        format!(r#"{{"account_id":"{id}","regions":[{{"region":"us-east-1",{region}}}]}}"#)
    };
    let fine = r#""DescribeVpcs":{"Vpcs":[]}"#;
    let hostile = format!(
        r#""DescribeVpcEndpoints":{{"VpcEndpoints":[{{"VpcEndpointId":"vpce-1","VpcEndpointType":"Interface","VpcId":"vpc-1","NetworkInterfaceIds":[{}]}}]}}"#,
        tiny_items(10)
    );
    let text = format!(
        r#"{{"ibaudit_snapshot":1,"collected_at":"2026-11-26T07:00:00Z","accounts":[{},{},{}],"organization":{{"id":"o-a1b2c3d4e5","management_account_id":"111122223333"}}}}"#,
        account("111122223333", fine),
        account("444455556666", fine),
        account("777788889999", &hostile),
    );
    let (_dir, path) = write_temp("org.json", &text);
    let o = Ibaudit::new(&["audit", path.to_str().unwrap(), "--format", "json"]).run();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains(
            "at accounts[2].regions[0].DescribeVpcEndpoints.VpcEndpoints[0].NetworkInterfaceIds ("
        ),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("in memory"), "{}", stderr(&o));
}
