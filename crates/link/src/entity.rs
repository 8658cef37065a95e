//! What a mention or an identifier is linked to: the mentions that share its identifiers
//! (confirmed), and the name links of each, with their labels, scores and evidence.

use std::collections::BTreeSet;

use openreg_model::identifier::parse_identifier;
use openreg_model::link::{Label, Link, Mention};
use openreg_store::{Store, StoreError};
use serde::Serialize;

/// A mention linked to the queried one, and how.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    pub mention: Mention,
    pub label: Label,
    pub score: f64,
    /// `identifier UA-EDR-37609523`, or the name link's evidence.
    pub via: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinksView {
    pub query: String,
    /// The mentions the query names (one for a mention id; all carrying it for an identifier).
    pub mentions: Vec<Mention>,
    pub linked: Vec<Linked>,
    /// Listing stopped at the limit.
    pub truncated: bool,
}

/// Everything linked to `query`: a mention id as `openreg links` prints them, or an identifier in
/// any spelling. At most `limit` linked mentions are listed, strongest first.
pub fn links_for(store: &Store, query: &str, limit: usize) -> Result<Option<LinksView>, StoreError> {
    let mut mentions = Vec::new();
    if let Some((m, _)) = store.mention(query)? {
        mentions.push(m);
    } else if let Some(identifier) = parse_identifier(query) {
        for id in store.mentions_with_identifier(&identifier.key())? {
            if let Some((m, _)) = store.mention(&id)? {
                mentions.push(m);
            }
        }
    }
    if mentions.is_empty() {
        return Ok(None);
    }
    let own: BTreeSet<String> = mentions.iter().map(|m| m.id.clone()).collect();
    let mut seen = own.clone();
    let mut linked = Vec::new();
    let mut truncated = false;
    'outer: for m in &mentions {
        for identifier in &m.identifiers {
            for other in store.mentions_with_identifier(identifier)? {
                if linked.len() >= limit {
                    truncated = true;
                    break 'outer;
                }
                if seen.contains(&other) {
                    continue;
                }
                // A person said these two are not the same: respected even against an identifier.
                if store.judgement(&m.id, &other)?.is_some_and(|j| !j.same) {
                    continue;
                }
                if let Some((mention, _)) = store.mention(&other)? {
                    seen.insert(other);
                    linked.push(Linked {
                        mention,
                        label: Label::Confirmed,
                        score: 1.0,
                        via: format!("identifier {identifier}"),
                        link: None,
                    });
                }
            }
        }
    }
    let mut by_name = Vec::new();
    for m in &mentions {
        for link in store.links_of(&m.id)? {
            let other = if link.a == m.id { &link.b } else { &link.a };
            if seen.contains(other) {
                continue;
            }
            if let Some((mention, _)) = store.mention(other)? {
                seen.insert(other.clone());
                let via = link
                    .evidence
                    .iter()
                    .map(|e| format!("{} {}: {}", e.field, if e.agrees { "agrees" } else { "disagrees" }, e.detail))
                    .collect::<Vec<_>>()
                    .join("; ");
                by_name.push(Linked { mention, label: link.label, score: link.score, via, link: Some(link) });
            }
        }
    }
    by_name.sort_by(|a, b| {
        (a.label, -a.score, &a.mention.id).partial_cmp(&(b.label, -b.score, &b.mention.id)).expect("scores are numbers")
    });
    for l in by_name {
        if linked.len() >= limit {
            truncated = true;
            break;
        }
        linked.push(l);
    }
    Ok(Some(LinksView { query: query.to_string(), mentions, linked, truncated }))
}
