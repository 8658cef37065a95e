//! Reading OCDS from any shape publishers produce, one release at a time: release and record
//! packages, bare releases and records, JSON arrays of any of these, JSON Lines and concatenated JSON.
//! The shape is found from the content, never from the file name.

use std::io::Read;

use openreg_model::{check_release_text, ReleaseCheck, ReleaseHead};
use serde_json::{Map, Value};

use crate::scan::{minify_into, Position, ScanError, Scanner};

/// Just enough of an object to tell a release from a linked release, a record or a package.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(default)]
    ocid: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    url: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    date: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    tag: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    releases: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    records: Option<serde::de::IgnoredAny>,
}

impl Head {
    fn is_linked(&self) -> bool {
        self.url.is_some() && self.ocid.is_none() && self.id.is_none()
    }

    fn is_release(&self) -> bool {
        self.releases.is_none()
            && self.records.is_none()
            && (self.ocid.is_some() || (self.id.is_some() && (self.date.is_some() || self.tag.is_some())))
    }
}

fn to_json(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("a Value serialises")
}

/// What the reader hands to the caller, in input order.
#[derive(Debug)]
pub enum Item {
    /// A full release, from a package, a record or on its own: its JSON text, as written but for
    /// the white space between tokens.
    Release {
        json: Vec<u8>,
        at: Position,
        pointer: String,
        container: Option<u64>,
        /// Whether the release's package is OCDS 1.0 (it has no `version`), when that is known as the
        /// release is read: a package that gives `version` before its releases, one read whole, or
        /// none (a release on its own is not 1.0). `None` until the end of the package says (see
        /// [`Item::ContainerEnd`]).
        package_1_0: Option<bool>,
        /// The release's check, when the reader made it already (to tell a linked release apart).
        checked: Option<(ReleaseCheck, ReleaseHead)>,
    },
    /// What a record adds beyond its full releases: releases given only as links, and the
    /// publisher's compiled release, which is all there is of such a record.
    LinkedRecord {
        ocid: String,
        linked_releases: Vec<Value>,
        compiled_release: Option<Value>,
        at: Position,
        pointer: String,
    },
    /// The end of a package (or of a record read on its own): its metadata, without its releases.
    ContainerEnd { container: u64, kind: ContainerKind, metadata: Map<String, Value> },
    /// Input that cannot be used, with where it is and why.
    Bad(Bad),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    ReleasePackage,
    RecordPackage,
    Record,
}

/// An unusable piece of input.
#[derive(Debug, Clone)]
pub struct Bad {
    pub at: Position,
    pub pointer: String,
    pub reason: String,
    /// The text (cut at [`RAW_LIMIT`] bytes) for the quarantine.
    pub raw: String,
}

/// How much of a bad span the quarantine keeps.
pub const RAW_LIMIT: usize = 64 * 1024;

fn raw_text(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(RAW_LIMIT)];
    String::from_utf8_lossy(cut).into_owned()
}

/// A structural fault: the input stops being JSON at `at`.
struct Structural {
    at: Position,
    reason: String,
}

impl From<ScanError> for Structural {
    fn from(e: ScanError) -> Self {
        let reason = match e {
            ScanError::Io(e) => format!("the input could not be read: {e}"),
            ScanError::Eof => "the input ends in the middle of a value (truncated file?)".into(),
        };
        Structural { at: Position::default(), reason }
    }
}

impl From<std::io::Error> for Structural {
    fn from(e: std::io::Error) -> Self {
        ScanError::Io(e).into()
    }
}

/// Reads all of `input` (UTF-8 text), handing each item to `sink`. Stops early only if `sink` fails.
pub fn read_ocds<R: Read, E>(input: R, sink: &mut dyn FnMut(Item) -> Result<(), E>) -> Result<(), E> {
    let mut reader = Reader { scanner: Scanner::new(input), containers: 0, buf: Vec::new(), sink };
    reader.run()
}

struct Reader<'s, R, E> {
    scanner: Scanner<R>,
    containers: u64,
    buf: Vec<u8>,
    sink: &'s mut dyn FnMut(Item) -> Result<(), E>,
}

/// A run of unreadable input, reported once when reading finds its feet again.
struct Unreadable {
    at: Position,
    reason: String,
    raw: Vec<u8>,
}

