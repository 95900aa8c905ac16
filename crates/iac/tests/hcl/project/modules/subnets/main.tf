variable "vpc_id" {
  type = string
}

resource "aws_route" "r" {
  route_table_id         = "rtb-0123"
  destination_cidr_block = "0.0.0.0/0"
}

output "ids" {
  value = []
}
