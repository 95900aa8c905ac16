//! The positioned document tree both template syntaxes (YAML and JSON) are
//! read into: every node and every mapping key keeps its 1-based line and
//! column, and YAML short-form tags (`!Ref X`) are already rewritten into
//! their long form (`{"Ref": "X"}`).

/// How deep containers may nest. Templates nest a dozen levels at most; the
/// cap keeps every recursive walk of the tree far from the stack's end.
pub(crate) const MAX_DEPTH: usize = 128;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    /// The number as written (`443`, `0.5`, `012345678901`).
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; keys are unique (the readers refuse
    /// duplicates).
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// A syntax error, before it is given its file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl SyntaxError {
    pub fn new(pos: Pos, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            pos,
            message: message.into(),
        }
    }
}

impl Node {
    pub fn new(pos: Pos, kind: Kind) -> Node {
        Node { pos, kind }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(e) => Some(e),
            _ => None,
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar (strings, numbers, booleans), as CloudFormation
    /// reads scalars where it wants a string.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) | Kind::Number(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(v) => Some(v),
            _ => None,
        }
    }

    /// An intrinsic function call: a mapping whose one key is `Ref` or
    /// `Fn::...`. Returns the function name, its key's position and its
    /// argument.
    pub fn intrinsic(&self) -> Option<(&str, Pos, &Node)> {
        match &self.kind {
            Kind::Map(e) if e.len() == 1 && is_intrinsic_name(&e[0].key) => {
                Some((&e[0].key, e[0].key_pos, &e[0].value))
            }
            _ => None,
        }
    }

    /// "a string", "a list", ... for messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

pub(crate) fn is_intrinsic_name(key: &str) -> bool {
    key == "Ref" || key.starts_with("Fn::")
}
