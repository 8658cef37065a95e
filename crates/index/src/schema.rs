//! The index's fields. Changing them means a new [`SCHEMA_VERSION`]: an index of another version is
//! rebuilt from the store when it is opened.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
    FAST, STORED, STRING,
};

use crate::analysis::{NAMES, SKELETONS};

/// Bumped whenever fields or analysis change.
pub const SCHEMA_VERSION: u32 = 1;

/// Every field, by role.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// `contract/OCID`, `organization/MENTION`, `person/MENTION`, `donation/ID`: the stable id
    /// that orders hits of equal score.
    pub id: Field,
    /// contract, organization, person, donation.
    pub kind: Field,
    /// The name or title shown for a hit.
    pub display: Field,
    /// A one-line description shown under it.
    pub summary: Field,
    /// Organisation and person names; the donor's name on a donation.
    pub name: Field,
    /// Names of a contract's parties; the party receiving a donation.
    pub parties: Field,
    /// Titles, descriptions, items, classifications.
    pub text: Field,
    /// Word skeletons of `name` (romanisation variants and typos).
    pub skeleton: Field,
    /// Word skeletons of `parties`.
    pub parties_skeleton: Field,
    /// Identifiers as exact terms: `ua-edr-37609523` and `37609523`, ocids, CPV codes.
    pub ident: Field,
    /// Legal-form codes of the names (`llc`, `jsc`, …).
    pub form: Field,
    /// Filter keys (canonical identifiers and name fingerprints) of buyers, suppliers and the
    /// parties that received donations.
    pub buyer: Field,
    pub supplier: Field,
    pub party: Field,
    /// Facets and filters.
    pub country: Field,
    pub method: Field,
    pub status: Field,
    pub category: Field,
    pub role: Field,
    pub currency: Field,
    pub year: Field,
    pub date: Field,
    pub value: Field,
    /// Mentions merged into an organisation or person document (to replace it when they change).
    pub member: Field,
}

/// Facet fields, in the order they are reported.
pub const FACETS: &[&str] = &["type", "country", "year", "method", "status", "category", "role"];

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let names = |tokenizer: &str, positions: bool| {
        TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        })
    };
    let stored_text =
        |tokenizer: &str| TextOptions::default().set_indexing_options(names(tokenizer, true)).set_stored();
    let facet = || STRING | FAST;
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED | FAST),
        kind: b.add_text_field("type", STRING | STORED | FAST),
        display: b.add_text_field("display", TextOptions::default().set_stored()),
        summary: b.add_text_field("summary", TextOptions::default().set_stored()),
        name: b.add_text_field("name", stored_text(NAMES)),
        parties: b.add_text_field("parties", stored_text(NAMES)),
        text: b.add_text_field("text", stored_text(NAMES)),
        skeleton: b.add_text_field("skeleton", TextOptions::default().set_indexing_options(names(SKELETONS, false))),
        parties_skeleton: b
            .add_text_field("parties_skeleton", TextOptions::default().set_indexing_options(names(SKELETONS, false))),
        ident: b.add_text_field("ident", STRING),
        form: b.add_text_field("form", STRING),
        buyer: b.add_text_field("buyer", STRING),
        supplier: b.add_text_field("supplier", STRING),
        party: b.add_text_field("party", STRING),
        country: b.add_text_field("country", facet() | STORED),
        method: b.add_text_field("method", facet()),
        status: b.add_text_field("status", facet()),
        category: b.add_text_field("category", facet()),
        role: b.add_text_field("role", facet()),
        currency: b.add_text_field("currency", STRING | STORED),
        year: b.add_text_field("year", facet()),
        date: b.add_date_field(
            "date",
            DateOptions::default().set_indexed().set_fast().set_stored().set_precision(DateTimePrecision::Seconds),
        ),
        value: b.add_f64_field("value", NumericOptions::default().set_indexed().set_fast().set_stored()),
        member: b.add_text_field("member", STRING | STORED),
    };
    (b.build(), fields)
}
