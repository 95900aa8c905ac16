//! The collector writes what AWS returned: the snapshot `ibaudit collect`
//! writes equals, resource by resource and field for field, what the AWS CLI
//! (`awscli`, pinned in the test venv) prints with `--output json` for the
//! same calls with the same filters against the same emulator, and both
//! snapshots audit to the same findings.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::collector::{aws_cli, run, Creds, Emulator, REGIONS, SECRET};
use crate::common::*;

/// Fields of a response that are not part of any resource, which the
/// snapshot does not keep and the comparison leaves out: Image Builder puts
/// the call's `requestId` in its JSON bodies ("requestId: The request ID that
/// uniquely identifies this request", Image Builder API reference,
/// ListInfrastructureConfigurations / GetInfrastructureConfiguration).
const NOT_RESOURCE_FIELDS: &[&str] = &["requestId"];

/// GetTrailStatus fields the emulator computes from its clock at each call
/// (moto reports the time of the request as the latest delivery), so the
/// collector's call and the AWS CLI's, seconds apart, see different values.
/// They are compared by presence and form (a JSON number stays a number, an
/// ISO 8601 string of the same shape stays one), not by value.
const CLOCK_FIELDS: &[&str] = &["LatestDeliveryTime", "LatestDeliveryAttemptTime"];

/// `v` with each clock field replaced by its form.
fn without_clock(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        for k in CLOCK_FIELDS {
            if let Some(x) = m.get_mut(*k) {
                let form = match &*x {
                    Value::Number(n) if n.is_f64() => "epoch seconds with a fraction".to_string(),
                    Value::Number(_) => "whole epoch seconds".to_string(),
                    Value::String(s) => format!(
                        "text shaped {}",
                        s.chars()
                            .map(|c| if c.is_ascii_digit() { '0' } else { c })
                            .collect::<String>()
                    ),
                    other => other.to_string(),
                };
                *x = Value::String(form);
            }
        }
    }
    v
}

/// One AWS CLI call against the emulator, as JSON.
fn aws(emu: &Emulator, home: &Path, region: &str, args: &[&str]) -> Value {
    let creds = Creds {
        key: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: SECRET.into(),
        token: None,
    };
    let mut v = aws_cli(emu, home, &creds, region, args);
    if let Some(m) = v.as_object_mut() {
        for k in NOT_RESOURCE_FIELDS {
            m.remove(*k);
        }
    }
    v
}

/// `--filters Name=<name>,Values=<v1>,<v2>` as the collector sends it.
fn filter(name: &str, values: &[String]) -> String {
    format!("Name={name},Values={}", values.join(","))
}

/// The ids of a collected list, by their id field.
fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x[key].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The places where two JSON values differ, as JSON paths.
fn diff(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(l), Some(r)) => diff(l, r, &p, out),
                    (Some(l), None) => out.push(format!("{p}: collected {l}, AWS CLI nothing")),
                    (None, Some(r)) => out.push(format!("{p}: collected nothing, AWS CLI {r}")),
                    (None, None) => unreachable!(),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                diff(l, r, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: collected {a}, AWS CLI {b}")),
        _ => {}
    }
}

/// Compares two lists of resources by id: the same ids, each field for field.
fn same_resources(what: &str, collected: &Value, cli: &Value, key: &str, out: &mut Vec<String>) {
    let index = |v: &Value| -> BTreeMap<String, Value> {
        v.as_array()
            .unwrap_or_else(|| panic!("{what}: not a list: {v}"))
            .iter()
            .map(|x| (x[key].as_str().unwrap().to_string(), x.clone()))
            .collect()
    };
    let (a, b) = (index(collected), index(cli));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: the collector and the AWS CLI describe different resources"
    );
    for (id, x) in &a {
        diff(x, &b[id], &format!("{what}[{id}]"), out);
    }
}

