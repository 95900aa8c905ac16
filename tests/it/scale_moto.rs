//! The scale emulator (crates/scale-emulator) against moto, the reference:
//! for every operation the collector calls, the same request is sent to
//! both, for the same kind of resources (one account-region with an Image
//! Builder VPC: its subnets, security group, route tables, interface and
//! gateway endpoints, trail and infrastructure configuration), and the two
//! answers are compared by structure: the root element and its namespace,
//! the element (or key) paths of each kind of resource, and the form of
//! each value (an id's prefix and length, numbers, timestamps' layout,
//! ARNs' service and resource type; booleans, enum values and address
//! counts as they are). Ids, request ids, times and order are not compared.
//!
//! Moto has no Image Builder: the harness in front of it answers those
//! calls in AWS's REST JSON (tests/harness/emulator.py), so that is what the
//! emulator's Image Builder answers are compared with.
//!
//! Every difference is listed below with the reason it is allowed, and the
//! list must be exactly what is found: a new difference fails, and so does
//! an entry that no longer happens.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use ibaudit_scale_emulator::org::{Region, Spec};
use ibaudit_scale_emulator::{Background, Options};
use ibaudit_snapshot::ApiCall;
use serde_json::Value;

use crate::collector::Emulator;
use crate::common::*;

/// Differences between the emulator's answers and moto's for the same
/// resources: `operation path: what differs`. Each is a place where moto
/// 5.2.5 (or, for Image Builder, the harness) departs from AWS's documented
/// answers and the emulator follows AWS.
const KNOWN: &[&str] = &[
    // EC2's namespace ends with a slash ("xmlns="http://ec2.amazonaws.com/
    // doc/2016-11-15/"", every example of the EC2 API reference); moto
    // drops it.
    "DescribePrefixLists namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeRegions namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeRouteTables namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeSecurityGroups namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeSubnets namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeVpcAttribute namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeVpcEndpoints namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    "DescribeVpcs namespace: emulator http://ec2.amazonaws.com/doc/2016-11-15/, moto http://ec2.amazonaws.com/doc/2016-11-15",
    // The root element of an EC2 error has no namespace (EC2 API reference,
    // "Error codes for the Amazon EC2 API": `<Response><Errors><Error>`); moto
    // gives it EC2's.
    "InvalidVpcID.NotFound namespace: emulator -, moto http://ec2.amazonaws.com/doc/2016-11-15",
    // GetCallerIdentity of an IAM user: `arn:aws:iam::...:user/NAME` and the
    // user's id `AIDA...` (the AWS CLI reference's get-caller-identity
    // example); moto answers an `sts` ARN and the access key id.
    "GetCallerIdentity GetCallerIdentityResult.Arn: emulator {\"arn aws:iam:-:*:user\"}, moto {\"arn aws:sts:-:*:user\"}",
    "GetCallerIdentity GetCallerIdentityResult.UserId: emulator {\"AIDA key id\"}, moto {\"AKIA key id\"}",
    // Members of botocore's EC2 model (`ec2/2016-11-15`) AWS sends and moto
    // does not: VpcEndpoint IpAddressType, DnsOptions and RequesterManaged
    // ("RequesterManaged": false in the CLI reference's describe-vpc-endpoints
    // example), Vpc and Subnet BlockPublicAccessStates, Subnet EnableDns64 and
    // MapCustomerOwnedIpOnLaunch (describe-subnets example), RouteTable
    // PropagatingVgws ("PropagatingVgws": [], describe-route-tables example),
    // PrefixList Cidrs (describe-prefix-lists example).
    "DescribeVpcEndpoints vpcEndpointSet[].dnsOptions: emulator only",
    "DescribeVpcEndpoints vpcEndpointSet[].dnsOptions.dnsRecordIpType: emulator only",
    "DescribeVpcEndpoints vpcEndpointSet[].ipAddressType: emulator only",
    "DescribeVpcEndpoints vpcEndpointSet[].requesterManaged: emulator only",
    "DescribeVpcs vpcSet[].blockPublicAccessStates: emulator only",
    "DescribeVpcs vpcSet[].blockPublicAccessStates.internetGatewayBlockMode: emulator only",
    "DescribeSubnets subnetSet[].blockPublicAccessStates: emulator only",
    "DescribeSubnets subnetSet[].blockPublicAccessStates.internetGatewayBlockMode: emulator only",
    "DescribeSubnets subnetSet[].enableDns64: emulator only",
    "DescribeSubnets subnetSet[].mapCustomerOwnedIpOnLaunch: emulator only",
    "DescribeRouteTables routeTableSet[].propagatingVgwSet: emulator only",
    "DescribePrefixLists prefixListSet[].cidrSet: emulator only",
    "DescribePrefixLists prefixListSet[].cidrSet[]: emulator only",
    // Moto's values where AWS has ids: a VPC's DHCP options are `dopt-...`
    // ("DhcpOptionsId": "dopt-19edf471", describe-vpcs example), moto says
    // `default`; an AWS-managed prefix list id has 8 hex digits
    // ("pl-63a5400a", describe-prefix-lists example), moto's 17.
    "DescribeVpcs vpcSet[].dhcpOptionsId: emulator {\"id dopt-17 hex digits\"}, moto {\"text\"}",
    "DescribeRouteTables routeTableSet[].routeSet[].destinationPrefixListId: emulator {\"id pl-8 hex digits\"}, moto {\"id pl-17 hex digits\"}",
    "DescribePrefixLists prefixListSet[].prefixListId: emulator {\"id pl-8 hex digits\"}, moto {\"id pl-17 hex digits\"}",
    // Moto sends an empty IPv6 association list for a VPC with no IPv6 block;
    // AWS leaves it out (describe-vpcs example).
    "DescribeVpcs vpcSet[].ipv6CidrBlockAssociationSet: moto only",
    // CloudTrail: after a delivery AWS names its time in
    // LatestDeliveryAttemptSucceeded ("2016-01-28T23:02:24Z", the CLI
    // reference's get-trail-status example), moto always ""; a trail with
    // basic selectors has no AdvancedEventSelectors and each selector has
    // its DataResources (get-event-selectors example) and
    // ExcludeManagementEventSources (EventSelector in botocore's
    // `cloudtrail` model), moto the other way round.
    "GetTrailStatus LatestDeliveryAttemptSucceeded: emulator {\"string timestamp 0000-00-00T00:00:00Z\"}, moto {\"string empty text\"}",
    "GetEventSelectors AdvancedEventSelectors: moto only",
    "GetEventSelectors EventSelectors[].DataResources: emulator only",
    "GetEventSelectors EventSelectors[].ExcludeManagementEventSources: emulator only",
    // Image Builder: the harness answers with fewer members than the
    // emulator (description, instance types, tags, resource tags, instance
    // metadata options), each a member of InfrastructureConfiguration and
    // InfrastructureConfigurationSummary in botocore's `imagebuilder` model.
    "ListInfrastructureConfigurations infrastructureConfigurationSummaryList[].description: emulator {\"string text\"}, moto {\"string empty text\"}",
    "ListInfrastructureConfigurations infrastructureConfigurationSummaryList[].instanceTypes[]: emulator only",
    "ListInfrastructureConfigurations infrastructureConfigurationSummaryList[].resourceTags: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.description: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.instanceMetadataOptions: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.instanceMetadataOptions.httpPutResponseHopLimit: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.instanceMetadataOptions.httpTokens: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.instanceTypes: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.instanceTypes[]: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.resourceTags: emulator only",
    "GetInfrastructureConfiguration infrastructureConfiguration.tags: emulator only",
    // The management account joined its organization `INVITED` (every
    // account of the CLI reference's list-accounts example); moto says
    // `CREATED` for all.
    "ListAccounts Accounts[].JoinedMethod: emulator {\"string enum CREATED\", \"string enum INVITED\"}, moto {\"string enum CREATED\"}",
    // STS times have no fraction ("Expiration": "2016-03-15T00:05:07Z", the
    // CLI reference's assume-role example); moto adds microseconds.
    "AssumeRole AssumeRoleResult.Credentials.Expiration: emulator {\"timestamp 0000-00-00T00:00:00Z\"}, moto {\"timestamp 0000-00-00T00:00:00.000000Z\"}",
];

