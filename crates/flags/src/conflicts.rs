//! Flags no procurement-only tool can raise: who owns the suppliers and bidders (BODS, through
//! links), and whether they fund the party that controls the buyer (donations, through links).
//!
//! Every flag here rests on a chain: supplier → (link) → register entity → (relationships) →
//! owner → (link) → donor → donation. The flag's certainty is that of its weakest link, and every
//! step is in its evidence.

use std::collections::{BTreeMap, HashMap};

use openreg_link::names::fingerprint;
use openreg_link::resolve::{linked_set, Reached, Step};
use openreg_model::donation::Donation;
use openreg_model::flag::{ControlPeriod, EvidenceItem, Flag, FlagEntity, Severity};
use openreg_model::link::{Label, MentionKind};
use openreg_model::ownership::{DirectOwner, OwnershipGraph, OwnershipOptions, OwnershipPath, OwnershipReport};
use openreg_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::process::{Party, Process};

pub const UNDISCLOSED: &str = "OR-UNDISCLOSED";
pub const SECRECY: &str = "OR-SECRECY";
pub const CIRCULAR: &str = "OR-CIRCULAR";
pub const NEW_COMPANY: &str = "OR-NEWCO";
pub const DONOR: &str = "OR-DONOR";
pub const DONOR_CONTROL: &str = "OR-DONOR-CONTROL";
pub const SHARED_OWNER: &str = "R032";
pub const SHARED_SHAREHOLDER: &str = "R033";

/// A jurisdiction on the secrecy list, for the period it was on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdiction {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    pub name: String,
    pub from: String,
    #[serde(default)]
    pub to: Option<String>,
    /// Where the listing comes from.
    #[serde(default)]
    pub source: Option<String>,
}

impl Jurisdiction {
    fn covers(&self, date: &str) -> bool {
        let day = &date[..date.len().min(10)];
        self.from.as_str() <= day && self.to.as_deref().is_none_or(|to| day <= to)
    }
}

/// Thresholds of the ownership and political-finance indicators (the `[conflicts]` table of the
/// flags settings file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConflictSettings {
    /// The weakest link a flag may rest on: `confirmed`, `probable` or `possible`. The default,
    /// `probable`, leaves `possible` links (leads, such as a name shared by known namesakes) out.
    pub weakest_link: Label,
    /// R033: a direct shareholder with at least this share (percent) is major.
    pub major_share: f64,
    /// OR-NEWCO: a supplier registered fewer than this many days before the award.
    pub new_company_days: i64,
    /// OR-DONOR: donations this many days before the award, or after it, count.
    pub donation_days_before: i64,
    pub donation_days_after: i64,
    /// OR-SECRECY: the secrecy jurisdictions, each with the period it was listed.
    pub secrecy_jurisdictions: Vec<Jurisdiction>,
    /// How many layers of ownership to follow.
    pub max_depth: usize,
}

impl Default for ConflictSettings {
    fn default() -> Self {
        ConflictSettings {
            weakest_link: Label::Probable,
            major_share: 25.0,
            new_company_days: 365,
            donation_days_before: 365,
            donation_days_after: 365,
            secrecy_jurisdictions: Vec::new(),
            max_depth: 16,
        }
    }
}

fn share_text(min: f64, max: f64) -> String {
    if min == max {
        format!("{min}%")
    } else {
        format!("{min}-{max}%")
    }
}

/// Days since 1970-01-01 of an ISO date (`YYYY-MM-DD…`), if it is one.
pub fn days(date: &str) -> Option<i64> {
    let y: i64 = date.get(..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146097 + doe - 719468)
}

/// A link chain as evidence, one item per step.
fn chain_evidence(reached: &Reached) -> Vec<EvidenceItem> {
    reached.steps.iter().map(step_evidence).collect()
}

