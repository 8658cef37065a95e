//! How text becomes search terms. Names are read in the script they were written in *and* in
//! Latin letters, through the link crate's one transliteration (`openreg_link::latin`: Ukrainian by
//! KMU 2010, Russian by ICAO, Georgian by the national system of 2002), so that `Kovalenko` meets
//! `Коваленко` and `Beridze` meets `ბერიძე` whichever way round. Each word also gets its
//! *skeleton* (`openreg_link::skeleton`), in which romanisation variants collapse
//! (Kolomoiskyi, Kolomoisky, Коломойський → `kolomoiski`); typos are matched on skeletons.
//!
//! The same [`words`] function analyses documents and queries, so both always agree.

use openreg_link::names::fold_diacritics;
use openreg_link::translit::is_word_char;
use openreg_link::{latin, skeleton};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The tokenizer of name and free-text fields: each word as written (lower case, accents folded)
/// and, when different, in Latin letters, both at the word's position.
pub const NAMES: &str = "openreg_names";
/// The tokenizer of the skeleton field: each word's skeleton.
pub const SKELETONS: &str = "openreg_skeletons";

/// One word of a text, in the forms the index keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte range of the word in the text.
    pub start: usize,
    pub end: usize,
    /// As written: lower case, accents and apostrophes dropped, `ё` read as `е`.
    pub original: String,
    /// In Latin letters, lower case (the same as `original` for a Latin word).
    pub latin: String,
    /// The Latin spelling with romanisation variants collapsed.
    pub skeleton: String,
}

const APOSTROPHES: &[char] = &['\'', '\u{2019}', '\u{02BC}', '\u{02B9}', '\u{2018}', '`', '\u{00B4}'];

fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&c)
}

/// Byte ranges of the words of `text`: runs of letters and digits; an apostrophe between two
/// letters belongs to the word (Мар'яна, O'Brien, Georgian ejectives written ch'a).
fn spans(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        let inner_apostrophe =
            APOSTROPHES.contains(&c) && start.is_some() && chars.get(i + 1).is_some_and(|(_, n)| is_word_char(*n));
        if is_word_char(c) || is_mark(c) || inner_apostrophe {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            out.push((s, at));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// A word as written, made comparable: lower case, Latin accents folded, `ё` as `е`, combining
/// marks and apostrophes dropped.
fn fold(word: &str) -> String {
    let lower: String = word
        .to_lowercase()
        .chars()
        .filter(|c| !is_mark(*c) && !APOSTROPHES.contains(c))
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect();
    fold_diacritics(&lower)
}

/// The words of `text` with their original, Latin and skeleton forms.
pub fn words(text: &str) -> Vec<Word> {
    let spans = spans(text);
    if spans.is_empty() {
        return Vec::new();
    }
    // Transliterate the whole text once (the alphabet, Ukrainian or Russian, is read from all of
    // it); its words line up with the original's because transliteration keeps every separator.
    let whole = latin(text);
    let latin_spans = spans_of_latin(&whole);
    let aligned = latin_spans.len() == spans.len();
    spans
        .iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            let word = &text[start..end];
            let original = fold(word);
            let latin_word = if aligned {
                let (s, e) = latin_spans[i];
                fold(&whole[s..e])
            } else {
                fold(&latin(word))
            };
            let skeleton = skeleton(&latin_word);
            Word { start, end, original, latin: latin_word, skeleton }
        })
        .collect()
}

fn spans_of_latin(text: &str) -> Vec<(usize, usize)> {
    spans(text)
}

/// Splits names and free text into [`Word`]s and emits the original and Latin forms.
#[derive(Clone, Default)]
pub struct NamesTokenizer {
    tokens: Vec<Token>,
}

/// Emits each word's skeleton.
#[derive(Clone, Default)]
pub struct SkeletonTokenizer {
    tokens: Vec<Token>,
}

pub struct VecTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn token(word: &Word, position: usize, text: &str) -> Token {
    Token { offset_from: word.start, offset_to: word.end, position, text: text.to_string(), position_length: 1 }
}

impl Tokenizer for NamesTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        for (position, word) in words(text).iter().enumerate() {
            if word.original.is_empty() {
                continue;
            }
            self.tokens.push(token(word, position, &word.original));
            if word.latin != word.original && !word.latin.is_empty() {
                self.tokens.push(token(word, position, &word.latin));
            }
        }
        VecTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

impl Tokenizer for SkeletonTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        self.tokens.clear();
        for (position, word) in words(text).iter().enumerate() {
            if !word.skeleton.is_empty() {
                self.tokens.push(token(word, position, &word.skeleton));
            }
        }
        VecTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

/// How many edits a typo may make in a word of this many letters: none under 4, one up to 7,
/// two from 8.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(text: &str) -> Vec<(String, String, String)> {
        words(text).into_iter().map(|w| (w.original, w.latin, w.skeleton)).collect()
    }

    #[test]
    fn each_script_is_read_as_written_and_in_latin() {
        assert_eq!(forms("Коваленко"), [("коваленко".into(), "kovalenko".into(), "kovalenko".into())]);
        assert_eq!(forms("ბერიძე")[0].1, "beridze");
        assert_eq!(forms("ᲑᲔᲠᲘᲫᲔ")[0].1, "beridze");
        // Russian, read as Russian because the whole name says so (ы).
        assert_eq!(forms("Евгений Рыбаков")[0].1, "evgenii");
        assert_eq!(forms("Renée O'Brien")[1].0, "obrien");
        assert_eq!(forms("Хрущёв")[0].0, "хрущев");
    }

    #[test]
    fn romanisations_share_a_skeleton() {
        let skeleton = |t: &str| forms(t)[0].2.clone();
        assert_eq!(skeleton("Коломойський"), skeleton("Kolomoisky"));
        assert_eq!(skeleton("Kolomoyskyy"), skeleton("Kolomoiskyi"));
        assert_eq!(skeleton("ჭავჭავაძე"), skeleton("Chavchavadze"));
    }

    #[test]
    fn offsets_point_at_the_words_as_written() {
        let text = "ТОВ «Будмайстер», Київ";
        let w = words(text);
        assert_eq!(w.len(), 3);
        assert_eq!(&text[w[1].start..w[1].end], "Будмайстер");
        assert_eq!(w[1].latin, "budmaister");
        assert_eq!(w[2].latin, "kyiv");
    }

    #[test]
    fn the_tokenizer_puts_both_forms_at_one_position() {
        let mut tokenizer = NamesTokenizer::default();
        let mut stream = tokenizer.token_stream("Іван Kovalenko");
        let mut seen = Vec::new();
        while let Some(t) = stream.next() {
            seen.push((t.text.clone(), t.position));
        }
        assert_eq!(seen, [("іван".into(), 0), ("ivan".into(), 0), ("kovalenko".into(), 1)]);
    }
}
