//! Compiling an ocid's releases into a compiled release and a versioned release, exactly as the
//! reference implementation (ocdsmerge) does.
//!
//! The reference flattens every release into `path → value` pairs (array items keyed by their `id`),
//! folds them in date order, and unflattens the result. Here the flattened map is kept as a trie, which
//! gives the same answers (including the reference's quirks, noted where they matter) without
//! allocating a path per leaf. The merge reads [`Light`] values and writes JSON text directly, so a
//! release's fields are never hashed into a map on the way through.

use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::error::MergeError;
use crate::light::{write_array, write_str, Light};
use crate::rules::{MergeRules, Rule, RuleNode};

/// Field names and ids are hashed at every node of every release: a fast seeded hasher (still
/// randomised per process, so crafted keys cannot force collisions) instead of SipHash.
type FastHash = foldhash::fast::RandomState;

/// Something the merge noticed that a publisher should hear about, but that does not stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeWarning {
    pub code: &'static str,
    pub message: String,
}

/// The result of compiling one ocid, as a value.
#[derive(Debug, Clone)]
pub struct Merged {
    pub release: Value,
    pub warnings: Vec<MergeWarning>,
}

/// The result of compiling one ocid, as the JSON text openreg stores.
#[derive(Debug, Clone)]
pub struct CompiledText {
    pub json: Vec<u8>,
    /// The compiled release's `date` (the latest release's), when it has one.
    pub date: Option<String>,
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

    /// Like [`Merger::compiled`], taking the releases.
    pub fn compile(&self, releases: Vec<Value>) -> Result<Merged, MergeError> {
        let text = self.compile_text(releases.into_iter().map(Light::from).collect())?;
        let release = serde_json::from_slice(&text.json).expect("the merge writes valid JSON");
        Ok(Merged { release, warnings: text.warnings })
    }

    /// Compiles releases into the compiled release's JSON text.
    pub fn compile_text(&self, releases: Vec<Light<'_>>) -> Result<CompiledText, MergeError> {
        let order = sorted(&releases)?;
        let mut releases: Vec<Option<Light>> = releases.into_iter().map(Some).collect();
        let mut state = State::<Light>::default();
        state.set_root_leaf("tag", Light::Array(vec![Light::String("compiled".into())]));
        let mut last_date = Light::Null;
        for &i in &order {
            let Some(Light::Object(release)) = releases[i].take() else { return Err(MergeError::NonObjectRelease) };
            let field = |key: &str| release.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            let ocid = field("ocid").unwrap_or(Light::Null);
            let date = field("date").unwrap_or(Light::Null);
            let id = format!("{}-{}", python_str_light(&ocid), python_str_light(&date));
            state.set_root_leaf("id", Light::String(id.into()));
            state.set_root_leaf("date", date.clone());
            // In OCDS 1.0 `ocid` is marked ocdsOmit, yet a compiled release needs it.
            state.set_root_leaf("ocid", ocid);
            last_date = date;
            state.merge_release(release, &self.rules, &mut |leaf, value| *leaf = Some(value));
        }
        let mut json = Vec::with_capacity(4096);
        state.write_root(&mut json, None)?;
        let date = match last_date {
            Light::String(s) => Some(s.into_owned()),
            _ => None,
        };
        Ok(CompiledText { json, date, warnings: state.warnings })
    }

    /// Compiles releases into a versioned release: each field's history of values.
    pub fn versioned(&self, releases: &[&Value]) -> Result<Merged, MergeError> {
        let owned: Vec<Light> = releases.iter().map(|r| Light::from((*r).clone())).collect();
        let order = sorted(&owned)?;
        let mut owned: Vec<Option<Light>> = owned.into_iter().map(Some).collect();
        let mut state = State::<Vec<Light>>::default();
        let mut ocid = Light::Null;
        for &i in &order {
            let Some(Light::Object(release)) = owned[i].take() else { return Err(MergeError::NonObjectRelease) };
            let field = |key: &str| release.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            ocid = field("ocid").unwrap_or(Light::Null);
            let release_id = field("id").unwrap_or(Light::Null);
            let date = field("date").unwrap_or(Light::Null);
            let tag = field("tag").unwrap_or(Light::Null);
            let mut push = |leaf: &mut Option<Vec<Light<'static>>>, value: Light<'static>| {
                let history = leaf.get_or_insert_with(Vec::new);
                if history.last().and_then(|last| last.get("value")).is_some_and(|last| light_eq(last, &value)) {
                    return;
                }
                history.push(Light::Object(vec![
                    ("releaseID".into(), release_id.clone()),
                    ("releaseDate".into(), date.clone()),
                    ("releaseTag".into(), tag.clone()),
                    ("value".into(), value),
                ]));
            };
            state.merge_release(release, &self.rules, &mut push);
        }
        let mut json = Vec::with_capacity(8192);
        // The ocid is not versioned: it comes first, as a plain value.
        state.write_root(&mut json, Some(&ocid))?;
        let release = serde_json::from_slice(&json).expect("the merge writes valid JSON");
        Ok(Merged { release, warnings: state.warnings })
    }
}

