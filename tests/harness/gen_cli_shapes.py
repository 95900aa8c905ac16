"""Writes crates/collector/src/convert/shapes.rs: each AWS SDK type the
collector describes, as the JSON the AWS CLI prints for it.

The member names and which shapes exist come from the service models the AWS
CLI itself uses (botocore's service-2.json); the Rust field names and types
from the AWS SDK for Rust's generated sources. Every member the SDK type holds
is written when the SDK has it (`Some`), and only then, so nothing AWS did not
send is written and an empty list AWS sent stays an empty list.

    python tests/harness/gen_cli_shapes.py <botocore data dir> <cargo registry src dir> > crates/collector/src/convert/shapes.rs
"""

import json
import os
import re
import sys

DATA, REGISTRY = sys.argv[1], sys.argv[2]

SERVICES = {
    # prefix: (botocore dir, SDK crate, timestamp writer)
    "ec2": ("ec2/2016-11-15", "aws-sdk-ec2", "ts_iso"),
    "ct": ("cloudtrail/2013-11-01", "aws-sdk-cloudtrail", "ts_epoch"),
    "ib": ("imagebuilder/2019-12-02", "aws-sdk-imagebuilder", "ts_epoch"),
}

ROOTS = [
    ("ec2", "VpcEndpoint", "types/_vpc_endpoint.rs", "VpcEndpoint"),
    ("ec2", "Vpc", "types/_vpc.rs", "Vpc"),
    ("ec2", "Subnet", "types/_subnet.rs", "Subnet"),
    ("ec2", "SecurityGroup", "types/_security_group.rs", "SecurityGroup"),
    ("ec2", "RouteTable", "types/_route_table.rs", "RouteTable"),
    ("ec2", "PrefixList", "types/_prefix_list.rs", "PrefixList"),
    ("ct", "Trail", "types/_trail.rs", "Trail"),
    ("ct", "GetTrailStatusResponse",
     "operation/get_trail_status/_get_trail_status_output.rs", "GetTrailStatusOutput"),
    ("ct", "GetEventSelectorsResponse",
     "operation/get_event_selectors/_get_event_selectors_output.rs", "GetEventSelectorsOutput"),
    ("ib", "InfrastructureConfigurationSummary",
     "types/_infrastructure_configuration_summary.rs", "InfrastructureConfigurationSummary"),
    ("ib", "InfrastructureConfiguration",
     "types/_infrastructure_configuration.rs", "InfrastructureConfiguration"),
]


def crate_dir(name):
    dirs = sorted(d for d in os.listdir(REGISTRY) if re.fullmatch(name + r"-\d+\.\d+\.\d+", d))
    return os.path.join(REGISTRY, dirs[-1], "src")


models, type_files, versions = {}, {}, {}
for prefix, (model_dir, crate, _) in SERVICES.items():
    with open(os.path.join(DATA, model_dir, "service-2.json")) as f:
        models[prefix] = json.load(f)["shapes"]
    src = crate_dir(crate)
    versions[prefix] = os.path.basename(os.path.dirname(src))
    index = {}
    for fn in os.listdir(os.path.join(src, "types")):
        path = os.path.join(src, "types", fn)
        if not fn.endswith(".rs"):
            continue
        text = open(path).read()
        for kind, name in re.findall(r"^pub (struct|enum) (\w+)", text, re.M):
            index[name] = (kind, path)
    type_files[prefix] = index


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def norm(s):
    return s.replace("r#", "").replace("_", "").lower()


FIELD = re.compile(r"^    pub (r#)?(\w+): (.+),$", re.M)
done, queue, out = set(), [], []


def fn_name(prefix, rust):
    return f"{prefix}_{snake(rust)}"