/// One AWS call, as the SDK sends it (SigV4's credential scope in the
/// `Authorization` header names the key, region and service; neither
/// server checks the signature).
struct Call {
    /// What the comparison calls it: the operation's name.
    name: &'static str,
    service: &'static str,
    method: &'static str,
    path: String,
    target: Option<String>,
    content_type: &'static str,
    body: String,
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A query-protocol call (EC2, STS).
fn query(name: &'static str, service: &'static str, params: &[(&str, &str)]) -> Call {
    let version = if service == "sts" {
        "2011-06-15"
    } else {
        "2016-11-15"
    };
    let mut body = format!("Action={name}&Version={version}");
    for (k, v) in params {
        body.push_str(&format!("&{}={}", encode(k), encode(v)));
    }
    Call {
        name,
        service,
        method: "POST",
        path: "/".into(),
        target: None,
        content_type: "application/x-www-form-urlencoded; charset=utf-8",
        body,
    }
}

/// A JSON 1.1 call (CloudTrail, Organizations).
fn json11(name: &'static str, service: &'static str, body: Value) -> Call {
    let prefix = if service == "cloudtrail" {
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
    } else {
        "AWSOrganizationsV20161128"
    };
    Call {
        name,
        service,
        method: "POST",
        path: "/".into(),
        target: Some(format!("{prefix}.{name}")),
        content_type: "application/x-amz-json-1.1",
        body: body.to_string(),
    }
}

/// A REST JSON call (Image Builder).
fn rest(name: &'static str, method: &'static str, path: String, body: &str) -> Call {
    Call {
        name,
        service: "imagebuilder",
        method,
        path,
        target: None,
        content_type: "application/json",
        body: body.into(),
    }
}

struct Reply {
    status: u16,
    body: String,
}

/// Sends `call` to `endpoint` with access key `key`, on a connection of its own.
fn send(endpoint: &str, key: &str, call: &Call) -> Reply {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={key}/20260110/us-east-1/{}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0\r\nX-Amz-Date: 20260110T120000Z\r\n\
         Content-Type: {}\r\nContent-Length: {}\r\n",
        call.method,
        call.path,
        call.service,
        call.content_type,
        call.body.len()
    );
    if let Some(t) = &call.target {
        head.push_str(&format!("X-Amz-Target: {t}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(call.body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"));
    Reply {
        status,
        body: body.to_string(),
    }
}

/// An XML element: name, `xmlns`, children, text.
#[derive(Debug, Default)]
struct Elem {
    name: String,
    ns: Option<String>,
    children: Vec<Elem>,
    text: String,
}

impl Elem {
    /// The elements at a `/`-separated path below this one.
    fn all<'a>(&'a self, path: &str) -> Vec<&'a Elem> {
        let mut here = vec![self];
        for part in path.split('/') {
            here = here
                .into_iter()
                .flat_map(|e| e.children.iter().filter(|c| c.name == part))
                .collect();
        }
        here
    }

    fn texts(&self, path: &str) -> Vec<String> {
        self.all(path).iter().map(|e| e.text.clone()).collect()
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').expect("an entity ends") + i;
        let entity = &rest[i + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&e[2..], 16).unwrap()).expect("a character")
            }
            e if e.starts_with('#') => {
                char::from_u32(e[1..].parse().unwrap()).expect("a character")
            }
            e => panic!("unknown entity &{e};"),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The document element of an XML answer (elements, attributes on the
/// root only, text: what the query protocols send).
fn parse_xml(s: &str) -> Elem {
    let mut stack = vec![Elem::default()];
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>").expect("a declaration ends") + 2..];
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').expect("a tag ends");
            let e = stack.pop().expect("an open element");
            assert_eq!(e.name, r[..end].trim(), "mismatched tags in {s}");
            stack.last_mut().expect("a parent").children.push(e);
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let end = r.find('>').expect("a tag ends");
            let tag = &r[..end];
            let (tag, empty) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let mut parts = tag.split_whitespace();
            let name = parts.next().expect("a tag name").to_string();
            let ns = parts.find_map(|a| {
                a.strip_prefix("xmlns=\"")
                    .and_then(|v| v.strip_suffix('"'))
                    .map(str::to_string)
            });
            let e = Elem {
                name,
                ns,
                ..Elem::default()
            };
            if empty {
                stack.last_mut().expect("a parent").children.push(e);
            } else {
                stack.push(e);
            }
            rest = &r[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            stack
                .last_mut()
                .expect("an element")
                .text
                .push_str(&unescape(&rest[..end]));
            rest = &rest[end..];
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements in {s}");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one document element in {s}");
    doc.children.pop().unwrap()
}

/// Each path of a document, with the forms of the values found there.
type Shape = BTreeMap<String, BTreeSet<String>>;

/// Keys of enumerations: their values are compared as they are.
const ENUMS: &[&str] = &[
    "state",
    "vpcEndpointType",
    "instanceTenancy",
    "ipProtocol",
    "origin",
    "hostnameType",
    "ipAddressType",
    "dnsRecordIpType",
    "internetGatewayBlockMode",
    "optInStatus",
    "FeatureSet",
    "Type",
    "Status",
    "State",
    "JoinedMethod",
    "ReadWriteType",
    "httpTokens",
];

/// Numbers that are the same for the same resources: compared as they are.
const COUNTS: &[&str] = &["availableIpAddressCount", "fromPort", "toPort"];

/// The prefixes of the EC2 resource ids the answers hold.
const ID_PREFIXES: &[&str] = &[
    "vpc",
    "subnet",
    "sg",
    "rtb",
    "rtbassoc",
    "vpce",
    "eni",
    "vpc-cidr-assoc",
    "dopt",
    "pl",
    "igw",
];

/// The form of a text value under `key`.
fn form(key: &str, v: &str) -> String {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if ENUMS.contains(&key) {
        return format!("enum {v}");
    }
    if key == "hostedZoneId" {
        return "hosted zone id".into();
    }
    // Free text, whatever it holds.
    if matches!(key, "message" | "Message" | "S3BucketName" | "description") {
        return if v.is_empty() { "empty text" } else { "text" }.into();
    }
    if v.is_empty() {
        return "empty text".into();
    }
    if v == "true" || v == "false" {
        return format!("boolean {v}");
    }
    if COUNTS.contains(&key) {
        return format!("count {v}");
    }
    if digits(v) {
        return if v.len() == 12 {
            "account id"
        } else {
            "integer"
        }
        .into();
    }
    let b = v.as_bytes();
    if v.len() >= 20 && digits(&v[..4]) && b[4] == b'-' && b[10] == b'T' {
        let layout: String = v
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        return format!("timestamp {layout}");
    }
    if let Some(rest) = v.strip_prefix("arn:") {
        let p: Vec<&str> = rest.splitn(5, ':').collect();
        if p.len() == 5 {
            let kind = p[4].split(['/', ':']).next().unwrap_or_default();
            let set = |s: &str| if s.is_empty() { "-" } else { "*" };
            return format!("arn {}:{}:{}:{}:{kind}", p[0], p[1], set(p[2]), set(p[3]));
        }
    }
    if v.starts_with('{') && serde_json::from_str::<Value>(v).is_ok() {
        return "policy document".into();
    }
    if let Some((prefix, tail)) = v.rsplit_once('-') {
        if ID_PREFIXES.contains(&prefix)
            && hex(tail)
            && tail.bytes().all(|b| !b.is_ascii_uppercase())
        {
            return format!("id {prefix}-{} hex digits", tail.len());
        }
    }
    if let Some(rest) = v.strip_prefix("o-") {
        if (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return "organization id".into();
        }
    }
    for key_prefix in ["AKIA", "ASIA", "AIDA", "AROA"] {
        if let Some(rest) = v.strip_prefix(key_prefix) {
            if rest.len() == 16
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return format!("{key_prefix} key id");
            }
        }
    }
    let parts: Vec<&str> = v.split(['.', '/']).collect();
    if parts.len() == 5 && parts.iter().all(|p| digits(p)) {
        return "CIDR block".into();
    }
    "text".into()
}

