//! The donations ingest: CSV (any delimiter, with or without a header), JSON and JSON Lines, read
//! through a profile or a mapping into one shape, row by row; bad rows go to the quarantine with
//! their line and reason and the rest goes on.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use openreg_model::donation::{parse_amount, parse_date, DonationType, Donor, DonorKind, Recipient};
use openreg_model::donation::{Donation, ValueError};
use openreg_model::identifier::{infer_scheme, Holder, Identifier};
use openreg_store::{time::now_rfc3339, Added, Checkpoint, QuarantineEntry, Store, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::encoding::Encoding;
use crate::mapping::{Mapping, Resolved};
use crate::pipeline::SourceSummary;
use crate::read::RAW_LIMIT;
use crate::source::{open, ByteCounter, Input};
use crate::values::{read_objects, ValueItem};

/// How to read a donations file.
pub struct DonationOptions {
    /// The profile's name (kept with each donation) and its mapping.
    pub profile: String,
    pub mapping: Mapping,
    /// Gives bare donor ids a scheme (overrides the profile's country).
    pub country: Option<String>,
    pub encoding: Encoding,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DonationSummary {
    pub sources: Vec<SourceSummary>,
    pub rows_read: u64,
    pub donations_stored: u64,
    pub donations_duplicate: u64,
    pub quarantined: u64,
    /// Things openreg tolerated, with how often.
    pub warnings: BTreeMap<String, u64>,
    pub seconds: f64,
}

impl DonationSummary {
    /// 0 when everything was stored; 2 when some input was quarantined; 1 when nothing could be read.
    pub fn exit_code(&self) -> i32 {
        let failed = self.sources.iter().any(|s| s.error.is_some());
        if self.sources.iter().all(|s| s.error.is_some()) || (self.rows_read == 0 && (self.quarantined > 0 || failed)) {
            1
        } else if self.quarantined > 0 || failed {
            2
        } else {
            0
        }
    }
}

/// A row that could not be used, and why.
struct BadRow {
    line: u64,
    /// Byte offset of the row in the decoded text, where known.
    offset: u64,
    reason: String,
    raw: String,
}

/// Turns rows into donations for one source.
struct RowReader<'a> {
    options: &'a DonationOptions,
    source: String,
    /// Repeats of an identical row without a register id within one source: the n-th repeat gets
    /// its own id, so two equal donations on one day both count, and a re-ingest finds them again.
    repeats: HashMap<[u8; 16], u32>,
}

impl RowReader<'_> {
    fn donation(
        &mut self,
        resolved: &Resolved,
        header: &[String],
        row: &[String],
        line: u64,
        warnings: &mut BTreeMap<String, u64>,
    ) -> Result<Donation, String> {
        let mapping = &self.options.mapping;
        let first = |cols: &[usize]| Resolved::first(cols, row);
        let name = Resolved::joined(&resolved.donor_name, row).ok_or("no donor name")?;
        let party = Resolved::joined(&resolved.party, row).ok_or("no recipient party")?;
        let amount_text = first(&resolved.amount).ok_or("no amount")?;
        let (amount, symbol_currency) = parse_amount(&amount_text).map_err(|e: ValueError| e.to_string())?;
        let currency = first(&resolved.currency)
            .map(|c| c.to_uppercase())
            .or(symbol_currency.map(str::to_string))
            .or_else(|| mapping.currency.clone())
            .unwrap_or_else(|| {
                *warnings.entry("no currency given: XXX recorded".into()).or_default() += 1;
                "XXX".into()
            });
        let date = match first(&resolved.date) {
            Some(text) => Some(parse_date(&text, mapping.date_format()).map_err(|e| e.to_string())?),
            None => {
                *warnings.entry("no date: kept without one".into()).or_default() += 1;
                None
            }
        };
        let country =
            first(&resolved.donor_country).or_else(|| self.options.country.clone()).or_else(|| mapping.country.clone());
        let id_as_written = first(&resolved.donor_id);
        let identifier = match (&id_as_written, first(&resolved.donor_scheme)) {
            (Some(id), Some(scheme)) => Identifier::new(&scheme, id),
            (Some(id), None) => infer_scheme(country.as_deref().unwrap_or(""), id),
            (None, _) => None,
        };
        if id_as_written.is_some() && identifier.is_none() {
            *warnings.entry("donor id fits no known format: kept as written, not used to link".into()).or_default() +=
                1;
        }
        let kind_text = first(&resolved.donor_kind);
        let kind = kind_text
            .as_deref()
            .and_then(|k| mapping.donor_kind(k).or_else(|| default_kind(k)))
            .or_else(|| match identifier.as_ref().and_then(Identifier::holder) {
                Some(Holder::Person) => Some(DonorKind::Person),
                Some(Holder::Organisation) => Some(DonorKind::Company),
                None => None,
            })
            .unwrap_or(DonorKind::Unknown);
        // A company number written for a person, or a personal number for a company, is a
        // mistake in the source; joining on it would link the wrong party.
        let identifier = match (kind, identifier.as_ref().and_then(Identifier::holder)) {
            (DonorKind::Person, Some(Holder::Organisation)) | (DonorKind::Company, Some(Holder::Person)) => {
                *warnings.entry("donor id does not fit the donor's kind: not used to link".into()).or_default() += 1;
                None
            }
            _ => identifier,
        };
        let type_as_written = first(&resolved.donation_type);
        let mut donation_type = match &type_as_written {
            Some(t) => mapping.donation_type(t).or_else(|| default_type(t)).unwrap_or(DonationType::Other),
            None => DonationType::Money,
        };
        if amount.starts_with('-') {
            donation_type = DonationType::Refund;
        }
        let memo = first(&resolved.memo).is_some_and(|m| {
            let m = m.trim();
            if mapping.memo_values.is_empty() {
                matches!(m.to_lowercase().as_str(), "x" | "true" | "yes" | "1")
            } else {
                mapping.memo_values.iter().any(|v| v.eq_ignore_ascii_case(m))
            }
        });
        let source_row_id = first(&resolved.source_row_id);
        let mut raw = Map::new();
        for (i, value) in row.iter().enumerate() {
            let key = header.get(i).cloned().unwrap_or_else(|| (i + 1).to_string());
            raw.insert(key, Value::String(value.clone()));
        }
        let id = match &source_row_id {
            Some(row_id) => format!("{}:{row_id}", self.options.profile),
            None => {
                let mut hasher = blake3::Hasher::new();
                for value in row {
                    hasher.update(value.as_bytes());
                    hasher.update(&[0x1f]);
                }
                let hash: [u8; 16] = hasher.finalize().as_bytes()[..16].try_into().expect("16 bytes");
                let seen = self.repeats.entry(hash).or_default();
                *seen += 1;
                let hex: String = hash[..10].iter().map(|b| format!("{b:02x}")).collect();
                if *seen == 1 {
                    format!("{}:{hex}", self.options.profile)
                } else {
                    format!("{}:{hex}-{seen}", self.options.profile)
                }
            }
        };
        Ok(Donation {
            id,
            source: self.source.clone(),
            line,
            source_row_id,
            profile: self.options.profile.clone(),
            donor: Donor {
                name,
                kind,
                identifier,
                identifier_as_written: id_as_written,
                country,
                address: Resolved::joined(&resolved.address, row),
                postcode: first(&resolved.postcode),
            },
            party: Recipient { name: party, id: first(&resolved.party_id) },
            amount,
            currency,
            date,
            donation_type,
            type_as_written,
            memo,
            raw,
        })
    }
}

