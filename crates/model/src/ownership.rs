//! Who owns what, through any number of layers: the current state of a beneficial-ownership register
//! as a graph, with effective (indirect) shares and cycles that are found, reported and never
//! followed twice.

use std::collections::HashMap;

use serde::Serialize;

use crate::bods::{
    Details, Directness, Entity, Interest, Party, Person, PersonType, RecordStatus, Relationship, Share, Statement,
};

/// How to walk the graph.
#[derive(Debug, Clone)]
pub struct OwnershipOptions {
    /// Show interests as they stood on this date (ISO 8601, compared as written) instead of as now.
    pub as_of: Option<String>,
    /// Include ended interests and closed relationships.
    pub history: bool,
    /// Keep only owners whose effective share may reach this many percent.
    pub threshold: Option<f64>,
    /// Stop after this many layers (reported as truncated, never silently).
    pub max_depth: usize,
}

impl Default for OwnershipOptions {
    fn default() -> Self {
        OwnershipOptions { as_of: None, history: false, threshold: None, max_depth: 64 }
    }
}

/// One chain from the subject to an owner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnershipPath {
    /// Records from the subject to the owner.
    pub records: Vec<String>,
    /// The relationships that link them, in the same order.
    pub relationships: Vec<String>,
    /// The product of the shares along the chain, in percent.
    pub min: f64,
    pub max: f64,
    /// Why the chain ends without a named owner, where it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the register says about an owner it does not name, in its own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An owner at the end of the chains: a person, or an entity with no declared owners.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UltimateOwner {
    pub record_id: String,
    pub name: Option<String>,
    pub kind: &'static str,
    /// Summed over distinct chains, in percent (at most 100).
    pub min: f64,
    pub max: f64,
    /// A share the register itself declares for the indirect interest, where it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_max: Option<f64>,
    pub paths: Vec<OwnershipPath>,
}

/// An owner one layer up, with the share of its own interest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectOwner {
    pub record_id: String,
    pub name: Option<String>,
    pub kind: &'static str,
    pub min: f64,
    pub max: f64,
    pub relationship: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OwnershipReport {
    pub subject: String,
    /// Natural persons at the ends of the chains (anonymous and unknown ones included, marked).
    pub ultimate_owners: Vec<UltimateOwner>,
    /// Entities at the ends of chains with no declared owners of their own (a state, a listed company).
    pub top_entities: Vec<UltimateOwner>,
    /// Chains that end in an owner the register does not name.
    pub undisclosed: Vec<OwnershipPath>,
    /// Cycles met on the way, as the records around them; none is followed twice.
    pub cycles: Vec<Vec<String>>,
    /// Chains cut at the depth limit.
    pub truncated: Vec<OwnershipPath>,
}

/// The register's current state.
#[derive(Debug, Default)]
pub struct OwnershipGraph {
    entities: HashMap<String, Entity>,
    persons: HashMap<String, Person>,
    relationships: HashMap<String, (Relationship, bool)>,
    owners_of: HashMap<String, Vec<String>>,
    held_by: HashMap<String, Vec<String>>,
}

