//! Every input shape publishers produce, read from real published data in ../shared/data (skipped with
//! a message where it is absent) and from the project's own fixtures.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use openreg_ingest::{open, read_ocds, ByteCounter, ContainerKind, Detected, Encoding, Input, Item};
use openreg_model::merge::json_eq;
use serde_json::Value;

fn shared(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is missing (a fresh clone has no ../shared)", path.display());
        None
    }
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(rel)
}

#[derive(Default, Debug)]
struct Seen {
    releases: Vec<Value>,
    linked_records: usize,
    containers: Vec<ContainerKind>,
    bad: Vec<openreg_ingest::Bad>,
}

fn read_bytes(bytes: &[u8]) -> Seen {
    let mut seen = Seen::default();
    read_ocds::<_, ()>(bytes, &mut |item| {
        match item {
            // As in the pipeline, a release whose text is not JSON is bad (checking finds it).
            Item::Release { json, at, pointer, .. } => match serde_json::from_slice(&json) {
                Ok(release) => seen.releases.push(release),
                Err(e) => seen.bad.push(openreg_ingest::Bad {
                    at,
                    pointer,
                    reason: e.to_string(),
                    raw: String::from_utf8_lossy(&json).into_owned(),
                }),
            },
            Item::LinkedRecord { .. } => seen.linked_records += 1,
            Item::ContainerEnd { kind, .. } => seen.containers.push(kind),
            Item::Bad(bad) => seen.bad.push(bad),
        }
        Ok(())
    })
    .unwrap();
    seen
}

fn read_file(path: &Path, encoding: Encoding) -> (Seen, Detected) {
    let mut opened = open(&Input::File(path.to_path_buf()), encoding, ByteCounter::default()).unwrap();
    let mut text = Vec::new();
    opened.reader.read_to_end(&mut text).unwrap();
    let detected = opened.reader.detected();
    (read_bytes(&text), detected)
}

#[test]
fn release_package() {
    let Some(path) = shared("ocds/samples/mexico-cdmx/release-package-1-2.json") else {
        return;
    };
    let (seen, _) = read_file(&path, Encoding::Auto);
    assert_eq!(seen.releases.len(), 4);
    assert_eq!(seen.containers, [ContainerKind::ReleasePackage]);
    assert!(seen.bad.is_empty());
}

#[test]
fn concatenated_packages() {
    let Some(path) = shared("ocds/samples/mexico-cdmx/release-package_split.json") else {
        return;
    };
    let (seen, _) = read_file(&path, Encoding::Auto);
    assert_eq!(seen.releases.len(), 4);
    assert_eq!(seen.containers.len(), 2);
    assert!(seen.bad.is_empty(), "{:?}", seen.bad);
}

#[test]
fn iso_8859_1_is_detected_and_decoded() {
    let (Some(latin), Some(utf8)) = (
        shared("ocds/samples/mexico-cdmx/release-package_encoding-iso-8859-1.json"),
        shared("ocds/samples/mexico-cdmx/release-package_encoding-utf-8.json"),
    ) else {
        return;
    };
    let (from_latin, detected) = read_file(&latin, Encoding::Auto);
    assert_eq!(detected, Detected::Windows1252);
    let (from_utf8, _) = read_file(&utf8, Encoding::Auto);
    assert_eq!(from_latin.releases.len(), 3);
    let same = |a: &[Value], b: &[Value]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_eq(x, y));
    assert!(same(&from_latin.releases, &from_utf8.releases));
    let (forced, _) = read_file(&latin, Encoding::Latin1);
    assert!(same(&forced.releases, &from_utf8.releases));
}

#[test]
fn record_packages_with_linked_and_embedded_releases() {
    let Some(linked) = shared("ocds/samples/mexico-cdmx/record-package_linked-releases.json") else {
        return;
    };
    let (seen, _) = read_file(&linked, Encoding::Auto);
    assert_eq!(seen.releases.len(), 0);
    assert_eq!(seen.linked_records, 2);
    let Some(embedded) = shared("ocds/samples/mexico-cdmx/record-package_package.json") else {
        return;
    };
    let (seen, _) = read_file(&embedded, Encoding::Auto);
    assert_eq!(seen.releases.len(), 4);
    assert_eq!(seen.linked_records, 0);
    assert_eq!(seen.containers, [ContainerKind::RecordPackage]);
    let Some(split) = shared("ocds/samples/mexico-cdmx/record-package_split.json") else {
        return;
    };
    let (seen, _) = read_file(&split, Encoding::Auto);
    assert_eq!(seen.containers.len(), 2);
}

#[test]
fn json_lines_of_releases_and_of_packages() {
    let Some(path) = shared("ocds/samples/ocp-fictional/ocds-sample-data.jsonl") else {
        return;
    };
    let (seen, _) = read_file(&path, Encoding::Auto);
    assert!(!seen.releases.is_empty());
    assert!(seen.bad.is_empty(), "{:?}", seen.bad);
    let Some(path) = shared("ocds/samples/ocp-fictional/release-packages.jsonl") else {
        return;
    };
    let (seen, _) = read_file(&path, Encoding::Auto);
    assert!(seen.containers.len() >= 2, "{:?}", seen.containers);
}

#[test]
fn fixtures_read_cleanly() {
    let (seen, _) = read_file(&fixture("ocds/ua-release-package.json"), Encoding::Auto);
    assert_eq!(seen.releases.len(), 15);
    let (seen, _) = read_file(&fixture("ocds/ge-releases.jsonl"), Encoding::Auto);
    assert_eq!(seen.releases.len(), 8);
    let (seen, _) = read_file(&fixture("ocds/ua-record-package.json"), Encoding::Auto);
    assert_eq!(seen.linked_records, 1);
}