fn add(shape: &mut Shape, path: &str, form: String) {
    shape.entry(path.to_string()).or_default().insert(form);
}

/// The shape of an XML element's content: a child named `item` is a list
/// member (`path[]`); an element with children or none is a structure (or
/// an empty list: XML does not tell them apart).
fn xml_shape(e: &Elem, path: &str, shape: &mut Shape) {
    if e.children.is_empty() && !e.text.is_empty() {
        add(shape, path, form(&e.name, &e.text));
        return;
    }
    add(shape, path, "structure or list".into());
    for c in &e.children {
        let p = if c.name == "item" {
            format!("{path}[]")
        } else if path.is_empty() {
            c.name.clone()
        } else {
            format!("{path}.{}", c.name)
        };
        // A list of plain values names its members' form by the list's name.
        if c.name == "item" && c.children.is_empty() && !c.text.is_empty() {
            add(shape, &p, form(&e.name, &c.text));
        } else {
            xml_shape(c, &p, shape);
        }
    }
}

/// The shape of a JSON value (`null` is absent, as the SDKs read it).
fn json_shape(v: &Value, key: &str, path: &str, shape: &mut Shape) {
    match v {
        Value::Null => {}
        Value::Bool(b) => add(shape, path, format!("boolean {b}")),
        Value::Number(_) => add(shape, path, "number".into()),
        Value::String(s) => add(shape, path, format!("string {}", form(key, s))),
        Value::Array(a) => {
            add(shape, path, "list".into());
            for x in a {
                json_shape(x, key, &format!("{path}[]"), shape);
            }
        }
        Value::Object(m) => {
            add(shape, path, "object".into());
            for (k, x) in m {
                // A map keyed by ARN (the snapshot's trails): by its form.
                let name = if k.starts_with("arn:") {
                    format!("<{}>", form("", k))
                } else {
                    k.clone()
                };
                let p = if path.is_empty() {
                    name
                } else {
                    format!("{path}.{name}")
                };
                json_shape(x, k, &p, shape);
            }
        }
    }
}

