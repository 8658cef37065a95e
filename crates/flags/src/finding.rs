//! What an indicator finds, before it becomes a stored flag: the subject, the value (as Cardinal
//! reports it), the figures that triggered it and the thresholds used.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Whom a finding is about, as Cardinal groups its results.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "group", content = "id")]
pub enum Subject {
    /// A contracting process.
    #[serde(rename = "OCID")]
    Ocid(String),
    #[serde(rename = "Buyer")]
    Buyer(String),
    #[serde(rename = "ProcuringEntity")]
    ProcuringEntity(String),
    #[serde(rename = "Tenderer")]
    Tenderer(String),
}

impl Subject {
    /// Cardinal's name for the group.
    pub fn group(&self) -> &'static str {
        match self {
            Subject::Ocid(_) => "OCID",
            Subject::Buyer(_) => "Buyer",
            Subject::ProcuringEntity(_) => "ProcuringEntity",
            Subject::Tenderer(_) => "Tenderer",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Subject::Ocid(id) | Subject::Buyer(id) | Subject::ProcuringEntity(id) | Subject::Tenderer(id) => id,
        }
    }
}

/// One indicator's result for one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `R018`, …
    pub code: String,
    pub subject: Subject,
    /// The value Cardinal would report (1.0 for a yes/no indicator; a ratio or a difference for
    /// others).
    pub value: f64,
    /// The processes the finding rests on (for an OCID subject, that process).
    pub ocids: Vec<String>,
    /// The figures that triggered it: `{"numberOfTenderers": 1, "procurementMethod": "open"}`.
    pub figures: Map<String, Value>,
    /// The thresholds used: `{"threshold": 15}`.
    pub thresholds: Map<String, Value>,
}
