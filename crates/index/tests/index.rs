//! The index on its own: documents in, searches out — across scripts, with typos, identifiers,
//! filters, facets, and pages that neither skip nor repeat a hit while documents are added.

use std::collections::BTreeSet;

use openreg_index::{DocKind, Filter, SearchDoc, SearchIndex, SearchRequest};

fn person(id: &str, name: &str, country: &str) -> SearchDoc {
    let mut doc = SearchDoc::new(format!("person/{id}"), DocKind::Person, name.to_string());
    doc.names.push(name.to_string());
    doc.countries.push(country.to_string());
    doc.roles.push("donor".into());
    doc
}

fn company(id: &str, name: &str, identifier: &str) -> SearchDoc {
    let mut doc = SearchDoc::new(format!("organization/{id}"), DocKind::Organization, name.to_string());
    doc.names.push(name.to_string());
    doc.identifiers.push(identifier.to_string());
    doc.countries.push("UA".into());
    doc
}

fn contract(n: usize, title: &str, supplier: &str, method: &str, value: f64, date: &str) -> SearchDoc {
    let mut doc = SearchDoc::new(format!("contract/ocds-test-{n:05}"), DocKind::Contract, title.to_string());
    doc.text.push(title.to_string());
    doc.parties.push(supplier.to_string());
    doc.suppliers = openreg_index::document::filter_keys(Some(supplier), &[]);
    doc.method = Some(method.into());
    doc.value = Some(value);
    doc.currency = Some("UAH".into());
    doc.date = Some(date.into());
    doc.countries.push("UA".into());
    doc
}

fn open() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open(dir.path()).unwrap();
    (dir, index)
}

fn ids(index: &SearchIndex, text: &str) -> Vec<String> {
    let mut request = SearchRequest::new(text);
    request.limit = 100;
    index.search(&request).unwrap().hits.into_iter().map(|h| h.id).collect()
}

fn world() -> (tempfile::TempDir, SearchIndex) {
    let (dir, mut index) = open();
    for doc in [
        person("uk-1", "Коваленко Іван Петрович", "UA"),
        person("ru-1", "Евгений Соловьёв", "RU"),
        person("ge-1", "გიორგი ბერიძე", "GE"),
        person("en-1", "Olena Kovalchuk", "UA"),
        person("ge-2", "Tamar Chavchavadze", "GE"),
        company("edr-1", "ТОВ «Будмайстер»", "UA-EDR-37609523"),
        company("edr-2", "Kolomoisky Holdings Ltd", "GB-COH-00507062"),
        contract(1, "Ремонт доріг у Києві", "ТОВ «Будмайстер»", "open", 2_340_000.0, "2025-03-03"),
        contract(2, "Road repairs in Tbilisi", "შპს ჯეო-ასფალტი", "limited", 150_000.0, "2024-11-20"),
    ] {
        index.add_new(&doc).unwrap();
    }
    index.commit(0).unwrap();
    (dir, index)
}

#[test]
fn names_are_found_across_scripts_both_ways() {
    let (_dir, index) = world();
    assert_eq!(ids(&index, "Kovalenko"), ["person/uk-1"]);
    assert_eq!(ids(&index, "Коваленко"), ["person/uk-1"]);
    assert_eq!(ids(&index, "Beridze"), ["person/ge-1"]);
    assert_eq!(ids(&index, "ბერიძე"), ["person/ge-1"]);
    assert_eq!(ids(&index, "Solovev"), ["person/ru-1"]);
    assert_eq!(ids(&index, "Соловьев"), ["person/ru-1"]);
    // Latin names are found from other scripts too, and romanisation variants meet.
    assert_eq!(ids(&index, "ჭავჭავაძე"), ["person/ge-2"]);
    assert_eq!(ids(&index, "Коломойський"), ["organization/edr-2"]);
    assert_eq!(ids(&index, "Kolomoiskyi"), ["organization/edr-2"]);
    assert_eq!(ids(&index, "Budmaister")[0], "organization/edr-1");
    assert_eq!(ids(&index, "\"Іван Коваленко\"").len(), 0, "a phrase keeps its order");
    assert_eq!(ids(&index, "\"Kovalenko Ivan\""), ["person/uk-1"]);
}

#[test]
fn typos_still_find_the_name_and_exact_matches_rank_first() {
    let (_dir, index) = world();
    assert_eq!(ids(&index, "Kovalenkp"), ["person/uk-1"]);
    assert_eq!(ids(&index, "Budmajster")[0], "organization/edr-1");
    assert_eq!(ids(&index, "Berdize"), ["person/ge-1"]);
    // Kovalchuk is two edits from Kovalenko: not a typo of it.
    assert!(!ids(&index, "Kovalenko").contains(&"person/en-1".to_string()));
    // Prefixes for type-ahead.
    assert_eq!(ids(&index, "Будм*")[0], "organization/edr-1");
}

#[test]
fn identifiers_are_exact_terms() {
    let (_dir, index) = world();
    for query in ["37609523", "UA-EDR-37609523", "UA-EDR 37609523", "ua-edr:37609523"] {
        assert_eq!(ids(&index, query), ["organization/edr-1"], "{query}");
    }
    assert_eq!(ids(&index, "507062"), Vec::<String>::new(), "a number is found whole, not in part");
    assert_eq!(ids(&index, "GB-COH 507062"), ["organization/edr-2"], "leading zeros as the scheme defines");
}

