//! Donations to political parties, from whichever register published them, in one shape.
//!
//! Amounts and dates arrive in national spellings (`"1,000"`, `"£1,234.00"`, `DD/MM/YYYY`,
//! `MMDDYYYY`); the readers here turn them into one form and say precisely why when they cannot.

use serde::{Deserialize, Serialize};

use crate::identifier::Identifier;

/// Who gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DonorKind {
    Person,
    Company,
    /// Trade unions, associations, trusts, other parties: not a person and not a company.
    Organisation,
    Unknown,
}

/// What was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DonationType {
    Money,
    InKind,
    MembershipFee,
    /// Money returned to the donor (negative amounts in the US FEC files).
    Refund,
    Other,
}

/// One donation as openreg keeps it. `raw` is the row exactly as the source gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Donation {
    /// Stable across re-ingests: the profile and the source's own row id, or a hash of the row.
    pub id: String,
    /// File the donation came from, and the line (CSV) or line/object number (JSON) in it.
    pub source: String,
    pub line: u64,
    /// The register's own id for the row (Electoral Commission ECRef, FEC SUB_ID), when it has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_row_id: Option<String>,
    pub profile: String,
    pub donor: Donor,
    pub party: Recipient,
    /// The amount as a decimal string without separators or symbols (`"-250.00"`, `"1000"`).
    pub amount: String,
    pub currency: String,
    /// ISO 8601 date (`YYYY-MM-DD`), when the source gave one that could be read.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date: Option<String>,
    #[serde(rename = "type")]
    pub donation_type: DonationType,
    /// The type as the source wrote it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub type_as_written: Option<String>,
    /// A memo entry (US FEC `MEMO_CD = X`): reported for information, not to be added up.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub memo: bool,
    /// Header → value, or column number → value when the file has no header.
    pub raw: serde_json::Map<String, serde_json::Value>,
}

impl Donation {
    /// The amount as a number, as written.
    pub fn amount_value(&self) -> f64 {
        self.amount.parse().unwrap_or(0.0)
    }

    /// What the donation adds to a donor's giving: refunds subtract (some registers write them
    /// negative, others positive with a refund type); memo entries add nothing.
    pub fn net_amount(&self) -> f64 {
        match (self.memo, self.donation_type) {
            (true, _) => 0.0,
            (false, DonationType::Refund) => -self.amount_value().abs(),
            (false, _) => self.amount_value(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Donor {
    pub name: String,
    pub kind: DonorKind,
    /// The identifier with its scheme, when the source gave one that could be given a scheme.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub identifier: Option<Identifier>,
    /// The identifier exactly as written; kept even when it fits no known format (and then never
    /// used to join).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub identifier_as_written: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub postcode: Option<String>,
}

/// The party (or committee) that received the donation: an organisation in the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    /// The register's id for the recipient (US FEC committee id), when it has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
}

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("the amount {0:?} is not a number")]
    Amount(String),
    #[error("the date {0:?} is not a date in the form {1}")]
    Date(String, &'static str),
}

/// The currency an amount's symbol names, if it has one.
fn symbol_currency(c: char) -> Option<&'static str> {
    Some(match c {
        '£' => "GBP",
        '$' => "USD",
        '€' => "EUR",
        '₾' => "GEL",
        '₴' => "UAH",
        _ => return None,
    })
}

/// Reads an amount as registers print it: `1000`, `"1,000"`, `"£1,234.00"`, `1 234,50`,
/// `1.234,50`, `(250.00)` and `-250`. Returns the decimal text and the currency its symbol or code
/// names, if any.
pub fn parse_amount(text: &str) -> Result<(String, Option<&'static str>), ValueError> {
    let bad = || ValueError::Amount(text.to_string());
    let mut currency = None;
    let mut body = String::new();
    let mut negative = false;
    let trimmed = text.trim();
    let trimmed = match trimmed.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => {
            negative = true;
            inner
        }
        None => trimmed,
    };
    let mut letters = String::new();
    for c in trimmed.chars() {
        if let Some(code) = symbol_currency(c) {
            currency = Some(code);
        } else if c == '-' || c == '−' {
            if !body.is_empty() {
                return Err(bad());
            }
            negative = !negative;
        } else if c.is_ascii_digit() || c == ',' || c == '.' {
            body.push(c);
        } else if c.is_alphabetic() {
            letters.push(c);
        } else if !(c.is_whitespace() || c == '\'' || c == '\u{a0}' || c == '\u{202f}' || c == '+') {
            return Err(bad());
        }
    }
    if !letters.is_empty() {
        currency = Some(match letters.to_uppercase().as_str() {
            "GBP" => "GBP",
            "USD" => "USD",
            "EUR" => "EUR",
            "GEL" | "ЛАРІ" | "ლარი" => "GEL",
            "UAH" | "ГРН" => "UAH",
            _ => return Err(bad()),
        });
    }
    if !body.bytes().any(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // Which mark is the decimal point: the last one, unless a lone comma is followed by exactly
    // three digits (then it groups thousands, as in "1,000").
    let last_dot = body.rfind('.');
    let last_comma = body.rfind(',');
    let decimal = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(d.max(c)),
        (Some(d), None) => (body.matches('.').count() == 1).then_some(d),
        (None, Some(c)) => (body.matches(',').count() == 1 && body.len() - c - 1 != 3).then_some(c),
        (None, None) => None,
    };
    let mut number = String::with_capacity(body.len() + 1);
    if negative {
        number.push('-');
    }
    for (i, c) in body.char_indices() {
        match c {
            '0'..='9' => number.push(c),
            _ if Some(i) == decimal => number.push('.'),
            _ => {
                // A grouping mark must group three digits.
                let group = body[i + 1..].chars().take_while(char::is_ascii_digit).count();
                if group != 3 {
                    return Err(bad());
                }
            }
        }
    }
    if number.ends_with('.') {
        number.pop();
    }
    Ok((number, currency))
}