def conv(prefix, ty, var):
    ty = ty.strip()
    if ty == "::std::string::String":
        return f"Value::from({var}.as_str())"
    if ty == "bool":
        return f"Value::Bool(*{var})"
    if ty in ("i32", "i64"):
        return f"Value::from(*{var})"
    if ty in ("f32", "f64"):
        return f"num(f64::from(*{var}))"
    if ty == "::aws_smithy_types::DateTime":
        return f"{SERVICES[prefix][2]}({var})"
    m = re.fullmatch(r"::std::vec::Vec<(.+)>", ty)
    if m:
        return f"Value::Array({var}.iter().map(|e| {conv(prefix, m.group(1), 'e')}).collect())"
    m = re.fullmatch(r"::std::collections::HashMap<::std::string::String, (.+)>", ty)
    if m:
        return (f"Value::Object(sorted({var}.iter().map(|(k, e)| (k.clone(), "
                f"{conv(prefix, m.group(1), 'e')}))))")
    m = re.fullmatch(r"crate::types::(\w+)", ty)
    if m:
        kind, path = type_files[prefix][m.group(1)]
        if kind == "enum":
            return f"Value::from({var}.as_str())"
        queue.append((prefix, None, path, m.group(1)))
        return f"{fn_name(prefix, m.group(1))}({var})"
    raise SystemExit(f"unsupported type {ty}")


def member_names(prefix, shape):
    return {norm(k): k for k in models[prefix][shape]["members"]} if shape else None


def newer_member(prefix, path, rust, field):
    """A member the SDK knows and the CLI's model does not yet: its wire name
    from the SDK's JSON deserializer, or (EC2's XML names differ from the
    member names) the member name the SDK's field name comes from."""
    serde = os.path.join(os.path.dirname(os.path.dirname(path)), "protocol_serde",
                         f"shape_{snake(rust)}.rs")
    if prefix != "ec2" and os.path.exists(serde):
        for name in re.findall(r'"(\w+)" =>', open(serde).read()):
            if norm(name) == norm(field):
                return name
    name = "".join(w[:1].upper() + w[1:] for w in field.split("_"))
    print(f"{rust}.{field}: not in the CLI's model, written as {name}", file=sys.stderr)
    return name


def emit(prefix, shape, path, rust):
    key = (prefix, rust)
    if key in done:
        return
    done.add(key)
    text = open(path).read()
    body = text[text.index(f"pub struct {rust} {{"):]
    body = body[: body.index("\n}\n")]
    if shape is None:
        shape = rust
    names = member_names(prefix, shape) if shape in models[prefix] else {}
    module = "types" if path.split(os.sep)[-2] == "types" else None
    full = f"{prefix}::{rust}" if module else f"{prefix}o::{rust}"
    lines = [f"pub(crate) fn {fn_name(prefix, rust)}(x: &{full}) -> Value {{",
             "    let mut m = Map::new();"]
    for raw, field, ty in FIELD.findall(body):
        member = names.get(norm(field)) or newer_member(prefix, path, rust, field)
        ident = f"{raw}{field}"
        opt = re.fullmatch(r"::std::option::Option<(.+)>", ty)
        if opt:
            lines.append(f"    if let Some(v) = &x.{ident} {{")
            lines.append(f"        m.insert(\"{member}\".into(), {conv(prefix, opt.group(1), 'v')});")
            lines.append("    }")
        else:
            lines.append(f"    // The SDK requires {member}: it cannot tell absent from empty.")
            lines.append(f"    m.insert(\"{member}\".into(), {conv(prefix, ty, '(&x.' + ident + ')')});")
    lines.append("    Value::Object(m)")
    lines.append("}")
    out.append("\n".join(lines))


for prefix, shape, rel, rust in ROOTS:
    emit(prefix, shape, os.path.join(crate_dir(SERVICES[prefix][1]), rel), rust)
    while queue:
        p, s, path, r = queue.pop(0)
        # Nested shapes: the SDK keeps the model's structure names.
        emit(p, s, path, r)

print("// @generated by tests/harness/gen_cli_shapes.py from the AWS CLI's service")
print("// models and " + ", ".join(sorted(versions.values())) + ". Do not edit.")
print("#![allow(clippy::all, clippy::pedantic)]")
print()
code = "\n\n".join(out)
helpers = [h for h in ("num", "sorted", "ts_epoch", "ts_iso") if h + "(" in code]
print("use super::{" + ", ".join(helpers) + "};")
print("use aws_sdk_cloudtrail::operation::{get_event_selectors::GetEventSelectorsOutput, get_trail_status::GetTrailStatusOutput};")
print("use aws_sdk_cloudtrail::types as ct;")
print("use aws_sdk_ec2::types as ec2;")
print("use aws_sdk_imagebuilder::types as ib;")
print("use serde_json::{Map, Value};")
print()
print("mod cto {")
print("    pub(super) use super::{GetEventSelectorsOutput, GetTrailStatusOutput};")
print("}")
print()
print(code)
