resource "aws_vpc" "nested" {}
