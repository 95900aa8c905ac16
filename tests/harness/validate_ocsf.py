"""Validates OCSF events against the OCSF 1.5.0 JSON schema of their class,
as the `ocsf-json-schema` package generates it (with every referenced object
embedded, and the event's `metadata.profiles` applied).

Usage: validate_ocsf.py [FILE ...]   (standard input when no FILE is given)

A file is a JSON array of events or JSON lines (one event a line). The
generated schemas set `additionalProperties: false` on the class and every
object (except OCSF's free-form `object` type, `unmapped` and the like),
`required` for the required attributes, and `enum` for the enumerated ids;
on top of that the check makes each `*_id`'s caption (`severity`, `status`,
`activity_name`, ...) match its id, since the schema does not. Prints one
line per error and exits 1 on any.
"""

import json
import re
import sys

import jsonschema
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

VERSION = "1.5.0"
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c<>]")


def events_of(text):
    stripped = text.lstrip()
    if stripped.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def captions(raw, class_name, event, where, errors):
    """Each enumerated id's sibling caption is the schema's caption for it."""
    attrs = raw["classes"][class_name]["attributes"]
    pairs = [
        ("activity_id", "activity_name", attrs, event),
        ("severity_id", "severity", attrs, event),
        ("status_id", "status", attrs, event),
        ("type_uid", "type_name", attrs, event),
    ]
    comp = raw["objects"]["compliance"]["attributes"]
    pairs.append(("status_id", "status", comp, event.get("compliance", {})))
    for id_key, caption_key, table, obj in pairs:
        if id_key not in obj or caption_key not in obj:
            continue
        expected = table[id_key]["enum"].get(str(obj[id_key]), {}).get("caption")
        if obj[caption_key] != expected:
            errors.append(f"{where}: {caption_key} {obj[caption_key]!r} is not {expected!r}")
    if event.get("class_uid") == raw["classes"][class_name].get("uid"):
        if event.get("class_name") not in (None, raw["classes"][class_name]["caption"]):
            errors.append(f"{where}: class_name is not {raw['classes'][class_name]['caption']!r}")


def strings(value, path):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{path}.{i}")


def main(argv):
    raw = get_ocsf_schema(version=VERSION)
    schemas = OcsfJsonSchemaEmbedded(raw)
    cache = {}
    failed = False
    total = 0
    for src in argv or ["-"]:
        text = sys.stdin.read() if src == "-" else open(src, encoding="utf-8").read()
        try:
            events = events_of(text)
        except ValueError as e:
            print(f"{src}: not JSON: {e}")
            failed = True
            continue
        for i, event in enumerate(events):
            where = f"{src}: event {i}"
            errors = []
            version = event.get("metadata", {}).get("version")
            if version != VERSION:
                errors.append(f"{where}: metadata.version {version!r} is not {VERSION}")
            class_name = schemas.lookup_class_name_from_uid(class_uid=event.get("class_uid"))
            profiles = tuple(event.get("metadata", {}).get("profiles", []))
            key = (class_name, profiles)
            if key not in cache:
                schema = schemas.get_class_schema(class_name=class_name, profiles=list(profiles))
                cache[key] = jsonschema.Draft202012Validator(schema)
            for e in cache[key].iter_errors(event):
                errors.append(f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
            captions(raw, class_name, event, where, errors)
            for path, s in strings(event, ""):
                if UNSAFE.search(s):
                    errors.append(f"{where}: {path}: {s!r} holds a control character or markup")
            for e in errors:
                print(e)
            failed = failed or bool(errors)
            total += 1
        if not failed:
            print(f"ok: {len(events)} events")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
