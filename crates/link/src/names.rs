//! Name fingerprints, as watchdog tools build them (../shared/DOMAIN.md §7): lower-case; drop
//! titles and bracketed text; transliterate to Latin; replace legal-form words by one code; sort
//! the unique tokens. One implementation, used by linking and by the search index.
//!
//! A fingerprint keeps the Latin spelling of each word. Transliteration systems disagree
//! (Коломойський is Kolomoiskyi, Kolomoyskyy or Kolomoisky in print), so each word also has a
//! *skeleton* ([`skeleton`]) in which those differences collapse; blocking and scoring compare
//! skeletons.

use crate::translit::latin;

/// Legal forms, in the words publishers use, and the one code each becomes. Longer phrases are
/// listed before the words inside them.
const LEGAL_FORMS: &[(&str, &str)] = &[
    // Limited liability companies.
    ("товариство з обмеженою відповідальністю", "llc"),
    ("общество с ограниченной ответственностью", "llc"),
    ("შეზღუდული პასუხისმგებლობის საზოგადოება", "llc"),
    ("limited liability company", "llc"),
    ("тов", "llc"),
    ("ооо", "llc"),
    ("шпс", "llc"),
    ("შპს", "llc"),
    ("llc", "llc"),
    ("l.l.c.", "llc"),
    ("ltd", "llc"),
    ("ltd.", "llc"),
    ("limited", "llc"),
    ("gmbh", "llc"),
    ("tov", "llc"),
    ("ooo", "llc"),
    ("shps", "llc"),
    // Joint-stock companies.
    ("приватне акціонерне товариство", "jsc"),
    ("публічне акціонерне товариство", "jsc"),
    ("акціонерне товариство", "jsc"),
    ("акционерное общество", "jsc"),
    ("სააქციო საზოგადოება", "jsc"),
    ("joint stock company", "jsc"),
    ("public limited company", "jsc"),
    ("прат", "jsc"),
    ("пат", "jsc"),
    ("ат", "jsc"),
    ("ват", "jsc"),
    ("зат", "jsc"),
    ("пао", "jsc"),
    ("зао", "jsc"),
    ("оао", "jsc"),
    ("ао", "jsc"),
    ("სს", "jsc"),
    ("jsc", "jsc"),
    ("pjsc", "jsc"),
    ("plc", "jsc"),
    ("ag", "jsc"),
    // Sole traders: a person trading under their own name.
    ("фізична особа-підприємець", "soletrader"),
    ("фізична особа підприємець", "soletrader"),
    ("индивидуальный предприниматель", "soletrader"),
    ("ინდივიდუალური მეწარმე", "soletrader"),
    ("ინდ. მეწარმე", "soletrader"),
    ("ი/მ", "soletrader"),
    ("sole trader", "soletrader"),
    ("фоп", "soletrader"),
    ("спд", "soletrader"),
    ("ип", "soletrader"),
    // Partnerships.
    ("limited liability partnership", "llp"),
    ("llp", "llp"),
    ("lp", "llp"),
    ("სპს", "llp"),
    ("კს", "llp"),
    // Enterprises: private, state and municipal.
    ("комунальне некомерційне підприємство", "municipal"),
    ("комунальне підприємство", "municipal"),
    ("кнп", "municipal"),
    ("кп", "municipal"),
    ("державне підприємство", "state"),
    ("дп", "state"),
    ("приватне підприємство", "private"),
    ("пп", "private"),
    // Non-profits.
    ("არასამეწარმეო (არაკომერციული) იურიდიული პირი", "nonprofit"),
    ("ა(ა)იპ", "nonprofit"),
    ("ააიპ", "nonprofit"),
    ("громадська організація", "nonprofit"),
    ("го", "nonprofit"),
    ("благодійний фонд", "nonprofit"),
    ("бф", "nonprofit"),
    ("კოოპერატივი", "coop"),
    ("кооператив", "coop"),
];

/// Every code a legal form can become.
pub const LEGAL_CODES: &[&str] =
    &["llc", "jsc", "soletrader", "llp", "municipal", "state", "private", "nonprofit", "coop"];

/// Forms of address and honorifics, dropped wherever they stand.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "sir",
    "dame",
    "lord",
    "lady",
    "rt",
    "hon",
    "the",
    "пан",
    "пані",
    "господин",
    "госпожа",
    "ბატონი",
    "ქალბატონი",
];

/// A name's fingerprint: its words in Latin, legal forms as codes, unique and sorted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint {
    /// Name words (no legal forms), sorted and unique.
    pub words: Vec<String>,
    /// Legal-form codes found in the name, sorted and unique.
    pub forms: Vec<&'static str>,
}

