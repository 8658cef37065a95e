//! Mentions from each dataset: the parties of every compiled contracting process, BODS entities
//! and persons (each record's latest statement), donors, and the parties receiving donations.

use std::collections::BTreeMap;

use openreg_model::bods::{parse_statement, Details, PersonType};
use openreg_model::donation::{Donation, DonorKind};
use openreg_model::identifier::{Holder, Identifier};
use openreg_model::link::{Mention, MentionKind};
use openreg_store::{Store, StoreError};
use serde_json::Value;

/// Country names as publishers write them in addresses, to ISO 3166-1 alpha-2.
fn country_code(text: &str) -> Option<String> {
    let t = text.trim().to_lowercase();
    let code = match t.as_str() {
        "ua" | "ukr" | "ukraine" | "україна" | "украина" => "UA",
        "ge" | "geo" | "georgia" | "საქართველო" | "грузія" | "грузия" => "GE",
        "gb" | "gbr" | "uk" | "united kingdom" | "great britain" | "england" | "scotland" | "wales" => "GB",
        "us" | "usa" | "united states" | "united states of america" => "US",
        "md" | "mda" | "moldova" | "republic of moldova" => "MD",
        _ if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) => return Some(t.to_uppercase()),
        _ => return None,
    };
    Some(code.to_string())
}

/// The country an identifier's scheme belongs to.
fn country_of_identifier(key: &str) -> Option<String> {
    let code = match key.split('-').next()? {
        "UA" | "UKR" => "UA",
        "GE" | "GEO" => "GE",
        "GB" | "GBR" => "GB",
        "MD" | "MDA" => "MD",
        "DK" => "DK",
        "SK" => "SK",
        "LV" => "LV",
        _ => return None,
    };
    Some(code.to_string())
}

