#!/usr/bin/env python3
"""The AWS side of ibaudit's collector tests.

Starts moto's server on a free 127.0.0.1 port, seeds it through the real AWS
API (boto3) with a named scenario, and puts a small HTTP endpoint in front of
it that
  - answers EC2 Image Builder calls from recorded responses in AWS's own
    REST JSON shape (moto has no Image Builder backend), paginated for real;
  - serves recorded multi-page EC2 responses where a scenario asks for them
    (moto returns one page whatever MaxResults says);
  - injects faults a scenario asks for (AccessDenied on one operation in one
    region, throttling a given number of times, a call that hangs);
  - forwards everything else to moto unchanged, and counts every request by
    service, region and operation (GET /_emulator/counts).

It prints one JSON line on stdout: {"endpoint": URL, "ids": {...}} and serves
until its standard input closes (the test harness holds it open, and closing
it, or killing the process, stops everything).

Usage: emulator.py SCENARIO
"""
import concurrent.futures
import http.client
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid

import logging
import os

# Every account and region moto's EC2 backend starts loads thousands of
# default AMIs (seconds each); nothing here reads images.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

import boto3
from moto.server import ThreadedMotoServer

ACCOUNT = "123456789012"  # moto's default account


class Emulator:
    def __init__(self, moto_host, moto_port):
        self.moto = (moto_host, moto_port)
        # dicts: service, region, action, times (-1: always), and either
        # code, message, status (an error reply) or hang (seconds to hold the
        # request before closing the connection without a reply)
        self.faults = []
        self.recorded = {}  # (service, region, action) -> [page bodies]
        self.imagebuilder = {}  # region -> [infrastructure configuration dicts]
        self.page_size = 25
        self.counts = {}
        self.times = {}  # region -> [first, last] request time
        self.lock = threading.Lock()
        self.key_accounts = {}  # access key id from AssumeRole -> the account it lands in

    def count(self, key):
        now = time.monotonic()
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            span = self.times.setdefault(key[1], [now, now])
            span[1] = now

    def take_fault(self, service, region, action, body=""):
        with self.lock:
            for f in self.faults:
                if f["service"] == service and f.get("region") in (None, region) and f["action"] == action \
                        and f.get("match", "") in body:
                    if f.get("times", -1) == 0:
                        continue
                    if f.get("times", -1) > 0:
                        f["times"] -= 1
                    return f
        return None


def error_body(service, code, message):
    """An error in the protocol's own wire format, and its content type."""
    request_id = str(uuid.uuid4())
    if service == "ec2":
        return (f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>",
                "text/xml", {})
    if service == "sts":
        return (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                "text/xml", {})
    if service == "cloudtrail":
        return (json.dumps({"__type": code, "message": message}), "application/x-amz-json-1.1", {})
    return (json.dumps({"message": message}), "application/json", {"x-amzn-ErrorType": code})