fn step_evidence(step: &Step) -> EvidenceItem {
    match step {
        Step::Identifier { from, to, identifier } => EvidenceItem {
            kind: "identifier".into(),
            id: identifier.clone(),
            label: Some(Label::Confirmed),
            score: None,
            text: format!("{from} and {to} both carry the identifier {identifier}"),
        },
        Step::Link(link) => {
            let because: Vec<String> = link
                .evidence
                .iter()
                .map(|e| format!("{} {} ({})", e.field, if e.agrees { "agrees" } else { "disagrees" }, e.detail))
                .collect();
            EvidenceItem {
                kind: "link".into(),
                id: format!("{} ~ {}", link.a, link.b),
                label: Some(link.label),
                score: Some(link.score),
                text: format!(
                    "{} and {} are taken to be the same as a {} link (score {:.2}): {}",
                    link.a,
                    link.b,
                    link.label.as_str(),
                    link.score,
                    because.join("; ")
                ),
            }
        }
    }
}

fn path_evidence(graph: &OwnershipGraph, path: &OwnershipPath) -> EvidenceItem {
    let name = |record: &String| -> String {
        graph
            .entity(record)
            .and_then(|e| e.name.clone())
            .or_else(|| graph.person(record).and_then(|p| p.names.first().cloned()))
            .unwrap_or_else(|| record.clone())
    };
    let chain: Vec<String> = path.records.iter().map(name).collect();
    let end = match (&path.reason, &path.description) {
        (Some(reason), Some(description)) => {
            format!(", then an owner the register does not name ({reason}: {description})")
        }
        (Some(reason), None) => format!(", then an owner the register does not name ({reason})"),
        _ => String::new(),
    };
    let share = share_text(path.min, path.max);
    EvidenceItem {
        kind: "relationship".into(),
        id: path.relationships.join(" > "),
        label: None,
        score: None,
        text: format!("{} is held through {}{end}: effective share {share}", chain[0], chain.join(" ← ")),
    }
}

fn award_evidence(process: &Process, party: &Party) -> EvidenceItem {
    let award = process.awards.iter().find(|a| a.suppliers.contains(&party.id));
    let (id, text) = match award {
        Some(a) => (
            format!("{} award {}", process.ocid, a.id),
            format!(
                "{} won award {} of {}{}{}",
                party.name,
                a.id,
                process.ocid,
                a.date.as_ref().map(|d| format!(" on {}", &d[..d.len().min(10)])).unwrap_or_default(),
                a.amount.map(|v| format!(" worth {v} {}", a.currency.clone().unwrap_or_default())).unwrap_or_default()
            ),
        ),
        None => (process.ocid.clone(), format!("{} bid in {}", party.name, process.ocid)),
    };
    EvidenceItem { kind: "award".into(), id, label: None, score: None, text }
}

fn donation_evidence(d: &Donation) -> EvidenceItem {
    EvidenceItem {
        kind: "donation".into(),
        id: d.id.clone(),
        label: None,
        score: None,
        text: format!(
            "{} gave {} {} to {} on {} ({} line {})",
            d.donor.name,
            d.amount,
            d.currency,
            d.party.name,
            d.date.as_deref().unwrap_or("an unknown date"),
            d.source,
            d.line
        ),
    }
}

/// A register entity a party was found to be, with its owners as of the award.
struct EntityView {
    reached: Reached,
    record: String,
    graph: OwnershipGraph,
    report: OwnershipReport,
    direct: Vec<DirectOwner>,
}

/// A supplier or bidder, with everything it is linked to.
struct Resolved {
    party: Party,
    reached: Vec<Reached>,
    entities: Vec<EntityView>,
}

/// Raises the ownership and political-finance flags of processes, one at a time.
pub struct Conflicts<'a> {
    store: &'a Store,
    settings: &'a ConflictSettings,
    /// A person's key across the register: the first mention id of those confirmed as one.
    person_keys: HashMap<String, String>,
}

impl<'a> Conflicts<'a> {
    pub fn new(store: &'a Store, settings: &'a ConflictSettings) -> Self {
        Conflicts { store, settings, person_keys: HashMap::new() }
    }

    fn resolve(&self, process: &Process, party: &Party) -> Result<Resolved, StoreError> {
        let mention = format!("ocds/{}/{}", process.ocid, party.id);
        let reached = linked_set(self.store, &mention, self.settings.weakest_link, 256)?;
        let options = OwnershipOptions {
            as_of: process.award_date.clone(),
            history: false,
            threshold: None,
            max_depth: self.settings.max_depth,
        };
        let mut entities = Vec::new();
        for r in &reached {
            let Some(record) = r.mention.id.strip_prefix("bods/") else { continue };
            if r.mention.kind != MentionKind::Organisation {
                continue;
            }
            let graph = self.store.ownership_graph_above(record, self.settings.max_depth)?;
            let report = graph.ultimate_owners(record, &options);
            let direct = graph.direct_owners(record, &options);
            entities.push(EntityView { reached: r.clone(), record: record.to_string(), graph, report, direct });
        }
        Ok(Resolved { party: party.clone(), reached, entities })
    }

