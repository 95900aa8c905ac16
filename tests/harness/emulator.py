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

Usage: emulator.py SCENARIO [ARGS...]  (cfn-twin TEMPLATE [REGION]: see scenario_cfn_twin)
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


# Security Hub's operations by method and path, from its service model.
SECURITYHUB_PATHS = {
    ("POST", "/findings/import"): "BatchImportFindings",
    ("POST", "/findings"): "GetFindings",
    ("POST", "/accounts"): "EnableSecurityHub",
    ("GET", "/accounts"): "DescribeHub",
}


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
            if self.path.startswith("/_emulator/faults"):
                # A test changes the faults mid-run: POST adds one (a JSON
                # object as in Emulator.faults), DELETE clears them all.
                with emu.lock:
                    if self.command == "DELETE":
                        emu.faults.clear()
                    else:
                        emu.faults.insert(0, json.loads(body))
                return self.reply(200, "{}", "application/json")
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
            elif service == "securityhub":
                # REST JSON: the operation is the method and path (the
                # service model's http.requestUri).
                action = SECURITYHUB_PATHS.get((self.command, urllib.parse.urlparse(self.path).path.rstrip("/")),
                                               self.path)
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


# ------------------------------------------- CloudFormation: the deployed twin
#
# `cfn-twin TEMPLATE [REGION]` deploys a CloudFormation template into moto's
# CloudFormation, as one stack, so that `ibaudit scan` of the account can be
# compared with `ibaudit iac TEMPLATE` (tests/it/iac_twin.rs). The fixture is
# never changed: a copy of it is transformed here, in memory, where moto 5.2.5
# falls short of CloudFormation, and what moto's CloudFormation cannot create,
# or creates wrong, is created or completed through the AWS API (or this
# harness's Image Builder endpoint) after the stack, from the resource's
# properties as the stack itself resolved them (outputs of the copy). Every
# such step is listed in the hello line's `workarounds`; a resource or
# property the twin does not know how to deploy faithfully stops it with a
# message instead of deploying something else.

# Always created after the stack, through the API: moto's CloudFormation has
# no such resource (Image Builder, CloudTrail, S3 bucket policies, managed
# prefix lists), or creates one that never shows where AWS shows it
# (a SubnetRouteTableAssociation is not in DescribeRouteTables).
CFN_AFTER_TYPES = {"AWS::EC2::SubnetRouteTableAssociation", "AWS::S3::BucketPolicy", "AWS::CloudTrail::Trail",
                   "AWS::ImageBuilder::InfrastructureConfiguration", "AWS::EC2::PrefixList"}
TWIN_OUTPUT = "TwinProperties"
TWIN_REF = "@twin:"  # a reference to a resource created after the stack, in its placeholder form


