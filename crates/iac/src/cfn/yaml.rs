//! YAML templates read into the positioned tree, with `yaml-rust2`'s event
//! parser (pulled one event at a time: no recursion, so a deeply nested
//! file cannot overflow the stack).
//!
//! - CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub`, ...)
//!   become their long form (`{"Ref": "X"}`, `{"Fn::GetAtt": "A.B"}`).
//! - Plain scalars are typed by the YAML 1.2 core schema (`true`, `null`,
//!   numbers); numbers keep the text they were written with.
//! - Duplicate keys are refused, as are merge keys (`<<`), more than one
//!   document, and nesting deeper than [`MAX_DEPTH`].
//! - Anchors and aliases are resolved by copying, within a budget: an alias
//!   bomb ("billion laughs") is refused before it takes the memory.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::node::{Entry, Kind, Node, Pos, SyntaxError, MAX_DEPTH};

/// At most this many nodes, aliases' copies included.
pub(crate) const MAX_NODES: usize = 1_000_000;
/// At most this many bytes of scalars copied by aliases.
pub(crate) const MAX_ALIAS_BYTES: usize = 16 << 20;

/// The short-form tags and the long-form key each becomes.
fn short_form(suffix: &str) -> Option<String> {
    const FNS: &[&str] = &[
        "Sub",
        "GetAtt",
        "Join",
        "Select",
        "Split",
        "FindInMap",
        "If",
        "Equals",
        "Not",
        "And",
        "Or",
        "GetAZs",
        "Base64",
        "ImportValue",
        "Cidr",
        "Transform",
        "Length",
        "ToJsonString",
    ];
    match suffix {
        "Ref" | "Condition" => Some(suffix.to_string()),
        s if FNS.contains(&s) => Some(format!("Fn::{s}")),
        _ => None,
    }
}

const CORE: &str = "tag:yaml.org,2002:";

enum TagUse {
    None,
    /// Wrap the node in `{key: node}`.
    Intrinsic(String),
    Core(String),
}

fn classify(tag: &Option<Tag>, pos: Pos) -> Result<TagUse, SyntaxError> {
    let Some(tag) = tag else {
        return Ok(TagUse::None);
    };
    let full = format!("{}{}", tag.handle, tag.suffix);
    if let Some(core) = full.strip_prefix(CORE) {
        return Ok(TagUse::Core(core.to_string()));
    }
    if tag.handle == "!" {
        if tag.suffix.is_empty() {
            // The non-specific tag `!`: a plain string.
            return Ok(TagUse::Core("str".into()));
        }
        if let Some(key) = short_form(&tag.suffix) {
            return Ok(TagUse::Intrinsic(key));
        }
    }
    Err(SyntaxError::new(
        pos,
        format!("unknown YAML tag !{}", tag.suffix.trim_start_matches('!')),
    ))
}

fn pos_of(m: &Marker) -> Pos {
    // yaml-rust2's lines are 1-based, its columns 0-based.
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn plain(value: String) -> Kind {
    match value.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        s if is_number(s) => Kind::Number(value),
        _ => Kind::Str(value),
    }
}

fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        None => !int.is_empty() && digits(int),
        Some(f) => digits(int) && digits(f) && !(int.is_empty() && f.is_empty()),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    };
    mantissa_ok && exponent_ok
}

fn scalar_node(
    value: String,
    style: TScalarStyle,
    tag: &Option<Tag>,
    pos: Pos,
) -> Result<Node, SyntaxError> {
    let kind = match classify(tag, pos)? {
        TagUse::None if style == TScalarStyle::Plain => plain(value),
        TagUse::None => Kind::Str(value),
        TagUse::Intrinsic(key) => {
            return Ok(wrap(key, pos, Node::new(pos, Kind::Str(value))));
        }
        TagUse::Core(core) => match core.as_str() {
            "str" => Kind::Str(value),
            "int" | "float" => {
                if !is_number(&value) {
                    return Err(SyntaxError::new(
                        pos,
                        format!("!!{core} {value:?} is not a number"),
                    ));
                }
                Kind::Number(value)
            }
            "bool" => match plain(value) {
                Kind::Bool(b) => Kind::Bool(b),
                _ => return Err(SyntaxError::new(pos, "!!bool wants true or false")),
            },
            "null" => Kind::Null,
            other => {
                return Err(SyntaxError::new(
                    pos,
                    format!("unsupported YAML tag !!{other} on a scalar"),
                ));
            }
        },
    };
    Ok(Node::new(pos, kind))
}

