//! Transliteration into Latin: `any_ascii` is the core (its Georgian follows the national system of
//! 2002 letter for letter, Mtavruli capitals included); Cyrillic goes through our own small tables
//! because `any_ascii` maps each letter alone, without the position rules of Ukraine's official
//! system (KMU Resolution 55, 2010) or the Russian passport system (ICAO Doc 9303, 2014).
//!
//! Why any_ascii: we compared deunicode, unidecode, any_ascii, translit, uklatn, ukr_translit,
//! ukraine and ICU4X on Ukrainian, Russian and Georgian names (see the closing note of the linking
//! issue). deunicode and unidecode get Georgian ძ, ღ, ხ, წ, ც wrong; the crates that get KMU right
//! are either AGPL/GPL, unmaintained or pull in a dozen dependencies; ICU4X has neither KMU nor ICAO
//! and leaves Mtavruli untouched. any_ascii has no dependencies, is maintained and is fast.

/// KMU 2010 inside a word (lower case).
const UK_KMU: &[(char, &str)] = &[
    ('г', "h"),
    ('ґ', "g"),
    ('е', "e"),
    ('є', "ie"),
    ('и', "y"),
    ('і', "i"),
    ('ї', "i"),
    ('й', "i"),
    ('х', "kh"),
    ('ц', "ts"),
    ('щ', "shch"),
    ('ь', ""),
    ('ю', "iu"),
    ('я', "ia"),
];
/// KMU 2010 at the start of a word.
const UK_KMU_INITIAL: &[(char, &str)] = &[('є', "ye"), ('ї', "yi"), ('й', "y"), ('ю', "yu"), ('я', "ya")];
/// ICAO Doc 9303, as in Russian passports since 2014.
const RU_ICAO: &[(char, &str)] = &[
    ('г', "g"),
    ('е', "e"),
    ('ё', "e"),
    ('и', "i"),
    ('й', "i"),
    ('ъ', "ie"),
    ('ы', "y"),
    ('ь', ""),
    ('э', "e"),
    ('ю', "iu"),
    ('я', "ia"),
    ('х', "kh"),
    ('ц', "ts"),
    ('щ', "shch"),
];
/// Apostrophes Ukrainian writes inside words (Мар'яна); KMU leaves them out.
const APOSTROPHES: &[char] = &['\'', '\u{2019}', '\u{02BC}', '\u{02B9}', '\u{2018}', '`', '\u{00B4}'];

/// Which Cyrillic alphabet a text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cyrillic {
    Ukrainian,
    Russian,
}

/// Ukrainian when the text has і ї є ґ, Russian when it has ы э ъ ё; otherwise Ukrainian (most
/// of the Cyrillic in openreg's data is Ukrainian procurement).
pub fn detect(text: &str) -> Cyrillic {
    let uk = text.chars().any(|c| matches!(c, 'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ'));
    let ru = text.chars().any(|c| matches!(c, 'ы' | 'э' | 'ъ' | 'ё' | 'Ы' | 'Э' | 'Ъ' | 'Ё'));
    if ru && !uk {
        Cyrillic::Russian
    } else {
        Cyrillic::Ukrainian
    }
}

