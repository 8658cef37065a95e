//! Merge rules: which fields are omitted when merged, which lists are replaced whole, and which `id`
//! fields are versioned as values. They are data, derived from a release schema the way the reference
//! implementation (ocdsmerge) derives them, so a publisher's extended schema changes the merge without
//! changing code.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::SchemaError;

/// What the merge does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `omitWhenMerged` (or 1.0's `mergeStrategy: ocdsOmit`): the field never reaches a merged release.
    OmitWhenMerged,
    /// `wholeListMerge` (or 1.0's `mergeStrategy: ocdsVersion`), arrays of non-objects and arrays of
    /// objects without `id`: the latest value replaces the whole list.
    WholeListMerge,
}

/// The merge rules of one release schema, as lists of dotted field paths (array levels add no part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRules {
    /// Where the rules came from, for people reading the rules file.
    #[serde(default)]
    pub source: String,
    #[serde(rename = "omitWhenMerged")]
    pub omit_when_merged: BTreeSet<String>,
    #[serde(rename = "wholeListMerge")]
    pub whole_list_merge: BTreeSet<String>,
    /// Fields marked `versionId`: versioned as values, never used as merge keys. Recorded so that a
    /// reader of the rules can see them; the merge itself treats them as any other scalar.
    #[serde(rename = "versionId", default)]
    pub version_id: BTreeSet<String>,
}

/// The rules of OCDS 1.1 (derived from the 1.1.5 release schema), shipped in `schemas/`.
pub const OCDS_1_1_RULES: &str = include_str!("../../../schemas/merge-rules/ocds-1.1.json");
/// The rules of OCDS 1.0 (derived from the 1.0.3 release schema), shipped in `schemas/`.
pub const OCDS_1_0_RULES: &str = include_str!("../../../schemas/merge-rules/ocds-1.0.json");

impl MergeRules {
    /// The rules for a package `version`: `None` (no `version` field) means OCDS 1.0.
    pub fn for_version(version: Option<&str>) -> MergeRules {
        let text = match version {
            None => OCDS_1_0_RULES,
            Some(v) if v.starts_with("1.0") => OCDS_1_0_RULES,
            Some(_) => OCDS_1_1_RULES,
        };
        serde_json::from_str(text).expect("shipped merge rules are valid JSON")
    }

    /// Derives the rules from a release schema (JSON Schema with local `$ref`s), as ocdsmerge does.
    pub fn from_schema(schema: &Value, source: &str) -> Result<MergeRules, SchemaError> {
        let mut rules = MergeRules {
            source: source.to_string(),
            omit_when_merged: BTreeSet::new(),
            whole_list_merge: BTreeSet::new(),
            version_id: BTreeSet::new(),
        };
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| SchemaError::Shape("the schema has no top-level `properties` object".into()))?;
        walk(schema, properties, &mut Vec::new(), &mut rules, 0)?;
        Ok(rules)
    }

    /// The rules as a lookup tree, walked alongside a release.
    pub fn tree(&self) -> RuleNode {
        let mut root = RuleNode::default();
        for (paths, rule) in [
            (&self.whole_list_merge, Rule::WholeListMerge),
            // omitWhenMerged supersedes: inserted last so it wins on a path listed twice.
            (&self.omit_when_merged, Rule::OmitWhenMerged),
        ] {
            for path in paths {
                let mut node = &mut root;
                for part in path.split('.') {
                    node = node.children.entry(part.to_string()).or_default();
                }
                node.rule = Some(rule);
            }
        }
        root
    }
}

/// One level of the rule tree.
#[derive(Debug, Default, Clone)]
pub struct RuleNode {
    pub rule: Option<Rule>,
    pub children: HashMap<String, RuleNode, foldhash::fast::RandomState>,
}

impl RuleNode {
    pub fn child(&self, key: &str) -> Option<&RuleNode> {
        self.children.get(key)
    }
}

/// Schemas nest deeply but never this deep; a recursive `$ref` stops here instead of looping.
const MAX_SCHEMA_DEPTH: usize = 64;

