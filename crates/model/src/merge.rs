//! Compiling an ocid's releases into a compiled release and a versioned release, exactly as the
//! reference implementation (ocdsmerge) does.
//!
//! The reference flattens every release into `path → value` pairs (array items keyed by their `id`),
//! folds them in date order, and unflattens the result. Here the flattened map is kept as a trie, which
//! gives the same answers (including the reference's quirks, noted where they matter) without
//! allocating a path per leaf.

use std::collections::HashSet;

/// Field names and ids are hashed at every node of every release: a fast seeded hasher (still
/// randomised per process, so crafted keys cannot force collisions) instead of SipHash.
type FastHash = foldhash::fast::RandomState;
use std::hash::{Hash, Hasher};

use indexmap::{Equivalent, IndexMap};
use serde_json::{Map, Value};

use crate::error::MergeError;
use crate::rules::{MergeRules, Rule, RuleNode};

/// Something the merge noticed that a publisher should hear about, but that does not stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeWarning {
    pub code: &'static str,
    pub message: String,
}

/// The result of compiling one ocid.
#[derive(Debug, Clone)]
pub struct Merged {
    pub release: Value,
    pub warnings: Vec<MergeWarning>,
}

/// A reusable merger for one set of rules.
#[derive(Debug, Clone)]
pub struct Merger {
    rules: RuleNode,
}

impl Merger {
    pub fn new(rules: &MergeRules) -> Merger {
        Merger { rules: rules.tree() }
    }

    /// Compiles releases (in any order) into one compiled release.
    pub fn compiled(&self, releases: &[&Value]) -> Result<Merged, MergeError> {
        self.compile(releases.iter().map(|r| (*r).clone()).collect())
    }

    /// Like [`Merger::compiled`], taking the releases so that their values move into the result.
    pub fn compile(&self, releases: Vec<Value>) -> Result<Merged, MergeError> {
        let order = sorted(&releases)?;
        let mut releases: Vec<Option<Value>> = releases.into_iter().map(Some).collect();
        let mut state = State::<Value>::default();
        let tag = Value::Array(vec![Value::String("compiled".into())]);
        state.set_root_leaf("tag", tag);
        for &i in &order {
            let Some(Value::Object(release)) = releases[i].take() else { return Err(MergeError::NonObjectRelease) };
            let ocid = release.get("ocid").cloned().unwrap_or(Value::Null);
            let date = release.get("date").cloned().unwrap_or(Value::Null);
            let id = format!("{}-{}", python_str(&ocid), python_str(&date));
            state.set_root_leaf("id", Value::String(id));
            state.set_root_leaf("date", date);
            // In OCDS 1.0 `ocid` is marked ocdsOmit, yet a compiled release needs it.
            state.set_root_leaf("ocid", ocid);
            state.merge_release(release, &self.rules, &mut |leaf, value| *leaf = Some(value));
        }
        let release = state.render_root(&[])?;
        Ok(Merged { release, warnings: state.warnings })
    }

    /// Compiles releases into a versioned release: each field's history of values.
    pub fn versioned(&self, releases: &[&Value]) -> Result<Merged, MergeError> {
        let owned: Vec<Value> = releases.iter().map(|r| (*r).clone()).collect();
        let order = sorted(&owned)?;
        let mut owned: Vec<Option<Value>> = owned.into_iter().map(Some).collect();
        let mut state = State::<Vec<Value>>::default();
        let mut ocid = Value::Null;
        for &i in &order {
            let Some(Value::Object(release)) = owned[i].take() else { return Err(MergeError::NonObjectRelease) };
            ocid = release.get("ocid").cloned().unwrap_or(Value::Null);
            let release_id = release.get("id").cloned().unwrap_or(Value::Null);
            let date = release.get("date").cloned().unwrap_or(Value::Null);
            let tag = release.get("tag").cloned().unwrap_or(Value::Null);
            let mut push = |leaf: &mut Option<Vec<Value>>, value: Value| {
                let history = leaf.get_or_insert_with(Vec::new);
                if history.last().and_then(|last| last.get("value")).is_some_and(|last| json_eq(last, &value)) {
                    return;
                }
                let mut entry = Map::new();
                entry.insert("releaseID".into(), release_id.clone());
                entry.insert("releaseDate".into(), date.clone());
                entry.insert("releaseTag".into(), tag.clone());
                entry.insert("value".into(), value);
                history.push(Value::Object(entry));
            };
            state.merge_release(release, &self.rules, &mut push);
        }
        // The ocid is not versioned: it comes first, as a plain value.
        let mut release = state.render_root(&["ocid"])?;
        if let Value::Object(map) = &mut release {
            map.shift_insert(0, "ocid".into(), ocid);
        }
        Ok(Merged { release, warnings: state.warnings })
    }
}