/// Donor kinds that need no mapping, in the languages of the registers openreg reads.
fn default_kind(value: &str) -> Option<DonorKind> {
    let value = crate::mapping::fold(value);
    Some(match value.as_str() {
        "person"
        | "individual"
        | "natural"
        | "naturalperson"
        | "ind"
        | "фізичнаособа"
        | "физическоелицо"
        | "ფიზიკურიპირი" => DonorKind::Person,
        "company"
        | "legalentity"
        | "organisation"
        | "organization"
        | "юридичнаособа"
        | "юридическоелицо"
        | "იურიდიულიპირი"
        | "ltd"
        | "llc"
        | "шпс"
        | "შპს"
        | "тов"
        | "ооо" => DonorKind::Company,
        _ => return None,
    })
}

fn default_type(value: &str) -> Option<DonationType> {
    let value = crate::mapping::fold(value);
    Some(match value.as_str() {
        "money" | "cash" | "monetary" | "грошовий" | "ფულადი" => DonationType::Money,
        "inkind" | "noncash" | "goods" | "services" | "негрошовий" | "არაფულადი" => {
            DonationType::InKind
        }
        "membershipfee" | "membership" | "членськийвнесок" | "საწევრო" => {
            DonationType::MembershipFee
        }
        "refund" => DonationType::Refund,
        _ => return None,
    })
}

