//! The BODS ingest: read statements of any version, store them losslessly with their indexes, and
//! quarantine what cannot be understood.

use std::collections::BTreeMap;
use std::time::Instant;

use openreg_model::bods::read_statement;
use openreg_store::{time::now_rfc3339, Added, Checkpoint, QuarantineEntry, Store, StoreError};
use serde::Serialize;
use serde_json::Value;

use crate::encoding::Encoding;
use crate::source::{open, ByteCounter, Input};
use crate::values::{read_objects, ValueItem};

#[derive(Debug, Clone, Default, Serialize)]
pub struct BodsSummary {
    pub sources: Vec<crate::pipeline::SourceSummary>,
    pub statements_read: u64,
    pub statements_stored: u64,
    pub statements_duplicate: u64,
    pub quarantined: u64,
    /// What real registers get wrong that openreg tolerates, with how often (each statement's own
    /// warnings are kept with it in the store).
    pub warnings: BTreeMap<String, u64>,
    pub seconds: f64,
}

impl BodsSummary {
    /// 0 when everything was stored; 2 when some input was quarantined; 1 when nothing could be read.
    pub fn exit_code(&self) -> i32 {
        let failed = self.sources.iter().any(|s| s.error.is_some());
        if self.sources.iter().all(|s| s.error.is_some())
            || (self.statements_read == 0 && (self.quarantined > 0 || failed))
        {
            1
        } else if self.quarantined > 0 || failed {
            2
        } else {
            0
        }
    }
}

/// Ingests BODS statements into the store.
pub fn ingest_bods(store: &Store, inputs: &[Input], encoding: Encoding) -> Result<BodsSummary, StoreError> {
    let started = Instant::now();
    let mut summary = BodsSummary::default();
    let mut checkpoint = Checkpoint {
        started_at: now_rfc3339(),
        sources: inputs.iter().map(Input::name).collect(),
        ..Checkpoint::default()
    };
    for input in inputs {
        let source = input.name();
        let mut per_source = crate::pipeline::SourceSummary { source: source.clone(), ..Default::default() };
        let counter = ByteCounter::default();
        let opened = match open(input, encoding, counter.clone()) {
            Ok(opened) => opened,
            Err(e) => {
                per_source.error = Some(format!("could not open: {e}"));
                summary.sources.push(per_source);
                continue;
            }
        };
        per_source.gzip = opened.gzip;
        let mut batch = store.batch();
        let mut reader = opened.reader;
        let result = read_objects(&mut reader, &mut |item| -> Result<(), StoreError> {
            let (json, at, pointer, reason) = match item {
                ValueItem::Object { json, at, pointer } => {
                    per_source.releases_read += 1;
                    summary.statements_read += 1;
                    let value: Value = serde_json::from_slice(&json)?;
                    match read_statement(&value) {
                        Ok(read) => {
                            for warning in &read.warnings {
                                *summary.warnings.entry(warning.reason.clone()).or_default() += 1;
                            }
                            if store.add_statement(&mut batch, &read.statement, &json, &read.warnings)? == Added::New {
                                summary.statements_stored += 1;
                            } else {
                                summary.statements_duplicate += 1;
                            }
                            if batch.bytes >= 8 << 20 {
                                checkpoint.batches += 1;
                                checkpoint.releases_new = summary.statements_stored;
                                store.commit(std::mem::replace(&mut batch, store.batch()), &checkpoint)?;
                            }
                            return Ok(());
                        }
                        Err(e) => {
                            let raw = String::from_utf8_lossy(&json).into_owned();
                            (raw, at, format!("{pointer}{}", e.pointer), e.reason)
                        }
                    }
                }
                ValueItem::Bad(bad) => (bad.raw, bad.at, bad.pointer, bad.reason),
            };
            per_source.quarantined += 1;
            summary.quarantined += 1;
            let entry = QuarantineEntry {
                source: source.clone(),
                offset: at.offset,
                line: at.line,
                pointer,
                reason,
                raw: json,
                recorded_at: now_rfc3339(),
            };
            store.add_quarantine(&mut batch, &entry)
        });
        per_source.bytes = counter.get();
        result?;
        checkpoint.batches += 1;
        checkpoint.releases_new = summary.statements_stored;
        store.commit(batch, &checkpoint)?;
        summary.sources.push(per_source);
    }
    checkpoint.finished = true;
    checkpoint.quarantined = summary.quarantined;
    store.commit(store.batch(), &checkpoint)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