fn object(release: &Value) -> Result<&Map<String, Value>, MergeError> {
    release.as_object().ok_or(MergeError::NonObjectRelease)
}

/// Orders releases by `date`, keeping input order for equal dates, as Python's stable `sorted` does.
/// Like the reference, a lone release needs no date; several need string dates.
fn sorted(releases: &[Value]) -> Result<Vec<usize>, MergeError> {
    let mut order: Vec<usize> = (0..releases.len()).collect();
    if releases.len() == 1 {
        return Ok(order);
    }
    let mut dates = Vec::with_capacity(releases.len());
    for release in releases {
        let release = object(release)?;
        match release.get("date") {
            None => return Err(MergeError::MissingDate),
            Some(Value::Null) => return Err(MergeError::NullDate),
            Some(Value::String(s)) => dates.push(s.as_str()),
            Some(_) => return Err(MergeError::NonStringDate),
        }
    }
    order.sort_by(|&a, &b| dates[a].cmp(dates[b]));
    Ok(order)
}

/// How Python's `str()` shows a JSON value; the reference builds compiled ids and array keys with it.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Equality as Python's `==` sees JSON values: `1 == 1.0`, while the text of the numbers may differ.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.to_string() == y.to_string() || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A step in a flattened path: an object's field, or an array item keyed by its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Field(String),
    Item(String),
}

#[derive(Clone, Copy)]
enum PartRef<'a> {
    Field(&'a str),
    Item(&'a str),
}

impl Hash for Part {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Part::Field(s) => PartRef::Field(s).hash(state),
            Part::Item(s) => PartRef::Item(s).hash(state),
        }
    }
}

impl Hash for PartRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            PartRef::Field(s) => {
                state.write_u8(0);
                s.hash(state)
            }
            PartRef::Item(s) => {
                state.write_u8(1);
                s.hash(state)
            }
        }
    }
}

impl Equivalent<Part> for PartRef<'_> {
    fn equivalent(&self, key: &Part) -> bool {
        match (self, key) {
            (PartRef::Field(a), Part::Field(b)) | (PartRef::Item(a), Part::Item(b)) => *a == b,
            _ => false,
        }
    }
}

impl PartRef<'_> {
    fn to_owned(self) -> Part {
        match self {
            PartRef::Field(s) => Part::Field(s.to_string()),
            PartRef::Item(s) => Part::Item(s.to_string()),
        }
    }
}

/// A node of the flattened release: a leaf value set at this path (if any) and deeper paths.
#[derive(Debug)]
struct Node<L> {
    leaf: Option<L>,
    /// When the leaf was first set and when the node was created, in flattened-key order; the
    /// reference's unflatten behaves differently depending on which came first.
    leaf_seq: u64,
    created_seq: u64,
    /// For array items: the `id` of the object that created the item (`None`: it had none, or null).
    item_id: Option<Value>,
    children: IndexMap<Part, Node<L>, FastHash>,
}

impl<L> Node<L> {
    fn new(seq: u64) -> Node<L> {
        Node { leaf: None, leaf_seq: u64::MAX, created_seq: seq, item_id: None, children: IndexMap::default() }
    }

    fn is_empty(&self) -> bool {
        self.leaf.is_none() && self.children.is_empty()
    }
}