impl<R: Read, E> Reader<'_, R, E> {
    fn emit(&mut self, item: Item) -> Result<(), E> {
        (self.sink)(item)
    }

    fn bad(&mut self, at: Position, pointer: &str, reason: String, raw: &[u8]) -> Result<(), E> {
        self.emit(Item::Bad(Bad { at, pointer: pointer.to_string(), reason, raw: raw_text(raw) }))
    }

    fn run(&mut self) -> Result<(), E> {
        if self.looks_like_json_lines() {
            return self.run_lines();
        }
        let mut unreadable: Option<Unreadable> = None;
        loop {
            let next = match self.scanner.skip_ws() {
                Ok(next) => next,
                Err(e) => {
                    let at = self.scanner.position();
                    self.bad(at, "", format!("the input could not be read: {e}"), b"")?;
                    break;
                }
            };
            let Some(byte) = next else { break };
            let at = self.scanner.position();
            let outcome = match byte {
                b'{' => self.stream_object(at, String::new(), 0),
                b'[' => self.top_array(at),
                // Stray punctuation between values, left by a damaged package, is skipped.
                b',' | b']' | b'}' if unreadable.is_some() => {
                    self.scanner.bump();
                    continue;
                }
                _ => Err(Structural { at, reason: "expected a JSON object or array here".into() }),
            };
            match outcome {
                Ok(Some(e)) => return Err(e),
                Ok(None) => {
                    if let Some(u) = unreadable.take() {
                        self.report_unreadable(u)?;
                    }
                }
                Err(mut fault) => {
                    if fault.at == Position::default() {
                        fault.at = self.scanner.position();
                    }
                    // Find a fresh start on the next line; what lies between is kept in the quarantine.
                    let span = unreadable.get_or_insert_with(|| Unreadable {
                        at: fault.at,
                        reason: fault.reason,
                        raw: Vec::new(),
                    });
                    if self.scanner.skip_line(&mut span.raw, RAW_LIMIT).is_err() {
                        break;
                    }
                }
            }
        }
        if let Some(u) = unreadable.take() {
            self.report_unreadable(u)?;
        }
        Ok(())
    }

    fn report_unreadable(&mut self, u: Unreadable) -> Result<(), E> {
        let reason = format!(
            "unreadable JSON from line {} (byte {}): {}; reading resumed at the next line",
            u.at.line, u.at.offset, u.reason
        );
        self.bad(u.at, "", reason, &u.raw)
    }

    /// JSON Lines: the first lines are each a whole JSON value.
    fn looks_like_json_lines(&mut self) -> bool {
        let Ok(prefix) = self.scanner.prefix(1 << 20) else {
            return false;
        };
        let complete = match prefix.iter().rposition(|&b| b == b'\n') {
            Some(last) => &prefix[..last],
            None => return false,
        };
        let lines: Vec<&[u8]> =
            complete.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty()).take(20).collect();
        if lines.len() < 2 {
            return false;
        }
        let whole = lines.iter().filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok()).count();
        whole * 2 > lines.len()
    }

    fn run_lines(&mut self) -> Result<(), E> {
        let mut line = Vec::new();
        loop {
            match self.scanner.skip_ws() {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(()),
                Err(e) => {
                    let at = self.scanner.position();
                    return self.bad(at, "", format!("the input could not be read: {e}"), b"");
                }
            }
            let at = self.scanner.position();
            line.clear();
            if let Err(e) = self.scanner.read_line(&mut line) {
                return self.bad(at, "", format!("the input could not be read: {e}"), &line);
            }
            // A line holding one release goes on as text, unparsed beyond its head.
            if line.first() == Some(&b'{') || line.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                if let Ok(head) = serde_json::from_slice::<Head>(&line) {
                    if head.is_release() {
                        let mut json = Vec::new();
                        minify_into(&line, &mut json);
                        self.emit(Item::Release {
                            json,
                            at,
                            pointer: String::new(),
                            container: None,
                            package_1_0: Some(false),
                            checked: None,
                        })?;
                        continue;
                    }
                }
            }
            match serde_json::from_slice::<Value>(&line) {
                Ok(Value::Array(values)) => {
                    for (i, value) in values.into_iter().enumerate() {
                        self.whole_value(value, at, format!("/{i}"))?;
                    }
                }
                Ok(value) => self.whole_value(value, at, String::new())?,
                Err(e) => self.bad(at, "", format!("line {} is not valid JSON: {e}", at.line), &line)?,
            }
        }
    }

    fn next_container(&mut self) -> u64 {
        self.containers += 1;
        self.containers
    }

    /// A value read whole (a JSON line, or an element of a package's `records`).
    fn whole_value(&mut self, value: Value, at: Position, pointer: String) -> Result<(), E> {
        let Value::Object(mut object) = value else {
            return self.bad(
                at,
                &pointer,
                "expected a release, record or package (a JSON object)".into(),
                value.to_string().as_bytes(),
            );
        };
        let has_ocid = object.contains_key("ocid");
        if let (Some(Value::Array(_)), false) = (object.get("releases"), has_ocid) {
            let container = self.next_container();
            let Some(Value::Array(releases)) = object.remove("releases") else { unreachable!() };
            let is_1_0 = !object.contains_key("version");
            for (i, release) in releases.into_iter().enumerate() {
                self.package_release(release, at, format!("{pointer}/releases/{i}"), container, is_1_0)?;
            }
            return self.emit(Item::ContainerEnd { container, kind: ContainerKind::ReleasePackage, metadata: object });
        }
        if let Some(Value::Array(_)) = object.get("records") {
            let container = self.next_container();
            let Some(Value::Array(records)) = object.remove("records") else { unreachable!() };
            let is_1_0 = Some(!object.contains_key("version"));
            for (i, record) in records.into_iter().enumerate() {
                self.record(record, at, format!("{pointer}/records/{i}"), container, is_1_0)?;
            }
            return self.emit(Item::ContainerEnd { container, kind: ContainerKind::RecordPackage, metadata: object });
        }
        if has_ocid && matches!(object.get("releases"), Some(Value::Array(_))) {
            let container = self.next_container();
            // A record is never read as OCDS 1.0.
            self.record(Value::Object(object), at, pointer, container, Some(false))?;
            return self.emit(Item::ContainerEnd { container, kind: ContainerKind::Record, metadata: Map::new() });
        }
        // Something shaped like a release but without its `ocid` still goes on as a release, so that
        // validation can say precisely what is missing.
        let release_like = object.contains_key("id") && (object.contains_key("date") || object.contains_key("tag"));
        if has_ocid || release_like {
            let json = to_json(&Value::Object(object));
            let package_1_0 = Some(false);
            return self.emit(Item::Release { json, at, pointer, container: None, package_1_0, checked: None });
        }
        let raw = Value::Object(object).to_string();
        self.bad(
            at,
            &pointer,
            "not a release, record or package: it has no `ocid`, `releases` or `records`".into(),
            raw.as_bytes(),
        )
    }

    fn package_release(
        &mut self,
        release: Value,
        at: Position,
        pointer: String,
        container: u64,
        is_1_0: bool,
    ) -> Result<(), E> {
        if is_linked_release(&release) {
            let raw = release.to_string();
            return self.bad(
                at,
                &pointer,
                "a linked release (only url, date, tag) belongs in a record, not in a release package".into(),
                raw.as_bytes(),
            );
        }
        let json = to_json(&release);
        let (container, package_1_0) = (Some(container), Some(is_1_0));
        self.emit(Item::Release { json, at, pointer, container, package_1_0, checked: None })
    }

    /// A record: full releases go out as releases; linked ones travel with the publisher's compiled release.
    fn record(
        &mut self,
        record: Value,
        at: Position,
        pointer: String,
        container: u64,
        package_1_0: Option<bool>,
    ) -> Result<(), E> {
        let Value::Object(mut record) = record else {
            return self.bad(at, &pointer, "a record must be a JSON object".into(), record.to_string().as_bytes());
        };
        let Some(Value::String(ocid)) = record.get("ocid").cloned() else {
            return self.bad(
                at,
                &format!("{pointer}/ocid"),
                "a record needs an `ocid` (string)".into(),
                Value::Object(record).to_string().as_bytes(),
            );
        };
        let mut linked = Vec::new();
        if let Some(Value::Array(releases)) = record.remove("releases") {
            for (i, release) in releases.into_iter().enumerate() {
                if is_linked_release(&release) {
                    linked.push(release);
                } else {
                    self.emit(Item::Release {
                        json: to_json(&release),
                        at,
                        pointer: format!("{pointer}/releases/{i}"),
                        container: Some(container),
                        package_1_0,
                        checked: None,
                    })?;
                }
            }
        }
        if !linked.is_empty() {
            let compiled_release = record.remove("compiledRelease");
            self.emit(Item::LinkedRecord { ocid, linked_releases: linked, compiled_release, at, pointer })?;
        }
        Ok(())
    }

    fn top_array(&mut self, _at: Position) -> Result<Option<E>, Structural> {
        self.scanner.bump();
        let mut index = 0usize;
        loop {
            match self.scanner.skip_ws()? {
                Some(b']') => {
                    self.scanner.bump();
                    return Ok(None);
                }
                Some(b'{') => {
                    let at = self.scanner.position();
                    if let Some(e) = self.stream_object(at, format!("/{index}"), 1)? {
                        return Ok(Some(e));
                    }
                }
                Some(_) => {
                    let at = self.scanner.position();
                    self.buf.clear();
                    let mut buf = std::mem::take(&mut self.buf);
                    self.scanner.capture_value(&mut buf)?;
                    let result = self.bad(
                        at,
                        &format!("/{index}"),
                        "expected a release, record or package (a JSON object)".into(),
                        &buf,
                    );
                    self.buf = buf;
                    if let Err(e) = result {
                        return Ok(Some(e));
                    }
                }
                None => return Err(ScanError::Eof.into()),
            }
            index += 1;
            self.separator(b']', &|| "between array items".into())?;
        }
    }

    /// Consumes a `,` or stops before `close`; anything else is a structural fault.
    /// (`place` says where, and is only written out on a fault: this runs once per item.)
    fn separator(&mut self, close: u8, place: &dyn Fn() -> String) -> Result<(), Structural> {
        match self.scanner.skip_ws()? {
            Some(b',') => {
                self.scanner.bump();
                Ok(())
            }
            Some(b) if b == close => Ok(()),
            Some(_) => Err(Structural {
                at: self.scanner.position(),
                reason: format!("expected `,` or `{}` {}", close as char, place()),
            }),
            None => Err(ScanError::Eof.into()),
        }
    }

    fn capture(&mut self) -> Result<Vec<u8>, Structural> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.scanner.capture_value(&mut buf)?;
        Ok(buf)
    }

    /// An object read key by key, so that a package's `releases` or `records` stream one at a time.
    /// Returns `Ok(Some(e))` when the sink failed.
    fn stream_object(&mut self, at: Position, pointer: String, _depth: usize) -> Result<Option<E>, Structural> {
        self.scanner.bump();
        let mut metadata = Map::new();
        let mut container: Option<(u64, ContainerKind)> = None;
        let mut linked_in_package = Vec::new();
        let mut bad_field: Option<(String, String, Vec<u8>)> = None;
        let mut sink_error = None;
        loop {
            match self.scanner.skip_ws()? {
                Some(b'}') => {
                    self.scanner.bump();
                    break;
                }
                Some(b'"') => {}
                Some(_) => {
                    return Err(Structural { at: self.scanner.position(), reason: "expected a field name".into() })
                }
                None => return Err(ScanError::Eof.into()),
            }
            let key_bytes = self.capture()?;
            let key: String = serde_json::from_slice(&key_bytes).map_err(|e| Structural {
                at: self.scanner.position(),
                reason: format!("a field name is not a valid string: {e}"),
            })?;
            self.buf = key_bytes;
            if self.scanner.skip_ws()? != Some(b':') {
                return Err(Structural {
                    at: self.scanner.position(),
                    reason: format!("expected `:` after the field name \"{key}\""),
                });
            }
            self.scanner.bump();
            let next = self.scanner.skip_ws()?;
            let streams = (key == "releases" || key == "records") && next == Some(b'[');
            if streams && sink_error.is_none() {
                let kind = if key == "records" { ContainerKind::RecordPackage } else { ContainerKind::ReleasePackage };
                let id = self.next_container();
                container = Some((id, kind));
                // A `version` given before the releases settles the package's OCDS version now.
                let package_1_0 = metadata.contains_key("version").then_some(false);
                if let Some(e) = self.stream_items(&key, &pointer, id, package_1_0, &mut linked_in_package)? {
                    sink_error = Some(e);
                }
            } else {
                let value_at = self.scanner.position();
                let bytes = self.capture()?;
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(value) => {
                        metadata.insert(key, value);
                    }
                    Err(e) => {
                        let reason = format!(
                            "the value of `{key}` is not valid JSON: {e} (line {} of the input)",
                            value_at.line
                        );
                        bad_field.get_or_insert((format!("{pointer}/{key}"), reason, bytes.clone()));
                    }
                }
                self.buf = bytes;
            }
            self.separator(b'}', &|| "after a field".into())?;
        }
        if let Some(e) = sink_error {
            return Ok(Some(e));
        }
        let result = self.finish_object(at, pointer, metadata, container, linked_in_package, bad_field);
        Ok(result.err())
    }

    fn finish_object(
        &mut self,
        at: Position,
        pointer: String,
        mut metadata: Map<String, Value>,
        container: Option<(u64, ContainerKind)>,
        linked: Vec<(Value, Position, String)>,
        bad_field: Option<(String, String, Vec<u8>)>,
    ) -> Result<(), E> {
        if let Some((field, reason, raw)) = bad_field {
            // Without that field the object cannot be trusted; keep it whole in the quarantine.
            let _ = metadata;
            return self.bad(at, &field, reason, &raw);
        }
        match container {
            Some((id, ContainerKind::ReleasePackage)) if matches!(metadata.get("ocid"), Some(Value::String(_))) => {
                // An object with an `ocid` and `releases` is a record read on its own.
                let Some(Value::String(ocid)) = metadata.get("ocid").cloned() else { unreachable!() };
                if !linked.is_empty() {
                    let compiled_release = metadata.remove("compiledRelease");
                    let linked_releases = linked.into_iter().map(|(v, _, _)| v).collect();
                    self.emit(Item::LinkedRecord { ocid, linked_releases, compiled_release, at, pointer })?;
                }
                self.emit(Item::ContainerEnd { container: id, kind: ContainerKind::Record, metadata: Map::new() })
            }
            Some((id, kind)) => {
                for (release, at, pointer) in linked {
                    let raw = release.to_string();
                    self.bad(
                        at,
                        &pointer,
                        "a linked release (only url, date, tag) belongs in a record, not in a release package".into(),
                        raw.as_bytes(),
                    )?;
                }
                self.emit(Item::ContainerEnd { container: id, kind, metadata })
            }
            None => self.whole_value(Value::Object(metadata), at, pointer),
        }
    }

    /// Streams the items of a `releases` or `records` array.
    fn stream_items(
        &mut self,
        key: &str,
        pointer: &str,
        container: u64,
        package_1_0: Option<bool>,
        linked: &mut Vec<(Value, Position, String)>,
    ) -> Result<Option<E>, Structural> {
        self.scanner.bump();
        let mut index = 0usize;
        loop {
            match self.scanner.skip_ws()? {
                Some(b']') => {
                    self.scanner.bump();
                    return Ok(None);
                }
                Some(_) => {}
                None => return Err(ScanError::Eof.into()),
            }
            let at = self.scanner.position();
            let item_pointer = format!("{pointer}/{key}/{index}");
            let mut bytes = self.capture()?;
            let outcome = if key == "records" {
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(value) => self.record(value, at, item_pointer, container, package_1_0),
                    Err(e) => self.bad(
                        at,
                        &item_pointer,
                        format!("not valid JSON: {e} (counted from line {} of the input)", at.line),
                        &bytes,
                    ),
                }
            } else {
                // A release goes on as its (already compact) text. Only something that names a `url`
                // can be a linked release: the release's check tells (it reads the top level anyway),
                // else a reading of the text's head does. The rest is checked downstream.
                let maybe_linked = memchr::memmem::find(&bytes, b"\"url\"").is_some();
                let mut checked = None;
                let is_linked = maybe_linked.then(|| {
                    let (check, head, linked) = check_release_text(&bytes);
                    checked = Some((check, head));
                    match linked {
                        Some(linked) => Ok(linked),
                        None => serde_json::from_slice::<Head>(&bytes).map(|head| head.is_linked()),
                    }
                });
                match is_linked {
                    Some(Ok(true)) => match serde_json::from_slice::<Value>(&bytes) {
                        Ok(value) => {
                            linked.push((value, at, item_pointer));
                            Ok(())
                        }
                        Err(e) => self.bad(at, &item_pointer, format!("not valid JSON: {e}"), &bytes),
                    },
                    Some(Err(e)) => self.bad(
                        at,
                        &item_pointer,
                        format!("not valid JSON: {e} (counted from line {} of the input)", at.line),
                        &bytes,
                    ),
                    _ => {
                        let json = std::mem::take(&mut bytes);
                        let container = Some(container);
                        let pointer = item_pointer;
                        self.emit(Item::Release { json, at, pointer, container, package_1_0, checked })
                    }
                }
            };
            self.buf = bytes;
            if let Err(e) = outcome {
                return Ok(Some(e));
            }
            index += 1;
            self.separator(b']', &|| format!("between the items of `{key}`"))?;
        }
    }
}

/// A linked release carries a `url` and neither `ocid` nor `id`.
fn is_linked_release(value: &Value) -> bool {
    match value {
        Value::Object(o) => o.contains_key("url") && !o.contains_key("ocid") && !o.contains_key("id"),
        _ => false,
    }
}
