//! Search documents, built from what the store holds: a contracting process from its compiled
//! release, a donation as read, and an organisation or a person from every mention of it merged
//! along confirmed links (a shared identifier, or a person's confirmation).

use std::collections::{BTreeMap, BTreeSet};

use openreg_link::fingerprint;
use openreg_model::donation::{Donation, DonationType};
use openreg_model::identifier::Identifier;
use openreg_model::link::{Mention, MentionKind};
use serde_json::Value;
use tantivy::TantivyDocument;

use crate::schema::Fields;

/// What a document describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    Contract,
    Organization,
    Person,
    Donation,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [DocKind::Contract, DocKind::Organization, DocKind::Person, DocKind::Donation];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Contract => "contract",
            DocKind::Organization => "organization",
            DocKind::Person => "person",
            DocKind::Donation => "donation",
        }
    }

    pub fn parse(text: &str) -> Option<DocKind> {
        match text.trim().to_lowercase().as_str() {
            "contract" | "contracts" | "process" => Some(DocKind::Contract),
            "organization" | "organisation" | "organizations" | "organisations" | "company" => {
                Some(DocKind::Organization)
            }
            "person" | "persons" | "people" => Some(DocKind::Person),
            "donation" | "donations" => Some(DocKind::Donation),
            _ => None,
        }
    }
}

/// One search document, before it is written to the index.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    pub id: String,
    pub kind: DocKind,
    /// The name or title shown for a hit.
    pub display: String,
    pub summary: String,
    pub names: Vec<String>,
    pub parties: Vec<String>,
    pub text: Vec<String>,
    /// Identifiers: canonical keys (`UA-EDR-37609523`) or ids as written; each is indexed whole
    /// and, for a key, by its bare number too.
    pub identifiers: Vec<String>,
    pub buyers: Vec<String>,
    pub suppliers: Vec<String>,
    pub recipients: Vec<String>,
    pub countries: Vec<String>,
    pub method: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub roles: Vec<String>,
    /// `YYYY-MM-DD` (a longer ISO date-time is cut to its date).
    pub date: Option<String>,
    pub value: Option<f64>,
    pub currency: Option<String>,
    pub members: Vec<String>,
}

impl SearchDoc {
    pub fn new(id: String, kind: DocKind, display: String) -> SearchDoc {
        SearchDoc {
            id,
            kind,
            display,
            summary: String::new(),
            names: Vec::new(),
            parties: Vec::new(),
            text: Vec::new(),
            identifiers: Vec::new(),
            buyers: Vec::new(),
            suppliers: Vec::new(),
            recipients: Vec::new(),
            countries: Vec::new(),
            method: None,
            status: None,
            category: None,
            roles: Vec::new(),
            date: None,
            value: None,
            currency: None,
            members: Vec::new(),
        }
    }

    /// The tantivy document.
    pub fn to_tantivy(&self, f: &Fields) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &self.id);
        doc.add_text(f.kind, self.kind.as_str());
        doc.add_text(f.display, &self.display);
        doc.add_text(f.summary, &self.summary);
        let mut forms = BTreeSet::new();
        for name in &self.names {
            doc.add_text(f.name, name);
            doc.add_text(f.skeleton, name);
            forms.extend(fingerprint(name).forms);
        }
        for name in &self.parties {
            doc.add_text(f.parties, name);
            doc.add_text(f.parties_skeleton, name);
        }
        for text in &self.text {
            doc.add_text(f.text, text);
        }
        for form in forms {
            doc.add_text(f.form, form);
        }
        let mut idents = BTreeSet::new();
        for identifier in &self.identifiers {
            for term in ident_terms(identifier) {
                idents.insert(term);
            }
        }
        for term in idents {
            doc.add_text(f.ident, term);
        }
        for (field, values) in [(f.buyer, &self.buyers), (f.supplier, &self.suppliers), (f.party, &self.recipients)] {
            for value in values.iter().collect::<BTreeSet<_>>() {
                doc.add_text(field, value);
            }
        }
        for country in self.countries.iter().collect::<BTreeSet<_>>() {
            doc.add_text(f.country, country);
        }
        for role in self.roles.iter().collect::<BTreeSet<_>>() {
            doc.add_text(f.role, role);
        }
        for (field, value) in [
            (f.method, &self.method),
            (f.status, &self.status),
            (f.category, &self.category),
            (f.currency, &self.currency),
        ] {
            if let Some(value) = value {
                doc.add_text(field, value);
            }
        }
        if let Some(date) = self.date.as_deref().and_then(parse_day) {
            doc.add_date(f.date, date.0);
            doc.add_text(f.year, date.1.to_string());
        }
        if let Some(value) = self.value.filter(|v| v.is_finite()) {
            doc.add_f64(f.value, value);
        }
        for member in &self.members {
            doc.add_text(f.member, member);
        }
        doc
    }
}