    fn person_key(&mut self, record: &str) -> Result<String, StoreError> {
        if let Some(key) = self.person_keys.get(record) {
            return Ok(key.clone());
        }
        let mention = format!("bods/{record}");
        let same = linked_set(self.store, &mention, Label::Confirmed, 64)?;
        let key = same.iter().map(|r| r.mention.id.clone()).min().unwrap_or(mention);
        self.person_keys.insert(record.to_string(), key.clone());
        Ok(key)
    }

    /// Every ownership and political-finance flag of one process.
    pub fn flags(&mut self, process: &Process) -> Result<Vec<Flag>, StoreError> {
        let mut flags = Vec::new();
        let mut resolved: BTreeMap<String, Resolved> = BTreeMap::new();
        for party in process.suppliers.iter().chain(&process.tenderers) {
            if !resolved.contains_key(&party.id) {
                resolved.insert(party.id.clone(), self.resolve(process, party)?);
            }
        }
        for supplier in &process.suppliers {
            let r = &resolved[&supplier.id];
            self.ownership_flags(process, r, &mut flags);
            self.donor_flags(process, r, &mut flags)?;
        }
        self.shared_owner_flags(process, &process.tenderers, &resolved, &mut flags)?;
        Ok(flags)
    }

    fn base(&self, code: &str, name: &str, process: &Process, key: &[&str]) -> Flag {
        let mut parts = vec![process.ocid.as_str()];
        parts.extend_from_slice(key);
        Flag {
            id: Flag::make_id(code, &parts),
            code: code.into(),
            name: name.into(),
            ocid: Some(process.ocid.clone()),
            entities: Vec::new(),
            date: process.award_date.clone(),
            severity: Severity::Medium,
            certainty: Label::Confirmed,
            figures: Map::new(),
            thresholds: Map::new(),
            evidence: vec![EvidenceItem {
                kind: "release".into(),
                id: process.ocid.clone(),
                label: None,
                score: None,
                text: format!(
                    "contracting process {}: {}",
                    process.ocid,
                    process.title.as_deref().unwrap_or("(no title)")
                ),
            }],
            policy_areas: vec!["beneficial ownership".into()],
            country: process.country.clone(),
            amount: process.amount,
            currency: process.currency.clone(),
        }
    }

    fn supplier_entity(party: &Party, process: &Process) -> FlagEntity {
        FlagEntity {
            id: format!("ocds/{}/{}", process.ocid, party.id),
            name: party.name.clone(),
            role: "supplier".into(),
        }
    }