#[test]
fn filters_ranges_and_facets() {
    let (_dir, index) = world();
    let mut request = SearchRequest::new("");
    request.filters = vec![Filter::parse("value=100000..1000000").unwrap()];
    let found = index.search(&request).unwrap();
    assert_eq!(found.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["contract/ocds-test-00002"]);
    request.filters = vec![Filter::parse("date=2025").unwrap()];
    assert_eq!(index.search(&request).unwrap().total, 1);
    request.filters = vec![Filter::parse("supplier=Budmaister LLC").unwrap()];
    assert_eq!(index.search(&request).unwrap().hits[0].id, "contract/ocds-test-00001");
    request.filters = vec![Filter::parse("country=GE").unwrap(), Filter::parse("country=RU").unwrap()];
    assert_eq!(index.search(&request).unwrap().total, 3, "values of one filter are alternatives");
    request.filters = vec![Filter::parse("country=GE").unwrap(), Filter::parse("type=person").unwrap()];
    assert_eq!(index.search(&request).unwrap().total, 2);

    let all = index.search(&SearchRequest::new("*")).unwrap();
    assert_eq!(all.total, 9);
    let types: Vec<(String, u64)> = all.facets["type"].iter().map(|f| (f.value.clone(), f.count)).collect();
    assert_eq!(types, [("person".into(), 5), ("contract".into(), 2), ("organization".into(), 2)]);
    let countries: Vec<(&str, u64)> = all.facets["country"].iter().map(|f| (f.value.as_str(), f.count)).collect();
    assert_eq!(countries, [("UA", 6), ("GE", 2), ("RU", 1)]);
    assert!(Filter::parse("date=2025-13")
        .map(|f| {
            let mut r = SearchRequest::new("");
            r.filters = vec![f];
            index.search(&r).is_err()
        })
        .unwrap());
}

#[test]
fn snippets_mark_the_words_found() {
    let (_dir, index) = world();
    let found = index.search(&SearchRequest::new("Beridze")).unwrap();
    assert_eq!(found.hits[0].snippet, "გიორგი <b>ბერიძე</b>");
    assert_eq!(found.hits[0].name.as_deref(), Some("გიორგი ბერიძე"));
    let found = index.search(&SearchRequest::new("remont dorih")).unwrap();
    assert_eq!(found.hits[0].title.as_deref(), Some("Ремонт доріг у Києві"));
    assert_eq!(found.hits[0].snippet, "<b>Ремонт</b> <b>доріг</b> у Києві");
}

/// Every name in the test corpus contains this word, so all documents match and scores differ
/// by name length and by how often the word is repeated.
fn corpus_doc(n: usize) -> SearchDoc {
    let extra = ["", " Petrenko", " Petrenko Ivanovych", " Коваленко"][n % 4];
    let name = format!("Shevchenko{} {}", extra, ["Oleh", "Олег", "ოლეგი"][n % 3]);
    let mut doc = SearchDoc::new(format!("person/p{n:05}"), DocKind::Person, name.clone());
    doc.names.push(name);
    if n.is_multiple_of(5) {
        doc.text.push("Shevchenko Shevchenko".into());
    }
    doc
}

#[test]
fn pages_neither_skip_nor_repeat_while_documents_are_added() {
    let (_dir, mut index) = open();
    for n in 0..300 {
        index.add_new(&corpus_doc(n)).unwrap();
    }
    index.commit(0).unwrap();
    let original: BTreeSet<String> = (0..300).map(|n| format!("person/p{n:05}")).collect();

    let mut seen: Vec<String> = Vec::new();
    let mut request = SearchRequest::new("Shevchenko");
    request.limit = 20;
    let mut added = 300;
    let mut last: Option<(f32, String)> = None;
    loop {
        let page = index.search(&request).unwrap();
        for hit in &page.hits {
            // The order is strict: score descending, then id.
            if let Some((score, id)) = &last {
                assert!(hit.score < *score || (hit.score == *score && hit.id > *id), "{hit:?} after {last:?}");
            }
            last = Some((hit.score, hit.id.clone()));
            seen.push(hit.id.clone());
        }
        // Between pages: more documents, most without the word (which makes it rarer and changes
        // the average name length), a few with it, one replaced; live scores would move.
        for k in 0..23 {
            let mut doc = corpus_doc(added);
            if k >= 3 {
                doc.names = vec![format!("Petrenko Vasyl {added}")];
                doc.text.clear();
            }
            index.add_new(&doc).unwrap();
            added += 1;
        }
        index.upsert(&corpus_doc(seen.len() % 300)).unwrap();
        index.commit(0).unwrap();
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a hit was repeated");
    let missing: Vec<&String> = original.difference(&unique).collect();
    assert!(missing.is_empty(), "hits skipped: {missing:?}");

    // Without frozen statistics the same walk would have moved: the live score of a document
    // differs now from the score it had on the first page.
    let fresh = index.search(&SearchRequest::new("Shevchenko")).unwrap();
    assert!(fresh.total > 300);

    // A cursor is refused with another query.
    let mut other = SearchRequest::new("Petrenko");
    other.cursor = request.cursor.clone();
    assert!(index.search(&other).is_err());
}
