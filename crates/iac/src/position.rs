//! Byte offsets to 1-based line and column (columns count characters).

/// One line start in every `STRIDE` is kept: a plan of half a million
/// lines costs about 35 KB of index, not one word per line, and a lookup
/// counts at most `STRIDE - 1` newlines past the nearest kept start.
const STRIDE: usize = 64;

/// Sparse line starts of a text, for offset-to-position lookups.
pub struct LineIndex {
    /// The byte offset of lines 0, STRIDE, 2*STRIDE, ... (0-based).
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        let mut line = 0usize;
        for (i, b) in text.iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                if line.is_multiple_of(STRIDE) {
                    starts.push(i + 1);
                }
            }
        }
        starts.shrink_to_fit();
        LineIndex { starts }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, text: &[u8], offset: usize) -> (u32, u32) {
        let end = offset.min(text.len());
        let block = match self.starts.binary_search(&end) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let from = self.starts[block];
        let rest = &text[from..end];
        let line = block * STRIDE + rest.iter().filter(|b| **b == b'\n').count();
        let start = rest
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(from, |i| from + i + 1);
        let column = String::from_utf8_lossy(&text[start..end]).chars().count() + 1;
        (line as u32 + 1, column as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn positions_agree_with_counting_every_line() {
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&"é".repeat(i % 5));
            text.push_str("x\n");
        }
        let bytes = text.as_bytes();
        let index = LineIndex::new(bytes);
        for offset in 0..=bytes.len() {
            if !text.is_char_boundary(offset) {
                continue;
            }
            let before = &text[..offset];
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
            assert_eq!(
                index.position(bytes, offset),
                (line, column),
                "offset {offset}"
            );
        }
    }
}
