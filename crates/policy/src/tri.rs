//! Three-valued (Kleene) truth for matching a statement against a request
//! whose context is partly unknown: yes, no, or maybe, with the condition
//! keys that make it maybe.

/// Kleene three-valued truth, with the keys that make it unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    Maybe(Vec<String>),
}

impl Tri {
    pub(crate) fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    pub(crate) fn maybe(key: &str) -> Tri {
        Tri::Maybe(vec![key.to_string()])
    }

    pub(crate) fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            m => m,
        }
    }

    pub(crate) fn and(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::No => Tri::No,
            Tri::Yes => other(),
            Tri::Maybe(mut k) => match other() {
                Tri::No => Tri::No,
                Tri::Yes => Tri::Maybe(k),
                Tri::Maybe(k2) => {
                    k.extend(k2);
                    Tri::Maybe(k)
                }
            },
        }
    }

    pub(crate) fn or(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::Yes => Tri::Yes,
            Tri::No => other(),
            Tri::Maybe(mut k) => match other() {
                Tri::Yes => Tri::Yes,
                Tri::No => Tri::Maybe(k),
                Tri::Maybe(k2) => {
                    k.extend(k2);
                    Tri::Maybe(k)
                }
            },
        }
    }

    pub(crate) fn any<I: IntoIterator<Item = Tri>>(items: I) -> Tri {
        items.into_iter().fold(Tri::No, |acc, t| acc.or(|| t))
    }

    pub(crate) fn all<I: IntoIterator<Item = Tri>>(items: I) -> Tri {
        items.into_iter().fold(Tri::Yes, |acc, t| acc.and(|| t))
    }
}
