//! Turning publishers' bytes into UTF-8 as they stream past: UTF-8 (with or without BOM) passes
//! through; ISO-8859-1 and Windows-1252 are recognised by their first byte that is not valid UTF-8,
//! or forced by the caller.

use std::io::{self, Read};

/// The text encoding of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Detect: UTF-8 unless a byte sequence proves otherwise, then Windows-1252.
    Auto,
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same number.
    Latin1,
    /// Windows-1252: ISO-8859-1 with printable characters in 0x80-0x9F (what "Latin-1" files usually are).
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "iso-8859-1" | "latin-1" | "latin1" => Ok(Encoding::Latin1),
            "windows-1252" | "cp1252" => Ok(Encoding::Windows1252),
            other => Err(format!("unknown encoding `{other}` (use auto, utf-8, iso-8859-1 or windows-1252)")),
        }
    }
}

/// What detection concluded, for the ingest summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Only ASCII seen.
    Ascii,
    Utf8,
    Windows1252,
    Latin1,
    /// Valid UTF-8 with non-ASCII text, then bytes that are not: decoded as Windows-1252 from there on.
    Mixed,
}

const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02C6}',
    '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}',
    '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}',
    '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

fn push_single_byte(out: &mut Vec<u8>, byte: u8, windows: bool) {
    let c = if windows && (0x80..0xA0).contains(&byte) { CP1252_HIGH[(byte - 0x80) as usize] } else { byte as char };
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// A reader that yields UTF-8 whatever the input's encoding.
pub struct Utf8Reader<R> {
    inner: R,
    mode: Mode,
    seen_non_ascii: bool,
    detected: Detected,
    raw: Vec<u8>,
    /// Bytes of a UTF-8 sequence cut by the end of the last read.
    carry: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    started: bool,
    eof: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Utf8Probe,
    Utf8Forced,
    SingleByte { windows: bool },
}

impl<R: Read> Utf8Reader<R> {
    pub fn new(inner: R, encoding: Encoding) -> Self {
        let (mode, detected) = match encoding {
            Encoding::Auto => (Mode::Utf8Probe, Detected::Ascii),
            Encoding::Utf8 => (Mode::Utf8Forced, Detected::Utf8),
            Encoding::Latin1 => (Mode::SingleByte { windows: false }, Detected::Latin1),
            Encoding::Windows1252 => (Mode::SingleByte { windows: true }, Detected::Windows1252),
        };
        Utf8Reader {
            inner,
            mode,
            seen_non_ascii: false,
            detected,
            raw: vec![0; 256 * 1024],
            carry: Vec::new(),
            out: Vec::with_capacity(256 * 1024),
            out_pos: 0,
            started: false,
            eof: false,
        }
    }

    pub fn detected(&self) -> Detected {
        self.detected
    }

    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.eof {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                self.eof = true;
                if !self.carry.is_empty() {
                    // A cut sequence at the very end: not UTF-8 after all.
                    let carry = std::mem::take(&mut self.carry);
                    self.decode(&carry, true);
                }
                break;
            }
            let mut chunk = std::mem::take(&mut self.carry);
            chunk.extend_from_slice(&self.raw[..n]);
            let mut start = 0;
            if !self.started {
                self.started = true;
                if chunk.starts_with(&[0xEF, 0xBB, 0xBF]) {
                    start = 3;
                }
            }
            self.decode(&chunk[start..], false);
        }
        Ok(())
    }

    fn decode(&mut self, bytes: &[u8], at_end: bool) {
        match self.mode {
            Mode::SingleByte { windows } => {
                if bytes.is_ascii() {
                    self.out.extend_from_slice(bytes);
                } else {
                    for &b in bytes {
                        push_single_byte(&mut self.out, b, windows);
                    }
                }
            }
            // The fast check first; only text that fails it is looked at again, for where and how.
            Mode::Utf8Forced | Mode::Utf8Probe => {
                match simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)) {
                    Ok(text) => {
                        if !self.seen_non_ascii && !text.is_ascii() {
                            self.seen_non_ascii = true;
                            self.detected = Detected::Utf8;
                        }
                        self.out.extend_from_slice(bytes);
                    }
                    Err(e) if e.error_len().is_none() && !at_end => {
                        // A sequence cut by the read: keep its bytes for the next one.
                        let valid = e.valid_up_to();
                        self.decode(&bytes[..valid], false);
                        self.carry.extend_from_slice(&bytes[valid..]);
                    }
                    Err(e) => {
                        let valid = e.valid_up_to();
                        if self.mode == Mode::Utf8Forced {
                            // Forced UTF-8: replace what is not, as lossy decoding does.
                            self.out.extend_from_slice(String::from_utf8_lossy(bytes).as_bytes());
                            return;
                        }
                        if self.seen_non_ascii {
                            self.detected = Detected::Mixed;
                            self.out.extend_from_slice(&bytes[..valid]);
                            self.mode = Mode::SingleByte { windows: true };
                            self.decode(&bytes[valid..], at_end);
                        } else {
                            // Nothing but ASCII went out before this read: the whole read is Windows-1252.
                            self.detected = Detected::Windows1252;
                            self.mode = Mode::SingleByte { windows: true };
                            self.decode(bytes, at_end);
                        }
                    }
                }
            }
        }
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.fill()?;
        }
        let available = &self.out[self.out_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: Encoding) -> (String, Detected) {
        let mut reader = Utf8Reader::new(bytes, encoding);
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        (out, reader.detected())
    }

    #[test]
    fn utf8_passes_through_and_bom_is_dropped() {
        let (text, detected) = decode("\u{FEFF}{\"name\":\"Коваленко\"}".as_bytes(), Encoding::Auto);
        assert_eq!(text, "{\"name\":\"Коваленко\"}");
        assert_eq!(detected, Detected::Utf8);
    }

    #[test]
    fn latin1_bytes_are_detected() {
        let (text, detected) = decode(b"{\"name\":\"SECRETAR\xcdA \x80\"}", Encoding::Auto);
        assert_eq!(text, "{\"name\":\"SECRETARÍA €\"}");
        assert_eq!(detected, Detected::Windows1252);
    }

    #[test]
    fn forced_latin1_maps_bytes_to_code_points() {
        let (text, _) = decode(b"\x80\xe9", Encoding::Latin1);
        assert_eq!(text, "\u{80}é");
    }

    #[test]
    fn sequences_cut_between_reads_survive() {
        // A reader that hands out one byte at a time cuts every multi-byte sequence.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let source = "ბერიძე Коваленко".as_bytes();
        let mut reader = Utf8Reader::new(OneByte(source), Encoding::Auto);
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, "ბერიძე Коваленко");
    }
}
