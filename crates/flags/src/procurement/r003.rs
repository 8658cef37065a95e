//! R003 Short submission period (Cardinal's R003).
//!
//! A process is flagged when its tender period, `tender/tenderPeriod/endDate` minus `startDate` in
//! whole days (truncated), is less than the threshold: 15 days, or the threshold configured for its
//! `tender/procurementMethodDetails`. Processes whose `tender/procurementMethod` is not among
//! `procurement_methods` (when set), or whose dates are missing or not RFC 3339, are left out.
//! Value: 1.0.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use super::dates::{parse_rfc3339, whole_days_between};
use super::release::matches_procurement_method;
use super::settings::R003Settings;
use super::{finding, Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R003",
    name: "Short submission period",
    description: "The tender period is shorter than the threshold for the procurement method (15 days by default).",
    fields: &[
        "tender/tenderPeriod/startDate",
        "tender/tenderPeriod/endDate",
        "tender/procurementMethod",
        "tender/procurementMethodDetails",
    ],
    policy_areas: &[OPEN_CONTRACTING],
};

pub struct R003 {
    threshold: i64,
    procurement_methods: HashSet<String>,
    procurement_method_details: BTreeMap<String, i64>,
    flagged: BTreeMap<String, (Value, Value)>,
}

impl R003 {
    pub fn new(settings: &R003Settings) -> Self {
        R003 {
            threshold: settings.threshold,
            procurement_methods: settings.procurement_methods.set(),
            procurement_method_details: settings.procurement_method_details.clone(),
            flagged: BTreeMap::new(),
        }
    }
}

impl Indicator for R003 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, _ctx: &mut Context) {
        let Some(Value::Object(tender)) = release.get("tender") else {
            return;
        };
        if !matches_procurement_method(tender, &self.procurement_methods) {
            return;
        }
        let Some(Value::Object(period)) = tender.get("tenderPeriod") else {
            return;
        };
        let (Some(Value::String(start)), Some(Value::String(end))) = (period.get("startDate"), period.get("endDate"))
        else {
            return;
        };
        let (Some(start_at), Some(end_at)) = (parse_rfc3339(start), parse_rfc3339(end)) else {
            return;
        };
        let days = whole_days_between(start_at, end_at);
        let details = tender.get("procurementMethodDetails").and_then(Value::as_str);
        let (threshold, source) = match details.and_then(|d| self.procurement_method_details.get(d).map(|t| (d, *t))) {
            Some((details, threshold)) => (threshold, format!("procurement_method_details.{details}")),
            None => (self.threshold, "threshold".to_owned()),
        };
        if days < threshold {
            let figures = json!({
                "tenderPeriod": {"startDate": start, "endDate": end},
                "days": days,
                "procurementMethod": tender.get("procurementMethod").cloned().unwrap_or(Value::Null),
                "procurementMethodDetails": details,
            });
            let mut methods: Vec<_> = self.procurement_methods.iter().cloned().collect();
            methods.sort();
            let methods = if methods.is_empty() { json!("any") } else { json!(methods) };
            let thresholds = json!({"threshold": threshold, "from": source, "procurement_methods": methods});
            self.flagged.insert(ocid.to_owned(), (figures, thresholds));
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        for (ocid, (figures, thresholds)) in self.flagged {
            out.push(finding(INFO.code, Subject::Ocid(ocid.clone()), 1.0, vec![ocid], figures, thresholds));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{cardinal_json, run, ProcurementSettings};

    fn release(ocid: &str, start: &str, end: &str, method: Option<&str>) -> serde_json::Value {
        let mut tender = json!({"tenderPeriod": {"startDate": start, "endDate": end}});
        if let Some(method) = method {
            tender["procurementMethod"] = json!(method);
        }
        json!({"ocid": ocid, "tender": tender})
    }

    #[test]
    fn fourteen_days_and_a_bit_is_short_fifteen_is_not() {
        let releases = vec![
            release("short", "2000-01-01T18:00:00Z", "2000-01-16T17:59:59Z", None),
            release("exact", "2000-01-01T18:00:00Z", "2000-01-16T18:00:00Z", None),
            release("offset", "2020-08-03T18:00:00-05:00", "2020-08-04T18:00:00-05:00", Some("direct")),
            release("invalid", "invalid", "2000-01-16T17:59:59Z", None),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R003"]));
        assert_eq!(cardinal_json(&findings), json!({"OCID": {"offset": {"R003": 1.0}, "short": {"R003": 1.0}}}));
        let short = findings.iter().find(|f| f.subject.id() == "short").unwrap();
        assert_eq!(short.figures["days"], json!(14));
        assert_eq!(short.thresholds["threshold"], json!(15));
    }

    #[test]
    fn thresholds_by_procurement_method_details_and_methods_filter() {
        let settings = ProcurementSettings::from_toml(
            "[R003]\nprocurement_methods = \"open\"\n[R003.procurement_method_details]\nemergency = 5\n",
        )
        .unwrap();
        let mut emergency = release("emergency", "2000-01-01T00:00:00Z", "2000-01-07T00:00:00Z", Some("open"));
        emergency["tender"]["procurementMethodDetails"] = json!("emergency");
        let mut urgent = release("urgent", "2000-01-01T00:00:00Z", "2000-01-05T00:00:00Z", Some("open"));
        urgent["tender"]["procurementMethodDetails"] = json!("emergency");
        let direct = release("direct", "2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z", Some("direct"));
        let missing = release("missing", "2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z", None);
        let findings = run(vec![emergency, urgent, direct, missing], &settings);
        assert_eq!(cardinal_json(&findings), json!({"OCID": {"urgent": {"R003": 1.0}}}));
        assert_eq!(findings[0].thresholds["from"], json!("procurement_method_details.emergency"));
    }
}