impl OwnershipGraph {
    /// Builds the current state from statements in publication order: the latest statement of a
    /// 0.4 record wins (by `statementDate`, then order), and 0.2/0.3 statements that others replace
    /// drop out.
    pub fn from_statements(statements: impl IntoIterator<Item = Statement>) -> OwnershipGraph {
        let mut latest: HashMap<String, (usize, Statement)> = HashMap::new();
        let mut replaced = std::collections::HashSet::new();
        for (order, statement) in statements.into_iter().enumerate() {
            replaced.extend(statement.replaces.iter().cloned());
            let newer = match latest.get(&statement.record_id) {
                Some((_, current)) => statement.statement_date >= current.statement_date,
                None => true,
            };
            if newer {
                latest.insert(statement.record_id.clone(), (order, statement));
            }
        }
        let mut current: Vec<(usize, Statement)> =
            latest.into_values().filter(|(_, s)| !replaced.contains(&s.statement_id)).collect();
        current.sort_by_key(|(order, _)| *order);
        let mut graph = OwnershipGraph::default();
        for (_, statement) in current {
            let closed = statement.status == RecordStatus::Closed;
            match statement.details {
                Details::Entity(e) => {
                    graph.entities.insert(statement.record_id, e);
                }
                Details::Person(p) => {
                    graph.persons.insert(statement.record_id, p);
                }
                Details::Relationship(r) => {
                    if let Party::Record(subject) = &r.subject {
                        graph.owners_of.entry(subject.clone()).or_default().push(statement.record_id.clone());
                    }
                    if let Party::Record(owner) = &r.interested_party {
                        graph.held_by.entry(owner.clone()).or_default().push(statement.record_id.clone());
                    }
                    graph.relationships.insert(statement.record_id, (r, closed));
                }
            }
        }
        graph
    }

    pub fn entity(&self, record_id: &str) -> Option<&Entity> {
        self.entities.get(record_id)
    }

    pub fn person(&self, record_id: &str) -> Option<&Person> {
        self.persons.get(record_id)
    }

    /// A relationship that counts under the options (not closed, an interest active), with its
    /// active interests.
    fn active(&self, relationship_id: &str, options: &OwnershipOptions) -> Option<(&Relationship, Vec<&Interest>)> {
        let (relationship, closed) = self.relationships.get(relationship_id)?;
        if *closed && !options.history {
            return None;
        }
        let active: Vec<_> = relationship
            .interests
            .iter()
            .filter(|i| {
                options.history
                    || match &options.as_of {
                        Some(date) => {
                            i.start_date.as_deref().is_none_or(|s| s <= date.as_str())
                                && i.end_date.as_deref().is_none_or(|e| e > date.as_str())
                        }
                        None => i.end_date.is_none(),
                    }
            })
            .collect();
        if !relationship.interests.is_empty() && active.is_empty() {
            return None;
        }
        Some((relationship, active))
    }

    /// Whether a relationship counts under the options, and the share it carries (unknown: 0-100).
    fn edge(&self, relationship_id: &str, options: &OwnershipOptions) -> Option<(&Relationship, Share)> {
        let (relationship, active) = self.active(relationship_id, options)?;
        // A relationship that lists the records of a chain (`componentRecords`,
        // `componentStatementIDs`) summarises it. Where a link of that chain is in the register and
        // counts, the chain is walked and the summary is not: counting both would count the same
        // ownership twice. The summary need not say its interest is indirect (lib-cove-bods' own
        // valid example gives it no interests at all).
        let summary = relationship.component_records.iter().any(|c| self.active(c, options).is_some());
        if summary {
            return None;
        }
        let share = active
            .iter()
            .find(|i| i.interest_type.as_deref() == Some("shareholding") && i.share.is_some())
            .or_else(|| active.iter().find(|i| i.share.is_some()))
            .and_then(|i| i.share)
            .unwrap_or_else(Share::unknown);
        Some((relationship, share))
    }

    /// A share the register declares for `owner`'s indirect interest in `subject`.
    fn declared(&self, subject: &str, owner: &str) -> Option<Share> {
        self.owners_of.get(subject)?.iter().find_map(|id| {
            let (r, closed) = self.relationships.get(id)?;
            if *closed || r.interested_party != Party::Record(owner.to_string()) {
                return None;
            }
            r.interests.iter().find(|i| i.directness == Directness::Indirect && i.share.is_some()).and_then(|i| i.share)
        })
    }

