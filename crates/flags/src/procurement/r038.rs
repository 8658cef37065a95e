//! R038 Excessive disqualified bids (Cardinal's R038).
//!
//! Across all processes, the ratio of disqualified bids to submitted bids is computed for each
//! buyer (`buyer/id`), each procuring entity (`tender/procuringEntity/id`) and each tenderer
//! (`bids/details/tenderers/id`). Buyers and procuring entities that received fewer than
//! `minimum_contracting_processes` bids (default 2), and tenderers that submitted fewer than
//! `minimum_submitted_bids` bids (default 2), are left out. In each group, an organization is
//! flagged when its ratio is at or above the upper Tukey fence `Q3 + 1.5 IQR` of the group's
//! ratios, or at or above `threshold` when one is set; nothing is flagged unless the fence is
//! positive. Value: the ratio.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::fences::upper_fence;
use super::release::{organization_id, submitted_bids};
use super::settings::R038Settings;
use super::{finding, Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R038",
    name: "Excessive disqualified bids",
    description: "The share of disqualified bids is a high outlier for a buyer, a procuring entity or a tenderer.",
    fields: &["bids/details/status", "bids/details/tenderers/id", "buyer/id", "tender/procuringEntity/id"],
    policy_areas: &[OPEN_CONTRACTING],
};

/// Disqualified and submitted bids of one organization, with the processes in which it had a
/// disqualified bid.
#[derive(Debug, Default)]
struct Tally {
    disqualified: usize,
    submitted: usize,
    processes: usize,
    with_disqualified: Vec<String>,
}

impl Tally {
    fn add(&mut self, ocid: &str, disqualified: usize, submitted: usize) {
        self.disqualified += disqualified;
        self.submitted += submitted;
        self.processes += 1;
        if disqualified > 0 && self.with_disqualified.last().map(String::as_str) != Some(ocid) {
            self.with_disqualified.push(ocid.to_owned());
        }
    }
}

pub struct R038 {
    settings: R038Settings,
    buyers: BTreeMap<String, Tally>,
    procuring_entities: BTreeMap<String, Tally>,
    tenderers: BTreeMap<String, Tally>,
}

impl R038 {
    pub fn new(settings: &R038Settings) -> Self {
        R038 {
            settings: settings.clone(),
            buyers: BTreeMap::new(),
            procuring_entities: BTreeMap::new(),
            tenderers: BTreeMap::new(),
        }
    }
}

impl Indicator for R038 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, _ctx: &mut Context) {
        let bids = submitted_bids(release);
        if bids.is_empty() {
            return;
        }
        let mut disqualified = 0;
        for bid in &bids {
            let increment = usize::from(bid.get("status").and_then(Value::as_str) == Some("disqualified"));
            disqualified += increment;
            if let Some(Value::Array(tenderers)) = bid.get("tenderers") {
                for tenderer in tenderers {
                    if let Some(Value::String(id)) = tenderer.get("id") {
                        self.tenderers.entry(id.clone()).or_default().add(ocid, increment, 1);
                    }
                }
            }
        }
        if let Some(id) = organization_id(release, &["buyer"]) {
            self.buyers.entry(id.to_owned()).or_default().add(ocid, disqualified, bids.len());
        }
        if let Some(id) = organization_id(release, &["tender", "procuringEntity"]) {
            self.procuring_entities.entry(id.to_owned()).or_default().add(ocid, disqualified, bids.len());
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        let R038 { settings, buyers, procuring_entities, tenderers } = *self;
        let minimum_processes = settings.minimum_contracting_processes;
        flag(&settings, buyers, minimum_processes, "minimum_contracting_processes", Subject::Buyer, out);
        flag(
            &settings,
            procuring_entities,
            minimum_processes,
            "minimum_contracting_processes",
            Subject::ProcuringEntity,
            out,
        );
        let minimum_bids = settings.minimum_submitted_bids;
        flag(&settings, tenderers, minimum_bids, "minimum_submitted_bids", Subject::Tenderer, out);
    }
}

