//! Snippets: the passage of a hit that matches, with the matching words marked — in any script, so
//! a search for `Beridze` marks `ბერიძე`, and a typo marks the word it found.

use crate::analysis::{typo_distance, words, Word};
use crate::query::highlight_words;

/// The longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;

pub struct Highlighter {
    exact: Vec<Word>,
    prefixes: Vec<Word>,
}

/// Edits between two words (insertions, deletions, substitutions, swaps of neighbours).
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

impl Highlighter {
    pub fn new(query: &str) -> Highlighter {
        let (exact, prefixes) = highlight_words(query);
        Highlighter { exact, prefixes }
    }

    fn matches(&self, word: &Word) -> bool {
        self.exact.iter().any(|q| {
            q.original == word.original
                || (!q.latin.is_empty() && q.latin == word.latin)
                || (!q.skeleton.is_empty() && q.skeleton == word.skeleton)
                || {
                    let distance = usize::from(typo_distance(&q.skeleton));
                    distance > 0 && edits(&q.skeleton, &word.skeleton) <= distance
                }
        }) || self.prefixes.iter().any(|p| {
            word.original.starts_with(&p.original) || (!p.latin.is_empty() && word.latin.starts_with(&p.latin))
        })
    }

    /// The value with the most marked words, cut around the first of them; `None` when no word
    /// matches (the hit was found by identifier).
    pub fn snippet(&self, values: &[String]) -> Option<String> {
        // (marks, value, their byte ranges)
        type Best<'v> = (usize, &'v str, Vec<(usize, usize)>);
        let mut best: Option<Best> = None;
        for value in values {
            let marks: Vec<(usize, usize)> =
                words(value).into_iter().filter(|w| self.matches(w)).map(|w| (w.start, w.end)).collect();
            if !marks.is_empty() && best.as_ref().is_none_or(|b| marks.len() > b.0) {
                best = Some((marks.len(), value, marks));
            }
        }
        let (_, value, marks) = best?;
        // A window of at most SNIPPET_CHARS characters, starting a little before the first mark.
        let first = marks[0].0;
        let before: Vec<usize> = value[..first].char_indices().map(|(i, _)| i).collect();
        let start = if value.chars().count() <= SNIPPET_CHARS || before.is_empty() {
            0
        } else {
            before[before.len().saturating_sub(40)]
        };
        let end = value[start..].char_indices().nth(SNIPPET_CHARS).map_or(value.len(), |(i, _)| start + i);
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        let mut at = start;
        for (s, e) in marks.into_iter().filter(|(s, e)| *s >= start && *e <= end) {
            out.push_str(&escape(&value[at..s]));
            out.push_str("<b>");
            out.push_str(&escape(&value[s..e]));
            out.push_str("</b>");
            at = e;
        }
        out.push_str(&escape(&value[at..end]));
        if end < value.len() {
            out.push('…');
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_in_any_script_and_with_typos() {
        let h = Highlighter::new("Beridze");
        assert_eq!(h.snippet(&["გიორგი ბერიძე".into()]).unwrap(), "გიორგი <b>ბერიძე</b>");
        let h = Highlighter::new("Kovalenkp");
        assert_eq!(h.snippet(&["ТОВ Коваленко & Co".into()]).unwrap(), "ТОВ <b>Коваленко</b> &amp; Co");
        let h = Highlighter::new("Будм*");
        assert_eq!(h.snippet(&["Budmaister LLC".into()]).unwrap(), "<b>Budmaister</b> LLC");
        assert!(Highlighter::new("Smith").snippet(&["Jones".into()]).is_none());
        assert_eq!(edits("kovalenko", "kovlaenko"), 1);
    }

    #[test]
    fn long_values_are_cut_around_the_match() {
        let value = format!("{} Beridze {}", "word ".repeat(100), "tail ".repeat(100));
        let snippet = Highlighter::new("Beridze").snippet(&[value]).unwrap();
        assert!(snippet.starts_with('…') && snippet.ends_with('…'), "{snippet}");
        assert!(snippet.contains("<b>Beridze</b>"));
        assert!(snippet.chars().count() < 230);
    }
}
