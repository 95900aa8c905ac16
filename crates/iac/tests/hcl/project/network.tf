# Subnets and security groups.

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = "eu-west-1a"
}

resource "aws_security_group" "endpoints" {
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }

  ingress {
    from_port = 80
    to_port   = 80
    protocol  = "tcp"
  }

  dynamic "egress" {
    for_each = var.egress
    content {
      from_port = egress.value
      to_port   = egress.value
      protocol  = "tcp"
    }
  }
}

resource "aws_vpc_endpoint" "ib" { vpc_id = aws_vpc.main.id }

/* Private ✓ */ resource "aws_route_table" "private" {
	vpc_id = aws_vpc.main.id
}

resource aws_subnet keyed {
  for_each = { "a.b" = 1, "c[\"d\"]" = 2 }
}