    fn ownership_flags(&self, process: &Process, r: &Resolved, flags: &mut Vec<Flag>) {
        let award_date = process.award_date.as_deref();
        for e in &r.entities {
            let entity_name =
                e.graph.entity(&e.record).and_then(|x| x.name.clone()).unwrap_or_else(|| e.record.clone());
            let with_chain = |mut flag: Flag| -> Flag {
                flag.entities.push(Self::supplier_entity(&r.party, process));
                flag.entities.push(FlagEntity {
                    id: e.reached.mention.id.clone(),
                    name: entity_name.clone(),
                    role: "registered company".into(),
                });
                flag.evidence.push(award_evidence(process, &r.party));
                flag.evidence.extend(chain_evidence(&e.reached));
                flag.certainty = flag.certainty.max(e.reached.label);
                flag
            };
            if !e.report.undisclosed.is_empty() {
                let mut flag = with_chain(self.base(
                    UNDISCLOSED,
                    "Supplier with an undisclosed beneficial owner",
                    process,
                    &[&r.party.id, &e.record],
                ));
                let max: f64 = e.report.undisclosed.iter().map(|p| p.max).sum::<f64>().min(100.0);
                flag.figures.insert("undisclosed_chains".into(), json!(e.report.undisclosed.len()));
                flag.figures.insert("undisclosed_share_max".into(), json!(max));
                let reasons: Vec<&str> = e.report.undisclosed.iter().filter_map(|p| p.reason.as_deref()).collect();
                flag.figures.insert("reasons".into(), json!(reasons));
                flag.evidence.extend(e.report.undisclosed.iter().map(|p| path_evidence(&e.graph, p)));
                flags.push(flag);
            }
            if !e.report.cycles.is_empty() {
                let mut flag = with_chain(self.base(
                    CIRCULAR,
                    "Supplier in circular ownership",
                    process,
                    &[&r.party.id, &e.record],
                ));
                flag.figures.insert("cycles".into(), json!(e.report.cycles));
                for cycle in &e.report.cycles {
                    flag.evidence.push(EvidenceItem {
                        kind: "statement".into(),
                        id: cycle.join(" > "),
                        label: None,
                        score: None,
                        text: format!("the register's records own each other in a circle: {}", cycle.join(" ← ")),
                    });
                }
                flags.push(flag);
            }
            // A chain through a secrecy jurisdiction, listed as such on the award date.
            if let Some(date) = award_date {
                let paths = e
                    .report
                    .ultimate_owners
                    .iter()
                    .chain(&e.report.top_entities)
                    .flat_map(|o| &o.paths)
                    .chain(&e.report.undisclosed);
                let mut hits: BTreeMap<String, (&Jurisdiction, &OwnershipPath, String)> = BTreeMap::new();
                for path in paths {
                    for record in &path.records {
                        let Some(entity) = e.graph.entity(record) else { continue };
                        let Some(code) = entity.jurisdiction.as_deref() else { continue };
                        let code = code.to_uppercase();
                        if let Some(j) =
                            self.settings.secrecy_jurisdictions.iter().find(|j| j.code == code && j.covers(date))
                        {
                            hits.entry(record.clone()).or_insert((
                                j,
                                path,
                                entity.name.clone().unwrap_or_else(|| record.clone()),
                            ));
                        }
                    }
                }
                if !hits.is_empty() {
                    let key: Vec<&str> = hits.keys().map(String::as_str).collect();
                    let mut flag = with_chain(self.base(
                        SECRECY,
                        "Ownership chain through a secrecy jurisdiction",
                        process,
                        &[&[r.party.id.as_str(), e.record.as_str()][..], &key].concat(),
                    ));
                    flag.figures.insert(
                        "entities".into(),
                        json!(hits
                            .iter()
                            .map(|(rec, (j, _, n))| json!({"record": rec, "name": n, "jurisdiction": j.code}))
                            .collect::<Vec<_>>()),
                    );
                    flag.thresholds.insert(
                        "secrecy_jurisdictions".into(),
                        json!(hits.values().map(|(j, _, _)| json!({"code": j.code, "name": j.name, "from": j.from, "to": j.to, "source": j.source})).collect::<Vec<_>>()),
                    );
                    for (record, (j, path, n)) in &hits {
                        flag.evidence.push(path_evidence(&e.graph, path));
                        flag.evidence.push(EvidenceItem {
                            kind: "statement".into(),
                            id: record.clone(),
                            label: None,
                            score: None,
                            text: format!(
                                "{n} is registered in {} ({}), on the secrecy list from {}",
                                j.name, j.code, j.from
                            ),
                        });
                    }
                    flags.push(flag);
                }
                // Registered shortly before the award.
                if let Some(founded) = e.graph.entity(&e.record).and_then(|x| x.founding_date.clone()) {
                    if let (Some(f), Some(a)) = (days(&founded), days(date)) {
                        let age = a - f;
                        if (0..self.settings.new_company_days).contains(&age) {
                            let mut flag = with_chain(self.base(
                                NEW_COMPANY,
                                "Supplier registered shortly before the award",
                                process,
                                &[&r.party.id, &e.record],
                            ));
                            flag.figures.insert("founded".into(), json!(founded));
                            flag.figures.insert("award_date".into(), json!(&date[..date.len().min(10)]));
                            flag.figures.insert("days_before_award".into(), json!(age));
                            flag.thresholds.insert("new_company_days".into(), json!(self.settings.new_company_days));
                            flag.severity = Severity::Low;
                            flag.evidence.push(EvidenceItem {
                                kind: "statement".into(),
                                id: e.record.clone(),
                                label: None,
                                score: None,
                                text: format!("{entity_name} was founded on {founded}, {age} days before the award"),
                            });
                            flags.push(flag);
                        }
                    }
                }
            }
        }
    }