/// The exact terms an identifier is found by: the whole of it, lower case, and for a canonical key
/// (`UA-EDR-37609523`) its bare number (`37609523`) too.
pub fn ident_terms(identifier: &str) -> Vec<String> {
    let whole = identifier.trim().to_lowercase();
    if whole.is_empty() {
        return Vec::new();
    }
    let mut out = vec![whole.clone()];
    if let Some(parsed) = openreg_model::identifier::parse_identifier(identifier) {
        let key = parsed.key().to_lowercase();
        let bare = parsed.id.to_lowercase();
        if key != whole {
            out.push(key);
        }
        if parsed.id.bytes().any(|b| b.is_ascii_digit()) && bare != whole {
            out.push(bare);
        }
    }
    out
}

/// The keys a buyer, supplier or receiving party is filtered by: its canonical identifiers and the
/// words of its name's fingerprint, legal form left out (so `ТОВ «Будмайстер»`, `Budmaister`,
/// `Budmaister LLC` and `UA-EDR-…` all select it).
pub fn filter_keys(name: Option<&str>, identifiers: &[String]) -> Vec<String> {
    let mut out: Vec<String> = identifiers.iter().map(|i| i.to_uppercase()).collect();
    if let Some(name) = name {
        let text = fingerprint(name).words.join(" ");
        if !text.is_empty() {
            out.push(text);
        }
    }
    out
}

