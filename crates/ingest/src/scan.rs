//! A byte-level JSON scanner that finds where values begin and end without building them, so that a
//! multi-gigabyte package is read one release at a time.

use std::io::{self, Read};

/// Where something is in the input: byte offset (of the UTF-8 text) and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    pub offset: u64,
    pub line: u64,
}

#[derive(Debug)]
pub enum ScanError {
    Io(io::Error),
    /// The input ended inside a value.
    Eof,
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

const BUF: usize = 256 * 1024;

pub struct Scanner<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Offset of `buf[0]` in the input.
    base: u64,
    /// Line number at `buf[line_pos]`.
    line: u64,
    line_pos: usize,
    eof: bool,
}

impl<R: Read> Scanner<R> {
    pub fn new(reader: R) -> Self {
        Self::with_origin(reader, Position { offset: 0, line: 1 })
    }

    /// A scanner whose positions start at `origin` (for a line cut out of a larger input).
    pub fn with_origin(reader: R, origin: Position) -> Self {
        Scanner {
            reader,
            buf: vec![0; BUF],
            pos: 0,
            len: 0,
            base: origin.offset,
            line: origin.line,
            line_pos: 0,
            eof: false,
        }
    }

    /// Refills the buffer, keeping nothing before `pos`. Returns false at end of input.
    fn refill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        self.count_lines();
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.len, 0);
            self.base += self.pos as u64;
            self.len -= self.pos;
            self.pos = 0;
            self.line_pos = 0;
        }
        if self.len == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn count_lines(&mut self) {
        if self.line_pos < self.pos {
            // Every byte of the input passes here once: memchr jumps from newline to newline.
            self.line += memchr::memchr_iter(b'\n', &self.buf[self.line_pos..self.pos]).count() as u64;
            self.line_pos = self.pos;
        }
    }

    pub fn position(&mut self) -> Position {
        self.count_lines();
        Position { offset: self.base + self.pos as u64, line: self.line }
    }

    pub fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos >= self.len && !self.refill()? {
            return Ok(None);
        }
        Ok(Some(self.buf[self.pos]))
    }

    pub fn bump(&mut self) {
        self.pos += 1;
    }

    /// Skips white space; returns the next byte without consuming it.
    pub fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        loop {
            while self.pos < self.len {
                match self.buf[self.pos] {
                    b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                    b => return Ok(Some(b)),
                }
            }
            if !self.refill()? {
                return Ok(None);
            }
        }
    }

    /// Copies the next value (object, array, string or scalar) into `out`, checking only that brackets
    /// balance outside strings; the JSON parser checks the rest.
    pub fn capture_value(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let first = self.peek()?.ok_or(ScanError::Eof)?;
        match first {
            b'{' | b'[' | b'"' => self.capture_nested(out),
            _ => {
                // A scalar runs to the next delimiter.
                loop {
                    let start = self.pos;
                    while self.pos < self.len {
                        match self.buf[self.pos] {
                            b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'[' | b'"' => {
                                out.extend_from_slice(&self.buf[start..self.pos]);
                                return Ok(());
                            }
                            _ => self.pos += 1,
                        }
                    }
                    out.extend_from_slice(&self.buf[start..self.pos]);
                    if !self.refill()? {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Copies an object, array or string, leaving out the white space between tokens (so a
    /// pretty-printed release is stored as compactly as a minified one).
    fn capture_nested(&mut self, out: &mut Vec<u8>) -> Result<(), ScanError> {
        let mut depth = 0usize;
        let mut in_string = false;
        loop {
            let mut start = self.pos;
            while self.pos < self.len {
                if in_string {
                    // Jump to the next quote or backslash: most of a release is string content.
                    match find_quote_or_backslash(&self.buf[self.pos..self.len]) {
                        None => self.pos = self.len,
                        Some(i) => {
                            let at = self.pos + i;
                            if self.buf[at] == b'\\' {
                                if at + 1 < self.len {
                                    self.pos = at + 2;
                                } else {
                                    // The escaped byte is in the next read: keep the backslash for then.
                                    out.extend_from_slice(&self.buf[start..at]);
                                    self.pos = at;
                                    start = at;
                                    break;
                                }
                            } else {
                                self.pos = at + 1;
                                in_string = false;
                                if depth == 0 {
                                    out.extend_from_slice(&self.buf[start..self.pos]);
                                    return Ok(());
                                }
                            }
                        }
                    }
                    continue;
                }
                let b = self.buf[self.pos];
                self.pos += 1;
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            out.extend_from_slice(&self.buf[start..self.pos]);
                            return Ok(());
                        }
                    }
                    b' ' | b'\t' | b'\n' | b'\r' => {
                        out.extend_from_slice(&self.buf[start..self.pos - 1]);
                        start = self.pos;
                    }
                    _ => {}
                }
            }
            out.extend_from_slice(&self.buf[start..self.pos]);
            if self.pos < self.len {
                // Stopped on a backslash at the end of the buffer: refill keeps it.
                let before = self.len - self.pos;
                if !self.refill()? || self.len - self.pos <= before {
                    return Err(ScanError::Eof);
                }
                continue;
            }
            if !self.refill()? {
                return Err(ScanError::Eof);
            }
        }
    }

    /// Copies the rest of the current line (without its newline) into `out` and consumes the newline.
    pub fn read_line(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        loop {
            let start = self.pos;
            if let Some(i) = self.buf[self.pos..self.len].iter().position(|&b| b == b'\n') {
                out.extend_from_slice(&self.buf[start..start + i]);
                self.pos = start + i + 1;
                return Ok(());
            }
            out.extend_from_slice(&self.buf[start..self.len]);
            self.pos = self.len;
            if !self.refill()? {
                return Ok(());
            }
        }
    }

    /// Skips to the start of the next line (used to find a fresh start after unreadable input).
    pub fn skip_line(&mut self, keep: &mut Vec<u8>, limit: usize) -> io::Result<()> {
        loop {
            let start = self.pos;
            let found = self.buf[self.pos..self.len].iter().position(|&b| b == b'\n');
            let end = found.map_or(self.len, |i| start + i + 1);
            let room = limit.saturating_sub(keep.len());
            keep.extend_from_slice(&self.buf[start..end.min(start + room)]);
            self.pos = end;
            if found.is_some() || !self.refill()? {
                return Ok(());
            }
        }
    }

    /// The unread input from here, at least `want` bytes of it unless the input is shorter.
    pub fn prefix(&mut self, want: usize) -> io::Result<&[u8]> {
        while self.len - self.pos < want && self.refill()? {}
        Ok(&self.buf[self.pos..self.len])
    }

    /// Whether only spaces and tabs (and a carriage return) stand before the next newline or the end.
    pub fn rest_of_line_is_blank(&mut self) -> io::Result<bool> {
        loop {
            while self.pos < self.len {
                match self.buf[self.pos] {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => return Ok(true),
                    _ => return Ok(false),
                }
            }
            if !self.refill()? {
                return Ok(true);
            }
        }
    }
}

/// Where the first `"` or `\\` is in `bytes`. Eight bytes at a time: most strings are a few dozen
/// bytes, too short for a vectorised search to pay for setting itself up.
#[inline]
fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let quote = x ^ (ONES * b'"' as u64);
        let backslash = x ^ (ONES * b'\\' as u64);
        // The high bit of a byte is set where it is zero (after the xor); a borrow can only mark
        // bytes after a real match, so the lowest mark is a real one.
        let found = ((quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == b'"' || b == b'\\').map(|j| i + j)
}

/// Copies JSON text without the white space between tokens (white space inside strings stays).
pub fn minify_into(src: &[u8], out: &mut Vec<u8>) {
    out.reserve(src.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut run_start = 0;
    for (i, &b) in src.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b' ' | b'\t' | b'\n' | b'\r' => {
                out.extend_from_slice(&src[run_start..i]);
                run_start = i + 1;
            }
            _ => {}
        }
    }
    out.extend_from_slice(&src[run_start..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn minify_keeps_strings_whole() {
        let mut out = Vec::new();
        super::minify_into(b"{ \"a b\" : [1, 2],\n \"c\":\"x\\\" y\" }", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a b":[1,2],"c":"x\" y"}"#);
    }

    use super::*;

    #[test]
    fn captures_values_with_tricky_strings() {
        let text = br#"{"a": "}]\"{", "b": [1, {"c": 2}]} 42 "x\"y" [1,2]"#;
        let mut s = Scanner::new(&text[..]);
        let mut got = Vec::new();
        for _ in 0..4 {
            s.skip_ws().unwrap();
            let mut out = Vec::new();
            s.capture_value(&mut out).unwrap();
            got.push(String::from_utf8(out).unwrap());
        }
        // Objects and arrays come out without the white space between tokens.
        assert_eq!(got, [r#"{"a":"}]\"{","b":[1,{"c":2}]}"#, "42", r#""x\"y""#, "[1,2]"]);
        assert_eq!(s.skip_ws().unwrap(), None);
    }

    #[test]
    fn positions_count_lines_across_refills() {
        let mut text = Vec::new();
        for _ in 0..100_000 {
            text.extend_from_slice(b"{\"a\":1}\n");
        }
        let mut s = Scanner::new(&text[..]);
        let mut out = Vec::new();
        for _ in 0..70_000 {
            s.skip_ws().unwrap();
            s.capture_value(&mut out).unwrap();
        }
        s.skip_ws().unwrap();
        assert_eq!(s.position(), Position { offset: 70_000 * 8, line: 70_001 });
    }

    #[test]
    fn escapes_cut_by_the_buffer_edge_survive() {
        // A reader that hands out 3 bytes at a time puts backslashes at every buffer edge.
        struct Small<'a>(&'a [u8]);
        impl Read for Small<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(3).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let text = br#"{"a\"b": "c\\", "d": ["\"]\""]}"#;
        let mut s = Scanner::new(Small(text));
        s.skip_ws().unwrap();
        let mut out = Vec::new();
        s.capture_value(&mut out).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, serde_json::from_slice::<serde_json::Value>(text).unwrap());
    }

    #[test]
    fn quotes_and_backslashes_are_found_wherever_they_are() {
        for special in [b'"', b'\\'] {
            for len in 0..20 {
                for at in 0..=len {
                    let mut bytes: Vec<u8> = (0..len).map(|i| [0xd0, 0x96, b'!', b'#', b']', 0x7f][i % 6]).collect();
                    if at < len {
                        bytes[at] = special;
                    }
                    assert_eq!(find_quote_or_backslash(&bytes), (at < len).then_some(at), "{special} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn truncated_input_is_reported() {
        let mut s = Scanner::new(&b"{\"a\": [1, 2"[..]);
        assert!(matches!(s.capture_value(&mut Vec::new()), Err(ScanError::Eof)));
    }
}