fn wrap(key: String, pos: Pos, value: Node) -> Node {
    Node::new(
        pos,
        Kind::Map(vec![Entry {
            key,
            key_pos: pos,
            value,
        }]),
    )
}

enum Body {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        seen: HashMap<String, Pos>,
        key: Option<(String, Pos)>,
    },
}

struct Frame {
    pos: Pos,
    tag: Option<Tag>,
    anchor: usize,
    body: Body,
}

struct Anchored {
    node: Node,
    height: usize,
    count: usize,
    bytes: usize,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    alias_bytes: usize,
    root: Option<Node>,
}

/// Height, node count and scalar bytes of a tree (bounded by [`MAX_DEPTH`]).
fn measure(node: &Node) -> (usize, usize, usize) {
    match &node.kind {
        Kind::Str(s) | Kind::Number(s) => (1, 1, s.len()),
        Kind::Null | Kind::Bool(_) => (1, 1, 0),
        Kind::Seq(items) => items.iter().fold((1, 1, 0), |(h, c, b), n| {
            let (nh, nc, nb) = measure(n);
            (h.max(nh + 1), c + nc, b + nb)
        }),
        Kind::Map(entries) => entries.iter().fold((1, 1, 0), |(h, c, b), e| {
            let (nh, nc, nb) = measure(&e.value);
            (h.max(nh + 1), c + nc, b + nb + e.key.len())
        }),
    }
}