    /// Donations by the supplier itself, or by a beneficial owner of the supplier at the time of the
    /// award, within the window around the award; stronger when the party controlled the buyer.
    fn donor_flags(&mut self, process: &Process, r: &Resolved, flags: &mut Vec<Flag>) -> Result<(), StoreError> {
        let Some(award_date) = process.award_date.clone() else { return Ok(()) };
        let Some(award_day) = days(&award_date) else { return Ok(()) };
        // Who may have given: the supplier (its own links), and each owner with the chain to it.
        struct Giver {
            name: String,
            role: String,
            entity_id: String,
            label: Label,
            evidence: Vec<EvidenceItem>,
            donors: Vec<Reached>,
        }
        let mut givers = Vec::new();
        let own: Vec<Reached> = r.reached.iter().filter(|x| x.mention.id.starts_with("donor/")).cloned().collect();
        if !own.is_empty() {
            givers.push(Giver {
                name: r.party.name.clone(),
                role: "supplier".into(),
                entity_id: format!("ocds/{}/{}", process.ocid, r.party.id),
                label: Label::Confirmed,
                evidence: Vec::new(),
                donors: own,
            });
        }
        for e in &r.entities {
            for owner in &e.report.ultimate_owners {
                let mention = format!("bods/{}", owner.record_id);
                let reached = linked_set(self.store, &mention, self.settings.weakest_link, 256)?;
                let donors: Vec<Reached> = reached.into_iter().filter(|x| x.mention.id.starts_with("donor/")).collect();
                if donors.is_empty() {
                    continue;
                }
                let mut evidence = chain_evidence(&e.reached);
                evidence.extend(owner.paths.iter().map(|p| path_evidence(&e.graph, p)));
                givers.push(Giver {
                    name: owner.name.clone().unwrap_or_else(|| owner.record_id.clone()),
                    role: format!("beneficial owner, {}", share_text(owner.min, owner.max)),
                    entity_id: mention,
                    label: e.reached.label,
                    evidence,
                    donors,
                });
            }
        }
        let buyer_periods: Vec<ControlPeriod> = match process.buyer.as_ref().and_then(|b| b.identifier.clone()) {
            Some(key) => self.store.control_periods(&key)?,
            None => Vec::new(),
        };
        for giver in givers {
            // One flag per giver and party: every donation in the window is in it.
            let mut by_party: BTreeMap<String, Vec<(&Reached, Donation, i64)>> = BTreeMap::new();
            for donor in &giver.donors {
                let Some(donation_id) = donor.mention.id.strip_prefix("donor/") else { continue };
                let Some(donation) = self.store.donation(donation_id)? else { continue };
                let Some(day) = donation.date.as_deref().and_then(days) else { continue };
                let offset = day - award_day;
                if offset < -self.settings.donation_days_before || offset > self.settings.donation_days_after {
                    continue;
                }
                by_party.entry(fingerprint(&donation.party.name).text()).or_default().push((donor, donation, offset));
            }
            for (party_key, gifts) in by_party {
                let party_name = gifts[0].1.party.name.clone();
                let control =
                    buyer_periods.iter().find(|p| p.covers(&award_date) && fingerprint(&p.party).text() == party_key);
                let (code, name) = match control {
                    Some(_) => {
                        (DONOR_CONTROL, "Donor-linked supplier won from a buyer controlled by the party it funded")
                    }
                    None => (DONOR, "Supplier or its beneficial owner donated to a party around the award"),
                };
                let mut flag = self.base(code, name, process, &[&r.party.id, &giver.entity_id, &party_key]);
                flag.policy_areas = vec!["political finance".into(), "beneficial ownership".into()];
                flag.severity = if control.is_some() { Severity::High } else { Severity::Medium };
                flag.certainty = gifts.iter().fold(giver.label, |c, (donor, _, _)| c.max(donor.label));
                flag.entities.push(Self::supplier_entity(&r.party, process));
                if giver.role != "supplier" {
                    flag.entities.push(FlagEntity {
                        id: giver.entity_id.clone(),
                        name: giver.name.clone(),
                        role: giver.role.clone(),
                    });
                }
                let mut donors_seen = Vec::new();
                for (donor, donation, _) in &gifts {
                    if !donors_seen.contains(&donor.mention.id) {
                        donors_seen.push(donor.mention.id.clone());
                        flag.entities.push(FlagEntity {
                            id: donor.mention.id.clone(),
                            name: donation.donor.name.clone(),
                            role: "donor".into(),
                        });
                    }
                }
                flag.entities.push(FlagEntity {
                    id: format!("party/{party_name}"),
                    name: party_name.clone(),
                    role: "party".into(),
                });
                if let Some(buyer) = &process.buyer {
                    flag.entities.push(FlagEntity {
                        id: format!("ocds/{}/{}", process.ocid, buyer.id),
                        name: buyer.name.clone(),
                        role: "buyer".into(),
                    });
                }
                let mut totals: BTreeMap<String, f64> = BTreeMap::new();
                for (_, d, _) in &gifts {
                    *totals.entry(d.currency.clone()).or_default() += d.net_amount();
                }
                flag.figures.insert("donations".into(), json!(gifts.len()));
                flag.figures.insert("donated".into(), json!(totals));
                flag.figures.insert(
                    "donation_dates".into(),
                    json!(gifts.iter().map(|(_, d, o)| json!({"date": d.date, "amount": d.amount, "currency": d.currency, "days_from_award": o})).collect::<Vec<_>>()),
                );
                flag.figures.insert("award_date".into(), json!(&award_date[..award_date.len().min(10)]));
                flag.figures.insert("party".into(), json!(party_name));
                flag.thresholds.insert("donation_days_before".into(), json!(self.settings.donation_days_before));
                flag.thresholds.insert("donation_days_after".into(), json!(self.settings.donation_days_after));
                flag.thresholds.insert("weakest_link".into(), json!(self.settings.weakest_link));
                flag.evidence.push(award_evidence(process, &r.party));
                flag.evidence.extend(giver.evidence.iter().cloned());
                for (donor, donation, _) in &gifts {
                    for e in chain_evidence(donor) {
                        if !flag.evidence.contains(&e) {
                            flag.evidence.push(e);
                        }
                    }
                    flag.evidence.push(donation_evidence(donation));
                }
                if let Some(p) = control {
                    flag.evidence.push(EvidenceItem {
                        kind: "control".into(),
                        id: format!("{} {} {}", p.buyer, p.party, p.from),
                        label: None,
                        score: None,
                        text: format!(
                            "{} controlled the buyer {} from {} to {} ({} line {})",
                            p.party,
                            p.buyer,
                            p.from,
                            p.to.as_deref().unwrap_or("now"),
                            p.source,
                            p.line
                        ),
                    });
                }
                flags.push(flag);
            }
        }
        Ok(())
    }

