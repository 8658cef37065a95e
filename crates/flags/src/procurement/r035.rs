//! R035 All except winning bid disqualified (Cardinal's R035).
//!
//! In a process where every award is final, a process is flagged when exactly one tenderer
//! submitted valid bids, the suppliers of the active awards are exactly that tenderer, and at
//! least `threshold` (default 1) other tenderers submitted a bid that was disqualified. Value: the
//! number of other tenderers with a disqualified bid. The winner is flagged as a tenderer (value
//! 0.0).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::release::{complete_awards_and_bids, ids};
use super::settings::R035Settings;
use super::{finding, Context, Indicator, IndicatorInfo, Shared, TendererEvidence, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R035",
    name: "All except winning bid disqualified",
    description: "Every bid was disqualified except those of the single tenderer that won.",
    fields: &["awards/status", "awards/suppliers/id", "bids/details/status", "bids/details/tenderers/id"],
    policy_areas: &[OPEN_CONTRACTING],
};

pub struct R035 {
    threshold: usize,
    flagged: BTreeMap<String, (String, Vec<String>)>,
}

impl R035 {
    pub fn new(settings: &R035Settings) -> Self {
        R035 { threshold: settings.threshold.max(1), flagged: BTreeMap::new() }
    }
}

impl Indicator for R035 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, _ctx: &mut Context) {
        let Some((awards, details)) = complete_awards_and_bids(release) else {
            return;
        };
        let suppliers: BTreeSet<&str> = awards.iter().flat_map(|award| ids(award.get("suppliers"))).collect();
        let mut valid = BTreeSet::new();
        let mut disqualified = BTreeSet::new();
        for bid in details {
            let (Some(Value::String(status)), Some(Value::Array(_))) = (bid.get("status"), bid.get("tenderers")) else {
                continue;
            };
            let set = match status.as_str() {
                "valid" => &mut valid,
                "disqualified" => &mut disqualified,
                _ => continue,
            };
            set.extend(ids(bid.get("tenderers")));
        }
        // Not applicable to several winners: a buyer may aggregate bids into one award.
        if valid.len() != 1 || valid != suppliers {
            return;
        }
        let others: Vec<String> = disqualified.difference(&valid).map(|id| (*id).to_owned()).collect();
        if others.len() >= self.threshold {
            let winner = valid.into_iter().next().unwrap_or_default().to_owned();
            self.flagged.insert(ocid.to_owned(), (winner, others));
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        let thresholds = json!({"threshold": self.threshold});
        let mut winners = TendererEvidence::default();
        for (ocid, (winner, disqualified)) in self.flagged {
            let figures = json!({"winner": winner, "disqualifiedTenderers": disqualified});
            let count = disqualified.len() as f64;
            let mut process = figures.clone();
            process["ocid"] = json!(ocid);
            winners.add(&winner, &ocid, process);
            out.push(finding(INFO.code, Subject::Ocid(ocid.clone()), count, vec![ocid], figures, thresholds.clone()));
        }
        winners.push_findings(INFO.code, 0.0, &thresholds, out);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn process(ocid: &str, bids: &[(&str, &str)], suppliers: &[&str]) -> Value {
        let bids: Vec<Value> =
            bids.iter().map(|(status, id)| json!({"status": status, "tenderers": [{"id": id}]})).collect();
        let suppliers: Vec<Value> = suppliers.iter().map(|id| json!({"id": id})).collect();
        json!({"ocid": ocid, "bids": {"details": bids}, "awards": [{"status": "active", "suppliers": suppliers}]})
    }

    #[test]
    fn only_the_winner_survived() {
        let releases = vec![
            process("two", &[("disqualified", "D"), ("disqualified", "E"), ("valid", "V")], &["V"]),
            process("two valid", &[("disqualified", "D"), ("valid", "V"), ("valid", "W")], &["V"]),
            process("other supplier", &[("disqualified", "D"), ("valid", "V")], &["S"]),
            process("none disqualified", &[("valid", "V")], &["V"]),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R035"]));
        assert_eq!(cardinal_json(&findings), json!({"OCID": {"two": {"R035": 2.0}}, "Tenderer": {"V": {"R035": 0.0}}}));
        assert_eq!(findings[0].figures["disqualifiedTenderers"], json!(["D", "E"]));
    }

    #[test]
    fn the_threshold_counts_other_tenderers() {
        let settings = ProcurementSettings::from_toml("[R035]\nthreshold = 2\n").unwrap();
        let releases = vec![
            process("one", &[("disqualified", "D"), ("disqualified", "D"), ("valid", "V")], &["V"]),
            process("two", &[("disqualified", "D"), ("disqualified", "E"), ("valid", "V")], &["V"]),
        ];
        assert_eq!(run(releases, &settings)[0].subject.id(), "two");
    }
}
