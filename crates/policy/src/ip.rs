//! IPv4 and IPv6 ranges: parsing, containment and overlap.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cidr {
    V4(u32, u8),
    V6(u128, u8),
}

impl Cidr {
    /// `10.0.0.0/16`, `2600:1f18::/56`.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, len) = s.trim().split_once('/')?;
        let len: u8 = len.parse().ok()?;
        if let Ok(a) = addr.parse::<Ipv4Addr>() {
            (len <= 32).then_some(Cidr::V4(u32::from(a), len))
        } else {
            let a = addr.parse::<Ipv6Addr>().ok()?;
            (len <= 128).then_some(Cidr::V6(u128::from(a), len))
        }
    }

    /// A CIDR, or a single address as a /32 or /128 (as IAM's IpAddress accepts).
    pub fn parse_range(s: &str) -> Option<Cidr> {
        if s.contains('/') {
            return Cidr::parse(s);
        }
        match s.trim().parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => Some(Cidr::V4(u32::from(a), 32)),
            IpAddr::V6(a) => Some(Cidr::V6(u128::from(a), 128)),
        }
    }

    /// Two ranges overlap when they agree on the shorter prefix.
    pub fn overlaps(self, other: Cidr) -> bool {
        match (self, other) {
            (Cidr::V4(a, la), Cidr::V4(b, lb)) => {
                let mask = mask32(la.min(lb));
                a & mask == b & mask
            }
            (Cidr::V6(a, la), Cidr::V6(b, lb)) => {
                let mask = mask128(la.min(lb));
                a & mask == b & mask
            }
            _ => false,
        }
    }

    /// Whether `other` lies entirely inside this range.
    pub fn contains(self, other: Cidr) -> bool {
        match (self, other) {
            (Cidr::V4(a, la), Cidr::V4(b, lb)) => lb >= la && a & mask32(la) == b & mask32(la),
            (Cidr::V6(a, la), Cidr::V6(b, lb)) => lb >= la && a & mask128(la) == b & mask128(la),
            _ => false,
        }
    }

    pub fn is_default_route(s: &str) -> bool {
        matches!(Cidr::parse(s), Some(Cidr::V4(_, 0)) | Some(Cidr::V6(_, 0)))
    }
}

fn mask32(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

fn mask128(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

#[cfg(test)]
mod tests {
    use super::Cidr;

    fn overlap(a: &str, b: &str) -> bool {
        Cidr::parse(a).unwrap().overlaps(Cidr::parse(b).unwrap())
    }

    #[test]
    fn overlaps() {
        assert!(overlap("10.0.0.0/16", "10.0.3.0/24"));
        assert!(overlap("10.0.3.0/24", "10.0.0.0/16"));
        assert!(overlap("0.0.0.0/0", "192.168.1.0/24"));
        assert!(!overlap("10.1.0.0/16", "10.0.0.0/16"));
        assert!(overlap("10.0.0.5/32", "10.0.0.0/28"));
        assert!(!overlap("172.16.0.0/12", "172.32.0.0/16"));
        assert!(overlap("2600:1f18::/56", "2600:1f18:0:10::/64"));
        assert!(!overlap("2600:1f18::/56", "2600:1f19::/56"));
        assert!(!overlap("::/0", "10.0.0.0/8"));
    }

    #[test]
    fn contains() {
        let r = |s| Cidr::parse_range(s).unwrap();
        assert!(r("203.0.113.0/24").contains(r("203.0.113.7")));
        assert!(!r("203.0.113.0/24").contains(r("203.0.114.7")));
        assert!(r("203.0.113.7").contains(r("203.0.113.7")));
        assert!(!r("10.0.0.0/24").contains(r("10.0.0.0/16")));
        assert!(r("2001:db8::/32").contains(r("2001:db8::1")));
        assert!(!r("2001:db8::/32").contains(r("10.0.0.1")));
    }

    #[test]
    fn rejects_garbage() {
        for s in ["10.0.0.0", "10.0.0.0/33", "x/8", "::/129", ""] {
            assert_eq!(Cidr::parse(s), None, "{s}");
        }
        assert!(Cidr::is_default_route("0.0.0.0/0"));
        assert!(Cidr::is_default_route("::/0"));
        assert!(!Cidr::is_default_route("10.0.0.0/8"));
    }
}
