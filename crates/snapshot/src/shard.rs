//! Splitting many accounts over N machines with no coordination.
//!
//! Every machine computes the same function of the account id alone, so N
//! runs with `--shard 1/N` ... `--shard N/N` read every account exactly once
//! between them, whatever order each one lists the accounts in.
//!
//! The function is 64-bit FNV-1a of the account id's ASCII digits, reduced
//! modulo N: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`, as the
//! FNV reference (<http://www.isthe.com/chongo/tech/comp/fnv/>) specifies.
//! It is fixed forever (a change would move accounts between shards of a
//! running schedule) and never Rust's randomised `HashMap` hasher.

use std::fmt;
use std::str::FromStr;

/// 64-bit FNV-1a.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The shard (1-based, as `--shard I/N` counts) that `account_id` belongs
/// to out of `count`. `count` 0 is treated as 1.
pub fn shard_of(account_id: &str, count: u32) -> u32 {
    let n = u64::from(count.max(1));
    (fnv1a64(account_id.as_bytes()) % n) as u32 + 1
}

/// `--shard I/N`: this run reads shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// `None` unless 1 <= index <= count.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (1..=count)
            .contains(&index)
            .then_some(Shard { index, count })
    }

    /// 1-based.
    pub fn index(self) -> u32 {
        self.index
    }

    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether this shard reads `account_id`.
    pub fn contains(self, account_id: &str) -> bool {
        shard_of(account_id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N` with 1 <= I <= N, both decimal integers.
    fn from_str(s: &str) -> Result<Shard, String> {
        let usage = |why: &str| format!("`{s}` is not a shard I/N such as 2/5: {why}");
        let Some((i, n)) = s.split_once('/') else {
            return Err(usage("expected two numbers separated by `/`"));
        };
        let number = |t: &str, what: &str| -> Result<u32, String> {
            let t = t.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(usage(&format!("{what} must be a positive whole number")));
            }
            t.parse::<u32>()
                .map_err(|_| usage(&format!("{what} is too large")))
        };
        let index = number(i, "I")?;
        let count = number(n, "N")?;
        if count == 0 {
            return Err(usage("N must be at least 1"));
        }
        if index == 0 {
            return Err(usage("I counts from 1"));
        }
        Shard::new(index, count).ok_or_else(|| usage(&format!("I must be at most N ({count})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference test suite: "" and "a" and "foobar".
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn pinned_values_never_move() {
        // A change here moves accounts between the shards of running schedules.
        let pinned: Vec<u32> = [
            "111122223333",
            "444455556666",
            "000000000000",
            "999999999999",
        ]
        .iter()
        .map(|id| shard_of(id, 5))
        .collect();
        assert_eq!(pinned, PINNED);
        assert_eq!(shard_of("111122223333", 1), 1);
        assert_eq!(shard_of("111122223333", 0), 1);
    }

    // Computed independently (Python: FNV-1a 64 of the id, mod 5, plus 1).
    const PINNED: [u32; 4] = [4, 1, 1, 5];

    fn ids(n: u64) -> Vec<String> {
        // Spread over the 12-digit space like real account ids, deterministically.
        (0..n)
            .map(|i| {
                format!(
                    "{:012}",
                    (i * 7_919_000_003 + 123_456_789) % 1_000_000_000_000
                )
            })
            .collect()
    }

    #[test]
    fn every_account_lands_in_exactly_one_shard() {
        for count in [1, 2, 3, 5, 7, 16] {
            for id in ids(300) {
                let holders: Vec<u32> = (1..=count)
                    .filter(|&i| Shard::new(i, count).unwrap().contains(&id))
                    .collect();
                assert_eq!(holders, vec![shard_of(&id, count)], "{id} over {count}");
            }
        }
    }

    #[test]
    fn a_thousand_accounts_spread_evenly_over_five_shards() {
        let mut counts = [0usize; 5];
        for id in ids(1000) {
            counts[(shard_of(&id, 5) - 1) as usize] += 1;
        }
        // 200 each on average; a fair hash stays well within +-25%.
        for c in counts {
            assert!((150..=250).contains(&c), "{counts:?}");
        }
        // Consecutive ids too (an organization's accounts are not random).
        let mut counts = [0usize; 5];
        for i in 0..1000u64 {
            counts[(shard_of(&format!("{:012}", 123_456_789_000 + i), 5) - 1) as usize] += 1;
        }
        for c in counts {
            assert!((150..=250).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn parses_i_of_n() {
        assert_eq!("2/5".parse(), Ok(Shard::new(2, 5).unwrap()));
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        assert_eq!("5/5".parse::<Shard>().unwrap().index(), 5);
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let errors: Vec<String> = [
            "0/5",
            "6/5",
            "1/0",
            "2",
            "a/5",
            "-1/5",
            "1/",
            "99999999999/3",
        ]
        .iter()
        .map(|s| s.parse::<Shard>().unwrap_err())
        .collect();
        assert_eq!(
            errors,
            [
                "`0/5` is not a shard I/N such as 2/5: I counts from 1",
                "`6/5` is not a shard I/N such as 2/5: I must be at most N (5)",
                "`1/0` is not a shard I/N such as 2/5: N must be at least 1",
                "`2` is not a shard I/N such as 2/5: expected two numbers separated by `/`",
                "`a/5` is not a shard I/N such as 2/5: I must be a positive whole number",
                "`-1/5` is not a shard I/N such as 2/5: I must be a positive whole number",
                "`1/` is not a shard I/N such as 2/5: N must be a positive whole number",
                "`99999999999/3` is not a shard I/N such as 2/5: I is too large",
            ]
        );
    }
}
