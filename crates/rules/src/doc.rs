//! A rule's doc page (`rules/<ID>.md`) split into its parts.

/// A rule's doc page split into its parts.
#[derive(Debug, Clone, Copy)]
pub struct DocPage<'a> {
    /// `# IB002: private-dns-disabled`, without the `# `.
    pub title: &'a str,
    /// The one-line summary under the title.
    pub summary: &'a str,
    pub text: &'a str,
}

impl<'a> DocPage<'a> {
    pub fn parse(text: &'a str) -> DocPage<'a> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let title = lines.next().unwrap_or("").trim_start_matches('#').trim();
        let summary = lines.next().unwrap_or("");
        DocPage {
            title,
            summary,
            text,
        }
    }

    /// The body of a `## heading` section, trimmed; empty when absent.
    pub fn section(&self, heading: &str) -> &'a str {
        let marker = format!("\n## {heading}\n");
        let Some(start) = self.text.find(&marker) else {
            return "";
        };
        let body = &self.text[start + marker.len()..];
        let end = body.find("\n## ").unwrap_or(body.len());
        body[..end].trim()
    }
}
