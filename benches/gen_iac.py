#!/usr/bin/env python3
"""Generates the IaC benchmark inputs: a Terraform JSON plan of N resource
instances and a CloudFormation template of M resources, deterministic.

Usage: gen_iac.py OUT_DIR [--plan-resources 20000] [--template-resources 2000]

The plan follows HashiCorp's "JSON Output Format" (format_version 1.2): one
module (`module.vpc`, for_each) whose every instance is an Image Builder VPC
(a VPC, two subnets, a route table and its associations, a security group
and its HTTPS rule, imagebuilder/ssm/ssmmessages interface endpoints, an S3
gateway endpoint, an infrastructure configuration), every id known only
after apply and resolved through `configuration`, plus as many resources of
types no rule reads (IAM roles, S3 buckets), as a real plan has. One VPC in
ten has private DNS off on its Image Builder endpoint.
"""
import argparse
import json
import os

U = True


def plan(n_resources):
    per_vpc = 13
    irrelevant = n_resources // 2
    vpcs = max(1, (n_resources - irrelevant) // per_vpc)
    irrelevant = n_resources - vpcs * per_vpc
    changes = []

    def rc(address, module, typ, name, after, unknown, index=None):
        d = {"address": address, "module_address": module, "mode": "managed", "type": typ, "name": name}
        if index is not None:
            d["index"] = index
        d["provider_name"] = "registry.terraform.io/hashicorp/aws"
        d["change"] = {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                       "before_sensitive": False, "after_sensitive": {}}
        changes.append(d)

    for v in range(vpcs):
        m = f'module.vpc["v{v:05d}"]'
        p = m + "."
        rc(p + "aws_vpc.this", m, "aws_vpc", "this",
           {"cidr_block": "10.0.0.0/16", "enable_dns_support": True, "enable_dns_hostnames": True, "tags": {"Name": f"build-{v}"}},
           {"id": U, "arn": U, "default_route_table_id": U, "default_security_group_id": U, "main_route_table_id": U, "owner_id": U})
        for i, az in enumerate(["us-east-1a", "us-east-1b"]):
            rc(p + f"aws_subnet.private[{i}]", m, "aws_subnet", "private",
               {"cidr_block": f"10.0.{i}.0/24", "availability_zone": az, "tags": None},
               {"id": U, "arn": U, "vpc_id": U}, index=i)
        rc(p + "aws_route_table.private", m, "aws_route_table", "private", {"tags": None}, {"id": U, "vpc_id": U, "route": U})
        for i in range(2):
            rc(p + f"aws_route_table_association.private[{i}]", m, "aws_route_table_association", "private",
               {"gateway_id": None}, {"id": U, "route_table_id": U, "subnet_id": U}, index=i)
        rc(p + "aws_security_group.endpoints", m, "aws_security_group", "endpoints",
           {"name": f"endpoints-{v}", "description": "Managed by Terraform"}, {"id": U, "vpc_id": U, "ingress": U, "egress": U})
        rc(p + "aws_vpc_security_group_ingress_rule.https", m, "aws_vpc_security_group_ingress_rule", "https",
           {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "10.0.0.0/16"}, {"id": U, "security_group_id": U})
        for svc in ["imagebuilder", "ssm", "ssmmessages"]:
            rc(p + f'aws_vpc_endpoint.interface["{svc}"]', m, "aws_vpc_endpoint", "interface",
               {"service_name": f"com.amazonaws.us-east-1.{svc}", "vpc_endpoint_type": "Interface",
                "private_dns_enabled": not (svc == "imagebuilder" and v % 10 == 0)},
               {"id": U, "arn": U, "vpc_id": U, "subnet_ids": U, "security_group_ids": U, "policy": U, "state": U,
                "dns_entry": U, "network_interface_ids": U, "route_table_ids": U}, index=svc)
        rc(p + "aws_vpc_endpoint.s3", m, "aws_vpc_endpoint", "s3",
           {"service_name": "com.amazonaws.us-east-1.s3", "vpc_endpoint_type": "Gateway"},
           {"id": U, "vpc_id": U, "route_table_ids": U, "policy": U, "state": U})
        rc(p + "aws_imagebuilder_infrastructure_configuration.this", m, "aws_imagebuilder_infrastructure_configuration", "this",
           {"name": f"build-{v}", "instance_profile_name": "imagebuilder"}, {"id": U, "arn": U, "subnet_id": U, "security_group_ids": U})
    for i in range(irrelevant):
        kind = ["aws_iam_role", "aws_s3_bucket"][i % 2]
        rc(f"{kind}.r[{i}]", None, kind, "r",
           {"name": f"r-{i}", "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}), "tags": {"team": "platform", "cost-center": f"{i % 97}"}},
           {"id": U, "arn": U, "unique_id": U}, index=i)
        del changes[-1]["module_address"]

    def ref(*r):
        return {"references": list(r)}

    def res(addr, typ, expressions):
        name = addr.split(".")[1].split("[")[0]
        return {"address": addr, "mode": "managed", "type": typ, "name": name, "provider_config_key": "aws", "expressions": expressions, "schema_version": 0}

    module = {"resources": [
        res("aws_vpc.this", "aws_vpc", {"cidr_block": {"constant_value": "10.0.0.0/16"}}),
        res("aws_subnet.private", "aws_subnet", {"vpc_id": ref("aws_vpc.this.id", "aws_vpc.this")}),
        res("aws_route_table.private", "aws_route_table", {"vpc_id": ref("aws_vpc.this.id", "aws_vpc.this")}),
        res("aws_route_table_association.private", "aws_route_table_association",
            {"subnet_id": ref("aws_subnet.private", "count.index"), "route_table_id": ref("aws_route_table.private.id", "aws_route_table.private")}),
        res("aws_security_group.endpoints", "aws_security_group", {"vpc_id": ref("aws_vpc.this.id", "aws_vpc.this")}),
        res("aws_vpc_security_group_ingress_rule.https", "aws_vpc_security_group_ingress_rule",
            {"security_group_id": ref("aws_security_group.endpoints.id", "aws_security_group.endpoints")}),
        res("aws_vpc_endpoint.interface", "aws_vpc_endpoint",
            {"vpc_id": ref("aws_vpc.this.id", "aws_vpc.this"), "subnet_ids": ref("aws_subnet.private"),
             "security_group_ids": ref("aws_security_group.endpoints.id", "aws_security_group.endpoints"),
             "service_name": ref("each.key"), "private_dns_enabled": ref("each.key")}),
        res("aws_vpc_endpoint.s3", "aws_vpc_endpoint",
            {"vpc_id": ref("aws_vpc.this.id", "aws_vpc.this"), "route_table_ids": ref("aws_route_table.private.id", "aws_route_table.private")}),
        res("aws_imagebuilder_infrastructure_configuration.this", "aws_imagebuilder_infrastructure_configuration",
            {"subnet_id": ref("aws_subnet.private[0].id", "aws_subnet.private[0]", "aws_subnet.private"),
             "security_group_ids": ref("aws_security_group.endpoints.id", "aws_security_group.endpoints")}),
    ]}
    root = {"resources": [
        {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", "provider_config_key": "aws", "expressions": {}, "schema_version": 0},
        {"address": "aws_s3_bucket.r", "mode": "managed", "type": "aws_s3_bucket", "name": "r", "provider_config_key": "aws", "expressions": {}, "schema_version": 0},
    ], "module_calls": {"vpc": {"source": "./modules/vpc", "for_each_expression": {}, "module": module}}}
    return {
        "format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}}}, "root_module": root},
        "timestamp": "2026-12-01T10:00:00Z", "applyable": True, "complete": True, "errored": False,
    }, vpcs


def template(n_resources):
    per = 13
    groups = max(1, n_resources // per)
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Description: ibaudit benchmark template", "Resources:"]
    for g in range(groups):
        v = f"Vpc{g}"
        lines += [
            f"  {v}:", "    Type: AWS::EC2::VPC", "    Properties:", "      CidrBlock: 10.0.0.0/16",
            "      EnableDnsSupport: true", "      EnableDnsHostnames: true",
        ]
        for i, az in enumerate(["a", "b"]):
            lines += [f"  {v}Subnet{i}:", "    Type: AWS::EC2::Subnet", "    Properties:", f"      VpcId: !Ref {v}",
                      f"      CidrBlock: 10.0.{i}.0/24", f"      AvailabilityZone: !Sub '${{AWS::Region}}{az}'"]
        lines += [f"  {v}Routes:", "    Type: AWS::EC2::RouteTable", "    Properties:", f"      VpcId: !Ref {v}"]
        for i in range(2):
            lines += [f"  {v}Assoc{i}:", "    Type: AWS::EC2::SubnetRouteTableAssociation", "    Properties:",
                      f"      RouteTableId: !Ref {v}Routes", f"      SubnetId: !Ref {v}Subnet{i}"]
        lines += [f"  {v}Sg:", "    Type: AWS::EC2::SecurityGroup", "    Properties:", "      GroupDescription: endpoints",
                  f"      VpcId: !Ref {v}", "      SecurityGroupIngress:", "        - IpProtocol: tcp", "          FromPort: 443",
                  "          ToPort: 443", "          CidrIp: 10.0.0.0/16"]
        for svc in ["imagebuilder", "ssm", "ssmmessages"]:
            lines += [f"  {v}{svc.capitalize()}:", "    Type: AWS::EC2::VPCEndpoint", "    Properties:", f"      VpcId: !Ref {v}",
                      f"      ServiceName: !Sub 'com.amazonaws.${{AWS::Region}}.{svc}'", "      VpcEndpointType: Interface",
                      f"      PrivateDnsEnabled: {'false' if svc == 'imagebuilder' and g % 10 == 0 else 'true'}",
                      f"      SubnetIds: [!Ref {v}Subnet0, !Ref {v}Subnet1]", f"      SecurityGroupIds: [!Ref {v}Sg]"]
        lines += [f"  {v}S3:", "    Type: AWS::EC2::VPCEndpoint", "    Properties:", f"      VpcId: !Ref {v}",
                  "      ServiceName: !Sub 'com.amazonaws.${AWS::Region}.s3'", "      VpcEndpointType: Gateway",
                  f"      RouteTableIds: [!Ref {v}Routes]"]
        lines += [f"  {v}Build:", "    Type: AWS::ImageBuilder::InfrastructureConfiguration", "    Properties:",
                  f"      Name: build-{g}", "      InstanceProfileName: imagebuilder", f"      SubnetId: !Ref {v}Subnet0",
                  f"      SecurityGroupIds: [!Ref {v}Sg]"]
    return "\n".join(lines) + "\n", groups


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--plan-resources", type=int, default=20000)
    ap.add_argument("--template-resources", type=int, default=2000)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    doc, vpcs = plan(a.plan_resources)
    with open(os.path.join(a.out, "plan.json"), "w") as f:
        json.dump(doc, f, indent=2)
    text, groups = template(a.template_resources)
    with open(os.path.join(a.out, "template.yaml"), "w") as f:
        f.write(text)
    print(f"plan: {len(doc['resource_changes'])} resources ({vpcs} VPCs); template: {groups * 13} resources")


if __name__ == "__main__":
    main()
