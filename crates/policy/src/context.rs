//! The request context: what the auditor knows about each condition key.

use std::collections::HashMap;

use crate::keys::is_global_key;

/// What the auditor knows about one condition key in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Present with these values (one for a single-valued key).
    Values(Vec<String>),
    /// Not in the request.
    Absent,
    /// Present or not, with a value the auditor cannot know.
    Unknown,
    /// Present, value unknown, but none of these (the resource account of an
    /// AWS-owned bucket is not the customer's account).
    NoneOf(Vec<String>),
}

/// The request context: condition keys by lower-case name, key prefixes
/// (`aws:principaltag/`) and what every other key is.
#[derive(Debug, Clone)]
pub struct Context {
    keys: HashMap<String, KeyState>,
    prefixes: Vec<(String, KeyState)>,
    otherwise: KeyState,
}

impl Context {
    /// Keys not set are absent (a fully described request).
    pub fn closed() -> Context {
        Context {
            keys: HashMap::new(),
            prefixes: Vec::new(),
            otherwise: KeyState::Absent,
        }
    }

    /// Keys not set are unknown (an auditor's view of a real request).
    pub fn open() -> Context {
        Context {
            keys: HashMap::new(),
            prefixes: Vec::new(),
            otherwise: KeyState::Unknown,
        }
    }

    pub fn set(&mut self, key: &str, state: KeyState) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), state);
        self
    }

    pub fn value(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.set(key, KeyState::Values(vec![value.into()]))
    }

    /// Every key starting with `prefix` (`aws:PrincipalTag/`) is in `state`.
    pub fn set_prefix(&mut self, prefix: &str, state: KeyState) -> &mut Self {
        self.prefixes.push((prefix.to_ascii_lowercase(), state));
        self
    }

    /// `key` must be lower case. A key in the `aws:` namespace that IAM's
    /// reference does not define, and the context does not set, is unknown
    /// whatever the context says of other keys: AWS adds global keys, and a
    /// key the engine does not know must never be guessed absent (a
    /// misspelling is then "cannot prove", and the lint names it).
    pub fn get(&self, key: &str) -> &KeyState {
        if let Some(s) = self.keys.get(key) {
            return s;
        }
        if let Some((_, s)) = self
            .prefixes
            .iter()
            .find(|(p, _)| key.starts_with(p.as_str()))
        {
            return s;
        }
        if key.starts_with("aws:") && !is_global_key(key) {
            return &KeyState::Unknown;
        }
        &self.otherwise
    }
}
