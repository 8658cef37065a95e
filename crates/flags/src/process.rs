//! The parts of a compiled release the ownership and political-finance flags read: the buyer, the
//! suppliers and bidders, the awards with their dates and values.

use openreg_model::identifier::Identifier;
use serde_json::Value;

/// A party of the process, as the release names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    /// The party's id within the release (`parties[].id`).
    pub id: String,
    pub name: String,
    /// Canonical identifier key, where the party has one.
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Award {
    pub id: String,
    pub date: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// Party ids.
    pub suppliers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    pub ocid: String,
    pub title: Option<String>,
    pub buyer: Option<Party>,
    /// Suppliers of awards that stand (not cancelled or unsuccessful).
    pub suppliers: Vec<Party>,
    /// Everyone who bid: `tender.tenderers` and the tenderers of `bids.details`.
    pub tenderers: Vec<Party>,
    pub awards: Vec<Award>,
    /// The first date an award that stands was made (or its contract signed).
    pub award_date: Option<String>,
    /// The value of the awards that stand, when they share a currency.
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// The buyer's country, from its address or identifier.
    pub country: Option<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string)
}

fn amount(v: &Value) -> Option<f64> {
    match v.get("amount")? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl Process {
    pub fn from_compiled(ocid: &str, release: &Value) -> Process {
        let parties: Vec<&Value> = release.get("parties").and_then(Value::as_array).into_iter().flatten().collect();
        let party = |reference: &Value| -> Option<Party> {
            let id = text(reference, "id").or_else(|| text(reference, "name"))?;
            let full = parties.iter().find(|p| text(p, "id").as_deref() == Some(id.as_str()));
            let name =
                text(reference, "name").or_else(|| full.and_then(|p| text(p, "name"))).unwrap_or_else(|| id.clone());
            let identifier = full
                .and_then(|p| p.get("identifier"))
                .and_then(|i| Identifier::new(&text(i, "scheme")?, &text(i, "id")?))
                .map(|i| i.key());
            Some(Party { id, name, identifier })
        };
        let buyer = release.get("buyer").and_then(party).or_else(|| {
            parties
                .iter()
                .find(|p| p.get("roles").and_then(Value::as_array).is_some_and(|r| r.iter().any(|x| x == "buyer")))
                .and_then(|p| party(p))
        });
        let mut awards = Vec::new();
        let mut suppliers: Vec<Party> = Vec::new();
        for award in release.get("awards").and_then(Value::as_array).into_iter().flatten() {
            let status = text(award, "status");
            let stands = !matches!(status.as_deref(), Some("cancelled" | "unsuccessful" | "pending"));
            let mut ids = Vec::new();
            for s in award.get("suppliers").and_then(Value::as_array).into_iter().flatten() {
                if let Some(p) = party(s) {
                    ids.push(p.id.clone());
                    if stands && !suppliers.iter().any(|x| x.id == p.id) {
                        suppliers.push(p);
                    }
                }
            }
            if !stands {
                continue;
            }
            let id = text(award, "id").unwrap_or_default();
            // The award's own date, or the signing of its contract.
            let signed = release.get("contracts").and_then(Value::as_array).into_iter().flatten().find_map(|c| {
                (text(c, "awardID").as_deref() == Some(id.as_str())).then(|| text(c, "dateSigned")).flatten()
            });
            let value = award.get("value");
            awards.push(Award {
                id,
                date: text(award, "date").or(signed),
                amount: value.and_then(amount),
                currency: value.and_then(|v| text(v, "currency")),
                suppliers: ids,
            });
        }
        let mut tenderers: Vec<Party> = Vec::new();
        let bid_tenderers = release
            .pointer("/bids/details")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|b| b.get("tenderers").and_then(Value::as_array).into_iter().flatten());
        let tender_tenderers = release.pointer("/tender/tenderers").and_then(Value::as_array).into_iter().flatten();
        for t in tender_tenderers.chain(bid_tenderers) {
            if let Some(p) = party(t) {
                if !tenderers.iter().any(|x| x.id == p.id) {
                    tenderers.push(p);
                }
            }
        }
        let award_date = awards.iter().filter_map(|a| a.date.clone()).min();
        let currencies: Vec<&String> = awards.iter().filter_map(|a| a.currency.as_ref()).collect();
        let (amount, currency) = if !currencies.is_empty() && currencies.iter().all(|c| *c == currencies[0]) {
            (Some(awards.iter().filter_map(|a| a.amount).sum()), Some(currencies[0].clone()))
        } else {
            (None, None)
        };
        let country = buyer.as_ref().and_then(|b| {
            let full = parties.iter().find(|p| text(p, "id").as_deref() == Some(b.id.as_str()))?;
            full.pointer("/address/countryName").and_then(Value::as_str).and_then(country_code).or_else(|| {
                b.identifier.as_deref().and_then(|k| match k.split('-').next()? {
                    "UA" | "UKR" => Some("UA".to_string()),
                    "GE" | "GEO" => Some("GE".to_string()),
                    "GB" => Some("GB".to_string()),
                    _ => None,
                })
            })
        });
        Process {
            ocid: ocid.to_string(),
            title: release.pointer("/tender/title").and_then(Value::as_str).map(str::to_string),
            buyer,
            suppliers,
            tenderers,
            awards,
            award_date,
            amount,
            currency,
            country,
        }
    }
}

fn country_code(name: &str) -> Option<String> {
    let code = match name.trim().to_lowercase().as_str() {
        "україна" | "ukraine" | "украина" => "UA",
        "საქართველო" | "georgia" | "грузія" => "GE",
        "united kingdom" | "uk" | "great britain" => "GB",
        n if n.len() == 2 => return Some(n.to_uppercase()),
        _ => return None,
    };
    Some(code.to_string())
}
