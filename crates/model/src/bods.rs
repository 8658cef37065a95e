//! Beneficial-ownership statements (BODS 0.2, 0.3 and 0.4) read into one model.
//!
//! 0.2 and 0.3 publish separate statements that point at each other by `statementID` and supersede
//! each other through `replacesStatements`; 0.4 publishes records (`recordId`) whose history is a
//! series of statements (`recordStatus` new, updated, closed). Both become [`Statement`]s keyed by a
//! record id: a 0.2/0.3 statement is its own record, and what it replaces is remembered so that the
//! current state can be derived.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use crate::release::Problem;

/// Which BODS model a statement follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodsVersion {
    /// 0.2 and 0.3: `statementID`, `statementType`, `replacesStatements`.
    Statements,
    /// 0.4: `statementId`, `recordId`, `recordType`, `recordStatus`, `recordDetails`.
    Records,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    New,
    Updated,
    Closed,
}

/// One statement, in openreg's model.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub statement_id: String,
    /// The record the statement describes (for 0.2/0.3, the statement itself).
    pub record_id: String,
    pub version: BodsVersion,
    pub status: RecordStatus,
    pub statement_date: Option<String>,
    /// 0.2/0.3 statements this one supersedes.
    pub replaces: Vec<String>,
    pub details: Details,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    Entity(Entity),
    Person(Person),
    Relationship(Relationship),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub scheme: Option<String>,
    pub id: Option<String>,
    pub scheme_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub name: Option<String>,
    /// `registeredEntity`, `legalEntity`, `arrangement`, `state`, `stateBody`, `anonymousEntity`,
    /// `unknownEntity`, …
    pub entity_type: Option<String>,
    pub identifiers: Vec<Identifier>,
    pub jurisdiction: Option<String>,
    pub founding_date: Option<String>,
    pub dissolution_date: Option<String>,
    pub is_component: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonType {
    Known,
    Anonymous,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub person_type: PersonType,
    pub names: Vec<String>,
    pub identifiers: Vec<Identifier>,
    pub nationalities: Vec<String>,
    pub birth_date: Option<String>,
    /// Politically exposed: `Some(true)` when declared so.
    pub politically_exposed: Option<bool>,
    /// Why an anonymous or unknown person is not known.
    pub unspecified_reason: Option<String>,
    pub is_component: bool,
}

/// Who a relationship is about, or who holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Record(String),
    /// Nobody is named: the register says why.
    Unspecified {
        reason: Option<String>,
        description: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directness {
    Direct,
    Indirect,
    Unknown,
}

/// A share, exact or a range, in percent (0-100).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub minimum: f64,
    pub maximum: f64,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
}

impl Share {
    pub fn exact(value: f64) -> Share {
        Share { minimum: value, maximum: value, exclusive_minimum: false, exclusive_maximum: false }
    }

