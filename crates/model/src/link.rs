//! What linking works on and produces: mentions of an organisation or a person in one dataset, and
//! links between two mentions with a label, a score and the evidence for it.

use serde::{Deserialize, Serialize};

/// Whether a mention names an organisation or a natural person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MentionKind {
    Organisation,
    Person,
}

/// One appearance of an organisation or person in one dataset: a party of a contracting process,
/// a BODS entity or person record, a donor, a party receiving donations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// `ocds/{ocid}/{party id}`, `bods/{record id}`, `donor/{donation id}`, `recipient/{name}`.
    pub id: String,
    pub kind: MentionKind,
    /// The name as written, and other names it is known by.
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
    /// Canonical identifier keys (`UA-EDR-37609523`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
    /// ISO 3166-1 alpha-2, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// What the mention is, in words: "supplier in ocds-…", "donor to …".
    pub role: String,
}

/// How sure a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// A shared identifier, or a person's judgement.
    Confirmed,
    /// Names agree strongly and nothing disagrees.
    Probable,
    /// Names are alike; worth a look, never to be printed as a fact.
    Possible,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Confirmed => "confirmed",
            Label::Probable => "probable",
            Label::Possible => "possible",
        }
    }
}

/// One piece of evidence for or against a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `identifier`, `name`, `country`, `birth_date`, `legal_form`, `postcode`, `judgement`.
    pub field: String,
    /// Whether this field agrees (`true`) or disagrees (`false`).
    pub agrees: bool,
    pub detail: String,
}

/// A link between two mentions (`a` < `b`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub a: String,
    pub b: String,
    pub label: Label,
    pub score: f64,
    pub evidence: Vec<Evidence>,
}

/// A person's decision about two mentions, which every later run respects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub a: String,
    pub b: String,
    /// `true`: the same; `false`: not the same.
    pub same: bool,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
