//! The search benchmark's openreg side, in process: generates a deterministic corpus of contracts,
//! organisations, persons and donations with names in Latin, Cyrillic (Ukrainian, Russian) and
//! Georgian; indexes it through `openreg-index` (the crate `openreg search` uses) with the writer's
//! bounded heap; then times a mix of name, cross-script, phrase, fuzzy and filtered queries, each as
//! `openreg search` runs it (total, facets, snippets, a page of 20).
//!
//! It also writes the corpus and the queries as TSV, so that benches/search.sh can run the same
//! corpus and queries through SQLite FTS5 as the peer.
//!
//!     search-bench --docs 1000000 --out-dir DIR [--seed 1] [--queries 2000] [--heap-mb 64]
//!
//! Prints one JSON object: documents, indexing seconds and documents/s, index bytes on disk,
//! latency (median, p90, p99 in ms) per query kind and overall, and hit@100 recall.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use openreg_index::{DocKind, Filter, SearchDoc, SearchIndex, SearchRequest};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Syllables as a Latin-reading journalist, a Ukrainian and a Georgian write them.
const SYLLABLES: &[(&str, &str, &str)] = &[
    ("ko", "ко", "კო"),
    ("va", "ва", "ვა"),
    ("len", "лен", "ლენ"),
    ("ma", "ма", "მა"),
    ("ri", "рі", "რი"),
    ("sha", "ша", "შა"),
    ("ta", "та", "თა"),
    ("na", "на", "ნა"),
    ("bo", "бо", "ბო"),
    ("lo", "ло", "ლო"),
    ("ge", "ге", "გე"),
    ("ber", "бер", "ბერ"),
    ("chu", "чу", "ჩუ"),
    ("ni", "ні", "ნი"),
    ("mel", "мел", "მელ"),
    ("pet", "пет", "პეტ"),
    ("ren", "рен", "რენ"),
    ("sa", "са", "სა"),
    ("vi", "ві", "ვი"),
    ("do", "до", "დო"),
    ("ru", "ру", "რუ"),
    ("kha", "ха", "ხა"),
    ("zu", "зу", "ზუ"),
    ("la", "ла", "ლა"),
    ("mi", "мі", "მი"),
    ("tso", "цо", "ცო"),
];

/// Surname endings by country: Latin and native script.
const ENDINGS: &[(&str, &[(&str, &str)])] = &[
    ("UA", &[("enko", "енко"), ("chuk", "чук"), ("iuk", "юк"), ("ych", "ич")]),
    ("RU", &[("ov", "ов"), ("in", "ин"), ("ev", "ев")]),
    ("GE", &[("shvili", "შვილი"), ("dze", "ძე"), ("ia", "ია"), ("ani", "ანი")]),
    ("GB", &[("son", "son"), ("ley", "ley"), ("ton", "ton")]),
];

const GIVEN: &[(&str, &[(&str, &str)])] = &[
    ("UA", &[("Ivan", "Іван"), ("Olena", "Олена"), ("Taras", "Тарас"), ("Mykola", "Микола"), ("Iryna", "Ірина")]),
    ("RU", &[("Sergei", "Сергей"), ("Evgenii", "Евгений"), ("Olga", "Ольга"), ("Dmitrii", "Дмитрий")]),
    ("GE", &[("Giorgi", "გიორგი"), ("Nino", "ნინო"), ("Tamar", "თამარ"), ("Levan", "ლევან"), ("Davit", "დავით")]),
    ("GB", &[("John", "John"), ("Mary", "Mary"), ("Peter", "Peter"), ("Anna", "Anna")]),
];

const ORG_WORDS: &[(&str, &[(&str, &str)])] = &[
    ("UA", &[("Budservis", "Будсервіс"), ("Ahro", "Агро"), ("Medpostach", "Медпостач"), ("Shliakhbud", "Шляхбуд")]),
    ("RU", &[("Stroi", "Строй"), ("Torg", "Торг"), ("Invest", "Инвест")]),
    ("GE", &[("Asfalti", "ასფალტი"), ("Msheni", "მშენი"), ("Agro", "აგრო")]),
    ("GB", &[("Holdings", "Holdings"), ("Trading", "Trading"), ("Logistics", "Logistics")]),
];