#[test]
fn collected_snapshot_equals_the_aws_cli_output_and_audits_the_same() {
    let emu = Emulator::start("basic");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut args = vec![
        "collect",
        "--endpoint-url",
        &emu.endpoint,
        "-o",
        "snap.json",
    ];
    args.extend(REGIONS);
    let o = run(&args, home);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let collected = read_json(&home.join("snap.json"));
    let mut cli_snapshot = collected.clone();
    let mut differences = Vec::new();
    let mut compared = 0;

    let regions = collected["accounts"][0]["regions"].as_array().unwrap();
    for (i, r) in regions.iter().enumerate() {
        let region = r["region"].as_str().unwrap();
        let cli_region = &mut cli_snapshot["accounts"][0]["regions"][i];
        let at = |op: &str| format!("{region} {op}");
        let mut ec2 = |op: &str, cmd: &str, list: &str, key: &str, filter_arg: Option<String>| {
            let mut args = vec!["ec2", cmd];
            let f;
            if let Some(x) = filter_arg {
                f = x;
                args.extend(["--filters", &f]);
            }
            let out = aws(&emu, home, region, &args);
            same_resources(&at(op), &r[op][list], &out[list], key, &mut differences);
            compared += r[op][list].as_array().map_or(0, Vec::len);
            out
        };
        let endpoints = ec2(
            "DescribeVpcEndpoints",
            "describe-vpc-endpoints",
            "VpcEndpoints",
            "VpcEndpointId",
            None,
        );
        cli_region["DescribeVpcEndpoints"] = endpoints;
        cli_region["DescribePrefixLists"] = ec2(
            "DescribePrefixLists",
            "describe-prefix-lists",
            "PrefixLists",
            "PrefixListId",
            Some(filter(
                "prefix-list-name",
                &[format!("com.amazonaws.{region}.s3")],
            )),
        );
        for (op, cmd, list, key, name) in [
            (
                "DescribeSubnets",
                "describe-subnets",
                "Subnets",
                "SubnetId",
                "subnet-id",
            ),
            ("DescribeVpcs", "describe-vpcs", "Vpcs", "VpcId", "vpc-id"),
            (
                "DescribeSecurityGroups",
                "describe-security-groups",
                "SecurityGroups",
                "GroupId",
                "group-id",
            ),
        ] {
            if r.get(op).is_some() {
                let wanted = ids(&r[op][list], key);
                cli_region[op] = ec2(op, cmd, list, key, Some(filter(name, &wanted)));
            }
        }
        if r.get("DescribeRouteTables").is_some() {
            // The collector asks for the route tables of the VPCs it describes.
            let vpcs = ids(&r["DescribeVpcs"]["Vpcs"], "VpcId");
            cli_region["DescribeRouteTables"] = ec2(
                "DescribeRouteTables",
                "describe-route-tables",
                "RouteTables",
                "RouteTableId",
                Some(filter("vpc-id", &vpcs)),
            );
        }
        if let Some(attrs) = r["DescribeVpcAttribute"].as_array() {
            let mut cli_attrs = Vec::new();
            for a in attrs {
                let vpc = a["VpcId"].as_str().unwrap();
                let attribute = if a.get("EnableDnsSupport").is_some() {
                    "enableDnsSupport"
                } else {
                    "enableDnsHostnames"
                };
                let out = aws(
                    &emu,
                    home,
                    region,
                    &[
                        "ec2",
                        "describe-vpc-attribute",
                        "--vpc-id",
                        vpc,
                        "--attribute",
                        attribute,
                    ],
                );
                diff(
                    a,
                    &out,
                    &format!("{region} DescribeVpcAttribute[{vpc} {attribute}]"),
                    &mut differences,
                );
                compared += 1;
                cli_attrs.push(out);
            }
            cli_region["DescribeVpcAttribute"] = Value::Array(cli_attrs);
        }
        let summaries = aws(
            &emu,
            home,
            region,
            &["imagebuilder", "list-infrastructure-configurations"],
        );
        same_resources(
            &at("ListInfrastructureConfigurations"),
            &r["ListInfrastructureConfigurations"]["infrastructureConfigurationSummaryList"],
            &summaries["infrastructureConfigurationSummaryList"],
            "arn",
            &mut differences,
        );
        cli_region["ListInfrastructureConfigurations"] = summaries;
        let mut configs = Vec::new();
        for c in r["GetInfrastructureConfiguration"].as_array().unwrap() {
            let arn = c["infrastructureConfiguration"]["arn"].as_str().unwrap();
            let out = aws(
                &emu,
                home,
                region,
                &[
                    "imagebuilder",
                    "get-infrastructure-configuration",
                    "--infrastructure-configuration-arn",
                    arn,
                ],
            );
            diff(
                c,
                &out,
                &format!("{region} GetInfrastructureConfiguration[{arn}]"),
                &mut differences,
            );
            compared += 1;
            configs.push(out);
        }
        cli_region["GetInfrastructureConfiguration"] = Value::Array(configs);
        let trails = aws(
            &emu,
            home,
            region,
            &["cloudtrail", "describe-trails", "--include-shadow-trails"],
        );
        same_resources(
            &at("DescribeTrails"),
            &r["DescribeTrails"]["trailList"],
            &trails["trailList"],
            "TrailARN",
            &mut differences,
        );
        cli_region["DescribeTrails"] = trails;
        for (op, cmd, arg) in [
            ("GetTrailStatus", "get-trail-status", "--name"),
            ("GetEventSelectors", "get-event-selectors", "--trail-name"),
        ] {
            let Some(by_arn) = r[op].as_object() else {
                continue;
            };
            let mut cli_by_arn = serde_json::Map::new();
            for (arn, got) in by_arn {
                let out = aws(&emu, home, region, &["cloudtrail", cmd, arg, arn]);
                diff(
                    &without_clock(got),
                    &without_clock(&out),
                    &format!("{region} {op}[{arn}]"),
                    &mut differences,
                );
                compared += 1;
                cli_by_arn.insert(arn.clone(), out);
            }
            cli_region[op] = Value::Object(cli_by_arn);
        }
    }
    assert!(compared >= 20, "only {compared} resources compared");
    assert!(
        differences.is_empty(),
        "the collected snapshot differs from the AWS CLI's output:\n{}",
        differences.join("\n")
    );

    // Both snapshots audit to the same findings.
    std::fs::write(
        home.join("cli.json"),
        serde_json::to_string_pretty(&cli_snapshot).unwrap(),
    )
    .unwrap();
    let audit = |file: &str| {
        let o = run(
            &["audit", file, "--format", "json", "--fail-on", "none"],
            home,
        );
        assert_eq!(code(&o), 0, "{file}: {}", stderr(&o));
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        report["findings"].clone()
    };
    let (from_collector, from_cli) = (audit("snap.json"), audit("cli.json"));
    assert!(
        from_collector.as_array().is_some_and(|f| !f.is_empty()),
        "the basic scenario has findings"
    );
    assert_eq!(from_collector, from_cli);
    // Findings name the resource by its Name tag, which the snapshot now keeps.
    let named: Vec<(&str, &str)> = from_collector
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| Some((f["resource_id"].as_str()?, f["resource_name"].as_str()?)))
        .collect();
    let euw1 = emu.id("euw1.imagebuilder");
    let apse2 = emu.id("apse2.subnets.1");
    assert!(
        named.contains(&(euw1.as_str(), "imagebuilder-3")),
        "{named:?}"
    );
    assert!(named.contains(&(apse2.as_str(), "build-4-1")), "{named:?}");
}
