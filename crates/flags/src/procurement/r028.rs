//! R028 Identical bid prices (Cardinal's R028).
//!
//! A process is flagged when submitted bids from different sets of tenderers have the same price
//! (`bids/details/value/amount` and `currency`, compared as numbers: `1` equals `1.0`). A tenderer
//! may submit several bids at one price. Processes that do not compare prices are left out.
//! Value: 1.0. Every tenderer of the identical bids is flagged too (value 1.0).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::release::{bid_value, submitted_bids};
use super::{finding, Context, Indicator, IndicatorInfo, Shared, TendererEvidence, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R028",
    name: "Identical bid prices",
    description: "Different tenderers submitted bids with the same price.",
    fields: &[
        "bids/details/status",
        "bids/details/tenderers/id",
        "bids/details/value/amount",
        "bids/details/value/currency",
        "tender/procurementMethodDetails",
    ],
    policy_areas: &[OPEN_CONTRACTING],
};

#[derive(Default)]
pub struct R028 {
    /// For each flagged process: the prices shared by different tenderers, with every tenderer
    /// that bid that price.
    flagged: BTreeMap<String, BTreeMap<(u64, String), Price>>,
}

struct Price {
    amount: Value,
    tenderers: BTreeSet<String>,
}

/// The key Cardinal compares: `OrderedFloat(amount)` (so `-0.0` equals `0.0`) and the currency.
fn price_key(amount: f64, currency: &str) -> (u64, String) {
    let amount = if amount == 0.0 { 0.0 } else { amount };
    (amount.to_bits(), currency.to_owned())
}

impl Indicator for R028 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, ctx: &mut Context) {
        if !ctx.compares_prices(release) {
            return;
        }
        let mut prices: HashMap<(u64, String), BTreeSet<&str>> = HashMap::new();
        let mut identical: BTreeMap<(u64, String), Price> = BTreeMap::new();
        for bid in submitted_bids(release) {
            let Some(Value::Array(tenderers)) = bid.get("tenderers") else {
                continue;
            };
            let Some(money) = bid_value(bid) else {
                continue;
            };
            let ids: BTreeSet<&str> = tenderers.iter().filter_map(|t| t.get("id")?.as_str()).collect();
            if ids.is_empty() {
                continue;
            }
            let key = price_key(money.amount, money.currency);
            if let Some(other) = prices.get(&key) {
                if *other != ids {
                    let price = identical.entry(key.clone()).or_insert_with(|| Price {
                        amount: Value::Number(money.number.clone()),
                        tenderers: BTreeSet::new(),
                    });
                    price.tenderers.extend(ids.iter().chain(other.iter()).map(|id| (*id).to_owned()));
                }
            }
            // The last tenderers at a price are kept, as in Cardinal.
            prices.insert(key, ids);
        }
        if !identical.is_empty() {
            self.flagged.insert(ocid.to_owned(), identical);
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        let mut tenderers = TendererEvidence::default();
        for (ocid, prices) in self.flagged {
            let prices: Vec<Value> = prices
                .into_iter()
                .map(|((_, currency), price)| json!({"amount": price.amount, "currency": currency, "tenderers": price.tenderers}))
                .collect();
            for price in &prices {
                for tenderer in price["tenderers"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    tenderers.add(tenderer, &ocid, json!({"ocid": ocid, "identicalPrice": price}));
                }
            }
            let figures = json!({"identicalPrices": prices});
            out.push(finding(INFO.code, Subject::Ocid(ocid.clone()), 1.0, vec![ocid], figures, Value::Null));
        }
        tenderers.push_findings(INFO.code, 1.0, &Value::Null, out);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn bid(status: &str, amount: Value, currency: &str, tenderers: &[&str]) -> Value {
        let tenderers: Vec<Value> = tenderers.iter().map(|id| json!({"id": id})).collect();
        json!({"status": status, "value": {"amount": amount, "currency": currency}, "tenderers": tenderers})
    }

    fn process(ocid: &str, bids: Vec<Value>) -> Value {
        json!({"ocid": ocid, "bids": {"details": bids}})
    }

    #[test]
    fn different_tenderers_same_price() {
        let releases = vec![
            process("F", vec![bid("valid", json!(1), "USD", &["V"]), bid("disqualified", json!(1.0), "USD", &["D"])]),
            process("same", vec![bid("valid", json!(1), "USD", &["T"]), bid("valid", json!(1), "USD", &["T"])]),
            process(
                "shuffled",
                vec![bid("valid", json!(1), "USD", &["A", "Z"]), bid("valid", json!(1), "USD", &["Z", "A"])],
            ),
            process("currencies", vec![bid("valid", json!(1), "USD", &["V"]), bid("valid", json!(1), "CAD", &["D"])]),
            process(
                "withdrawn",
                vec![bid("valid", json!(1), "USD", &["V"]), bid("withdrawn", json!(1), "USD", &["D"])],
            ),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R028"]));
        assert_eq!(
            cardinal_json(&findings),
            json!({"OCID": {"F": {"R028": 1.0}}, "Tenderer": {"D": {"R028": 1.0}, "V": {"R028": 1.0}}})
        );
        assert_eq!(
            findings[0].figures["identicalPrices"],
            json!([{"amount": 1.0, "currency": "USD", "tenderers": ["D", "V"]}])
        );
    }

    #[test]
    fn processes_without_price_comparison_are_left_out() {
        let settings =
            ProcurementSettings::from_toml("price_comparison_procurement_methods = \"auction\"\n[R028]\n").unwrap();
        let mut auction =
            process("auction", vec![bid("valid", json!(1), "USD", &["V"]), bid("valid", json!(1), "USD", &["D"])]);
        auction["tender"] = json!({"procurementMethodDetails": "auction"});
        let other =
            process("other", vec![bid("valid", json!(1), "USD", &["V"]), bid("valid", json!(1), "USD", &["D"])]);
        let findings = run(vec![auction, other], &settings);
        assert_eq!(findings.iter().filter(|f| f.subject.group() == "OCID").count(), 1);
        assert_eq!(findings[0].subject.id(), "auction");
    }
}
