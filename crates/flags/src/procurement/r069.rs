//! R069 Contract amendments to increase price (openreg's definition; Cardinal has none).
//!
//! Open Contracting's red-flag list names R069 "Contract amendments to increase price", read from
//! `contracts/status` and `contracts/amendments`. Once competition is over, raising the price by
//! amendment can hand the winner what it could not have bid; procurement laws cap such changes
//! (EU Directive 2014/24, article 72: 10% for goods and services, 15% for works). A compiled
//! release keeps only a contract's latest value, so openreg reads it as follows:
//!
//! - Only contracts that are not `cancelled` and record at least one amendment
//!   (`contracts/amendments`, or OCDS 1.0's single `contracts/amendment`) are read.
//! - The **original value** is the `former_value` of the earliest amendment change to the
//!   contract's `value` (OCDS 1.0's `amendment.changes`), else the value of the award the contract
//!   implements (`awards/value` where `awards/id` is `contracts/awardID`). The **current value** is
//!   `contracts/value`. Both must be numbers in the same currency, the original above zero.
//! - A contract is flagged when `(current − original) / original` exceeds `threshold` (default 0:
//!   any increase), or the threshold set for the process's `tender/mainProcurementCategory`.
//!
//! The award's value may already differ from the signed contract's before any amendment, so the
//! figures say where the original value came from. Value: the largest increase, as a ratio, of
//! the process's flagged contracts; the finding's subject is the process.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::release::{money, str_in, Money};
use super::settings::R069Settings;
use super::{finding, Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R069",
    name: "Contract amendments to increase price",
    description: "A contract's value was raised, after amendments, above the value it was awarded or signed for.",
    fields: &[
        "contracts/status",
        "contracts/amendments",
        "contracts/value/amount",
        "contracts/value/currency",
        "contracts/awardID",
        "awards/id",
        "awards/value/amount",
        "awards/value/currency",
        "tender/mainProcurementCategory",
    ],
    policy_areas: &[OPEN_CONTRACTING],
};

pub struct R069 {
    settings: R069Settings,
    flagged: BTreeMap<String, (f64, Value, Value)>,
}

impl R069 {
    pub fn new(settings: &R069Settings) -> Self {
        R069 { settings: settings.clone(), flagged: BTreeMap::new() }
    }
}

/// An id as a string: OCDS ids are strings, but some publishers write numbers.
fn id_string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// The amendments of a contract: OCDS 1.1's `amendments` array, or OCDS 1.0's `amendment`.
fn amendments(contract: &Map<String, Value>) -> Vec<&Map<String, Value>> {
    match (contract.get("amendments"), contract.get("amendment")) {
        (Some(Value::Array(list)), _) if !list.is_empty() => list.iter().filter_map(Value::as_object).collect(),
        (_, Some(Value::Object(amendment))) => vec![amendment],
        _ => Vec::new(),
    }
}

/// The value before the first amendment that changed it, from OCDS 1.0's `changes`.
fn former_value<'a>(amendments: &[&'a Map<String, Value>], currency: &'a str) -> Option<(Money<'a>, String)> {
    for amendment in amendments {
        let Some(Value::Array(changes)) = amendment.get("changes") else {
            continue;
        };
        for change in changes {
            let property = change.get("property").and_then(Value::as_str).unwrap_or_default();
            let property = property.trim_start_matches('/').replace('.', "/");
            match (property.as_str(), change.get("former_value")) {
                ("value" | "value/amount", Some(Value::Number(number))) => {
                    let amount = number.as_f64()?;
                    return Some((Money { amount, number, currency }, "amendment former_value".into()));
                }
                ("value", Some(Value::Object(value))) => {
                    return money(value).map(|m| (m, "amendment former_value".into()));
                }
                _ => {}
            }
        }
    }
    None
}

fn describe(amendment: &Map<String, Value>) -> Value {
    let field = |key: &str| amendment.get(key).cloned().unwrap_or(Value::Null);
    json!({"id": field("id"), "date": field("date"), "rationale": field("rationale"), "description": field("description")})
}

impl Indicator for R069 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, _ctx: &mut Context) {
        let Some(Value::Array(contracts)) = release.get("contracts") else {
            return;
        };
        let mut awards: HashMap<String, Money<'_>> = HashMap::new();
        if let Some(Value::Array(list)) = release.get("awards") {
            for award in list {
                if let (Some(id), Some(Value::Object(value))) = (id_string(award.get("id")), award.get("value")) {
                    if let Some(money) = money(value) {
                        awards.entry(id).or_insert(money);
                    }
                }
            }
        }
        let category = str_in(release, "tender", "mainProcurementCategory");
        let (threshold, from) =
            match category.and_then(|c| self.settings.main_procurement_category.get(c).map(|t| (c, *t))) {
                Some((category, threshold)) => (threshold, format!("main_procurement_category.{category}")),
                None => (self.settings.threshold, "threshold".to_owned()),
            };