    /// The direct owners of `subject` (one layer), with the share each holds and the relationship
    /// that says so; owners the register does not name are left out (see `ultimate_owners`).
    pub fn direct_owners(&self, subject: &str, options: &OwnershipOptions) -> Vec<DirectOwner> {
        let mut out = Vec::new();
        for relationship_id in self.owners_of.get(subject).into_iter().flatten() {
            let Some((relationship, share)) = self.edge(relationship_id, options) else { continue };
            if let Party::Record(owner) = &relationship.interested_party {
                let (name, kind) = match (self.persons.get(owner), self.entities.get(owner)) {
                    (Some(p), _) => (p.names.first().cloned(), "person"),
                    (None, Some(e)) => (e.name.clone(), "entity"),
                    (None, None) => (None, "unknown"),
                };
                out.push(DirectOwner {
                    record_id: owner.clone(),
                    name,
                    kind,
                    min: share.minimum,
                    max: share.maximum,
                    relationship: relationship_id.clone(),
                });
            }
        }
        out
    }

    /// The ultimate owners of `subject`, through chains of any depth.
    pub fn ultimate_owners(&self, subject: &str, options: &OwnershipOptions) -> OwnershipReport {
        let mut report = OwnershipReport { subject: subject.to_string(), ..OwnershipReport::default() };
        let mut owners: Vec<UltimateOwner> = Vec::new();
        let mut tops: Vec<UltimateOwner> = Vec::new();
        let mut walk = Walk { records: vec![subject.to_string()], relationships: Vec::new() };
        self.walk_up(subject, 100.0, 100.0, options, &mut walk, &mut report, &mut owners, &mut tops);
        for owner in owners.iter_mut() {
            if let Some(share) = self.declared(subject, &owner.record_id) {
                owner.declared_min = Some(share.minimum);
                owner.declared_max = Some(share.maximum);
            }
        }
        let keep = |o: &UltimateOwner| options.threshold.is_none_or(|t| o.max >= t);
        owners.retain(keep);
        tops.retain(keep);
        report.ultimate_owners = owners;
        report.top_entities = tops;
        report
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_up(
        &self,
        node: &str,
        min: f64,
        max: f64,
        options: &OwnershipOptions,
        walk: &mut Walk,
        report: &mut OwnershipReport,
        owners: &mut Vec<UltimateOwner>,
        tops: &mut Vec<UltimateOwner>,
    ) {
        let Some(relationship_ids) = self.owners_of.get(node) else { return };
        for relationship_id in relationship_ids {
            let Some((relationship, share)) = self.edge(relationship_id, options) else { continue };
            let (min, max) = (min * share.minimum / 100.0, max * share.maximum / 100.0);
            walk.relationships.push(relationship_id.clone());
            match &relationship.interested_party {
                Party::Unspecified { reason, description } => {
                    let path = walk.path(None, min, max, reason.clone());
                    report.undisclosed.push(OwnershipPath { description: description.clone(), ..path });
                }
                Party::Record(owner) => {
                    if let Some(cycle) = walk.cycle_to(owner) {
                        if !report.cycles.contains(&cycle) {
                            report.cycles.push(cycle);
                        }
                    } else if let Some(person) = self.persons.get(owner) {
                        let path = walk.path(Some(owner), min, max, None);
                        if person.person_type != PersonType::Known {
                            report.undisclosed.push(OwnershipPath {
                                reason: Some(person.unspecified_reason.clone().unwrap_or_else(|| {
                                    if person.person_type == PersonType::Anonymous {
                                        "anonymousPerson"
                                    } else {
                                        "unknownPerson"
                                    }
                                    .into()
                                })),
                                ..path.clone()
                            });
                        }
                        add(owners, owner, person.names.first().cloned(), "person", path);
                    } else if walk.relationships.len() >= options.max_depth {
                        report.truncated.push(walk.path(Some(owner), min, max, Some("depth limit".into())));
                    } else {
                        let has_owners = self
                            .owners_of
                            .get(owner)
                            .is_some_and(|ids| ids.iter().any(|id| self.edge(id, options).is_some()));
                        if has_owners {
                            walk.records.push(owner.clone());
                            self.walk_up(owner, min, max, options, walk, report, owners, tops);
                            walk.records.pop();
                        } else {
                            let name = self.entities.get(owner).and_then(|e| e.name.clone());
                            add(tops, owner, name, "entity", walk.path(Some(owner), min, max, None));
                        }
                    }
                }
            }
            walk.relationships.pop();
        }
    }
}

/// What a person or entity owns or controls, directly or through others.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HoldingsReport {
    pub owner: String,
    /// Every entity reached, with the owner's effective share in it and the chains.
    pub holdings: Vec<UltimateOwner>,
    pub cycles: Vec<Vec<String>>,
    pub truncated: Vec<OwnershipPath>,
}

