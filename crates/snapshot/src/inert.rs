//! Making untrusted text inert for a human reader.
//!
//! Every string that comes from a snapshot or from AWS (resource ids, tags,
//! policy `Sid`s, error messages) may have been written by an attacker. On a
//! terminal, an escape sequence in it could retitle the window, hide lines or
//! forge output; a bidirectional override could make text read differently
//! than it is. [`inert`] shows such characters escaped (`\u{1b}`), never
//! interpreted. JSON output keeps the text exact, and is written with
//! [`json_pretty`], [`json_compact`] or [`json_pretty_to_writer`], which put
//! every such character that JSON allows raw (C1 controls such as the CSI
//! U+009B, DEL, bidirectional marks) as a `\uXXXX` escape: the same value to
//! a JSON reader, and nothing a terminal interprets when the file is shown.

use std::borrow::Cow;
use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

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

/// A JSON formatter that writes what `F` writes, except that every
/// [`is_unsafe`] character that JSON allows unescaped is written as a
/// `\uXXXX` escape (serde_json already escapes the C0 controls).
struct InertJson<F>(F);

/// `fragment` with every [`is_unsafe`] character written as a JSON `\uXXXX`
/// escape: text inside a JSON string (`raw` false), or raw JSON text (`raw`
/// true), which is valid JSON: there a control character is white space
/// between tokens (a tab or a newline, kept; a carriage return, dropped
/// before a newline and a space elsewhere) and anything else unsafe can
/// only be inside a string.
fn write_json_escaped<W: ?Sized + io::Write>(
    writer: &mut W,
    fragment: &str,
    raw: bool,
) -> io::Result<()> {
    // Every unsafe character but DEL and the C0 controls is outside ASCII.
    if fragment
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || (raw && b"\t\n".contains(&b)))
    {
        return writer.write_all(fragment.as_bytes());
    }
    let mut start = 0;
    let mut chars = fragment.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_unsafe(c) || (raw && matches!(c, '\t' | '\n')) {
            continue;
        }
        writer.write_all(&fragment.as_bytes()[start..i])?;
        start = i + c.len_utf8();
        if raw && c == '\r' {
            if chars.peek().map(|&(_, next)| next) != Some('\n') {
                writer.write_all(b" ")?;
            }
        } else {
            // Every unsafe character is in the Basic Multilingual Plane.
            write!(writer, "\\u{:04x}", c as u32)?;
        }
    }
    writer.write_all(&fragment.as_bytes()[start..])
}

impl<F: Formatter> Formatter for InertJson<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_json_escaped(writer, fragment, false)
    }

    /// Raw JSON text kept as it was read (a snapshot's responses).
    fn write_raw_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_json_escaped(writer, fragment, true)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `value` as pretty-printed JSON (as `serde_json::to_writer_pretty`), with
/// every [`is_unsafe`] character escaped: the one way ibaudit writes JSON.
pub fn json_pretty_to_writer<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, InertJson(PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// `value` as [`json_pretty_to_writer`] writes it where it stands `depth`
/// arrays or objects deep in a document: its inner lines indented for that
/// depth, its first line without indentation. An account written at depth 2
/// is the text of that account inside a snapshot's `accounts`.
pub fn json_pretty_nested_to_writer<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
    depth: usize,
) -> serde_json::Result<()> {
    let mut pretty = PrettyFormatter::new();
    for _ in 0..depth {
        // Only the formatter's depth changes: nothing reaches `writer`.
        pretty
            .begin_array(&mut io::sink())
            .map_err(serde_json::Error::io)?;
    }
    let mut ser = serde_json::Serializer::with_formatter(writer, InertJson(pretty));
    value.serialize(&mut ser)
}

/// `value` as pretty-printed JSON text; see [`json_pretty_to_writer`].
pub fn json_pretty<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    json_pretty_to_writer(&mut out, value)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// `value` as compact JSON text (as `serde_json::to_string`), with every
/// [`is_unsafe`] character escaped.
pub fn json_compact<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, InertJson(CompactFormatter));
    value.serialize(&mut ser)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
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

    #[test]
    fn json_is_exact_and_inert() {
        let text = "a\r\u{1b}[2K\u{9b}31m\u{7f}\u{85}\u{202e}\u{2066}日本 ✓\"\\";
        let value = serde_json::json!({ text: [text, 1, null] });
        for written in [json_pretty(&value).unwrap(), json_compact(&value).unwrap()] {
            assert!(
                !written.chars().any(|c| c != '\n' && is_unsafe(c)),
                "{written:?}"
            );
            assert!(
                written.contains(r#"a\r\u001b[2K\u009b31m\u007f\u0085\u202e\u2066日本 ✓\"\\"#),
                "{written}"
            );
            let back: serde_json::Value = serde_json::from_str(&written).unwrap();
            assert_eq!(back, value);
        }
        // Otherwise the text is serde_json's own.
        let plain = serde_json::json!({"a": [1, {"b": "c\r\u{1b}"}], "d": []});
        assert_eq!(
            json_pretty(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
        assert_eq!(
            json_compact(&plain).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
    }

    #[test]
    fn raw_json_text_is_written_inert() {
        let raw = serde_json::value::RawValue::from_string(
            "{\r\n \"k\u{9b}\": [\"v\u{202e}\",\r1]\r\n}".to_string(),
        )
        .unwrap();
        let written = json_pretty(&raw).unwrap();
        assert_eq!(written, "{\n \"k\\u009b\": [\"v\\u202e\", 1]\n}");
        let back: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(back, serde_json::json!({"k\u{9b}": ["v\u{202e}", 1]}));
    }
}
