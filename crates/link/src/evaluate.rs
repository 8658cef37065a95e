//! Measuring linking against a labelled set: mentions with the truth of who is who, linked by the
//! real code path into a scratch store, then precision and recall per label.
//!
//! The file is JSON Lines, one mention per line, with the fields of a mention and `truth`, the
//! same value for mentions of the same real organisation or person:
//!
//! ```json
//! {"id": "a1", "kind": "person", "name": "Ігор Коломойський", "country": "UA", "truth": "p1"}
//! {"id": "a2", "kind": "person", "name": "Ihor Kolomoisky", "truth": "p1"}
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

use openreg_model::link::{Label, Mention, MentionKind};
use openreg_store::Store;
use serde::{Deserialize, Serialize};

use crate::config::LinkConfig;
use crate::run::{compare_pending_in_chunks, Gathering, LinkError, LinkSummary, COMPARE_CHUNK};

#[derive(Debug, Deserialize)]
struct Labelled {
    id: String,
    kind: MentionKind,
    name: String,
    #[serde(default)]
    other_names: Vec<String>,
    #[serde(default)]
    identifiers: Vec<String>,
    country: Option<String>,
    birth_date: Option<String>,
    postcode: Option<String>,
    truth: String,
}

/// Precision and recall of one label.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LabelScore {
    pub label: String,
    /// Pairs linked with this label, and how many of them are right.
    pub links: u64,
    pub correct: u64,
    pub precision: f64,
    /// Of all pairs that are truly one, the share joined by links of this label or a surer one
    /// (following links from mention to mention).
    pub recall: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    pub mentions: u64,
    pub true_pairs: u64,
    pub labels: Vec<LabelScore>,
    /// Precision of probable and confirmed links together: the goal is 0.99 or better.
    pub precision_probable_or_better: f64,
    /// Recall of probable and confirmed links together: the goal is 0.9 or better.
    pub recall_probable_or_better: f64,
    /// The wrong links, for reading.
    pub false_links: Vec<String>,
    /// True pairs no probable-or-better chain joins, for reading (at most 50).
    pub missed: Vec<String>,
}