const FORMS: &[(&str, &str)] = &[("UA", "ТОВ"), ("RU", "ООО"), ("GE", "შპს"), ("GB", "Ltd")];

const TITLES: &[(&str, &[&str])] = &[
    (
        "UA",
        &["Капітальний ремонт дороги", "Поточний ремонт школи", "Закупівля медичних виробів", "Реконструкція котельні"],
    ),
    ("RU", &["Ремонт дорожного покрытия", "Поставка медицинских изделий", "Строительство котельной"]),
    ("GE", &["გზის რეაბილიტაცია", "სკოლის შენობის რემონტი", "სამედიცინო მასალების შესყიდვა"]),
    ("GB", &["Road resurfacing works", "School maintenance contract", "Supply of medical consumables"]),
];

const COUNTRIES: &[&str] = &["UA", "UA", "UA", "GE", "GE", "RU", "GB"];
const METHODS: &[&str] = &["open", "open", "selective", "limited", "direct"];

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }
}

fn table<T: Copy>(list: &[(&str, T)], country: &str) -> T {
    list.iter().find(|(c, _)| *c == country).expect("every country has a table").1
}

/// A surname, in Latin and in the country's script.
fn surname(rng: &mut Rng, country: &str) -> (String, String) {
    let n = 2 + rng.below(2);
    let (mut latin, mut native) = (String::new(), String::new());
    for _ in 0..n {
        let (l, c, g) = rng.pick(SYLLABLES);
        latin.push_str(l);
        native.push_str(match country {
            "GE" => g,
            "GB" => l,
            _ => c,
        });
    }
    let (l, c) = rng.pick(table(ENDINGS, country));
    latin.push_str(l);
    native.push_str(c);
    (capitalise(&latin), capitalise(&native))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One generated document, with the Latin spelling of its main name (what a journalist types).
struct Generated {
    doc: SearchDoc,
    latin_given: String,
    latin_surname: String,
    native_surname: String,
}

fn person_name(rng: &mut Rng, country: &str) -> (String, String, String, String) {
    let (gl, gn) = rng.pick(table(GIVEN, country));
    let (sl, sn) = surname(rng, country);
    // Most names are in the country's script; some already in Latin letters.
    let native = country != "GB" && rng.below(10) < 7;
    let name = if native { format!("{gn} {sn}") } else { format!("{gl} {sl}") };
    (name, gl.to_string(), sl, if native { sn } else { String::new() })
}

fn generate(i: u64, seed: u64) -> Generated {
    let mut rng = Rng::new(seed ^ (i + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let country = *rng.pick(COUNTRIES);
    let roll = rng.below(100);
    let date = format!("20{:02}-{:02}-{:02}", 18 + rng.below(8), 1 + rng.below(12), 1 + rng.below(28));
    let (given, surname_latin, surname_native);
    let mut doc;
    if roll < 30 {
        let (name, g, sl, sn) = person_name(&mut rng, country);
        (given, surname_latin, surname_native) = (g, sl, sn);
        doc = SearchDoc::new(format!("person/gen-{i:07}"), DocKind::Person, name.clone());
        doc.names.push(name);
        doc.roles.push((*rng.pick(&["beneficial_owner", "donor", "supplier"])).to_string());
        doc.identifiers.push(match country {
            "UA" => format!("UKR-TAXID-{:010}", 1_000_000_000 + i),
            "GE" => format!("GEO-TAXID-{:011}", 10_000_000_000 + i),
            _ => format!("{country}-PASSPORT-{i}"),
        });
    } else if roll < 65 {
        let (sl, sn) = surname(&mut rng, country);
        let (wl, wn) = rng.pick(table(ORG_WORDS, country));
        let form = table(FORMS, country);
        let native = country != "GB" && rng.below(10) < 8;
        let name = if native { format!("{form} «{sn} {wn}»") } else { format!("{sl} {wl} LLC") };
        (given, surname_latin, surname_native) = (wl.to_string(), sl, if native { sn } else { String::new() });
        doc = SearchDoc::new(format!("organization/gen-{i:07}"), DocKind::Organization, name.clone());
        doc.names.push(name);
        doc.roles.push((*rng.pick(&["buyer", "supplier", "tenderer", "registered_entity"])).to_string());
        doc.identifiers.push(match country {
            "UA" => format!("UA-EDR-{:08}", 10_000_000 + i),
            "GE" => format!("GE-NAPR-{:09}", 200_000_000 + i),
            "GB" => format!("GB-COH-{:08}", i),
            _ => format!("RU-OGRN-{i}"),
        });
    } else if roll < 90 {
        let title = rng.pick(table(TITLES, country)).to_string();
        let (sl, sn) = surname(&mut rng, country);
        let (wl, wn) = rng.pick(table(ORG_WORDS, country));
        let form = table(FORMS, country);
        let supplier = if country == "GB" { format!("{sl} {wl} Ltd") } else { format!("{form} «{sn} {wn}»") };
        (given, surname_latin, surname_native) = (wl.to_string(), sl, if country == "GB" { String::new() } else { sn });
        let ocid = format!("ocds-bench-{i:07}");
        doc = SearchDoc::new(format!("contract/{ocid}"), DocKind::Contract, title.clone());
        doc.text.push(format!("{title} {}", 1 + rng.below(200)));
        doc.parties.push(supplier.clone());
        doc.identifiers.push(ocid);
        doc.suppliers = openreg_index::document::filter_keys(Some(&supplier), &[]);
        doc.method = Some((*rng.pick(METHODS)).to_string());
        doc.status = Some((*rng.pick(&["active", "complete", "cancelled"])).to_string());
        doc.category = Some((*rng.pick(&["works", "goods", "services"])).to_string());
        doc.value = Some((1 + rng.below(5_000)) as f64 * 1_000.0);
        doc.currency = Some(table(&[("UA", "UAH"), ("RU", "RUB"), ("GE", "GEL"), ("GB", "GBP")], country).to_string());
        doc.date = Some(date.clone());
        doc.summary = format!("supplier {supplier}");
    } else {
        let (name, g, sl, sn) = person_name(&mut rng, country);
        (given, surname_latin, surname_native) = (g, sl, sn);
        let party = format!("Party {}", 1 + rng.below(40));
        doc = SearchDoc::new(format!("donation/gen-{i:07}"), DocKind::Donation, format!("{name} → {party}"));
        doc.names.push(name);
        doc.parties.push(party);
        doc.roles.push("donor".into());
        doc.category = Some("money".into());
        doc.value = Some((1 + rng.below(500)) as f64 * 100.0);
        doc.date = Some(date.clone());
    }
    doc.countries.push(country.to_string());
    Generated { doc, latin_given: given, latin_surname: surname_latin, native_surname: surname_native }
}

/// One typo in a word: two neighbouring letters swapped or one letter changed.
fn typo(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return word.to_string();
    }
    let at = 1 + rng.below(chars.len() - 2);
    if rng.below(2) == 0 {
        chars.swap(at, at + 1);
    } else {
        chars[at] = if chars[at] == 'e' { 'a' } else { 'e' };
    }
    chars.into_iter().collect()
}

struct Query {
    kind: &'static str,
    text: String,
    filters: Vec<(String, String)>,
    target: String,
    /// The same search for SQLite FTS5 (MATCH expression).
    fts: String,
}

fn queries(docs: u64, seed: u64, n: usize) -> Vec<Query> {
    let mut rng = Rng::new(seed ^ 0xA5A5_5A5A);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let i = rng.next() % docs;
        let g = generate(i, seed);
        if g.latin_surname.is_empty() {
            continue;
        }
        let id = g.doc.id.clone();
        let query = match out.len() % 6 {
            // A name as written in the data.
            0 => {
                let word = if g.native_surname.is_empty() { &g.latin_surname } else { &g.native_surname };
                Query { kind: "name", text: word.clone(), filters: vec![], target: id, fts: format!("\"{word}\"") }
            }
            // The same name typed in Latin letters, whatever script the data uses.
            1 => Query {
                kind: "cross-script",
                text: g.latin_surname.clone(),
                filters: vec![],
                target: id,
                fts: format!("\"{}\"", g.latin_surname),
            },
            // Two words as a phrase (given name and surname; organisation name and word).
            2 => {
                let words = &g.doc.names.first().or(g.doc.parties.first()).cloned().unwrap_or_default();
                let phrase: Vec<&str> = words
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty() && !["ТОВ", "ООО", "შპს", "Ltd", "LLC"].contains(w))
                    .take(2)
                    .collect();
                let phrase = phrase.join(" ");
                Query {
                    kind: "phrase",
                    text: format!("\"{phrase}\""),
                    filters: vec![],
                    target: id,
                    fts: format!("\"{phrase}\""),
                }
            }
            // A typo in the Latin spelling.
            3 => {
                let text = typo(&g.latin_surname, &mut rng);
                Query { kind: "fuzzy", text: text.clone(), filters: vec![], target: id, fts: format!("\"{text}\"") }
            }
            // A name with filters: country, type, and a date or value range.
            _ => {
                let word = if g.native_surname.is_empty() { &g.latin_surname } else { &g.native_surname };
                let mut filters = vec![
                    ("country".to_string(), g.doc.countries[0].clone()),
                    ("type".to_string(), g.doc.kind.as_str().to_string()),
                ];
                if let Some(date) = &g.doc.date {
                    filters.push(("date".into(), format!("{}..", &date[..4])));
                }
                if let Some(value) = g.doc.value {
                    filters.push(("value".into(), format!("..{}", value)));
                }
                Query { kind: "filtered", text: word.clone(), filters, target: id, fts: format!("\"{word}\"") }
            }
        };
        let _ = &g.latin_given;
        out.push(query);
    }
    out
}