struct State<L> {
    root: Node<L>,
    seq: u64,
    anonymous_items: u64,
    warnings: Vec<MergeWarning>,
}

impl<L> Default for State<L> {
    fn default() -> Self {
        State { root: Node::new(0), seq: 1, anonymous_items: 0, warnings: Vec::new() }
    }
}

impl State<Value> {
    fn set_root_leaf(&mut self, key: &str, value: Value) {
        let seq = self.next_seq();
        let node = child(&mut self.root, PartRef::Field(key), seq).0;
        if node.leaf.is_none() {
            node.leaf_seq = seq;
        }
        node.leaf = Some(value);
    }
}

impl<L> State<L> {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn merge_release(
        &mut self,
        release: Map<String, Value>,
        rules: &RuleNode,
        set: &mut dyn FnMut(&mut Option<L>, Value),
    ) {
        let mut root = std::mem::replace(&mut self.root, Node::new(0));
        // The reference pops `tag` before flattening (it was not omitWhenMerged before OCDS 1.1.4).
        self.merge_object(&mut root, release, Some(rules), true, set);
        self.root = root;
    }

    fn merge_object(
        &mut self,
        node: &mut Node<L>,
        object: Map<String, Value>,
        rules: Option<&RuleNode>,
        top: bool,
        set: &mut dyn FnMut(&mut Option<L>, Value),
    ) {
        for (key, value) in object {
            if top && key == "tag" {
                continue;
            }
            let rule_node = rules.and_then(|r| r.child(&key));
            let rule = rule_node.and_then(|r| r.rule);
            if rule == Some(Rule::OmitWhenMerged) {
                continue;
            }
            let whole = rule == Some(Rule::WholeListMerge)
                || match &value {
                    Value::Object(_) => false,
                    Value::Array(items) => items.iter().any(|item| !item.is_object()),
                    _ => true,
                };
            let seq = self.next_seq();
            // The release's own key string moves into the tree: no copy per field.
            let (index, created) = child_index(node, Part::Field(key), seq);
            let (part, target) = node.children.get_index_mut(index).expect("just found or inserted");
            if whole {
                if target.leaf.is_none() {
                    target.leaf_seq = seq;
                }
                set(&mut target.leaf, value);
                continue;
            }
            // Empty objects and arrays of objects contribute nothing, as in the reference.
            match value {
                Value::Object(inner) => self.merge_object(target, inner, rule_node, false, set),
                Value::Array(items) => {
                    let Part::Field(field) = part else { unreachable!("fields are keyed by name") };
                    self.merge_items(target, items, rule_node, field, set)
                }
                _ => unreachable!("scalars are whole values"),
            }
            if created && node.children.last().is_some_and(|(_, c)| c.is_empty()) {
                node.children.pop();
            }
        }
    }

    fn merge_items(
        &mut self,
        node: &mut Node<L>,
        items: Vec<Value>,
        rules: Option<&RuleNode>,
        field: &str,
        set: &mut dyn FnMut(&mut Option<L>, Value),
    ) {
        let mut seen = HashSet::with_hasher(FastHash::default());
        for item in items {
            let Value::Object(item) = item else { continue };
            let key = match item.get("id") {
                Some(id) => python_str(id),
                None => {
                    // An object without `id` is always a new item, never merged with another.
                    self.anonymous_items += 1;
                    format!("\u{0}anonymous-{}", self.anonymous_items)
                }
            };
            if !seen.insert(key.clone()) {
                self.warnings.push(MergeWarning {
                    code: "duplicate-id-value",
                    message: format!("Multiple objects have the `id` value '{key}' in the `{field}` array"),
                });
            }
            let seq = self.next_seq();
            let (target, created) = child(node, PartRef::Item(&key), seq);
            if created {
                target.item_id = item.get("id").filter(|id| !id.is_null()).cloned();
            }
            self.merge_object(target, item, rules, false, set);
            if created && node.children.last().is_some_and(|(_, c)| c.is_empty()) {
                node.children.pop();
            }
        }
    }

