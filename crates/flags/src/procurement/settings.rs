//! The settings of the procurement indicators: one TOML table per indicator, with Cardinal's key
//! names and defaults (`[R003]\nthreshold = 15`), plus Cardinal's global keys (`currency`,
//! `no_price_comparison_procurement_methods`, `price_comparison_procurement_methods`,
//! `[exclusions]`). `fixtures/flags/settings-example.toml` documents every key.
//!
//! As in Cardinal, a settings file that has at least one indicator table runs only the indicators
//! it names. Unlike Cardinal, a file without any indicator table (or no file at all:
//! [`ProcurementSettings::default`]) runs every indicator, with its defaults.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::dates::parse_date;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not TOML, a key openreg does not know (Cardinal's `prepare` sections, indicators openreg
    /// does not compute), or a value of the wrong type.
    #[error("procurement settings: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("procurement settings: [{table}] {key}: {message}")]
    Invalid { table: &'static str, key: &'static str, message: String },
}

/// A set of codes written as Cardinal writes it, pipe-separated (`"open|selective"`), or as a
/// TOML array (`["open", "selective"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "PipeListRepr")]
pub struct PipeList(pub Vec<String>);

#[derive(Deserialize)]
#[serde(untagged)]
enum PipeListRepr {
    Pipes(String),
    Array(Vec<String>),
}

impl From<PipeListRepr> for PipeList {
    fn from(repr: PipeListRepr) -> Self {
        match repr {
            // Cardinal splits with `split_terminator('|')`: "a|b|" is {a, b}, "" is empty.
            PipeListRepr::Pipes(text) => PipeList(text.split_terminator('|').map(str::to_owned).collect()),
            PipeListRepr::Array(items) => PipeList(items),
        }
    }
}

impl PipeList {
    pub fn parse(text: &str) -> Self {
        PipeList(text.split_terminator('|').map(str::to_owned).collect())
    }

    pub fn set(&self) -> HashSet<String> {
        self.0.iter().cloned().collect()
    }
}

/// `[exclusions]`: contracting processes every indicator skips.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Exclusions {
    /// `tender.procurementMethodDetails` values to skip (default: none).
    pub procurement_method_details: PipeList,
}

/// `[R003]` Short submission period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct R003Settings {
    /// A tender period shorter than this many whole days is flagged (default 15).
    pub threshold: i64,
    /// Only these `tender.procurementMethod` values are considered (default: all, even a missing
    /// method).
    pub procurement_methods: PipeList,
    /// `[R003.procurement_method_details]`: a threshold per `tender.procurementMethodDetails`,
    /// overriding `threshold` (default: none).
    pub procurement_method_details: BTreeMap<String, i64>,
}

impl Default for R003Settings {
    fn default() -> Self {
        R003Settings {
            threshold: 15,
            procurement_methods: PipeList::default(),
            procurement_method_details: BTreeMap::new(),
        }
    }
}

/// `[R018]` Single bid received.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct R018Settings {
    /// The competitive `tender.procurementMethod` values (default `open|selective`).
    pub procurement_methods: PipeList,
}

impl Default for R018Settings {
    fn default() -> Self {
        R018Settings { procurement_methods: PipeList::parse("open|selective") }
    }
}

/// `[R024]` Price close to winning bid, and `[R058]` Heavily discounted bid.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FenceSettings {
    /// A fixed fence, as a ratio, instead of the Tukey fence computed from the data (default:
    /// none, i.e. Tukey).
    pub threshold: Option<f64>,
}

/// `[R028]` and `[R036]` have no settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

/// `[R035]` All except winning bid disqualified.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct R035Settings {
    /// At least this many other tenderers must have a disqualified bid (default 1; 0 counts as 1).
    pub threshold: usize,
}

impl Default for R035Settings {
    fn default() -> Self {
        R035Settings { threshold: 1 }
    }
}

/// `[R038]` Excessive disqualified bids.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct R038Settings {
    /// A fixed upper fence, as a ratio, instead of the Tukey fence (default: none, i.e. Tukey).
    pub threshold: Option<f64>,
    /// Tenderers with fewer submitted bids are left out (default 2).
    pub minimum_submitted_bids: usize,
    /// Buyers and procuring entities with fewer submitted bids are left out (default 2). Cardinal
    /// names it after contracting processes but compares it with the number of bids received.
    pub minimum_contracting_processes: usize,
}