impl OwnershipGraph {
    /// Everything `owner` holds, directly or through the entities it holds, with effective shares.
    pub fn holdings(&self, owner: &str, options: &OwnershipOptions) -> HoldingsReport {
        let mut report = HoldingsReport { owner: owner.to_string(), ..HoldingsReport::default() };
        let mut walk = Walk { records: vec![owner.to_string()], relationships: Vec::new() };
        let mut holdings = Vec::new();
        self.walk_down(owner, 100.0, 100.0, options, &mut walk, &mut report, &mut holdings);
        holdings.retain(|h: &UltimateOwner| options.threshold.is_none_or(|t| h.max >= t));
        report.holdings = holdings;
        report
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_down(
        &self,
        node: &str,
        min: f64,
        max: f64,
        options: &OwnershipOptions,
        walk: &mut Walk,
        report: &mut HoldingsReport,
        holdings: &mut Vec<UltimateOwner>,
    ) {
        let Some(relationship_ids) = self.held_by.get(node) else { return };
        for relationship_id in relationship_ids {
            let Some((relationship, share)) = self.edge(relationship_id, options) else { continue };
            let Party::Record(subject) = &relationship.subject else { continue };
            let (min, max) = (min * share.minimum / 100.0, max * share.maximum / 100.0);
            walk.relationships.push(relationship_id.clone());
            if let Some(cycle) = walk.cycle_to(subject) {
                if !report.cycles.contains(&cycle) {
                    report.cycles.push(cycle);
                }
            } else {
                let name = self.entities.get(subject).and_then(|e| e.name.clone());
                add(holdings, subject, name, "entity", walk.path(Some(subject), min, max, None));
                if walk.relationships.len() >= options.max_depth {
                    report.truncated.push(walk.path(Some(subject), min, max, Some("depth limit".into())));
                } else {
                    walk.records.push(subject.clone());
                    self.walk_down(subject, min, max, options, walk, report, holdings);
                    walk.records.pop();
                }
            }
            walk.relationships.pop();
        }
    }
}

/// The chain being walked.
struct Walk {
    records: Vec<String>,
    relationships: Vec<String>,
}

impl Walk {
    /// The cycle closed by stepping to `record`, when it is already on the walk.
    fn cycle_to(&self, record: &String) -> Option<Vec<String>> {
        let start = self.records.iter().position(|r| r == record)?;
        let mut cycle = self.records[start..].to_vec();
        cycle.push(record.clone());
        Some(cycle)
    }

