//! What openreg checks in a release before it stores it: the fields the merge and the registry rely on.
//! A release with a *problem* is quarantined; one with only *warnings* is stored and the warnings kept.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::light;

/// One thing wrong with a release, located by a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub pointer: String,
    pub reason: String,
}

impl Problem {
    fn new(pointer: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem { pointer: pointer.into(), reason: reason.into() }
    }
}

/// The outcome of checking one release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseCheck {
    /// Reasons to quarantine the release.
    pub problems: Vec<Problem>,
    /// Deviations from the schema that openreg can live with.
    pub warnings: Vec<Problem>,
}

impl ReleaseCheck {
    pub fn is_storable(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What a release says about itself, read while checking it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseHead {
    pub ocid: Option<String>,
    pub date: Option<String>,
}

/// The fields openreg checks, borrowed from the release's text; everything else is skipped unread.
#[derive(Deserialize)]
struct Skeleton<'a> {
    #[serde(borrow, default)]
    ocid: Option<&'a RawValue>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    date: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tag: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "initiationType")]
    initiation_type: Option<&'a RawValue>,
    #[serde(borrow, default)]
    parties: Option<&'a RawValue>,
    #[serde(borrow, default)]
    buyer: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tender: Option<&'a RawValue>,
    #[serde(borrow, default)]
    awards: Option<&'a RawValue>,
    #[serde(borrow, default)]
    contracts: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct TenderSkeleton<'a> {
    #[serde(borrow, default, rename = "procuringEntity")]
    procuring_entity: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tenderers: Option<&'a RawValue>,
    #[serde(borrow, default)]
    items: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct AwardSkeleton<'a> {
    #[serde(borrow, default)]
    suppliers: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct WithId<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct VersionedValue<'a> {
    #[serde(borrow, default, rename = "releaseID")]
    release_id: Option<&'a RawValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// A value's kind, from its text (the text of a value as serde_json's `RawValue` gives it).
fn kind(raw: &str) -> Kind {
    match raw.as_bytes().first() {
        Some(b'n') => Kind::Null,
        Some(b't' | b'f') => Kind::Bool,
        Some(b'"') => Kind::String,
        Some(b'[') => Kind::Array,
        Some(b'{') => Kind::Object,
        _ => Kind::Number,
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    }
}

fn string(raw: &str) -> Option<String> {
    match light::string_value(raw) {
        Some(s) => Some(s.into_owned()),
        None => serde_json::from_str(raw).ok(),
    }
}

fn items(raw: &str) -> Vec<&str> {
    light::array_items(raw, true).unwrap_or_else(|| {
        serde_json::from_str::<Vec<&RawValue>>(raw)
            .map(|items| items.into_iter().map(RawValue::get).collect())
            .unwrap_or_default()
    })
}

/// The fields `names` of an object's text, as a serde-derived struct of `Option<&RawValue>` fields
/// reads them: a field set to null counts as absent, and `None` stands for serde's error (a field
/// given twice, a value that is not an object). What the fast reader does not handle goes to
/// `serde`, the derived struct itself. `checked`: `raw` is part of a text read as JSON already, so
/// its values need not be checked again.
fn fields<'a, const N: usize>(
    raw: &'a str,
    checked: bool,
    names: [&str; N],
    serde: impl Fn(&'a str) -> Option<[Option<&'a str>; N]>,
) -> Option<[Option<&'a str>; N]> {
    match kind(raw) {
        Kind::Object => {}
        // A struct can be read from an array too, field by field: leave that to serde.
        Kind::Array => return serde(raw),
        _ => return None,
    }
    let Some(all) = light::object_fields(raw, checked) else { return serde(raw) };
    let mut found = [None; N];
    let mut seen = [false; N];
    for (key, value) in all {
        if let Some(i) = names.iter().position(|name| *name == key) {
            if seen[i] {
                return serde(raw);
            }
            seen[i] = true;
            found[i] = (value != "null").then_some(value);
        }
    }
    Some(found)
}

/// The top-level fields read: those checked (the skeleton's), then those that tell a linked release
/// or a package from a release.
const TOP_LEVEL: [&str; 13] = [
    "ocid",
    "id",
    "date",
    "tag",
    "initiationType",
    "parties",
    "buyer",
    "tender",
    "awards",
    "contracts",
    "url",
    "releases",
    "records",
];

/// Checks a release (a full release, not a linked one) given as a JSON value.
pub fn check_release(release: &Value) -> ReleaseCheck {
    let text = serde_json::to_string(release).expect("a Value serialises");
    check_release_json(text.as_bytes()).0
}

/// Checks a release given as JSON text, reading only the fields it checks. Also returns what the
/// store needs to file it (ocid and date).
pub fn check_release_json(json: &[u8]) -> (ReleaseCheck, ReleaseHead) {
    let (check, head, _) = check_release_text(json);
    (check, head)
}

/// Like [`check_release_json`], also telling from the same reading whether the text is a linked
/// release (`url`, and neither `ocid` nor `id`, at its top level). That is `None` where the text
/// was not read fast (it is not JSON, or names one of those fields twice...): then only a reading
/// of its own can tell.
pub fn check_release_text(json: &[u8]) -> (ReleaseCheck, ReleaseHead, Option<bool>) {
    let mut check = ReleaseCheck::default();
    let mut head = ReleaseHead::default();
    let first = json.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        let found = match serde_json::from_slice::<&RawValue>(json) {
            Ok(raw) => kind_name(kind(raw.get())),
            Err(_) => "text that is not JSON",
        };
        check.problems.push(Problem::new("", format!("a release must be a JSON object, found {found}")));
        return (check, head, None);
    }
    // The fields checked, read fast where the text is ordinary, else by serde_json (which also says
    // what is wrong with text that is not JSON).
    let fast = simdutf8::basic::from_utf8(json).ok().and_then(|text| fields(text, false, TOP_LEVEL, |_| None));
    let mut linked = None;
    let skeleton = match fast {
        Some([ocid, id, date, tag, initiation_type, parties, buyer, tender, awards, contracts, url, _, _]) => {
            linked = Some(url.is_some() && ocid.is_none() && id.is_none());
            [ocid, id, date, tag, initiation_type, parties, buyer, tender, awards, contracts]
        }
        None => match serde_json::from_slice::<Skeleton>(json) {
            Ok(s) => {
                [s.ocid, s.id, s.date, s.tag, s.initiation_type, s.parties, s.buyer, s.tender, s.awards, s.contracts]
                    .map(|raw| raw.map(RawValue::get))
            }
            Err(e) => {
                check.problems.push(Problem::new("", format!("the release cannot be read: {e}")));
                return (check, head, None);
            }
        },
    };
    let [ocid, id, date, tag, initiation_type, parties, buyer, tender, awards, contracts] = skeleton;
    if id.is_none() && is_versioned([initiation_type, tag, date, buyer]) {
        check.problems.push(Problem::new(
            "",
            "this is a versioned release (each field's history, an output of merging), not a release; ingest the releases it was built from",
        ));
        return (check, head, linked);
    }
    match ocid.map(|raw| (kind(raw), raw)) {
        Some((Kind::String, raw)) => match string(raw) {
            Some(ocid) if !ocid.trim().is_empty() => head.ocid = Some(ocid),
            _ => check.problems.push(Problem::new("/ocid", "`ocid` is empty")),
        },
        Some((other, _)) => {
            check.problems.push(Problem::new("/ocid", format!("`ocid` must be a string, found {}", kind_name(other))))
        }
        None => check.problems.push(Problem::new("/ocid", "`ocid` is missing")),
    }
    match id.map(|raw| (kind(raw), raw)) {
        Some((Kind::String, raw)) if raw != "\"\"" => {}
        Some((Kind::String, _)) => check.problems.push(Problem::new("/id", "`id` is empty")),
        Some((Kind::Number, raw)) if raw.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
            check.warnings.push(Problem::new("/id", "`id` is an integer; OCDS asks for a string"))
        }
        Some((other, _)) => {
            check.problems.push(Problem::new("/id", format!("`id` must be a string, found {}", kind_name(other))))
        }
        None => check.problems.push(Problem::new("/id", "`id` is missing")),
    }
    match date.map(|raw| (kind(raw), raw)) {
        Some((Kind::String, raw)) => head.date = string(raw),
        None | Some((Kind::Null, _)) => check.warnings.push(Problem::new(
            "/date",
            "`date` is missing: the release is kept, but an ocid with several releases cannot be compiled until every release has a date",
        )),
        Some((other, _)) => check.problems.push(Problem::new("/date", format!("`date` must be a string, found {}", kind_name(other)))),
    }
    match tag.map(|raw| (kind(raw), raw)) {
        Some((Kind::Array, raw)) => {
            for (i, tag) in items(raw).iter().enumerate() {
                if kind(tag) != Kind::String {
                    check.problems.push(Problem::new(
                        format!("/tag/{i}"),
                        format!("each `tag` must be a string, found {}", kind_name(kind(tag))),
                    ));
                }
            }
        }
        Some((other, _)) => check
            .problems
            .push(Problem::new("/tag", format!("`tag` must be an array of strings, found {}", kind_name(other)))),
        None => check.warnings.push(Problem::new("/tag", "`tag` is missing")),
    }
    match initiation_type.map(kind) {
        Some(Kind::String) => {}
        Some(other) => check.problems.push(Problem::new(
            "/initiationType",
            format!("`initiationType` must be a string, found {}", kind_name(other)),
        )),
        None => check.warnings.push(Problem::new("/initiationType", "`initiationType` is missing")),
    }
    if let Some(parties) = parties {
        check_objects_with_ids(parties, "/parties", "party", &mut check);
    }
    check_reference(buyer, "buyer", "/buyer", &mut check);
    if let Some(tender) = tender {
        match kind(tender) {
            Kind::Object => {
                let serde = |raw| {
                    serde_json::from_str::<TenderSkeleton>(raw)
                        .ok()
                        .map(|t| [t.procuring_entity, t.tenderers, t.items].map(|raw| raw.map(RawValue::get)))
                };
                if let Some([procuring_entity, tenderers, items]) =
                    fields(tender, true, ["procuringEntity", "tenderers", "items"], serde)
                {
                    check_reference(procuring_entity, "procuringEntity", "/tender/procuringEntity", &mut check);
                    if let Some(tenderers) = tenderers {
                        check_array_of_objects(tenderers, "/tender/tenderers", &mut check);
                    }
                    if let Some(items) = items {
                        check_array_of_objects(items, "/tender/items", &mut check);
                    }
                }
            }
            Kind::Null => {}
            other => check
                .problems
                .push(Problem::new("/tender", format!("`tender` must be an object, found {}", kind_name(other)))),
        }
    }
    if let Some(awards) = awards {
        let awards = check_array_of_objects(awards, "/awards", &mut check);
        for (i, award) in awards.iter().enumerate() {
            let serde = |raw| serde_json::from_str::<AwardSkeleton>(raw).ok().map(|a| [a.suppliers.map(RawValue::get)]);
            let Some([suppliers]) = fields(award, true, ["suppliers"], serde) else { continue };
            if let Some(suppliers) = suppliers {
                check_array_of_objects(suppliers, &format!("/awards/{i}/suppliers"), &mut check);
            }
        }
    }
    if let Some(contracts) = contracts {
        check_array_of_objects(contracts, "/contracts", &mut check);
    }
    (check, head, linked)
}