def make_handler(emu):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type, headers=None):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path.startswith("/_emulator/times"):
                with emu.lock:
                    return self.reply(200, json.dumps(emu.times), "application/json")
            if self.path.startswith("/_emulator/counts"):
                with emu.lock:
                    counts = [{"service": k[0], "region": k[1], "action": k[2], "count": v} for k, v in emu.counts.items()]
                return self.reply(200, json.dumps(counts), "application/json")
            auth = self.headers.get("Authorization", "")
            m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
            region, service = m.groups() if m else ("", "")
            form = urllib.parse.parse_qs(body.decode(errors="replace")) if service in ("ec2", "sts") else {}
            target = self.headers.get("X-Amz-Target")
            if form.get("Action"):
                action = form["Action"][0]
            elif target:
                action = target.split(".")[-1]
            else:
                action = urllib.parse.urlparse(self.path).path.strip("/").split("/")[0]
            emu.count((service, region, action))
            fault = emu.take_fault(service, region, action, urllib.parse.unquote_plus(body.decode(errors="replace")))
            if fault and "hang" in fault:
                time.sleep(fault["hang"])
                self.close_connection = True
                return None
            if fault:
                text, ctype, headers = error_body(service, fault["code"], fault.get("message", fault["code"]))
                return self.reply(fault.get("status", 400), text, ctype, headers)
            pages = emu.recorded.get((service, region, action))
            if pages is not None:
                token = (form.get("NextToken") or [""])[0]
                index = int(token.split("-")[1]) if token.startswith("page-") else 0
                return self.reply(200, pages[index], "text/xml")
            if service == "imagebuilder":
                key = re.search(r"Credential=([^/]+)/", auth)
                account = emu.key_accounts.get(key.group(1) if key else "", ACCOUNT)
                return self.imagebuilder(region if account == ACCOUNT else (account, region), action, body)
            if action == "AssumeRole":
                return self.forward(body, assumed=(form.get("RoleArn") or [""])[0])
            return self.forward(body)

        def imagebuilder(self, region, action, body):
            configs = emu.imagebuilder.get(region, [])
            region = region if isinstance(region, str) else region[1]
            request_id = str(uuid.uuid4())
            if action == "ListInfrastructureConfigurations":
                args = json.loads(body or b"{}")
                start = int(args.get("nextToken") or 0)
                size = min(int(args.get("maxResults") or emu.page_size), emu.page_size)
                page = configs[start:start + size]
                out = {"requestId": request_id, "infrastructureConfigurationSummaryList": [
                    {"arn": c["arn"], "name": c["name"], "description": "", "dateCreated": "2026-01-10T12:00:00.000Z",
                     "tags": {}, "instanceTypes": [], "instanceProfileName": "EC2InstanceProfileForImageBuilder"}
                    for c in page]}
                if start + size < len(configs):
                    out["nextToken"] = str(start + size)
                return self.reply(200, json.dumps(out), "application/json")
            if action == "GetInfrastructureConfiguration":
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                arn = (query.get("infrastructureConfigurationArn") or [""])[0]
                for c in configs:
                    if c["arn"] == arn:
                        out = {"requestId": request_id, "infrastructureConfiguration": {
                            "arn": c["arn"], "name": c["name"], "subnetId": c["subnetId"],
                            "securityGroupIds": c.get("securityGroupIds", []),
                            "instanceProfileName": "EC2InstanceProfileForImageBuilder",
                            "terminateInstanceOnFailure": True, "dateCreated": "2026-01-10T12:00:00.000Z"}}
                        return self.reply(200, json.dumps(out), "application/json")
                text, ctype, headers = error_body("imagebuilder", "ResourceNotFoundException", f"{arn} not found")
                return self.reply(404, text, ctype, headers)
            text, ctype, headers = error_body("imagebuilder", "InvalidRequestException", f"{action} is not emulated")
            return self.reply(400, text, ctype, headers)

        def forward(self, body, assumed=None):
            conn = http.client.HTTPConnection(*emu.moto, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if assumed and resp.status == 200:
                key = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", data)
                if key:
                    with emu.lock:
                        emu.key_accounts[key.group(1).decode()] = assumed.split(":")[4]
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    return Handler


# ---------------------------------------------------------------- scenarios


def client(service, region, url, creds=None):
    # A session each: boto3's default session is not safe across threads.
    creds = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.session.Session().client(service, region_name=region, endpoint_url=url, **creds)


S3_EXAMPLE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject"],
              "Resource": ["arn:aws:s3:::ec2imagebuilder-toe-{r}-prod/*", "arn:aws:s3:::ec2imagebuilder-managed-resources-{r}-prod/components/*"]}]}
ORG_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}


