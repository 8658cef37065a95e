//! The JSON value the merge works on: like `serde_json::Value`, but objects keep their fields in a
//! plain list (no hashing while parsing), numbers keep their text as serde_json reads it, and
//! strings and numbers borrow from the text they were parsed from wherever they can.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Light<'a> {
    Null,
    Bool(bool),
    /// The number's text, as serde_json (with `arbitrary_precision`) gives it: as written, but for
    /// an exponent, which reads `e`, then a sign.
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Array(Vec<Light<'a>>),
    /// Fields in order of appearance.
    Object(Vec<(Cow<'a, str>, Light<'a>)>),
}

/// The key serde_json uses to hand over a number's text when `arbitrary_precision` is on.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'a> Light<'a> {
    pub fn is_object(&self) -> bool {
        matches!(self, Light::Object(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Light::Null)
    }

    /// A field of an object (the last one, if a publisher repeated it).
    pub fn get(&self, key: &str) -> Option<&Light<'a>> {
        match self {
            Light::Object(fields) => fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Reads JSON text, borrowing from it: the same value serde_json gives (see
    /// [`Light::deserialize`](Deserialize::deserialize)), and the same error on text that is not JSON.
    pub fn parse(text: &'a [u8]) -> Result<Light<'a>, serde_json::Error> {
        let utf8 = simdutf8::basic::from_utf8(text).ok();
        match utf8.and_then(|text| Parser { text: text.as_bytes(), src: text, at: 0 }.run()) {
            Some(light) => Ok(light),
            // Anything out of the ordinary (including every error) is read by serde_json, which
            // says exactly what is wrong.
            None => serde_json::from_slice(text),
        }
    }

    /// Writes the value as compact JSON.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Light::Null => out.extend_from_slice(b"null"),
            Light::Bool(true) => out.extend_from_slice(b"true"),
            Light::Bool(false) => out.extend_from_slice(b"false"),
            Light::Number(text) => out.extend_from_slice(text.as_bytes()),
            Light::String(s) => write_str(out, s),
            Light::Array(items) => write_array(out, items),
            Light::Object(fields) => {
                out.push(b'{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, key);
                    out.push(b':');
                    value.write_json(out);
                }
                out.push(b'}');
            }
        }
    }

    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).expect("JSON text is UTF-8")
    }
}

/// Writes a JSON array of values.
pub fn write_array(out: &mut Vec<u8>, items: &[Light]) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_json(out);
    }
    out.push(b']');
}

/// Writes a JSON string literal, escaped as serde_json escapes.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    // Most strings need no escape at all: copy them whole. (A fold, unlike `any`, vectorises.)
    if !s.bytes().fold(false, |needs, b| needs | (b < 0x20) | (b == b'"') | (b == b'\\')) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
    }
}

impl From<Value> for Light<'static> {
    fn from(value: Value) -> Light<'static> {
        match value {
            Value::Null => Light::Null,
            Value::Bool(b) => Light::Bool(b),
            Value::Number(n) => Light::Number(n.to_string().into()),
            Value::String(s) => Light::String(s.into()),
            Value::Array(items) => Light::Array(items.into_iter().map(Light::from).collect()),
            Value::Object(map) => Light::Object(map.into_iter().map(|(k, v)| (k.into(), Light::from(v))).collect()),
        }
    }
}

/// serde_json's limit on nesting; deeper text is left to serde_json to refuse.
const MAX_DEPTH: usize = 128;

