//! `openreg ingest control FILE`: which party controlled which buying body, and when. CSV with the
//! header `buyer_scheme,buyer_id,party,from,to`, ISO dates, an empty `to` meaning still in control.
//! Bad rows go to the quarantine with their line and reason; the rest goes on.

use std::io::Read;

use openreg_model::flag::ControlPeriod;
use openreg_model::identifier::Identifier;
use openreg_store::{time::now_rfc3339, Checkpoint, QuarantineEntry, Store, StoreError};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ControlSummary {
    pub rows_read: u64,
    pub periods_stored: u64,
    pub periods_already_held: u64,
    pub quarantined: u64,
}

impl ControlSummary {
    /// 0: all stored; 2: some rows quarantined; 1: nothing could be read.
    pub fn exit_code(&self) -> i32 {
        if self.rows_read == 0 || self.quarantined == self.rows_read {
            1
        } else if self.quarantined > 0 {
            2
        } else {
            0
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("{0}")]
    Header(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn iso_date(text: &str) -> Option<String> {
    let t = text.trim();
    let ok = t.len() == 10
        && t.as_bytes()[4] == b'-'
        && t.as_bytes()[7] == b'-'
        && crate::conflicts::days(t).is_some()
        && t.bytes().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    ok.then(|| t.to_string())
}

/// Reads a control file into the store.
pub fn ingest_control(store: &Store, source: &str, input: impl Read) -> Result<ControlSummary, ControlError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| ControlError::Header(format!("{source}: the header could not be read: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let want = ["buyer_scheme", "buyer_id", "party", "from", "to"];
    if header != want {
        return Err(ControlError::Header(format!(
            "{source}: the header must be `{}`; it is `{}`",
            want.join(","),
            header.join(",")
        )));
    }
    let mut summary = ControlSummary::default();
    let mut batch = store.batch();
    let mut periods = Vec::new();
    for record in csv.records() {
        summary.rows_read += 1;
        let (line, result) = match record {
            Err(e) => {
                (e.position().map_or(0, |p| p.line()), Err((format!("the row could not be read: {e}"), String::new())))
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                let raw = r.iter().collect::<Vec<_>>().join(",");
                let field = |i: usize| r.get(i).unwrap_or("").to_string();
                let period = (|| {
                    let buyer = Identifier::new(&field(0), &field(1)).ok_or("no buyer identifier (scheme and id)")?;
                    let party = field(2);
                    if party.is_empty() {
                        return Err("no party".to_string());
                    }
                    let from =
                        iso_date(&field(3)).ok_or(format!("`from` {:?} is not an ISO date (YYYY-MM-DD)", field(3)))?;
                    let to = match field(4).as_str() {
                        "" => None,
                        t => Some(iso_date(t).ok_or(format!("`to` {t:?} is not an ISO date (YYYY-MM-DD)"))?),
                    };
                    if to.as_ref().is_some_and(|t| *t < from) {
                        return Err(format!("`to` {} is before `from` {from}", to.unwrap_or_default()));
                    }
                    Ok(ControlPeriod { buyer: buyer.key(), party, from, to, source: source.to_string(), line })
                })();
                (line, period.map_err(|e| (e, raw)))
            }
        };
        match result {
            Ok(period) => periods.push(period),
            Err((reason, raw)) => {
                summary.quarantined += 1;
                let entry = QuarantineEntry {
                    source: source.to_string(),
                    offset: 0,
                    line,
                    pointer: String::new(),
                    reason,
                    raw,
                    recorded_at: now_rfc3339(),
                };
                store.add_quarantine(&mut batch, &entry)?;
            }
        }
    }
    let checkpoint = Checkpoint {
        started_at: now_rfc3339(),
        sources: vec![source.into()],
        batches: 1,
        quarantined: summary.quarantined,
        finished: true,
        ..Default::default()
    };
    store.commit(batch, &checkpoint)?;
    for period in periods {
        if store.add_control(&period)? {
            summary.periods_stored += 1;
        } else {
            summary.periods_already_held += 1;
        }
    }
    store.bump_generation("control")?;
    Ok(summary)
}