/// A versioned release: fields hold lists of `{releaseID, releaseDate, releaseTag, value}`.
fn is_versioned(candidates: [Option<&str>; 4]) -> bool {
    candidates.into_iter().flatten().any(|raw| {
        kind(raw) == Kind::Array
            && items(raw).first().is_some_and(|first| {
                let serde =
                    |raw| serde_json::from_str::<VersionedValue>(raw).ok().map(|v| [v.release_id.map(RawValue::get)]);
                matches!(fields(first, true, ["releaseID"], serde), Some([Some(_)]))
            })
    })
}

/// Checks that `raw` is an array of objects (or null); returns its items, if it is an array.
fn check_array_of_objects<'a>(raw: &'a str, pointer: &str, check: &mut ReleaseCheck) -> Vec<&'a str> {
    match kind(raw) {
        Kind::Array => {
            let items = items(raw);
            for (i, item) in items.iter().enumerate() {
                if kind(item) != Kind::Object {
                    check.problems.push(Problem::new(
                        format!("{pointer}/{i}"),
                        format!("must be an object, found {}", kind_name(kind(item))),
                    ));
                }
            }
            return items;
        }
        Kind::Null => {}
        other => check.problems.push(Problem::new(pointer, format!("must be an array, found {}", kind_name(other)))),
    }
    Vec::new()
}

