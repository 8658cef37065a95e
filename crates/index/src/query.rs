//! From what a person types to a tantivy query.
//!
//! - Words: each must match, in any script and spelling: as written, in Latin letters, by its
//!   skeleton (romanisation variants), or with a typo (one edit in words of 4-7 letters, two from
//!   8; see [`crate::fuzzy`]). Exact matches score highest; names score above titles and
//!   descriptions.
//! - `"a phrase"`: the words next to each other, in any script.
//! - `word*`: a prefix, for type-ahead.
//! - Identifiers (`UA-EDR-37609523`, `UA-EDR 37609523`, `GB-COH 00507062`, an ocid, or a bare
//!   number such as `37609523`): exact terms.
//! - Legal forms (`LLC`, `ТОВ`, `შპს`) only add to the score; titles (`Mr`) are ignored.
//! - An empty query (or `*`) matches everything, to browse with filters.

use std::ops::Bound;

use openreg_link::fingerprint;
use openreg_model::identifier::parse_identifier;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};

/// Expands a word into the indexed words a typo away: (field, word, edits) → (word, distance)s.
/// See [`crate::fuzzy`].
pub type Expander<'a> = dyn FnMut(Field, &str, u8) -> Result<Vec<(String, u8)>, IndexError> + 'a;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::analysis::{typo_distance, words, Word};
use crate::document::{days_from_civil, filter_keys, DocKind};
use crate::schema::Fields;
use crate::IndexError;

/// How much a match in each field counts.
const NAME_BOOST: f32 = 3.0;
const PARTIES_BOOST: f32 = 1.5;
const TEXT_BOOST: f32 = 1.0;
const SKELETON_BOOST: f32 = 1.0;
const IDENT_BOOST: f32 = 6.0;
/// A word a typo away counts this much of an exact match: one edit, two edits.
const TYPO_WEIGHT: [f32; 3] = [1.0, 0.3, 0.12];
const PREFIX_SCORE: f32 = 0.6;
const FORM_BOOST: f32 = 0.2;

/// One `--filter FIELD=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: String,
    pub value: String,
}

/// The filters `--filter` accepts, with what each takes (shown by `openreg search --help`).
pub const FILTERS: &[(&str, &str)] = &[
    ("type", "contract, organization, person or donation"),
    ("buyer", "a buyer's identifier (UA-EDR-04055915) or name, in any script"),
    ("supplier", "a supplier's identifier or name"),
    ("party", "the party that received a donation (name or id)"),
    ("country", "ISO code: UA, GE, GB, ..."),
    ("date", "2025, 2025-03, 2025-03-01, or a range 2025-01..2025-06 (either end may be left open)"),
    ("value", "an amount or a range: 100000.. or 1000..50000"),
    ("method", "procurement method: open, selective, limited, direct"),
    ("status", "tender or contract status: active, complete, cancelled, ..."),
    ("category", "goods, works, services; for donations money, in_kind, membership_fee, ..."),
    ("role", "buyer, procuringEntity, supplier, tenderer, beneficial_owner, donor, party, ..."),
    ("currency", "UAH, GEL, GBP, ..."),
];

impl Filter {
    /// Reads `FIELD=VALUE`.
    pub fn parse(text: &str) -> Result<Filter, IndexError> {
        let (field, value) =
            text.split_once('=').ok_or_else(|| IndexError::Query(format!("a filter is FIELD=VALUE, not {text:?}")))?;
        let field = field.trim().to_lowercase().replace('-', "_");
        let field = match field.as_str() {
            "procurement_method" | "procurementmethod" => "method".to_string(),
            "kind" => "type".to_string(),
            _ => field,
        };
        if !FILTERS.iter().any(|(name, _)| *name == field) {
            let names: Vec<&str> = FILTERS.iter().map(|(n, _)| *n).collect();
            return Err(IndexError::Query(format!("no filter {field:?}; filters are {}", names.join(", "))));
        }
        Ok(Filter { field, value: value.trim().to_string() })
    }
}

