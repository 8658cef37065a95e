//! R018 Single bid received (Cardinal's R018).
//!
//! A process is flagged when `tender/numberOfTenderers` is the integer 1 and
//! `tender/procurementMethod` is competitive (`open` or `selective` by default). Value: 1.0.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Map, Value};

use super::release::matches_procurement_method;
use super::settings::R018Settings;
use super::{finding, Context, Indicator, IndicatorInfo, Shared, OPEN_CONTRACTING};
use crate::finding::{Finding, Subject};

pub const INFO: IndicatorInfo = IndicatorInfo {
    code: "R018",
    name: "Single bid received",
    description: "Only one tenderer submitted a bid in a competitive procedure (open or selective by default).",
    fields: &["tender/numberOfTenderers", "tender/procurementMethod"],
    policy_areas: &[OPEN_CONTRACTING],
};

pub struct R018 {
    procurement_methods: HashSet<String>,
    flagged: BTreeMap<String, Value>,
}

impl R018 {
    pub fn new(settings: &R018Settings) -> Self {
        R018 { procurement_methods: settings.procurement_methods.set(), flagged: BTreeMap::new() }
    }
}

impl Indicator for R018 {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, _ctx: &mut Context) {
        let Some(Value::Object(tender)) = release.get("tender") else {
            return;
        };
        if !matches_procurement_method(tender, &self.procurement_methods) {
            return;
        }
        // Cardinal: `as_u64().unwrap_or_default() == 1`, so 1.0, "1" and -1 are not a single bid.
        if let Some(Value::Number(number)) = tender.get("numberOfTenderers") {
            if number.as_u64() == Some(1) {
                let figures = json!({
                    "numberOfTenderers": Value::Number(number.clone()),
                    "procurementMethod": tender.get("procurementMethod").cloned().unwrap_or(Value::Null),
                });
                self.flagged.insert(ocid.to_owned(), figures);
            }
        }
    }

    fn finish(self: Box<Self>, _shared: &Shared, out: &mut Vec<Finding>) {
        let mut methods: Vec<_> = self.procurement_methods.into_iter().collect();
        methods.sort();
        let thresholds = json!({"numberOfTenderers": 1, "procurement_methods": methods});
        for (ocid, figures) in self.flagged {
            out.push(finding(INFO.code, Subject::Ocid(ocid.clone()), 1.0, vec![ocid], figures, thresholds.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{cardinal_json, run, ProcurementSettings};

    #[test]
    fn one_tenderer_in_a_competitive_procedure() {
        let releases = vec![
            json!({"ocid": "open", "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}}),
            json!({"ocid": "direct", "tender": {"numberOfTenderers": 1, "procurementMethod": "direct"}}),
            json!({"ocid": "missing", "tender": {"numberOfTenderers": 1}}),
            json!({"ocid": "two", "tender": {"numberOfTenderers": 2, "procurementMethod": "open"}}),
            json!({"ocid": "float", "tender": {"numberOfTenderers": 1.0, "procurementMethod": "open"}}),
            json!({"ocid": "string", "tender": {"numberOfTenderers": "1", "procurementMethod": "open"}}),
        ];
        let findings = run(releases, &ProcurementSettings::only(&["R018"]));
        assert_eq!(cardinal_json(&findings), json!({"OCID": {"open": {"R018": 1.0}}}));
        assert_eq!(findings[0].figures["procurementMethod"], json!("open"));
        assert_eq!(findings[0].thresholds["procurement_methods"], json!(["open", "selective"]));
    }
}