/// Ingests donations into the store.
pub fn ingest_donations(
    store: &Store,
    inputs: &[Input],
    options: &DonationOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<DonationSummary, StoreError> {
    let started = Instant::now();
    let mut summary = DonationSummary::default();
    let mut checkpoint = Checkpoint {
        started_at: now_rfc3339(),
        sources: inputs.iter().map(Input::name).collect(),
        ..Checkpoint::default()
    };
    for input in inputs {
        let source = input.name();
        let mut per_source = SourceSummary { source: source.clone(), ..Default::default() };
        let counter = ByteCounter::default();
        let opened = match open(input, options.encoding, counter.clone()) {
            Ok(opened) => opened,
            Err(e) => {
                per_source.error = Some(format!("could not open: {e}"));
                summary.sources.push(per_source);
                continue;
            }
        };
        per_source.gzip = opened.gzip;
        let mut rows = RowReader { options, source: source.clone(), repeats: HashMap::new() };
        let mut batch = store.batch();
        let mut sink =
            |row: Result<(Donation, u64), BadRow>, summary: &mut DonationSummary| -> Result<(), StoreError> {
                summary.rows_read += 1;
                per_source.releases_read += 1;
                match row {
                    Ok((donation, _)) => {
                        if store.add_donation(&mut batch, &donation)? == Added::New {
                            summary.donations_stored += 1;
                        } else {
                            summary.donations_duplicate += 1;
                        }
                    }
                    Err(bad) => {
                        summary.quarantined += 1;
                        per_source.quarantined += 1;
                        let entry = QuarantineEntry {
                            source: source.clone(),
                            offset: bad.offset,
                            line: bad.line,
                            pointer: String::new(),
                            reason: bad.reason,
                            raw: bad.raw,
                            recorded_at: now_rfc3339(),
                        };
                        store.add_quarantine(&mut batch, &entry)?;
                    }
                }
                if batch.bytes >= 8 << 20 {
                    checkpoint.batches += 1;
                    checkpoint.releases_new = summary.donations_stored;
                    store.commit(std::mem::replace(&mut batch, store.batch()), &checkpoint)?;
                }
                if summary.rows_read.is_multiple_of(4096) {
                    progress(&source, counter.get(), summary.rows_read);
                }
                Ok(())
            };
        let mut reader = BufReader::with_capacity(256 * 1024, opened.reader);
        let result = match reader.fill_buf() {
            Err(e) => Err(format!("could not be read: {e}")),
            Ok(head) => {
                let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
                if matches!(first, Some(b'{' | b'[')) {
                    read_json_rows(reader, &mut rows, &mut summary, &mut sink)
                } else {
                    read_csv_rows(reader, &mut rows, &mut summary, &mut sink)
                }
            }
        };
        per_source.bytes = counter.get();
        per_source.encoding = "utf-8 or detected".into();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(store_error)) => return Err(store_error),
            Err(reason) => per_source.error = Some(reason),
        }
        checkpoint.batches += 1;
        checkpoint.releases_new = summary.donations_stored;
        store.commit(batch, &checkpoint)?;
        summary.sources.push(per_source);
    }
    checkpoint.finished = true;
    checkpoint.quarantined = summary.quarantined;
    store.commit(store.batch(), &checkpoint)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

