//! How a donation file's columns map onto openreg's fields: the built-in profiles (Georgian State
//! Audit Office, UK Electoral Commission, US FEC, the generic canonical layout) and user mappings,
//! all written in the same small TOML form, so a profile is data, not code.
//!
//! ```toml
//! header = true                 # the first row names the columns (false: give column_names)
//! delimiter = ";"               # optional: found from the first line when left out
//! date_format = "dd/mm/yyyy"    # or "iso", "mmddyyyy"; ISO dates are read whatever this says
//! currency = "UAH"              # when no column or symbol says
//! country = "UA"                # gives bare donor ids their scheme (see `--country`)
//! memo_values = ["X"]           # values of the memo column that mark a memo entry
//!
//! [columns]
//! donor_name = ["Прізвище", "Ім'я"]   # several columns are joined with spaces
//! donor_id = "Код|РНОКПП"             # `|` lists alternative headers: the first present is used
//! party = 3                           # a column number (from 1) where there is no header
//! amount = "Сума"
//! date = ["Дата зарахування", "Дата"] # for single values, the first non-empty column wins
//!
//! [donor_kinds]                 # values of the donor_kind column (compared without case)
//! "фізична особа" = "person"
//!
//! [donation_types]              # values of the type column
//! "грошовий внесок" = "money"
//! ```
//!
//! Fields: `donor_name`, `donor_id`, `donor_scheme`, `donor_kind`, `donor_country`, `party`,
//! `party_id`, `amount`, `currency`, `date`, `type`, `source_row_id`, `address`, `postcode`, `memo`.
//! `donor_name`, `party` and `amount` are required.

use std::collections::BTreeMap;

use openreg_model::donation::{DateFormat, DonationType, DonorKind};
use serde::Deserialize;

/// The built-in profiles, by the name `--profile` takes.
pub const PROFILES: &[(&str, &str)] = &[
    ("ge-sao", include_str!("../profiles/ge-sao.toml")),
    ("uk-ec", include_str!("../profiles/uk-ec.toml")),
    ("us-fec", include_str!("../profiles/us-fec.toml")),
    ("generic", include_str!("../profiles/generic.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("unknown profile `{0}` (use ge-sao, uk-ec, us-fec or generic)")]
    UnknownProfile(String),
    #[error("the mapping is not valid: {0}")]
    Invalid(String),
    #[error("{0}")]
    Columns(String),
}

/// One column: by header (with `|`-separated alternatives) or by number from 1.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Column {
    Header(String),
    Number(usize),
}

/// One column or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    One(Column),
    Many(Vec<Column>),
}