/// Parts of every answer that belong to the call, not to a resource.
const CALL_FIELDS: &[&str] = &[
    "requestId",
    "RequestID",
    "ResponseMetadata",
    "nextToken",
    "NextToken",
];

/// The root element (`-` for JSON), its namespace, and the shape of an answer.
fn shape_of(reply: &Reply) -> (String, String, Shape) {
    let mut shape = Shape::new();
    let body = reply.body.trim_start();
    if body.starts_with('<') {
        let mut root = parse_xml(body);
        root.children
            .retain(|c| !CALL_FIELDS.contains(&c.name.as_str()));
        xml_shape(&root, "", &mut shape);
        (
            root.name.clone(),
            root.ns.clone().unwrap_or("-".into()),
            shape,
        )
    } else {
        let mut v: Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {}", reply.body));
        if let Some(m) = v.as_object_mut() {
            m.retain(|k, _| !CALL_FIELDS.contains(&k.as_str()));
        }
        json_shape(&v, "", "", &mut shape);
        ("-".into(), "-".into(), shape)
    }
}

/// Where two answers to the same call differ, one line each.
fn differences(name: &str, emu: &Reply, moto: &Reply, out: &mut Vec<String>) {
    if emu.status != moto.status {
        out.push(format!(
            "{name} status: emulator {}, moto {}",
            emu.status, moto.status
        ));
    }
    let (er, ens, es) = shape_of(emu);
    let (mr, mns, ms) = shape_of(moto);
    if er != mr {
        out.push(format!("{name} root: emulator {er}, moto {mr}"));
    }
    if ens != mns {
        out.push(format!("{name} namespace: emulator {ens}, moto {mns}"));
    }
    for path in es.keys().chain(ms.keys()).collect::<BTreeSet<_>>() {
        match (es.get(path), ms.get(path)) {
            (Some(_), None) => out.push(format!("{name} {path}: emulator only")),
            (None, Some(_)) => out.push(format!("{name} {path}: moto only")),
            (Some(e), Some(m)) => {
                // An enumeration's values: those the emulator sends are
                // among moto's (moto may list more, as every region).
                let enums = |s: &BTreeSet<String>| -> BTreeSet<String> {
                    s.iter().filter(|f| f.contains("enum ")).cloned().collect()
                };
                let rest = |s: &BTreeSet<String>| -> BTreeSet<String> {
                    s.iter().filter(|f| !f.contains("enum ")).cloned().collect()
                };
                if !enums(e).is_subset(&enums(m)) || rest(e) != rest(m) {
                    out.push(format!("{name} {path}: emulator {e:?}, moto {m:?}"));
                }
            }
            (None, None) => unreachable!(),
        }
    }
}

