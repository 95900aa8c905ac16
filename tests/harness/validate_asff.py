"""Validates ASFF documents (`{"Findings": [...]}`, the body of Security
Hub's BatchImportFindings) against botocore's own `securityhub` service model.

Usage: validate_asff.py [FILE ...]   (standard input when no FILE is given)

Each document is checked, in slices of at most 100 findings (what one
BatchImportFindings call takes, as an importer sends it), by
botocore.validate.ParamValidator against the operation's input shape, and
then for what ParamValidator leaves out: every string's `pattern`, `min` and
`max` and every list's and map's `min`/`max` in the model, the enums, and
the lengths the ASFF documentation gives fields the model leaves unbounded.
Also: no control characters and no `<`/`>` in any string. Prints one line per
error and exits 1 on any; prints `ok: N findings` per document otherwise.
"""

import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator

# The AWS Security Finding Format's documented limits (characters or
# entries), which the service model does not carry.
DOC_LIMITS = {
    ("Id",): 512,
    ("GeneratorId",): 512,
    ("Title",): 256,
    ("Description",): 1024,
    ("Remediation", "Recommendation", "Text"): 512,
    ("Types",): 50,
    ("Resources",): 32,
    ("ProductFields",): 50,
}
FIELD_KEY_MAX = 128
PRODUCT_FIELD_VALUE_MAX = 2048
OTHER_VALUE_MAX = 1024
OTHER_MAX_ENTRIES = 50
TYPE_PREFIXES = (
    "Software and Configuration Checks",
    "TTPs",
    "Effects",
    "Unusual Behaviors",
    "Sensitive Data Identifications",
)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c<>]")


def model():
    session = botocore.session.get_session()
    return session.get_service_model("securityhub").operation_model("BatchImportFindings")


def walk(shape, value, path, errors):
    """The model's constraints that ParamValidator does not check."""
    meta = shape.metadata
    where = ".".join(path) or "(document)"
    if shape.type_name == "string" and isinstance(value, str):
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            errors.append(f"{where}: {value!r} does not match the model's pattern {meta['pattern']!r}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{where}: {value!r} is not one of {shape.enum}")
        if "min" in meta and len(value) < meta["min"]:
            errors.append(f"{where}: shorter than the model's min {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{where}: longer than the model's max {meta['max']}")
        if UNSAFE.search(value):
            errors.append(f"{where}: {value!r} holds a control character or markup")
    elif shape.type_name == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shape.members:
                walk(shape.members[k], v, path + [k], errors)
    elif shape.type_name == "list" and isinstance(value, list):
        if "min" in meta and len(value) < meta["min"]:
            errors.append(f"{where}: fewer than the model's min {meta['min']} entries")
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{where}: more than the model's max {meta['max']} entries")
        for i, v in enumerate(value):
            walk(shape.member, v, path + [str(i)], errors)
    elif shape.type_name == "map" and isinstance(value, dict):
        for k, v in value.items():
            walk(shape.key, k, path + [f"<key {k}>"], errors)
            walk(shape.value, v, path + [k], errors)


def get(d, keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def doc_limits(finding, where, errors):
    for keys, limit in DOC_LIMITS.items():
        v = get(finding, keys)
        if v is not None and len(v) > limit:
            errors.append(f"{where}.{'.'.join(keys)}: {len(v)} over the documented limit {limit}")
    for k, v in (finding.get("ProductFields") or {}).items():
        if len(k) > FIELD_KEY_MAX or len(v) > PRODUCT_FIELD_VALUE_MAX:
            errors.append(f"{where}.ProductFields.{k}: key or value over the documented limit")
    for t in finding.get("Types") or []:
        if not t.startswith(TYPE_PREFIXES) or len(t.split("/")) > 3:
            errors.append(f"{where}.Types: {t!r} is not namespace/category/classifier")
    for i, r in enumerate(finding.get("Resources") or []):
        other = get(r, ["Details", "Other"]) or {}
        if len(other) > OTHER_MAX_ENTRIES:
            errors.append(f"{where}.Resources.{i}.Details.Other: over {OTHER_MAX_ENTRIES} entries")
        for k, v in other.items():
            if len(k) > FIELD_KEY_MAX or len(v) > OTHER_VALUE_MAX:
                errors.append(f"{where}.Resources.{i}.Details.Other.{k}: over the documented limit")


def validate(doc, op):
    errors = []
    if not isinstance(doc, dict) or set(doc) != {"Findings"} or not isinstance(doc["Findings"], list):
        return ['the document is not {"Findings": [...]}']
    findings = doc["Findings"]
    validator = ParamValidator()
    for start in range(0, len(findings), 100):
        params = {"Findings": findings[start : start + 100]}
        report = validator.validate(params, op.input_shape)
        if report.has_errors():
            errors.append(f"findings {start}..: {report.generate_report()}")
        walk(op.input_shape, params, [], errors)
    for i, f in enumerate(findings):
        doc_limits(f, f"Findings.{i}", errors)
    ids = [f.get("Id") for f in findings]
    if len(set(ids)) != len(ids):
        errors.append("two findings share an Id")
    return errors


def main(argv):
    op = model()
    sources = argv or ["-"]
    failed = False
    for src in sources:
        text = sys.stdin.read() if src == "-" else open(src, encoding="utf-8").read()
        try:
            doc = json.loads(text)
        except ValueError as e:
            print(f"{src}: not JSON: {e}")
            failed = True
            continue
        errors = validate(doc, op)
        for e in errors:
            print(f"{src}: {e}")
        if errors:
            failed = True
        else:
            print(f"ok: {len(doc['Findings'])} findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
