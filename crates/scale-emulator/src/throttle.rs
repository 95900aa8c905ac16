//! Request throttling: AWS's token buckets, and throttling forced on a
//! share of calls for tests of the collector's retries.
//!
//! **EC2** (cited): "Amazon EC2 throttles EC2 API requests for each AWS
//! account on a per-Region basis" and "with request rate limiting, each API
//! is evaluated individually ... the token bucket size for DescribeHosts, a
//! non-mutating action, is 100 tokens ... the bucket refills at 20 tokens per
//! second"; over the limit "you get the RequestLimitExceeded error code"
//! (Amazon EC2 Developer Guide, "Request throttling for the Amazon EC2 API",
//! https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
//! Every EC2 action the collector calls is a non-mutating `Describe*`, so
//! each (account, region, action) gets a bucket of 100 refilled at 20/s.
//!
//! **CloudTrail** (cited): "Get, describe, and list APIs: 10 transactions
//! per second (TPS). The maximum number of operation requests you can make
//! per second without being throttled" (AWS CloudTrail User Guide, "Quotas in
//! AWS CloudTrail"; the current page refers to the AWS General Reference,
//! "AWS CloudTrail endpoints and quotas"). Used: a bucket of 10 refilled at
//! 10/s per (account, region, action) ([`CLOUDTRAIL_READ`]); the page does
//! not say whether the 10 TPS are per action or shared by the category.
//! Over the limit CloudTrail sends `ThrottlingException`.
//!
//! **STS, Organizations, Image Builder**: the error each sends when it
//! throttles is known (see `errors.rs`), but no request-rate figure for the
//! operations the collector calls is published in the pages consulted
//! ("IAM and AWS STS quotas" gives object-size quotas only, and AWS's
//! knowledge-center article "How do I resolve API throttling or 'Rate
//! exceeded' errors for IAM and AWS STS?" says the rate quotas cannot be
//! increased without giving them; "Quotas and service limits for AWS
//! Organizations" and Image Builder's quotas give entity counts, no request
//! rates). So they have no bucket unless one is given with
//! `--rate SERVICE=CAPACITY/REFILL` (per account; per region too for the
//! regional services). The collector makes one AssumeRole per member
//! account, and a handful of Organizations calls in all, so no plausible
//! figure would be reached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// CloudTrail's get, describe and list actions (see the module documentation).
pub const CLOUDTRAIL_READ: Rate = Rate {
    capacity: 10.0,
    refill_per_sec: 10.0,
};

/// A token bucket's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub capacity: f64,
    pub refill_per_sec: f64,
}

impl Rate {
    /// `100/20`: capacity, then refill per second.
    pub fn parse(s: &str) -> Result<Rate, String> {
        let (c, r) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected CAPACITY/REFILL, e.g. 100/20"))?;
        let capacity: f64 = c
            .trim()
            .parse()
            .map_err(|_| format!("{c:?} is not a number"))?;
        let refill_per_sec: f64 = r
            .trim()
            .parse()
            .map_err(|_| format!("{r:?} is not a number"))?;
        if capacity < 1.0 || refill_per_sec <= 0.0 {
            return Err(format!("{s:?}: capacity must be >= 1 and refill > 0"));
        }
        Ok(Rate {
            capacity,
            refill_per_sec,
        })
    }
}

/// EC2's non-mutating actions (see the module documentation).
pub const EC2_NON_MUTATING: Rate = Rate {
    capacity: 100.0,
    refill_per_sec: 20.0,
};

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    rate: Rate,
}