def build_vpc(emu, url, region, n, *, private_dns=True, dns_hostnames=True, https=True, s3_policy=None,
              isolated=True, ssm=True, extra_endpoints=0, build=True, two_azs=True, creds=None, account=ACCOUNT):
    """One VPC with an Image Builder endpoint; returns its ids. `creds` and
    `account`: another account of an organization (see `member`)."""
    ec2 = client("ec2", region, url, creds)
    cidr = f"10.{n}.0.0/16"
    # Name tags, as reviewers name their resources: reports show them.
    def named(kind, name):
        return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=named("vpc", f"build-vpc-{n}"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": dns_hostnames})
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.{i}.0/24", AvailabilityZone=azs[i],
                                 TagSpecifications=named("subnet", f"build-{n}-{i}"))["Subnet"]["SubnetId"]
               for i in range(2)]
    sg = ec2.create_security_group(GroupName=f"endpoints-{n}", Description="endpoints", VpcId=vpc)["GroupId"]
    port = 443 if https else 22
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}])
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for s in subnets:
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=s)
    if not isolated:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    endpoint_subnets = subnets if two_azs else subnets[:1]
    ib = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{region}.imagebuilder",
                                 SubnetIds=endpoint_subnets, SecurityGroupIds=[sg], PrivateDnsEnabled=private_dns,
                                 TagSpecifications=named("vpc-endpoint", f"imagebuilder-{n}"))["VpcEndpoint"]["VpcEndpointId"]
    s3_args = dict(VpcId=vpc, VpcEndpointType="Gateway", ServiceName=f"com.amazonaws.{region}.s3", RouteTableIds=[rtb])
    policy = json.loads(json.dumps(s3_policy).replace("{r}", region)) if s3_policy else None
    if policy:
        s3_args["PolicyDocument"] = json.dumps(policy)
    s3 = ec2.create_vpc_endpoint(**s3_args)["VpcEndpoint"]["VpcEndpointId"]
    if ssm:
        for svc in ("ssm", "ssmmessages"):
            ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{region}.{svc}",
                                    SubnetIds=subnets, SecurityGroupIds=[sg], PrivateDnsEnabled=True)
    for i in range(extra_endpoints):
        ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{region}.service{i}",
                                SubnetIds=subnets[:1], SecurityGroupIds=[sg], PrivateDnsEnabled=False)
    if build:
        emu.imagebuilder.setdefault(region if account == ACCOUNT else (account, region), []).append({
            "arn": f"arn:aws:imagebuilder:{region}:{account}:infrastructure-configuration/build-{n}",
            "name": f"build-{n}", "subnetId": subnets[1], "securityGroupIds": [sg]})
    return {"vpc": vpc, "subnets": subnets, "sg": sg, "rtb": rtb, "imagebuilder": ib, "s3": s3}


def trail(url, region, name, *, multi_region=True, logging=True, read_write="All", creds=None):
    s3 = client("s3", region, url, creds)
    bucket = f"trail-{name}-{uuid.uuid4().hex[:8]}"
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    ct = client("cloudtrail", region, url, creds)
    arn = ct.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi_region)["TrailARN"]
    ct.put_event_selectors(TrailName=name, EventSelectors=[{"ReadWriteType": read_write, "IncludeManagementEvents": True}])
    if logging:
        ct.start_logging(Name=name)
    return arn


def scenario_basic(emu, url):
    ids = {}
    ids["use1"] = build_vpc(emu, url, "us-east-1", 1, s3_policy=S3_EXAMPLE)
    ids["use1_org"] = build_vpc(emu, url, "us-east-1", 2, s3_policy=ORG_ONLY, build=False)
    ids["euw1"] = build_vpc(emu, url, "eu-west-1", 3, private_dns=False, two_azs=False)
    ids["apse2"] = build_vpc(emu, url, "ap-southeast-2", 4, dns_hostnames=False, https=False, ssm=False)
    ids["trail"] = trail(url, "us-east-1", "main", multi_region=True)
    ids["trail_off"] = trail(url, "eu-west-1", "paused", multi_region=False, logging=False)
    return ids


def scenario_scale(emu, url, endpoints_total, vpcs_total):
    """`vpcs_total` VPCs over three regions holding `endpoints_total` endpoints."""
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    per_vpc = endpoints_total // vpcs_total
    ids = {"vpcs": []}
    for i in range(vpcs_total):
        region = regions[i % 3]
        # Each VPC: Image Builder, S3 and two SSM endpoints, plus others up to per_vpc.
        v = build_vpc(emu, url, region, i + 10, private_dns=(i % 5 != 0), https=(i % 7 != 0), extra_endpoints=per_vpc - 4)
        ids["vpcs"].append({"region": region, **v})
    ids["trail"] = trail(url, "us-east-1", "main", multi_region=True)
    return ids


def scenario_faults(emu, url):
    ids = scenario_basic(emu, url)
    emu.faults.append({"service": "ec2", "region": "eu-west-1", "action": "DescribeSecurityGroups", "status": 403,
                       "code": "UnauthorizedOperation", "message": "You are not authorized to perform this operation.", "times": -1})
    emu.faults.append({"service": "ec2", "region": "us-east-1", "action": "DescribeVpcEndpoints", "status": 503,
                       "code": "RequestLimitExceeded", "message": "Request limit exceeded.", "times": 2})
    emu.faults.append({"service": "imagebuilder", "region": "ap-southeast-2", "action": "ListInfrastructureConfigurations",
                       "status": 429, "code": "ThrottlingException", "message": "Rate exceeded", "times": 1})
    return ids


