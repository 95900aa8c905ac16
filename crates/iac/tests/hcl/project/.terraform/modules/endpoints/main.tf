variable "vpc_id" {}

resource "aws_vpc" "main" {
  cidr_block = "10.2.0.0/16"
}

resource "aws_vpc_endpoint" "this" {
  vpc_id       = var.vpc_id
  service_name = "com.amazonaws.eu-west-1.s3"
}

module "policy" {
  source = "./policy"
}
