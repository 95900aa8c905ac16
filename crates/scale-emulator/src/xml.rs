//! Just enough XML writing for the query protocols (EC2, STS).

use std::fmt::Write;

pub struct Xml(pub String);

/// Text escaped for an element's content.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out.into()
}

impl Xml {
    /// A response document: the XML declaration and `<{root} xmlns=...>`.
    pub fn document(root: &str, namespace: &str) -> Xml {
        let mut s = String::with_capacity(2048);
        let _ = write!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{namespace}\">"
        );
        Xml(s)
    }

    pub fn open(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.0, "<{tag}>");
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.0, "</{tag}>");
        self
    }

    /// `<tag>text</tag>`, escaped.
    pub fn leaf(&mut self, tag: &str, text: impl std::fmt::Display) -> &mut Self {
        let text = text.to_string();
        let _ = write!(self.0, "<{tag}>{}</{tag}>", escape(&text));
        self
    }

    /// `<tag>` with one `<item>` per element, written by `f`; `<tag/>` when empty.
    pub fn items<T>(
        &mut self,
        tag: &str,
        items: impl IntoIterator<Item = T>,
        mut f: impl FnMut(&mut Xml, T),
    ) -> &mut Self {
        let mut any = false;
        for item in items {
            if !any {
                self.open(tag);
                any = true;
            }
            self.open("item");
            f(self, item);
            self.close("item");
        }
        if any {
            self.close(tag);
        } else {
            let _ = write!(self.0, "<{tag}/>");
        }
        self
    }

    /// `<tag><item>v</item>...</tag>` for plain values.
    pub fn values<T: std::fmt::Display>(
        &mut self,
        tag: &str,
        values: impl IntoIterator<Item = T>,
    ) -> &mut Self {
        self.items(tag, values, |x, v| {
            let v = v.to_string();
            let _ = write!(x.0, "{}", escape(&v));
        })
    }

    /// `<tagSet>` of `Name` (and other) tags.
    pub fn tags(&mut self, tags: &[(&str, &str)]) -> &mut Self {
        self.items("tagSet", tags.iter(), |x, (k, v)| {
            x.leaf("key", k).leaf("value", v);
        })
    }

    pub fn finish(mut self, root: &str) -> String {
        let _ = write!(self.0, "</{root}>");
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_sets_and_escapes() {
        let mut x = Xml::document("R", "ns");
        x.leaf("a", "<&>")
            .values("s", ["x", "y"])
            .values::<&str>("e", []);
        assert_eq!(
            x.finish("R"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R xmlns=\"ns\"><a>&lt;&amp;&gt;</a><s><item>x</item><item>y</item></s><e/></R>"
        );
    }
}