fn lookup(table: &[(char, &'static str)], c: char) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// Whether `c` is a letter, for the letters of the scripts openreg reads most (Latin, Cyrillic,
/// Georgian) without Unicode's tables: those lookups were a sixth of the search index's build time
/// on Cyrillic text. `None` for everything else, which must be asked of the tables.
fn known_letter(c: char) -> Option<bool> {
    match c {
        'a'..='z' | 'A'..='Z' => Some(true),
        c if c.is_ascii() => Some(false),
        '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}' => Some(true),
        '\u{10A0}'..='\u{10C5}' | '\u{10D0}'..='\u{10FA}' | '\u{10FC}'..='\u{10FF}' => Some(true),
        '\u{1C90}'..='\u{1CBA}' | '\u{1CBD}'..='\u{1CBF}' => Some(true),
        _ => None,
    }
}

/// `char::is_alphabetic`, quicker for Latin, Cyrillic and Georgian.
pub fn is_letter(c: char) -> bool {
    known_letter(c).unwrap_or_else(|| c.is_alphabetic())
}

/// `char::is_alphanumeric`, quicker for Latin, Cyrillic and Georgian.
pub fn is_word_char(c: char) -> bool {
    c.is_ascii_digit() || known_letter(c).unwrap_or_else(|| c.is_alphanumeric())
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

/// Composes the decomposed letters that matter (й as и + breve, ё, ї), so that they are read as
/// the letters they are.
fn compose(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let composed = match (c, chars.peek().copied()) {
            ('и', Some('\u{306}')) => Some('й'),
            ('И', Some('\u{306}')) => Some('Й'),
            ('е', Some('\u{308}')) => Some('ё'),
            ('Е', Some('\u{308}')) => Some('Ё'),
            ('і', Some('\u{308}')) => Some('ї'),
            ('І', Some('\u{308}')) => Some('Ї'),
            _ => None,
        };
        match composed {
            Some(letter) => {
                chars.next();
                out.push(letter);
            }
            None => out.push(c),
        }
    }
    out
}

/// Writes any text in Latin letters: Ukrainian by KMU 2010, Russian by ICAO, Georgian by the
/// national system, everything else as any_ascii reads it. Punctuation and digits pass through.
pub fn latin(text: &str) -> String {
    let alphabet = detect(text);
    let chars = compose(text);
    let mut out = String::with_capacity(text.len() * 2);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        // An apostrophe inside a Cyrillic word is part of the spelling, not punctuation.
        if APOSTROPHES.contains(&c)
            && prev.is_some_and(is_cyrillic)
            && chars.get(i + 1).is_some_and(|n| is_cyrillic(*n))
        {
            continue;
        }
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        if !is_cyrillic(c) {
            if ('\u{1C90}'..='\u{1CBF}').contains(&c) || ('\u{10A0}'..='\u{10C5}').contains(&c) {
                // Georgian capitals: the whole digraph in capitals (any_ascii writes "Dz", "Sh").
                out.push_str(&any_ascii::any_ascii_char(c).to_ascii_uppercase());
            } else if is_letter(c) {
                out.push_str(any_ascii::any_ascii_char(c));
            } else {
                out.push(c);
            }
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let initial = prev.is_none_or(|p| !is_letter(p) && !APOSTROPHES.contains(&p));
        let mapped = match alphabet {
            // KMU writes зг as zgh, so that it is not read as the letter ж (zh).
            Cyrillic::Ukrainian if lower == 'г' && prev.is_some_and(|p| p == 'з' || p == 'З') => "gh",
            Cyrillic::Ukrainian if initial => lookup(UK_KMU_INITIAL, lower)
                .or_else(|| lookup(UK_KMU, lower))
                .unwrap_or_else(|| any_ascii::any_ascii_char(lower)),
            Cyrillic::Ukrainian => lookup(UK_KMU, lower).unwrap_or_else(|| any_ascii::any_ascii_char(lower)),
            Cyrillic::Russian => lookup(RU_ICAO, lower).unwrap_or_else(|| any_ascii::any_ascii_char(lower)),
        };
        if c == lower || mapped.is_empty() {
            out.push_str(mapped);
            continue;
        }
        // In a word in capitals the whole digraph is in capitals; otherwise only its first letter.
        let neighbour_upper =
            chars.get(i + 1).is_some_and(|n| n.is_uppercase()) || prev.is_some_and(char::is_uppercase);
        if neighbour_upper {
            out.push_str(&mapped.to_ascii_uppercase());
        } else {
            let mut letters = mapped.chars();
            if let Some(first) = letters.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(letters.as_str());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn letter_short_cuts_agree_with_unicode() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            assert_eq!(super::is_letter(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(super::is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    use super::*;

    #[test]
    fn ukrainian_by_the_national_system() {
        for (cyrillic, want) in [
            ("Коломойський", "Kolomoiskyi"),
            ("Ігор Валерійович Коломойський", "Ihor Valeriiovych Kolomoiskyi"),
            ("Юрій", "Yurii"),
            ("Євген", "Yevhen"),
            ("Єнакієве", "Yenakiieve"),
            ("Григорій", "Hryhorii"),
            ("Київ", "Kyiv"),
            ("Ґалаґан", "Galagan"),
            ("Мар'яна", "Mariana"),
            ("Марʼяна", "Mariana"),
            ("Згурський", "Zghurskyi"),
            ("Костянтин", "Kostiantyn"),
            ("КОЛОМОЙСЬКИЙ ЮРІЙ", "KOLOMOISKYI YURII"),
            ("Коломои\u{306}ський", "Kolomoiskyi"),
            ("ТОВ «Будівельна компанія Альфа»", "TOV «Budivelna kompaniia Alfa»"),
        ] {
            assert_eq!(latin(cyrillic), want, "{cyrillic}");
        }
    }

    #[test]
    fn russian_by_the_passport_system() {
        for (cyrillic, want) in [
            ("Хрущёв", "Khrushchev"),
            ("Евгений Соловьёв", "Evgenii Solovev"),
            ("Объедков", "Obieedkov"),
            ("Соловьёв", "Solovev"),
            ("Рыбаков", "Rybakov"),
            ("Цой Эрнст", "Tsoi Ernst"),
        ] {
            assert_eq!(latin(cyrillic), want, "{cyrillic}");
        }
    }

    #[test]
    fn georgian_by_the_national_system() {
        for (georgian, want) in [
            ("ბერიძე", "beridze"),
            ("თბილისი", "tbilisi"),
            ("ჭავჭავაძე", "ch'avch'avadze"),
            ("ღვინო", "ghvino"),
            ("ყაზბეგი", "q'azbegi"),
            ("წერეთელი", "ts'ereteli"),
            ("ჯუღაშვილი", "jughashvili"),
            ("ᲑᲔᲠᲘᲫᲔ", "BERIDZE"),
        ] {
            assert_eq!(latin(georgian), want, "{georgian}");
        }
    }
}