/// What the query asks, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Word(String),
    Prefix(String),
    Phrase(String),
    Identifier(String),
}

/// Splits a query into words, prefixes, phrases and identifiers.
fn parts(query: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut rest = query.trim();
    let mut loose: Vec<String> = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = after.split_once('"').unwrap_or((after, ""));
            out.push(Part::Phrase(phrase.to_string()));
            rest = tail.trim_start();
            continue;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
        loose.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
        if rest.starts_with('"') || rest.is_empty() {
            out.extend(loose_parts(&std::mem::take(&mut loose)));
        }
    }
    out
}

/// Whether a token looks like an identifier scheme (`UA-EDR`, `GEO-TAXID`, `GB-COH`).
fn is_scheme(token: &str) -> bool {
    let mut pieces = token.split('-');
    let (Some(a), Some(b), None) = (pieces.next(), pieces.next(), pieces.next()) else { return false };
    (2..=3).contains(&a.len())
        && a.bytes().all(|c| c.is_ascii_alphabetic())
        && (2..=8).contains(&b.len())
        && b.bytes().all(|c| c.is_ascii_alphabetic())
}

fn as_identifier(text: &str) -> Option<String> {
    let parsed = parse_identifier(text)?;
    parsed.id.bytes().any(|b| b.is_ascii_digit()).then(|| parsed.key())
}

fn loose_parts(tokens: &[String]) -> Vec<Part> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        // `UA-EDR 37609523`: a scheme and its number written apart.
        if is_scheme(token) {
            if let Some(key) = tokens.get(i + 1).and_then(|next| as_identifier(&format!("{token} {next}"))) {
                out.push(Part::Identifier(key));
                i += 2;
                continue;
            }
        }
        if let Some(key) = as_identifier(token).filter(|_| token.contains('-') || token.contains(':')) {
            out.push(Part::Identifier(key));
        } else if let Some(prefix) = token.strip_suffix('*').filter(|p| !p.is_empty()) {
            out.push(Part::Prefix(prefix.to_string()));
        } else if token != "*" {
            out.push(Part::Word(token.clone()));
        }
        i += 1;
    }
    out
}

fn boxed(query: impl Query) -> Box<dyn Query> {
    Box::new(query)
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn term_query(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    boxed(BoostQuery::new(boxed(TermQuery::new(term(field, text), IndexRecordOption::WithFreqs)), boost))
}

fn should(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match clauses.len() {
        0 => boxed(EmptyQuery),
        _ => boxed(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect())),
    }
}

/// Every way one word may match.
fn word_query(f: &Fields, word: &Word, raw: &str, expand: &mut Expander) -> Result<Box<dyn Query>, IndexError> {
    let mut clauses = Vec::new();
    let mut forms = vec![word.original.as_str()];
    if word.latin != word.original && !word.latin.is_empty() {
        forms.push(word.latin.as_str());
    }
    for form in &forms {
        clauses.push(term_query(f.name, form, NAME_BOOST));
        clauses.push(term_query(f.parties, form, PARTIES_BOOST));
        clauses.push(term_query(f.text, form, TEXT_BOOST));
    }
    if !word.skeleton.is_empty() {
        let distance = typo_distance(&word.skeleton);
        for (field, boost) in
            [(f.skeleton, SKELETON_BOOST), (f.parties_skeleton, SKELETON_BOOST * PARTIES_BOOST / NAME_BOOST)]
        {
            clauses.push(term_query(field, &word.skeleton, boost));
            for (similar, edits) in expand(field, &word.skeleton, distance)? {
                clauses.push(term_query(field, &similar, boost * TYPO_WEIGHT[usize::from(edits.min(2))]));
            }
        }
    }
    // A bare number may be an identifier's (`37609523` finds UA-EDR-37609523).
    clauses.push(term_query(f.ident, &raw.to_lowercase(), IDENT_BOOST));
    Ok(should(clauses))
}