/// Orders releases by `date`, keeping input order for equal dates, as Python's stable `sorted` does.
/// Like the reference, a lone release needs no date; several need string dates.
fn sorted(releases: &[Light]) -> Result<Vec<usize>, MergeError> {
    let mut order: Vec<usize> = (0..releases.len()).collect();
    if releases.len() == 1 {
        return Ok(order);
    }
    let mut dates = Vec::with_capacity(releases.len());
    for release in releases {
        if !release.is_object() {
            return Err(MergeError::NonObjectRelease);
        }
        match release.get("date") {
            None => return Err(MergeError::MissingDate),
            Some(Light::Null) => return Err(MergeError::NullDate),
            Some(Light::String(s)) => dates.push(s.as_ref()),
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

fn python_str_light<'a>(value: &Light<'a>) -> Cow<'a, str> {
    match value {
        Light::Null => "None".into(),
        Light::Bool(true) => "True".into(),
        Light::Bool(false) => "False".into(),
        Light::String(s) => s.clone(),
        Light::Number(n) => n.clone(),
        other => other.to_json().into(),
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

/// [`json_eq`] for the merge's own values.
fn light_eq(a: &Light, b: &Light) -> bool {
    match (a, b) {
        (Light::Number(x), Light::Number(y)) => {
            x == y || matches!((x.parse::<f64>(), y.parse::<f64>()), (Ok(p), Ok(q)) if p == q)
        }
        (Light::Array(x), Light::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| light_eq(p, q)),
        (Light::Object(x), Light::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| light_eq(v, w))) && {
                let _ = y;
                true
            }
        }
        _ => a == b,
    }
}
/// A step in a flattened path: an object's field, or an array item keyed by its `id`. Both borrow
/// from the releases' text wherever they can.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Part<'a> {
    Field(Cow<'a, str>),
    Item(Cow<'a, str>),
}

/// A node of the flattened release: a leaf value set at this path (if any) and deeper paths.
#[derive(Debug)]
struct Node<'a, L> {
    leaf: Option<L>,
    /// When the leaf was first set and when the node was created, in flattened-key order; the
    /// reference's unflatten behaves differently depending on which came first.
    leaf_seq: u64,
    created_seq: u64,
    /// For array items: the `id` of the object that created the item (`None`: it had none, or null).
    item_id: Option<Light<'a>>,
    children: Children<'a, L>,
}

/// A node's children in order of creation. Most nodes have a handful, found fastest by looking
/// through them; a node with many (a long array) gets an index.
#[derive(Debug)]
struct Children<'a, L> {
    list: Vec<(Part<'a>, Node<'a, L>)>,
    index: Option<HashMap<Part<'a>, usize, FastHash>>,
}

/// How many children a node holds before it gets an index.
const INDEX_FROM: usize = 12;

impl<'a, L> Children<'a, L> {
    fn position(&self, part: &Part<'a>) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(part).copied(),
            None => self.list.iter().position(|(p, _)| p == part),
        }
    }

    fn push(&mut self, part: Part<'a>, node: Node<'a, L>) -> usize {
        let at = self.list.len();
        if let Some(index) = &mut self.index {
            index.insert(part.clone(), at);
        } else if at == INDEX_FROM {
            let mut index = HashMap::with_capacity_and_hasher(2 * INDEX_FROM, FastHash::default());
            index.extend(self.list.iter().enumerate().map(|(i, (p, _))| (p.clone(), i)));
            index.insert(part.clone(), at);
            self.index = Some(index);
        }
        self.list.push((part, node));
        at
    }

    /// Removes the last child (just created, and left empty).
    fn pop(&mut self) {
        if let Some((part, _)) = self.list.pop() {
            if let Some(index) = &mut self.index {
                index.remove(&part);
            }
        }
    }

    fn last(&self) -> Option<&(Part<'a>, Node<'a, L>)> {
        self.list.last()
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn len(&self) -> usize {
        self.list.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&Part<'a>, &Node<'a, L>)> {
        self.list.iter().map(|(p, n)| (p, n))
    }

    fn keys(&self) -> impl Iterator<Item = &Part<'a>> {
        self.list.iter().map(|(p, _)| p)
    }

    fn values(&self) -> impl Iterator<Item = &Node<'a, L>> {
        self.list.iter().map(|(_, n)| n)
    }
}