impl Builder {
    fn count(&mut self, n: usize, pos: Pos) -> Result<(), SyntaxError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(SyntaxError::new(
                pos,
                format!("the document has more than {MAX_NODES} nodes (aliases expanded): refused"),
            ));
        }
        Ok(())
    }

    fn open(
        &mut self,
        pos: Pos,
        tag: Option<Tag>,
        anchor: usize,
        body: Body,
    ) -> Result<(), SyntaxError> {
        self.expect_value(pos)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError::new(
                pos,
                format!("the document nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.count(1, pos)?;
        self.stack.push(Frame {
            pos,
            tag,
            anchor,
            body,
        });
        Ok(())
    }

    /// Refuses a container where a mapping key is expected.
    fn expect_value(&self, pos: Pos) -> Result<(), SyntaxError> {
        if let Some(Frame {
            body: Body::Map { key: None, .. },
            ..
        }) = self.stack.last()
        {
            return Err(SyntaxError::new(pos, "a mapping key must be a scalar"));
        }
        Ok(())
    }

    fn close(&mut self, pos: Pos) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.pop() else {
            return Err(SyntaxError::new(pos, "unbalanced YAML events"));
        };
        let (node_kind, is_seq) = match frame.body {
            Body::Seq(items) => (Kind::Seq(items), true),
            Body::Map { entries, key, .. } => {
                if let Some((k, p)) = key {
                    return Err(SyntaxError::new(p, format!("key {k} has no value")));
                }
                (Kind::Map(entries), false)
            }
        };
        let node = Node::new(frame.pos, node_kind);
        let node = match classify(&frame.tag, frame.pos)? {
            TagUse::None => node,
            TagUse::Intrinsic(key) => wrap(key, frame.pos, node),
            TagUse::Core(core) => match (core.as_str(), is_seq) {
                ("seq", true) | ("map", false) => node,
                _ => {
                    return Err(SyntaxError::new(
                        frame.pos,
                        format!(
                            "YAML tag !!{core} does not fit a {}",
                            if is_seq { "sequence" } else { "mapping" }
                        ),
                    ))
                }
            },
        };
        self.complete(node, frame.anchor)
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            let (height, count, bytes) = measure(&node);
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    height,
                    count,
                    bytes,
                },
            );
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), SyntaxError> {
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut top.body {
            Body::Seq(items) => items.push(node),
            Body::Map { entries, key, .. } => match key.take() {
                Some((key, key_pos)) => entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                }),
                None => return Err(SyntaxError::new(node.pos, "a mapping key must be a scalar")),
            },
        }
        Ok(())
    }

    /// Whether the top frame wants a key; if so, takes `text` as the key.
    fn take_key(&mut self, text: &str, pos: Pos) -> Result<bool, SyntaxError> {
        let Some(top) = self.stack.last_mut() else {
            return Ok(false);
        };
        let first = top.body_is_first_key();
        let Body::Map { seen, key, .. } = &mut top.body else {
            return Ok(false);
        };
        if key.is_some() {
            return Ok(false);
        }
        if text == "<<" {
            return Err(SyntaxError::new(
                pos,
                "YAML merge keys (<<) are not supported",
            ));
        }
        if let Some(first_pos) = seen.get(text) {
            return Err(SyntaxError::new(
                pos,
                format!(
                    "duplicate key {text} (first at line {}, column {})",
                    first_pos.line, first_pos.column
                ),
            ));
        }
        seen.insert(text.to_string(), pos);
        *key = Some((text.to_string(), pos));
        if first && pos < top.pos {
            top.pos = pos;
        }
        Ok(true)
    }

    fn scalar(
        &mut self,
        value: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<Tag>,
        pos: Pos,
    ) -> Result<(), SyntaxError> {
        self.count(1, pos)?;
        if self.wants_key() {
            match classify(&tag, pos)? {
                TagUse::Intrinsic(_) => {
                    return Err(SyntaxError::new(
                        pos,
                        "a mapping key cannot be an intrinsic function",
                    ));
                }
                TagUse::None | TagUse::Core(_) => {}
            }
            if anchor != 0 {
                let node = Node::new(pos, Kind::Str(value.clone()));
                let (height, count, bytes) = measure(&node);
                self.anchors.insert(
                    anchor,
                    Anchored {
                        node,
                        height,
                        count,
                        bytes,
                    },
                );
            }
            self.take_key(&value, pos)?;
            return Ok(());
        }
        let node = scalar_node(value, style, &tag, pos)?;
        self.complete(node, anchor)
    }

    fn wants_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                body: Body::Map { key: None, .. },
                ..
            })
        )
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), SyntaxError> {
        let Some(a) = self.anchors.get(&id) else {
            return Err(SyntaxError::new(
                pos,
                "YAML alias to an anchor that is not complete here (an alias inside its own anchor?)",
            ));
        };
        if self.stack.len() + a.height > 2 * MAX_DEPTH + 1 {
            return Err(SyntaxError::new(
                pos,
                format!("the document nests deeper than {MAX_DEPTH} levels once its aliases are expanded"),
            ));
        }
        let (count, bytes) = (a.count, a.bytes);
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_bytes > MAX_ALIAS_BYTES {
            return Err(SyntaxError::new(
                pos,
                format!(
                    "YAML aliases copy more than {MAX_ALIAS_BYTES} bytes: refused (an alias bomb?)"
                ),
            ));
        }
        self.count(count, pos).map_err(|_| {
            SyntaxError::new(
                pos,
                format!(
                    "YAML aliases expand to more than {MAX_NODES} nodes: refused (an alias bomb?)"
                ),
            )
        })?;
        let node = self.anchors[&id].node.clone();
        if self.wants_key() {
            let Some(text) = node.scalar_text() else {
                return Err(SyntaxError::new(pos, "a mapping key must be a scalar"));
            };
            self.take_key(&text, pos)?;
            return Ok(());
        }
        let mut node = node;
        node.pos = pos;
        self.attach(node)
    }
}

impl Frame {
    fn body_is_first_key(&self) -> bool {
        matches!(&self.body, Body::Map { entries, key: None, .. } if entries.is_empty())
    }
}

/// Reads one YAML document. An empty stream is `Null`.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    // The parser is third-party code fed untrusted input: a panic in it is
    // reported as an error, not a crash.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_events(text))) {
        Ok(r) => r,
        Err(_) => Err(SyntaxError::new(
            Pos { line: 1, column: 1 },
            "the YAML parser failed on this input",
        )),
    }
}