fn check_objects_with_ids(raw: &str, pointer: &str, what: &str, check: &mut ReleaseCheck) {
    let items = check_array_of_objects(raw, pointer, check);
    for (i, item) in items.iter().enumerate() {
        if kind(item) != Kind::Object {
            continue;
        }
        let serde = |raw| serde_json::from_str::<WithId>(raw).ok().map(|w| [w.id.map(RawValue::get)]);
        let id = fields(item, true, ["id"], serde).and_then(|[id]| id);
        match id.map(|raw| (kind(raw), raw)) {
            Some((Kind::String, raw)) if raw != "\"\"" => {}
            Some((Kind::Number, _)) => {}
            Some((other, _)) => check.problems.push(Problem::new(
                format!("{pointer}/{i}/id"),
                format!(
                    "each {what} needs an `id` (string), found {}",
                    if other == Kind::String { "an empty string" } else { kind_name(other) }
                ),
            )),
            None => check.problems.push(Problem::new(
                format!("{pointer}/{i}/id"),
                format!("each {what} needs an `id`: without one it cannot be merged or referred to"),
            )),
        }
    }
}

/// Organisation references (`{id, name}`) must be objects.
fn check_reference(raw: Option<&str>, key: &str, pointer: &str, check: &mut ReleaseCheck) {
    match raw.map(kind) {
        None | Some(Kind::Null) | Some(Kind::Object) => {}
        Some(other) => {
            check.problems.push(Problem::new(pointer, format!("`{key}` must be an object, found {}", kind_name(other))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_good_release_passes() {
        let release = json!({"ocid": "ocds-x-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
            "initiationType": "tender", "parties": [{"id": "UA-EDR-1"}]});
        assert_eq!(check_release(&release), ReleaseCheck::default());
    }

    #[test]
    fn problems_are_located() {
        let release = json!({"id": 5, "date": 20240101, "tag": "tender", "parties": [{"name": "x"}], "awards": {}});
        let check = check_release(&release);
        let pointers: Vec<_> = check.problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(pointers, ["/ocid", "/date", "/tag", "/parties/0/id", "/awards"]);
        assert_eq!(check.warnings.len(), 2, "{:?}", check.warnings); // integer id, no initiationType
    }

    #[test]
    fn versioned_releases_are_not_releases() {
        let versioned = json!({"ocid": "o", "initiationType": [{"releaseID": "1", "releaseDate": "d", "releaseTag": ["tender"], "value": "tender"}]});
        let check = check_release(&versioned);
        assert!(check.problems[0].reason.contains("versioned release"));
    }

    #[test]
    fn undated_release_is_kept_with_a_warning() {
        let check = check_release(&json!({"ocid": "o", "id": "1", "tag": ["tender"], "initiationType": "tender"}));
        assert!(check.is_storable());
        assert_eq!(check.warnings[0].pointer, "/date");
    }
}