fn prefix_query(f: &Fields, word: &Word) -> Box<dyn Query> {
    let mut clauses = Vec::new();
    let mut forms = vec![word.original.as_str()];
    if word.latin != word.original {
        forms.push(word.latin.as_str());
    }
    // Weighted as the fields are: a name starting so above a title word starting so.
    for (field, weight) in [(f.name, NAME_BOOST), (f.parties, PARTIES_BOOST), (f.text, TEXT_BOOST)] {
        for form in &forms {
            let prefix = FuzzyTermQuery::new_prefix(term(field, form), 0, false);
            clauses.push(boxed(ConstScoreQuery::new(boxed(prefix), PREFIX_SCORE * weight / NAME_BOOST)));
        }
    }
    clauses.push(term_query(f.name, &word.original, NAME_BOOST));
    should(clauses)
}

fn phrase_query(f: &Fields, text: &str, expand: &mut Expander) -> Result<Option<Box<dyn Query>>, IndexError> {
    let words = words(text);
    Ok(match words.len() {
        0 => None,
        1 => Some(word_query(f, &words[0], &text.trim().to_lowercase(), expand)?),
        _ => {
            let mut clauses = Vec::new();
            let originals: Vec<&str> = words.iter().map(|w| w.original.as_str()).collect();
            let latins: Vec<&str> = words.iter().map(|w| w.latin.as_str()).collect();
            for (field, boost) in [(f.name, NAME_BOOST), (f.parties, PARTIES_BOOST), (f.text, TEXT_BOOST)] {
                for forms in [&originals, &latins] {
                    let terms: Vec<Term> = forms.iter().map(|w| term(field, w)).collect();
                    clauses.push(boxed(BoostQuery::new(boxed(PhraseQuery::new(terms)), boost)));
                    if originals == latins {
                        break;
                    }
                }
            }
            Some(should(clauses))
        }
    })
}

/// The query for what a person typed (filters apart).
pub fn text_query(f: &Fields, text: &str, expand: &mut Expander) -> Result<Box<dyn Query>, IndexError> {
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    let mut optional: Vec<Box<dyn Query>> = Vec::new();
    for part in parts(text) {
        match part {
            Part::Identifier(key) => {
                let mut alternatives = vec![term_query(f.ident, &key.to_lowercase(), IDENT_BOOST)];
                if let Some(parsed) = parse_identifier(&key) {
                    // An ocid or a raw id typed whole is also kept whole.
                    let raw = format!("{}-{}", parsed.scheme, parsed.id).to_lowercase();
                    if raw != key.to_lowercase() {
                        alternatives.push(term_query(f.ident, &raw, IDENT_BOOST));
                    }
                }
                must.push(should(alternatives));
            }
            Part::Phrase(phrase) => must.extend(phrase_query(f, &phrase, expand)?),
            Part::Prefix(prefix) => {
                for word in words(&prefix) {
                    must.push(prefix_query(f, &word));
                }
            }
            Part::Word(raw) => {
                let print = fingerprint(&raw);
                if print.words.is_empty() {
                    // A legal form counts a little; a title not at all.
                    for form in print.forms {
                        optional.push(term_query(f.form, form, FORM_BOOST));
                    }
                    continue;
                }
                let analysed = words(&raw);
                if analysed.len() == 1 {
                    must.push(word_query(f, &analysed[0], &raw, expand)?);
                } else {
                    // `O'Brien-Smith`, `ТОВ«Альфа»`: each word must match, and the whole as an identifier may.
                    for word in &analysed {
                        must.push(word_query(f, word, &word.original, expand)?);
                    }
                }
            }
        }
    }
    if must.is_empty() && optional.is_empty() {
        return Ok(boxed(AllQuery));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = must.into_iter().map(|q| (Occur::Must, q)).collect();
    clauses.extend(optional.into_iter().map(|q| (Occur::Should, q)));
    Ok(boxed(BooleanQuery::new(clauses)))
}

/// The words a query looks for, as typed (to mark them in snippets), and its prefixes.
pub fn highlight_words(text: &str) -> (Vec<Word>, Vec<Word>) {
    let (mut exact, mut prefixes) = (Vec::new(), Vec::new());
    for part in parts(text) {
        match part {
            Part::Word(w) | Part::Phrase(w) => exact.extend(words(&w)),
            Part::Prefix(p) => prefixes.extend(words(&p)),
            Part::Identifier(_) => {}
        }
    }
    (exact, prefixes)
}

/// `2025` → [2025-01-01, 2026-01-01); `2025-03` → the month; `2025-03-01` → the day.
fn period(text: &str) -> Result<(i64, i64), IndexError> {
    let bad = || IndexError::Query(format!("{text:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"));
    let parts: Vec<&str> = text.trim().split('-').collect();
    let number = |s: &str| s.parse::<i32>().map_err(|_| bad());
    let days = |y: i32, m: u32, d: u32| days_from_civil(y, m, d) * 86_400;
    match parts.as_slice() {
        [y] => {
            let y = number(y)?;
            Ok((days(y, 1, 1), days(y + 1, 1, 1)))
        }
        [y, m] => {
            let (y, m) = (number(y)?, number(m)? as u32);
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Ok((days(y, m, 1), days(ny, nm, 1)))
        }
        [y, m, d] => {
            let (y, m, d) = (number(y)?, number(m)? as u32, number(d)? as u32);
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return Err(bad());
            }
            let start = days(y, m, d);
            Ok((start, start + 86_400))
        }
        _ => Err(bad()),
    }
}