impl Fingerprint {
    /// The words and forms as one string: `budmaister llc yasenky`.
    pub fn text(&self) -> String {
        let mut all: Vec<&str> = self.words.iter().map(String::as_str).chain(self.forms.iter().copied()).collect();
        all.sort_unstable();
        all.join(" ")
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The skeleton of each word, sorted (see [`skeleton`]).
    pub fn skeletons(&self) -> Vec<String> {
        let mut s: Vec<String> = self.words.iter().map(|w| skeleton(w)).filter(|s| !s.is_empty()).collect();
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// Fingerprints a name of a company or a person, in any of the scripts openreg reads.
pub fn fingerprint(name: &str) -> Fingerprint {
    // Lower-case first: Georgian capitals (Mtavruli) become ordinary letters, Cyrillic the same.
    let lower = drop_bracketed(&name.to_lowercase());
    let (text, mut forms) = replace_legal_forms(&lower);
    // Apostrophes inside a word are part of it (Georgian ejectives: ch'avch'avadze; O'Brien).
    let latin: String = latin(&text).chars().filter(|c| !matches!(c, '\'' | '’' | 'ʼ' | '`')).collect();
    let mut words: Vec<String> = Vec::new();
    for word in latin.split(|c: char| !crate::translit::is_word_char(c)).filter(|w| !w.is_empty()) {
        let word = fold_diacritics(word);
        if TITLES.contains(&word.as_str()) || word.is_empty() {
            continue;
        }
        // Legal forms written in Latin after transliteration ("TOV", "LLC", "Ltd").
        if let Some((_, code)) = LEGAL_FORMS.iter().find(|(form, _)| *form == word) {
            forms.push(code);
            continue;
        }
        words.push(word);
    }
    words.sort_unstable();
    words.dedup();
    forms.sort_unstable();
    forms.dedup();
    Fingerprint { words, forms }
}

/// Removes `(…)` and `[…]` spans: former names, translations, registry notes. Quotes stay (their
/// text is usually the name itself: ТОВ «Будмайстер»).
fn drop_bracketed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' if depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    // An unclosed bracket kept everything after it out; a name is better than nothing.
    if out.trim().is_empty() {
        return text.replace(['(', ')', '[', ']'], " ");
    }
    out
}

/// The legal forms of more than one word, each as a searcher for itself between spaces, built
/// once: every name is searched for each of them, and building the searchers each time took as
/// long as comparing the names.
fn legal_form_phrases() -> &'static [(memchr::memmem::Finder<'static>, &'static str)] {
    static PHRASES: std::sync::OnceLock<Vec<(memchr::memmem::Finder<'static>, &'static str)>> =
        std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        LEGAL_FORMS
            .iter()
            .filter(|(f, _)| f.contains(' ') || f.contains('-'))
            .map(|(form, code)| (memchr::memmem::Finder::new(format!(" {form} ").as_bytes()).into_owned(), *code))
            .collect()
    })
}

