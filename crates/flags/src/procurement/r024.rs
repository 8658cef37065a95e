//! R024 Price close to winning bid (Cardinal's R024).
//!
//! In each process with one active award to one supplier (every award final, prices compared, the
//! winner's lowest valid bid not beaten by a lower bid of another tenderer), the **difference** is
//! `(secondLowestValidBid - winningBid) / winningBid` ([`super::second_lowest`]). A process is
//! flagged when its difference is at or below the lower Tukey fence `Q1 - 1.5 IQR` of all
//! differences, or at or below `threshold` when one is set; nothing is flagged unless both Q1 and
//! the fence are positive (else three quarters of processes would be flagged). Value: the
//! difference. The winner and the second-lowest bidder are flagged as tenderers (value 0.0).

use serde_json::{json, Map, Value};

use super::fences::lower_fence;
use super::second_lowest::findings;
use super::settings::FenceSettings;
use super::{Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::Finding;

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R024",
    name: "Price close to winning bid",
    description: "The difference between the winning bid and the second-lowest valid bid is a low outlier.",
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

pub struct R024 {
    threshold: Option<f64>,
}

impl R024 {
    pub fn new(settings: &FenceSettings) -> Self {
        R024 { threshold: settings.threshold }
    }
}

impl Indicator for R024 {
    fn fold(&mut self, _release: &Map<String, Value>, _ocid: &str, _ctx: &mut Context) {}

    fn finish(self: Box<Self>, shared: &Shared, out: &mut Vec<Finding>) {
        let differences: Vec<f64> = shared.comparisons.values().map(|c| c.difference).collect();
        let (fence, q1, thresholds) = match self.threshold {
            // Cardinal passes its guard with a dummy Q1 of 1.0 when the fence is configured.
            Some(threshold) => (threshold, 1.0, json!({"threshold": threshold, "processes": differences.len()})),
            None => match lower_fence(&differences) {
                Some(fence) => (
                    fence.fence,
                    fence.q1,
                    json!({"lower_fence": fence.fence, "q1": fence.q1, "q3": fence.q3, "processes": differences.len()}),
                ),
                None => return,
            },
        };
        if !(q1 > 0.0 && fence > 0.0) {
            return;
        }
        let flagged = shared.comparisons.iter().filter(|(_, c)| c.difference <= fence).collect();
        findings(INFO.code, flagged, &thresholds, true, out);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::{json, Value};

    use super::super::{cardinal_json, run, ProcurementSettings};

    pub fn process(ocid: &str, winning: f64, second: f64) -> Value {
        json!({
            "ocid": ocid,
            "bids": {"details": [
                {"status": "valid", "tenderers": [{"id": "W"}], "value": {"amount": winning, "currency": "USD"}},
                {"status": "valid", "tenderers": [{"id": "L"}], "value": {"amount": second, "currency": "USD"}},
            ]},
            "awards": [{"status": "active", "suppliers": [{"id": "W"}]}],
        })
    }

    #[test]
    fn a_low_outlier_is_flagged_with_both_tenderers() {
        let mut releases = vec![process("F", 100.0, 101.0)];
        for i in 0..4 {
            releases.push(process(&i.to_string(), 100.0, 150.0));
        }
        let findings = run(releases, &ProcurementSettings::only(&["R024"]));
        assert_eq!(
            cardinal_json(&findings),
            json!({"OCID": {"F": {"R024": 0.01}}, "Tenderer": {"L": {"R024": 0.0}, "W": {"R024": 0.0}}})
        );
        let f = &findings[0];
        assert_eq!(f.figures["winner"], json!("W"));
        assert_eq!(f.figures["secondLowestBidAmount"], json!(101.0));
        assert!(f.thresholds["lower_fence"].as_f64().unwrap() > 0.01);
        assert_eq!(findings[1].figures["processes"][0]["role"], json!("second-lowest bidder"));
    }

    #[test]
    fn nothing_is_flagged_when_most_differences_are_zero() {
        let releases =
            vec![process("0", 1.0, 1.0), process("1", 1.0, 1.0), process("2", 1.0, 1.0), process("3", 1.0, 2.0)];
        assert!(run(releases, &ProcurementSettings::only(&["R024"])).is_empty());
    }

    #[test]
    fn a_configured_threshold_replaces_the_fence() {
        let settings = ProcurementSettings::from_toml("[R024]\nthreshold = 0.05\n").unwrap();
        let findings = run(vec![process("close", 100.0, 104.0), process("far", 100.0, 106.0)], &settings);
        assert_eq!(findings.iter().filter(|f| f.subject.group() == "OCID").count(), 1);
        assert_eq!(findings[0].subject.id(), "close");
        assert_eq!(findings[0].thresholds["threshold"], json!(0.05));
    }

    #[test]
    fn other_currencies_are_skipped() {
        let settings = ProcurementSettings::from_toml("currency = \"EUR\"\n[R024]\nthreshold = 1\n").unwrap();
        assert!(run(vec![process("usd", 1.0, 1.0)], &settings).is_empty());
    }
}
