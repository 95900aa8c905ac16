#!/usr/bin/env python3
"""Writes valid snapshots of hostile shapes, to check that peak memory stays
in proportion to the file whatever the shape.

Usage: gen_hostile.py OUT_DIR [--mib 64] [--shape SHAPE]

Each file is a small valid snapshot (one region, one endpoint) plus about
MIB MiB of one shape:

- unknown-array:  a top-level key this version does not know, holding an
                  array of small numbers (once held as parsed values: 17x);
- unknown-object: an unknown region key holding an object with many keys;
- unknown-deep:   an unknown account key holding many arrays nested 100 deep;
- unknown-string: an unknown top-level key holding one long string;
- aws-unknown:    an unknown field inside an endpoint (ignored on read),
                  holding many small objects;
- aws-tiny-list:  a field the model reads, a list of one-letter ids (each
                  item costs a string record: refused, within the budget);
- aws-empty-objects: a route table with many empty routes (each costs a full
                  record: refused, within the budget);
- many-accounts:  many accounts with no regions;
- endpoint-unknown: an unknown field inside an endpoint holding one object
                  with many keys, each a small nested value (a model that
                  keeps unknown fields by buffering the shape whole peaks at
                  over 100x the file on this one).
"""
import argparse
import json
import os

ACCOUNT = "111122223333"
ENDPOINT = {
    "VpcEndpointId": "vpce-0a1b2c3d4e5f60001", "VpcEndpointType": "Interface",
    "VpcId": "vpc-0a1b2c3d4e5f60001", "ServiceName": "com.amazonaws.us-east-1.imagebuilder",
    "State": "available", "PrivateDnsEnabled": True, "SubnetIds": ["subnet-0a1b2c3d4e5f60001"],
    "Groups": [{"GroupId": "sg-0a1b2c3d4e5f60001"}],
}


SHAPES = ["unknown-array", "unknown-object", "unknown-deep", "unknown-string", "aws-unknown",
          "endpoint-unknown", "aws-tiny-list", "aws-empty-objects", "many-accounts"]


def chunks(piece, total):
    """`piece` (a callable of the index) repeated, comma-separated, to about `total` bytes."""
    written, i = 0, 0
    while written < total:
        part = ("," if i else "") + piece(i)
        written += len(part)
        i += 1
        yield part


def write(path, mib, shape):
    total = mib << 20
    with open(path, "w") as f:
        def stream(gen):
            buf = []
            for part in gen:
                buf.append(part)
                if len(buf) >= 4096:
                    f.write("".join(buf))
                    buf.clear()
            f.write("".join(buf))

        ep = dict(ENDPOINT)
        endpoint_tail = ""
        if shape in ("aws-unknown", "endpoint-unknown"):
            endpoint_tail = None
        f.write('{"ibaudit_snapshot": 1, "collected_at": "2026-11-26T07:00:00Z", ')
        if shape == "unknown-array":
            f.write('"future_array": [')
            stream(chunks(lambda i: "0", total))
            f.write("], ")
        if shape == "unknown-string":
            f.write('"future_string": "')
            stream(chunks(lambda i: "x" * 1023, total))
            f.write('", ')
        f.write('"accounts": [')
        if shape == "many-accounts":
            stream(chunks(lambda i: f'{{"account_id": "{i + 1:012d}", "regions": []}}', total))
            f.write(", ")
        f.write(f'{{"account_id": "{ACCOUNT}", ')
        if shape == "unknown-deep":
            f.write('"future_deep": [')
            stream(chunks(lambda i: "[" * 100 + str(i) + "]" * 100, total))
            f.write("], ")
        f.write('"regions": [{"region": "us-east-1", ')
        if shape == "unknown-object":
            f.write('"FutureOperation": {')
            stream(chunks(lambda i: f'"k{i}":0', total))
            f.write("}, ")
        if shape == "aws-empty-objects":
            f.write('"DescribeRouteTables": {"RouteTables": [{"RouteTableId": "rtb-1", '
                    '"VpcId": "vpc-0a1b2c3d4e5f60001", "Routes": [')
            stream(chunks(lambda i: "{}", total))
            f.write("]}]}, ")
        f.write('"DescribeVpcEndpoints": {"VpcEndpoints": [')
        body = json.dumps(ep)
        if endpoint_tail is None and shape == "aws-unknown":
            f.write(body[:-1] + ', "FutureField": [')
            stream(chunks(lambda i: '{"a":1}', total))
            f.write("]}")
        elif shape == "aws-tiny-list":
            f.write(body[:-1] + ', "NetworkInterfaceIds": [')
            stream(chunks(lambda i: '"a"', total))
            f.write("]}")
        elif endpoint_tail is None:
            f.write(body[:-1] + ', "FutureObject": {')
            stream(chunks(lambda i: f'"k{i}":{{"v":[{i},"x",null]}}', total))
            f.write("}}")
        else:
            f.write(body)
        f.write("]}}]}]}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--shape", choices=SHAPES, action="append",
                    help="only this shape (repeatable); every shape by default")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    for shape in a.shape or SHAPES:
        path = os.path.join(a.out_dir, f"{shape}-{a.mib}mib.json")
        write(path, a.mib, shape)
        json.load(open(path))  # valid JSON, or fail loudly here
        print(path)


if __name__ == "__main__":
    main()
