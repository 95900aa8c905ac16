  resource "aws_vpc_endpoint_policy" "this" {
    vpc_endpoint_id = "vpce-0123"
  }