    /// Nothing is known: anything from 0 to 100.
    pub fn unknown() -> Share {
        Share { minimum: 0.0, maximum: 100.0, exclusive_minimum: false, exclusive_maximum: false }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Interest {
    /// `shareholding`, `votingRights`, `appointmentOfBoard`, … (0.2 hyphenated codes are converted).
    pub interest_type: Option<String>,
    pub directness: Directness,
    pub beneficial: Option<bool>,
    pub share: Option<Share>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub subject: Party,
    pub interested_party: Party,
    pub interests: Vec<Interest>,
    pub is_component: bool,
    /// For an indirect relationship: the records of the chain it summarises.
    pub component_records: Vec<String>,
}

/// Why a statement cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {reason}")]
pub struct BodsError {
    pub pointer: String,
    pub reason: String,
}

fn error(pointer: &str, reason: impl Into<String>) -> BodsError {
    BodsError { pointer: pointer.to_string(), reason: reason.into() }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// 0.2 writes codes with hyphens (`voting-rights`); later versions in camel case (`votingRights`).
pub fn camel_case(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut upper = false;
    for c in code.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn identifiers(value: Option<&Value>) -> Vec<Identifier> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|i| i.is_object())
                .map(|i| Identifier {
                    scheme: text(i.get("scheme")),
                    id: text(i.get("id")),
                    scheme_name: text(i.get("schemeName")),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn share(value: Option<&Value>) -> Option<Share> {
    let share = value?.as_object()?;
    let exact = number(share.get("exact"));
    let mut minimum = number(share.get("minimum"));
    let mut maximum = number(share.get("maximum"));
    let mut exclusive_minimum = false;
    let mut exclusive_maximum = false;
    // 0.2: exclusivity is a flag on minimum/maximum; 0.3/0.4: the exclusive bound is the number.
    match share.get("exclusiveMinimum") {
        Some(Value::Bool(b)) => exclusive_minimum = *b,
        Some(v) => {
            if let Some(n) = number(Some(v)) {
                minimum = Some(n);
                exclusive_minimum = true;
            }
        }
        None => {}
    }
    match share.get("exclusiveMaximum") {
        Some(Value::Bool(b)) => exclusive_maximum = *b,
        Some(v) => {
            if let Some(n) = number(Some(v)) {
                maximum = Some(n);
                exclusive_maximum = true;
            }
        }
        None => {}
    }
    if let Some(exact) = exact {
        return Some(Share::exact(exact));
    }
    if minimum.is_none() && maximum.is_none() {
        return None;
    }
    Some(Share {
        minimum: minimum.unwrap_or(0.0),
        maximum: maximum.unwrap_or(100.0),
        exclusive_minimum,
        exclusive_maximum,
    })
}

fn interests(value: Option<&Value>) -> Vec<Interest> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|i| i.is_object())
                .map(|i| {
                    let level = text(i.get("directOrIndirect")).or_else(|| text(i.get("interestLevel")));
                    Interest {
                        interest_type: text(i.get("type")).map(|t| camel_case(&t)),
                        directness: match level.as_deref() {
                            Some("direct") => Directness::Direct,
                            Some("indirect") => Directness::Indirect,
                            _ => Directness::Unknown,
                        },
                        beneficial: i.get("beneficialOwnershipOrControl").and_then(Value::as_bool),
                        share: share(i.get("share")),
                        start_date: text(i.get("startDate")),
                        end_date: text(i.get("endDate")),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn names(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|n| {
                    text(n.get("fullName")).or_else(|| {
                        let parts: Vec<String> = ["givenName", "patronymicName", "familyName"]
                            .iter()
                            .filter_map(|k| text(n.get(*k)))
                            .collect();
                        (!parts.is_empty()).then(|| parts.join(" "))
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn person_type(code: Option<String>, pointer: &str) -> Result<PersonType, BodsError> {
    match code.as_deref() {
        Some("knownPerson") | Some("known-person") => Ok(PersonType::Known),
        Some("anonymousPerson") | Some("anonymous-person") => Ok(PersonType::Anonymous),
        Some("unknownPerson") | Some("unknown-person") => Ok(PersonType::Unknown),
        Some(other) => Err(error(pointer, format!("unknown personType `{other}`"))),
        None => Err(error(pointer, "a person statement needs a `personType`")),
    }
}

fn politically_exposed(details: &Value) -> Option<bool> {
    // 0.4: politicalExposure.status; 0.2/0.3: hasPepStatus.
    if let Some(status) = details.pointer("/politicalExposure/status").and_then(Value::as_str) {
        return match status {
            "isPep" => Some(true),
            "isNotPep" => Some(false),
            _ => None,
        };
    }
    details.get("hasPepStatus").and_then(Value::as_bool)
}

fn entity(details: &Value) -> Entity {
    let entity_type = match details.get("entityType") {
        Some(Value::Object(t)) => text(t.get("type")),
        other => text(other),
    };
    Entity {
        name: text(details.get("name")),
        entity_type: entity_type.map(|t| camel_case(&t)),
        identifiers: identifiers(details.get("identifiers")),
        jurisdiction: details
            .get("incorporatedInJurisdiction")
            .or_else(|| details.get("jurisdiction"))
            .and_then(|j| text(j.get("code")).or_else(|| text(j.get("name")))),
        founding_date: text(details.get("foundingDate")),
        dissolution_date: text(details.get("dissolutionDate")),
        is_component: details.get("isComponent").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// Reads a person. `lenient` is for BODS 0.1, where `personType` was optional: a person without one
/// is read as known when named and as unknown otherwise, with a warning.
fn person(details: &Value, pointer: &str, lenient: bool, warnings: &mut Vec<Problem>) -> Result<Person, BodsError> {
    let code = text(details.get("personType"));
    let person_type = match code {
        None if lenient => {
            let named = !names(details.get("names")).is_empty();
            let (kind, read_as) =
                if named { (PersonType::Known, "knownPerson") } else { (PersonType::Unknown, "unknownPerson") };
            warnings.push(Problem {
                pointer: format!("{pointer}/personType"),
                reason: format!("{NO_PERSON_TYPE}: read as {read_as}"),
            });
            kind
        }
        code => person_type(code, &format!("{pointer}/personType"))?,
    };
    Ok(Person {
        person_type,
        names: names(details.get("names")),
        identifiers: identifiers(details.get("identifiers")),
        nationalities: details
            .get("nationalities")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|n| text(n.get("code")).or_else(|| text(n.get("name")))).collect())
            .unwrap_or_default(),
        birth_date: text(details.get("birthDate")),
        politically_exposed: politically_exposed(details),
        unspecified_reason: details
            .get("unspecifiedPersonDetails")
            .and_then(|u| text(u.get("reason")))
            .map(|r| camel_case(&r)),
        is_component: details.get("isComponent").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// A 0.4 party: a record id, or an unspecified-record object.
fn party_04(value: Option<&Value>, pointer: &str) -> Result<Party, BodsError> {
    match value {
        Some(Value::String(id)) if !id.is_empty() => Ok(Party::Record(id.clone())),
        Some(Value::Object(o)) => Ok(Party::Unspecified {
            reason: text(o.get("reason")).map(|r| camel_case(&r)),
            description: text(o.get("description")),
        }),
        _ => Err(error(pointer, "must be a record id or an unspecified record")),
    }
}

/// A 0.2/0.3 party: `describedBy…Statement` or `unspecified`.
fn party_02(value: Option<&Value>, pointer: &str) -> Result<Party, BodsError> {
    let Some(Value::Object(o)) = value else { return Err(error(pointer, "must be an object")) };
    for key in ["describedByEntityStatement", "describedByPersonStatement"] {
        if let Some(id) = text(o.get(key)) {
            return Ok(Party::Record(id));
        }
    }
    if let Some(Value::Object(u)) = o.get("unspecified") {
        return Ok(Party::Unspecified {
            reason: text(u.get("reason")).map(|r| camel_case(&r)),
            description: text(u.get("description")),
        });
    }
    Err(error(pointer, "names no statement and says nothing unspecified"))
}

/// What openreg tolerates in real registers' statements, as the warnings it records (and counts
/// in an ingest's summary).
pub const SHORT_ID: &str = "statement id shorter than 32 characters";
pub const NO_PUBLICATION_DETAILS: &str = "no publicationDetails";
pub const NO_BODS_VERSION: &str = "publicationDetails without bodsVersion";
pub const NO_PERSON_TYPE: &str = "no personType (BODS 0.1)";

/// A statement as read, with what openreg tolerated in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadStatement {
    pub statement: Statement,
    /// Deviations from the standard that openreg can live with, located by JSON pointers.
    pub warnings: Vec<Problem>,
}

/// Reads one statement of any BODS version.
pub fn parse_statement(value: &Value) -> Result<Statement, BodsError> {
    read_statement(value).map(|read| read.statement)
}

/// The longest statement or record id openreg keeps. BODS asks for 32 to 64 characters; real
/// registers publish shorter ones (kept, with a warning), and nothing legitimate is this long.
pub const MAX_ID_BYTES: usize = 1024;

/// A statement's or record's id: present, and not absurdly long.
fn id(o: &serde_json::Map<String, Value>, field: &str) -> Result<String, BodsError> {
    let pointer = format!("/{field}");
    let id = text(o.get(field)).ok_or_else(|| error(&pointer, "is missing"))?;
    if id.len() > MAX_ID_BYTES {
        return Err(error(&pointer, format!("is {} bytes long; openreg keeps ids of up to {MAX_ID_BYTES}", id.len())));
    }
    Ok(id)
}

/// Reads one statement of any BODS version, and says what it tolerated: statement ids shorter than
/// the standard's 32 characters, missing `publicationDetails` or `bodsVersion`, and BODS 0.1
/// persons without a `personType`. What cannot be understood is an error.
pub fn read_statement(value: &Value) -> Result<ReadStatement, BodsError> {
    let Value::Object(o) = value else { return Err(error("", "a statement must be a JSON object")) };
    let mut warnings = Vec::new();
    let bods_version = match o.get("publicationDetails") {
        None => {
            warnings.push(Problem { pointer: "/publicationDetails".into(), reason: NO_PUBLICATION_DETAILS.into() });
            None
        }
        Some(details) => {
            let version = text(details.get("bodsVersion"));
            if version.is_none() {
                warnings.push(Problem {
                    pointer: "/publicationDetails/bodsVersion".into(),
                    reason: NO_BODS_VERSION.into(),
                });
            }
            version
        }
    };
    let statement_date = text(o.get("statementDate"));
    let statement = if is_record_model(o) {
        let statement_id = id(o, "statementId")?;
        if statement_id.chars().count() < 32 {
            warnings.push(Problem { pointer: "/statementId".into(), reason: SHORT_ID.into() });
        }
        let record_id = id(o, "recordId")?;
        let status = match text(o.get("recordStatus")).as_deref() {
            Some("closed") => RecordStatus::Closed,
            Some("updated") => RecordStatus::Updated,
            _ => RecordStatus::New,
        };
        let details = o.get("recordDetails").filter(|d| d.is_object());
        let kind = text(o.get("recordType"));
        let details = match (kind.as_deref(), details) {
            (Some("entity"), Some(d)) => Details::Entity(entity(d)),
            (Some("person"), Some(d)) => Details::Person(person(d, "/recordDetails", false, &mut warnings)?),
            (Some("relationship"), Some(d)) => Details::Relationship(Relationship {
                subject: party_04(d.get("subject"), "/recordDetails/subject")?,
                interested_party: party_04(d.get("interestedParty"), "/recordDetails/interestedParty")?,
                interests: interests(d.get("interests")),
                is_component: d.get("isComponent").and_then(Value::as_bool).unwrap_or(false),
                component_records: d
                    .get("componentRecords")
                    .and_then(Value::as_array)
                    .map(|l| l.iter().filter_map(|r| text(Some(r))).collect())
                    .unwrap_or_default(),
            }),
            (None, _) => return Err(error("/recordType", "is missing")),
            (_, None) => return Err(error("/recordDetails", "is missing")),
            (Some(other), _) => return Err(error("/recordType", format!("unknown record type `{other}`"))),
        };
        Statement {
            statement_id,
            record_id,
            version: BodsVersion::Records,
            status,
            statement_date,
            replaces: Vec::new(),
            details,
        }
    } else {
        let statement_id = id(o, "statementID")?;
        if statement_id.chars().count() < 32 {
            warnings.push(Problem { pointer: "/statementID".into(), reason: SHORT_ID.into() });
        }
        // Statements that declare no version are BODS 0.1, as lib-cove-bods reads them.
        let lenient = bods_version.is_none();
        let details = match text(o.get("statementType")).as_deref() {
            Some("entityStatement") => Details::Entity(entity(value)),
            Some("personStatement") => Details::Person(person(value, "", lenient, &mut warnings)?),
            Some("ownershipOrControlStatement") => Details::Relationship(Relationship {
                subject: party_02(o.get("subject"), "/subject")?,
                interested_party: party_02(o.get("interestedParty"), "/interestedParty")?,
                interests: interests(o.get("interests")),
                is_component: o.get("isComponent").and_then(Value::as_bool).unwrap_or(false),
                component_records: o
                    .get("componentStatementIDs")
                    .and_then(Value::as_array)
                    .map(|l| l.iter().filter_map(|r| text(Some(r))).collect())
                    .unwrap_or_default(),
            }),
            Some(other) => return Err(error("/statementType", format!("unknown statement type `{other}`"))),
            None => return Err(error("/statementType", "is missing")),
        };
        Statement {
            record_id: statement_id.clone(),
            statement_id,
            version: BodsVersion::Statements,
            status: RecordStatus::New,
            statement_date,
            replaces: o
                .get("replacesStatements")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(|r| text(Some(r))).collect())
                .unwrap_or_default(),
            details,
        }
    };
    Ok(ReadStatement { statement, warnings })
}

/// 0.4 statements describe records; earlier ones are statements of their own.
fn is_record_model(o: &serde_json::Map<String, Value>) -> bool {
    o.contains_key("recordType") || o.contains_key("recordId")
}

/// The few fields that say which BODS version a statement follows; the rest is skipped unread.
#[derive(Deserialize)]
struct VersionHead {
    #[serde(default, rename = "publicationDetails")]
    publication_details: Option<Value>,
    #[serde(default, rename = "recordId")]
    record_id: Option<IgnoredAny>,
    #[serde(default, rename = "recordType")]
    record_type: Option<IgnoredAny>,
}

/// The BODS version a statement's JSON text follows, as lib-cove-bods decides it: its
/// `publicationDetails.bodsVersion`; where it declares none, 0.4 for the record model and 0.1 for
/// the statement model. `None` when the text is not a JSON object.
pub fn bods_version(json: &[u8]) -> Option<String> {
    // serde reads a struct from an array too: only objects are statements.
    if json.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    let head: VersionHead = serde_json::from_slice(json).ok()?;
    if let Some(version) = head.publication_details.as_ref().and_then(|d| d.get("bodsVersion")).and_then(Value::as_str)
    {
        return Some(version.to_string());
    }
    let record_model = head.record_id.is_some() || head.record_type.is_some();
    Some(if record_model { "0.4" } else { "0.1" }.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shares_of_every_version() {
        assert_eq!(share(Some(&json!({"exact": 60}))), Some(Share::exact(60.0)));
        let v02 =
            share(Some(&json!({"minimum": 25, "maximum": 50, "exclusiveMinimum": true, "exclusiveMaximum": false})));
        assert_eq!(
            v02,
            Some(Share { minimum: 25.0, maximum: 50.0, exclusive_minimum: true, exclusive_maximum: false })
        );
        let v04 = share(Some(&json!({"exclusiveMinimum": 25, "maximum": 50})));
        assert_eq!(
            v04,
            Some(Share { minimum: 25.0, maximum: 50.0, exclusive_minimum: true, exclusive_maximum: false })
        );
        assert_eq!(share(Some(&json!({}))), None);
    }

    #[test]
    fn absurdly_long_ids_are_refused_with_where_and_why() {
        let long = "x".repeat(MAX_ID_BYTES + 1);
        let e = read_statement(&json!({"statementId": "s", "recordId": long, "recordType": "entity",
            "recordDetails": {"name": "E"}}))
        .unwrap_err();
        assert_eq!(e.pointer, "/recordId");
        assert!(e.reason.contains("1025 bytes long"), "{}", e.reason);
        let e = read_statement(&json!({"statementID": long, "statementType": "entityStatement"})).unwrap_err();
        assert_eq!(e.pointer, "/statementID");
        let ok = "y".repeat(MAX_ID_BYTES);
        assert!(read_statement(&json!({"statementId": ok, "recordId": "r", "recordType": "entity",
            "recordDetails": {"name": "E"}}))
        .is_ok());
    }

    #[test]
    fn codes_are_camel_cased() {
        assert_eq!(camel_case("voting-rights"), "votingRights");
        assert_eq!(camel_case("shareholding"), "shareholding");
    }

    #[test]
    fn a_0_2_update_and_a_0_4_unspecified_party() {
        let v02 = json!({"statementID": "s2", "statementType": "ownershipOrControlStatement",
            "subject": {"describedByEntityStatement": "e1"},
            "interestedParty": {"unspecified": {"reason": "interested-party-has-not-provided-information"}},
            "interests": [{"type": "voting-rights", "interestLevel": "direct", "share": {"exact": 50}}],
            "replacesStatements": ["s1"]});
        let s = parse_statement(&v02).unwrap();
        assert_eq!(s.replaces, ["s1"]);
        let Details::Relationship(r) = s.details else { panic!() };
        assert_eq!(
            r.interested_party,
            Party::Unspecified { reason: Some("interestedPartyHasNotProvidedInformation".into()), description: None }
        );
        assert_eq!(r.interests[0].interest_type.as_deref(), Some("votingRights"));

        let v04 = json!({"statementId": "x", "recordId": "r", "recordType": "relationship", "recordStatus": "closed",
            "recordDetails": {"subject": "e", "interestedParty": {"reason": "subjectExemptFromDisclosure"}}});
        let s = parse_statement(&v04).unwrap();
        assert_eq!(s.status, RecordStatus::Closed);
    }

    #[test]
    fn what_is_tolerated_is_said() {
        let id = "e5b1f5a2-2d2f-4f8c-9d51-0f3e4b7c1a20";
        let clean = json!({"statementID": id, "statementType": "entityStatement", "entityType": "registeredEntity",
            "publicationDetails": {"bodsVersion": "0.2", "publicationDate": "2020-01-01", "publisher": {"name": "x"}}});
        assert!(read_statement(&clean).unwrap().warnings.is_empty());

        let short = json!({"statementId": "s1", "recordId": "r", "recordType": "entity",
            "publicationDetails": {"publicationDate": "2024-01-01"}, "recordDetails": {"name": "A"}});
        let read = read_statement(&short).unwrap();
        let reasons: Vec<(&str, &str)> =
            read.warnings.iter().map(|w| (w.pointer.as_str(), w.reason.as_str())).collect();
        assert_eq!(reasons, [("/publicationDetails/bodsVersion", NO_BODS_VERSION), ("/statementId", SHORT_ID)]);

        // BODS 0.1: no publicationDetails, and personType was optional.
        let named = json!({"statementID": id, "statementType": "personStatement", "names": [{"fullName": "A B"}]});
        let read = read_statement(&named).unwrap();
        let Details::Person(p) = &read.statement.details else { panic!() };
        assert_eq!(p.person_type, PersonType::Known);
        assert_eq!(read.warnings[0].reason, NO_PUBLICATION_DETAILS);
        assert_eq!(read.warnings[1].pointer, "/personType");
        assert_eq!(read.warnings[1].reason, "no personType (BODS 0.1): read as knownPerson");
        let unnamed = json!({"statementID": id, "statementType": "personStatement"});
        let Details::Person(p) = read_statement(&unnamed).unwrap().statement.details else { panic!() };
        assert_eq!(p.person_type, PersonType::Unknown);
        // From 0.2 on, personType is required: a statement that declares its version must have one.
        let v02 = json!({"statementID": id, "statementType": "personStatement", "publicationDetails": {"bodsVersion": "0.2"}});
        assert_eq!(read_statement(&v02).unwrap_err().pointer, "/personType");
    }

    #[test]
    fn versions_as_lib_cove_bods_reads_them() {
        assert_eq!(
            bods_version(br#"{"statementID":"s","publicationDetails":{"bodsVersion":"0.3"}}"#).as_deref(),
            Some("0.3")
        );
        assert_eq!(bods_version(br#"{"statementID":"s","statementType":"entityStatement"}"#).as_deref(), Some("0.1"));
        assert_eq!(bods_version(br#"{"statementId":"s","recordId":"r"}"#).as_deref(), Some("0.4"));
        assert_eq!(bods_version(b"[1]"), None);
    }

    #[test]
    fn unreadable_statements_say_why() {
        let e = parse_statement(&json!({"statementID": "s", "statementType": "mystery"})).unwrap_err();
        assert_eq!((e.pointer.as_str(), e.reason.as_str()), ("/statementType", "unknown statement type `mystery`"));
        assert_eq!(parse_statement(&json!({"statementType": "entityStatement"})).unwrap_err().pointer, "/statementID");
        assert!(parse_statement(&json!({"recordId": "r", "statementId": "s", "recordType": "entity"})).is_err());
        let e =
            parse_statement(&json!({"recordId": "r", "statementId": "s", "recordType": "trust", "recordDetails": {}}))
                .unwrap_err();
        assert_eq!((e.pointer.as_str(), e.reason.as_str()), ("/recordType", "unknown record type `trust`"));
        let e = parse_statement(&json!({"recordId": "r", "statementId": "s", "recordDetails": {}})).unwrap_err();
        assert_eq!((e.pointer.as_str(), e.reason.as_str()), ("/recordType", "is missing"));
    }
}
