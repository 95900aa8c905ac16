terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = "eu-west-1"
}

data "aws_region" "current" {}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "main"
  }
}

module "net" {
  source   = "./modules/net"
  for_each = toset(["eu", "us"])

  name = each.key
}

module "legacy" {
  count  = 2
  source = "./modules/net"
  name   = "legacy-${count.index}"
}

module "endpoints" {
  source  = "example/endpoints/aws"
  version = "1.0.0"
  vpc_id  = aws_vpc.main.id
}

module "not_installed" {
  source = "git::https://example.com/modules.git//vpc"
}
