variable "name" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_vpc_endpoint" "ib" {
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.imagebuilder"
  vpc_endpoint_type = "Interface"
  subnet_ids        = module.subnets.ids
}

module "subnets" {
  source = "../subnets"
  vpc_id = aws_vpc.main.id
}