/// A date at midnight UTC, and its year, from `YYYY-MM-DD…`.
pub fn parse_day(text: &str) -> Option<(tantivy::DateTime, i32)> {
    let text = text.get(..10)?;
    let mut parts = text.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some((tantivy::DateTime::from_timestamp_secs(days_from_civil(year, month, day) * 86_400), year))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(if month <= 2 { year - 1 } else { year });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (the inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn text_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn array<'a>(value: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    value.pointer(pointer).and_then(Value::as_array).into_iter().flatten()
}

fn amount(value: &Value) -> Option<(f64, Option<String>)> {
    let amount = value.get("amount")?;
    let number = amount.as_f64().or_else(|| amount.as_str().and_then(|s| s.parse().ok()))?;
    Some((number, value.get("currency").and_then(Value::as_str).map(str::to_string)))
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// A contracting process, from its compiled release.
pub fn contract(ocid: &str, release: &Value) -> SearchDoc {
    let title = text_at(release, "/tender/title")
        .or_else(|| array(release, "/contracts").find_map(|c| text_at(c, "/title")))
        .or_else(|| array(release, "/awards").find_map(|a| text_at(a, "/title")))
        .unwrap_or(ocid);
    let mut doc = SearchDoc::new(format!("contract/{ocid}"), DocKind::Contract, title.to_string());
    doc.identifiers.push(ocid.to_string());
    if let Some(id) = text_at(release, "/tender/id") {
        doc.identifiers.push(id.to_string());
    }
    for pointer in ["/tender/title", "/tender/description", "/tender/procurementMethodDetails"] {
        if let Some(text) = text_at(release, pointer) {
            push_unique(&mut doc.text, text);
        }
    }
    let mut items: Vec<&Value> = array(release, "/tender/items").collect();
    for stage in ["/awards", "/contracts"] {
        for entry in array(release, stage) {
            for pointer in ["/title", "/description"] {
                if let Some(text) = text_at(entry, pointer) {
                    push_unique(&mut doc.text, text);
                }
            }
            items.extend(array(entry, "/items"));
        }
    }
    for item in items {
        if let Some(text) = text_at(item, "/description") {
            push_unique(&mut doc.text, text);
        }
        let classifications = item.get("classification").into_iter().chain(array(item, "/additionalClassifications"));
        for c in classifications {
            if let Some(text) = text_at(c, "/description") {
                push_unique(&mut doc.text, text);
            }
            if let Some(id) = text_at(c, "/id") {
                push_unique(&mut doc.identifiers, id);
            }
        }
    }

    // Parties, through the link crate's reading of them (identifiers and countries as linking sees them).
    let mentions: BTreeMap<String, Mention> =
        openreg_link::mentions::from_compiled_release(ocid, release).into_iter().map(|m| (m.id.clone(), m)).collect();
    let buyer_id = text_at(release, "/buyer/id");
    let award_suppliers: BTreeSet<&str> =
        array(release, "/awards").flat_map(|a| array(a, "/suppliers")).filter_map(|s| text_at(s, "/id")).collect();
    let mut buyer_names = Vec::new();
    let mut supplier_names = Vec::new();
    for party in array(release, "/parties") {
        let Some(name) = text_at(party, "/name") else { continue };
        let party_id = text_at(party, "/id").unwrap_or(name);
        let mention = mentions.get(&format!("ocds/{ocid}/{party_id}"));
        let identifiers = mention.map(|m| m.identifiers.clone()).unwrap_or_default();
        push_unique(&mut doc.parties, name);
        if let Some(m) = mention {
            for other in &m.other_names {
                push_unique(&mut doc.parties, other);
            }
            if let Some(country) = &m.country {
                push_unique(&mut doc.countries, country);
            }
        }
        doc.identifiers.extend(identifiers.iter().cloned());
        let roles: Vec<&str> = array(party, "/roles").filter_map(Value::as_str).collect();
        if roles.iter().any(|r| *r == "buyer" || *r == "procuringEntity") || buyer_id == Some(party_id) {
            doc.buyers.extend(filter_keys(Some(name), &identifiers));
            push_unique(&mut buyer_names, name);
        }
        if roles.contains(&"supplier") || award_suppliers.contains(party_id) {
            doc.suppliers.extend(filter_keys(Some(name), &identifiers));
            push_unique(&mut supplier_names, name);
        }
    }
    if let Some(name) = text_at(release, "/buyer/name") {
        if buyer_names.is_empty() {
            doc.buyers.extend(filter_keys(Some(name), &[]));
            push_unique(&mut doc.parties, name);
            push_unique(&mut buyer_names, name);
        }
    }

    doc.method = text_at(release, "/tender/procurementMethod").map(str::to_lowercase);
    doc.category = text_at(release, "/tender/mainProcurementCategory").map(str::to_lowercase);
    doc.status = text_at(release, "/tender/status")
        .or_else(|| array(release, "/contracts").filter_map(|c| text_at(c, "/status")).last())
        .or_else(|| array(release, "/awards").filter_map(|a| text_at(a, "/status")).last())
        .map(str::to_lowercase);
    doc.date = array(release, "/contracts")
        .find_map(|c| text_at(c, "/dateSigned"))
        .or_else(|| array(release, "/awards").find_map(|a| text_at(a, "/date")))
        .or_else(|| text_at(release, "/tender/tenderPeriod/startDate"))
        .or_else(|| text_at(release, "/date"))
        .map(str::to_string);
    let sum = |stage: &str| {
        let values: Vec<(f64, Option<String>)> =
            array(release, stage).filter_map(|e| e.get("value")).filter_map(amount).collect();
        (!values.is_empty()).then(|| (values.iter().map(|v| v.0).sum::<f64>(), values[0].1.clone()))
    };
    if let Some((value, currency)) =
        sum("/contracts").or_else(|| sum("/awards")).or_else(|| release.pointer("/tender/value").and_then(amount))
    {
        doc.value = Some(value);
        doc.currency = currency;
    }
    let mut summary = Vec::new();
    if !buyer_names.is_empty() {
        summary.push(format!("buyer {}", buyer_names.join(", ")));
    }
    if !supplier_names.is_empty() {
        summary.push(format!("supplier {}", supplier_names.join(", ")));
    }
    if let Some(value) = doc.value {
        summary.push(format!("{} {}", format_amount(value), doc.currency.as_deref().unwrap_or("")).trim().to_string());
    }
    if let Some(method) = &doc.method {
        summary.push(method.clone());
    }
    if let Some(date) = &doc.date {
        summary.push(date.get(..10).unwrap_or(date).to_string());
    }
    summary.push(ocid.to_string());
    doc.summary = summary.join("; ");
    doc
}

/// `2340000` → `2,340,000`; `1234.5` → `1,234.50`.
pub fn format_amount(value: f64) -> String {
    let whole = value.trunc().abs() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    let cents = ((value.abs() - value.abs().trunc()) * 100.0).round() as u64;
    let sign = if value < 0.0 { "-" } else { "" };
    if cents > 0 {
        format!("{sign}{out}.{cents:02}")
    } else {
        format!("{sign}{out}")
    }
}

fn donation_type(t: DonationType) -> &'static str {
    match t {
        DonationType::Money => "money",
        DonationType::InKind => "in_kind",
        DonationType::MembershipFee => "membership_fee",
        DonationType::Refund => "refund",
        DonationType::Other => "other",
    }
}

/// A donation to a party.
pub fn donation(d: &Donation) -> SearchDoc {
    let display = format!("{} → {}", d.donor.name, d.party.name);
    let mut doc = SearchDoc::new(format!("donation/{}", d.id), DocKind::Donation, display);
    push_unique(&mut doc.names, &d.donor.name);
    push_unique(&mut doc.parties, &d.party.name);
    doc.identifiers.extend(d.donor.identifier.iter().map(Identifier::key));
    if let Some(written) = &d.donor.identifier_as_written {
        push_unique(&mut doc.identifiers, written);
    }
    if let Some(row) = &d.source_row_id {
        push_unique(&mut doc.identifiers, row);
    }
    push_unique(&mut doc.identifiers, &d.id);
    doc.recipients = filter_keys(Some(&d.party.name), &d.party.id.iter().cloned().collect::<Vec<_>>());
    let donor = openreg_link::mentions::from_donation(d);
    if let Some(country) = donor.country {
        doc.countries.push(country);
    }
    doc.roles.push("donor".into());
    doc.category = Some(donation_type(d.donation_type).to_string());
    doc.date = d.date.clone();
    doc.value = Some(d.amount_value());
    doc.currency = Some(d.currency.clone());
    doc.summary = format!(
        "{} {} from {} to {}{}{}",
        format_amount(d.amount_value()),
        d.currency,
        d.donor.name,
        d.party.name,
        d.date.as_ref().map(|date| format!(" on {date}")).unwrap_or_default(),
        if d.memo { " (memo entry)" } else { "" }
    );
    doc
}

/// The role a mention gives the organisation or person, for the `role` facet.
fn roles_of(mention: &Mention) -> Vec<String> {
    let dataset = mention.id.split('/').next().unwrap_or("");
    match dataset {
        "ocds" => {
            let roles = mention.role.split(" in ").next().unwrap_or("");
            roles.split(", ").filter(|r| !r.is_empty()).map(str::to_string).collect()
        }
        "bods" => vec![match mention.kind {
            MentionKind::Person => "beneficial_owner".to_string(),
            MentionKind::Organisation => "registered_entity".to_string(),
        }],
        "donor" => vec!["donor".to_string()],
        "recipient" => vec!["party".to_string()],
        _ => Vec::new(),
    }
}

/// Gathers the mentions of one organisation or person into one document, one mention at a time.
#[derive(Debug, Default)]
pub struct EntityBuilder {
    members: BTreeSet<String>,
    names: BTreeMap<String, (u64, String)>,
    identifiers: BTreeSet<String>,
    countries: BTreeSet<String>,
    roles: BTreeSet<String>,
    persons: u64,
    organisations: u64,
    datasets: BTreeMap<&'static str, u64>,
}

impl EntityBuilder {
    pub fn add(&mut self, mention: &Mention) {
        self.members.insert(mention.id.clone());
        for name in std::iter::once(&mention.name).chain(&mention.other_names) {
            let entry = self.names.entry(name.trim().to_string()).or_insert((0, mention.id.clone()));
            entry.0 += 1;
        }
        self.identifiers.extend(mention.identifiers.iter().cloned());
        self.countries.extend(mention.country.iter().cloned());
        self.roles.extend(roles_of(mention));
        match mention.kind {
            MentionKind::Person => self.persons += 1,
            MentionKind::Organisation => self.organisations += 1,
        }
        let dataset = match mention.id.split('/').next().unwrap_or("") {
            "ocds" => "contract",
            "bods" => "ownership record",
            "donor" => "donation",
            "recipient" => "donations received",
            _ => "other",
        };
        *self.datasets.entry(dataset).or_default() += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The document: `organization/…` or `person/…` after the smallest mention id, named by the
    /// name most of its mentions use.
    pub fn build(self) -> Option<SearchDoc> {
        let first = self.members.iter().next()?.clone();
        let kind = if self.persons > self.organisations { DocKind::Person } else { DocKind::Organization };
        let display = self
            .names
            .iter()
            .filter(|(name, _)| !name.is_empty())
            .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then_with(|| b.1 .1.cmp(&a.1 .1)))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| first.clone());
        let mut doc = SearchDoc::new(format!("{}/{first}", kind.as_str()), kind, display);
        doc.names = self.names.into_keys().filter(|n| !n.is_empty()).collect();
        doc.identifiers = self.identifiers.into_iter().collect();
        doc.countries = self.countries.into_iter().collect();
        doc.roles = self.roles.into_iter().collect();
        let seen: Vec<String> = self
            .datasets
            .iter()
            .map(|(what, n)| format!("{n} {what}{}", if *n > 1 && !what.ends_with('d') { "s" } else { "" }))
            .collect();
        let mut summary = format!("in {}", seen.join(", "));
        if !doc.identifiers.is_empty() {
            summary.push_str(&format!("; {}", doc.identifiers.join(", ")));
        }
        doc.summary = summary;
        doc.members = self.members.into_iter().collect();
        Some(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_found_whole_and_by_their_number() {
        assert_eq!(ident_terms("UA-EDR-37609523"), ["ua-edr-37609523", "37609523"]);
        assert_eq!(ident_terms("ocds-be6bcu-UA-2025-1"), ["ocds-be6bcu-ua-2025-1", "ua-2025-1"]);
        assert_eq!(ident_terms("45233142-6"), ["45233142-6"]);
    }

    #[test]
    fn amounts_and_days() {
        assert_eq!(format_amount(2_340_000.0), "2,340,000");
        assert_eq!(format_amount(1234.5), "1,234.50");
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 3, 1), 19_783);
        assert_eq!(civil_from_days(19_783), "2024-03-01");
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), "2000-02-29");
        assert_eq!(parse_day("2025-03-03T11:00:00+04:00").unwrap().1, 2025);
        assert!(parse_day("2025-13-01").is_none());
    }

    #[test]
    fn a_compiled_release_becomes_a_contract_document() {
        let release: Value = serde_json::from_str(
            r#"{"ocid":"ocds-x-1","date":"2025-03-01T00:00:00Z","buyer":{"id":"b","name":"Мерія"},
            "parties":[{"id":"b","name":"Мерія","roles":["buyer"],"identifier":{"scheme":"UA-EDR","id":"04055915"}},
              {"id":"s","name":"ТОВ «Будмайстер»","roles":["supplier"],"identifier":{"scheme":"UA-EDR","id":"37609523"},"address":{"countryName":"Україна"}}],
            "tender":{"id":"t1","title":"Ремонт доріг","procurementMethod":"open","status":"complete","value":{"amount":100,"currency":"UAH"},
              "items":[{"id":"1","description":"Асфальт","classification":{"scheme":"CPV","id":"45233142-6","description":"Ремонт доріг"}}]},
            "contracts":[{"id":"c","dateSigned":"2025-04-02T10:00:00Z","value":{"amount":"95.5","currency":"UAH"}}]}"#,
        )
        .unwrap();
        let doc = contract("ocds-x-1", &release);
        assert_eq!(doc.display, "Ремонт доріг");
        assert_eq!(doc.date.as_deref(), Some("2025-04-02T10:00:00Z"));
        assert_eq!(doc.value, Some(95.5));
        assert!(doc.suppliers.contains(&"UA-EDR-37609523".to_string()), "{:?}", doc.suppliers);
        assert!(doc.suppliers.contains(&"budmaister".to_string()), "{:?}", doc.suppliers);
        assert!(doc.buyers.contains(&"UA-EDR-04055915".to_string()));
        assert_eq!(doc.countries, ["UA"]);
        assert!(doc.identifiers.contains(&"45233142-6".to_string()));
        assert_eq!(doc.method.as_deref(), Some("open"));
    }
}