        let mut largest: Option<f64> = None;
        let mut flagged = Vec::new();
        for contract in contracts.iter().filter_map(Value::as_object) {
            if contract.get("status").and_then(Value::as_str) == Some("cancelled") {
                continue;
            }
            let amendments = amendments(contract);
            if amendments.is_empty() {
                continue;
            }
            let Some(current) = contract.get("value").and_then(Value::as_object).and_then(money) else {
                continue;
            };
            let award_id = id_string(contract.get("awardID"));
            let original = former_value(&amendments, current.currency).or_else(|| {
                let award = awards.get(award_id.as_ref()?)?;
                Some((*award, "award value".into()))
            });
            let Some((original, source)) = original else {
                continue;
            };
            if original.currency != current.currency || original.amount <= 0.0 {
                continue;
            }
            let ratio = (current.amount - original.amount) / original.amount;
            if !(ratio > threshold && ratio.is_finite()) {
                continue;
            }
            largest = Some(largest.map_or(ratio, |l: f64| l.max(ratio)));
            flagged.push(json!({
                "id": contract.get("id").cloned().unwrap_or(Value::Null),
                "awardID": award_id,
                "status": contract.get("status").cloned().unwrap_or(Value::Null),
                "originalValue": {"amount": Value::Number(original.number.clone()), "currency": original.currency, "source": source},
                "currentValue": {"amount": Value::Number(current.number.clone()), "currency": current.currency},
                "increase": current.amount - original.amount,
                "ratio": ratio,
                "amendments": amendments.iter().map(|a| describe(a)).collect::<Vec<_>>(),
            }));
        }
        if let Some(largest) = largest {
            let figures = json!({"mainProcurementCategory": category, "contracts": flagged});
            let thresholds = json!({"threshold": threshold, "from": from});
            self.flagged.insert(ocid.to_owned(), (largest, figures, thresholds));
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        for (ocid, (value, figures, thresholds)) in self.flagged {
            out.push(finding(INFO.code, Subject::Ocid(ocid.clone()), value, vec![ocid], figures, thresholds));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn process(ocid: &str, awarded: f64, contracted: f64, amendments: Value) -> Value {
        json!({
            "ocid": ocid,
            "tender": {"mainProcurementCategory": "works"},
            "awards": [{"id": "A1", "status": "active", "value": {"amount": awarded, "currency": "USD"}}],
            "contracts": [{"id": "C1", "awardID": "A1", "status": "active",
                           "value": {"amount": contracted, "currency": "USD"}, "amendments": amendments}],
        })
    }

    fn amended() -> Value {
        json!([{"id": "1", "date": "2024-05-01T00:00:00Z", "rationale": "More works"}])
    }

    #[test]
    fn an_amended_contract_worth_more_than_its_award() {
        let releases = vec![
            process("raised", 100.0, 125.0, amended()),
            process("lowered", 100.0, 90.0, amended()),
            process("not amended", 100.0, 125.0, json!([])),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R069"]));
        assert_eq!(cardinal_json(&findings), json!({"OCID": {"raised": {"R069": 0.25}}}));
        let contract = &findings[0].figures["contracts"][0];
        assert_eq!(contract["originalValue"]["source"], json!("award value"));
        assert_eq!(contract["increase"], json!(25.0));
        assert_eq!(contract["amendments"][0]["rationale"], json!("More works"));
    }

    #[test]
    fn a_former_value_from_ocds_1_0_changes_wins_over_the_award() {
        let changes = json!({"date": "2016-01-01", "changes": [{"property": "value", "former_value": {"amount": 110, "currency": "USD"}}]});
        let mut release = process("x", 100.0, 121.0, Value::Null);
        release["contracts"][0].as_object_mut().unwrap().remove("amendments");
        release["contracts"][0]["amendment"] = changes;
        let findings = run(vec![release], &ProcurementSettings::only(&["R069"]));
        assert!((findings[0].value - 0.1).abs() < 1e-12);
        assert_eq!(findings[0].figures["contracts"][0]["originalValue"]["amount"], json!(110));
    }

    #[test]
    fn thresholds_per_category() {
        let settings =
            ProcurementSettings::from_toml("[R069]\nthreshold = 0.1\n[R069.main_procurement_category]\nworks = 0.15\n")
                .unwrap();
        let releases = vec![process("12%", 100.0, 112.0, amended()), process("20%", 100.0, 120.0, amended())];
        let findings = run(releases, &settings);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].subject.id(), "20%");
        assert_eq!(
            findings[0].thresholds,
            json!({"threshold": 0.15, "from": "main_procurement_category.works"}).as_object().unwrap().clone()
        );
    }
}