type Sink<'s> = dyn FnMut(Result<(Donation, u64), BadRow>, &mut DonationSummary) -> Result<(), StoreError> + 's;

/// Reads CSV rows. The outer error says why the source as a whole could not be read.
fn read_csv_rows<R: Read>(
    mut reader: BufReader<R>,
    rows: &mut RowReader,
    summary: &mut DonationSummary,
    sink: &mut Sink,
) -> Result<Result<(), StoreError>, String> {
    let mapping = &rows.options.mapping;
    let delimiter = match mapping.delimiter() {
        Some(d) => d,
        None => sniff_delimiter(reader.fill_buf().map_err(|e| format!("could not be read: {e}"))?),
    };
    let lines = LineIndex::default();
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(Lined {
        inner: UnixLines { inner: reader, held_cr: false },
        index: lines.clone(),
        offset: 0,
    });
    let mut record = csv::StringRecord::new();
    let header: Vec<String> = if mapping.header {
        match csv.read_record(&mut record) {
            Ok(true) => record.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect(),
            Ok(false) => return Err("the file is empty".into()),
            Err(e) => return Err(format!("the header could not be read: {e}")),
        }
    } else {
        mapping.column_names.clone()
    };
    let resolved = mapping.resolve(&header).map_err(|e| e.to_string())?;
    loop {
        let reported = csv.position().byte();
        match csv.read_record(&mut record) {
            Ok(false) => return Ok(Ok(())),
            Ok(true) => {
                let values: Vec<String> = record.iter().map(str::to_string).collect();
                if values.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                let (line, offset) = lines.start_of(record.position().map_or(reported, |p| p.byte()));
                let row =
                    rows.donation(&resolved, &header, &values, line, &mut summary.warnings).map_err(|reason| BadRow {
                        line,
                        offset,
                        reason,
                        raw: cut(&record.iter().collect::<Vec<_>>().join(&(delimiter as char).to_string())),
                    });
                if let Err(e) = sink(row.map(|d| (d, line)), summary) {
                    return Ok(Err(e));
                }
            }
            Err(e) => {
                // A row the CSV reader cannot take (bad bytes): quarantine it and go on.
                let (line, offset) = lines.start_of(e.position().map_or(reported, |p| p.byte()));
                let bad =
                    BadRow { line, offset, reason: format!("the row could not be read: {e}"), raw: String::new() };
                if let Err(e) = sink(Err(bad), summary) {
                    return Ok(Err(e));
                }
            }
        }
    }
}

/// Turns Windows line ends into `\n` as the text streams past: the CSV reader's line numbers
/// are only right for `\n` line ends.
struct UnixLines<R> {
    inner: R,
    /// A `\r` that ended the last chunk, held until we know whether a `\n` follows.
    held_cr: bool,
}

impl<R: Read> Read for UnixLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        let start = usize::from(self.held_cr);
        let n = self.inner.read(&mut buf[start..])?;
        if n == 0 {
            // The input ended on a lone `\r`: give it back.
            let held = std::mem::take(&mut self.held_cr);
            if held {
                buf[0] = b'\r';
            }
            return Ok(usize::from(held));
        }
        if self.held_cr {
            buf[0] = b'\r';
        }
        let end = start + n;
        let mut out = 0;
        let mut i = 0;
        while i < end {
            let b = buf[i];
            if b == b'\r' && i + 1 < end && buf[i + 1] == b'\n' {
                i += 1;
                continue;
            }
            buf[out] = b;
            out += 1;
            i += 1;
        }
        self.held_cr = out > 0 && buf[out - 1] == b'\r';
        if self.held_cr {
            out -= 1;
        }
        if out == 0 {
            // Only a held `\r` so far: read on rather than report an end of input.
            return self.read(buf);
        }
        Ok(out)
    }
}

/// Where records really start. The CSV reader reports a record at the end of the one before it,
/// before any blank lines it skipped; this index, fed with the newlines as the text streams past,
/// moves such a position over the blank lines and gives its line. Positions are asked for in
/// increasing order, so only the newlines read ahead of the reader are held: memory stays flat.
#[derive(Clone, Default)]
struct LineIndex(std::rc::Rc<std::cell::RefCell<(u64, std::collections::VecDeque<u64>)>>);

