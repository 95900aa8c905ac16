//! Credentials embedded in URLs never reach a message.
//!
//! An endpoint URL may carry userinfo (`http://user:password@host`, RFC 3986
//! section 3.2.1, which itself deprecates a password there). Any message that
//! shows a URL, whether given by the user (`--endpoint-url`,
//! `AWS_ENDPOINT_URL`) or quoted back in an error, shows `***` in its place.

use std::borrow::Cow;

/// The text that replaces a URL's userinfo.
pub const REDACTED: &str = "***";

/// `url` with its userinfo replaced: `http://user:secret@host:1/p` becomes
/// `http://***@host:1/p`. A URL without userinfo is returned unchanged.
pub fn redact_url(url: &str) -> Cow<'_, str> {
    redact_urls(url)
}

/// `text` with the userinfo of every `scheme://` URL in it replaced by
/// [`REDACTED`]. The authority of a URL ends at the first `/`, `?`, `#` or
/// white space; its userinfo is everything before the last `@` in it.
pub fn redact_urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(i) = rest.find("://") {
        let start = i + 3;
        let after = &rest[start..];
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        out.push_str(&rest[..start]);
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
                changed = true;
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_replaced() {
        assert_eq!(redact_url("http://user:secret@host:1"), "http://***@host:1");
        assert_eq!(
            redact_url("https://user:p%40ss@host/path?q=a@b#f"),
            "https://***@host/path?q=a@b#f"
        );
        assert_eq!(
            redact_url("http://token@[::1]:4566/"),
            "http://***@[::1]:4566/"
        );
        assert_eq!(redact_url("http://a@b@host"), "http://***@host");
    }

    #[test]
    fn urls_without_userinfo_are_unchanged() {
        for s in [
            "http://127.0.0.1:4566",
            "https://host/path@not-userinfo",
            "http://host?x=a@b",
            "mail me: a@b.example",
            "",
        ] {
            assert!(matches!(redact_url(s), Cow::Borrowed(t) if t == s), "{s}");
        }
    }

    #[test]
    fn every_url_in_a_message_is_redacted() {
        let m = "cannot reach AWS at http://user:secret@host:1: dispatch failure \
                 (http://other:pw@10.0.0.1/x); see https://docs.aws.amazon.com/";
        let r = redact_urls(m);
        assert_eq!(
            r,
            "cannot reach AWS at http://***@host:1: dispatch failure \
             (http://***@10.0.0.1/x); see https://docs.aws.amazon.com/"
        );
        assert!(!r.contains("secret") && !r.contains("user") && !r.contains("pw"));
    }
}
