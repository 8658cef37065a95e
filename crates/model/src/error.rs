//! The model's errors.

/// A release schema that merge rules cannot be derived from.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the schema refers to another file ({0}); give a schema with its `$ref`s resolved")]
    ExternalRef(String),
    #[error("the schema is not shaped as a release schema: {0}")]
    Shape(String),
}

/// Why an ocid's releases could not be merged. The reference implementation stops on the same cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("a release is not a JSON object")]
    NonObjectRelease,
    #[error("the `date` field of at least one release is missing, so the releases cannot be put in order")]
    MissingDate,
    #[error("the `date` field of at least one release is null, so the releases cannot be put in order")]
    NullDate,
    #[error("the `date` field of at least one release is not a string")]
    NonStringDate,
    #[error("an earlier release had {earlier} at {path}, but a later release has {now}")]
    InconsistentType { path: String, earlier: String, now: String },
}

impl MergeError {
    /// A short stable code for scripts and the quarantine.
    pub fn code(&self) -> &'static str {
        match self {
            MergeError::NonObjectRelease => "non-object-release",
            MergeError::MissingDate => "missing-date",
            MergeError::NullDate => "null-date",
            MergeError::NonStringDate => "non-string-date",
            MergeError::InconsistentType { .. } => "inconsistent-type",
        }
    }
}
