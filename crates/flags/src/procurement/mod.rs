//! Procurement red flags on OCDS compiled releases.
//!
//! Eight indicators reproduce Cardinal (open-contracting/cardinal-rs, MIT) exactly: the same
//! definitions, exclusions, defaults, settings names, Tukey fences and grouping of results by OCID,
//! Buyer, ProcuringEntity and Tenderer, checked against Cardinal's fixtures
//! (`tests/cardinal.rs`). Two more, R055 and R069, are not in Cardinal; openreg defines them from
//! Open Contracting's red-flag list (their modules say how).
//!
//! Releases are read one at a time. Indicators that need dataset-wide statistics (quartiles, ratios
//! per organization) keep only the few figures of each process they need, never the releases.
//!
//! Data flow: [`run`] applies Cardinal's global exclusions to each release, folds it into every
//! enabled indicator (R024 and R058 share one comparison of the winning and second-lowest bids,
//! [`second_lowest`]), then asks each indicator for its findings.

mod dates;
mod fences;
mod release;
mod second_lowest;
pub mod settings;

mod r003;
mod r018;
mod r024;
mod r028;
mod r035;
mod r036;
mod r038;
mod r055;
mod r058;
mod r069;

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

pub use settings::{ProcurementSettings, SettingsError};

use crate::finding::{Finding, Subject};
use second_lowest::{Comparison, SecondLowest};

/// What an indicator is, for listings and for the stored flags built on its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndicatorInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// The OCDS fields it reads, as paths (`bids/details/status`).
    pub fields: &'static [&'static str],
    pub policy_areas: &'static [&'static str],
}

/// Every procurement indicator, in code order.
pub const INDICATORS: &[IndicatorInfo] = &[
    r003::INFO,
    r018::INFO,
    r024::INFO,
    r028::INFO,
    r035::INFO,
    r036::INFO,
    r038::INFO,
    r055::INFO,
    r058::INFO,
    r069::INFO,
];

/// The policy area every procurement indicator serves.
pub const OPEN_CONTRACTING: &str = "open contracting";

/// Runs the enabled indicators over compiled releases and returns every finding: per indicator in
/// [`INDICATORS`] order, then by subject.
pub fn run(releases: impl IntoIterator<Item = Value>, settings: &ProcurementSettings) -> Vec<Finding> {
    let mut ctx = Context::new(settings);
    let mut second_lowest = (settings.R024.is_some() || settings.R058.is_some()).then(SecondLowest::default);
    let mut indicators = indicators(settings);
    let exclude = settings.exclusions.procurement_method_details.set();
    let include = HashSet::new();

    for value in releases {
        let Value::Object(release) = value else {
            continue;
        };
        let Some(Value::String(ocid)) = release.get("ocid") else {
            continue;
        };
        if release::is_cancelled(&release) || !release::matches_procurement_method_details(&release, &include, &exclude)
        {
            continue;
        }
        // Cardinal folds the shared comparison before the indicators; the order matters only for
        // which currency is observed first when no `currency` is set.
        if let Some(second_lowest) = second_lowest.as_mut() {
            second_lowest.fold(&release, ocid, &mut ctx);
        }
        for indicator in indicators.iter_mut() {
            indicator.fold(&release, ocid, &mut ctx);
        }
    }

    let shared = Shared { comparisons: second_lowest.map(|s| s.comparisons).unwrap_or_default() };
    let mut findings = Vec::new();
    for indicator in indicators {
        indicator.finish(&shared, &mut findings);
    }
    findings
}

