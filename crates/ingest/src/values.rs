//! Reading a stream of JSON objects: a JSON array of them, JSON Lines, or objects back to back —
//! the shapes BODS registers publish. One object at a time is in memory.

use std::io::Read;

use crate::read::{Bad, RAW_LIMIT};
use crate::scan::{minify_into, Position, ScanError, Scanner};

/// One object read, as compact JSON text, or input that cannot be used.
#[derive(Debug)]
pub enum ValueItem {
    Object { json: Vec<u8>, at: Position, pointer: String },
    Bad(Bad),
}

fn bad(at: Position, pointer: String, reason: String, raw: &[u8]) -> ValueItem {
    let raw = String::from_utf8_lossy(&raw[..raw.len().min(RAW_LIMIT)]).into_owned();
    ValueItem::Bad(Bad { at, pointer, reason, raw })
}

/// Reads every object of `input`, handing each to `sink`; stops early only if `sink` fails.
pub fn read_objects<R: Read, E>(input: R, sink: &mut dyn FnMut(ValueItem) -> Result<(), E>) -> Result<(), E> {
    let mut scanner = Scanner::new(input);
    let lines = looks_like_lines(&mut scanner);
    let mut line = Vec::new();
    // Consecutive lines that are not JSON are set aside as one span.
    let mut junk: Option<(Position, Vec<u8>)> = None;
    let flush =
        |junk: &mut Option<(Position, Vec<u8>)>, sink: &mut dyn FnMut(ValueItem) -> Result<(), E>| match junk.take() {
            Some((at, raw)) => sink(bad(at, String::new(), format!("not JSON from line {} on", at.line), &raw)),
            None => Ok(()),
        };
    loop {
        let next = match scanner.skip_ws() {
            Ok(next) => next,
            Err(e) => {
                let at = scanner.position();
                return sink(bad(at, String::new(), format!("the input could not be read: {e}"), b""));
            }
        };
        let Some(first) = next else { return flush(&mut junk, sink) };
        if first == b'{' || first == b'[' {
            flush(&mut junk, sink)?;
        }
        let at = scanner.position();
        if lines {
            line.clear();
            if let Err(e) = scanner.read_line(&mut line) {
                return sink(bad(at, String::new(), format!("the input could not be read: {e}"), &line));
            }
            let item = match serde_json::from_slice::<serde::de::IgnoredAny>(&line) {
                Ok(_) if line.trim_ascii_start().first() == Some(&b'{') => {
                    let mut json = Vec::new();
                    minify_into(&line, &mut json);
                    ValueItem::Object { json, at, pointer: String::new() }
                }
                Ok(_) => bad(at, String::new(), format!("line {} is not a JSON object", at.line), &line),
                Err(e) => bad(at, String::new(), format!("line {} is not valid JSON: {e}", at.line), &line),
            };
            sink(item)?;
            continue;
        }
        match first {
            b'[' => {
                scanner.bump();
                let mut index = 0usize;
                loop {
                    match scanner.skip_ws() {
                        Ok(Some(b']')) => {
                            scanner.bump();
                            break;
                        }
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => {
                            let at = scanner.position();
                            return sink(bad(
                                at,
                                format!("/{index}"),
                                "the input ends inside an array (truncated file?)".into(),
                                b"",
                            ));
                        }
                    }
                    let at = scanner.position();
                    let mut json = Vec::new();
                    match scanner.capture_value(&mut json) {
                        Ok(()) => sink(object_or_bad(json, at, format!("/{index}")))?,
                        Err(ScanError::Eof) => {
                            return sink(bad(
                                at,
                                format!("/{index}"),
                                "the input ends inside a value (truncated file?)".into(),
                                &json,
                            ))
                        }
                        Err(ScanError::Io(e)) => {
                            return sink(bad(at, String::new(), format!("the input could not be read: {e}"), b""))
                        }
                    }
                    index += 1;
                    match scanner.skip_ws() {
                        Ok(Some(b',')) => scanner.bump(),
                        Ok(Some(b']')) => {}
                        _ => {
                            let at = scanner.position();
                            let mut rest = Vec::new();
                            let _ = scanner.skip_line(&mut rest, RAW_LIMIT);
                            sink(bad(
                                at,
                                format!("/{index}"),
                                "expected `,` or `]` between array items".into(),
                                &rest,
                            ))?;
                        }
                    }
                }
            }
            b'{' => {
                let mut json = Vec::new();
                match scanner.capture_value(&mut json) {
                    Ok(()) => sink(object_or_bad(json, at, String::new()))?,
                    Err(_) => {
                        return sink(bad(
                            at,
                            String::new(),
                            "the input ends inside a value (truncated file?)".into(),
                            &json,
                        ))
                    }
                }
            }
            _ => {
                // Not JSON here: set the rest of the line aside and look again on the next one.
                let span = junk.get_or_insert_with(|| (at, Vec::new()));
                if scanner.skip_line(&mut span.1, RAW_LIMIT).is_err() {
                    return flush(&mut junk, sink);
                }
            }
        }
    }
}

fn object_or_bad(json: Vec<u8>, at: Position, pointer: String) -> ValueItem {
    if json.first() != Some(&b'{') {
        return bad(at, pointer, "expected a JSON object".into(), &json);
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(&json) {
        Ok(_) => ValueItem::Object { json, at, pointer },
        Err(e) => bad(at, pointer, format!("not valid JSON: {e}"), &json),
    }
}

/// JSON Lines: the first lines each parse as a whole object.
fn looks_like_lines<R: Read>(scanner: &mut Scanner<R>) -> bool {
    let Ok(prefix) = scanner.prefix(1 << 20) else { return false };
    let Some(last) = prefix.iter().rposition(|&b| b == b'\n') else { return false };
    let lines: Vec<&[u8]> =
        prefix[..last].split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty()).take(20).collect();
    lines.len() >= 2
        && lines
            .iter()
            .filter(|l| {
                l.trim_ascii_start().first() == Some(&b'{')
                    && serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok()
            })
            .count()
            * 2
            > lines.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (usize, usize) {
        let (mut good, mut bad) = (0, 0);
        read_objects::<_, ()>(text.as_bytes(), &mut |item| {
            match item {
                ValueItem::Object { .. } => good += 1,
                ValueItem::Bad(_) => bad += 1,
            }
            Ok(())
        })
        .unwrap();
        (good, bad)
    }

    #[test]
    fn arrays_lines_and_objects() {
        assert_eq!(read(r#"[{"a":1}, {"b":2}]"#), (2, 0));
        assert_eq!(read("{\"a\":1}\n{\"b\":2}\n{\"c\":\n{\"d\":4}\n"), (3, 1));
        assert_eq!(read(r#"{"a":1} {"b":2}"#), (2, 0));
        assert_eq!(read(r#"[{"a":1}, 5, {"b":}]"#), (1, 2));
        assert_eq!(read(r#"[{"a":1}, {"b""#), (1, 1));
        // Prose (a licence file in a folder of data) is set aside line by line, and never loops.
        assert_eq!(read("Copyright (c) 2024, someone\nmore prose\n{\"a\":1}"), (1, 1));
        assert_eq!(read(",,,]"), (0, 1));
    }
}
