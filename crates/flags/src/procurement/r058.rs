//! R058 Heavily discounted bid (Cardinal's R058).
//!
//! With the same difference as R024 (`(secondLowestValidBid - winningBid) / winningBid`, see
//! [`super::second_lowest`]), a process is flagged when its difference is at or above the upper
//! Tukey fence `Q3 + 1.5 IQR` of all differences, or at or above `threshold` when one is set;
//! nothing is flagged unless the fence is positive. Value: the difference. The winner is flagged
//! as a tenderer (value 0.0).

use serde_json::{json, Map, Value};

use super::fences::upper_fence;
use super::second_lowest::findings;
use super::settings::FenceSettings;
use super::{Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::Finding;

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R058",
    name: "Heavily discounted bid",
    description: "The difference between the winning bid and the second-lowest valid bid is a high outlier.",
    fields: &[
        "awards/status",
        "awards/suppliers/id",
        "bids/details/status",
        "bids/details/tenderers/id",
        "bids/details/value/amount",
        "bids/details/value/currency",
        "tender/procurementMethodDetails",
    ],
    policy_areas: &[OPEN_CONTRACTING],
};

pub struct R058 {
    threshold: Option<f64>,
}

impl R058 {
    pub fn new(settings: &FenceSettings) -> Self {
        R058 { threshold: settings.threshold }
    }
}

impl Indicator for R058 {
    fn fold(&mut self, _release: &Map<String, Value>, _ocid: &str, _ctx: &mut Context) {}

    fn finish(self: Box<Self>, shared: &Shared, out: &mut Vec<Finding>) {
        let differences: Vec<f64> = shared.comparisons.values().map(|c| c.difference).collect();
        let (fence, thresholds) = match self.threshold {
            Some(threshold) => (threshold, json!({"threshold": threshold, "processes": differences.len()})),
            None => match upper_fence(&differences) {
                Some(fence) => (
                    fence.fence,
                    json!({"upper_fence": fence.fence, "q1": fence.q1, "q3": fence.q3, "processes": differences.len()}),
                ),
                None => return,
            },
        };
        // Differences are never negative: a fence of 0 would flag three quarters of processes.
        if fence <= 0.0 {
            return;
        }
        let flagged = shared.comparisons.iter().filter(|(_, c)| c.difference >= fence).collect();
        findings(INFO.code, flagged, &thresholds, false, out);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::r024::tests::process;
    use super::super::{cardinal_json, run, ProcurementSettings};

    #[test]
    fn a_high_outlier_is_flagged_with_the_winner() {
        let mut releases = vec![process("F", 1.0, 100.0)];
        for i in 0..4 {
            releases.push(process(&i.to_string(), 1.0, 2.0));
        }
        let findings = run(releases, &ProcurementSettings::only(&["R058"]));
        assert_eq!(cardinal_json(&findings), json!({"OCID": {"F": {"R058": 99.0}}, "Tenderer": {"W": {"R058": 0.0}}}));
        assert_eq!(findings[0].figures["winningBidAmount"], json!(1.0));
        assert!(findings[0].thresholds["upper_fence"].as_f64().unwrap() < 99.0);
    }

    #[test]
    fn a_lower_losing_bid_means_not_price_only() {
        let settings = ProcurementSettings::from_toml("[R058]\nthreshold = 0.5\n").unwrap();
        assert!(run(vec![process("x", 2.0, 1.0)], &settings).is_empty());
        assert_eq!(run(vec![process("y", 1.0, 2.0)], &settings).len(), 2);
    }
}