/// (account index, region index or u16::MAX for a global service, action).
pub type Key = (u32, u16, &'static str);

/// Buckets by key. A bucket that has refilled to capacity is the same as a
/// fresh one, so such buckets are dropped from time to time: the map holds
/// only the keys busy in the last few seconds, not every account-region.
#[derive(Default)]
pub struct Buckets {
    map: Mutex<(HashMap<Key, Bucket>, u64)>,
}

impl Buckets {
    /// Takes one token from `key`'s bucket; false when it is empty (throttled).
    pub fn take(&self, key: Key, rate: Rate) -> bool {
        let now = Instant::now();
        let mut guard = self.map.lock().expect("buckets lock");
        let (map, inserted) = &mut *guard;
        let b = map.entry(key).or_insert_with(|| {
            *inserted += 1;
            Bucket {
                tokens: rate.capacity,
                at: now,
                rate,
            }
        });
        let elapsed = now.duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate.refill_per_sec).min(rate.capacity);
        b.at = now;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        if *inserted >= 4096 {
            *inserted = 0;
            // Full again: the same as a fresh bucket, forget it.
            map.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * b.rate.refill_per_sec
                    < b.rate.capacity
            });
        }
        allowed
    }

    pub fn len(&self) -> usize {
        self.map.lock().expect("buckets lock").0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Throttling forced on a share of the calls of some services, whatever
/// the buckets say: the same request (account, region, action and body) is
/// throttled at most `max_consecutive` times in a row, so a client that
/// retries always gets through, and which attempts are throttled depends
/// only on the seed.
pub struct Forced {
    pub fraction: f64,
    pub max_consecutive: u32,
    pub services: Vec<String>,
    pub seed: u64,
    attempts: Mutex<HashMap<u64, u32>>,
}

impl Forced {
    pub fn new(fraction: f64, max_consecutive: u32, services: Vec<String>, seed: u64) -> Forced {
        Forced {
            fraction,
            max_consecutive,
            services,
            seed,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `service:action` is among `services` (a service or one action).
    pub fn covers(&self, service: &str, action: &str) -> bool {
        self.services.iter().any(|s| match s.split_once(':') {
            Some((svc, a)) => svc == service && a == action,
            None => s == service,
        })
    }

    /// Whether to throttle this attempt of the request whose hash is
    /// `request`, a call of `service`'s `action`.
    pub fn throttle(&self, service: &str, action: &str, request: u64) -> bool {
        if self.fraction <= 0.0 || !self.covers(service, action) {
            return false;
        }
        let mut attempts = self.attempts.lock().expect("forced lock");
        let n = attempts.entry(request).or_insert(0);
        let attempt = *n;
        let unit = (crate::org::mix(&[self.seed, request, u64::from(attempt)]) >> 11) as f64
            / (1u64 << 53) as f64;
        let throttled = attempt < self.max_consecutive && unit < self.fraction;
        if throttled {
            *n += 1;
        } else {
            // Answered: the next identical request starts over.
            attempts.remove(&request);
        }
        throttled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_refills() {
        let b = Buckets::default();
        let rate = Rate {
            capacity: 3.0,
            refill_per_sec: 1000.0,
        };
        let key = (1, 2, "DescribeVpcs");
        assert!((0..3).all(|_| b.take(key, rate)));
        // Refills fast: within a few ms one more token is there.
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(b.take(key, rate));
        let slow = Rate {
            capacity: 2.0,
            refill_per_sec: 0.001,
        };
        let key = (1, 2, "DescribeSubnets");
        assert!(b.take(key, slow) && b.take(key, slow));
        assert!(!b.take(key, slow));
        assert_eq!(Rate::parse("100/20").unwrap(), EC2_NON_MUTATING);
        assert!(Rate::parse("100").is_err());
    }

    #[test]
    fn forced_throttling_gives_way_after_max_consecutive() {
        let f = Forced::new(1.0, 2, vec!["ec2".into()], 1);
        assert!(f.throttle("ec2", "DescribeVpcs", 42));
        assert!(f.throttle("ec2", "DescribeVpcs", 42));
        assert!(!f.throttle("ec2", "DescribeVpcs", 42));
        assert!(!f.throttle("sts", "AssumeRole", 42));
        let one = Forced::new(1.0, 1, vec!["ec2:DescribeVpcAttribute".into()], 1);
        assert!(one.throttle("ec2", "DescribeVpcAttribute", 1));
        assert!(!one.throttle("ec2", "DescribeVpcs", 2));
        let share = Forced::new(0.3, 1, vec!["ec2".into()], 9);
        let throttled = (0..10_000)
            .filter(|&r| share.throttle("ec2", "DescribeVpcs", r))
            .count();
        assert!((2_700..3_300).contains(&throttled), "{throttled}");
    }
}
