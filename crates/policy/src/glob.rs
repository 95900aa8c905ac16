//! Wildcard matching as IAM does it: `*` any run of characters, `?` exactly
//! one. Literal `*` and `?` produced by the `${*}` and `${?}` policy
//! variables are carried as private-use characters and match only themselves.

/// Stands for a literal `*` after variable substitution.
pub const LITERAL_STAR: char = '\u{E000}';
/// Stands for a literal `?` after variable substitution.
pub const LITERAL_QUESTION: char = '\u{E001}';

/// Turns the private-use markers back into the characters they stand for.
pub fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([LITERAL_STAR, LITERAL_QUESTION]) {
        s.replace(LITERAL_STAR, "*")
            .replace(LITERAL_QUESTION, "?")
            .into()
    } else {
        s.into()
    }
}

fn literal(p: char) -> char {
    match p {
        LITERAL_STAR => '*',
        LITERAL_QUESTION => '?',
        c => c,
    }
}

/// Matches `text` against `pattern`; `fold` compares ASCII case-insensitively.
pub fn matches(pattern: &str, text: &str, fold: bool) -> bool {
    // Fast paths for the common shapes.
    if pattern == "*" {
        return true;
    }
    if !pattern.contains(['*', '?']) {
        let p = unescape(pattern);
        return if fold {
            p.eq_ignore_ascii_case(text)
        } else {
            p == text
        };
    }
    if pattern.is_ascii() && text.is_ascii() {
        return wildcard(
            pattern.as_bytes(),
            text.as_bytes(),
            |a, b| {
                if fold {
                    a.eq_ignore_ascii_case(b)
                } else {
                    a == b
                }
            },
            |c| *c,
        );
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    wildcard(
        &p,
        &t,
        |a, b| {
            if fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        },
        |c| literal(*c),
    )
}

trait Wild: Copy + PartialEq {
    const STAR: Self;
    const QUESTION: Self;
}

impl Wild for u8 {
    const STAR: u8 = b'*';
    const QUESTION: u8 = b'?';
}

impl Wild for char {
    const STAR: char = '*';
    const QUESTION: char = '?';
}

/// Iterative wildcard matching with one backtrack point: linear in practice,
/// never recursive.
fn wildcard<T: Wild>(p: &[T], t: &[T], eq: impl Fn(&T, &T) -> bool, lit: impl Fn(&T) -> T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == T::STAR {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == T::QUESTION || eq(&lit(&p[pi]), &t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == T::STAR)
}

/// ARN matching: partition, service, region and account are matched each on
/// its own (a wildcard there does not reach into the next segment); the
/// resource part, everything after the fifth colon, is matched whole, so `*`
/// spans `/` and `:` there. A pattern or ARN with fewer than six segments
/// matches nothing, except the bare `*`.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.splitn(6, ':');
    let mut a = arn.splitn(6, ':');
    for _ in 0..6 {
        match (p.next(), a.next()) {
            (Some(ps), Some(as_)) => {
                if !matches(ps, as_, false) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("s3:Get*", "s3:GetObject", false));
        assert!(matches("s3:get*", "S3:GetObject", true));
        assert!(!matches("s3:get*", "S3:GetObject", false));
        assert!(matches("*Object", "s3:GetObject", false));
        assert!(matches("s3:*Obj*t", "s3:GetObject", false));
        assert!(matches("s3:GetObjec?", "s3:GetObject", false));
        assert!(!matches("s3:GetObjec?", "s3:GetObjectAcl", false));
        assert!(matches("a*b*c", "aXXbYYc", false));
        assert!(!matches("a*b*c", "aXXbYY", false));
        assert!(matches("", "", false));
        assert!(!matches("", "x", false));
        let lit = format!("a{LITERAL_STAR}b");
        assert!(matches(&lit, "a*b", false));
        assert!(!matches(&lit, "aXb", false));
    }

    #[test]
    fn arns() {
        assert!(arn_matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b:c"
        ));
        assert!(!arn_matches(
            "arn:aws:s3:::bucket",
            "arn:aws:s3:::bucket/key"
        ));
        assert!(arn_matches("arn:aws:s3:::buck*", "arn:aws:s3:::bucket/key"));
        assert!(arn_matches(
            "arn:aws:imagebuilder:*:aws:component/*",
            "arn:aws:imagebuilder:us-east-1:aws:component/x/1.0.0/1"
        ));
        // A wildcard in the region segment does not span into the account.
        assert!(!arn_matches(
            "arn:aws:ec2:us-*",
            "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1"
        ));
        assert!(!arn_matches("arn:aws:s3", "arn:aws:s3:::bucket"));
        assert!(!arn_matches("arn:aws:s3:::bucket/*", "bucket/key"));
        assert!(arn_matches("*", "anything"));
    }
}