    fn render_root(&mut self, skip: &[&str]) -> Result<Value, MergeError>
    where
        L: LeafValue,
    {
        let mut out = Map::new();
        for (part, child) in std::mem::take(&mut self.root.children) {
            let Part::Field(key) = part else {
                return Err(inconsistent("", "array", "object"));
            };
            if skip.contains(&key.as_str()) {
                continue;
            }
            let value = render(child, &Path { parent: None, key: &key })?;
            if let Some(value) = value {
                out.insert(key, value);
            }
        }
        Ok(Value::Object(out))
    }
}

/// Values kept at leaves: a compiled value (null removes the field) or a history (always kept).
trait LeafValue {
    fn is_removed(&self) -> bool;
    fn into_value(self) -> Value;
}

impl LeafValue for Value {
    fn is_removed(&self) -> bool {
        self.is_null()
    }
    fn into_value(self) -> Value {
        self
    }
}

impl LeafValue for Vec<Value> {
    fn is_removed(&self) -> bool {
        false
    }
    fn into_value(self) -> Value {
        Value::Array(self)
    }
}

/// The index of a child, inserted if new, taking an owned key (no copy when it is new).
fn child_index<L>(node: &mut Node<L>, part: Part, seq: u64) -> (usize, bool) {
    match node.children.get_index_of(&part) {
        Some(index) => (index, false),
        None => (node.children.insert_full(part, Node::new(seq)).0, true),
    }
}

fn child<'n, L>(node: &'n mut Node<L>, part: PartRef<'_>, seq: u64) -> (&'n mut Node<L>, bool) {
    let (index, created) = match node.children.get_index_of(&part) {
        Some(index) => (index, false),
        None => (node.children.insert_full(part.to_owned(), Node::new(seq)).0, true),
    };
    (node.children.get_index_mut(index).expect("just found or inserted").1, created)
}

fn inconsistent(path: &str, earlier: &str, now: &str) -> MergeError {
    MergeError::InconsistentType { path: format!("/{path}"), earlier: earlier.into(), now: now.into() }
}

/// Where a node is, for error messages only: built up as a chain and written out only on error.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    key: &'a str,
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}/")?;
        }
        f.write_str(self.key)
    }
}

/// Unflattens one node, moving its values out; `None` when nothing is left at this path (a removed
/// field).
fn render<L: LeafValue>(node: Node<L>, path: &Path<'_>) -> Result<Option<Value>, MergeError> {
    if node.children.is_empty() {
        return Ok(match node.leaf {
            Some(value) if !value.is_removed() => Some(value.into_value()),
            _ => None,
        });
    }
    if let Some(value) = &node.leaf {
        // A value set before the first deeper path is an error in the reference; one set after is ignored.
        if !value.is_removed()
            && node.leaf_seq < node.children.values().map(|c| c.created_seq).min().unwrap_or(u64::MAX)
        {
            return Err(inconsistent(&path.to_string(), "a value", "an object"));
        }
    }
    let items = node.children.keys().filter(|p| matches!(p, Part::Item(_))).count();
    if items == 0 {
        let mut out = Map::new();
        for (part, child) in node.children {
            let Part::Field(key) = part else { unreachable!() };
            if let Some(value) = render(child, &Path { parent: Some(path), key: &key })? {
                out.insert(key, value);
            }
        }
        Ok(Some(Value::Object(out)))
    } else if items == node.children.len() {
        let mut out = Vec::with_capacity(items);
        for (_, item) in node.children {
            let mut object = Map::new();
            let has_id = item.item_id.is_some();
            if let Some(id) = item.item_id {
                object.insert("id".into(), id);
            }
            for (part, child) in item.children {
                let Part::Field(key) = part else {
                    return Err(inconsistent(&path.to_string(), "an object", "an array"));
                };
                if has_id && key == "id" {
                    continue;
                }
                if let Some(value) = render(child, &Path { parent: Some(path), key: &key })? {
                    object.insert(key, value);
                }
            }
            out.push(Value::Object(object));
        }
        Ok(Some(Value::Array(out)))
    } else {
        Err(inconsistent(&path.to_string(), "an object", "an array"))
    }
}
