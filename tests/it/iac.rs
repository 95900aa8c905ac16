//! `ibaudit iac`: Terraform plans and CloudFormation templates audited with
//! the same rules, each finding at the line that causes it.

use std::path::Path;

use crate::common::*;
use serde_json::Value;

const TF: &str = "fixtures/iac/terraform/ib-vpc";
const CHANGE: &str = "fixtures/iac/terraform/change-in-account";

fn json_of(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

/// (rule, resource_id) of every finding.
fn rules_on(doc: &Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding<'a>(doc: &'a Value, rule: &str, resource: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["resource_id"] == resource)
        .unwrap_or_else(|| panic!("no {rule} on {resource} in {doc:#}"))
}

/// The report with what changes from run to run (the clock) made fixed.
fn stable(mut doc: Value) -> Value {
    doc["tool"]["version"] = Value::from("[version]");
    doc["snapshot"]["collected_at"] = Value::from("[now]");
    doc
}

#[test]
fn a_plan_is_audited_at_the_lines_of_its_source() {
    let o = ibaudit(&[
        "iac",
        &format!("{TF}/plan.json"),
        "--source-root",
        TF,
        "--account-id",
        "111122223333",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json_of(&o);
    // Private DNS off on the imagebuilder instance of the for_each module
    // only: the ssm instance of the same block has it on.
    let ib = finding(
        &doc,
        "IB002",
        "module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this",
    );
    assert_eq!(ib["resource_type"], "aws_vpc_endpoint");
    assert!(ib.get("resource_arn").is_none());
    let loc = &ib["location"];
    assert_eq!(loc["file"], format!("{TF}/modules/endpoint/main.tf"));
    // The attribute that sets it: `private_dns_enabled = ...`.
    assert_eq!(
        (loc["line"].as_u64(), loc["column"].as_u64()),
        (Some(21), Some(3))
    );
    assert_eq!(
        loc["address"],
        "module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this"
    );
    assert_eq!(loc["in_source"], true);
    // The module call site, as a related location.
    assert_eq!(loc["related"][0]["label"], "module.endpoints");
    assert_eq!(loc["related"][0]["file"], format!("{TF}/main.tf"));
    assert_eq!(loc["related"][0]["line"], 41);
    assert!(!rules_on(&doc)
        .iter()
        .any(|(r, id)| r == "IB002" && id.contains("ssm")));
    // The build subnet (count index 0, resolved through
    // `aws_subnet.private[0].id`) has no S3 path and no ssmmessages endpoint.
    let s3 = finding(&doc, "IB012", "aws_subnet.private[0]");
    assert_eq!(s3["location"]["file"], format!("{TF}/main.tf"));
    assert_eq!(s3["location"]["line"], 11);
    finding(&doc, "IB014", "aws_subnet.private[0]");
    insta::assert_json_snapshot!("iac_plan_json", stable(doc));
}

#[test]
fn without_source_root_findings_point_at_the_plan_entries_and_say_so() {
    let o = ibaudit(&[
        "iac",
        &format!("{TF}/plan.json"),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("no --source-root: findings point at the plan JSON's entries"));
    let doc = json_of(&o);
    let ib = finding(
        &doc,
        "IB002",
        "module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this",
    );
    let loc = &ib["location"];
    assert_eq!(loc["file"], format!("{TF}/plan.json"));
    assert_eq!(loc["in_source"], false);
    // The line of that resource_changes entry in the plan.
    let text = std::fs::read_to_string(root().join(TF).join("plan.json")).unwrap();
    let line = loc["line"].as_u64().unwrap() as usize;
    assert!(
        text.lines().nth(line).unwrap().contains(
            "\"address\": \"module.endpoints[\\\"imagebuilder\\\"].aws_vpc_endpoint.this\""
        ),
        "line {line} is not the entry"
    );
    // The account is not known: said, and shown as such.
    assert!(stderr(&o).contains("the account is shown as 000000000000"));
}

#[test]
fn fingerprints_do_not_move_when_lines_above_a_resource_change() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ib-vpc");
    copy_dir(&root().join(TF), &copy);
    let run = |root_dir: &Path| {
        let o = Ibaudit::new(&[
            "iac",
            root_dir.join("plan.json").to_str().unwrap(),
            "--source-root",
            root_dir.to_str().unwrap(),
            "--format",
            "sarif",
            "--fail-on",
            "none",
        ])
        .run();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = run(&copy);
    let main = copy.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("# a comment\n# and another\n\n{text}")).unwrap();
    let after = run(&copy);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1), "the fingerprint moved");
    }
    // ... while the lines in main.tf did move.
    assert!(before.iter().zip(&after).any(|(b, a)| a.2 == b.2 + 3));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn sarif_points_at_the_repository_file_for_github_and_keeps_its_own_category() {
    let o = ibaudit(&[
        "iac",
        &format!("{TF}/plan.json"),
        "--source-root",
        TF,
        "--format",
        "sarif",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let errors: Vec<String> = crate::sarif::validator()
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let run = &doc["runs"][0];
    let category = run["automationDetails"]["id"].as_str().unwrap();
    // Never a live scan's category (`ibaudit/<account>/...`).
    assert!(category.starts_with("ibaudit-iac/"), "{category}");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let phys = &r["locations"][0]["physicalLocation"];
        let uri = phys["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(!uri.contains(':') && !uri.starts_with('/'), "{uri}");
        assert!(
            root().join(uri).is_file(),
            "{uri} is not a file of the repository"
        );
        assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    let ib = results
        .iter()
        .find(|r| r["ruleId"] == "IB002")
        .expect("IB002");
    assert_eq!(
        ib["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        format!("{TF}/modules/endpoint/main.tf")
    );
    assert_eq!(
        ib["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        41
    );
}

#[test]
fn the_change_is_judged_in_its_account_and_only_what_it_introduces_fails() {
    let o = ibaudit(&[
        "iac",
        &format!("{CHANGE}/plan.json"),
        "--snapshot",
        &format!("{CHANGE}/live-snapshot.json"),
        "--source-root",
        CHANGE,
        "--format",
        "json",
    ]);
    // IB012 (high) is introduced: the plan deletes the S3 gateway endpoint
    // the build subnet's route table used.
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json_of(&o);
    let dns = finding(&doc, "IB002", "aws_vpc_endpoint.imagebuilder");
    assert_eq!(dns["introduced"], true);
    assert_eq!(dns["location"]["file"], format!("{CHANGE}/main.tf"));
    assert_eq!(dns["location"]["line"], 13);
    let s3 = finding(&doc, "IB012", "subnet-02a3b4c5d6e7f0001");
    assert_eq!(s3["introduced"], true);
    // The new ssm endpoint is judged with the VPC's real security group
    // (which admits 443 from the VPC): no IB005.
    assert!(!rules_on(&doc).iter().any(|(r, _)| r == "IB005"), "{doc:#}");
    // The markdown lists the change first.
    let md = ibaudit(&[
        "iac",
        &format!("{CHANGE}/plan.json"),
        "--snapshot",
        &format!("{CHANGE}/live-snapshot.json"),
        "--format",
        "markdown",
        "--fail-on",
        "none",
        "-q",
    ]);
    let text = stdout(&md);
    let change = text.find("### This change").expect("a change section");
    let account = text.find("### Account").unwrap();
    assert!(change < account);
    assert!(text.contains("2 finding(s) introduced, 0 fixed"), "{text}");
}

#[test]
fn findings_the_account_already_has_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    // The account already lacks the S3 endpoint: the plan's delete then
    // introduces nothing there, and only IB002 (medium) is new.
    let mut live = read_json(&root().join(CHANGE).join("live-snapshot.json"));
    let region = &mut live["accounts"][0]["regions"][0];
    let eps = region["DescribeVpcEndpoints"]["VpcEndpoints"]
        .as_array_mut()
        .unwrap();
    eps.retain(|e| e["VpcEndpointId"] != "vpce-0a1b2c3d4e5f60002");
    for t in region["DescribeRouteTables"]["RouteTables"]
        .as_array_mut()
        .unwrap()
    {
        t["Routes"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["GatewayId"] != "vpce-0a1b2c3d4e5f60002");
    }
    let path = dir.path().join("live.json");
    std::fs::write(&path, serde_json::to_string(&live).unwrap()).unwrap();
    let o = ibaudit(&[
        "iac",
        &format!("{CHANGE}/plan.json"),
        "--snapshot",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // IB012 is high but was there before: exit 0, not 1.
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json_of(&o);
    assert_eq!(
        finding(&doc, "IB012", "subnet-02a3b4c5d6e7f0001")["introduced"],
        false
    );
    assert_eq!(
        finding(&doc, "IB002", "aws_vpc_endpoint.imagebuilder")["introduced"],
        true
    );
}

/// A plan edited in memory from the fixture.
fn plan_with(edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, String) {
    let mut plan = read_json(&root().join(TF).join("plan.json"));
    edit(&mut plan);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

fn change_of<'a>(plan: &'a mut Value, address: &str) -> &'a mut Value {
    plan["resource_changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["address"] == address)
        .unwrap()
}

#[test]
fn a_value_known_only_after_apply_is_not_assessed_naming_the_attribute() {
    // The infrastructure configuration's subnet comes from somewhere the
    // configuration cannot resolve (a data source read at apply): it
    // neither passes nor fails, it is not assessed, and says why.
    let (_dir, plan) = plan_with(|p| {
        let res = p["configuration"]["root_module"]["resources"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["address"] == "aws_imagebuilder_infrastructure_configuration.main")
            .unwrap();
        res["expressions"]["subnet_id"] = serde_json::json!({"references": ["data.aws_subnet.build.id", "data.aws_subnet.build"]});
    });
    let o = ibaudit(&["iac", &plan, "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let doc = json_of(&o);
    let gap = finding(
        &doc,
        "IB900",
        "aws_imagebuilder_infrastructure_configuration.main",
    );
    let msg = gap["message"].as_str().unwrap();
    assert!(
        msg.starts_with("subnet_id of aws_imagebuilder_infrastructure_configuration.main is known only after apply"),
        "{msg}"
    );
    assert!(msg.contains("IB012"), "{msg}");
    // It points at the attribute's plan entry.
    assert_eq!(
        gap["location"]["address"],
        "aws_imagebuilder_infrastructure_configuration.main"
    );
}

#[test]
fn an_unknown_policy_is_never_the_default_policy() {
    // The policy is set in the configuration but known only after apply:
    // the endpoint's region is not assessed for the policy rules (never
    // judged as AWS's default full-access policy).
    let (_dir, plan) = plan_with(|p| {
        let calls = &mut p["configuration"]["root_module"]["module_calls"]["endpoints"]["module"]
            ["resources"][0]["expressions"];
        calls["policy"] =
            serde_json::json!({"references": ["data.aws_iam_policy_document.ep.json"]});
    });
    let o = ibaudit(&["iac", &plan, "--format", "json"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let doc = json_of(&o);
    let gaps: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IB900")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        gaps.iter().any(|m| m.contains("policy of module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this is known only after apply")),
        "{gaps:?}"
    );
}

#[test]
fn every_instance_of_count_and_for_each_is_its_own_resource() {
    // Both instances of the for_each module with private DNS off: two
    // findings, one per instance, never collapsed.
    let (_dir, plan) = plan_with(|p| {
        change_of(p, "module.endpoints[\"ssm\"].aws_vpc_endpoint.this")["change"]["after"]
            ["service_name"] = Value::from("com.amazonaws.us-east-1.imagebuilder");
        change_of(p, "module.endpoints[\"ssm\"].aws_vpc_endpoint.this")["change"]["after"]
            ["private_dns_enabled"] = Value::from(false);
    });
    let o = ibaudit(&["iac", &plan, "--format", "json", "--fail-on", "none"]);
    let doc = json_of(&o);
    let ib002: Vec<String> = rules_on(&doc)
        .into_iter()
        .filter(|(r, _)| r == "IB002")
        .map(|(_, id)| id)
        .collect();
    assert_eq!(
        ib002,
        vec![
            "module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this".to_string(),
            "module.endpoints[\"ssm\"].aws_vpc_endpoint.this".to_string()
        ]
    );
    let prints: std::collections::BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), doc["findings"].as_array().unwrap().len());
}

#[test]
fn an_errored_or_incomplete_plan_is_never_a_clean_pass() {
    for (key, value, says) in [
        ("errored", Value::from(true), "the plan errored"),
        ("complete", Value::from(false), "the plan is not complete"),
    ] {
        let (_dir, plan) = plan_with(|p| p[key] = value.clone());
        let o = ibaudit(&["iac", &plan, "--format", "json", "--fail-on", "none"]);
        assert_eq!(code(&o), 3, "{key}: {}", stderr(&o));
        let doc = json_of(&o);
        assert!(
            doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "IB900" && f["message"].as_str().unwrap().contains(says)),
            "{key}: {doc:#}"
        );
    }
    let (_dir, plan) = plan_with(|p| {
        p["deferred_changes"] = serde_json::json!([{"reason": "provider_config_unknown", "resource_change": {"address": "aws_vpc_endpoint.later"}}]);
    });
    let o = ibaudit(&["iac", &plan, "--format", "json", "--fail-on", "none"]);
    assert_eq!(code(&o), 3);
    assert!(stdout(&o)
        .contains("the change to aws_vpc_endpoint.later is deferred (provider_config_unknown)"));
}

#[test]
fn input_that_is_not_a_plan_is_refused_with_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        // Truncated: the position where it ends.
        ("truncated.json", "{\"format_version\": \"1.2\", \"resource_changes\": [\n  {\"address\": ".into(), "truncated.json:2:"),
        ("major.json", "{\"format_version\": \"2.0\", \"resource_changes\": []}".into(), "format_version 2.0 is not supported"),
        ("state.json", "{\"format_version\": \"1.0\", \"terraform_version\": \"1.9.8\", \"values\": {\"root_module\": {}}}".into(), "of a state, not of a plan"),
        ("other.json", "{\"hello\": \"world\"}".into(), "neither a Terraform JSON plan"),
        ("actions.json", "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"aws_vpc.a\", \"mode\": \"managed\", \"type\": \"aws_vpc\", \"name\": \"a\", \"change\": {\"actions\": [\"explode\"]}}]}".into(), "resource_changes[0].change.actions"),
        ("typed.json", "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"aws_vpc.a\", \"type\": \"aws_vpc\", \"change\": {\"actions\": \"create\"}}]}".into(), "resource_changes[0].change.actions"),
    ];
    for (name, text, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let o = Ibaudit::new(&["iac", name, "--format", "json"])
            .dir(dir.path())
            .run();
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{name}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{name}: no partial report");
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn addresses_and_names_from_a_plan_are_inert_in_every_report() {
    let evil =
        "aws_vpc_endpoint.x\u{1b}]8;;https://e.example\u{7}\r\u{1b}[2J[pwn](https://e.example)";
    let (_dir, plan) = plan_with(|p| {
        let c = change_of(
            p,
            "module.endpoints[\"imagebuilder\"].aws_vpc_endpoint.this",
        );
        c["address"] = Value::from(format!("module.endpoints[\"imagebuilder\"].{evil}"));
    });
    for format in ["table", "markdown", "sarif", "json"] {
        let o = ibaudit(&["iac", &plan, "--format", format, "--fail-on", "none"]);
        // The renamed instance no longer matches its configuration: what it
        // sets is not known (exit 3), and still shown inert.
        assert_eq!(code(&o), 3, "{format}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r'),
            "{format}: raw control characters"
        );
        if format == "markdown" {
            // Data is either escaped text or inside a code span, where
            // GitHub forms no link.
            for line in out.lines() {
                let mut rest = line;
                while let Some(i) = rest.find("](https://e.example)") {
                    let before = &line[..line.len() - rest.len() + i];
                    assert!(
                        before.matches('`').count() % 2 == 1 || before.ends_with('\\'),
                        "a link outside a code span: {line}"
                    );
                    rest = &rest[i + 1..];
                }
            }
        }
    }
}

const CFN: &str = "fixtures/iac/cfn";

#[test]
fn a_template_is_audited_at_its_logical_ids_in_every_region_it_can_land_in() {
    let o = ibaudit(&[
        "iac",
        &format!("{CFN}/broken.yaml"),
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let doc = json_of(&o);
    // AWS::Region is a pseudo parameter and no --region is given: the
    // template is evaluated in every region of the partition and each
    // finding says where it holds (here, everywhere).
    let dns = finding(&doc, "IB002", "ImageBuilderEndpoint");
    assert_eq!(dns["region"], "*");
    assert_eq!(dns["resource_type"], "AWS::EC2::VPCEndpoint");
    assert_eq!(dns["location"]["logical_id"], "ImageBuilderEndpoint");
    assert!(dns["location"].get("address").is_none());
    // PrivateDnsEnabled is not set (CloudFormation's default is false): the
    // finding points at the resource's logical id.
    assert_eq!(dns["location"]["file"], format!("{CFN}/broken.yaml"));
    assert_eq!(
        (
            dns["location"]["line"].as_u64(),
            dns["location"]["column"].as_u64()
        ),
        (Some(59), Some(3))
    );
    let msg = dns["message"].as_str().unwrap();
    assert!(msg.contains("regions evaluated"), "{msg}");
    // The endpoint's security group lets no 443 in: at the SecurityGroupIds line.
    let sg = finding(&doc, "IB005", "ImageBuilderEndpoint");
    assert_eq!(sg["location"]["line"], 67);
    finding(&doc, "IB012", "SubnetA");
    // No trail in the template and no --snapshot: trails are not assessed,
    // once, not once per region.
    let trails: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"] == "IB900" && f["message"].as_str().unwrap().contains("CloudTrail trails")
        })
        .collect();
    assert_eq!(trails.len(), 1, "{doc:#}");
    assert_eq!(trails[0]["region"], "*");
    // One region only: the same findings, in that region.
    let one = ibaudit(&[
        "iac",
        &format!("{CFN}/broken.yaml"),
        "--region",
        "eu-west-1",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let one = json_of(&one);
    let dns = finding(&one, "IB002", "ImageBuilderEndpoint");
    assert_eq!(dns["region"], "eu-west-1");
    assert!(dns["message"]
        .as_str()
        .unwrap()
        .contains("imagebuilder.eu-west-1.amazonaws.com"));
}

#[test]
fn the_template_table_is_snapshotted() {
    let o = ibaudit(&[
        "iac",
        &format!("{CFN}/broken.yaml"),
        "--region",
        "us-east-1",
        "--account-id",
        "111122223333",
        "--fail-on",
        "none",
        "-q",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let text = stdout(&o);
    // The clock is the only thing that changes.
    let text = match text.find("snapshot taken ") {
        Some(i) => format!("{}[time]", &text[..i + "snapshot taken ".len()]),
        None => text,
    };
    insta::assert_snapshot!("iac_template_table", text);
}

#[test]
fn parameters_decide_what_the_template_alone_cannot() {
    // Without values: the undecided condition is evaluated both ways and
    // named, the parameters without a value are not assessed.
    let o = ibaudit(&[
        "iac",
        &format!("{CFN}/parameters.yaml"),
        "--region",
        "us-east-1",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let doc = json_of(&o);
    let text = serde_json::to_string(&doc).unwrap();
    assert!(
        text.contains("[Condition IsProd=true]") && text.contains("[Condition IsProd=false]"),
        "{doc:#}"
    );
    assert!(text
        .contains("depends on parameter VpcId, which has no value (pass --parameter VpcId=...)"));
    // With values from a file in the `aws cloudformation` form, and one on
    // the command line winning over it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("params.json");
    std::fs::write(
        &file,
        r#"[{"ParameterKey": "VpcId", "ParameterValue": "vpc-0123456789abcdef0"},
            {"ParameterKey": "BuildSubnet", "ParameterValue": "subnet-0aaa"},
            {"ParameterKey": "EndpointSubnets", "ParameterValue": "subnet-0aaa,subnet-0bbb"},
            {"ParameterKey": "Environment", "ParameterValue": "dev"}]"#,
    )
    .unwrap();
    let o = ibaudit(&[
        "iac",
        &format!("{CFN}/parameters.yaml"),
        "--region",
        "us-east-1",
        "--parameters-file",
        file.to_str().unwrap(),
        "--parameter",
        "Environment=prod",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let doc = json_of(&o);
    let text = serde_json::to_string(&doc).unwrap();
    assert!(
        !text.contains("[Condition IsProd="),
        "the condition is decided: {doc:#}"
    );
    assert!(!text.contains("which has no value"), "{doc:#}");
    // The VPC and subnets are real ids outside the template: not assessed,
    // and said so.
    assert!(
        text.contains("vpc-0123456789abcdef0 is outside the files"),
        "{doc:#}"
    );
}

#[test]
fn malformed_templates_are_refused_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("tabs.yaml", "Resources:\n  Vpc:\n\tType: AWS::EC2::VPC\n", "tabs.yaml:3:"),
        ("dup.yaml", "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n  Vpc:\n    Type: AWS::EC2::VPC\n", "dup.yaml:4:3"),
        ("ref.yaml", "Resources:\n  Sub:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Nowhere\n", "ref.yaml:5:"),
        ("bad.json", "{\"Resources\": {\"Vpc\": {\"Type\": \"AWS::EC2::VPC\",}}}", "bad.json:1:"),
    ];
    for (name, text, says) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let o = Ibaudit::new(&["iac", name, "--region", "us-east-1"])
            .dir(dir.path())
            .run();
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{name}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{name}");
    }
}

#[test]
fn two_modules_declaring_the_same_resource_name_keep_their_own_files_and_lines() {
    let dir = "fixtures/iac/terraform/two-modules";
    let o = ibaudit(&[
        "iac",
        &format!("{dir}/plan.json"),
        "--source-root",
        dir,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    let doc = json_of(&o);
    let left = finding(&doc, "IB002", "module.left.aws_vpc_endpoint.ib");
    let right = finding(&doc, "IB002", "module.right.aws_vpc_endpoint.ib");
    assert_eq!(
        left["location"]["file"],
        format!("{dir}/modules/left/main.tf")
    );
    assert_eq!(left["location"]["line"], 5);
    assert_eq!(
        right["location"]["file"],
        format!("{dir}/modules/right/main.tf")
    );
    assert_eq!(right["location"]["line"], 11);
    assert_ne!(left["fingerprint"], right["fingerprint"]);
}