    fn path(&self, owner: Option<&String>, min: f64, max: f64, reason: Option<String>) -> OwnershipPath {
        let mut records = self.records.clone();
        records.extend(owner.cloned());
        OwnershipPath { records, relationships: self.relationships.clone(), min, max, reason, description: None }
    }
}

/// Adds a chain to an owner, summing shares over distinct chains (never past 100%).
fn add(
    owners: &mut Vec<UltimateOwner>,
    record_id: &str,
    name: Option<String>,
    kind: &'static str,
    path: OwnershipPath,
) {
    match owners.iter_mut().find(|o| o.record_id == record_id) {
        Some(owner) => {
            owner.min = (owner.min + path.min).min(100.0);
            owner.max = (owner.max + path.max).min(100.0);
            owner.paths.push(path);
        }
        None => owners.push(UltimateOwner {
            record_id: record_id.to_string(),
            name,
            kind,
            min: path.min,
            max: path.max.min(100.0),
            declared_min: None,
            declared_max: None,
            paths: vec![path],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bods::parse_statement;
    use serde_json::json;

    fn entity(id: &str) -> Statement {
        parse_statement(&json!({"statementId": format!("s-{id}"), "recordId": id, "recordType": "entity",
            "recordDetails": {"entityType": {"type": "registeredEntity"}, "name": id}}))
        .unwrap()
    }

    fn person(id: &str) -> Statement {
        parse_statement(&json!({"statementId": format!("s-{id}"), "recordId": id, "recordType": "person",
            "recordDetails": {"personType": "knownPerson", "names": [{"fullName": id}]}}))
        .unwrap()
    }

    fn owns(id: &str, owner: &str, subject: &str, share: serde_json::Value) -> Statement {
        parse_statement(&json!({"statementId": format!("s-{id}"), "recordId": id, "recordType": "relationship",
            "recordDetails": {"subject": subject, "interestedParty": owner,
                "interests": [{"type": "shareholding", "directOrIndirect": "direct", "share": share}]}}))
        .unwrap()
    }

    #[test]
    fn shares_multiply_along_chains_and_add_across_them() {
        let graph = OwnershipGraph::from_statements([
            entity("A"),
            entity("B"),
            person("P1"),
            person("P2"),
            owns("r1", "P1", "A", json!({"exact": 60})),
            owns("r2", "B", "A", json!({"exact": 40})),
            owns("r3", "P1", "B", json!({"exact": 50})),
            owns("r4", "P2", "B", json!({"minimum": 25, "maximum": 50})),
        ]);
        let report = graph.ultimate_owners("A", &OwnershipOptions::default());
        let p1 = report.ultimate_owners.iter().find(|o| o.record_id == "P1").unwrap();
        assert!((p1.min - 80.0).abs() < 1e-9 && (p1.max - 80.0).abs() < 1e-9, "{p1:?}");
        assert_eq!(p1.paths.len(), 2);
        let p2 = report.ultimate_owners.iter().find(|o| o.record_id == "P2").unwrap();
        assert!((p2.min - 10.0).abs() < 1e-9 && (p2.max - 20.0).abs() < 1e-9, "{p2:?}");
        let over_15 = graph.ultimate_owners("A", &OwnershipOptions { threshold: Some(25.0), ..Default::default() });
        assert_eq!(over_15.ultimate_owners.len(), 1);
    }

    #[test]
    fn cycles_terminate_and_never_count_twice() {
        let graph = OwnershipGraph::from_statements([
            entity("A"),
            entity("B"),
            person("P"),
            owns("r1", "B", "A", json!({"exact": 100})),
            owns("r2", "A", "B", json!({"exact": 50})),
            owns("r3", "P", "B", json!({"exact": 50})),
        ]);
        let report = graph.ultimate_owners("A", &OwnershipOptions::default());
        assert_eq!(report.cycles, [vec!["A".to_string(), "B".into(), "A".into()]]);
        let p = &report.ultimate_owners[0];
        assert!((p.max - 50.0).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn holdings_follow_chains_down() {
        let graph = OwnershipGraph::from_statements([
            entity("A"),
            entity("B"),
            entity("C"),
            person("P"),
            owns("r1", "P", "A", json!({"exact": 50})),
            owns("r2", "A", "B", json!({"exact": 40})),
            owns("r3", "B", "C", json!({"exact": 100})),
            owns("r4", "C", "A", json!({"exact": 10})),
        ]);
        let report = graph.holdings("P", &OwnershipOptions::default());
        let share = |id: &str| report.holdings.iter().find(|h| h.record_id == id).map(|h| h.max).unwrap();
        assert!((share("A") - 50.0).abs() < 1e-9);
        assert!((share("B") - 20.0).abs() < 1e-9);
        assert!((share("C") - 20.0).abs() < 1e-9);
        assert_eq!(report.cycles.len(), 1, "C holds A: a cycle, followed once");
    }

    /// lib-cove-bods' valid example of components (`statement_entity_is_component-valid-1`): the
    /// summary relationship lists the chain's records and has no interests. It used to be walked as
    /// well as the chain, reaching the person twice.
    #[test]
    fn a_summary_without_interests_is_not_walked_beside_its_chain() {
        let summary = parse_statement(&json!({"statementId": "s-sum", "recordId": "sum", "recordType": "relationship",
            "recordDetails": {"subject": "A", "interestedParty": "P", "componentRecords": ["B", "r1", "r2"]}}))
        .unwrap();
        let statements = || {
            vec![
                entity("A"),
                entity("B"),
                person("P"),
                owns("r1", "B", "A", json!({"exact": 50})),
                owns("r2", "P", "B", json!({"exact": 40})),
                summary.clone(),
            ]
        };
        let report = OwnershipGraph::from_statements(statements()).ultimate_owners("A", &OwnershipOptions::default());
        assert_eq!(report.ultimate_owners.len(), 1);
        let p = &report.ultimate_owners[0];
        assert_eq!(p.paths.len(), 1, "{p:?}");
        assert_eq!(p.paths[0].records, ["A", "B", "P"]);
        assert!((p.min - 20.0).abs() < 1e-9 && (p.max - 20.0).abs() < 1e-9, "{p:?}");

        // When the chain is not in the register, the summary is all there is, and it is walked.
        let alone = OwnershipGraph::from_statements([entity("A"), person("P"), summary.clone()]);
        let report = alone.ultimate_owners("A", &OwnershipOptions::default());
        assert_eq!(report.ultimate_owners[0].paths[0].relationships, ["sum"]);
        assert_eq!((report.ultimate_owners[0].min, report.ultimate_owners[0].max), (0.0, 100.0));
    }

    #[test]
    fn an_unnamed_owner_keeps_the_registers_words() {
        let graph = OwnershipGraph::from_statements([
            entity("A"),
            parse_statement(&json!({"statementId": "s-u", "recordId": "u", "recordType": "relationship",
                "recordDetails": {"subject": "A", "interestedParty": {"reason": "subjectUnableToConfirmOrIdentifyBeneficialOwner",
                    "description": "No owner above the threshold could be identified."}}}))
            .unwrap(),
        ]);
        let report = graph.ultimate_owners("A", &OwnershipOptions::default());
        assert_eq!(report.undisclosed.len(), 1);
        let path = &report.undisclosed[0];
        assert_eq!(path.reason.as_deref(), Some("subjectUnableToConfirmOrIdentifyBeneficialOwner"));
        assert_eq!(path.description.as_deref(), Some("No owner above the threshold could be identified."));
    }

    #[test]
    fn depth_limits_are_reported() {
        let mut statements = vec![person("P")];
        for i in 0..20 {
            statements.push(entity(&format!("E{i}")));
            if i > 0 {
                statements.push(owns(
                    &format!("r{i}"),
                    &format!("E{i}"),
                    &format!("E{}", i - 1),
                    json!({"exact": 100}),
                ));
            }
        }
        statements.push(owns("rp", "P", "E19", json!({"exact": 100})));
        let graph = OwnershipGraph::from_statements(statements);
        let deep = graph.ultimate_owners("E0", &OwnershipOptions::default());
        assert_eq!(deep.ultimate_owners[0].paths[0].relationships.len(), 20);
        let shallow = graph.ultimate_owners("E0", &OwnershipOptions { max_depth: 5, ..Default::default() });
        assert!(shallow.ultimate_owners.is_empty());
        assert_eq!(shallow.truncated.len(), 1);
    }
}