def scenario_throttled_forever(emu, url):
    ids = scenario_basic(emu, url)
    emu.faults.append({"service": "ec2", "region": "eu-west-1", "action": "DescribeVpcEndpoints", "status": 503,
                       "code": "RequestLimitExceeded", "message": "Request limit exceeded.", "times": -1})
    return ids


def scenario_hung(emu, url):
    """The basic account, with one call in one region that never answers."""
    ids = scenario_basic(emu, url)
    emu.faults.append({"service": "ec2", "region": "eu-west-1", "action": "DescribeSecurityGroups",
                       "hang": 3600, "times": -1})
    return ids


def scenario_pagination(emu, url):
    """Recorded two-page DescribeVpcEndpoints in AWS's wire format, with endpoint
    states as AWS sends them (lower-case and camel case), and enough Image
    Builder configurations for three pages."""
    ids = {}
    region = "us-west-2"
    ec2 = client("ec2", region, url)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ids["vpc"] = vpc

    def item(eid, state, service, private_dns):
        return (f"<item><vpcEndpointId>{eid}</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>{vpc}</vpcId>"
                f"<serviceName>com.amazonaws.{region}.{service}</serviceName><state>{state}</state>"
                f"<policyDocument>{{&quot;Statement&quot;:[{{&quot;Effect&quot;:&quot;Allow&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Action&quot;:&quot;*&quot;,&quot;Resource&quot;:&quot;*&quot;}}]}}</policyDocument>"
                f"<routeTableIdSet/><subnetIdSet/><groupSet/><privateDnsEnabled>{str(private_dns).lower()}</privateDnsEnabled>"
                f"<requesterManaged>false</requesterManaged><networkInterfaceIdSet/><dnsEntrySet/>"
                f"<creationTimestamp>2026-01-10T12:00:00.000Z</creationTimestamp><tagSet/><ownerId>{ACCOUNT}</ownerId></item>")
    head = '<?xml version="1.0" encoding="UTF-8"?><DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>'
    page1 = head + "<vpcEndpointSet>" + item("vpce-0aaa000000000001", "available", "imagebuilder", True) + \
        item("vpce-0aaa000000000002", "pendingAcceptance", "imagebuilder", True) + \
        "</vpcEndpointSet><nextToken>page-1</nextToken></DescribeVpcEndpointsResponse>"
    page2 = head + "<vpcEndpointSet>" + item("vpce-0aaa000000000003", "failed", "imagebuilder", False) + \
        item("vpce-0aaa000000000004", "Available", "ssm", True) + "</vpcEndpointSet></DescribeVpcEndpointsResponse>"
    emu.recorded[("ec2", region, "DescribeVpcEndpoints")] = [page1, page2]
    emu.page_size = 2
    for i in range(5):
        emu.imagebuilder.setdefault(region, []).append({
            "arn": f"arn:aws:imagebuilder:{region}:{ACCOUNT}:infrastructure-configuration/page-{i}",
            "name": f"page-{i}", "subnetId": f"subnet-0{i:016x}", "securityGroupIds": []})
    return ids


def scenario_expired_credentials(emu, url):
    emu.faults.append({"service": "sts", "action": "GetCallerIdentity", "status": 403, "code": "ExpiredToken",
                       "message": "The security token included in the request is expired", "times": -1})
    return {}