fn walk(
    root: &Value,
    properties: &Map<String, Value>,
    path: &mut Vec<String>,
    rules: &mut MergeRules,
    depth: usize,
) -> Result<(), SchemaError> {
    if depth > MAX_SCHEMA_DEPTH {
        return Ok(());
    }
    for (key, value) in properties {
        let value = deref(root, value)?;
        path.push(key.clone());
        let dotted = path.join(".");
        let types = types_of(value);
        let has = |t: &str| types.iter().any(|x| x == t);
        if value.get("versionId").and_then(Value::as_bool) == Some(true) {
            rules.version_id.insert(dotted.clone());
        }
        if truthy(value.get("omitWhenMerged")) || value.get("mergeStrategy").and_then(Value::as_str) == Some("ocdsOmit")
        {
            rules.omit_when_merged.insert(dotted);
        } else if has("array")
            && (truthy(value.get("wholeListMerge"))
                || value.get("mergeStrategy").and_then(Value::as_str) == Some("ocdsVersion"))
        {
            rules.whole_list_merge.insert(dotted);
        } else if has("object") && value.get("properties").is_some() {
            if let Some(props) = value.get("properties").and_then(Value::as_object) {
                walk(root, props, path, rules, depth + 1)?;
            }
        } else if has("array") && value.get("items").is_some() {
            let items = deref(root, &value["items"])?;
            let item_types = types_of(items);
            if item_types.iter().any(|t| t != "object") {
                rules.whole_list_merge.insert(dotted);
            } else if item_types.iter().any(|t| t == "object") {
                if let Some(props) = items.get("properties").and_then(Value::as_object) {
                    if props.contains_key("id") {
                        walk(root, props, path, rules, depth + 1)?;
                    } else {
                        rules.whole_list_merge.insert(dotted);
                    }
                }
            }
        }
        path.pop();
    }
    Ok(())
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
    }
}

fn types_of(prop: &Value) -> Vec<String> {
    match prop.get("type") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Follows local `$ref`s (`#/definitions/Award`) to the schema they point at. As with jsonref, the
/// referenced schema replaces the referring object whole.
fn deref<'a>(root: &'a Value, mut value: &'a Value) -> Result<&'a Value, SchemaError> {
    for _ in 0..MAX_SCHEMA_DEPTH {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let pointer = reference.strip_prefix('#').ok_or_else(|| SchemaError::ExternalRef(reference.to_string()))?;
        value =
            root.pointer(pointer).ok_or_else(|| SchemaError::Shape(format!("`$ref` {reference} points at nothing")))?;
    }
    Err(SchemaError::Shape("`$ref`s refer to each other in a loop".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn derives_rules_like_the_reference() {
        let schema = json!({
            "properties": {
                "id": {"type": "string", "omitWhenMerged": true},
                "tag": {"type": "array", "items": {"type": "string"}},
                "parties": {"type": "array", "items": {"$ref": "#/definitions/Organization"}},
                "tender": {"type": "object", "properties": {
                    "id": {"type": ["string", "integer"], "versionId": true},
                    "milestones": {"type": "array", "wholeListMerge": true, "items": {"$ref": "#/definitions/Organization"}}
                }},
                "noIds": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}}
            },
            "definitions": {"Organization": {"type": "object", "properties": {
                "id": {"type": "string"},
                "roles": {"type": "array", "items": {"type": "string"}}
            }}}
        });
        let rules = MergeRules::from_schema(&schema, "test").unwrap();
        assert_eq!(rules.omit_when_merged, BTreeSet::from(["id".to_string()]));
        assert_eq!(
            rules.whole_list_merge,
            ["noIds", "parties.roles", "tag", "tender.milestones"].iter().map(|s| s.to_string()).collect()
        );
        assert_eq!(rules.version_id, BTreeSet::from(["tender.id".to_string()]));
    }

    #[test]
    fn external_refs_are_refused() {
        let schema = json!({"properties": {"a": {"$ref": "https://example.com/x.json"}}});
        assert!(matches!(MergeRules::from_schema(&schema, "t"), Err(SchemaError::ExternalRef(_))));
    }

    #[test]
    fn shipped_rules_load() {
        let r11 = MergeRules::for_version(Some("1.1"));
        assert!(r11.omit_when_merged.contains("id"));
        let r10 = MergeRules::for_version(None);
        assert!(r10.omit_when_merged.contains("ocid"));
    }
}