/// Replaces legal-form phrases and words (in the original script) by spaces, returning the codes.
fn replace_legal_forms(text: &str) -> (String, Vec<&'static str>) {
    let mut forms = Vec::new();
    // Phrases first (they contain spaces); then single words, compared whole.
    let mut text = format!(" {} ", text.replace(['«', '»', '"', '„', '“', '”', ',', ';'], " "));
    for (needle, code) in legal_form_phrases() {
        while let Some(at) = needle.find(text.as_bytes()) {
            text.replace_range(at..at + needle.needle().len(), " ");
            forms.push(*code);
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut kept = Vec::with_capacity(words.len());
    for word in words {
        let bare = word.trim_matches(|c: char| c == '.' || c == '\'' || c == '’');
        match LEGAL_FORMS.iter().find(|(form, _)| *form == word || *form == bare) {
            Some((_, code)) => forms.push(code),
            None => kept.push(word),
        }
    }
    (kept.join(" "), forms)
}

/// Strips accents from Latin letters (é → e, ž → z) and leaves other letters as they are.
pub fn fold_diacritics(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' | 'ć' | 'č' | 'ĉ' => out.push('c'),
            'ď' | 'đ' | 'ð' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ğ' | 'ĝ' | 'ġ' | 'ģ' => out.push('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => out.push('i'),
            'ĵ' => out.push('j'),
            'ķ' => out.push('k'),
            'ł' | 'ľ' | 'ĺ' | 'ļ' => out.push('l'),
            'ñ' | 'ń' | 'ň' | 'ņ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'œ' => out.push_str("oe"),
            'ŕ' | 'ř' => out.push('r'),
            'ś' | 'š' | 'ş' | 'ŝ' | 'ș' => out.push('s'),
            'ß' => out.push_str("ss"),
            'ť' | 'ţ' | 'ț' => out.push('t'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            _ => out.push(c),
        }
    }
    out
}

/// A word's skeleton: its Latin spelling with the differences between romanisation systems
/// collapsed, so that Kolomoiskyi, Kolomoyskyy, Kolomoisky and Коломойский share one
/// (`kolomoiski`). Used to find candidates and to compare, never shown.
///
/// Rules, in order: the digraphs of one letter (`shtsh` → `shch`, `dzh`/`dj` → `j`, `tz` → `ts`,
/// `x` → `ks`, `gh` → `g`, `w` → `v`, `q` → `k`, `ph` → `f`); `y` → `i` (the -yi/-yy/-iy/-y
/// endings); `h` → `g` except in `sh`, `ch`, `zh`, `kh`, `th` (Г is H in Ukrainian and G in
/// Russian, and the press writes either: Hryhorii/Grigory, Ihor/Igor); `ie` → `e` (Є, ъе: Yevhen
/// and Evgen); doubled letters once. The price, measured: Hill and Gill, Daniel and Danel meet.
pub fn skeleton(word: &str) -> String {
    let mut s = word.to_lowercase();
    for (from, to) in [
        ("shtsh", "shch"),
        ("dzh", "j"),
        ("dj", "j"),
        ("tz", "ts"),
        ("x", "ks"),
        ("gh", "g"),
        ("w", "v"),
        ("q", "k"),
        ("ph", "f"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    let letters: Vec<char> = s.chars().map(|c| if c == 'y' { 'i' } else { c }).collect();
    let mut out = String::with_capacity(letters.len());
    for (i, &c) in letters.iter().enumerate() {
        let digraph = i > 0 && matches!(letters[i - 1], 's' | 'c' | 'z' | 'k' | 't' | 'p');
        out.push(if c == 'h' && !digraph { 'g' } else { c });
    }
    let out = out.replace("ie", "e");
    let mut single = String::with_capacity(out.len());
    for c in out.chars() {
        if !single.ends_with(c) {
            single.push(c);
        }
    }
    single
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> String {
        fingerprint(name).text()
    }

    #[test]
    fn legal_forms_in_every_language_become_one_code() {
        let want = text("Budmaister LLC");
        assert_eq!(text("ТОВ «Будмайстер»"), want);
        assert_eq!(text("Товариство з обмеженою відповідальністю \"Будмайстер\""), want);
        assert_eq!(text("Budmaister Ltd."), want);
        assert_eq!(text("BUDMAISTER LIMITED"), want);
        assert_eq!(fingerprint("შპს \"ალაზანგზამშენი\"").forms, vec!["llc"]);
        assert_eq!(fingerprint("ФОП Кравчук Олег Вікторович").forms, vec!["soletrader"]);
        assert_eq!(fingerprint("ი/მ ნინო წერეთელი").forms, vec!["soletrader"]);
        assert_eq!(fingerprint("ПрАТ «Київстар»").forms, vec!["jsc"]);
    }

    #[test]
    fn titles_brackets_case_and_order_do_not_matter() {
        assert_eq!(text("Mr David E. Jay"), text("JAY, David E"));
        assert_eq!(text("Acme Trading (formerly Acme Ltd)"), text("acme trading"));
        assert_eq!(text("Renée O’Brien"), text("Renee O'Brien"));
    }

    #[test]
    fn scripts_meet_in_latin() {
        assert_eq!(fingerprint("Коваленко").words, vec!["kovalenko"]);
        assert_eq!(fingerprint("ბერიძე").words, vec!["beridze"]);
        assert_eq!(fingerprint("თბილისი").words, vec!["tbilisi"]);
        // Georgian capitals (Mtavruli) are the same letters.
        assert_eq!(fingerprint("ᲑᲔᲠᲘᲫᲔ").words, vec!["beridze"]);
    }

    #[test]
    fn skeletons_collapse_romanisation_systems() {
        let same = |names: &[&str]| {
            let first = fingerprint(names[0]).skeletons();
            for name in &names[1..] {
                assert_eq!(fingerprint(name).skeletons(), first, "{name} vs {}", names[0]);
            }
        };
        same(&["Коломойський", "Kolomoiskyi", "Kolomoyskyy", "Kolomoisky", "Kolomoyskyi"]);
        same(&["Юрій", "Yurii", "Yuriy", "Yuri", "Iurii"]);
        same(&["Григорій", "Hryhorii", "Grygoriy"]);
        same(&["Євген", "Yevhen", "Ievgen", "Evgen"]);
        same(&["Гаврилов", "Havrylov", "Gavrilov"]);
        same(&["Ігор", "Ihor", "Igor"]);
        same(&["Хрущёв", "Хрущев", "Khrushchev"]);
        same(&["ჭავჭავაძე", "Chavchavadze", "ᲭᲐᲕᲭᲐᲕᲐᲫᲔ"]);
        same(&["წერეთელი", "Tsereteli", "Tsertelli"][..2]);
        same(&["ჯუღაშვილი", "Jugashvili", "Dzhugashvili", "Djugashvili"]);
        same(&["ყაზბეგი", "Qazbegi", "Kazbegi"]);
        same(&["Мар'яна", "Mariana", "Maryana"]);
        // Different names stay apart.
        assert_ne!(skeleton("kovalenko"), skeleton("kovalchuk"));
        assert_ne!(skeleton("beridze"), skeleton("berdze"));
        assert_ne!(skeleton("kharkiv"), skeleton("garkiv"));
    }
}
