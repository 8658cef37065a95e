//! R036 Lowest bid disqualified (Cardinal's R036).
//!
//! In a process with at least one active award that compares prices, a process is flagged when
//! the lowest submitted bid (in the main currency; the first one, if several are equally low) is
//! disqualified and at least one valid bid has an amount. Value: 1.0.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::release::{bid_value, ids, submitted_bids};
use super::{finding, Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R036",
    name: "Lowest bid disqualified",
    description: "The lowest submitted bid was disqualified, while the award criterion is assumed to be price only.",
    fields: &[
        "awards/status",
        "bids/details/status",
        "bids/details/value/amount",
        "bids/details/value/currency",
        "tender/procurementMethodDetails",
    ],
    policy_areas: &[OPEN_CONTRACTING],
};

#[derive(Default)]
pub struct R036 {
    flagged: BTreeMap<String, Value>,
}

struct Bid<'a> {
    amount: f64,
    bid: &'a Value,
    status: &'a str,
}

fn describe(bid: &Bid<'_>) -> Value {
    json!({
        "id": bid.bid.get("id").cloned().unwrap_or(Value::Null),
        "status": bid.status,
        "amount": bid.bid["value"]["amount"].clone(),
        "currency": bid.bid["value"]["currency"].clone(),
        "tenderers": ids(bid.bid.get("tenderers")),
    })
}

impl Indicator for R036 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, ctx: &mut Context) {
        if !ctx.compares_prices(release) {
            return;
        }
        let Some(Value::Array(awards)) = release.get("awards") else {
            return;
        };
        if !awards.iter().any(|award| award.get("status").and_then(Value::as_str) == Some("active")) {
            return;
        }
        let mut lowest: Option<Bid<'_>> = None;
        let mut lowest_valid: Option<Bid<'_>> = None;
        for bid in submitted_bids(release) {
            let Some(Value::String(status)) = bid.get("status") else {
                continue;
            };
            let Some(money) = bid_value(bid) else {
                continue;
            };
            if !ctx.is_main_currency(money.currency) {
                continue;
            }
            let this = || Bid { amount: money.amount, bid, status };
            if lowest.as_ref().is_none_or(|low| money.amount < low.amount) {
                lowest = Some(this());
            }
            if status == "valid" && lowest_valid.as_ref().is_none_or(|low| money.amount < low.amount) {
                lowest_valid = Some(this());
            }
        }
        if let (Some(lowest), Some(lowest_valid)) = (lowest, lowest_valid) {
            if lowest.status == "disqualified" {
                let figures = json!({"lowestBid": describe(&lowest), "lowestValidBid": describe(&lowest_valid)});
                self.flagged.insert(ocid.to_owned(), figures);
            }
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        for (ocid, figures) in self.flagged {
            out.push(finding(INFO.code, Subject::Ocid(ocid.clone()), 1.0, vec![ocid], figures, Value::Null));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn process(ocid: &str, bids: &[(&str, Option<f64>)], award: &str) -> Value {
        let bids: Vec<Value> = bids
            .iter()
            .map(|(status, amount)| match amount {
                Some(amount) => json!({"status": status, "value": {"amount": amount, "currency": "USD"}}),
                None => json!({"status": status, "value": {"currency": "USD"}}),
            })
            .collect();
        json!({"ocid": ocid, "bids": {"details": bids}, "awards": [{"status": award}]})
    }

    #[test]
    fn the_lowest_submitted_bid_was_disqualified() {
        let releases = vec![
            process("F", &[("disqualified", Some(1.0)), ("valid", Some(2.0))], "active"),
            process("equal", &[("disqualified", Some(1.0)), ("valid", Some(1.0))], "active"),
            process(
                "invited",
                &[("disqualified", Some(10.0)), ("valid", Some(20.0)), ("invited", Some(1.0))],
                "active",
            ),
            process(
                "pending",
                &[("disqualified", Some(10.0)), ("valid", Some(20.0)), ("pending", Some(1.0))],
                "active",
            ),
            process("nonfinal", &[("disqualified", Some(1.0)), ("valid", Some(2.0))], "pending"),
            process("missing amount", &[("disqualified", Some(1.0)), ("valid", None)], "active"),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R036"]));
        assert_eq!(
            cardinal_json(&findings),
            json!({"OCID": {"F": {"R036": 1.0}, "equal": {"R036": 1.0}, "invited": {"R036": 1.0}}})
        );
        assert_eq!(findings[0].figures["lowestBid"]["status"], json!("disqualified"));
        assert_eq!(findings[0].figures["lowestValidBid"]["amount"], json!(2.0));
    }
}