/// The ids each side's requests name.
struct Ids {
    vpc: String,
    subnet: String,
    group: String,
    trail: String,
    infrastructure: String,
    member: String,
}

/// The calls the collector makes, with `ids` (in the order of
/// [`ApiCall::ALL`]), and errors of a missing resource.
fn calls(ids: &Ids) -> Vec<Call> {
    let filter = |name: &'static str, value: &str| {
        [
            ("Filter.1.Name".to_string(), name.to_string()),
            ("Filter.1.Value.1".to_string(), value.to_string()),
        ]
    };
    let ec2 = |name: &'static str, params: &[(String, String)]| {
        let p: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        query(name, "ec2", &p)
    };
    let infrastructure = |name: &'static str, arn: &str| {
        rest(
            name,
            "GET",
            format!(
                "/GetInfrastructureConfiguration?infrastructureConfigurationArn={}",
                encode(arn)
            ),
            "",
        )
    };
    let role = format!("arn:aws:iam::{}:role/ibaudit-audit", ids.member);
    vec![
        query("GetCallerIdentity", "sts", &[]),
        ec2("DescribeRegions", &[]),
        ec2("DescribeVpcEndpoints", &filter("vpc-id", &ids.vpc)),
        ec2("DescribeVpcs", &filter("vpc-id", &ids.vpc)),
        ec2(
            "DescribeVpcAttribute",
            &[
                ("VpcId".into(), ids.vpc.clone()),
                ("Attribute".into(), "enableDnsHostnames".into()),
            ],
        ),
        ec2("DescribeSubnets", &filter("subnet-id", &ids.subnet)),
        ec2("DescribeSecurityGroups", &filter("group-id", &ids.group)),
        ec2("DescribeRouteTables", &filter("vpc-id", &ids.vpc)),
        ec2(
            "DescribePrefixLists",
            &filter("prefix-list-name", "com.amazonaws.us-east-1.s3"),
        ),
        json11(
            "DescribeTrails",
            "cloudtrail",
            serde_json::json!({"includeShadowTrails": true}),
        ),
        json11(
            "GetTrailStatus",
            "cloudtrail",
            serde_json::json!({"Name": ids.trail}),
        ),
        json11(
            "GetEventSelectors",
            "cloudtrail",
            serde_json::json!({"TrailName": ids.trail}),
        ),
        rest(
            "ListInfrastructureConfigurations",
            "POST",
            "/ListInfrastructureConfigurations".into(),
            "{}",
        ),
        infrastructure("GetInfrastructureConfiguration", &ids.infrastructure),
        json11("ListAccounts", "organizations", serde_json::json!({})),
        json11(
            "DescribeOrganization",
            "organizations",
            serde_json::json!({}),
        ),
        query(
            "AssumeRole",
            "sts",
            &[("RoleArn", &role), ("RoleSessionName", "ibaudit")],
        ),
        // A resource that does not exist, in each protocol.
        Call {
            name: "InvalidVpcID.NotFound",
            ..ec2(
                "DescribeVpcs",
                &[("VpcId.1".into(), "vpc-0123456789abcdef0".into())],
            )
        },
        Call {
            name: "TrailNotFoundException",
            ..json11(
                "GetTrailStatus",
                "cloudtrail",
                serde_json::json!({"Name": "arn:aws:cloudtrail:us-east-1:123456789012:trail/none"}),
            )
        },
        Call {
            name: "ResourceNotFoundException",
            ..infrastructure(
                "GetInfrastructureConfiguration",
                "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/none",
            )
        },
    ]
}

