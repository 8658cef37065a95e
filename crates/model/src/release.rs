//! What openreg checks in a release before it stores it: the fields the merge and the registry rely on.
//! A release with a *problem* is quarantined; one with only *warnings* is stored and the warnings kept.

use serde_json::{Map, Value};

/// One thing wrong with a release, located by a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub pointer: String,
    pub reason: String,
}

impl Problem {
    fn new(pointer: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem {
            pointer: pointer.into(),
            reason: reason.into(),
        }
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

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks a release (a full release, not a linked one).
pub fn check_release(release: &Value) -> ReleaseCheck {
    let mut check = ReleaseCheck::default();
    let Some(object) = release.as_object() else {
        check.problems.push(Problem::new(
            "",
            format!(
                "a release must be a JSON object, found {}",
                type_name(release)
            ),
        ));
        return check;
    };
    if is_versioned_release(object) {
        check.problems.push(Problem::new(
            "",
            "this is a versioned release (each field's history, an output of merging), not a release; ingest the releases it was built from",
        ));
        return check;
    }
    match object.get("ocid") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) => check
            .problems
            .push(Problem::new("/ocid", "`ocid` is empty")),
        Some(other) => check.problems.push(Problem::new(
            "/ocid",
            format!("`ocid` must be a string, found {}", type_name(other)),
        )),
        None => check
            .problems
            .push(Problem::new("/ocid", "`ocid` is missing")),
    }
    match object.get("id") {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::String(_)) => check.problems.push(Problem::new("/id", "`id` is empty")),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => check.warnings.push(Problem::new(
            "/id",
            "`id` is an integer; OCDS asks for a string",
        )),
        Some(other) => check.problems.push(Problem::new(
            "/id",
            format!("`id` must be a string, found {}", type_name(other)),
        )),
        None => check.problems.push(Problem::new("/id", "`id` is missing")),
    }
    match object.get("date") {
        Some(Value::String(_)) => {}
        None | Some(Value::Null) => check.warnings.push(Problem::new(
            "/date",
            "`date` is missing: the release is kept, but an ocid with several releases cannot be compiled until every release has a date",
        )),
        Some(other) => check.problems.push(Problem::new("/date", format!("`date` must be a string, found {}", type_name(other)))),
    }
    match object.get("tag") {
        Some(Value::Array(tags)) => {
            for (i, tag) in tags.iter().enumerate() {
                if !tag.is_string() {
                    check.problems.push(Problem::new(
                        format!("/tag/{i}"),
                        format!("each `tag` must be a string, found {}", type_name(tag)),
                    ));
                }
            }
        }
        Some(other) => check.problems.push(Problem::new(
            "/tag",
            format!(
                "`tag` must be an array of strings, found {}",
                type_name(other)
            ),
        )),
        None => check
            .warnings
            .push(Problem::new("/tag", "`tag` is missing")),
    }
    match object.get("initiationType") {
        Some(Value::String(_)) => {}
        Some(other) => check.problems.push(Problem::new(
            "/initiationType",
            format!(
                "`initiationType` must be a string, found {}",
                type_name(other)
            ),
        )),
        None => check.warnings.push(Problem::new(
            "/initiationType",
            "`initiationType` is missing",
        )),
    }
    if let Some(parties) = object.get("parties") {
        check_objects_with_ids(parties, "/parties", "party", &mut check);
    }
    check_reference(object, "buyer", "/buyer", &mut check);
    if let Some(tender) = object.get("tender") {
        match tender {
            Value::Object(tender) => {
                check_reference(
                    tender,
                    "procuringEntity",
                    "/tender/procuringEntity",
                    &mut check,
                );
                if let Some(tenderers) = tender.get("tenderers") {
                    check_array_of_objects(tenderers, "/tender/tenderers", &mut check);
                }
                if let Some(items) = tender.get("items") {
                    check_array_of_objects(items, "/tender/items", &mut check);
                }
            }
            Value::Null => {}
            other => check.problems.push(Problem::new(
                "/tender",
                format!("`tender` must be an object, found {}", type_name(other)),
            )),
        }
    }
    for stage in ["awards", "contracts"] {
        let Some(value) = object.get(stage) else {
            continue;
        };
        let pointer = format!("/{stage}");
        check_array_of_objects(value, &pointer, &mut check);
        if let (Value::Array(items), "awards") = (value, stage) {
            for (i, award) in items.iter().enumerate() {
                if let Some(suppliers) = award.get("suppliers") {
                    check_array_of_objects(
                        suppliers,
                        &format!("{pointer}/{i}/suppliers"),
                        &mut check,
                    );
                }
            }
        }
    }
    check
}

/// A versioned release: fields hold lists of `{releaseID, releaseDate, releaseTag, value}`.
fn is_versioned_release(object: &Map<String, Value>) -> bool {
    !object.contains_key("id")
        && object.iter().any(|(key, value)| {
            key != "ocid"
                && value
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.contains_key("releaseID") && o.contains_key("value"))
        })
}

fn check_array_of_objects(value: &Value, pointer: &str, check: &mut ReleaseCheck) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_object() {
                    check.problems.push(Problem::new(
                        format!("{pointer}/{i}"),
                        format!("must be an object, found {}", type_name(item)),
                    ));
                }
            }
        }
        Value::Null => {}
        other => check.problems.push(Problem::new(
            pointer,
            format!("must be an array, found {}", type_name(other)),
        )),
    }
}

fn check_objects_with_ids(value: &Value, pointer: &str, what: &str, check: &mut ReleaseCheck) {
    check_array_of_objects(value, pointer, check);
    let Value::Array(items) = value else { return };
    for (i, item) in items.iter().enumerate() {
        let Value::Object(item) = item else { continue };
        match item.get("id") {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::Number(_)) => {}
            Some(other) => check.problems.push(Problem::new(
                format!("{pointer}/{i}/id"),
                format!(
                    "each {what} needs an `id` (string), found {}",
                    type_name(other)
                ),
            )),
            None => check.problems.push(Problem::new(
                format!("{pointer}/{i}/id"),
                format!(
                    "each {what} needs an `id`: without one it cannot be merged or referred to"
                ),
            )),
        }
    }
}

/// Organisation references (`{id, name}`) must be objects.
fn check_reference(
    object: &Map<String, Value>,
    key: &str,
    pointer: &str,
    check: &mut ReleaseCheck,
) {
    match object.get(key) {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(other) => check.problems.push(Problem::new(
            pointer,
            format!("`{key}` must be an object, found {}", type_name(other)),
        )),
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
        assert_eq!(
            pointers,
            ["/ocid", "/date", "/tag", "/parties/0/id", "/awards"]
        );
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
        let check = check_release(
            &json!({"ocid": "o", "id": "1", "tag": ["tender"], "initiationType": "tender"}),
        );
        assert!(check.is_storable());
        assert_eq!(check.warnings[0].pointer, "/date");
    }
}