fn flag(
    settings: &R038Settings,
    tallies: BTreeMap<String, Tally>,
    minimum: usize,
    minimum_key: &str,
    subject: fn(String) -> Subject,
    out: &mut Vec<Finding>,
) {
    let kept: Vec<(String, Tally, f64)> = tallies
        .into_iter()
        .filter(|(_, tally)| tally.submitted >= minimum)
        .map(|(id, tally)| {
            let ratio = tally.disqualified as f64 / tally.submitted as f64;
            (id, tally, ratio)
        })
        .collect();
    if kept.is_empty() {
        return;
    }
    let ratios: Vec<f64> = kept.iter().map(|(_, _, ratio)| *ratio).collect();
    let mut thresholds = json!({minimum_key: minimum, "organizations": kept.len()});
    let fence = match settings.threshold {
        Some(threshold) => {
            thresholds["threshold"] = json!(threshold);
            threshold
        }
        None => {
            let Some(fence) = upper_fence(&ratios) else { return };
            thresholds["upper_fence"] = json!(fence.fence);
            thresholds["q1"] = json!(fence.q1);
            thresholds["q3"] = json!(fence.q3);
            fence.fence
        }
    };
    // Ratios are never negative: a fence of 0 would flag three quarters of organizations.
    if fence <= 0.0 {
        return;
    }
    for (id, tally, ratio) in kept {
        if ratio >= fence {
            let figures = json!({
                "disqualifiedBids": tally.disqualified,
                "submittedBids": tally.submitted,
                "processes": tally.processes,
            });
            out.push(finding(INFO.code, subject(id), ratio, tally.with_disqualified, figures, thresholds.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn process(ocid: &str, buyer: &str, bids: &[(&str, &str)]) -> Value {
        let bids: Vec<Value> =
            bids.iter().map(|(status, id)| json!({"status": status, "tenderers": [{"id": id}]})).collect();
        json!({"ocid": ocid, "buyer": {"id": buyer}, "tender": {"procuringEntity": {"id": buyer}}, "bids": {"details": bids}})
    }

    #[test]
    fn a_buyer_that_disqualifies_half() {
        let releases = vec![
            process("0", "B", &[("valid", "W1"), ("disqualified", "D")]),
            process("1", "1", &[("valid", "W2")]),
            process("2", "2", &[("valid", "W3")]),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R038"]));
        assert_eq!(
            cardinal_json(&findings),
            json!({"Buyer": {"B": {"R038": 0.5}}, "ProcuringEntity": {"B": {"R038": 0.5}}})
        );
        assert_eq!(findings[0].ocids, vec!["0"]);
        assert_eq!(findings[0].figures["submittedBids"], json!(2));
        assert_eq!(findings[0].thresholds["upper_fence"], json!(0.5));
    }

    #[test]
    fn a_tenderer_with_many_disqualified_bids() {
        let settings = ProcurementSettings::from_toml("[R038]\nminimum_contracting_processes = 100\n").unwrap();
        let releases = vec![
            process("0", "B", &[("disqualified", "D"), ("valid", "A"), ("valid", "C"), ("valid", "E"), ("valid", "G")]),
            process("1", "B", &[("disqualified", "D"), ("valid", "A"), ("valid", "C"), ("valid", "E"), ("valid", "G")]),
            process("2", "B", &[("valid", "D"), ("valid", "A"), ("withdrawn", "C"), ("valid", "H"), ("valid", "H")]),
        ];
        let findings = run(releases, &settings);
        assert_eq!(cardinal_json(&findings), json!({"Tenderer": {"D": {"R038": 2.0 / 3.0}}}));
        assert_eq!(findings[0].ocids, vec!["0", "1"]);
    }

    #[test]
    fn no_disqualifications_flag_nothing() {
        let releases = vec![process("0", "B", &[("valid", "A"), ("valid", "C")]), process("1", "B", &[("valid", "A")])];
        assert!(run(releases, &ProcurementSettings::only(&["R038"])).is_empty());
    }
}
