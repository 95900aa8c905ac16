//! Making untrusted text inert for a human reader.
//!
//! Every string that comes from a snapshot or from AWS (resource ids, tags,
//! policy `Sid`s, error messages) may have been written by an attacker. On a
//! terminal, an escape sequence in it could retitle the window, hide lines or
//! forge output; a bidirectional override could make text read differently
//! than it is. [`inert`] shows such characters escaped (`\u{1b}`), never
//! interpreted. JSON output does not need it: JSON escaping is already exact.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: C0 and C1 controls,
/// DEL, and the Unicode bidirectional embedding, override and isolate
/// characters (U+202A-U+202E, U+2066-U+2069), plus the invisible marks
/// that reorder text (U+200E, U+200F, U+061C).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// `s` with every [`is_unsafe`] character written as `\u{..}`.
/// Text without such characters is returned unchanged, without allocating.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            inert("vpce-0a1b 日本 ✓"),
            Cow::Borrowed("vpce-0a1b 日本 ✓")
        ));
    }

    #[test]
    fn escapes_controls_and_bidi_overrides() {
        assert_eq!(inert("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(inert("x\r\ny\u{7f}\u{9b}"), "x\\u{d}\\u{a}y\\u{7f}\\u{9b}");
        assert_eq!(inert("\u{202e}cod.exe"), "\\u{202e}cod.exe");
        assert_eq!(inert("\u{2066}a\u{2069}"), "\\u{2066}a\\u{2069}");
        assert!(!inert("\u{1b}[31m").chars().any(is_unsafe));
    }
}