/// Cardinal's output shape, `{"OCID": {ocid: {code: value}}, "Buyer": …, "ProcuringEntity": …,
/// "Tenderer": …}`, without empty groups (and without Cardinal's `Meta` key). Should two findings
/// share a group, id and code, the larger value is kept.
pub fn cardinal_json(findings: &[Finding]) -> Value {
    let mut groups: BTreeMap<u8, Map<String, Value>> = BTreeMap::new();
    for finding in findings {
        let order = match finding.subject {
            Subject::Ocid(_) => 0,
            Subject::Buyer(_) => 1,
            Subject::ProcuringEntity(_) => 2,
            Subject::Tenderer(_) => 3,
        };
        let results = groups.entry(order).or_default();
        let codes = results.entry(finding.subject.id()).or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(codes) = codes else { unreachable!("results are objects") };
        let keep = match codes.get(&finding.code).and_then(Value::as_f64) {
            Some(existing) => finding.value > existing,
            None => true,
        };
        if keep {
            codes.insert(finding.code.clone(), Value::from(finding.value));
        }
    }
    let mut output = Map::new();
    for (order, results) in groups {
        let name = ["OCID", "Buyer", "ProcuringEntity", "Tenderer"][order as usize];
        output.insert(name.to_owned(), Value::Object(results));
    }
    Value::Object(output)
}

/// What the folds share: the main currency (Cardinal's `item.currency`, shared by R024, R036 and
/// R058) and the price-comparison settings.
pub(crate) struct Context {
    configured_currency: Option<String>,
    currency: Option<String>,
    price_comparison: HashSet<String>,
    no_price_comparison: HashSet<String>,
}

impl Context {
    fn new(settings: &ProcurementSettings) -> Self {
        let set = |list: &Option<settings::PipeList>| list.as_ref().map(settings::PipeList::set).unwrap_or_default();
        Context {
            configured_currency: settings.currency.clone(),
            currency: None,
            price_comparison: set(&settings.price_comparison_procurement_methods),
            no_price_comparison: set(&settings.no_price_comparison_procurement_methods),
        }
    }

    /// Whether `currency` is the main currency: the configured one, else the first observed.
    pub fn is_main_currency(&mut self, currency: &str) -> bool {
        let configured = &self.configured_currency;
        let main = self.currency.get_or_insert_with(|| configured.clone().unwrap_or_else(|| currency.to_owned()));
        main == currency
    }

    /// Whether prices are compared in this process: `tender.procurementMethodDetails` is in
    /// `price_comparison_procurement_methods` if that is set, else not in
    /// `no_price_comparison_procurement_methods`.
    pub fn compares_prices(&self, release: &Map<String, Value>) -> bool {
        release::matches_procurement_method_details(release, &self.price_comparison, &self.no_price_comparison)
    }
}

/// Dataset-wide results the indicators read when they finish.
pub(crate) struct Shared {
    pub comparisons: BTreeMap<String, Comparison>,
}

pub(crate) trait Indicator {
    fn fold(&mut self, release: &Map<String, Value>, ocid: &str, ctx: &mut Context);
    fn finish(self: Box<Self>, shared: &Shared, out: &mut Vec<Finding>);
}

fn indicators(settings: &ProcurementSettings) -> Vec<Box<dyn Indicator>> {
    let mut list: Vec<Box<dyn Indicator>> = Vec::new();
    if let Some(s) = &settings.R003 {
        list.push(Box::new(r003::R003::new(s)));
    }
    if let Some(s) = &settings.R018 {
        list.push(Box::new(r018::R018::new(s)));
    }
    if let Some(s) = &settings.R024 {
        list.push(Box::new(r024::R024::new(s)));
    }
    if settings.R028.is_some() {
        list.push(Box::new(r028::R028::default()));
    }
    if let Some(s) = &settings.R035 {
        list.push(Box::new(r035::R035::new(s)));
    }
    if settings.R036.is_some() {
        list.push(Box::new(r036::R036::default()));
    }
    if let Some(s) = &settings.R038 {
        list.push(Box::new(r038::R038::new(s)));
    }
    if let Some(s) = &settings.R055 {
        list.push(Box::new(r055::R055::new(s, settings.currency.clone())));
    }
    if let Some(s) = &settings.R058 {
        list.push(Box::new(r058::R058::new(s)));
    }
    if let Some(s) = &settings.R069 {
        list.push(Box::new(r069::R069::new(s)));
    }
    list
}