impl Columns {
    fn list(&self) -> Vec<&Column> {
        match self {
            Columns::One(c) => vec![c],
            Columns::Many(cs) => cs.iter().collect(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldColumns {
    pub donor_name: Option<Columns>,
    pub donor_id: Option<Columns>,
    pub donor_scheme: Option<Columns>,
    pub donor_kind: Option<Columns>,
    pub donor_country: Option<Columns>,
    pub party: Option<Columns>,
    pub party_id: Option<Columns>,
    pub amount: Option<Columns>,
    pub currency: Option<Columns>,
    pub date: Option<Columns>,
    #[serde(rename = "type")]
    pub donation_type: Option<Columns>,
    pub source_row_id: Option<Columns>,
    pub address: Option<Columns>,
    pub postcode: Option<Columns>,
    pub memo: Option<Columns>,
}

/// A profile or a user's mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default = "yes")]
    pub header: bool,
    /// Names for the columns of a file without a header (used in `raw` and by `[columns]`).
    #[serde(default)]
    pub column_names: Vec<String>,
    pub delimiter: Option<String>,
    pub date_format: Option<DateFormat>,
    pub currency: Option<String>,
    pub country: Option<String>,
    #[serde(default)]
    pub memo_values: Vec<String>,
    pub columns: FieldColumns,
    #[serde(default)]
    pub donor_kinds: BTreeMap<String, DonorKind>,
    #[serde(default)]
    pub donation_types: BTreeMap<String, DonationType>,
    /// A user's mapping must find every column it names; a built-in profile lists columns that
    /// some exports leave out.
    #[serde(skip)]
    pub strict: bool,
}

fn yes() -> bool {
    true
}

impl Mapping {
    /// A built-in profile.
    pub fn profile(name: &str) -> Result<Mapping, MappingError> {
        let (_, text) =
            PROFILES.iter().find(|(n, _)| *n == name).ok_or_else(|| MappingError::UnknownProfile(name.to_string()))?;
        Ok(toml::from_str(text).expect("the built-in profiles are valid"))
    }

    /// A user's mapping file's text.
    pub fn from_toml(text: &str) -> Result<Mapping, MappingError> {
        let mut mapping: Mapping = toml::from_str(text).map_err(|e| MappingError::Invalid(e.to_string()))?;
        mapping.strict = true;
        if let Some(d) = &mapping.delimiter {
            delimiter_byte(d).ok_or_else(|| MappingError::Invalid(format!("delimiter {d:?} is not one character")))?;
        }
        Ok(mapping)
    }

    pub fn delimiter(&self) -> Option<u8> {
        self.delimiter.as_deref().and_then(delimiter_byte)
    }

    pub fn date_format(&self) -> DateFormat {
        self.date_format.unwrap_or(DateFormat::DayMonthYear)
    }

    /// The kind a donor-kind value names, compared without case or surrounding space.
    pub fn donor_kind(&self, value: &str) -> Option<DonorKind> {
        let value = fold(value);
        self.donor_kinds.iter().find(|(k, _)| fold(k) == value).map(|(_, v)| *v)
    }

    pub fn donation_type(&self, value: &str) -> Option<DonationType> {
        let value = fold(value);
        self.donation_types.iter().find(|(k, _)| fold(k) == value).map(|(_, v)| *v)
    }

    /// Finds the mapped columns in a header (or in `column_names` for a file without one).
    pub fn resolve(&self, header: &[String]) -> Result<Resolved, MappingError> {
        let names: Vec<String> = header.iter().map(|h| fold(h)).collect();
        let mut missing = Vec::new();
        let mut field = |name: &'static str, columns: &Option<Columns>, required: bool| -> Vec<usize> {
            let Some(columns) = columns else {
                if required {
                    missing.push(format!("{name} (not mapped)"));
                }
                return Vec::new();
            };
            let mut found = Vec::new();
            for column in columns.list() {
                match column {
                    Column::Number(n) if *n >= 1 => found.push(n - 1),
                    Column::Number(_) => missing.push(format!("{name}: columns are numbered from 1")),
                    Column::Header(h) => {
                        match h.split('|').find_map(|alt| names.iter().position(|n| *n == fold(alt))) {
                            Some(i) => found.push(i),
                            None if self.strict || required => missing.push(format!("{name} (\"{h}\")")),
                            None => {}
                        }
                    }
                }
            }
            if found.is_empty() && required && !missing.iter().any(|m| m.starts_with(name)) {
                missing.push(name.to_string());
            }
            found
        };
        let c = &self.columns;
        let resolved = Resolved {
            donor_name: field("donor_name", &c.donor_name, true),
            donor_id: field("donor_id", &c.donor_id, false),
            donor_scheme: field("donor_scheme", &c.donor_scheme, false),
            donor_kind: field("donor_kind", &c.donor_kind, false),
            donor_country: field("donor_country", &c.donor_country, false),
            party: field("party", &c.party, true),
            party_id: field("party_id", &c.party_id, false),
            amount: field("amount", &c.amount, true),
            currency: field("currency", &c.currency, false),
            date: field("date", &c.date, false),
            donation_type: field("type", &c.donation_type, false),
            source_row_id: field("source_row_id", &c.source_row_id, false),
            address: field("address", &c.address, false),
            postcode: field("postcode", &c.postcode, false),
            memo: field("memo", &c.memo, false),
        };
        if missing.is_empty() {
            Ok(resolved)
        } else {
            let shown: Vec<&str> = header.iter().map(String::as_str).take(30).collect();
            Err(MappingError::Columns(format!(
                "columns not found: {}; the header has: {}",
                missing.join(", "),
                shown.join(", ")
            )))
        }
    }
}

/// Column positions of each field, found once per file.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub donor_name: Vec<usize>,
    pub donor_id: Vec<usize>,
    pub donor_scheme: Vec<usize>,
    pub donor_kind: Vec<usize>,
    pub donor_country: Vec<usize>,
    pub party: Vec<usize>,
    pub party_id: Vec<usize>,
    pub amount: Vec<usize>,
    pub currency: Vec<usize>,
    pub date: Vec<usize>,
    pub donation_type: Vec<usize>,
    pub source_row_id: Vec<usize>,
    pub address: Vec<usize>,
    pub postcode: Vec<usize>,
    pub memo: Vec<usize>,
}

/// Values that mean "nothing here" in registers' exports.
pub fn is_blank(value: &str) -> bool {
    matches!(value.trim(), "" | "NA" | "N/A" | "n/a" | "-" | "—" | "null" | "NULL" | "None")
}

impl Resolved {
    /// The columns' values joined with spaces (names, addresses).
    pub fn joined(columns: &[usize], row: &[String]) -> Option<String> {
        let parts: Vec<&str> =
            columns.iter().filter_map(|&i| row.get(i)).map(|v| v.trim()).filter(|v| !is_blank(v)).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// The first non-empty value among the columns (dates, amounts, ids).
    pub fn first(columns: &[usize], row: &[String]) -> Option<String> {
        columns.iter().filter_map(|&i| row.get(i)).map(|v| v.trim()).find(|v| !is_blank(v)).map(str::to_string)
    }
}

/// Headers and values are compared without case, spaces or punctuation: `Company reg. no.`,
/// `CompanyRegNo` and `company_reg_no` are the same column.
pub fn fold(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn delimiter_byte(d: &str) -> Option<u8> {
    match d {
        "\\t" | "tab" | "\t" => Some(b'\t'),
        d if d.len() == 1 => Some(d.as_bytes()[0]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_profile_loads() {
        for (name, _) in PROFILES {
            Mapping::profile(name).unwrap();
        }
        assert!(Mapping::profile("xx").is_err());
    }

    #[test]
    fn current_and_legacy_electoral_commission_headers() {
        let uk = Mapping::profile("uk-ec").unwrap();
        let current = header(&[
            "ECRef",
            "RegulatedEntityName",
            "Value",
            "AcceptedDate",
            "DonorName",
            "DonorStatus",
            "CompanyRegistrationNumber",
        ]);
        let r = uk.resolve(&current).unwrap();
        assert_eq!((r.party.clone(), r.amount.clone(), r.donor_id.clone()), (vec![1], vec![2], vec![6]));
        let legacy = header(&[
            "EC Ref",
            "Entity name",
            "Value",
            "Accepted date",
            "Donor name",
            "Donor type",
            "Company reg. no.",
        ]);
        let r = uk.resolve(&legacy).unwrap();
        assert_eq!((r.source_row_id, r.donor_kind, r.donor_id), (vec![0], vec![5], vec![6]));
        // The five-column sample in ../shared has no dates or references: still readable.
        let sample = header(&["RegulatedEntityName", "DonorName", "DonorStatus", "CompanyRegistrationNumber", "Value"]);
        assert!(uk.resolve(&sample).unwrap().date.is_empty());
    }

    #[test]
    fn missing_required_columns_are_named() {
        let uk = Mapping::profile("uk-ec").unwrap();
        let err = uk.resolve(&header(&["DonorName", "Value"])).unwrap_err().to_string();
        assert!(err.contains("party"), "{err}");
        assert!(err.contains("the header has: DonorName, Value"), "{err}");
    }

    #[test]
    fn user_mappings_must_find_every_column_they_name() {
        let text = r#"
            date_format = "dd/mm/yyyy"
            [columns]
            donor_name = ["Прізвище", "Ім'я"]
            party = "Партія"
            amount = "Сума"
            date = "Дата"
        "#;
        let mapping = Mapping::from_toml(text).unwrap();
        let ok = mapping.resolve(&header(&["Прізвище", "Ім'я", "Партія", "Сума", "Дата"])).unwrap();
        assert_eq!(ok.donor_name, vec![0, 1]);
        let err = mapping.resolve(&header(&["Прізвище", "Ім'я", "Партія", "Сума"])).unwrap_err().to_string();
        assert!(err.contains("date"), "{err}");
        assert!(Mapping::from_toml("[columns]\nnonsense = 1").is_err());
        assert!(Mapping::from_toml("delimiter = \";;\"\n[columns]").is_err());
    }

    #[test]
    fn kinds_and_types_compare_without_case() {
        let ge = Mapping::profile("ge-sao").unwrap();
        assert_eq!(ge.donor_kind(" ფიზიკური პირი "), Some(DonorKind::Person));
        assert_eq!(ge.donor_kind("შპს"), Some(DonorKind::Company));
        let uk = Mapping::profile("uk-ec").unwrap();
        assert_eq!(uk.donor_kind("INDIVIDUAL"), Some(DonorKind::Person));
        assert_eq!(uk.donation_type("non cash"), Some(DonationType::InKind));
    }
}