fn push_identifier(out: &mut Vec<String>, scheme: Option<&str>, id: Option<&str>) {
    if let (Some(scheme), Some(id)) = (scheme, id) {
        if let Some(identifier) = Identifier::new(scheme, id) {
            let key = identifier.key();
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// The mentions in one compiled release: one per party with a name.
pub fn from_compiled_release(ocid: &str, release: &Value) -> Vec<Mention> {
    from_parties(ocid, release.get("parties"))
}

/// A compiled release as linking reads it: its parties, the rest skipped without building it
/// (a compiled release is mostly tenders, awards and contracts, and building them all as JSON
/// values cost more than the parties).
#[derive(serde::Deserialize)]
struct PartiesOnly {
    #[serde(default)]
    parties: Value,
}

/// [`from_compiled_release`] from the release's JSON text (`None`: it is not a JSON object).
pub fn from_compiled_release_json(ocid: &str, json: &[u8]) -> Option<Vec<Mention>> {
    let release: PartiesOnly = serde_json::from_slice(json).ok()?;
    Some(from_parties(ocid, Some(&release.parties)))
}

fn from_parties(ocid: &str, parties: Option<&Value>) -> Vec<Mention> {
    let mut out = Vec::new();
    let Some(parties) = parties.and_then(Value::as_array) else { return out };
    for party in parties {
        let Some(name) = str_of(party, "name") else { continue };
        let party_id = str_of(party, "id").unwrap_or(name);
        let mut identifiers = Vec::new();
        if let Some(identifier) = party.get("identifier") {
            push_identifier(&mut identifiers, str_of(identifier, "scheme"), str_of(identifier, "id"));
        }
        for identifier in party.get("additionalIdentifiers").and_then(Value::as_array).into_iter().flatten() {
            push_identifier(&mut identifiers, str_of(identifier, "scheme"), str_of(identifier, "id"));
        }
        let mut other_names = Vec::new();
        if let Some(legal) = party.get("identifier").and_then(|i| str_of(i, "legalName")) {
            if legal != name {
                other_names.push(legal.to_string());
            }
        }
        let address = party.get("address");
        let country = address
            .and_then(|a| str_of(a, "countryName").and_then(country_code))
            .or_else(|| identifiers.iter().find_map(|k| country_of_identifier(k)));
        let roles: Vec<&str> =
            party.get("roles").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        // A party with a person's identifier (a sole trader's tax number) is that person trading.
        let kind = if identifiers
            .iter()
            .any(|k| openreg_model::identifier::parse_identifier(k).and_then(|i| i.holder()) == Some(Holder::Person))
        {
            MentionKind::Person
        } else {
            MentionKind::Organisation
        };
        out.push(Mention {
            id: format!("ocds/{ocid}/{party_id}"),
            kind,
            name: name.to_string(),
            other_names,
            identifiers,
            country,
            birth_date: None,
            postcode: address.and_then(|a| str_of(a, "postalCode")).map(str::to_string),
            role: format!("{} in {ocid}", if roles.is_empty() { "party".to_string() } else { roles.join(", ") }),
        });
    }
    out
}

/// The mention a BODS entity or person statement makes (relationships make none; nor do
/// anonymous or unknown persons, who have no name to link).
pub fn from_statement(statement: &Value) -> Option<Mention> {
    let parsed = parse_statement(statement).ok()?;
    let mut identifiers = Vec::new();
    let (kind, name, other_names, birth_date, country, role) = match &parsed.details {
        Details::Entity(e) => {
            for i in &e.identifiers {
                push_identifier(&mut identifiers, i.scheme.as_deref(), i.id.as_deref());
            }
            let name = e.name.clone()?;
            let country = e.jurisdiction.as_deref().and_then(country_code);
            (MentionKind::Organisation, name, Vec::new(), None, country, "entity in a beneficial-ownership register")
        }
        Details::Person(p) => {
            if p.person_type != PersonType::Known {
                return None;
            }
            for i in &p.identifiers {
                push_identifier(&mut identifiers, i.scheme.as_deref(), i.id.as_deref());
            }
            let mut names = p.names.iter().filter(|n| !n.trim().is_empty());
            let name = names.next()?.clone();
            let others: Vec<String> = names.filter(|n| **n != name).cloned().collect();
            let country = p.nationalities.first().and_then(|c| country_code(c));
            (
                MentionKind::Person,
                name,
                others,
                p.birth_date.clone(),
                country,
                "person in a beneficial-ownership register",
            )
        }
        Details::Relationship(_) => return None,
    };
    let country = country.or_else(|| identifiers.iter().find_map(|k| country_of_identifier(k)));
    Some(Mention {
        id: format!("bods/{}", parsed.record_id),
        kind,
        name,
        other_names,
        identifiers,
        country,
        birth_date,
        postcode: None,
        role: role.to_string(),
    })
}

/// The donor of a donation.
pub fn from_donation(donation: &Donation) -> Mention {
    let identifiers = donation.donor.identifier.iter().map(Identifier::key).collect::<Vec<_>>();
    let kind = match donation.donor.kind {
        DonorKind::Person => MentionKind::Person,
        DonorKind::Company | DonorKind::Organisation => MentionKind::Organisation,
        DonorKind::Unknown => match donation.donor.identifier.as_ref().and_then(Identifier::holder) {
            Some(Holder::Person) => MentionKind::Person,
            _ => MentionKind::Organisation,
        },
    };
    let country = donation
        .donor
        .country
        .as_deref()
        .and_then(country_code)
        .or_else(|| identifiers.iter().find_map(|k| country_of_identifier(k)));
    Mention {
        id: format!("donor/{}", donation.id),
        kind,
        name: donation.donor.name.clone(),
        other_names: Vec::new(),
        identifiers,
        country,
        birth_date: None,
        postcode: donation.donor.postcode.clone(),
        role: format!(
            "donor of {} {} to {} on {}",
            donation.amount,
            donation.currency,
            donation.party.name,
            donation.date.as_deref().unwrap_or("an unknown date")
        ),
    }
}

/// Every mention the store's data makes, handed to `sink` one at a time, in a fixed order
/// (contracts by ocid, statements as received, donations by id, then the parties donated to).
pub fn each_mention(store: &Store, sink: &mut dyn FnMut(Mention) -> Result<(), StoreError>) -> Result<(), StoreError> {
    // Releases are read a batch at a time and their parties taken on every core.
    const BATCH: usize = 1024;
    let threads = crate::run::default_threads();
    let mut batch: Vec<(String, Vec<u8>)> = Vec::with_capacity(BATCH);
    let mut compiled = store.compiled();
    loop {
        batch.clear();
        for entry in compiled.by_ref().take(BATCH) {
            let (ocid, _, json) = entry?;
            batch.push((ocid, json));
        }
        if batch.is_empty() {
            break;
        }
        let found = crate::run::in_parallel(&batch, threads, |(ocid, json)| from_compiled_release_json(ocid, json));
        for mention in found.into_iter().flatten().flatten() {
            sink(mention)?;
        }
    }
    // Only a record's latest statement speaks for it.
    let mut latest: BTreeMap<String, Mention> = BTreeMap::new();
    let flush = |latest: &mut BTreeMap<String, Mention>, sink: &mut dyn FnMut(Mention) -> Result<(), StoreError>| {
        for (_, m) in std::mem::take(latest) {
            sink(m)?;
        }
        Ok::<(), StoreError>(())
    };
    for stored in store.statements() {
        let stored = stored?;
        let Ok(value) = serde_json::from_slice::<Value>(&stored.json) else { continue };
        if let Some(mention) = from_statement(&value) {
            latest.insert(mention.id.clone(), mention);
        }
        // Keep memory flat: records are few statements each, so a bounded window suffices in
        // practice; a later statement of an already-flushed record replaces it when linked.
        if latest.len() >= 50_000 {
            flush(&mut latest, sink)?;
        }
    }
    flush(&mut latest, sink)?;
    let mut recipients: BTreeMap<String, Mention> = BTreeMap::new();
    for donation in store.donations() {
        let donation = donation?;
        sink(from_donation(&donation))?;
        let key = crate::names::fingerprint(&donation.party.name).text();
        recipients.entry(key.clone()).or_insert_with(|| Mention {
            id: format!("recipient/{}", donation.party.id.clone().unwrap_or_else(|| key.clone())),
            kind: MentionKind::Organisation,
            name: donation.party.name.clone(),
            other_names: Vec::new(),
            identifiers: Vec::new(),
            country: donation.donor.country.as_deref().and_then(country_code),
            birth_date: None,
            postcode: None,
            role: "party receiving donations".into(),
        });
    }
    for (_, mention) in recipients {
        sink(mention)?;
    }
    Ok(())
}