/// A labelled file's mentions, each with its truth, in file order.
pub fn read_labelled(input: impl BufRead) -> Result<Vec<(Mention, String)>, LinkError> {
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|e| LinkError::Usage(format!("line {}: {e}", n + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Labelled = serde_json::from_str(&line).map_err(|e| LinkError::Usage(format!("line {}: {e}", n + 1)))?;
        if !ids.insert(l.id.clone()) {
            return Err(LinkError::Usage(format!("line {}: the id {} is used twice", n + 1, l.id)));
        }
        let identifiers: Vec<String> = l
            .identifiers
            .iter()
            .map(|i| openreg_model::identifier::parse_identifier(i).map(|i| i.key()).unwrap_or_else(|| i.clone()))
            .collect();
        let mention = Mention {
            id: l.id,
            kind: l.kind,
            name: l.name,
            other_names: l.other_names,
            identifiers,
            country: l.country,
            birth_date: l.birth_date,
            postcode: l.postcode,
            role: "labelled".into(),
        };
        out.push((mention, l.truth));
    }
    Ok(out)
}

/// Reads a labelled file and evaluates linking on it with `config`.
pub fn evaluate(input: impl BufRead, config: &LinkConfig) -> Result<Evaluation, LinkError> {
    evaluate_in_chunks(input, config, COMPARE_CHUNK)
}

/// [`evaluate`], comparing `chunk` mentions between writes (see [`compare_pending_in_chunks`]).
pub fn evaluate_in_chunks(input: impl BufRead, config: &LinkConfig, chunk: usize) -> Result<Evaluation, LinkError> {
    let labelled = read_labelled(input)?;
    let mut truth: HashMap<String, String> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let dir = tempfile::tempdir().map_err(|e| LinkError::Usage(format!("no scratch directory: {e}")))?;
    let store = Store::open(dir.path())?;
    let mut by_identifier: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut gathering = Gathering::new(&store);
    for (mention, t) in labelled {
        for i in &mention.identifiers {
            by_identifier.entry(i.clone()).or_default().push(mention.id.clone());
        }
        truth.insert(mention.id.clone(), t);
        names.insert(mention.id.clone(), mention.name.clone());
        gathering.add(mention)?;
    }
    gathering.finish()?;
    let mut summary = LinkSummary::default();
    compare_pending_in_chunks(&store, config, &mut summary, &mut |_| {}, chunk)?;

    // Every predicted pair with its label: identifier groups (confirmed) and name links.
    let mut predicted: BTreeMap<(String, String), Label> = BTreeMap::new();
    let pair = |a: &str, b: &str| if a < b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) };
    for ids in by_identifier.values() {
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                predicted.insert(pair(a, b), Label::Confirmed);
            }
        }
    }
    for link in store.links() {
        let link = link?;
        let key = pair(&link.a, &link.b);
        let label = predicted.get(&key).map_or(link.label, |l| (*l).min(link.label));
        predicted.insert(key, label);
    }
    let same = |(a, b): &(String, String)| truth.get(a) == truth.get(b);
    let mut clusters: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, t) in &truth {
        clusters.entry(t.as_str()).or_default().push(id.as_str());
    }
    // In id order, so that the pairs listed as missed are the same on every run.
    for members in clusters.values_mut() {
        members.sort_unstable();
    }
    let true_pairs: u64 = clusters.values().map(|c| (c.len() * c.len().saturating_sub(1) / 2) as u64).sum();

    let mut evaluation = Evaluation { mentions: truth.len() as u64, true_pairs, ..Default::default() };
    let ids: Vec<&String> = truth.keys().collect();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    for label in [Label::Confirmed, Label::Probable, Label::Possible] {
        let mine: Vec<&(String, String)> = predicted.iter().filter(|(_, l)| **l == label).map(|(p, _)| p).collect();
        let correct = mine.iter().filter(|p| same(p)).count() as u64;
        // Recall: true pairs joined through links of this label or surer.
        let mut parent: Vec<usize> = (0..ids.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for ((a, b), l) in &predicted {
            if *l <= label {
                let (ra, rb) = (root(&mut parent, index[a.as_str()]), root(&mut parent, index[b.as_str()]));
                parent[ra] = rb;
            }
        }
        let mut joined = 0u64;
        for members in clusters.values() {
            let mut count: HashMap<usize, u64> = HashMap::new();
            for m in members {
                *count.entry(root(&mut parent, index[m])).or_default() += 1;
            }
            joined += count.values().map(|c| c * c.saturating_sub(1) / 2).sum::<u64>();
        }
        let recall = if true_pairs == 0 { 1.0 } else { joined as f64 / true_pairs as f64 };
        if label == Label::Probable {
            let surer: Vec<&(String, String)> =
                predicted.iter().filter(|(_, l)| **l <= Label::Probable).map(|(p, _)| p).collect();
            let right = surer.iter().filter(|p| same(p)).count();
            evaluation.precision_probable_or_better =
                if surer.is_empty() { 1.0 } else { right as f64 / surer.len() as f64 };
            evaluation.recall_probable_or_better = recall;
            for (a, b) in &surer {
                if !same(&(a.clone(), b.clone())) {
                    evaluation.false_links.push(format!("{a} ({}) ≠ {b} ({})", names[a], names[b]));
                }
            }
            'missed: for members in clusters.values() {
                for (i, a) in members.iter().enumerate() {
                    for b in &members[i + 1..] {
                        if evaluation.missed.len() >= 50 {
                            break 'missed;
                        }
                        if root(&mut parent, index[a]) != root(&mut parent, index[b]) {
                            evaluation.missed.push(format!("{a} ({}) = {b} ({})", names[*a], names[*b]));
                        }
                    }
                }
            }
        }
        if label == Label::Possible {
            for (a, b) in mine.iter().filter(|p| !same(p)) {
                evaluation.false_links.push(format!("possible: {a} ({}) ≠ {b} ({})", names[a], names[b]));
            }
        }
        evaluation.labels.push(LabelScore {
            label: label.as_str().into(),
            links: mine.len() as u64,
            correct,
            precision: if mine.is_empty() { 1.0 } else { correct as f64 / mine.len() as f64 },
            recall,
        });
    }
    Ok(evaluation)
}