def load_template(path):
    """A template as CloudFormation reads it: JSON, or YAML with the short
    forms of the intrinsic functions (`!Ref`, `!GetAtt A.B`, ...) read into
    their long forms, as moto reads them."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    import yaml
    from moto.cloudformation.utils import yaml_tag_constructor

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", yaml_tag_constructor)
    return yaml.load(text, Loader=Loader)


def transform(node, fn):
    """`node` with `fn` applied to every value, innermost first."""
    if isinstance(node, dict):
        node = {k: transform(v, fn) for k, v in node.items()}
    elif isinstance(node, list):
        node = [transform(v, fn) for v in node]
    return fn(node)


def getatt(node):
    target = node["Fn::GetAtt"]
    return target.split(".", 1) if isinstance(target, str) else target


def sub_names(node):
    text = node["Fn::Sub"][0] if isinstance(node["Fn::Sub"], list) else node["Fn::Sub"]
    return {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text)} if isinstance(text, str) else set()


def references(node):
    """The logical ids `node` refers to (Ref, GetAtt, ${...} in Sub)."""
    out = set()

    def visit(n):
        if isinstance(n, dict):
            if isinstance(n.get("Ref"), str):
                out.add(n["Ref"])
            if "Fn::GetAtt" in n:
                out.add(getatt(n)[0])
            if "Fn::Sub" in n:
                out.update(sub_names(n))
        return n

    transform(node, visit)
    return out


def static_value(node, template, region):
    """A value the template fixes before anything is deployed: a literal, a
    parameter's default, a mapping entry, or a VPC's literal CIDR block."""
    if isinstance(node, (str, int)):
        return node
    if isinstance(node, dict) and "Ref" in node:
        if node["Ref"] == "AWS::Region":
            return region
        param = template.get("Parameters", {}).get(node["Ref"], {})
        if "Default" in param:
            return param["Default"]
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        name, attr = getatt(node)
        res = template["Resources"].get(name, {})
        if res.get("Type") == "AWS::EC2::VPC" and attr == "CidrBlock":
            return static_value(res["Properties"]["CidrBlock"], template, region)
    if isinstance(node, dict) and "Fn::FindInMap" in node:
        m, k1, k2 = (static_value(x, template, region) for x in node["Fn::FindInMap"])
        return template["Mappings"][m][k1][k2]
    raise SystemExit(f"cfn-twin: cannot resolve {json.dumps(node)} before deploying: extend static_value")


def cidr(block, count, bits):
    """Fn::Cidr: the first `count` subnets of `block` with `bits` host bits each."""
    import ipaddress
    net = ipaddress.ip_network(block, strict=False)
    return [str(s) for _, s in zip(range(int(count)), net.subnets(new_prefix=net.max_prefixlen - int(bits)))]


def truthy(v):
    return v is True or (isinstance(v, str) and v.lower() == "true")


def tag_specifications(kind, props):
    tags = props.get("Tags")
    return {"TagSpecifications": [{"ResourceType": kind, "Tags": tags}]} if tags else {}


def twin_after(ctx, k, kind, props):
    """Creates one resource the stack could not: returns its physical id,
    its attributes (for GetAtt) and what was done."""
    ec2, region, stack = ctx["ec2"], ctx["region"], ctx["stack"]
    if kind == "AWS::EC2::SubnetRouteTableAssociation":
        assoc = ec2.associate_route_table(RouteTableId=props["RouteTableId"], SubnetId=props["SubnetId"])["AssociationId"]
        return assoc, {"Id": assoc}, "moto's SubnetRouteTableAssociation never shows in DescribeRouteTables: AssociateRouteTable"
    if kind == "AWS::EC2::PrefixList":
        pl = ec2.create_managed_prefix_list(
            PrefixListName=props["PrefixListName"], AddressFamily=props["AddressFamily"],
            MaxEntries=int(props["MaxEntries"]), Entries=props.get("Entries", []),
            **tag_specifications("prefix-list", props))["PrefixList"]
        return pl["PrefixListId"], {"PrefixListId": pl["PrefixListId"], "Arn": pl["PrefixListArn"],
                                    "Version": pl["Version"], "OwnerId": pl["OwnerId"]}, \
            "not in moto's CloudFormation: CreateManagedPrefixList"
    if kind == "AWS::EC2::NatGateway":
        args = {"SubnetId": props["SubnetId"], "ConnectivityType": props.get("ConnectivityType", "public")}
        for key in ("AllocationId", "PrivateIpAddress"):
            if key in props:
                args[key] = props[key]
        nat = ec2.create_nat_gateway(**args, **tag_specifications("natgateway", props))["NatGateway"]["NatGatewayId"]
        return nat, {"NatGatewayId": nat}, "moto's CloudFormation needs an AllocationId and ignores ConnectivityType: CreateNatGateway"
    if kind == "AWS::EC2::Route":
        ec2.create_route(**props)
        dest = props.get("DestinationCidrBlock") or props.get("DestinationIpv6CidrBlock") or props.get("DestinationPrefixListId")
        return f"{props['RouteTableId']}|{dest}", {}, "refers to a resource created after the stack: CreateRoute"
    if kind == "AWS::EC2::SecurityGroupIngress":
        perm = {"IpProtocol": str(props["IpProtocol"])}
        for key in ("FromPort", "ToPort"):
            if key in props:
                perm[key] = int(props[key])
        if "CidrIp" in props:
            perm["IpRanges"] = [{"CidrIp": props["CidrIp"], **({"Description": props["Description"]} if "Description" in props else {})}]
        if "CidrIpv6" in props:
            perm["Ipv6Ranges"] = [{"CidrIpv6": props["CidrIpv6"]}]
        if "SourcePrefixListId" in props:
            perm["PrefixListIds"] = [{"PrefixListId": props["SourcePrefixListId"]}]
        if "SourceSecurityGroupId" in props:
            perm["UserIdGroupPairs"] = [{"GroupId": props["SourceSecurityGroupId"]}]
        rule = ec2.authorize_security_group_ingress(GroupId=props["GroupId"], IpPermissions=[perm])
        rule_id = rule.get("SecurityGroupRules", [{}])[0].get("SecurityGroupRuleId", props["GroupId"])
        return rule_id, {"Id": rule_id}, \
            "moto's CloudFormation ignores SourcePrefixListId and CidrIpv6: AuthorizeSecurityGroupIngress"
    if kind == "AWS::S3::BucketPolicy":
        client("s3", region, ctx["url"]).put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"]))
        return props["Bucket"], {}, "not in moto's CloudFormation: PutBucketPolicy"
    if kind == "AWS::CloudTrail::Trail":
        ct = client("cloudtrail", region, ctx["url"])
        name = props.get("TrailName") or f"{stack}-{k}"
        args = {"Name": name, "S3BucketName": props["S3BucketName"]}
        for key in ("IsMultiRegionTrail", "IncludeGlobalServiceEvents", "EnableLogFileValidation", "IsOrganizationTrail"):
            if key in props:
                args[key] = truthy(props[key])
        for key in ("S3KeyPrefix", "SnsTopicName", "KmsKeyId", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"):
            if key in props:
                args[key] = props[key]
        arn = ct.create_trail(**args)["TrailARN"]
        done = ["CreateTrail"]
        selectors = {}
        if "EventSelectors" in props:
            selectors["EventSelectors"] = [
                {**s, **({"IncludeManagementEvents": truthy(s["IncludeManagementEvents"])} if "IncludeManagementEvents" in s else {})}
                for s in props["EventSelectors"]]
        if "AdvancedEventSelectors" in props:
            selectors["AdvancedEventSelectors"] = props["AdvancedEventSelectors"]
        if selectors:
            ct.put_event_selectors(TrailName=name, **selectors)
            done.append("PutEventSelectors")
        if truthy(props.get("IsLogging")):
            ct.start_logging(Name=name)
            done.append("StartLogging")
        return name, {"Arn": arn}, "not in moto's CloudFormation: " + ", ".join(done)
    if kind == "AWS::ImageBuilder::InfrastructureConfiguration":
        name = props["Name"]
        arn = f"arn:aws:imagebuilder:{region}:{ACCOUNT}:infrastructure-configuration/{name.lower()}"
        ctx["emu"].imagebuilder.setdefault(region, []).append({
            "arn": arn, "name": name, "subnetId": props.get("SubnetId", ""),
            "securityGroupIds": props.get("SecurityGroupIds", [])})
        return arn, {"Arn": arn, "Name": name}, "moto has no Image Builder: served by the harness's Image Builder endpoint"
    raise SystemExit(f"cfn-twin: {k}: cannot create a {kind} after the stack: extend twin_after")


def scenario_cfn_twin(emu, url, path, region="us-east-1"):
    from moto.cloudformation.parsing import get_model_map

    template = load_template(path)
    resources = template["Resources"]
    stack = "twin-" + re.sub(r"[^A-Za-z0-9]", "-", os.path.splitext(os.path.basename(path))[0])
    workarounds = []
    noted = set()

    def note(text):
        if text not in noted:
            noted.add(text)
            workarounds.append(text)

    # What is created after the stack: what moto cannot create right, and
    # whatever refers to it (the stack cannot resolve the reference).
    def moto_falls_short(r):
        props = r.get("Properties", {})
        return r["Type"] in CFN_AFTER_TYPES \
            or (r["Type"] == "AWS::EC2::NatGateway" and props.get("ConnectivityType") == "private") \
            or (r["Type"] == "AWS::EC2::SecurityGroupIngress" and ({"SourcePrefixListId", "CidrIpv6"} & set(props)))

    after = {k for k, r in resources.items() if moto_falls_short(r)}
    while True:
        more = {k for k, r in resources.items() if k not in after and references(r.get("Properties", {})) & after}
        if not more:
            break
        after |= more
    supported = get_model_map()
    for k, r in resources.items():
        if k not in after and r["Type"] not in supported:
            raise SystemExit(f"cfn-twin: {k}: moto's CloudFormation has no {r['Type']}: handle it in emulator.py")
        if "Condition" in r and k in after:
            raise SystemExit(f"cfn-twin: {k}: a conditional resource created after the stack is not supported")
        if r["Type"] == "AWS::EC2::SecurityGroup":
            for rule in r.get("Properties", {}).get("SecurityGroupIngress", []) + r.get("Properties", {}).get("SecurityGroupEgress", []):
                if {"SourcePrefixListId", "CidrIpv6", "DestinationPrefixListId"} & set(rule) or "FromPort" not in rule:
                    raise SystemExit(f"cfn-twin: {k}: moto's CloudFormation drops this inline rule: {rule}")
        if r["Type"] == "AWS::EC2::Route" and k not in after and \
                {"DestinationPrefixListId", "DestinationIpv6CidrBlock", "VpcEndpointId", "CoreNetworkArn"} & set(r["Properties"]):
            raise SystemExit(f"cfn-twin: {k}: moto's CloudFormation drops part of this route")

    def fix(node, refs_after=False):
        """One value of the deployed copy: what moto resolves wrong resolved
        here; with `refs_after`, references to resources created after the
        stack as placeholders."""
        if not isinstance(node, dict):
            return node
        if refs_after and node.get("Ref") in after:
            return f"{TWIN_REF}{node['Ref']}"
        if refs_after and "Fn::GetAtt" in node and getatt(node)[0] in after:
            return f"{TWIN_REF}{'.'.join(getatt(node))}"
        if "Fn::Sub" in node and sub_names(node) & after:
            raise SystemExit(f"cfn-twin: Fn::Sub referring to {sub_names(node) & after}: not supported")
        if "Fn::GetAZs" in node and node["Fn::GetAZs"] != region:
            note(f"Fn::GetAZs {json.dumps(node['Fn::GetAZs'])}: moto resolves only a literal region (and \"\" as us-east-1 "
                 f"whatever the stack's region): given as \"{region}\"")
            return {"Fn::GetAZs": region}
        if "Fn::Cidr" in node:
            block, count, bits = node["Fn::Cidr"]
            value = cidr(static_value(block, template, region), count, bits)
            note(f"Fn::Cidr: moto does not resolve it: given as its value, {value}")
            return value
        return node

    copy = {k: v for k, v in template.items() if k not in ("Resources", "Outputs")}
    copy["Resources"] = {}
    copy["Outputs"] = {}
    for k, r in resources.items():
        props = transform(r.get("Properties", {}), lambda n: fix(n, refs_after=True))
        if k in after:
            copy["Outputs"][f"{TWIN_OUTPUT}{k}"] = {"Value": {"Fn::ToJsonString": props}}
            continue
        r = transform(r, fix)
        depends = r.get("DependsOn")
        if depends:
            r["DependsOn"] = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in after]
            if not r["DependsOn"]:
                del r["DependsOn"]
        props = r.get("Properties", {})
        if r["Type"] == "AWS::EC2::VPCEndpoint":
            if isinstance(props.get("PolicyDocument"), dict):
                props["PolicyDocument"] = {"Fn::ToJsonString": props["PolicyDocument"]}
                note(f"{k}: moto keeps a PolicyDocument object as its Python repr: given as JSON text (Fn::ToJsonString)")
            # CloudFormation's defaults (AWS::EC2::VPCEndpoint's resource
            # schema, as cfn-lint carries it); moto applies neither.
            defaults = [("VpcEndpointType", "Gateway")]
            if props.get("VpcEndpointType", "Gateway") == "Interface":
                defaults.append(("PrivateDnsEnabled", False))
            for key, default in defaults:
                if key not in props:
                    props[key] = default
                    note(f"{k}: moto leaves {key} out of DescribeVpcEndpoints when the template does not set it: "
                         f"given CloudFormation's default, {json.dumps(default)}")
        if r["Type"] == "AWS::EC2::VPC" and {"EnableDnsSupport", "EnableDnsHostnames"} & set(props):
            # moto ignores both: set with ModifyVpcAttribute after the stack.
            attrs = {a: props[a] for a in ("EnableDnsSupport", "EnableDnsHostnames") if a in props}
            copy["Outputs"][f"{TWIN_OUTPUT}{k}"] = {"Value": {"Fn::ToJsonString": attrs}}
        copy["Resources"][k] = r

    cf = client("cloudformation", region, url)
    cf.create_stack(StackName=stack, TemplateBody=json.dumps(copy, default=str), Capabilities=["CAPABILITY_IAM"])
    described = cf.describe_stacks(StackName=stack)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        raise SystemExit(f"cfn-twin: stack {stack}: {described['StackStatus']} {described.get('StackStatusReason')}")
    physical = {}
    for page in cf.get_paginator("list_stack_resources").paginate(StackName=stack):
        for s in page["StackResourceSummaries"]:
            physical[s["LogicalResourceId"]] = s.get("PhysicalResourceId", "")
    outputs = {o["OutputKey"][len(TWIN_OUTPUT):]: json.loads(o["OutputValue"])
               for o in described.get("Outputs", []) if o["OutputKey"].startswith(TWIN_OUTPUT)}
    ec2 = client("ec2", region, url)

    for k, r in copy["Resources"].items():
        if r["Type"] == "AWS::EC2::VPC" and k in outputs:
            for attr, value in outputs[k].items():
                ec2.modify_vpc_attribute(VpcId=physical[k], **{attr: {"Value": truthy(value)}})
                note(f"{k}: moto's CloudFormation ignores {attr}: set with ModifyVpcAttribute after the stack")

    # The rest, in an order where each comes after what it refers to.
    ctx = {"emu": emu, "url": url, "region": region, "stack": stack, "ec2": ec2}
    attributes = {}
    pending = [k for k in resources if k in after]

    def resolved(node):
        if isinstance(node, str) and node.startswith(TWIN_REF):
            name, _, attr = node[len(TWIN_REF):].partition(".")
            return physical[name] if not attr else attributes[name][attr]
        return node

    while pending:
        ready = [k for k in pending
                 if not (references(resources[k].get("Properties", {})) | set(
                     [resources[k]["DependsOn"]] if isinstance(resources[k].get("DependsOn"), str)
                     else resources[k].get("DependsOn", []))) & set(pending)]
        if not ready:
            raise SystemExit(f"cfn-twin: a cycle among {pending}")
        for k in ready:
            kind = resources[k]["Type"]
            props = transform(outputs[k], resolved)
            physical[k], attributes[k], what = twin_after(ctx, k, kind, props)
            note(f"{k} ({kind}): {what}, after the stack")
            pending.remove(k)
    missing = sorted(set(resources) - set(physical))
    if missing:
        raise SystemExit(f"cfn-twin: no physical id for {missing}")
    return {"stack": stack, "region": region, "physical": physical,
            "types": {k: r["Type"] for k, r in resources.items()}, "workarounds": workarounds}


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
    "cfn-twin": scenario_cfn_twin,
}


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    name = sys.argv[1]
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    emu = Emulator(host, port)
    ids = SCENARIOS[name](emu, f"http://{host}:{port}", *sys.argv[2:])
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
