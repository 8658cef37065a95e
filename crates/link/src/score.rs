//! Scoring a pair of mentions that share no identifier: the strongest name feature, then
//! agreement and disagreement of country, birth date, legal form and postcode. A conflicting
//! identifier vetoes.

use openreg_model::link::{Evidence, Label, Mention, MentionKind};
use strsim::normalized_damerau_levenshtein;

use crate::config::LinkConfig;
use crate::names::{fingerprint, Fingerprint};

/// A mention with its name work done once.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub mention: Mention,
    pub fingerprints: Vec<Fingerprint>,
    pub skeletons: Vec<Vec<String>>,
}

impl Prepared {
    pub fn new(mention: Mention) -> Prepared {
        let fingerprints: Vec<Fingerprint> = std::iter::once(&mention.name)
            .chain(&mention.other_names)
            .map(|n| fingerprint(n))
            .filter(|f| !f.is_empty())
            .collect();
        let skeletons = fingerprints.iter().map(Fingerprint::skeletons).collect();
        Prepared { mention, fingerprints, skeletons }
    }

    /// Blocking keys: the whole name's skeleton (`=`), each word's skeleton of 3 letters or more
    /// (`~`), and each pair of those words (`+`, in sorted order), so that a name of several words
    /// is found through a pair even when each of its words is too common to block on alone.
    pub fn blocks(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for skeleton in &self.skeletons {
            keys.push(format!("={}", skeleton.join(" ")));
            let mut words: Vec<&String> =
                skeleton.iter().filter(|w| w.chars().count() >= 3).take(MAX_PAIRED_WORDS).collect();
            for word in &words {
                keys.push(format!("~{word}"));
            }
            words.sort();
            words.dedup();
            for (i, a) in words.iter().enumerate() {
                for b in &words[i + 1..] {
                    keys.push(format!("+{a} {b}"));
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    fn is_sole_trader(&self) -> bool {
        self.fingerprints.iter().any(|f| f.forms.contains(&"soletrader"))
    }
}

/// Words of a name paired for blocking: the first few (a long name's pairs would be many).
const MAX_PAIRED_WORDS: usize = 6;

/// A scored pair, or why it was ruled out.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Link {
        label: Label,
        score: f64,
        evidence: Vec<Evidence>,
    },
    /// Below the possible threshold, or ruled out by a conflict: no link.
    NoLink {
        score: f64,
        evidence: Vec<Evidence>,
    },
}

fn evidence(field: &str, agrees: bool, detail: String) -> Evidence {
    Evidence { field: field.into(), agrees, detail }
}

/// Compares two mentions' names and what else they say. `namesakes`: the name of one of them is
/// known to be shared by different people (two mentions with it carry different identifiers or
/// birth dates), so the name alone cannot say which one this is.
pub fn score(a: &Prepared, b: &Prepared, config: &LinkConfig, namesakes: bool) -> Verdict {
    score_pair(a, b, config).verdict(config, namesakes)
}

/// A pair scored on everything but whether namesakes are known: comparing scores each pair once,
/// before it knows, and [`Scored::verdict`] finishes the score when it does.
#[derive(Debug, Clone)]
pub struct Scored {
    score: f64,
    found: Vec<Evidence>,
    /// Ruled out before the names were compared (a person and an organisation, a conflicting
    /// identifier or birth date).
    ruled_out: bool,
    person: bool,
    corroborated: bool,
}

impl Scored {
    /// Ruled out by a different identifier in the same scheme or a different birth date: two
    /// different people or organisations.
    pub fn vetoed(&self) -> bool {
        self.ruled_out
            && self.found.iter().any(|e| !e.agrees && matches!(e.field.as_str(), "identifier" | "birth_date"))
    }

    /// The verdict, with the name known (or not) to be shared by different people.
    pub fn verdict(self, config: &LinkConfig, namesakes: bool) -> Verdict {
        if self.ruled_out {
            return Verdict::NoLink { score: 0.0, evidence: self.found };
        }
        let (mut score, mut found) = (self.score, self.found);
        // The same holds for companies: two registrations under one name (different company numbers)
        // mean a mention without a number could be either.
        if !self.corroborated && namesakes && score > config.person_name_only_cap {
            score = config.person_name_only_cap;
            let who = if self.person { "different people" } else { "different organisations" };
            found.push(evidence(
                "namesakes",
                false,
                format!("{who} with this name are known (other identifiers or birth dates), and only the name agrees"),
            ));
        }
        let score = (score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
        if score >= config.probable {
            Verdict::Link { label: Label::Probable, score, evidence: found }
        } else if score >= config.possible {
            Verdict::Link { label: Label::Possible, score, evidence: found }
        } else {
            Verdict::NoLink { score, evidence: found }
        }
    }
}

/// [`score`] but for namesakes (see [`Scored`]).
pub fn score_pair(a: &Prepared, b: &Prepared, config: &LinkConfig) -> Scored {
    let mut found = Vec::new();
    let ruled_out =
        |found: Vec<Evidence>| Scored { score: 0.0, found, ruled_out: true, person: false, corroborated: false };
    // A person and an organisation are one only when the organisation is the person trading.
    let kinds_fit = a.mention.kind == b.mention.kind
        || (a.mention.kind == MentionKind::Person && b.is_sole_trader())
        || (b.mention.kind == MentionKind::Person && a.is_sole_trader());
    if !kinds_fit {
        found.push(evidence("kind", false, "an organisation and a person".into()));
        return ruled_out(found);
    }
    // Identifiers of the same scheme that differ: two different registrations.
    for x in &a.mention.identifiers {
        let scheme = scheme_of(x);
        let theirs: Vec<&String> = b.mention.identifiers.iter().filter(|y| scheme_of(y) == scheme).collect();
        if !theirs.is_empty() && !theirs.contains(&x) {
            found.push(evidence("identifier", false, format!("{x} against {}", theirs[0])));
            return ruled_out(found);
        }
    }
    if let (Some(x), Some(y)) = (&a.mention.birth_date, &b.mention.birth_date) {
        // Registers publish a birth date as year-month or as a full date: compare what both give.
        let n = x.len().min(y.len()).min(10);
        if x[..n] != y[..n] {
            found.push(evidence("birth_date", false, format!("{x} against {y}")));
            return ruled_out(found);
        }
    }

    let (mut score, detail) = best_name_score(a, b, config);
    found.push(evidence("name", score >= config.possible, detail));
    if let (Some(x), Some(y)) = (&a.mention.country, &b.mention.country) {
        if x == y {
            found.push(evidence("country", true, x.clone()));
        } else {
            score -= config.country_mismatch;
            found.push(evidence("country", false, format!("{x} against {y}")));
        }
    }
    if let (Some(x), Some(y)) = (&a.mention.birth_date, &b.mention.birth_date) {
        score = (score + 0.05).min(1.0);
        found.push(evidence("birth_date", true, if x.len() <= y.len() { x.clone() } else { y.clone() }));
    }
    let forms = |p: &Prepared| -> Vec<&'static str> {
        let mut f: Vec<&'static str> = p.fingerprints.iter().flat_map(|f| f.forms.iter().copied()).collect();
        f.sort_unstable();
        f.dedup();
        f
    };
    let (fa, fb) = (forms(a), forms(b));
    if !fa.is_empty() && !fb.is_empty() {
        if fa.iter().any(|f| fb.contains(f)) {
            found.push(evidence("legal_form", true, fa.join("/")));
        } else {
            score -= config.legal_form_mismatch;
            found.push(evidence("legal_form", false, format!("{} against {}", fa.join("/"), fb.join("/"))));
        }
    }
    if let (Some(x), Some(y)) = (&a.mention.postcode, &b.mention.postcode) {
        let (x, y) = (x.replace(' ', "").to_uppercase(), y.replace(' ', "").to_uppercase());
        if x == y {
            score = (score + 0.05).min(1.0);
            found.push(evidence("postcode", true, x));
        }
    }
    // A name shared by different people: a person matched on that name alone, with nothing else
    // agreeing, is a lead to check, never a probable link.
    let person = a.mention.kind == MentionKind::Person || b.mention.kind == MentionKind::Person;
    let corroborated = found.iter().any(|e| e.agrees && matches!(e.field.as_str(), "birth_date" | "postcode"));
    // A given or middle name (or initial) on one side only may be another person of the same
    // surname: David E. Jay is not surely David Jay. A patronymic left out is only a shorter form.
    if person && !corroborated && score > config.person_name_only_cap {
        if let Some(extra) = extra_given_name(a, b) {
            score = config.person_name_only_cap;
            found.push(evidence("name", false, format!("\"{extra}\" is in one name only")));
        }
    }
    Scored { score, found, ruled_out: false, person, corroborated }
}

/// A word of the longer of two person names that matches nothing in the shorter and is not a
/// patronymic (Вікторович, Петрівна, Ильич).
fn extra_given_name(a: &Prepared, b: &Prepared) -> Option<String> {
    let (x, y) = (a.skeletons.first()?, b.skeletons.first()?);
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    let patronymic = |w: &str| ["ich", "vna", "ichna"].iter().any(|s| w.ends_with(s)) && w.len() > 5;
    long.iter().find(|w| !short.iter().any(|s| normalized_damerau_levenshtein(s, w) >= 0.8) && !patronymic(w)).cloned()
}

fn scheme_of(key: &str) -> &str {
    // Canonical keys are `{scheme}-{id}` where the scheme has one dash (UA-EDR, GEO-TAXID).
    match key.match_indices('-').nth(1) {
        Some((at, _)) => &key[..at],
        None => key,
    }
}

/// The best score over the two mentions' names, and what it rests on.
fn best_name_score(a: &Prepared, b: &Prepared, config: &LinkConfig) -> (f64, String) {
    let mut best = (0.0, String::from("no name to compare"));
    for (fa, sa) in a.fingerprints.iter().zip(&a.skeletons) {
        for (fb, sb) in b.fingerprints.iter().zip(&b.skeletons) {
            let person = a.mention.kind == MentionKind::Person || b.mention.kind == MentionKind::Person;
            let (score, why) = if fa.words == fb.words {
                (1.0, format!("the same name: \"{}\"", fa.words.join(" ")))
            } else if sa == sb {
                (
                    0.96,
                    format!(
                        "the same name in another spelling or script: \"{}\" and \"{}\"",
                        fa.words.join(" "),
                        fb.words.join(" ")
                    ),
                )
            } else {
                let s = words_similarity(sa, sb, person);
                (s, format!("similar names: \"{}\" and \"{}\" ({:.2})", fa.words.join(" "), fb.words.join(" "), s))
            };
            // A person named by one word (a surname alone) could be anyone of that name.
            let score = if person && sa.len().min(sb.len()) < 2 { score.min(config.single_word_cap) } else { score };
            if score > best.0 {
                best = (score, why);
            }
        }
    }
    best
}

/// Word-by-word similarity of two skeleton lists: each word of the shorter name against its best
/// match in the longer (Damerau-Levenshtein, normalised by length), averaged, then lowered for words left unmatched. A person's
/// extra word (a patronymic, a middle name) costs less than an extra word in a company's name.
pub fn words_similarity(a: &[String], b: &[String], person: bool) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut used = vec![false; long.len()];
    let lengths: Vec<usize> = long.iter().map(|w| w.chars().count()).collect();
    let mut total = 0.0;
    for word in short {
        let length = word.chars().count();
        let mut best = (0.0, None);
        for (i, other) in long.iter().enumerate() {
            if used[i] {
                continue;
            }
            // The distance is at least the difference in length, so the similarity is at most
            // this (computed as strsim computes it, so that the bound holds to the last bit):
            // a word that cannot beat the best so far is not compared at all.
            let longer = length.max(lengths[i]);
            let bound = if longer == 0 { 1.0 } else { 1.0 - (longer - length.min(lengths[i])) as f64 / longer as f64 };
            if bound <= best.0 {
                continue;
            }
            let s = if word == other { 1.0 } else { normalized_damerau_levenshtein(word, other) };
            if s > best.0 {
                best = (s, Some(i));
            }
        }
        if let (s, Some(i)) = best {
            used[i] = true;
            // Below this, two words are different words, not variants (one edit in five letters).
            total += if s >= 0.8 { s } else { 0.0 };
        }
    }
    let mean = total / short.len() as f64;
    let coverage = short.len() as f64 / long.len() as f64;
    if person {
        mean * (0.85 + 0.15 * coverage)
    } else {
        mean * (0.6 + 0.4 * coverage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(id: &str, kind: MentionKind, name: &str) -> Mention {
        Mention {
            id: id.into(),
            kind,
            name: name.into(),
            other_names: vec![],
            identifiers: vec![],
            country: None,
            birth_date: None,
            postcode: None,
            role: String::new(),
        }
    }

    fn verdict(a: Mention, b: Mention) -> Verdict {
        score(&Prepared::new(a), &Prepared::new(b), &LinkConfig::default(), false)
    }

    fn label(v: &Verdict) -> Option<Label> {
        match v {
            Verdict::Link { label, .. } => Some(*label),
            Verdict::NoLink { .. } => None,
        }
    }

    use MentionKind::*;

    #[test]
    fn a_name_blocks_on_its_words_and_their_pairs_in_any_script_or_order() {
        let latin = Prepared::new(mention("a", Person, "Tamar Chavchavadze")).blocks();
        let georgian = Prepared::new(mention("b", Person, "ჭავჭავაძე თამარ")).blocks();
        let pairs: Vec<&String> = latin.iter().filter(|k| k.starts_with('+')).collect();
        assert_eq!(pairs.len(), 1, "{latin:?}");
        assert!(georgian.contains(pairs[0]), "the pair is the same whichever way round: {georgian:?}");
        assert!(latin.iter().any(|k| k.starts_with('~')) && latin.iter().any(|k| k.starts_with('=')));
        // One word: no pair.
        let single = Prepared::new(mention("c", Organisation, "ТОВ «Цотале»")).blocks();
        assert!(!single.iter().any(|k| k.starts_with('+')), "{single:?}");
    }

    #[test]
    fn the_same_name_across_scripts_is_probable() {
        let born = |mut m: Mention| {
            m.birth_date = Some("1963-02".into());
            m
        };
        let v = verdict(born(mention("a", Person, "Ігор Коломойський")), born(mention("b", Person, "Ihor Kolomoisky")));
        assert_eq!(label(&v), Some(Label::Probable), "{v:?}");
        let v = verdict(born(mention("a", Person, "გიორგი ბერიძე")), born(mention("b", Person, "Giorgi Beridze")));
        assert_eq!(label(&v), Some(Label::Probable), "{v:?}");
        // The name alone, when namesakes are known: a lead, not a probable link.
        let (a, b) = (mention("a", Person, "გიორგი ბერიძე"), mention("b", Person, "Giorgi Beridze"));
        assert_eq!(label(&verdict(a.clone(), b.clone())), Some(Label::Probable));
        let v = score(&Prepared::new(a), &Prepared::new(b), &LinkConfig::default(), true);
        assert_eq!(label(&v), Some(Label::Possible), "{v:?}");
        let v = verdict(mention("a", Organisation, "ТОВ «Будмайстер»"), mention("b", Organisation, "Budmaister LLC"));
        assert_eq!(label(&v), Some(Label::Probable), "{v:?}");
    }

    #[test]
    fn a_typo_or_a_patronymic_still_links() {
        let v = verdict(mention("a", Person, "Кравчук Олег Вікторович"), mention("b", Person, "Oleh Kravchuk"));
        assert!(label(&v).is_some(), "{v:?}");
        let v = verdict(
            mention("a", Organisation, "Alazani Gzamsheni LLC"),
            mention("b", Organisation, "Alazani Gzamsheny LLC"),
        );
        assert!(label(&v).is_some(), "{v:?}");
    }

    #[test]
    fn conflicts_veto_or_lower() {
        let mut a = mention("a", Person, "Nino Tsereteli");
        let mut b = mention("b", Person, "ნინო წერეთელი");
        a.identifiers = vec!["GEO-TAXID-01024058317".into()];
        b.identifiers = vec!["GEO-TAXID-01019077777".into()];
        assert_eq!(label(&verdict(a.clone(), b.clone())), None, "namesakes with different personal numbers");
        b.identifiers.clear();
        assert_eq!(label(&verdict(a.clone(), b.clone())), Some(Label::Probable));
        a.birth_date = Some("1980-03".into());
        b.birth_date = Some("1981-03-02".into());
        assert_eq!(label(&verdict(a, b)), None, "different birth dates");
        let mut a = mention("a", Organisation, "Alpha Trading LLC");
        let mut b = mention("b", Organisation, "Alpha Trading LLC");
        a.country = Some("GB".into());
        b.country = Some("UA".into());
        assert_ne!(label(&verdict(a, b)), Some(Label::Probable), "the same name in two countries");
        assert_eq!(
            label(&verdict(mention("a", Person, "Alpha Trading"), mention("b", Organisation, "Alpha Trading LLC"))),
            None
        );
    }

    #[test]
    fn a_patronymic_left_out_is_the_same_name_a_middle_initial_is_not() {
        let v = verdict(mention("a", Person, "Кравчук Олег Вікторович"), mention("b", Person, "Oleh Kravchuk"));
        assert_eq!(label(&v), Some(Label::Probable), "{v:?}");
        let v = verdict(mention("a", Person, "David E Jay"), mention("b", Person, "David Jay"));
        assert_eq!(label(&v), Some(Label::Possible), "{v:?}");
    }

    #[test]
    fn a_sole_trader_is_the_person_trading() {
        let v = verdict(
            mention("a", Person, "Кравчук Олег Вікторович"),
            mention("b", Organisation, "ФОП Кравчук Олег Вікторович"),
        );
        assert_eq!(label(&v), Some(Label::Probable), "{v:?}");
    }

    #[test]
    fn different_names_do_not_link() {
        for (x, y) in [
            ("Kovalenko Ivan", "Kovalchuk Ivan"),
            ("Alpha Build LLC", "Omega Build LLC"),
            ("Beridze Giorgi", "Berdzenishvili Giorgi"),
        ] {
            let v = verdict(mention("a", Person, x), mention("b", Person, y));
            assert_eq!(label(&v), None, "{x} / {y}: {v:?}");
        }
    }
}