/// One account-region of the emulator with a healthy Image Builder VPC, and
/// a trail: no defect anywhere, as the moto side is seeded.
fn healthy_spec() -> Spec {
    Spec {
        seed: 3,
        accounts: 2,
        regions: 1,
        broken_share: 0.0,
        imagebuilder_share: 1.0,
    }
}

fn emulator_ids(spec: &Spec, region: &Region) -> Ids {
    let config = &region.configs[0];
    let subnet = region
        .subnets
        .iter()
        .find(|s| s.id == config.subnet)
        .expect("the build subnet");
    Ids {
        vpc: subnet.vpc.clone(),
        subnet: subnet.id.clone(),
        group: config.groups[0].clone(),
        trail: spec.trail_arn(0),
        infrastructure: config.arn.clone(),
        member: spec.account_id(1),
    }
}

const MOTO_KEY: &str = "testing";
const EMULATOR_KEY: &str = "AKIDSCALETEST";

/// Completes the moto scenario's management account to what the emulator
/// serves: a `Name` tag on each endpoint, security group and the build
/// route table, a description on the security group's inbound rule, and
/// log file validation on the trail.
fn complete_moto(emu: &Emulator, ids: &Ids) {
    let trail = json11(
        "UpdateTrail",
        "cloudtrail",
        serde_json::json!({"Name": ids.trail, "EnableLogFileValidation": true}),
    );
    let r = send(&emu.endpoint, MOTO_KEY, &trail);
    assert_eq!(r.status, 200, "UpdateTrail: {}", r.body);
    let ec2 = |name: &'static str, params: &[(&str, &str)]| {
        let r = send(&emu.endpoint, MOTO_KEY, &query(name, "ec2", params));
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        parse_xml(&r.body)
    };
    let vpc = ids.vpc.as_str();
    let endpoints = ec2(
        "DescribeVpcEndpoints",
        &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", vpc)],
    );
    let tables = ec2(
        "DescribeRouteTables",
        &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", vpc)],
    );
    let mut named: Vec<(String, String)> = Vec::new();
    for e in endpoints.all("vpcEndpointSet/item") {
        if e.all("tagSet/item").is_empty() {
            let service = e.texts("serviceName")[0]
                .rsplit('.')
                .next()
                .unwrap()
                .to_string();
            named.push((e.texts("vpcEndpointId")[0].clone(), service));
        }
    }
    for t in tables.all("routeTableSet/item") {
        let main = t.texts("associationSet/item/main").contains(&"true".into());
        if !main {
            named.push((t.texts("routeTableId")[0].clone(), "build-private".into()));
        }
    }
    named.push((ids.group.clone(), "endpoints".into()));
    assert!(named.len() >= 5, "{named:?}");
    for (id, name) in &named {
        ec2(
            "CreateTags",
            &[
                ("ResourceId.1", id),
                ("Tag.1.Key", "Name"),
                ("Tag.1.Value", name),
            ],
        );
    }
    let groups = ec2("DescribeSecurityGroups", &[("GroupId.1", &ids.group)]);
    let rule = groups.all("securityGroupInfo/item/ipPermissions/item")[0];
    let (port, cidr) = (
        rule.texts("fromPort")[0].clone(),
        rule.texts("ipRanges/item/cidrIp")[0].clone(),
    );
    ec2(
        "UpdateSecurityGroupRuleDescriptionsIngress",
        &[
            ("GroupId", &ids.group),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", &port),
            ("IpPermissions.1.ToPort", &port),
            ("IpPermissions.1.IpRanges.1.CidrIp", &cidr),
            ("IpPermissions.1.IpRanges.1.Description", "from the VPC"),
        ],
    );
}

