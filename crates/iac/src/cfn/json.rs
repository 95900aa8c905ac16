//! JSON templates (and `aws cloudformation` parameter files) read into the
//! positioned tree: a strict RFC 8259 parser, so that a JSON template is
//! read as JSON (not as the YAML it almost is), with duplicate keys refused
//! and nesting capped at [`MAX_DEPTH`].

use std::collections::HashMap;

use super::node::{Entry, Kind, Node, Pos, SyntaxError, MAX_DEPTH};

/// Turns byte offsets into positions, moving forward only: O(n) over a
/// whole parse, even for a minified file on one line.
struct Cursor {
    offset: usize,
    line: u32,
    column: u32,
}

impl Cursor {
    fn advance(&mut self, bytes: &[u8], to: usize) -> Pos {
        let to = to.min(bytes.len());
        while self.offset < to {
            let b = bytes[self.offset];
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column = self.column.saturating_add(1);
            }
            self.offset += 1;
        }
        Pos {
            line: self.line,
            column: self.column,
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    cursor: Cursor,
}

pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        cursor: Cursor {
            offset: 0,
            line: 1,
            column: 1,
        },
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("invalid JSON: unexpected content after the top-level value"));
    }
    Ok(node)
}

impl Parser<'_> {
    fn pos(&mut self) -> Pos {
        self.cursor.advance(self.b, self.i)
    }

    fn err(&mut self, message: impl Into<String>) -> SyntaxError {
        let pos = self.pos();
        SyntaxError::new(pos, message)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some(_) => {
                let rest = std::str::from_utf8(&self.b[self.i..]).unwrap_or("");
                let c = rest.chars().next().unwrap_or('?');
                format!("{c:?}")
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        match self.peek() {
            Some(b'{') => self.object(depth, pos),
            Some(b'[') => self.array(depth, pos),
            Some(b'"') => Ok(Node::new(pos, Kind::Str(self.string()?))),
            Some(b'-' | b'0'..=b'9') => self.number(pos),
            Some(b't') => self.literal("true", Kind::Bool(true), pos),
            Some(b'f') => self.literal("false", Kind::Bool(false), pos),
            Some(b'n') => self.literal("null", Kind::Null, pos),
            _ => {
                let found = self.found();
                Err(self.err(format!("invalid JSON: expected a value, found {found}")))
            }
        }
    }

    fn literal(&mut self, word: &str, kind: Kind, pos: Pos) -> Result<Node, SyntaxError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(Node::new(pos, kind))
        } else {
            Err(self.err("invalid JSON: expected a value (true, false and null are lowercase)"))
        }
    }

    fn deeper(&mut self, depth: usize) -> Result<usize, SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(self.err(format!("the document nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(depth + 1)
    }

    fn object(&mut self, depth: usize, pos: Pos) -> Result<Node, SyntaxError> {
        let depth = self.deeper(depth)?;
        self.i += 1;
        let mut entries = Vec::new();
        let mut seen: HashMap<String, Pos> = HashMap::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Node::new(pos, Kind::Map(entries)));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                let found = self.found();
                return Err(self.err(format!(
                    "invalid JSON: expected a key in double quotes, found {found}"
                )));
            }
            let key_pos = self.pos();
            let key = self.string()?;
            if let Some(first) = seen.get(&key) {
                return Err(SyntaxError::new(
                    key_pos,
                    format!(
                        "duplicate key {key} (first at line {}, column {})",
                        first.line, first.column
                    ),
                ));
            }
            seen.insert(key.clone(), key_pos);
            self.ws();
            if self.peek() != Some(b':') {
                let found = self.found();
                return Err(self.err(format!(
                    "invalid JSON: expected ':' after the key, found {found}"
                )));
            }
            self.i += 1;
            self.ws();
            let value = self.value(depth)?;
            entries.push(Entry {
                key,
                key_pos,
                value,
            });
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Node::new(pos, Kind::Map(entries)));
                }
                _ => {
                    let found = self.found();
                    return Err(self.err(format!(
                        "invalid JSON: expected ',' or '}}' in an object, found {found}"
                    )));
                }
            }
        }
    }

    fn array(&mut self, depth: usize, pos: Pos) -> Result<Node, SyntaxError> {
        let depth = self.deeper(depth)?;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Node::new(pos, Kind::Seq(items)));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Node::new(pos, Kind::Seq(items)));
                }
                _ => {
                    let found = self.found();
                    return Err(self.err(format!(
                        "invalid JSON: expected ',' or ']' in an array, found {found}"
                    )));
                }
            }
        }
    }

    fn number(&mut self, pos: Pos) -> Result<Node, SyntaxError> {
        let start = self.i;
        let digits = |p: &mut Parser| {
            let s = p.i;
            while let Some(b'0'..=b'9') = p.peek() {
                p.i += 1;
            }
            p.i - s
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.err("invalid JSON: a number needs digits")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(self.err("invalid JSON: a number needs digits after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("invalid JSON: a number needs digits in its exponent"));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i])
            .unwrap_or("0")
            .to_string();
        Ok(Node::new(pos, Kind::Number(text)))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let Some(h) = self.b.get(self.i..self.i + 4) else {
            return Err(self.err("invalid JSON: \\u needs four hex digits"));
        };
        let s = std::str::from_utf8(h).unwrap_or("");
        let v = u32::from_str_radix(s, 16)
            .map_err(|_| self.err("invalid JSON: \\u needs four hex digits"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The input is a `str` and the run stops at ASCII bytes only:
            // the slice is whole characters.
            out.push_str(std::str::from_utf8(&self.b[start..self.i]).unwrap_or(""));
            match self.peek() {
                None => return Err(self.err("invalid JSON: unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.err("invalid JSON: unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(self.err("invalid JSON: a lone UTF-16 surrogate"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("invalid JSON: a lone UTF-16 surrogate"));
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => {
                                    return Err(self.err("invalid JSON: a lone UTF-16 surrogate"))
                                }
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err("invalid JSON: unknown escape in a string"));
                        }
                    }
                }
                Some(_) => {
                    return Err(
                        self.err("invalid JSON: a control character in a string (escape it)")
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn values_and_positions() {
        let doc = parse(
            "{\n  \"a\": [1, -2.5e3, true, null],\n  \"é\": {\"k\": \"v\\u00e9\\n\"}, \"z\": 0\n}",
        )
        .unwrap();
        let a = doc.entry("a").unwrap();
        assert_eq!(a.key_pos, p(2, 3));
        let items = a.value.items().unwrap();
        assert_eq!(items[1].kind, Kind::Number("-2.5e3".into()));
        assert_eq!(items[1].pos, p(2, 12));
        assert_eq!(items[2].kind, Kind::Bool(true));
        assert_eq!(items[3].kind, Kind::Null);
        assert_eq!(
            doc.get("é").unwrap().get("k").unwrap().as_str(),
            Some("vé\n")
        );
        // Columns count characters: "é" is one.
        assert_eq!(doc.entry("z").unwrap().key_pos, p(3, 28));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(e.pos, p(3, 7));
        assert!(e.message.contains("expected ':'"), "{}", e.message);
        let e = parse("{\"a\": [1, 2,]}").unwrap_err();
        assert_eq!(e.pos, p(1, 13));
        let e = parse("{\"a\": 1}\n{").unwrap_err();
        assert_eq!(e.pos, p(2, 1));
        let e = parse("{\"a\": \"x").unwrap_err();
        assert!(e.message.contains("unterminated"));
        let e = parse("{\"a\": 01}").unwrap_err();
        assert_eq!(e.pos, p(1, 8));
        let e = parse("{\"a\": \"\\ud800\"}").unwrap_err();
        assert!(e.message.contains("surrogate"));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = parse("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert_eq!(e.pos, p(2, 2));
        assert_eq!(e.message, "duplicate key a (first at line 1, column 2)");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let s = "[".repeat(1_000_000);
        let e = parse(&s).unwrap_err();
        assert_eq!(e.pos, p(1, 129));
        assert!(e.message.contains("deeper than 128"));
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(parse(&ok).is_ok());
    }
}