fn parse_events(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::default();
    let mut documents = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            SyntaxError::new(pos_of(e.marker()), format!("invalid YAML: {}", e.info()))
        })?;
        let pos = pos_of(&mark);
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError::new(
                        pos,
                        "the file holds more than one YAML document; a template is one",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => b.scalar(value, style, anchor, tag, pos)?,
            Event::Alias(id) => b.alias(id, pos)?,
            Event::SequenceStart(anchor, tag) => b.open(pos, tag, anchor, Body::Seq(Vec::new()))?,
            Event::MappingStart(anchor, tag) => b.open(
                pos,
                tag,
                anchor,
                Body::Map {
                    entries: Vec::new(),
                    seen: HashMap::new(),
                    key: None,
                },
            )?,
            Event::SequenceEnd | Event::MappingEnd => b.close(pos)?,
        }
    }
    Ok(b.root
        .unwrap_or(Node::new(Pos { line: 1, column: 1 }, Kind::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    fn str_node(pos: Pos, s: &str) -> Node {
        Node::new(pos, Kind::Str(s.into()))
    }

    #[test]
    fn short_forms_become_long_forms_with_positions() {
        let doc = parse(
            "A: !Ref X\nB: !GetAtt [R, Attr]\nC: !Sub 'x-${AWS::Region}'\nD: !Condition IsProd\n",
        )
        .unwrap();
        let a = doc.get("A").unwrap();
        assert_eq!(
            a.intrinsic().map(|(k, _, v)| (k, v.clone())),
            Some(("Ref", str_node(p(1, 9), "X")))
        );
        let (k, _, v) = doc.get("B").unwrap().intrinsic().unwrap();
        assert_eq!(k, "Fn::GetAtt");
        assert_eq!(v.items().unwrap().len(), 2);
        assert_eq!(v.items().unwrap()[1].as_str(), Some("Attr"));
        let (k, _, v) = doc.get("C").unwrap().intrinsic().unwrap();
        assert_eq!((k, v.as_str()), ("Fn::Sub", Some("x-${AWS::Region}")));
        let d = doc.get("D").unwrap();
        assert_eq!(d.entries().unwrap()[0].key, "Condition");
        let e = doc.entry("B").unwrap();
        assert_eq!(e.key_pos, p(2, 1));
    }

    #[test]
    fn plain_scalars_are_typed_and_quoted_ones_are_strings() {
        let doc = parse("a: true\nb: 'true'\nc: 443\nd: ~\ne: 012345678901\nf: 1.5e3\ng: 1.2.3\n")
            .unwrap();
        assert_eq!(doc.get("a").unwrap().kind, Kind::Bool(true));
        assert_eq!(doc.get("b").unwrap().kind, Kind::Str("true".into()));
        assert_eq!(doc.get("c").unwrap().kind, Kind::Number("443".into()));
        assert_eq!(doc.get("d").unwrap().kind, Kind::Null);
        assert_eq!(
            doc.get("e").unwrap().kind,
            Kind::Number("012345678901".into())
        );
        assert_eq!(doc.get("f").unwrap().kind, Kind::Number("1.5e3".into()));
        assert_eq!(doc.get("g").unwrap().kind, Kind::Str("1.2.3".into()));
    }

    #[test]
    fn duplicate_keys_are_refused_at_the_second() {
        let e = parse("Resources:\n  A: 1\n  B: 2\n  A: 3\n").unwrap_err();
        assert_eq!(e.pos, p(4, 3));
        assert!(
            e.message
                .contains("duplicate key A (first at line 2, column 3)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("Resources:\n  A: [1, 2\n  B: x\n").unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        let e = parse("a: \"open\n").unwrap_err();
        assert_eq!(e.pos.line, 1);
    }

    #[test]
    fn unknown_tags_and_merge_keys_and_documents() {
        let e = parse("a: !Foo x\n").unwrap_err();
        assert_eq!(
            (e.pos, e.message.as_str()),
            (p(1, 9), "unknown YAML tag !Foo")
        );
        let e = parse("base: &b {x: 1}\nc:\n  <<: *b\n").unwrap_err();
        assert!(e.message.contains("merge keys"), "{}", e.message);
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.message.contains("more than one YAML document"));
        let e = parse("? [a]\n: 1\n").unwrap_err();
        assert!(e.message.contains("key must be a scalar"), "{}", e.message);
    }

    #[test]
    fn aliases_are_copied() {
        let doc = parse("a: &x {k: v}\nb: *x\n").unwrap();
        assert_eq!(doc.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
        assert_eq!(doc.get("b").unwrap().pos, p(2, 4));
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            let items = [prev.as_str(); 9].join(", ");
            s.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("alias bomb"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut s = String::new();
        for i in 0..200 {
            s.push_str(&" ".repeat(i * 2));
            s.push_str("k:\n");
        }
        s.push_str(&" ".repeat(400));
        s.push_str("v\n");
        let e = parse(&s).unwrap_err();
        assert!(e.message.contains("deeper than 128"), "{}", e.message);
        let flow = format!("a: {}", "[".repeat(100_000));
        assert!(parse(&flow).is_err());
    }

    #[test]
    fn an_empty_stream_is_null() {
        assert_eq!(parse("# nothing\n").unwrap().kind, Kind::Null);
    }
}
