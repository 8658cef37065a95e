//! A flags run: every indicator over everything the store holds, the results compared with the
//! stored flags (unchanged flags keep their ids), and the data generation they reflect recorded.

use std::collections::BTreeMap;
use std::time::Instant;

use openreg_model::flag::{EvidenceItem, Flag, FlagEntity, Severity};
use openreg_model::link::Label;
use openreg_store::{FlagChanges, Store, StoreError};
use serde::Serialize;
use serde_json::{json, Value};

use crate::conflicts::{ConflictSettings, Conflicts};
use crate::finding::{Finding, Subject};
use crate::process::Process;
use crate::procurement::{self, ProcurementSettings};

#[derive(Debug, thiserror::Error)]
pub enum FlagsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the flags settings are not valid: {0}")]
    Settings(String),
}

/// One settings file for every indicator: Cardinal's tables (`[R003]`, …) and `[conflicts]`.
#[derive(Debug, Clone, Default)]
pub struct FlagSettings {
    pub procurement: ProcurementSettings,
    pub conflicts: ConflictSettings,
}

impl FlagSettings {
    pub fn from_toml(text: &str) -> Result<FlagSettings, FlagsError> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| FlagsError::Settings(e.to_string()))?;
        let conflicts = match table.remove("conflicts") {
            Some(value) => {
                value.try_into().map_err(|e: toml::de::Error| FlagsError::Settings(format!("[conflicts]: {e}")))?
            }
            None => ConflictSettings::default(),
        };
        let rest = toml::to_string(&table).map_err(|e| FlagsError::Settings(e.to_string()))?;
        let procurement = ProcurementSettings::from_toml(&rest).map_err(|e| FlagsError::Settings(e.to_string()))?;
        Ok(FlagSettings { procurement, conflicts })
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagsSummary {
    pub processes: u64,
    pub flags: u64,
    pub by_code: BTreeMap<String, u64>,
    pub by_certainty: BTreeMap<String, u64>,
    pub changes: FlagChanges,
    pub generation: String,
    pub seconds: f64,
}

/// A procurement finding as a flag, with the process's figures and what Cardinal reports.
fn finding_flag(store: &Store, finding: &Finding, processes: &BTreeMap<String, Process>) -> Result<Flag, StoreError> {
    let info = procurement::INDICATORS.iter().find(|i| i.code == finding.code);
    let name = info.map_or(finding.code.as_str(), |i| i.name);
    let ocid = match &finding.subject {
        Subject::Ocid(ocid) => Some(ocid.clone()),
        _ => None,
    };
    let process = ocid.as_ref().and_then(|o| processes.get(o));
    let mut entities = Vec::new();
    let role = match &finding.subject {
        Subject::Ocid(_) => None,
        Subject::Buyer(_) => Some("buyer"),
        Subject::ProcuringEntity(_) => Some("procuring entity"),
        Subject::Tenderer(_) => Some("tenderer"),
    };
    if let Some(role) = role {
        entities.push(FlagEntity {
            id: finding.subject.id().to_string(),
            name: finding.subject.id().to_string(),
            role: role.into(),
        });
    }
    let mut evidence = vec![EvidenceItem {
        kind: "indicator".into(),
        id: format!("{} {}", finding.subject.group(), finding.subject.id()),
        label: None,
        score: None,
        text: format!(
            "{} ({}) gives {} for {} {}: {}",
            name,
            finding.code,
            finding.value,
            finding.subject.group(),
            finding.subject.id(),
            Value::Object(finding.figures.clone())
        ),
    }];
    for o in finding.ocids.iter().take(50) {
        evidence.push(EvidenceItem {
            kind: "release".into(),
            id: o.clone(),
            label: None,
            score: None,
            text: format!("contracting process {o}"),
        });
    }
    let _ = store;
    let mut figures = finding.figures.clone();
    figures.insert("value".into(), json!(finding.value));
    let key: Vec<&str> =
        std::iter::once(finding.subject.group()).chain(std::iter::once(finding.subject.id())).collect();
    Ok(Flag {
        id: Flag::make_id(&finding.code, &key),
        code: finding.code.clone(),
        name: name.to_string(),
        ocid,
        entities,
        date: process.and_then(|p| p.award_date.clone()),
        severity: Severity::Low,
        certainty: Label::Confirmed,
        figures,
        thresholds: finding.thresholds.clone(),
        evidence,
        policy_areas: info.map_or_else(
            || vec!["open contracting".to_string()],
            |i| i.policy_areas.iter().map(|s| s.to_string()).collect(),
        ),
        country: process.and_then(|p| p.country.clone()),
        amount: process.and_then(|p| p.amount),
        currency: process.and_then(|p| p.currency.clone()),
    })
}

/// Runs every indicator over the store and stores the result.
pub fn run(store: &Store, settings: &FlagSettings, progress: &mut dyn FnMut(u64)) -> Result<FlagsSummary, FlagsError> {
    let started = Instant::now();
    let generation = store.data_generation()?;
    let mut summary = FlagsSummary { generation: generation.clone(), ..Default::default() };
    let mut flags = Vec::new();
    // One pass: the ownership and political-finance flags of each process, and the process's
    // small summary for the procurement flags (whose Tukey fences need every process first).
    let mut processes: BTreeMap<String, Process> = BTreeMap::new();
    let mut conflicts = Conflicts::new(store, &settings.conflicts);
    for entry in store.compiled() {
        let (ocid, _, json) = entry?;
        let Ok(release) = serde_json::from_slice::<Value>(&json) else { continue };
        let process = Process::from_compiled(&ocid, &release);
        flags.extend(conflicts.flags(&process)?);
        summary.processes += 1;
        if summary.processes.is_multiple_of(1000) {
            progress(summary.processes);
        }
        processes.insert(ocid, Process { suppliers: Vec::new(), tenderers: Vec::new(), awards: Vec::new(), ..process });
    }
    // The procurement indicators read the releases again, one at a time.
    let mut failed = None;
    let releases = store.compiled().filter_map(|entry| match entry {
        Ok((_, _, json)) => serde_json::from_slice::<Value>(&json).ok(),
        Err(e) => {
            failed.get_or_insert(e);
            None
        }
    });
    let findings = procurement::run(releases, &settings.procurement);
    if let Some(e) = failed {
        return Err(e.into());
    }
    for finding in findings {
        flags.push(finding_flag(store, &finding, &processes)?);
    }
    flags.sort_by(|a, b| a.id.cmp(&b.id));
    flags.dedup_by(|a, b| a.id == b.id);
    for flag in &flags {
        *summary.by_code.entry(flag.code.clone()).or_default() += 1;
        *summary.by_certainty.entry(flag.certainty.as_str().to_string()).or_default() += 1;
    }
    summary.flags = flags.len() as u64;
    summary.changes = store.replace_flags(&flags)?;
    store.set_flags_generation(&generation)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Whether the stored flags reflect the store's data as it is now.
pub fn is_current(store: &Store) -> Result<bool, StoreError> {
    Ok(store.flags_generation()?.as_deref() == Some(store.data_generation()?.as_str()))
}