impl<'a, L> Node<'a, L> {
    fn new(seq: u64) -> Node<'a, L> {
        Node {
            leaf: None,
            leaf_seq: u64::MAX,
            created_seq: seq,
            item_id: None,
            children: Children { list: Vec::new(), index: None },
        }
    }

    fn is_empty(&self) -> bool {
        self.leaf.is_none() && self.children.is_empty()
    }
}

struct State<'a, L> {
    root: Node<'a, L>,
    seq: u64,
    anonymous_items: u64,
    warnings: Vec<MergeWarning>,
}

impl<L> Default for State<'_, L> {
    fn default() -> Self {
        State { root: Node::new(0), seq: 1, anonymous_items: 0, warnings: Vec::new() }
    }
}

impl<'a> State<'a, Light<'a>> {
    fn set_root_leaf(&mut self, key: &'static str, value: Light<'a>) {
        let seq = self.next_seq();
        let node = child(&mut self.root, Part::Field(Cow::Borrowed(key)), seq).0;
        if node.leaf.is_none() {
            node.leaf_seq = seq;
        }
        node.leaf = Some(value);
    }
}

impl<'a, L> State<'a, L> {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn merge_release(
        &mut self,
        release: Vec<(Cow<'a, str>, Light<'a>)>,
        rules: &RuleNode,
        set: &mut dyn FnMut(&mut Option<L>, Light<'a>),
    ) {
        let mut root = std::mem::replace(&mut self.root, Node::new(0));
        // The reference pops `tag` before flattening (it was not omitWhenMerged before OCDS 1.1.4).
        self.merge_object(&mut root, release, Some(rules), true, set);
        self.root = root;
    }

    fn merge_object(
        &mut self,
        node: &mut Node<'a, L>,
        object: Vec<(Cow<'a, str>, Light<'a>)>,
        rules: Option<&RuleNode>,
        top: bool,
        set: &mut dyn FnMut(&mut Option<L>, Light<'a>),
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
                    Light::Object(_) => false,
                    Light::Array(items) => items.iter().any(|item| !item.is_object()),
                    _ => true,
                };
            let seq = self.next_seq();
            // The release's own key string moves into the tree: no copy per field.
            let (index, created) = child_index(node, Part::Field(key), seq);
            let (part, target) = &mut node.children.list[index];
            if whole {
                if target.leaf.is_none() {
                    target.leaf_seq = seq;
                }
                set(&mut target.leaf, value);
                continue;
            }
            // Empty objects and arrays of objects contribute nothing, as in the reference.
            match value {
                Light::Object(inner) => self.merge_object(target, inner, rule_node, false, set),
                Light::Array(items) => {
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
        node: &mut Node<'a, L>,
        items: Vec<Light<'a>>,
        rules: Option<&RuleNode>,
        field: &str,
        set: &mut dyn FnMut(&mut Option<L>, Light<'a>),
    ) {
        let mut seen = HashSet::with_hasher(FastHash::default());
        for item in items {
            let Light::Object(item) = item else { continue };
            let id = item.iter().rev().find(|(k, _)| k == "id").map(|(_, v)| v);
            let key = match id {
                Some(id) => python_str_light(id),
                None => {
                    // An object without `id` is always a new item, never merged with another.
                    self.anonymous_items += 1;
                    Cow::Owned(format!("\u{0}anonymous-{}", self.anonymous_items))
                }
            };
            if !seen.insert(key.clone()) {
                self.warnings.push(MergeWarning {
                    code: "duplicate-id-value",
                    message: format!("Multiple objects have the `id` value '{key}' in the `{field}` array"),
                });
            }
            let seq = self.next_seq();
            let (target, created) = child(node, Part::Item(key), seq);
            if created {
                target.item_id = id.filter(|id| !id.is_null()).cloned();
            }
            self.merge_object(target, item, rules, false, set);
            if created && node.children.last().is_some_and(|(_, c)| c.is_empty()) {
                node.children.pop();
            }
        }
    }

    /// Writes the merged release as JSON; a versioned release gives its unversioned `ocid` first.
    fn write_root(&self, out: &mut Vec<u8>, ocid: Option<&Light>) -> Result<(), MergeError>
    where
        L: LeafValue,
    {
        out.push(b'{');
        if let Some(ocid) = ocid {
            out.extend_from_slice(b"\"ocid\":");
            ocid.write_json(out);
        }
        // A versioned release gives its unversioned ocid above, not again.
        write_fields(&self.root.children, out, None, ocid.is_some(), |key| ocid.is_some() && key == "ocid")?;
        out.push(b'}');
        Ok(())
    }
}

/// Values kept at leaves: a compiled value (null removes the field) or a history (always kept).
trait LeafValue {
    fn is_removed(&self) -> bool;
    fn write(&self, out: &mut Vec<u8>);
}

impl LeafValue for Light<'_> {
    fn is_removed(&self) -> bool {
        self.is_null()
    }
    fn write(&self, out: &mut Vec<u8>) {
        self.write_json(out)
    }
}

impl LeafValue for Vec<Light<'_>> {
    fn is_removed(&self) -> bool {
        false
    }
    fn write(&self, out: &mut Vec<u8>) {
        write_array(out, self)
    }
}

/// The index of a child, inserted if new.
fn child_index<'a, L>(node: &mut Node<'a, L>, part: Part<'a>, seq: u64) -> (usize, bool) {
    match node.children.position(&part) {
        Some(index) => (index, false),
        None => (node.children.push(part, Node::new(seq)), true),
    }
}

fn child<'n, 'a, L>(node: &'n mut Node<'a, L>, part: Part<'a>, seq: u64) -> (&'n mut Node<'a, L>, bool) {
    let (index, created) = child_index(node, part, seq);
    (&mut node.children.list[index].1, created)
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

/// Whether a node leaves anything in the merged release: a removed field (a null leaf with nothing
/// deeper) does not.
fn renders<L: LeafValue>(node: &Node<'_, L>) -> bool {
    !node.children.is_empty() || node.leaf.as_ref().is_some_and(|leaf| !leaf.is_removed())
}

/// Writes an object's fields (`"key":value`, comma-separated), leaving out removed fields and
/// those `skip` names. `written` says whether a field was already written before them.
fn write_fields<L: LeafValue>(
    children: &Children<'_, L>,
    out: &mut Vec<u8>,
    parent: Option<&Path<'_>>,
    mut written: bool,
    skip: impl Fn(&str) -> bool,
) -> Result<(), MergeError> {
    for (part, child) in children.iter() {
        let Part::Field(key) = part else {
            let at = parent.map(|p| p.to_string()).unwrap_or_default();
            return Err(inconsistent(&at, "an object", "an array"));
        };
        if skip(key) || !renders(child) {
            continue;
        }
        if written {
            out.push(b',');
        }
        written = true;
        write_str(out, key);
        out.push(b':');
        write_node(child, out, &Path { parent, key })?;
    }
    Ok(())
}

/// Unflattens one node into JSON text. Only called on nodes that [`renders`].
fn write_node<L: LeafValue>(node: &Node<'_, L>, out: &mut Vec<u8>, path: &Path<'_>) -> Result<(), MergeError> {
    if node.children.is_empty() {
        if let Some(leaf) = &node.leaf {
            leaf.write(out);
        }
        return Ok(());
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
        out.push(b'{');
        write_fields(&node.children, out, Some(path), false, |_| false)?;
        out.push(b'}');
        Ok(())
    } else if items == node.children.len() {
        out.push(b'[');
        for (i, item) in node.children.values().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'{');
            if let Some(id) = &item.item_id {
                out.extend_from_slice(b"\"id\":");
                id.write_json(out);
            }
            // The item's first `id` is written above; later values of it do not move it.
            let has_id = item.item_id.is_some();
            write_fields(&item.children, out, Some(path), has_id, |key| has_id && key == "id")?;
            out.push(b'}');
        }
        out.push(b']');
        Ok(())
    } else {
        Err(inconsistent(&path.to_string(), "an object", "an array"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Past a dozen children a node looks them up through an index: items still merge by `id` and
    /// keep the order they were first seen in.
    #[test]
    fn long_arrays_merge_by_id_in_first_seen_order() {
        let items = |ids: Vec<usize>, v: &str| -> Vec<Value> {
            ids.into_iter().map(|i| json!({"id": i.to_string(), "v": v})).collect()
        };
        let first =
            json!({"ocid": "o", "id": "1", "date": "2024-01-01", "tender": {"items": items((0..40).collect(), "a")}});
        let second = json!({"ocid": "o", "id": "2", "date": "2024-01-02", "tender": {"items": items((20..60).rev().collect(), "b")}});
        let merged = Merger::new(&MergeRules::for_version(Some("1.1"))).compiled(&[&first, &second]).unwrap().release;
        let got: Vec<(String, String)> = merged["tender"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap().to_string(), i["v"].as_str().unwrap().to_string()))
            .collect();
        let want: Vec<(String, String)> = (0..20)
            .map(|i| (i.to_string(), "a".to_string()))
            .chain((20..40).map(|i| (i.to_string(), "b".to_string())))
            .chain((40..60).rev().map(|i| (i.to_string(), "b".to_string())))
            .collect();
        assert_eq!(got, want);
    }
}