fn moto_ids(emu: &Emulator) -> Ids {
    let infrastructure = {
        let r = send(
            &emu.endpoint,
            MOTO_KEY,
            &rest(
                "ListInfrastructureConfigurations",
                "POST",
                "/ListInfrastructureConfigurations".into(),
                "{}",
            ),
        );
        let v: Value = serde_json::from_str(&r.body).unwrap();
        v["infrastructureConfigurationSummaryList"][0]["arn"]
            .as_str()
            .expect("the scenario's infrastructure configuration")
            .to_string()
    };
    Ids {
        vpc: emu.id("management_vpc.vpc"),
        subnet: emu.id("management_vpc.subnets.1"),
        group: emu.id("management_vpc.sg"),
        trail: format!(
            "arn:aws:cloudtrail:us-east-1:{}:trail/org-main",
            emu.account
        ),
        infrastructure,
        member: emu.id("accounts.member-01"),
    }
}

#[test]
fn every_answer_of_the_emulator_has_the_structure_of_motos_for_the_same_resources() {
    let mut opts = Options::new(healthy_spec());
    opts.latency = Duration::ZERO;
    let region = opts.spec.region(0, "us-east-1");
    assert!(
        region.expected.is_empty() && !region.configs.is_empty(),
        "a healthy Image Builder VPC"
    );
    let emulator_ids = emulator_ids(&opts.spec, &region);
    let scale = Background::start(opts);
    // The organization scenario: a management account with one Image
    // Builder VPC and a trail, and members.
    let moto = Emulator::start("org");
    let moto_ids = moto_ids(&moto);
    complete_moto(&moto, &moto_ids);

    let (ours, theirs) = (calls(&emulator_ids), calls(&moto_ids));
    let compared: BTreeSet<&str> = ours.iter().map(|c| c.name).collect();
    for call in ApiCall::ALL {
        assert!(
            compared.contains(call.name()),
            "{} is not compared",
            call.name()
        );
    }
    let mut found = Vec::new();
    for (e, m) in ours.iter().zip(&theirs) {
        let (re, rm) = (
            send(&scale.endpoint, EMULATOR_KEY, e),
            send(&moto.endpoint, MOTO_KEY, m),
        );
        let success = !e.name.contains("NotFound");
        assert_eq!(re.status == 200, success, "{}: {}", e.name, re.body);
        assert_eq!(rm.status == 200, success, "{}: {}", m.name, rm.body);
        differences(e.name, &re, &rm, &mut found);
    }
    same_as_known(&found, KNOWN);
}

/// Differences between the snapshot `ibaudit collect` writes from the
/// emulator and from moto for the same resources, as in [`KNOWN`]: the
/// answers' differences, under the AWS CLI's names the snapshot keeps.
const KNOWN_IN_SNAPSHOT: &[&str] = &[
    // The same differences as in [`KNOWN`], under the AWS CLI's names.
    "accounts[].regions[].DescribePrefixLists.PrefixLists[].Cidrs: emulator only",
    "accounts[].regions[].DescribePrefixLists.PrefixLists[].Cidrs[]: emulator only",
    "accounts[].regions[].DescribePrefixLists.PrefixLists[].PrefixListId: emulator {\"string id pl-8 hex digits\"}, moto {\"string id pl-17 hex digits\"}",
    "accounts[].regions[].DescribeRouteTables.RouteTables[].PropagatingVgws: emulator only",
    "accounts[].regions[].DescribeRouteTables.RouteTables[].Routes[].DestinationPrefixListId: emulator {\"string id pl-8 hex digits\"}, moto {\"string id pl-17 hex digits\"}",
    "accounts[].regions[].DescribeSubnets.Subnets[].BlockPublicAccessStates: emulator only",
    "accounts[].regions[].DescribeSubnets.Subnets[].BlockPublicAccessStates.InternetGatewayBlockMode: emulator only",
    "accounts[].regions[].DescribeSubnets.Subnets[].EnableDns64: emulator only",
    "accounts[].regions[].DescribeSubnets.Subnets[].MapCustomerOwnedIpOnLaunch: emulator only",
    "accounts[].regions[].DescribeVpcEndpoints.VpcEndpoints[].DnsOptions: emulator only",
    "accounts[].regions[].DescribeVpcEndpoints.VpcEndpoints[].DnsOptions.DnsRecordIpType: emulator only",
    "accounts[].regions[].DescribeVpcEndpoints.VpcEndpoints[].IpAddressType: emulator only",
    "accounts[].regions[].DescribeVpcEndpoints.VpcEndpoints[].RequesterManaged: emulator only",
    "accounts[].regions[].DescribeVpcs.Vpcs[].BlockPublicAccessStates: emulator only",
    "accounts[].regions[].DescribeVpcs.Vpcs[].BlockPublicAccessStates.InternetGatewayBlockMode: emulator only",
    "accounts[].regions[].DescribeVpcs.Vpcs[].DhcpOptionsId: emulator {\"string id dopt-17 hex digits\"}, moto {\"string text\"}",
    "accounts[].regions[].DescribeVpcs.Vpcs[].Ipv6CidrBlockAssociationSet: moto only",
    "accounts[].regions[].GetEventSelectors.<arn aws:cloudtrail:*:*:trail>.AdvancedEventSelectors: moto only",
    "accounts[].regions[].GetEventSelectors.<arn aws:cloudtrail:*:*:trail>.EventSelectors[].DataResources: emulator only",
    "accounts[].regions[].GetEventSelectors.<arn aws:cloudtrail:*:*:trail>.EventSelectors[].ExcludeManagementEventSources: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.description: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.instanceMetadataOptions: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.instanceMetadataOptions.httpPutResponseHopLimit: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.instanceMetadataOptions.httpTokens: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.instanceTypes: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.instanceTypes[]: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.resourceTags: emulator only",
    "accounts[].regions[].GetInfrastructureConfiguration[].infrastructureConfiguration.tags: emulator only",
    "accounts[].regions[].GetTrailStatus.<arn aws:cloudtrail:*:*:trail>.LatestDeliveryAttemptSucceeded: emulator {\"string timestamp 0000-00-00T00:00:00Z\"}, moto {\"string empty text\"}",
    "accounts[].regions[].ListInfrastructureConfigurations.infrastructureConfigurationSummaryList[].description: emulator {\"string text\"}, moto {\"string empty text\"}",
    "accounts[].regions[].ListInfrastructureConfigurations.infrastructureConfigurationSummaryList[].instanceTypes[]: emulator only",
    "accounts[].regions[].ListInfrastructureConfigurations.infrastructureConfigurationSummaryList[].resourceTags: emulator only",
];