pub(crate) fn finding(
    code: &str,
    subject: Subject,
    value: f64,
    ocids: Vec<String>,
    figures: Value,
    thresholds: Value,
) -> Finding {
    let object = |value: Value| match value {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => Map::from_iter([("value".to_owned(), other)]),
    };
    Finding { code: code.to_owned(), subject, value, ocids, figures: object(figures), thresholds: object(thresholds) }
}

/// Tenderer findings gathered across processes: one finding per tenderer, listing each process
/// in which it was flagged with that process's figures.
#[derive(Debug, Default)]
pub(crate) struct TendererEvidence {
    tenderers: BTreeMap<String, (Vec<String>, Vec<Value>)>,
}

impl TendererEvidence {
    pub fn add(&mut self, tenderer: &str, ocid: &str, process: Value) {
        let (ocids, processes) = self.tenderers.entry(tenderer.to_owned()).or_default();
        if ocids.last().map(String::as_str) != Some(ocid) && !ocids.iter().any(|known| known == ocid) {
            ocids.push(ocid.to_owned());
        }
        processes.push(process);
    }

    pub fn push_findings(self, code: &str, value: f64, thresholds: &Value, out: &mut Vec<Finding>) {
        for (tenderer, (ocids, processes)) in self.tenderers {
            let figures = serde_json::json!({ "processes": processes });
            out.push(finding(code, Subject::Tenderer(tenderer), value, ocids, figures, thresholds.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_indicator_is_listed_once_in_code_order() {
        let codes: Vec<_> = INDICATORS.iter().map(|info| info.code).collect();
        assert_eq!(codes, ProcurementSettings::default().enabled());
        for info in INDICATORS {
            assert!(!info.name.is_empty() && !info.description.is_empty() && !info.fields.is_empty());
            assert_eq!(info.policy_areas, &[OPEN_CONTRACTING]);
        }
    }

    #[test]
    fn cancelled_and_excluded_processes_are_skipped_by_every_indicator() {
        let settings = ProcurementSettings::from_toml(
            "[exclusions]\nprocurement_method_details = \"EXC\"\n[R018]\nprocurement_methods = \"open\"\n",
        )
        .unwrap();
        let release = |ocid: &str, extra: Value| {
            let mut tender = json!({"numberOfTenderers": 1, "procurementMethod": "open"});
            for (key, value) in extra.as_object().unwrap() {
                tender[key] = value.clone();
            }
            json!({"ocid": ocid, "tender": tender})
        };
        let releases = vec![
            release("kept", json!({})),
            release("cancelled", json!({"status": "cancelled"})),
            release("excluded", json!({"procurementMethodDetails": "EXC"})),
            json!({"ocid": 1, "tender": {"numberOfTenderers": 1, "procurementMethod": "open"}}),
            json!("not an object"),
        ];
        assert_eq!(cardinal_json(&run(releases, &settings)), json!({"OCID": {"kept": {"R018": 1.0}}}));
    }

    #[test]
    fn cardinal_json_groups_and_keeps_the_larger_value() {
        let findings = vec![
            finding("R038", Subject::Tenderer("T".into()), 0.5, vec![], Value::Null, Value::Null),
            finding("R055", Subject::Buyer("B".into()), 2.0, vec![], Value::Null, Value::Null),
            finding("R055", Subject::Buyer("B".into()), 3.0, vec![], Value::Null, Value::Null),
            finding("R055", Subject::Buyer("B".into()), 1.0, vec![], Value::Null, Value::Null),
            finding("R003", Subject::Ocid("o".into()), 1.0, vec![], Value::Null, Value::Null),
        ];
        let output = cardinal_json(&findings);
        assert_eq!(
            output,
            json!({"OCID": {"o": {"R003": 1.0}}, "Buyer": {"B": {"R055": 3.0}}, "Tenderer": {"T": {"R038": 0.5}}})
        );
        let groups: Vec<_> = output.as_object().unwrap().keys().cloned().collect();
        assert_eq!(groups, vec!["OCID", "Buyer", "Tenderer"]);
        assert_eq!(cardinal_json(&[]), json!({}));
    }
}