impl LineIndex {
    /// The line (from 1) and byte offset where a record reported at `offset` starts.
    fn start_of(&self, mut offset: u64) -> (u64, u64) {
        let mut state = self.0.borrow_mut();
        let (before, ahead) = &mut *state;
        while let Some(&newline) = ahead.front() {
            if newline < offset {
                *before += 1;
            } else if newline == offset {
                // A blank line (or the end of the record before): the record starts after it.
                *before += 1;
                offset += 1;
            } else {
                break;
            }
            ahead.pop_front();
        }
        (*before + 1, offset)
    }
}

struct Lined<R> {
    inner: R,
    index: LineIndex,
    offset: u64,
}

impl<R: Read> Read for Lined<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.index.0.borrow_mut();
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            state.1.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads JSON objects (an array, JSON Lines or objects back to back): each object is a row whose
/// keys are the header.
fn read_json_rows<R: Read>(
    reader: BufReader<R>,
    rows: &mut RowReader,
    summary: &mut DonationSummary,
    sink: &mut Sink,
) -> Result<Result<(), StoreError>, String> {
    let mut cache: Option<(Vec<String>, Resolved)> = None;
    let result = read_objects(reader, &mut |item| -> Result<(), StoreError> {
        let row = match item {
            ValueItem::Bad(bad) => {
                Err(BadRow { line: bad.at.line, offset: bad.at.offset, reason: bad.reason, raw: bad.raw })
            }
            ValueItem::Object { json, at, .. } => {
                let object: Map<String, Value> = serde_json::from_slice(&json)?;
                let header: Vec<String> = object.keys().cloned().collect();
                let values: Vec<String> = object
                    .values()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    })
                    .collect();
                let resolved = match &cache {
                    Some((h, r)) if *h == header => Ok(r.clone()),
                    _ => rows.options.mapping.resolve(&header).inspect(|r| {
                        cache = Some((header.clone(), r.clone()));
                    }),
                };
                match resolved {
                    Err(e) => Err(BadRow {
                        line: at.line,
                        offset: at.offset,
                        reason: e.to_string(),
                        raw: cut(&String::from_utf8_lossy(&json)),
                    }),
                    Ok(resolved) => {
                        rows.donation(&resolved, &header, &values, at.line, &mut summary.warnings)
                            .map(|mut d| {
                                // Keep the object itself as the raw row, numbers as written.
                                d.raw = object.clone();
                                (d, at.line)
                            })
                            .map_err(|reason| BadRow {
                                line: at.line,
                                offset: at.offset,
                                reason,
                                raw: cut(&String::from_utf8_lossy(&json)),
                            })
                    }
                }
            }
        };
        sink(row, summary)
    });
    Ok(result)
}

fn cut(text: &str) -> String {
    if text.len() <= RAW_LIMIT {
        return text.to_string();
    }
    let mut end = RAW_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The delimiter of a CSV file: whichever of `,`, `;`, tab and `|` occurs most in its first line,
/// outside quotes.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = candidates.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).expect("four candidates");
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_line_ends_become_unix_ones_across_chunk_edges() {
        let text = b"a,b\r\nc,\"d\re\"\r\n\r\nf\r";
        for chunk in 1..text.len() + 1 {
            // A reader that hands over at most `chunk` bytes at a time.
            struct Chunked<'a>(&'a [u8], usize);
            impl Read for Chunked<'_> {
                fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                    let n = self.1.min(buf.len()).min(self.0.len());
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            let mut out = Vec::new();
            UnixLines { inner: Chunked(text, chunk), held_cr: false }.read_to_end(&mut out).unwrap();
            assert_eq!(out, b"a,b\nc,\"d\re\"\n\nf\r", "chunk {chunk}");
        }
    }

    #[test]
    fn delimiters_are_found_outside_quotes() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2"), b',');
        assert_eq!(sniff_delimiter(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"C001|N|Q3|P"), b'|');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }
}
