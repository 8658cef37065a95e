//! One pass over the matching documents gives a page of hits after a cursor, the total, and the
//! facet counts.
//!
//! Within a segment the ids' fast-field ordinals sort as the ids do, so a hit's place in the order
//! (score descending, then id ascending) is compared as (score, ordinal); ids are read as text only
//! for the hits kept.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Scores with their last 10 mantissa bits dropped (a relative precision of about 1e-4). The same
/// document scored with the same statistics gets the same score, but the order in which tantivy adds
/// up the clauses of a query may differ between segments by a rounding step; coarse scores make such
/// a difference invisible, so a hit never lands on the other side of a cursor by a rounding error.
/// Hits that become equal are ordered by id.
pub fn coarse(score: Score) -> Score {
    f32::from_bits(score.to_bits() & !0x3FF)
}

/// Collects the hits strictly after `after` (score, id), at most `limit`, plus totals and facets.
pub struct PageCollector {
    pub after: Option<(Score, String)>,
    pub limit: usize,
    /// Fast string fields to count values of.
    pub facets: Vec<&'static str>,
}

/// A hit: its score, id and address.
#[derive(Debug, Clone)]
pub struct Hit {
    pub score: Score,
    pub id: String,
    pub address: DocAddress,
}

#[derive(Debug, Default)]
pub struct Page {
    /// Every match, on any page.
    pub total: u64,
    /// Matches after the cursor (this page and those after it).
    pub remaining: u64,
    pub hits: Vec<Hit>,
    /// Facet field → value → count, over every match.
    pub facets: BTreeMap<&'static str, BTreeMap<String, u64>>,
}

/// A hit kept in a segment's heap; "greater" means worse, so the heap's top is the worst kept.
#[derive(Debug, Clone, Copy)]
struct Kept {
    score: Score,
    ord: u64,
    doc: DocId,
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        other.score.total_cmp(&self.score).then(self.ord.cmp(&other.ord))
    }
}

pub struct SegmentPage {
    segment: SegmentOrdinal,
    ids: Option<StrColumn>,
    /// The cursor's score and the first id ordinal after the cursor's id in this segment.
    after: Option<(Score, u64)>,
    limit: usize,
    heap: BinaryHeap<Kept>,
    total: u64,
    remaining: u64,
    facets: Vec<(&'static str, Option<StrColumn>, Vec<u64>)>,
}

/// The smallest ordinal whose id sorts after `id` (binary search over the segment's dictionary).
fn first_ord_after(column: &StrColumn, id: &str) -> std::io::Result<u64> {
    let (mut low, mut high) = (0u64, column.num_terms() as u64);
    let mut text = String::new();
    while low < high {
        let mid = low + (high - low) / 2;
        text.clear();
        column.ord_to_str(mid, &mut text)?;
        if text.as_str() <= id {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    Ok(low)
}

impl Collector for PageCollector {
    type Fruit = Page;
    type Child = SegmentPage;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentPage> {
        let fast = reader.fast_fields();
        let ids = fast.str("id")?;
        let after = match (&self.after, &ids) {
            (Some((score, id)), Some(column)) => Some((*score, first_ord_after(column, id)?)),
            (Some((score, _)), None) => Some((*score, 0)),
            (None, _) => None,
        };
        let mut facets = Vec::new();
        for name in &self.facets {
            let column = fast.str(name)?;
            let counts = vec![0u64; column.as_ref().map_or(0, |c| c.num_terms())];
            facets.push((*name, column, counts));
        }
        Ok(SegmentPage {
            segment,
            ids,
            after,
            limit: self.limit.max(1),
            heap: BinaryHeap::new(),
            total: 0,
            remaining: 0,
            facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Page>) -> tantivy::Result<Page> {
        let mut page = Page::default();
        for fruit in fruits {
            page.total += fruit.total;
            page.remaining += fruit.remaining;
            page.hits.extend(fruit.hits);
            for (facet, values) in fruit.facets {
                let into = page.facets.entry(facet).or_default();
                for (value, n) in values {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        page.hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        page.hits.truncate(self.limit.max(1));
        Ok(page)
    }
}

impl SegmentCollector for SegmentPage {
    type Fruit = Page;

    fn collect(&mut self, doc: DocId, score: Score) {
        let score = coarse(score);
        self.total += 1;
        for (_, column, counts) in &mut self.facets {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
            }
        }
        let ord = self.ids.as_ref().and_then(|c| c.term_ords(doc).next()).unwrap_or(u64::MAX);
        if let Some((after_score, first_after)) = self.after {
            // Earlier pages held everything with a higher score, or the same score and a smaller id.
            if score > after_score || (score == after_score && ord < first_after) {
                return;
            }
        }
        self.remaining += 1;
        let kept = Kept { score, ord, doc };
        if self.heap.len() < self.limit {
            self.heap.push(kept);
        } else if let Some(worst) = self.heap.peek() {
            if kept < *worst {
                self.heap.pop();
                self.heap.push(kept);
            }
        }
    }

    fn harvest(self) -> Page {
        let mut text = String::new();
        let hits = self
            .heap
            .into_iter()
            .map(|k| {
                text.clear();
                if let Some(column) = &self.ids {
                    let _ = column.ord_to_str(k.ord, &mut text);
                }
                Hit { score: k.score, id: text.clone(), address: DocAddress::new(self.segment, k.doc) }
            })
            .collect();
        let mut facets = BTreeMap::new();
        for (name, column, counts) in self.facets {
            let mut values = BTreeMap::new();
            if let Some(column) = column {
                for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    text.clear();
                    if column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                        values.insert(text.clone(), n);
                    }
                }
            }
            facets.insert(name, values);
        }
        Page { total: self.total, remaining: self.remaining, hits, facets }
    }
}