def member(url, account_id):
    """Credentials that land in `account_id`: moto maps the keys an AssumeRole
    returns to the role's account."""
    sts = client("sts", "us-east-1", url)
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                        RoleSessionName="seed")["Credentials"]
    return {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"]}


def organization(url, count):
    """An organization managed by moto's default account, with `count` member
    accounts named member-01...; returns (organization id, [(name, id)])."""
    org = client("organizations", "us-east-1", url)
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    members = []
    for i in range(count):
        name = f"member-{i + 1:02d}"
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        members.append((name, status["AccountId"]))
    return org_id, members


# What each member of the organization scenario holds: (region, build_vpc options).
ORG_MEMBERS = [
    [("us-east-1", {})],
    [("us-east-1", {"private_dns": False})],
    [("eu-west-1", {"https": False})],
    [("us-east-1", {"dns_hostnames": False}), ("eu-west-1", {})],
    [("us-east-1", {"two_azs": False})],
    None,  # refused: AssumeRole is denied
    [("eu-west-1", {"s3_policy": ORG_ONLY})],
    [("us-east-1", {"ssm": False})],
    [("us-east-1", {}), ("eu-west-1", {"private_dns": False})],
    [("eu-west-1", {"build": False})],
    [("us-east-1", {"isolated": False})],
    None,  # suspended
]


def scenario_org(emu, url):
    """A management account (moto's default, read with its own credentials)
    and twelve members, each with its own findings; one refuses the audit
    role, one is suspended."""
    org_id, members = organization(url, len(ORG_MEMBERS))
    ids = {"organization": org_id, "management": ACCOUNT, "accounts": {}}
    ids["management_vpc"] = build_vpc(emu, url, "us-east-1", 1, s3_policy=S3_EXAMPLE)
    trail(url, "us-east-1", "org-main")
    for n, ((name, account), plan) in enumerate(zip(members, ORG_MEMBERS)):
        ids["accounts"][name] = account
        if plan is None:
            continue
        creds = member(url, account)
        for k, (region, options) in enumerate(plan):
            build_vpc(emu, url, region, 20 + 2 * n + k, creds=creds, account=account, **options)
    refused, suspended = members[5][1], members[11][1]
    ids["refused"], ids["suspended"] = refused, suspended
    emu.faults.append({"service": "sts", "action": "AssumeRole", "status": 403, "code": "AccessDenied",
                       "match": f"arn:aws:iam::{refused}:role/",
                       "message": f"User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: "
                                  f"sts:AssumeRole on resource: arn:aws:iam::{refused}:role/ibaudit-audit",
                       "times": -1})
    client("organizations", "us-east-1", url).close_account(AccountId=suspended)
    return ids


def scenario_org_deadline(emu, url):
    """The organization scenario, with the AssumeRole into one readable member
    hanging: the member in the middle of the accounts in id order, so that
    with one account at a time the ones before it are read, and the deadline
    finds it in progress and the ones after it not started."""
    ids = scenario_org(emu, url)
    skip = {ids["refused"], ids["suspended"], ACCOUNT}
    ordered = sorted([ACCOUNT] + list(ids["accounts"].values()))
    middle = len(ordered) // 2
    hung = min((a for a in ordered if a not in skip), key=lambda a: abs(ordered.index(a) - middle))
    ids["hung"] = hung
    emu.faults.insert(0, {"service": "sts", "action": "AssumeRole", "match": f"arn:aws:iam::{hung}:role/",
                          "hang": 3600, "times": -1})
    return ids


def scenario_org_bench(emu, url, count):
    """`count` accounts (the management one included), each with one VPC in
    each of three regions."""
    org_id, members = organization(url, count - 1)
    ids = {"organization": org_id, "management": ACCOUNT, "accounts": dict(members)}
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]

    def seed(n, account):
        creds = None if account == ACCOUNT else member(url, account)
        for k, region in enumerate(regions):
            build_vpc(emu, url, region, (n * 3 + k) % 250, creds=creds, account=account, private_dns=(n % 2 == 0))

    # Accounts are independent: seed several at once (moto's server is threaded).
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for f in [pool.submit(seed, n, a) for n, a in enumerate([ACCOUNT] + [a for _, a in members])]:
            f.result()
    return ids


SCENARIOS = {
    "org": scenario_org,
    "org-deadline": scenario_org_deadline,
    "org-bench-10": lambda emu, url: scenario_org_bench(emu, url, 10),
    "org-bench-50": lambda emu, url: scenario_org_bench(emu, url, 50),
    "org-bench-100": lambda emu, url: scenario_org_bench(emu, url, 100),
    "expired-credentials": scenario_expired_credentials,
    "basic": scenario_basic,
    "faults": scenario_faults,
    "throttled-forever": scenario_throttled_forever,
    "hung": scenario_hung,
    "pagination": scenario_pagination,
    "scale": lambda emu, url: scenario_scale(emu, url, 300, 50),
    "bench": lambda emu, url: scenario_scale(emu, url, 1000, 100),
}


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    name = sys.argv[1]
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    emu = Emulator(host, port)
    ids = SCENARIOS[name](emu, f"http://{host}:{port}")
    with emu.lock:
        emu.counts.clear()
        emu.times.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(emu))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{server.server_address[1]}", "account": ACCOUNT, "ids": ids}), flush=True)
    sys.stdin.read()  # until the harness closes it
    server.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