    /// R032: bidders in one process who share a beneficial owner; R033: who share a major direct
    /// shareholder.
    fn shared_owner_flags(
        &mut self,
        process: &Process,
        bidders: &[Party],
        resolved: &BTreeMap<String, Resolved>,
        flags: &mut Vec<Flag>,
    ) -> Result<(), StoreError> {
        // Per bidder: owner key → (name, share text, evidence, weakest label).
        type Held = BTreeMap<String, (String, String, Vec<EvidenceItem>, Label)>;
        let mut owners: Vec<(&Party, Held, Held)> = Vec::new();
        for bidder in bidders {
            let Some(r) = resolved.get(&bidder.id) else { continue };
            let (mut beneficial, mut major): (Held, Held) = (BTreeMap::new(), BTreeMap::new());
            for e in &r.entities {
                for owner in &e.report.ultimate_owners {
                    let Some(person) = e.graph.person(&owner.record_id) else { continue };
                    if person.person_type != openreg_model::bods::PersonType::Known {
                        continue;
                    }
                    let key = self.person_key(&owner.record_id)?;
                    let mut evidence = chain_evidence(&e.reached);
                    evidence.extend(owner.paths.iter().map(|p| path_evidence(&e.graph, p)));
                    beneficial.entry(key).or_insert((
                        owner.name.clone().unwrap_or_else(|| owner.record_id.clone()),
                        share_text(owner.min, owner.max),
                        evidence,
                        e.reached.label,
                    ));
                }
                for d in &e.direct {
                    if d.max < self.settings.major_share {
                        continue;
                    }
                    let key = if d.kind == "person" {
                        self.person_key(&d.record_id)?
                    } else {
                        format!("bods/{}", d.record_id)
                    };
                    let mut evidence = chain_evidence(&e.reached);
                    evidence.push(EvidenceItem {
                        kind: "relationship".into(),
                        id: d.relationship.clone(),
                        label: None,
                        score: None,
                        text: format!(
                            "{} holds {} of {} directly",
                            d.name.clone().unwrap_or_else(|| d.record_id.clone()),
                            share_text(d.min, d.max),
                            e.graph.entity(&e.record).and_then(|x| x.name.clone()).unwrap_or_else(|| e.record.clone())
                        ),
                    });
                    major.entry(key).or_insert((
                        d.name.clone().unwrap_or_else(|| d.record_id.clone()),
                        share_text(d.min, d.max),
                        evidence,
                        e.reached.label,
                    ));
                }
            }
            owners.push((bidder, beneficial, major));
        }
        for i in 0..owners.len() {
            for j in i + 1..owners.len() {
                let (a, a_ben, a_maj) = &owners[i];
                let (b, b_ben, b_maj) = &owners[j];
                if a.id == b.id {
                    continue;
                }
                for (code, name, x, y) in [
                    (SHARED_OWNER, "Bidders share a beneficial owner", a_ben, b_ben),
                    (SHARED_SHAREHOLDER, "Bidders share a major shareholder", a_maj, b_maj),
                ] {
                    for (key, (owner, share_a, ev_a, label_a)) in x {
                        let Some((_, share_b, ev_b, label_b)) = y.get(key) else { continue };
                        let mut flag = self.base(code, name, process, &[&a.id, &b.id, key]);
                        flag.severity = Severity::High;
                        flag.certainty = (*label_a).max(*label_b);
                        for (p, role) in [(a, "bidder"), (b, "bidder")] {
                            flag.entities.push(FlagEntity {
                                id: format!("ocds/{}/{}", process.ocid, p.id),
                                name: p.name.clone(),
                                role: role.into(),
                            });
                        }
                        flag.entities.push(FlagEntity {
                            id: key.clone(),
                            name: owner.clone(),
                            role: "shared owner".into(),
                        });
                        flag.figures.insert("owner".into(), json!(owner));
                        flag.figures.insert("share_in_first".into(), json!(share_a));
                        flag.figures.insert("share_in_second".into(), json!(share_b));
                        if code == SHARED_SHAREHOLDER {
                            flag.thresholds.insert("major_share".into(), json!(self.settings.major_share));
                        }
                        flag.evidence.push(award_evidence(process, a));
                        flag.evidence.push(award_evidence(process, b));
                        flag.evidence.extend(ev_a.iter().cloned());
                        flag.evidence.extend(ev_b.iter().cloned());
                        flags.push(flag);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether a value is in the figures (for tests and explanations).
pub fn figure<'f>(flag: &'f Flag, name: &str) -> Option<&'f Value> {
    flag.figures.get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_across_months_years_and_leap_days() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2024-03-01").unwrap() - days("2024-02-28").unwrap(), 2);
        assert_eq!(days("2025-03-01").unwrap() - days("2025-02-28").unwrap(), 1);
        assert_eq!(days("2025-04-02T12:00:00+04:00").unwrap() - days("2024-11-20").unwrap(), 133);
        assert_eq!(days("2025-13-01"), None);
        assert_eq!(days("soon"), None);
    }

    #[test]
    fn listed_jurisdictions_count_only_while_listed() {
        let j = Jurisdiction {
            code: "CY".into(),
            name: "Cyprus".into(),
            from: "2000-01-01".into(),
            to: Some("2013-12-31".into()),
            source: None,
        };
        assert!(j.covers("2013-12-31T23:00:00Z"));
        assert!(!j.covers("2014-01-01"));
        assert!(!j.covers("1999-12-31"));
    }
}
