//! Typo tolerance, the way search engines bound it: a misspelt word is expanded into the indexed
//! words within its edit distance (a Levenshtein automaton run over the term dictionary), at most
//! [`MAX_EXPANSIONS`] of them, the closest and most common first. Each becomes an ordinary scored
//! term, weighted down by its distance, so a one-letter slip ranks above a two-letter one and the
//! cost of a query stays bounded however many similar words the index holds.
//!
//! The expansions of a search are recorded in its cursor, so every page of one search expands a
//! word into the same terms.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use tantivy::schema::Field;
use tantivy::Searcher;
use tantivy_fst::Automaton;

use crate::IndexError;

/// Words a typo may expand into, per field.
pub const MAX_EXPANSIONS: usize = 30;

struct Dfa(DFA);

impl Automaton for Dfa {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// Building an automaton builder is costly (most of all for two edits): one of each, for the process.
fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    match distance {
        1 => ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true)),
        _ => TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true)),
    }
}

/// The indexed words of `field` within `distance` edits of `word` (itself excluded), with their
/// distance: the closest first, then the most common, at most [`MAX_EXPANSIONS`]. Only words with
/// the same first letter are considered (as search engines' `prefix_length` 1): people rarely
/// mistype the first letter of a name, and it spares reading most of the dictionary.
pub fn expand(searcher: &Searcher, field: Field, word: &str, distance: u8) -> Result<Vec<(String, u8)>, IndexError> {
    if distance == 0 {
        return Ok(Vec::new());
    }
    let Some(first) = word.chars().next() else { return Ok(Vec::new()) };
    let low = first.to_string();
    let high = char::from_u32(first as u32 + 1).map(String::from);
    let dfa = builder(distance).build_dfa(word);
    let mut found: BTreeMap<String, (u8, u64)> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut range = inverted.terms().search(Dfa(builder(distance).build_dfa(word))).ge(&low);
        if let Some(high) = &high {
            range = range.lt(high);
        }
        let mut stream = range.into_stream()?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
            if term == word {
                continue;
            }
            let edits = match dfa.eval(term) {
                Distance::Exact(d) => d,
                Distance::AtLeast(_) => continue,
            };
            let entry = found.entry(term.to_string()).or_insert((edits, 0));
            entry.1 += u64::from(stream.value().doc_freq);
        }
    }
    let mut list: Vec<(String, u8, u64)> = found.into_iter().map(|(t, (d, n))| (t, d, n)).collect();
    list.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then_with(|| a.0.cmp(&b.0)));
    list.truncate(MAX_EXPANSIONS);
    Ok(list.into_iter().map(|(t, d, _)| (t, d)).collect())
}