/// How a source writes its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateFormat {
    /// `2024-03-01`, optionally followed by a time.
    #[serde(rename = "iso")]
    Iso,
    /// `01/03/2024` or `01.03.2024` (day first, as in Georgia, Ukraine and the UK).
    #[serde(rename = "dd/mm/yyyy")]
    DayMonthYear,
    /// `03012024` (US FEC).
    #[serde(rename = "mmddyyyy")]
    MonthDayYear,
}

impl DateFormat {
    fn describe(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::DayMonthYear => "DD/MM/YYYY",
            DateFormat::MonthDayYear => "MMDDYYYY",
        }
    }
}

/// Reads a date in `format` (an ISO date is accepted whatever the format) into `YYYY-MM-DD`.
pub fn parse_date(text: &str, format: DateFormat) -> Result<String, ValueError> {
    let bad = || ValueError::Date(text.to_string(), format.describe());
    let text = text.trim();
    let number =
        |s: &str| -> Option<u32> { (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())? };
    let iso = || -> Option<(u32, u32, u32)> {
        let date = text.get(..10)?;
        let rest = &text[10..];
        if !(rest.is_empty() || rest.starts_with(['T', ' '])) {
            return None;
        }
        let mut parts = date.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        (y.len() == 4).then_some(())?;
        Some((number(y)?, number(m)?, number(d)?))
    };
    let (year, month, day) = match (iso(), format) {
        (Some(ymd), _) => ymd,
        (None, DateFormat::Iso) => return Err(bad()),
        (None, DateFormat::DayMonthYear) => {
            // A time may follow the date ("01/03/2024 00:00:00").
            let date = text.split_whitespace().next().unwrap_or("");
            let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
            match parts.as_slice() {
                [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => {
                    (number(y).ok_or_else(bad)?, number(m).ok_or_else(bad)?, number(d).ok_or_else(bad)?)
                }
                _ => return Err(bad()),
            }
        }
        (None, DateFormat::MonthDayYear) => {
            // FEC drops the leading zero of the month in some files: 7 digits.
            let padded = format!("{text:0>8}");
            if padded.len() != 8 || number(&padded).is_none() {
                return Err(bad());
            }
            (
                number(&padded[4..]).ok_or_else(bad)?,
                number(&padded[..2]).ok_or_else(bad)?,
                number(&padded[2..4]).ok_or_else(bad)?,
            )
        }
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || year < 1000 {
        return Err(bad());
    }
    Ok(format!("{year:04}-{month:02}-{day:02}"))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_national_spellings() {
        let amount = |t| parse_amount(t).map(|(n, c)| (n, c.map(str::to_string)));
        assert_eq!(amount("1,000"), Ok(("1000".into(), None)));
        assert_eq!(amount("£1,234.00"), Ok(("1234.00".into(), Some("GBP".into()))));
        assert_eq!(amount("1 234,50"), Ok(("1234.50".into(), None)));
        assert_eq!(amount("1.234,50 ₾"), Ok(("1234.50".into(), Some("GEL".into()))));
        assert_eq!(amount("1,5"), Ok(("1.5".into(), None)));
        assert_eq!(amount("-250"), Ok(("-250".into(), None)));
        assert_eq!(amount("(250.00)"), Ok(("-250.00".into(), None)));
        assert_eq!(amount("833"), Ok(("833".into(), None)));
        assert_eq!(amount("1,000,000.5"), Ok(("1000000.5".into(), None)));
        assert_eq!(amount("5000 GEL"), Ok(("5000".into(), Some("GEL".into()))));
        assert_eq!(amount("12."), Ok(("12".into(), None)));
        for bad in ["", "abc", "1,00,0", "12-3", "1.2.3,4,5", "five", "£", "10 apples"] {
            assert!(parse_amount(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn dates_in_each_format() {
        assert_eq!(parse_date("01/03/2024", DateFormat::DayMonthYear).unwrap(), "2024-03-01");
        assert_eq!(parse_date("1.3.2024", DateFormat::DayMonthYear).unwrap(), "2024-03-01");
        assert_eq!(parse_date("01/03/2024 00:00:00", DateFormat::DayMonthYear).unwrap(), "2024-03-01");
        assert_eq!(parse_date("09022017", DateFormat::MonthDayYear).unwrap(), "2017-09-02");
        assert_eq!(parse_date("9022017", DateFormat::MonthDayYear).unwrap(), "2017-09-02");
        assert_eq!(parse_date("2024-02-29", DateFormat::DayMonthYear).unwrap(), "2024-02-29");
        assert_eq!(parse_date("2024-02-29T10:00:00Z", DateFormat::Iso).unwrap(), "2024-02-29");
        for (bad, format) in [
            ("2023-02-29", DateFormat::Iso),
            ("31/04/2024", DateFormat::DayMonthYear),
            ("13132024", DateFormat::MonthDayYear),
            ("01/03/24", DateFormat::DayMonthYear),
            ("yesterday", DateFormat::Iso),
            ("", DateFormat::DayMonthYear),
        ] {
            assert!(parse_date(bad, format).is_err(), "{bad:?}");
        }
    }
}
