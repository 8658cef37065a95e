//! R055 Multiple direct awards above or just below the competitive threshold (openreg's
//! definition; Cardinal has none).
//!
//! Open Contracting's red-flag list names R055 "Multiple direct awards above or just below
//! competitive threshold", read from `tender/procurementMethod`, the awards' suppliers, status,
//! date and value, and the buyer. Procurement law lets a buyer award small contracts directly,
//! without competition, up to a threshold; a buyer that keeps awarding one supplier direct
//! contracts close to that threshold (splitting a purchase to stay under it), or over it (ignoring
//! it), is steering money without competition. openreg reads it as follows:
//!
//! - A **direct award** is an `active` award with exactly one supplier that has an id and a value
//!   in the main currency (`currency`, else the first currency R055 observes), in a process whose
//!   `tender/procurementMethod` is in `procurement_methods` (default `direct`), dated (`awards/date`,
//!   the day as written) within `start_date`..`end_date` when those are set.
//! - It is **above** the threshold when its amount is at least `threshold`, and **just below** when
//!   it is at least `threshold × (1 − margin)` (default margin 0.1, i.e. from 90%).
//! - A buyer (`buyer/id`, or `tender/procuringEntity/id` when there is no buyer) and a supplier are
//!   flagged when at least `minimum_awards` (default 2) such awards, from that buyer to that
//!   supplier, fall within `window_days` (default 365) of each other (the first and last at most
//!   that many days apart; with 0, any time, and undated awards count).
//!
//! There is no default `threshold`: it is set by law, per country and often per category (goods,
//! works), so without it R055 flags nothing. Value: the number of awards in the busiest window.
//! The finding's subject is the buyer; its figures name the supplier and every award.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Number, Value};

use super::dates::{day_of, parse_date};
use super::release::{money, organization_id};
use super::settings::R055Settings;
use super::{finding, Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R055",
    name: "Multiple direct awards above or just below the competitive threshold",
    description: "A buyer made several direct awards to one supplier, each above or just below the threshold for competitive procedures.",
    fields: &[
        "tender/procurementMethod",
        "awards/status",
        "awards/date",
        "awards/suppliers/id",
        "awards/value/amount",
        "awards/value/currency",
        "buyer/id",
        "tender/procuringEntity/id",
    ],
    policy_areas: &[OPEN_CONTRACTING],
};

pub struct R055 {
    settings: R055Settings,
    methods: HashSet<String>,
    start: Option<i64>,
    end: Option<i64>,
    configured_currency: Option<String>,
    currency: Option<String>,
    /// Awards at or above the lower bound, by (buyer subject, supplier).
    pairs: BTreeMap<(Subject, String), Vec<DirectAward>>,
}

#[derive(Debug, Clone)]
struct DirectAward {
    day: Option<i64>,
    date: Option<String>,
    ocid: String,
    award_id: Value,
    amount: f64,
    number: Number,
}

impl R055 {
    pub fn new(settings: &R055Settings, currency: Option<String>) -> Self {
        R055 {
            methods: settings.procurement_methods.set(),
            start: settings.start_date.as_deref().and_then(parse_date),
            end: settings.end_date.as_deref().and_then(parse_date),
            settings: settings.clone(),
            configured_currency: currency,
            currency: None,
            pairs: BTreeMap::new(),
        }
    }

    fn lower_bound(&self, threshold: f64) -> f64 {
        threshold * (1.0 - self.settings.margin)
    }

    fn needs_dates(&self) -> bool {
        self.start.is_some() || self.end.is_some() || self.settings.window_days > 0
    }
}