fn date_term(field: Field, secs: i64) -> Term {
    Term::from_field_date(field, tantivy::DateTime::from_timestamp_secs(secs))
}

fn range_bounds(value: &str) -> (Option<&str>, Option<&str>, bool) {
    match value.split_once("..") {
        Some((a, b)) => ((!a.trim().is_empty()).then_some(a.trim()), (!b.trim().is_empty()).then_some(b.trim()), true),
        None => (Some(value.trim()), Some(value.trim()), false),
    }
}

fn filter_query(f: &Fields, filter: &Filter) -> Result<Box<dyn Query>, IndexError> {
    let value = filter.value.as_str();
    let exact = |field: Field, text: String| term_query(field, &text, 1.0);
    Ok(match filter.field.as_str() {
        "type" => {
            let kind = DocKind::parse(value).ok_or_else(|| {
                IndexError::Query(format!("type {value:?}: use contract, organization, person or donation"))
            })?;
            exact(f.kind, kind.as_str().to_string())
        }
        "buyer" | "supplier" | "party" => {
            let field = match filter.field.as_str() {
                "buyer" => f.buyer,
                "supplier" => f.supplier,
                _ => f.party,
            };
            let keys = match parse_identifier(value).filter(|i| i.id.bytes().any(|b| b.is_ascii_digit())) {
                Some(identifier) => vec![identifier.key()],
                None => {
                    let mut keys = filter_keys(Some(value), &[]);
                    keys.push(value.to_uppercase());
                    keys
                }
            };
            should(keys.into_iter().map(|k| exact(field, k)).collect())
        }
        "country" | "currency" => {
            let field = if filter.field == "country" { f.country } else { f.currency };
            exact(field, value.to_uppercase())
        }
        "method" | "status" | "category" => {
            let field = match filter.field.as_str() {
                "method" => f.method,
                "status" => f.status,
                _ => f.category,
            };
            exact(field, value.to_lowercase())
        }
        "role" => {
            // Roles are OCDS codes (procuringEntity) or openreg's words (beneficial_owner).
            let lower = value.to_lowercase();
            let mut alternatives = vec![exact(f.role, value.to_string())];
            if let Some(code) =
                ["procuringEntity", "interestedParty", "reviewBody"].iter().find(|c| c.to_lowercase() == lower)
            {
                alternatives.push(exact(f.role, code.to_string()));
            }
            alternatives.push(exact(f.role, lower));
            should(alternatives)
        }
        "date" => {
            let (from, to, _) = range_bounds(value);
            let lower = match from {
                Some(from) => Bound::Included(date_term(f.date, period(from)?.0)),
                None => Bound::Unbounded,
            };
            let upper = match to {
                Some(to) => Bound::Excluded(date_term(f.date, period(to)?.1)),
                None => Bound::Unbounded,
            };
            if matches!((&lower, &upper), (Bound::Unbounded, Bound::Unbounded)) {
                return Err(IndexError::Query("date=..: give at least one end".into()));
            }
            boxed(RangeQuery::new(lower, upper))
        }
        "value" => {
            let (from, to, _) = range_bounds(value);
            let number = |s: &str| {
                s.replace([',', '_', ' '], "")
                    .parse::<f64>()
                    .map_err(|_| IndexError::Query(format!("value {s:?} is not a number")))
            };
            let lower = match from {
                Some(s) => Bound::Included(Term::from_field_f64(f.value, number(s)?)),
                None => Bound::Unbounded,
            };
            let upper = match to {
                Some(s) => Bound::Included(Term::from_field_f64(f.value, number(s)?)),
                None => Bound::Unbounded,
            };
            if matches!((&lower, &upper), (Bound::Unbounded, Bound::Unbounded)) {
                return Err(IndexError::Query("value=..: give at least one end".into()));
            }
            boxed(RangeQuery::new(lower, upper))
        }
        other => return Err(IndexError::Query(format!("no filter {other:?}"))),
    })
}