/// `collect --region us-east-1` of the account `key` belongs to, into `dir/out`.
fn collect(endpoint: &str, key: &str, dir: &Path, out: &str) -> Output {
    Ibaudit::new(&[
        "collect",
        "--region",
        "us-east-1",
        "--endpoint-url",
        endpoint,
        "-o",
        out,
    ])
    .dir(dir)
    .env("HOME", dir)
    .env("AWS_ACCESS_KEY_ID", key)
    .env("AWS_SECRET_ACCESS_KEY", "testing")
    .env("AWS_REGION", "us-east-1")
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .run()
}

#[test]
fn the_snapshot_collected_from_the_emulator_has_the_shape_of_the_one_from_moto() {
    let mut opts = Options::new(healthy_spec());
    opts.latency = Duration::ZERO;
    let scale = Background::start(opts);
    let moto = Emulator::start("org");
    complete_moto(&moto, &moto_ids(&moto));
    let dir = tempfile::tempdir().unwrap();
    let mut shapes = Vec::new();
    for (endpoint, key, out) in [
        (&scale.endpoint, EMULATOR_KEY, "emulator.json"),
        (&moto.endpoint, MOTO_KEY, "moto.json"),
    ] {
        let o = collect(endpoint, key, dir.path(), out);
        assert_eq!(code(&o), 0, "{out}: {}", stderr(&o));
        let snapshot = read_json(&dir.path().join(out));
        let region = &snapshot["accounts"][0]["regions"][0];
        assert!(
            region["DescribeVpcEndpoints"]["VpcEndpoints"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
                && region["GetInfrastructureConfiguration"].is_array(),
            "{out}: {region:#}"
        );
        let mut shape = Shape::new();
        json_shape(&snapshot, "", "", &mut shape);
        shapes.push(shape);
    }
    let (es, ms) = (&shapes[0], &shapes[1]);
    let mut found = Vec::new();
    for path in es.keys().chain(ms.keys()).collect::<BTreeSet<_>>() {
        match (es.get(path), ms.get(path)) {
            (Some(_), None) => found.push(format!("{path}: emulator only")),
            (None, Some(_)) => found.push(format!("{path}: moto only")),
            (Some(e), Some(m)) if e != m => {
                found.push(format!("{path}: emulator {e:?}, moto {m:?}"))
            }
            _ => {}
        }
    }
    same_as_known(&found, KNOWN_IN_SNAPSHOT);
}

/// `found` is exactly `known`.
fn same_as_known(found: &[String], known: &[&str]) {
    let new: Vec<&String> = found
        .iter()
        .filter(|f| !known.contains(&f.as_str()))
        .collect();
    let gone: Vec<&&str> = known
        .iter()
        .filter(|k| !found.iter().any(|f| f == *k))
        .collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "differences not known:\n{}\nknown but not found:\n{}",
        new.iter()
            .map(|s| format!("    {s:?},"))
            .collect::<Vec<_>>()
            .join("\n"),
        gone.iter()
            .map(|s| format!("    {s:?},"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
}