impl Indicator for R055 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, _ctx: &mut Context) {
        let Some(threshold) = self.settings.threshold else {
            return;
        };
        let Some(Value::Object(tender)) = release.get("tender") else {
            return;
        };
        let Some(Value::String(method)) = tender.get("procurementMethod") else {
            return;
        };
        if !self.methods.contains(method) {
            return;
        }
        let buyer =
            match (organization_id(release, &["buyer"]), organization_id(release, &["tender", "procuringEntity"])) {
                (Some(buyer), _) => Subject::Buyer(buyer.to_owned()),
                (None, Some(entity)) => Subject::ProcuringEntity(entity.to_owned()),
                (None, None) => return,
            };
        let Some(Value::Array(awards)) = release.get("awards") else {
            return;
        };
        let lower = self.lower_bound(threshold);
        for award in awards {
            if award.get("status").and_then(Value::as_str) != Some("active") {
                continue;
            }
            let Some(Value::Array(suppliers)) = award.get("suppliers") else {
                continue;
            };
            if suppliers.len() != 1 {
                continue;
            }
            let Some(Value::String(supplier)) = suppliers[0].get("id") else {
                continue;
            };
            let Some(Value::Object(value)) = award.get("value") else {
                continue;
            };
            let Some(money) = money(value) else {
                continue;
            };
            let date = award.get("date").and_then(Value::as_str);
            let day = date.and_then(day_of);
            if self.needs_dates() {
                let Some(day) = day else {
                    continue;
                };
                if self.start.is_some_and(|start| day < start) || self.end.is_some_and(|end| day > end) {
                    continue;
                }
            }
            let configured = &self.configured_currency;
            let main =
                self.currency.get_or_insert_with(|| configured.clone().unwrap_or_else(|| money.currency.to_owned()));
            if main != money.currency || money.amount < lower {
                continue;
            }
            self.pairs.entry((buyer.clone(), supplier.clone())).or_default().push(DirectAward {
                day,
                date: date.map(str::to_owned),
                ocid: ocid.to_owned(),
                award_id: award.get("id").cloned().unwrap_or(Value::Null),
                amount: money.amount,
                number: money.number.clone(),
            });
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        let Some(threshold) = self.settings.threshold else {
            return;
        };
        let lower = self.lower_bound(threshold);
        let window = self.settings.window_days;
        let thresholds = json!({
            "threshold": threshold,
            "margin": self.settings.margin,
            "just_below_from": lower,
            "minimum_awards": self.settings.minimum_awards,
            "window_days": window,
            "procurement_methods": self.settings.procurement_methods.0,
            "start_date": self.settings.start_date,
            "end_date": self.settings.end_date,
        });
        let minimum = self.settings.minimum_awards.max(1);
        for ((buyer, supplier), mut awards) in self.pairs {
            awards.sort_by(|a, b| (a.day, &a.ocid).cmp(&(b.day, &b.ocid)));
            let chosen = busiest_window(&awards, window);
            if chosen.len() < minimum {
                continue;
            }
            let mut ocids: Vec<String> = Vec::new();
            for award in chosen {
                if !ocids.contains(&award.ocid) {
                    ocids.push(award.ocid.clone());
                }
            }
            let above = chosen.iter().filter(|a| a.amount >= threshold).count();
            let listed: Vec<Value> = chosen
                .iter()
                .map(|a| {
                    json!({
                        "ocid": a.ocid,
                        "awardId": a.award_id,
                        "date": a.date,
                        "amount": Value::Number(a.number.clone()),
                        "position": if a.amount >= threshold { "above" } else { "just below" },
                    })
                })
                .collect();
            let figures = json!({
                "supplier": supplier,
                "currency": self.currency,
                "awards": listed,
                "above": above,
                "justBelow": chosen.len() - above,
                "total": chosen.iter().map(|a| a.amount).sum::<f64>(),
            });
            out.push(finding(INFO.code, buyer, chosen.len() as f64, ocids, figures, thresholds.clone()));
        }
    }
}

