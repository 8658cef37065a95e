//! Commitments governments made in the Open Government Partnership, and the flags that bear on
//! each: an indicator serves policy areas; a commitment names one policy area in one country.

use std::collections::BTreeMap;

use openreg_model::flag::Flag;
use serde::{Deserialize, Serialize};

/// The commitments file openreg ships (`fixtures/flags/commitments.csv`).
pub const SHIPPED: &str = include_str!("../../../fixtures/flags/commitments.csv");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    pub id: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub title: String,
    /// `open contracting`, `beneficial ownership` or `political finance`.
    pub policy_area: String,
    #[serde(default)]
    pub url: String,
}

/// Reads a commitments CSV (header `id,country,title,policy_area,url`).
pub fn read(text: &str) -> Result<Vec<Commitment>, String> {
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in csv.deserialize().enumerate() {
        out.push(row.map_err(|e| format!("commitments row {}: {e}", i + 2))?);
    }
    Ok(out)
}

/// Flags and the money at stake under one commitment.
#[derive(Debug, Clone, Serialize)]
pub struct CommitmentReport {
    pub commitment: Commitment,
    pub flags: u64,
    /// Flags by certainty.
    pub by_certainty: BTreeMap<String, u64>,
    /// Flags by indicator code.
    pub by_code: BTreeMap<String, u64>,
    /// The awarded value of the flagged processes (each counted once), by currency.
    pub amounts: BTreeMap<String, f64>,
    pub processes: u64,
}

/// Counts flags per commitment: a flag counts when its country is the commitment's and its
/// indicator serves the commitment's policy area.
pub fn report<'f>(commitments: &[Commitment], flags: impl IntoIterator<Item = &'f Flag>) -> Vec<CommitmentReport> {
    let mut reports: Vec<(CommitmentReport, std::collections::BTreeSet<String>)> = commitments
        .iter()
        .map(|c| {
            (
                CommitmentReport {
                    commitment: c.clone(),
                    flags: 0,
                    by_certainty: BTreeMap::new(),
                    by_code: BTreeMap::new(),
                    amounts: BTreeMap::new(),
                    processes: 0,
                },
                Default::default(),
            )
        })
        .collect();
    for flag in flags {
        for (report, seen) in reports.iter_mut() {
            let c = &report.commitment;
            if flag.country.as_deref() != Some(c.country.as_str()) || !flag.policy_areas.contains(&c.policy_area) {
                continue;
            }
            report.flags += 1;
            *report.by_certainty.entry(flag.certainty.as_str().to_string()).or_default() += 1;
            *report.by_code.entry(flag.code.clone()).or_default() += 1;
            if let Some(ocid) = &flag.ocid {
                if seen.insert(ocid.clone()) {
                    report.processes += 1;
                    if let (Some(amount), Some(currency)) = (flag.amount, &flag.currency) {
                        *report.amounts.entry(currency.clone()).or_default() += amount;
                    }
                }
            }
        }
    }
    reports.into_iter().map(|(r, _)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_reads() {
        let commitments = read(SHIPPED).unwrap();
        assert!(commitments.len() >= 3);
        for c in &commitments {
            assert!(
                ["open contracting", "beneficial ownership", "political finance"].contains(&c.policy_area.as_str()),
                "{c:?}"
            );
            assert_eq!(c.country.len(), 2);
        }
    }
}
