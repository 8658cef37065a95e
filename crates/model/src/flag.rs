//! A red flag as openreg stores and shows it: what triggered it, about whom, how sure, and the
//! evidence a reader can check against the sources.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::link::Label;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// An organisation or person a flag is about, in the role it plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagEntity {
    /// A mention id (`ocds/…`, `bods/…`, `donor/…`), an identifier, or a party id in the process.
    pub id: String,
    pub name: String,
    /// `supplier`, `tenderer`, `buyer`, `owner`, `donor`, `party`, …
    pub role: String,
}

/// One thing a flag rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// `release`, `award`, `bid`, `statement`, `relationship`, `donation`, `identifier`, `link`,
    /// `control`, `indicator`.
    pub kind: String,
    /// What to look up: an ocid, a release or award id, a statement or record id, a donation id,
    /// a link (`A ~ B`), an identifier.
    pub id: String,
    /// For links: `confirmed`, `probable` or `possible`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The fact, in a sentence a reader can check.
    pub text: String,
}

/// A flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// `{code}-{hash}`, the same on every run for the same finding.
    pub id: String,
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocid: Option<String>,
    pub entities: Vec<FlagEntity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub severity: Severity,
    /// The certainty of the weakest link the flag rests on; `confirmed` when it rests on data and
    /// identifiers alone.
    pub certainty: Label,
    pub figures: Map<String, Value>,
    pub thresholds: Map<String, Value>,
    pub evidence: Vec<EvidenceItem>,
    /// Policy areas the indicator serves: `open contracting`, `beneficial ownership`, `political
    /// finance`.
    pub policy_areas: Vec<String>,
    /// The country of the buyer or the process, where known (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The money at stake: the process's awarded value, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl Flag {
    /// The stable id of a finding: the code and a hash of what identifies it.
    pub fn make_id(code: &str, key: &[&str]) -> String {
        // FNV-1a: small, stable across versions and platforms.
        let mut hash: u64 = 0xcbf29ce484222325;
        for part in key {
            for b in part.bytes().chain(std::iter::once(0)) {
                hash ^= b as u64;
                hash = hash.wrapping_mul(0x100000001b3);
            }
        }
        format!("{code}-{hash:016x}")
    }
}

/// A party's control of a buying body over a period (from a buyer-control file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPeriod {
    /// The buyer's canonical identifier (`GE-NAPR-404518273`).
    pub buyer: String,
    pub party: String,
    pub from: String,
    /// `None`: still in control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub source: String,
    pub line: u64,
}

impl ControlPeriod {
    /// Whether the party controlled the buyer on `date` (ISO dates compare as text).
    pub fn covers(&self, date: &str) -> bool {
        let day = &date[..date.len().min(10)];
        self.from.as_str() <= day && self.to.as_deref().is_none_or(|to| day <= to)
    }
}