/// The longest run of awards (sorted by day) whose first and last are at most `window` days
/// apart; with a `window` of 0, all of them.
fn busiest_window(awards: &[DirectAward], window: i64) -> &[DirectAward] {
    if window == 0 {
        return awards;
    }
    let (mut best, mut start) = (0..0, 0);
    for end in 0..awards.len() {
        let day = |i: usize| awards[i].day.unwrap_or_default();
        while day(end) - day(start) > window {
            start += 1;
        }
        if end + 1 - start > best.len() {
            best = start..end + 1;
        }
    }
    &awards[best]
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn direct(ocid: &str, buyer: &str, supplier: &str, amount: f64, date: &str) -> Value {
        json!({
            "ocid": ocid,
            "buyer": {"id": buyer},
            "tender": {"procurementMethod": "direct"},
            "awards": [{"id": "1", "status": "active", "date": date, "suppliers": [{"id": supplier}],
                        "value": {"amount": amount, "currency": "USD"}}],
        })
    }

    fn settings(extra: &str) -> ProcurementSettings {
        ProcurementSettings::from_toml(&format!("[R055]\nthreshold = 50000\n{extra}")).unwrap()
    }

    #[test]
    fn repeated_awards_just_below_the_threshold() {
        let releases = vec![
            direct("a", "B", "S", 49_000.0, "2024-01-10T00:00:00Z"),
            direct("b", "B", "S", 46_000.0, "2024-03-10T00:00:00Z"),
            direct("c", "B", "S", 30_000.0, "2024-04-10T00:00:00Z"),
            direct("d", "B", "T", 49_500.0, "2024-04-10T00:00:00Z"),
            direct("e", "C", "S", 49_500.0, "2024-04-10T00:00:00Z"),
        ];
        let findings = run(releases, &settings(""));
        assert_eq!(cardinal_json(&findings), json!({"Buyer": {"B": {"R055": 2.0}}}));
        let f = &findings[0];
        assert_eq!(f.ocids, vec!["a", "b"]);
        assert_eq!(f.figures["supplier"], json!("S"));
        assert_eq!(f.figures["justBelow"], json!(2));
        assert_eq!(f.figures["awards"][0]["amount"], json!(49_000.0));
    }

    #[test]
    fn awards_above_count_and_the_window_separates_years() {
        let releases = vec![
            direct("a", "B", "S", 80_000.0, "2022-01-10T00:00:00Z"),
            direct("b", "B", "S", 60_000.0, "2024-01-10T00:00:00Z"),
            direct("c", "B", "S", 49_000.0, "2024-06-10"),
        ];
        let findings = run(releases.clone(), &settings(""));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].ocids, vec!["b", "c"]);
        assert_eq!(findings[0].figures["above"], json!(1));
        assert_eq!(run(releases.clone(), &settings("window_days = 0\n"))[0].value, 3.0);
        assert!(run(releases, &settings("window_days = 30\n")).is_empty());
    }

    #[test]
    fn competitive_procedures_other_currencies_and_no_threshold_are_left_out() {
        let mut open = direct("a", "B", "S", 49_000.0, "2024-01-10T00:00:00Z");
        open["tender"]["procurementMethod"] = json!("open");
        let mut eur = direct("b", "B", "S", 49_000.0, "2024-01-11T00:00:00Z");
        eur["awards"][0]["value"]["currency"] = json!("EUR");
        let usd = direct("c", "B", "S", 49_000.0, "2024-01-12T00:00:00Z");
        assert!(run(vec![open, eur.clone(), usd.clone()], &settings("")).is_empty());
        let both = vec![usd.clone(), direct("d", "B", "S", 49_000.0, "2024-01-13T00:00:00Z")];
        assert_eq!(run(both.clone(), &settings("")).len(), 1);
        assert!(run(both.clone(), &ProcurementSettings::only(&["R055"])).is_empty());
        let dated = "start_date = \"2024-01-13\"\n";
        assert!(run(both, &settings(dated)).is_empty());
    }

    #[test]
    fn a_procuring_entity_stands_in_for_a_missing_buyer() {
        let mut a = direct("a", "B", "S", 49_000.0, "2024-01-10T00:00:00Z");
        let mut b = direct("b", "B", "S", 49_000.0, "2024-01-11T00:00:00Z");
        for release in [&mut a, &mut b] {
            release.as_object_mut().unwrap().remove("buyer");
            release["tender"]["procuringEntity"] = json!({"id": "P"});
        }
        assert_eq!(cardinal_json(&run(vec![a, b], &settings(""))), json!({"ProcuringEntity": {"P": {"R055": 2.0}}}));
    }
}