impl Default for R038Settings {
    fn default() -> Self {
        R038Settings { threshold: None, minimum_submitted_bids: 2, minimum_contracting_processes: 2 }
    }
}

/// `[R055]` Multiple direct awards above or just below the competitive threshold (openreg's own
/// definition; see `r055.rs`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct R055Settings {
    /// The competitive threshold, in the main currency. It is set by law and differs by country
    /// and by category, so there is no default: without it R055 flags nothing.
    pub threshold: Option<f64>,
    /// How far under the threshold an award is still "just below", as a share of the threshold
    /// (default 0.1: awards from 90% of the threshold up).
    pub margin: f64,
    /// How many such awards from one buyer to one supplier make "multiple" (default 2).
    pub minimum_awards: usize,
    /// The awards must fall within this many days of each other (default 365; 0: any time).
    pub window_days: i64,
    /// The `tender.procurementMethod` values that are direct awards (default `direct`).
    pub procurement_methods: PipeList,
    /// Only awards dated on or after this day (`YYYY-MM-DD`; default: no limit).
    pub start_date: Option<String>,
    /// Only awards dated on or before this day (`YYYY-MM-DD`; default: no limit).
    pub end_date: Option<String>,
}

impl Default for R055Settings {
    fn default() -> Self {
        R055Settings {
            threshold: None,
            margin: 0.1,
            minimum_awards: 2,
            window_days: 365,
            procurement_methods: PipeList::parse("direct"),
            start_date: None,
            end_date: None,
        }
    }
}

/// `[R069]` Contract amendments to increase price (openreg's own definition; see `r069.rs`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct R069Settings {
    /// A contract is flagged when its value rose by more than this share of its original value
    /// (default 0.0: any increase).
    pub threshold: f64,
    /// `[R069.main_procurement_category]`: a threshold per `tender.mainProcurementCategory`,
    /// overriding `threshold` (e.g. `goods = 0.1`, `works = 0.15`, as in EU Directive 2014/24
    /// article 72; default: none).
    pub main_procurement_category: BTreeMap<String, f64>,
}

impl Default for R069Settings {
    fn default() -> Self {
        R069Settings { threshold: 0.0, main_procurement_category: BTreeMap::new() }
    }
}

/// Everything the procurement indicators read. `None` for an indicator means it does not run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct ProcurementSettings {
    /// The main currency: bids and awards in other currencies are skipped. Without it, the first
    /// currency observed is the main currency (Cardinal's rule).
    #[serde(default)]
    pub currency: Option<String>,
    /// `tender.procurementMethodDetails` values in which prices are not compared (R024, R028,
    /// R036, R058 skip those processes). Ignored when `price_comparison_procurement_methods` is set.
    #[serde(default)]
    pub no_price_comparison_procurement_methods: Option<PipeList>,
    /// The only `tender.procurementMethodDetails` values in which prices are compared.
    #[serde(default)]
    pub price_comparison_procurement_methods: Option<PipeList>,
    #[serde(default)]
    pub exclusions: Exclusions,
    #[serde(default)]
    pub R003: Option<R003Settings>,
    #[serde(default)]
    pub R018: Option<R018Settings>,
    #[serde(default)]
    pub R024: Option<FenceSettings>,
    #[serde(default)]
    pub R028: Option<NoSettings>,
    #[serde(default)]
    pub R035: Option<R035Settings>,
    #[serde(default)]
    pub R036: Option<NoSettings>,
    #[serde(default)]
    pub R038: Option<R038Settings>,
    #[serde(default)]
    pub R055: Option<R055Settings>,
    #[serde(default)]
    pub R058: Option<FenceSettings>,
    #[serde(default)]
    pub R069: Option<R069Settings>,
}

impl Default for ProcurementSettings {
    /// Every indicator, with Cardinal's defaults (R055 needs a `threshold` to flag anything).
    fn default() -> Self {
        ProcurementSettings {
            currency: None,
            no_price_comparison_procurement_methods: None,
            price_comparison_procurement_methods: None,
            exclusions: Exclusions::default(),
            R003: Some(R003Settings::default()),
            R018: Some(R018Settings::default()),
            R024: Some(FenceSettings::default()),
            R028: Some(NoSettings::default()),
            R035: Some(R035Settings::default()),
            R036: Some(NoSettings::default()),
            R038: Some(R038Settings::default()),
            R055: Some(R055Settings::default()),
            R058: Some(FenceSettings::default()),
            R069: Some(R069Settings::default()),
        }
    }
}

