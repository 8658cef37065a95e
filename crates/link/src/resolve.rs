//! Following links from a mention to everything it is (probably) the same as, with how sure each
//! step is: the certainty of a chain is that of its weakest link. Flags rest on this, so a flag
//! that needed a `possible` name link says so.

use std::collections::{BTreeMap, VecDeque};

use openreg_model::link::{Label, Link, Mention};
use openreg_store::{Store, StoreError};

/// How a mention was reached from the start: the weakest label on the way, and the steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Reached {
    pub mention: Mention,
    pub label: Label,
    /// Each step: the link (name or judgement), or `None` for a shared identifier, with the
    /// identifier.
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Identifier { from: String, to: String, identifier: String },
    Link(Link),
}

impl Step {
    pub fn label(&self) -> Label {
        match self {
            Step::Identifier { .. } => Label::Confirmed,
            Step::Link(l) => l.label,
        }
    }
}

/// Everything linked to `start` (itself included, at `confirmed`), following identifier groups and
/// links no weaker than `weakest`, at most `limit` mentions. Each mention is reached by the surest
/// chain (breadth-first within each certainty), so a confirmed path is preferred to a probable one.
pub fn linked_set(store: &Store, start: &str, weakest: Label, limit: usize) -> Result<Vec<Reached>, StoreError> {
    let Some((first, _)) = store.mention(start)? else { return Ok(Vec::new()) };
    let mut reached: BTreeMap<String, Reached> = BTreeMap::new();
    reached.insert(start.to_string(), Reached { mention: first, label: Label::Confirmed, steps: Vec::new() });
    // One pass per certainty, surest first: confirmed edges, then probable, then possible.
    for level in [Label::Confirmed, Label::Probable, Label::Possible] {
        if level > weakest {
            break;
        }
        let mut queue: VecDeque<String> = reached.keys().cloned().collect();
        while let Some(id) = queue.pop_front() {
            if reached.len() >= limit {
                break;
            }
            let here = reached[&id].clone();
            let mut next: Vec<(String, Step)> = Vec::new();
            for identifier in &here.mention.identifiers {
                for other in store.mentions_with_identifier(identifier)? {
                    if store.judgement(&id, &other)?.is_some_and(|j| !j.same) {
                        continue;
                    }
                    next.push((
                        other.clone(),
                        Step::Identifier { from: id.clone(), to: other, identifier: identifier.clone() },
                    ));
                }
            }
            for link in store.links_of(&id)? {
                if link.label > level {
                    continue;
                }
                let other = if link.a == id { link.b.clone() } else { link.a.clone() };
                next.push((other, Step::Link(link)));
            }
            for (other, step) in next {
                if reached.contains_key(&other) || reached.len() >= limit {
                    continue;
                }
                let Some((mention, _)) = store.mention(&other)? else { continue };
                let label = here.label.max(step.label());
                let mut steps = here.steps.clone();
                steps.push(step);
                reached.insert(other.clone(), Reached { mention, label, steps });
                queue.push_back(other);
            }
        }
    }
    Ok(reached.into_values().collect())
}