/// The calling thread's CPU time in ms: on a busy machine the wall-clock tail is mostly waiting for
/// a core, and CPU time says how much work a query really is.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given and nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn tsv(text: &str) -> String {
    text.replace(['\t', '\n'], " ")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut docs, mut seed, mut nq, mut heap_mb) = (1_000_000u64, 1u64, 2_000usize, 64usize);
    // --reuse: query the index and corpus a previous run left in --out-dir (no generation, no indexing).
    let mut reuse = false;
    let mut breakdown = false;
    let mut out_dir: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--docs" => docs = value().parse().expect("--docs N"),
            "--seed" => seed = value().parse().expect("--seed S"),
            "--queries" => nq = value().parse().expect("--queries N"),
            "--heap-mb" => heap_mb = value().parse().expect("--heap-mb N"),
            "--out-dir" => out_dir = Some(PathBuf::from(value())),
            "--reuse" => reuse = true,
            "--breakdown" => breakdown = true,
            other => panic!("unknown argument {other}"),
        }
    }
    let out_dir = out_dir.expect("--out-dir DIR");
    std::fs::create_dir_all(&out_dir).expect("out dir");
    let index_dir = out_dir.join("openreg-index");
    if !reuse {
        let _ = std::fs::remove_dir_all(&index_dir);
    }

    // Generation alone, written as TSV for the peer.
    let started = Instant::now();
    let corpus_docs = if reuse { 0 } else { docs };
    let mut corpus = BufWriter::new(File::create(out_dir.join("corpus.tsv")).expect("corpus.tsv"));
    for i in 0..corpus_docs {
        let g = generate(i, seed);
        let d = &g.doc;
        writeln!(
            corpus,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            d.id,
            d.kind.as_str(),
            tsv(&d.names.iter().chain(&d.parties).cloned().collect::<Vec<_>>().join(" | ")),
            tsv(&d.text.join(" | ")),
            d.countries.join(","),
            d.date.clone().unwrap_or_default(),
            d.value.map(|v| v.to_string()).unwrap_or_default()
        )
        .expect("write corpus");
    }
    corpus.flush().expect("flush corpus");
    let generate_seconds = started.elapsed().as_secs_f64();
    eprintln!("generated {docs} documents in {generate_seconds:.1} s");

    // Indexing, as `openreg reindex` does it: bounded writer heap, a commit every 200,000.
    let started = Instant::now();
    let (mut index, _) = SearchIndex::open(&index_dir).expect("index opens");
    index.set_writer(heap_mb << 20, 2);
    for i in 0..corpus_docs {
        index.add_new(&generate(i, seed).doc).expect("add");
        if (i + 1) % 200_000 == 0 {
            index.commit(200_000).expect("commit");
            eprintln!("indexed {} documents, {:.1} s", i + 1, started.elapsed().as_secs_f64());
        }
    }
    if !reuse {
        index.commit(docs % 200_000).expect("commit");
        // As `openreg reindex` ends: the segments merged into one.
        index.optimize().expect("merge");
    }
    index.finish().expect("merges");
    let index_seconds = started.elapsed().as_secs_f64();
    let index_bytes = index.disk_bytes();
    eprintln!("indexed in {index_seconds:.1} s, {:.0} MB, {} segments", index_bytes as f64 / 1e6, index.segments());

    // Queries: written for the peer, warmed, then timed.
    let list = queries(docs, seed, nq);
    let mut file = BufWriter::new(File::create(out_dir.join("queries.tsv")).expect("queries.tsv"));
    for q in &list {
        let filters: Vec<String> = q.filters.iter().map(|(f, v)| format!("{f}={v}")).collect();
        writeln!(file, "{}\t{}\t{}\t{}\t{}", q.kind, tsv(&q.text), filters.join(";"), q.target, tsv(&q.fts))
            .expect("write queries");
    }
    file.flush().expect("flush queries");
    let request = |q: &Query, limit: usize| {
        let mut r = SearchRequest::new(&q.text);
        r.filters = q.filters.iter().map(|(f, v)| Filter::parse(&format!("{f}={v}")).expect("filter")).collect();
        r.limit = limit;
        r
    };
    for q in list.iter().take(200) {
        index.search(&request(q, 20)).expect("search");
    }
    if breakdown {
        // Where a query's time goes: all of it, without facets, without snippets, without both.
        for q in list.iter().take(40) {
            let mut r = request(q, 20);
            let time = |r: &SearchRequest| {
                let t = Instant::now();
                let found = index.search(r).expect("search");
                (t.elapsed().as_secs_f64() * 1e3, found.total)
            };
            let (all, total) = time(&r);
            r.facets = false;
            let (no_facets, _) = time(&r);
            r.snippets = false;
            let (bare, _) = time(&r);
            eprintln!(
                "{:<12} {:>8} matches {all:>7.2} ms, no facets {no_facets:>7.2}, bare {bare:>7.2}  {}",
                q.kind, total, q.text
            );
        }
    }
    let mut times: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut cpu: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for q in &list {
        let cpu_started = thread_cpu_ms();
        let started = Instant::now();
        let found = index.search(&request(q, 20)).expect("search");
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let cpu_ms = thread_cpu_ms() - cpu_started;
        for kind in [q.kind, "all"] {
            times.entry(kind).or_default().push(ms);
            cpu.entry(kind).or_default().push(cpu_ms);
        }
        *totals.entry(q.kind).or_default() += found.total;
    }
    // Recall (untimed): is the document the query was made from among the first 100 hits?
    let mut recall: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for q in &list {
        let found = index.search(&request(q, 100)).expect("search");
        let entry = recall.entry(q.kind).or_default();
        entry.1 += 1;
        if found.hits.iter().any(|h| h.id == q.target) {
            entry.0 += 1;
        }
    }
    let mut latency = serde_json::Map::new();
    for (kind, list) in &mut times {
        list.sort_by(|a, b| a.total_cmp(b));
        let cpu = cpu.get_mut(kind).expect("same kinds");
        cpu.sort_by(|a, b| a.total_cmp(b));
        latency.insert(
            kind.to_string(),
            serde_json::json!({
                "queries": list.len(),
                "median_ms": percentile(list, 0.5),
                "p90_ms": percentile(list, 0.9),
                "p99_ms": percentile(list, 0.99),
                "max_ms": list.last().copied().unwrap_or(f64::NAN),
                "cpu_median_ms": percentile(cpu, 0.5),
                "cpu_p99_ms": percentile(cpu, 0.99),
                "mean_total": totals.get(kind).map(|t| *t as f64 / list.len() as f64),
            }),
        );
    }
    let recall: serde_json::Map<String, serde_json::Value> = recall
        .into_iter()
        .map(|(kind, (hit, n))| (kind.to_string(), serde_json::json!(hit as f64 / n as f64)))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "documents": docs,
            "generate_seconds": generate_seconds,
            "index_seconds": index_seconds,
            "documents_per_second": docs as f64 / index_seconds,
            "index_bytes": index_bytes,
            "heap_mb": heap_mb,
            "latency": latency,
            "recall_at_100": recall,
        })
    );
}
