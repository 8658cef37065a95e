//! openreg's data model: OCDS releases and the rules that compile them into records, BODS
//! statements, donations, and the identifiers that join them.
//! No I/O lives here; readers, the store and the edges build on these types.

pub mod bods;
pub mod donation;
pub mod error;
pub mod flag;
pub mod identifier;
pub mod light;
pub mod link;
pub mod merge;
pub mod ownership;
pub mod release;
pub mod rules;

pub use error::{MergeError, SchemaError};
pub use light::Light;
pub use merge::{CompiledText, MergeWarning, Merged, Merger};
pub use release::{check_release, check_release_json, check_release_text, Problem, ReleaseCheck, ReleaseHead};
pub use rules::MergeRules;
