//! Byte offsets to 1-based line and column (columns count characters).

/// Line starts of a text, for offset-to-position lookups.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr_iter(text).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, text: &[u8], offset: usize) -> (u32, u32) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let end = offset.min(text.len());
        let column = String::from_utf8_lossy(&text[start..end]).chars().count() + 1;
        (line as u32 + 1, column as u32)
    }
}

fn memchr_iter(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}