#[test]
fn a_truncated_line_costs_only_that_line() {
    let (seen, _) = read_file(&fixture("ocds/bad/mixed-bad.jsonl"), Encoding::Auto);
    // 14 lines: one is not JSON; the other 13 parse (4 of them fail validation later, in the store).
    assert_eq!(seen.releases.len(), 13);
    assert_eq!(seen.bad.len(), 1);
    assert_eq!(seen.bad[0].at.line, 3);
    assert!(seen.bad[0].reason.contains("not valid JSON"), "{}", seen.bad[0].reason);
}

#[test]
fn gzip_is_recognised_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-extension");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(fixture("ocds/ua-release-package.json")).unwrap()).unwrap();
    gz.finish().unwrap();
    let (seen, _) = read_file(&path, Encoding::Auto);
    assert_eq!(seen.releases.len(), 15);
}

#[test]
fn bare_releases_arrays_and_bom() {
    let text = "\u{FEFF}[{\"ocid\":\"a\",\"id\":\"1\"},{\"ocid\":\"a\",\"id\":\"2\"}]\n{\"ocid\":\"b\",\"id\":\"1\"}";
    let mut decoded = String::new();
    openreg_ingest::Utf8Reader::new(text.as_bytes(), Encoding::Auto).read_to_string(&mut decoded).unwrap();
    let seen = read_bytes(decoded.as_bytes());
    assert_eq!(seen.releases.len(), 3);
    assert!(seen.bad.is_empty());
}

#[test]
fn a_broken_release_inside_a_package_is_quarantined_and_the_rest_goes_on() {
    let text = br#"{"uri":"x","releases":[
      {"ocid":"a","id":"1","date":"2020-01-01T00:00:00Z"},
      {"ocid":"a","id":"2","value": 01},
      {"ocid":"a","id":"3","date":"2020-01-03T00:00:00Z"}
    ],"version":"1.1"}"#;
    let seen = read_bytes(text);
    assert_eq!(seen.releases.len(), 2);
    assert_eq!(seen.bad.len(), 1);
    assert_eq!(seen.bad[0].pointer, "/releases/1");
    assert_eq!(seen.bad[0].at.line, 3);
}

#[test]
fn a_truncated_package_keeps_what_came_before() {
    let text = br#"{"uri":"x","releases":[{"ocid":"a","id":"1"},{"ocid":"a","id":"2"},{"ocid":"a","#;
    let seen = read_bytes(text);
    assert_eq!(seen.releases.len(), 2);
    assert_eq!(seen.bad.len(), 1);
    assert!(seen.bad[0].reason.contains("truncated"), "{}", seen.bad[0].reason);
}

#[test]
fn damaged_pretty_package_recovers_releases_after_the_damage() {
    let text = b"{\"releases\": [\n  {\"ocid\": \"a\", \"id\": \"1\"},\n  {\"ocid\": \"a\" \"id\": \"2\"},\n  {\"ocid\": \"b\", \"id\": \"1\"}\n]}\n";
    let seen = read_bytes(text);
    let ids: Vec<String> = seen.releases.iter().map(|r| format!("{}/{}", r["ocid"], r["id"])).collect();
    assert!(ids.contains(&"\"b\"/\"1\"".to_string()), "{ids:?}");
    assert!(!seen.bad.is_empty());
}

/// Bad input never crashes the reader: every truncation and a byte flipped at many places of a real
/// package still reads to the end, and every release that comes out is one the input holds whole.
#[test]
fn truncated_and_corrupted_inputs_never_crash() {
    let text = std::fs::read(fixture("ocds/ua-release-package.json")).unwrap();
    let whole = read_bytes(&text).releases.len();
    for cut in (0..text.len()).step_by(97) {
        let seen = read_bytes(&text[..cut]);
        assert!(seen.releases.len() <= whole, "cut at {cut}");
    }
    for at in (0..text.len()).step_by(89) {
        for byte in [b'{', b'}', b'"', b',', b'\\', 0xff] {
            let mut damaged = text.clone();
            damaged[at] = byte;
            let seen = read_bytes(&damaged);
            assert!(seen.releases.len() <= whole + 1, "byte {byte} at {at}");
        }
    }
    let lines = std::fs::read(fixture("ocds/ge-releases.jsonl")).unwrap();
    for cut in (0..lines.len()).step_by(53) {
        read_bytes(&lines[..cut]);
    }
}

/// Each release says what its package's `version` makes it, once that is known: a package read whole,
/// or one that gives `version` before its releases. Otherwise it waits for the package's end.
#[test]
fn releases_say_their_package_version_when_it_is_known() {
    let release = r#"{"ocid":"ocds-v-1","id":"1","date":"2024-01-01T00:00:00Z","tag":["tender"]}"#;
    let cases = [
        (format!(r#"{{"version":"1.1","releases":[{release}]}}"#), Some(false)),
        (format!(r#"{{"releases":[{release}],"version":"1.1"}}"#), None),
        (format!(r#"{{"uri":"x","releases":[{release}]}}"#), None),
        // JSON Lines: each package is read whole.
        (format!("{{\"releases\":[{release}]}}\n{{\"version\":\"1.1\",\"releases\":[{release}]}}\n"), Some(true)),
        (release.to_string(), Some(false)),
        (format!(r#"{{"version":"1.1","records":[{{"ocid":"ocds-v-1","releases":[{release}]}}]}}"#), Some(false)),
    ];
    for (text, first) in cases {
        let mut seen = Vec::new();
        read_ocds::<_, ()>(text.as_bytes(), &mut |item| {
            if let Item::Release { package_1_0, .. } = item {
                seen.push(package_1_0);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.first().copied(), Some(first), "{text}");
    }
}