impl ProcurementSettings {
    /// Reads a settings file. If it has at least one indicator table, only those indicators run.
    pub fn from_toml(text: &str) -> Result<Self, SettingsError> {
        let parsed: ProcurementSettings = toml::from_str(text)?;
        let settings = if parsed.enabled().is_empty() {
            ProcurementSettings {
                currency: parsed.currency,
                no_price_comparison_procurement_methods: parsed.no_price_comparison_procurement_methods,
                price_comparison_procurement_methods: parsed.price_comparison_procurement_methods,
                exclusions: parsed.exclusions,
                ..ProcurementSettings::default()
            }
        } else {
            parsed
        };
        settings.validate()?;
        Ok(settings)
    }

    /// The codes of the indicators that will run, in the order of [`super::INDICATORS`].
    pub fn enabled(&self) -> Vec<&'static str> {
        let mut codes = Vec::new();
        let flags = [
            ("R003", self.R003.is_some()),
            ("R018", self.R018.is_some()),
            ("R024", self.R024.is_some()),
            ("R028", self.R028.is_some()),
            ("R035", self.R035.is_some()),
            ("R036", self.R036.is_some()),
            ("R038", self.R038.is_some()),
            ("R055", self.R055.is_some()),
            ("R058", self.R058.is_some()),
            ("R069", self.R069.is_some()),
        ];
        for (code, on) in flags {
            if on {
                codes.push(code);
            }
        }
        codes
    }

    /// Settings that run only `codes`, each with its defaults.
    pub fn only(codes: &[&str]) -> Self {
        let all = ProcurementSettings::default();
        let keep = |code: &str| codes.contains(&code);
        ProcurementSettings {
            R003: all.R003.filter(|_| keep("R003")),
            R018: all.R018.filter(|_| keep("R018")),
            R024: all.R024.filter(|_| keep("R024")),
            R028: all.R028.filter(|_| keep("R028")),
            R035: all.R035.filter(|_| keep("R035")),
            R036: all.R036.filter(|_| keep("R036")),
            R038: all.R038.filter(|_| keep("R038")),
            R055: all.R055.filter(|_| keep("R055")),
            R058: all.R058.filter(|_| keep("R058")),
            R069: all.R069.filter(|_| keep("R069")),
            ..all
        }
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if let Some(r055) = &self.R055 {
            if !(0.0..1.0).contains(&r055.margin) {
                return Err(invalid("R055", "margin", format!("{} is not in [0, 1)", r055.margin)));
            }
            if r055.window_days < 0 {
                return Err(invalid("R055", "window_days", "is negative".into()));
            }
            if let Some(threshold) = r055.threshold {
                if !(threshold > 0.0 && threshold.is_finite()) {
                    return Err(invalid("R055", "threshold", format!("{threshold} is not a positive amount")));
                }
            }
            for (key, date) in [("start_date", &r055.start_date), ("end_date", &r055.end_date)] {
                if let Some(date) = date {
                    if date.len() != 10 || parse_date(date).is_none() {
                        return Err(invalid("R055", key, format!("{date:?} is not a YYYY-MM-DD date")));
                    }
                }
            }
        }
        if let Some(r069) = &self.R069 {
            let all = std::iter::once(&r069.threshold).chain(r069.main_procurement_category.values());
            for threshold in all {
                if !(*threshold >= 0.0 && threshold.is_finite()) {
                    return Err(invalid("R069", "threshold", format!("{threshold} is not a non-negative ratio")));
                }
            }
        }
        Ok(())
    }
}