/// The whole query: the text, then the filters (several values of one field: any of them; different
/// fields: all of them). Filters do not change scores.
pub fn build(f: &Fields, text: &str, filters: &[Filter], expand: &mut Expander) -> Result<Box<dyn Query>, IndexError> {
    let mut clauses = vec![(Occur::Must, text_query(f, text, expand)?)];
    let mut by_field: Vec<(&str, Vec<Box<dyn Query>>)> = Vec::new();
    for filter in filters {
        let query = filter_query(f, filter)?;
        match by_field.iter_mut().find(|(name, _)| *name == filter.field) {
            Some((_, list)) => list.push(query),
            None => by_field.push((filter.field.as_str(), vec![query])),
        }
    }
    for (_, alternatives) in by_field {
        clauses.push((Occur::Must, boxed(ConstScoreQuery::new(should(alternatives), 0.0))));
    }
    Ok(boxed(BooleanQuery::new(clauses)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_split_into_words_phrases_prefixes_and_identifiers() {
        assert_eq!(
            parts(r#"Kovalenko "Іван Петрович" Budm* UA-EDR 37609523 GB-COH-00507062"#),
            [
                Part::Word("Kovalenko".into()),
                Part::Phrase("Іван Петрович".into()),
                Part::Prefix("Budm".into()),
                Part::Identifier("UA-EDR-37609523".into()),
                Part::Identifier("GB-COH-00507062".into()),
            ]
        );
        assert_eq!(parts("Ivano-Frankivsk"), [Part::Word("Ivano-Frankivsk".into())]);
        assert_eq!(parts("*"), []);
    }

    #[test]
    fn filters_are_read_and_checked() {
        assert_eq!(Filter::parse("country=GE").unwrap(), Filter { field: "country".into(), value: "GE".into() });
        assert_eq!(Filter::parse("procurement-method=open").unwrap().field, "method");
        assert!(Filter::parse("colour=red").is_err());
        assert!(Filter::parse("country").is_err());
        assert_eq!(period("2024").unwrap().1 - period("2024").unwrap().0, 366 * 86_400);
        assert_eq!(period("2024-12").unwrap().1, days_from_civil(2025, 1, 1) * 86_400);
        assert!(period("2024-13").is_err());
    }
}
