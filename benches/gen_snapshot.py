#!/usr/bin/env python3
"""Writes a large synthetic snapshot for the audit benchmark.

Usage: gen_snapshot.py OUT.json [--regions 10] [--vpcs-per-region 100] [--endpoints-per-vpc 100]

Each VPC has one Image Builder endpoint, an S3 gateway endpoint, ssm and
ssmmessages endpoints and other interface endpoints up to the count, three
subnets in three zones, a security group, route tables and one
infrastructure configuration; one VPC in seven is broken in a few ways so
that the rules have findings to report.
"""
import argparse
import json

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
           "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"]
ACCOUNT = "111122223333"
CUSTOM_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "imagebuilder:*", "Resource": "*"}]})


def hexid(prefix, *parts):
    n = 0
    for p in parts:
        n = n * 1000 + p
    return f"{prefix}-0{n:016x}"


def endpoint(region, r, v, e, service, kind="Interface", **extra):
    ep = {
        "VpcEndpointId": hexid("vpce", r, v, e),
        "VpcEndpointType": kind,
        "VpcId": hexid("vpc", r, v),
        "ServiceName": f"com.amazonaws.{region}.{service}",
        "State": "available",
        "PolicyDocument": "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
        "RouteTableIds": [],
        "SubnetIds": [hexid("subnet", r, v, 1), hexid("subnet", r, v, 2)] if kind == "Interface" else [],
        "Groups": [{"GroupId": hexid("sg", r, v), "GroupName": "endpoints"}] if kind == "Interface" else [],
        "PrivateDnsEnabled": kind == "Interface",
        "RequesterManaged": False,
        "NetworkInterfaceIds": [hexid("eni", r, v, e, 1), hexid("eni", r, v, e, 2)] if kind == "Interface" else [],
        "DnsEntries": [{"DnsName": f"{hexid('vpce', r, v, e)}-abcd.{service}.{region}.vpce.amazonaws.com",
                        "HostedZoneId": "Z7HUB22UULQXV"}] if kind == "Interface" else [],
        "CreationTimestamp": "2026-01-10T12:00:00.000Z",
        "Tags": [{"Key": "team", "Value": "platform"}],
        "OwnerId": ACCOUNT,
    }
    ep.update(extra)
    return ep


def region_data(r, region, vpcs, per_vpc):
    eps, vpc_list, attrs, subnets, sgs, rts, configs, summaries = [], [], [], [], [], [], [], []
    for v in range(vpcs):
        vpc_id = hexid("vpc", r, v)
        broken = v % 7 == 3
        cidr = f"10.{v % 256}.0.0/16"
        vpc_list.append({"VpcId": vpc_id, "CidrBlock": cidr, "State": "available",
                         "CidrBlockAssociationSet": [{"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}],
                         "IsDefault": False, "OwnerId": ACCOUNT})
        attrs.append({"VpcId": vpc_id, "EnableDnsSupport": {"Value": True}})
        attrs.append({"VpcId": vpc_id, "EnableDnsHostnames": {"Value": not broken}})
        for s in range(3):
            subnets.append({"SubnetId": hexid("subnet", r, v, s), "VpcId": vpc_id,
                            "AvailabilityZone": f"{region}{'abc'[s]}", "CidrBlock": f"10.{v % 256}.{s}.0/24"})
        sgs.append({"GroupId": hexid("sg", r, v), "GroupName": "endpoints", "VpcId": vpc_id, "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 22 if broken else 443, "ToPort": 22 if broken else 443,
             "IpRanges": [{"CidrIp": cidr}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}]})
        rt_id = hexid("rtb", r, v)
        rts.append({"RouteTableId": rt_id, "VpcId": vpc_id, "Associations": [{"Main": True, "RouteTableAssociationId": hexid("rtbassoc", r, v)}],
                    "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}]
                    + ([] if broken else [{"DestinationPrefixListId": "pl-63a5400a", "GatewayId": hexid("vpce", r, v, 1), "State": "active", "Origin": "CreateRoute"}])})
        eps.append(endpoint(region, r, v, 0, "imagebuilder", PrivateDnsEnabled=not broken,
                            **({"PolicyDocument": CUSTOM_POLICY} if broken else {})))
        if not broken:
            eps.append(endpoint(region, r, v, 1, "s3", kind="Gateway", RouteTableIds=[rt_id]))
        eps.append(endpoint(region, r, v, 2, "ssm"))
        eps.append(endpoint(region, r, v, 3, "ssmmessages"))
        for e in range(4, per_vpc + (1 if broken else 0)):
            eps.append(endpoint(region, r, v, e, f"service{e}"))
        arn = f"arn:aws:imagebuilder:{region}:{ACCOUNT}:infrastructure-configuration/build-{v}"
        summaries.append({"arn": arn, "name": f"build-{v}"})
        configs.append({"infrastructureConfiguration": {"arn": arn, "name": f"build-{v}",
                                                        "subnetId": hexid("subnet", r, v, 2),
                                                        "securityGroupIds": [hexid("sg", r, v)]}})
    trail_arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org"
    data = {
        "region": region,
        "DescribeVpcEndpoints": {"VpcEndpoints": eps},
        "DescribeVpcs": {"Vpcs": vpc_list},
        "DescribeVpcAttribute": attrs,
        "DescribeSubnets": {"Subnets": subnets},
        "DescribeSecurityGroups": {"SecurityGroups": sgs},
        "DescribeRouteTables": {"RouteTables": rts},
        "DescribePrefixLists": {"PrefixLists": [{"PrefixListId": "pl-63a5400a", "PrefixListName": f"com.amazonaws.{region}.s3", "Cidrs": []}]},
        "DescribeTrails": {"trailList": [{"Name": "org", "TrailARN": trail_arn, "HomeRegion": "us-east-1", "IsMultiRegionTrail": True}]},
        "ListInfrastructureConfigurations": {"infrastructureConfigurationSummaryList": summaries},
        "GetInfrastructureConfiguration": configs,
    }
    if region == "us-east-1":
        data["GetTrailStatus"] = {trail_arn: {"IsLogging": True}}
        data["GetEventSelectors"] = {trail_arn: {"TrailARN": trail_arn, "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}}
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--regions", type=int, default=10)
    ap.add_argument("--vpcs-per-region", type=int, default=100)
    ap.add_argument("--endpoints-per-vpc", type=int, default=100)
    a = ap.parse_args()
    regions = REGIONS[: a.regions]
    snapshot = {
        "ibaudit_snapshot": 1,
        "collected_at": "2026-11-26T07:00:00Z",
        "collector": {"name": "ibaudit", "version": "0.1.0"},
        "accounts": [{"account_id": ACCOUNT, "partition": "aws",
                      "regions": [region_data(r, reg, a.vpcs_per_region, a.endpoints_per_vpc) for r, reg in enumerate(regions)]}],
    }
    with open(a.out, "w") as f:
        json.dump(snapshot, f, indent=1)


if __name__ == "__main__":
    main()
