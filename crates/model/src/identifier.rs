//! Identifiers that join the datasets: org-id schemes (UA-EDR, GE-NAPR, GB-COH, …) and person
//! identifiers, in the many spellings publishers use, reduced to one canonical key.
//!
//! The key is what every index and every link compares; the spelling as written is kept beside it
//! by whoever stores the identifier. A bare number is only given a scheme when the country's formats
//! make it unambiguous (see [`infer_scheme`]); otherwise it is kept as written and never joined on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Who an identifier names: a company or other organisation, or a natural person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Holder {
    Organisation,
    Person,
}

/// An identifier reduced to one spelling: `{scheme}-{id}`, with the scheme's own rules applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Identifier {
    pub scheme: String,
    pub id: String,
}

impl Identifier {
    /// Normalises `scheme` and `id` as the scheme defines. Returns `None` when either is empty.
    pub fn new(scheme: &str, id: &str) -> Option<Identifier> {
        let scheme = canonical_scheme(scheme);
        let id: String = id.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        // `{scheme: "UA-EDR", id: "UA-EDR-37609523"}` is common: the scheme repeated in the id.
        let id = id.strip_prefix(&format!("{scheme}-")).map(str::to_string).unwrap_or(id);
        if scheme.is_empty() || id.is_empty() {
            return None;
        }
        Some(normalise(scheme, id))
    }

    /// The canonical key: `UA-EDR-37609523`.
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// Whether the identifier names an organisation or a person, when the scheme says.
    pub fn holder(&self) -> Option<Holder> {
        if ORG_SCHEMES.contains(&self.scheme.as_str()) {
            Some(Holder::Organisation)
        } else if is_person_scheme(&self.scheme) {
            Some(Holder::Person)
        } else {
            None
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.scheme, self.id)
    }
}

/// Org-id schemes openreg knows the formats of.
const ORG_SCHEMES: &[&str] = &["UA-EDR", "GE-NAPR", "GB-COH", "XI-LEI", "DK-CVR", "SK-ORSR", "MD-IDNO", "LV-RE"];

/// BODS person schemes are `{ISO3}-{PASSPORT|TAXID|IDCARD}`.
fn is_person_scheme(scheme: &str) -> bool {
    match scheme.split_once('-') {
        Some((country, kind)) => {
            country.len() == 3
                && country.bytes().all(|b| b.is_ascii_uppercase())
                && matches!(kind, "PASSPORT" | "TAXID" | "IDCARD")
        }
        None => false,
    }
}

fn canonical_scheme(scheme: &str) -> String {
    let scheme: String =
        scheme.trim().to_uppercase().chars().map(|c| if c == '_' || c == ' ' { '-' } else { c }).collect();
    match scheme.as_str() {
        // Spellings seen in the wild for the same registers.
        "UA-EDRPOU" | "EDRPOU" | "UA-USREOU" => "UA-EDR".to_string(),
        "GB-CH" | "GB-COMPANIES-HOUSE" => "GB-COH".to_string(),
        "LEI" => "XI-LEI".to_string(),
        // A Georgian's personal number is both the ID-card number and the individual's tax number.
        "GEO-IDCARD" => "GEO-TAXID".to_string(),
        _ => scheme,
    }
}