/// The fields of the object that is all of `text` (but for white space around it): each name, and
/// its value's text, checked as JSON unless `checked` says the text is JSON already (a part of text
/// checked before). `None` for anything else, or anything out of the ordinary.
pub(crate) fn object_fields(text: &str, checked: bool) -> Option<Vec<(Cow<'_, str>, &str)>> {
    let mut parser = Parser { text: text.as_bytes(), src: text, at: 0 };
    parser.skip_ws();
    if parser.peek()? != b'{' {
        return None;
    }
    parser.at += 1;
    let mut fields = Vec::new();
    parser.skip_ws();
    if parser.peek()? == b'}' {
        parser.at += 1;
    } else {
        loop {
            parser.skip_ws();
            if parser.peek()? != b'"' {
                return None;
            }
            let key = parser.string()?;
            parser.skip_ws();
            if parser.peek()? != b':' {
                return None;
            }
            parser.at += 1;
            parser.skip_ws();
            let start = parser.at;
            parser.skip_value(checked)?;
            fields.push((key, &text[start..parser.at]));
            parser.skip_ws();
            match parser.peek()? {
                b',' => parser.at += 1,
                b'}' => {
                    parser.at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    parser.skip_ws();
    (parser.at == text.len()).then_some(fields)
}

/// The items' texts of the array that is all of `text`, checked as JSON unless `checked` (as for
/// [`object_fields`]); `None` for anything else.
pub(crate) fn array_items(text: &str, checked: bool) -> Option<Vec<&str>> {
    let mut parser = Parser { text: text.as_bytes(), src: text, at: 0 };
    parser.skip_ws();
    if parser.peek()? != b'[' {
        return None;
    }
    parser.at += 1;
    let mut items = Vec::new();
    parser.skip_ws();
    if parser.peek()? == b']' {
        parser.at += 1;
    } else {
        loop {
            parser.skip_ws();
            let start = parser.at;
            parser.skip_value(checked)?;
            items.push(&text[start..parser.at]);
            parser.skip_ws();
            match parser.peek()? {
                b',' => parser.at += 1,
                b']' => {
                    parser.at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    parser.skip_ws();
    (parser.at == text.len()).then_some(items)
}

/// The string that is all of `text`, unescaped; `None` for anything else.
pub(crate) fn string_value(text: &str) -> Option<Cow<'_, str>> {
    let mut parser = Parser { text: text.as_bytes(), src: text, at: 0 };
    parser.skip_ws();
    if parser.peek()? != b'"' {
        return None;
    }
    let s = parser.string()?;
    parser.skip_ws();
    (parser.at == text.len()).then_some(s)
}

/// A JSON reader for the common case: it gives up (`None`) on anything it does not handle exactly as
/// serde_json does, and [`Light::parse`] then asks serde_json.
struct Parser<'a> {
    /// The text, known to be UTF-8 (`src`), as bytes.
    text: &'a [u8],
    src: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn run(mut self) -> Option<Light<'a>> {
        let value = self.value(0)?;
        self.skip_ws();
        (self.at == self.text.len()).then_some(value)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.text.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Light<'a>> {
        self.skip_ws();
        match self.peek()? {
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let mut fields = Vec::new();
                self.skip_ws();
                if self.peek()? == b'}' {
                    self.at += 1;
                    return Some(Light::Object(fields));
                }
                loop {
                    self.skip_ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    if fields.is_empty() && key == NUMBER_TOKEN {
                        // serde_json reads this object as a number: leave it to serde_json.
                        return None;
                    }
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    let value = self.value(depth + 1)?;
                    fields.push((key, value));
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b'}' => {
                            self.at += 1;
                            return Some(Light::Object(fields));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek()? == b']' {
                    self.at += 1;
                    return Some(Light::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(Light::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(Light::String),
            b't' => self.literal(b"true", Light::Bool(true)),
            b'f' => self.literal(b"false", Light::Bool(false)),
            b'n' => self.literal(b"null", Light::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Goes past a value without building it: checking it, or not if the text is JSON already.
    fn skip_value(&mut self, checked: bool) -> Option<()> {
        if checked {
            self.pass_value()
        } else {
            self.skip(1)
        }
    }

    /// Goes past a value of text known to be JSON: brackets are counted, strings jumped over.
    fn pass_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match *self.text.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    loop {
                        self.at += find_quote_or_backslash(&self.text[self.at..])?;
                        if self.text[self.at] == b'"' {
                            self.at += 1;
                            break;
                        }
                        self.at += 2;
                    }
                    if depth == 0 {
                        return Some(());
                    }
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' => {
                    // The end of the enclosing container ends a scalar too.
                    if depth == 0 {
                        return Some(());
                    }
                    depth -= 1;
                    self.at += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                b',' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => return Some(()),
                _ => self.at += 1,
            }
        }
    }

    /// Checks a value without building it.
    fn skip(&mut self, depth: usize) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            open @ (b'{' | b'[') => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                let close = if open == b'{' { b'}' } else { b']' };
                self.at += 1;
                self.skip_ws();
                if self.peek()? == close {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.skip_ws();
                    if open == b'{' {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        self.skip_string()?;
                        self.skip_ws();
                        if self.peek()? != b':' {
                            return None;
                        }
                        self.at += 1;
                    }
                    self.skip(depth + 1)?;
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b if b == close => {
                            self.at += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.skip_string(),
            b't' => self.literal(b"true", Light::Null).map(drop),
            b'f' => self.literal(b"false", Light::Null).map(drop),
            b'n' => self.literal(b"null", Light::Null).map(drop),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Checks a string, at its opening quote, without building it.
    fn skip_string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            self.at += find_special(&self.text[self.at..])?;
            match self.text[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {}
                _ => return None,
            }
            match *self.text.get(self.at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 2,
                b'u' => {
                    self.at += 2;
                    // Surrogates are left to serde_json, which reads them differently in different places.
                    if let 0xD800..=0xDFFF = self.hex4()? {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8], value: Light<'a>) -> Option<Light<'a>> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Some(value)
        } else {
            None
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.text.get(self.at) {
            self.at += 1;
        }
        self.at - start
    }

    /// A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<Light<'a>> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            // serde_json writes an exponent as `e` and a sign, whatever the text had.
            let mantissa = &self.src[start..self.at];
            self.at += 1;
            let sign = match self.peek()? {
                b'+' | b'-' => {
                    self.at += 1;
                    self.text[self.at - 1] as char
                }
                _ => '+',
            };
            let from = self.at;
            if self.digits() == 0 {
                return None;
            }
            return Some(Light::Number(format!("{mantissa}e{sign}{}", &self.src[from..self.at]).into()));
        }
        Some(Light::Number(Cow::Borrowed(&self.src[start..self.at])))
    }

    /// A string, at its opening quote. Borrowed unless it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.at += 1;
        let start = self.at;
        let end = start + find_special(&self.text[start..])?;
        match self.text[end] {
            b'"' => {
                self.at = end + 1;
                return Some(Cow::Borrowed(&self.src[start..end]));
            }
            b'\\' => {}
            _ => return None,
        }
        // Escapes: unescape into a new string.
        let mut out = String::with_capacity(end - start + 16);
        out.push_str(&self.src[start..end]);
        self.at = end;
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    let escape = *self.text.get(self.at + 1)?;
                    self.at += 2;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let n = self.hex4()?;
                            let c = match n {
                                0xD800..=0xDBFF => {
                                    if self.text.get(self.at..self.at + 2)? != b"\\u" {
                                        return None;
                                    }
                                    self.at += 2;
                                    let low = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return None;
                                    }
                                    char::from_u32(0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00))?
                                }
                                0xDC00..=0xDFFF => return None,
                                n => char::from_u32(n)?,
                            };
                            out.push(c);
                        }
                        _ => return None,
                    }
                }
                _ => {
                    let run = find_special(&self.text[self.at..])?;
                    if self.text[self.at + run] < 0x20 {
                        return None;
                    }
                    out.push_str(&self.src[self.at..self.at + run]);
                    self.at += run;
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let mut n = 0u32;
        for &d in digits {
            n = n * 16 + (d as char).to_digit(16)?;
        }
        self.at += 4;
        Some(n)
    }
}

/// Where the first `"`, `\\` or control character (which JSON forbids unescaped) is in `bytes`.
/// Eight bytes at a time: most strings are short, where a vectorised search costs more to set up.
#[inline]
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let quote = x ^ (ONES * b'"' as u64);
        let backslash = x ^ (ONES * b'\\' as u64);
        // A byte's high bit is set where it is zero (after the xor), or below 0x20; a borrow can only
        // mark bytes after a real match, so the lowest mark is a real one.
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|j| i + j)
}

/// Where the first `"` or `\\` is in `bytes` (in a string of text known to be JSON).
#[inline]
fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let x = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let quote = x ^ (ONES * b'"' as u64);
        let backslash = x ^ (ONES * b'\\' as u64);
        let found = ((quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == b'"' || b == b'\\').map(|j| i + j)
}

impl<'de> Deserialize<'de> for Light<'static> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Light<'static>, D::Error> {
        deserializer.deserialize_any(LightVisitor)
    }
}

struct LightVisitor;

impl<'de> Visitor<'de> for LightVisitor {
    type Value = Light<'static>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Light::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Light::Number(n.to_string().into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Light::Number(n.to_string().into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        serde_json::Number::from_f64(n)
            .map(|n| Light::Number(n.to_string().into()))
            .ok_or_else(|| E::custom("not a JSON number"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Light::String(s.to_string().into()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Light::String(s.into()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Light::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Light::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Deserialize::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Light::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.is_empty() && key == NUMBER_TOKEN {
                let text: String = map.next_value()?;
                return Ok(Light::Number(text.into()));
            }
            fields.push((key.into(), map.next_value()?));
        }
        Ok(Light::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order_survive_a_round_trip() {
        // (serde_json writes exponents in one form, 1e+3, whatever the input had.)
        let text = r#"{"b":1311264.00,"a":[1e+3,-0,"x\"y"],"c":{"d":null,"e":true}}"#;
        let light: Light = serde_json::from_str(text).unwrap();
        assert_eq!(light.to_json(), text);
        let via_value = Light::from(serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(via_value, light);
    }

    /// The fast reader gives what serde_json gives, or leaves the text to serde_json.
    #[test]
    fn the_fast_reader_agrees_with_serde_json() {
        let texts = [
            r#"{"a":1,"a":2,"b":[1.5,-0,0,-12,1E5,2e-3,3E+07,1.0e1,18446744073709551616,-9223372036854775809]}"#,
            r#" { "k" : "plain" , "e" : "tab\tnew\nquote\"back\\slash\/u\u00e9\u0416\ud83d\ude00" } "#,
            r#"{"ключ":"значення","ge":"ქართული","empty":"","nested":{"x":[[],{}],"y":[{"id":1},{"id":"1"}]}}"#,
            r#"[true,false,null,"\u0000"]"#,
            r#""just a string""#,
            r#"{"$serde_json::private::Number":"12"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00x"}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            "{\"a\":\"raw\tcontrol\"}",
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":tru}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":"unterminated}"#,
            "",
            "   ",
        ];
        for text in texts {
            let fast = Light::parse(text.as_bytes()).map_err(|e| e.to_string());
            let serde = serde_json::from_str::<Light>(text).map_err(|e| e.to_string());
            assert_eq!(fast, serde, "{text}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(
            Light::parse(deep.as_bytes()).map_err(|e| e.to_string()),
            serde_json::from_str::<Light>(&deep).map_err(|e| e.to_string())
        );
        let fast = Light::parse(br#"{"plain":"text","n":12}"#).unwrap();
        let Light::Object(fields) = &fast else { panic!() };
        assert!(matches!(fields[0].0, Cow::Borrowed(_)) && matches!(fields[0].1, Light::String(Cow::Borrowed(_))));
    }

    #[test]
    fn special_bytes_are_found_wherever_they_are() {
        for special in [b'"', b'\\', 0u8, 0x1f] {
            for len in 0..20 {
                for at in 0..=len {
                    // Non-ASCII filler, and bytes just above the specials, must not be taken for them.
                    let mut bytes: Vec<u8> = (0..len).map(|i| [0xd0, 0x96, b' ', b'#', b']', 0x7f][i % 6]).collect();
                    if at < len {
                        bytes[at] = special;
                    }
                    assert_eq!(find_special(&bytes), (at < len).then_some(at), "{special} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes() {
        for s in ["plain", "", "quote\"", "back\\", "ctl\u{1}\u{1f}", "tab\t", "é ქ 😀", "\u{7f}"] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }
}