fn invalid(table: &'static str, key: &'static str, message: String) -> SettingsError {
    SettingsError::Invalid { table, key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indicator_table_enables_only_that_indicator() {
        let settings = ProcurementSettings::from_toml("[R003]\nthreshold = 10\n").unwrap();
        assert_eq!(settings.enabled(), vec!["R003"]);
        assert_eq!(settings.R003.unwrap().threshold, 10);
    }

    #[test]
    fn no_indicator_table_enables_every_indicator_with_the_globals_kept() {
        let settings = ProcurementSettings::from_toml(
            "currency = \"USD\"\nno_price_comparison_procurement_methods = \"NPC|X\"\n[exclusions]\nprocurement_method_details = \"EXC\"\n",
        )
        .unwrap();
        assert_eq!(settings.enabled().len(), 10);
        assert_eq!(settings.currency.as_deref(), Some("USD"));
        assert_eq!(settings.no_price_comparison_procurement_methods, Some(PipeList(vec!["NPC".into(), "X".into()])));
        assert_eq!(settings.exclusions.procurement_method_details, PipeList(vec!["EXC".into()]));
        assert_eq!(ProcurementSettings::from_toml("").unwrap(), ProcurementSettings::default());
    }

    #[test]
    fn cardinal_defaults() {
        let settings = ProcurementSettings::default();
        assert_eq!(settings.R003.as_ref().unwrap().threshold, 15);
        assert!(settings.R003.as_ref().unwrap().procurement_methods.0.is_empty());
        assert_eq!(settings.R018.as_ref().unwrap().procurement_methods.0, vec!["open", "selective"]);
        assert_eq!(settings.R024.as_ref().unwrap().threshold, None);
        assert_eq!(settings.R035.as_ref().unwrap().threshold, 1);
        let r038 = settings.R038.as_ref().unwrap();
        assert_eq!((r038.threshold, r038.minimum_submitted_bids, r038.minimum_contracting_processes), (None, 2, 2));
        assert_eq!(settings.R058.as_ref().unwrap().threshold, None);
    }

    #[test]
    fn lists_are_pipes_or_arrays_and_tables_nest() {
        let text =
            "[R003]\nprocurement_methods = \"open|selective\"\n[R003.procurement_method_details]\nx = 5\ny = 10\n\
                    [R018]\nprocurement_methods = [\"open\"]\n[R024]\nthreshold = 1\n";
        let settings = ProcurementSettings::from_toml(text).unwrap();
        let r003 = settings.R003.unwrap();
        assert_eq!(r003.procurement_methods.0, vec!["open", "selective"]);
        assert_eq!(r003.procurement_method_details, BTreeMap::from([("x".into(), 5), ("y".into(), 10)]));
        assert_eq!(settings.R018.unwrap().procurement_methods.0, vec!["open"]);
        // An integer is read as a ratio where a ratio is expected.
        assert_eq!(settings.R024.unwrap().threshold, Some(1.0));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(ProcurementSettings::from_toml("[R025]\n").is_err());
        assert!(ProcurementSettings::from_toml("[defaults]\ncurrency = \"USD\"\n").is_err());
        assert!(ProcurementSettings::from_toml("[R003]\nthreshhold = 3\n").is_err());
        assert!(ProcurementSettings::from_toml("[R035]\nthreshold = -1\n").is_err());
        assert!(ProcurementSettings::from_toml("[R055]\nmargin = 1.5\n").is_err());
        assert!(ProcurementSettings::from_toml("[R055]\nstart_date = \"2024-13-01\"\n").is_err());
        assert!(ProcurementSettings::from_toml("[R069]\nthreshold = -0.1\n").is_err());
    }

    #[test]
    fn the_documented_example_is_the_default() {
        let text = include_str!("../../../../fixtures/flags/settings-example.toml");
        assert_eq!(ProcurementSettings::from_toml(text).unwrap(), ProcurementSettings::default());
        let whole = crate::run::FlagSettings::from_toml(text).unwrap();
        assert_eq!(whole.conflicts, crate::conflicts::ConflictSettings::default());
        // Every commented-out key is a real key, with a value of the right type.
        let uncommented: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest
                        .split_once(" = ")
                        .is_some_and(|(key, _)| key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')) =>
                {
                    rest
                }
                // The [conflicts] table is shown commented out too.
                Some(rest) if rest == "[conflicts]" => rest,
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let whole = crate::run::FlagSettings::from_toml(&uncommented).unwrap();
        assert_eq!(whole.conflicts.secrecy_jurisdictions.len(), 1);
        assert_eq!(whole.conflicts.weakest_link, crate::conflicts::ConflictSettings::default().weakest_link);
        let settings = whole.procurement;
        assert_eq!(settings.currency.as_deref(), Some("USD"));
        assert_eq!(settings.R055.unwrap().threshold, Some(50_000.0));
        assert_eq!(settings.R069.unwrap().main_procurement_category.len(), 3);
    }

    #[test]
    fn only_keeps_the_named_indicators() {
        assert_eq!(ProcurementSettings::only(&["R024", "R058"]).enabled(), vec!["R024", "R058"]);
    }
}