fn digits(id: &str) -> Option<&str> {
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

fn normalise(scheme: String, id: String) -> Identifier {
    let id = match scheme.as_str() {
        "UA-EDR" => {
            let bare: String = id.chars().filter(|c| c.is_ascii_digit()).collect();
            if bare.len() == id.len() && bare.len() < 8 {
                // Spreadsheets drop the leading zeros of EDRPOU codes; the code is 8 digits.
                format!("{bare:0>8}")
            } else if bare.len() == id.len() && bare.len() == 10 {
                // A sole trader appears under UA-EDR with the owner's 10-digit tax number: the
                // same number as the person's, so it joins the person.
                return Identifier { scheme: "UKR-TAXID".into(), id: bare };
            } else {
                id
            }
        }
        "GE-NAPR" => match digits(&id) {
            // An 11-digit number under GE-NAPR is a person's personal number.
            Some(d) if d.len() == 11 => return Identifier { scheme: "GEO-TAXID".into(), id: id.clone() },
            _ => id,
        },
        "GB-COH" => {
            let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            // Company numbers are 8 characters: 8 digits, or a two-letter prefix and 6 digits.
            let split = id.bytes().take_while(u8::is_ascii_alphabetic).count();
            let (prefix, number) = id.split_at(split);
            if !number.is_empty() && digits(number).is_some() && prefix.len() <= 2 && id.len() < 8 {
                format!("{prefix}{number:0>width$}", width = 8 - prefix.len())
            } else {
                id
            }
        }
        _ => id,
    };
    Identifier { scheme, id }
}

/// Reads an identifier as people type it: `GB-COH-00507062`, `UA-EDR 37609523`, `UA-EDR:37609523`,
/// `XI-LEI-…`, `UKR-TAXID-1234567890`. The scheme is the first two dash-separated parts.
pub fn parse_identifier(text: &str) -> Option<Identifier> {
    let text = text.trim();
    let (scheme, id) = match text.split_once([' ', ':', '/']) {
        Some((scheme, id)) if scheme.matches('-').count() == 1 => (scheme.to_string(), id.to_string()),
        _ => {
            let mut parts = text.splitn(3, '-');
            let (a, b, id) = (parts.next()?, parts.next()?, parts.next()?);
            (format!("{a}-{b}"), id.to_string())
        }
    };
    if scheme.len() < 4 || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    Identifier::new(&scheme, &id)
}

/// Gives a bare id (as donation lists print them) its scheme from the country's formats:
///
/// | country | format | scheme |
/// |---|---|---|
/// | UA | 8 digits | `UA-EDR` (EDRPOU company code) |
/// | UA | 10 digits | `UKR-TAXID` (a person's tax number, RNOKPP) |
/// | GE | 9 digits | `GE-NAPR` (company identification code) |
/// | GE | 11 digits | `GEO-TAXID` (personal number) |
/// | GB | 8 digits, or 2 letters and 6 digits | `GB-COH` (Companies House number) |
///
/// An id that fits no format gives `None`: it is kept as written and never used to join.
pub fn infer_scheme(country: &str, id: &str) -> Option<Identifier> {
    let id: String = id.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if let Some(parsed) = parse_identifier(&id).filter(|i| i.holder().is_some()) {
        return Some(parsed);
    }
    let scheme = match (country.trim().to_uppercase().as_str(), digits(&id).map(str::len)) {
        ("UA" | "UKR", Some(8)) => "UA-EDR",
        ("UA" | "UKR", Some(10)) => "UKR-TAXID",
        ("GE" | "GEO", Some(9)) => "GE-NAPR",
        ("GE" | "GEO", Some(11)) => "GEO-TAXID",
        ("GB" | "GBR" | "UK", Some(6..=8)) => "GB-COH",
        ("GB" | "GBR" | "UK", None) => {
            let letters = id.bytes().take_while(u8::is_ascii_alphabetic).count();
            let fits = letters == 2 && id.len() == 8 && digits(&id[2..]).is_some();
            if !fits {
                return None;
            }
            "GB-COH"
        }
        _ => return None,
    };
    Identifier::new(scheme, &id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scheme: &str, id: &str) -> String {
        Identifier::new(scheme, id).unwrap().key()
    }

    #[test]
    fn variant_spellings_reduce_to_one_key() {
        let want = "UA-EDR-37609523";
        assert_eq!(key("UA-EDR", "37609523"), want);
        assert_eq!(key("ua-edr", " 37609523 "), want);
        assert_eq!(key("UA-EDR", "UA-EDR-37609523"), want);
        assert_eq!(key("UA-EDRPOU", "37609523"), want);
        assert_eq!(parse_identifier("UA-EDR 37609523").unwrap().key(), want);
        assert_eq!(parse_identifier("UA-EDR-37609523").unwrap().key(), want);
        assert_eq!(parse_identifier("ua-edr:37609523").unwrap().key(), want);
    }

    #[test]
    fn leading_zeros_as_each_scheme_defines() {
        assert_eq!(key("UA-EDR", "2125584"), "UA-EDR-02125584");
        assert_eq!(key("GB-COH", "507062"), "GB-COH-00507062");
        assert_eq!(key("GB-COH", "sc115530"), "GB-COH-SC115530");
        assert_eq!(key("GB-COH", "SC 15530"), "GB-COH-SC015530");
        // Other schemes keep their zeros as written.
        assert_eq!(key("GE-NAPR", "004378869"), "GE-NAPR-004378869");
    }

    #[test]
    fn person_numbers_under_company_schemes_join_the_person() {
        assert_eq!(key("UA-EDR", "3012345678"), "UKR-TAXID-3012345678");
        assert_eq!(key("GE-NAPR", "01008012345"), "GEO-TAXID-01008012345");
        assert_eq!(key("GEO-IDCARD", "01008012345"), "GEO-TAXID-01008012345");
        assert_eq!(Identifier::new("UKR-TAXID", "1").unwrap().holder(), Some(Holder::Person));
        assert_eq!(Identifier::new("GB-COH", "1").unwrap().holder(), Some(Holder::Organisation));
        assert_eq!(Identifier::new("ZZ-XYZ", "1").unwrap().holder(), None);
    }

    #[test]
    fn bare_ids_take_a_scheme_only_when_the_format_fits() {
        let inferred = |c, id| infer_scheme(c, id).map(|i| i.key());
        assert_eq!(inferred("UA", "37609523").as_deref(), Some("UA-EDR-37609523"));
        assert_eq!(inferred("UA", "3012345678").as_deref(), Some("UKR-TAXID-3012345678"));
        assert_eq!(inferred("GE", "204378869").as_deref(), Some("GE-NAPR-204378869"));
        assert_eq!(inferred("GE", "01008012345").as_deref(), Some("GEO-TAXID-01008012345"));
        assert_eq!(inferred("GB", "00507062").as_deref(), Some("GB-COH-00507062"));
        assert_eq!(inferred("GB", "SC115530").as_deref(), Some("GB-COH-SC115530"));
        // Written with its scheme, an id is taken as written whatever the country.
        assert_eq!(inferred("GE", "UA-EDR-37609523").as_deref(), Some("UA-EDR-37609523"));
        for (country, id) in [("UA", "123"), ("GE", "1234567890"), ("GB", "NA"), ("GB", "ABC12345"), ("FR", "123")] {
            assert_eq!(inferred(country, id), None, "{country} {id}");
        }
    }

    #[test]
    fn empty_or_malformed_is_nothing() {
        assert!(Identifier::new("", "1").is_none());
        assert!(Identifier::new("UA-EDR", "  ").is_none());
        assert!(parse_identifier("37609523").is_none());
        assert!(parse_identifier("A-B").is_none());
    }
}
