//! Reading a compiled release the way Cardinal's `Indicators` helpers read it: which bids were
//! submitted, whether every award is final, which processes compare prices.

use std::collections::HashSet;

use serde_json::{Map, Number, Value};

/// `tender.status` is `cancelled`: Cardinal skips the process for every indicator.
pub fn is_cancelled(release: &Map<String, Value>) -> bool {
    matches!(release.get("tender").and_then(|tender| tender.get("status")), Some(Value::String(status)) if status == "cancelled")
}

/// An empty set matches every process; otherwise `tender.procurementMethod` must be in it.
pub fn matches_procurement_method(tender: &Map<String, Value>, set: &HashSet<String>) -> bool {
    if set.is_empty() {
        true
    } else if let Some(Value::String(method)) = tender.get("procurementMethod") {
        set.contains(method)
    } else {
        false
    }
}

/// Cardinal's allow-or-deny list on `tender.procurementMethodDetails`: with a non-empty `include`,
/// the details must be in it (and a process without details does not match); otherwise the
/// details must not be in `exclude` (and a process without details matches).
pub fn matches_procurement_method_details(
    release: &Map<String, Value>,
    include: &HashSet<String>,
    exclude: &HashSet<String>,
) -> bool {
    match release.get("tender").and_then(|tender| tender.get("procurementMethodDetails")) {
        Some(Value::String(details)) => {
            if include.is_empty() {
                !exclude.contains(details)
            } else {
                include.contains(details)
            }
        }
        _ => include.is_empty(),
    }
}

/// Bids whose status is a string other than `invited` and `withdrawn` (pending, valid,
/// disqualified, or anything else a publisher wrote).
pub fn submitted_bids(release: &Map<String, Value>) -> Vec<&Value> {
    bid_details(release)
        .map(|details| {
            details
                .iter()
                .filter(|bid| matches!(bid.get("status"), Some(Value::String(status)) if status != "invited" && status != "withdrawn"))
                .collect()
        })
        .unwrap_or_default()
}

pub fn bid_details(release: &Map<String, Value>) -> Option<&Vec<Value>> {
    match release.get("bids") {
        Some(Value::Object(bids)) => match bids.get("details") {
            Some(Value::Array(details)) => Some(details),
            _ => None,
        },
        _ => None,
    }
}

/// The active awards and the bids, if the release has an `awards` array and `bids.details`, and
/// every award with a status is final: `active`, `cancelled` or `unsuccessful` (a `pending` or
/// unknown status makes the results unstable, so the process is skipped). Awards without a
/// status are ignored. Bids are returned even when there are no awards.
pub fn complete_awards_and_bids(release: &Map<String, Value>) -> Option<(Vec<&Value>, &Vec<Value>)> {
    let Some(Value::Array(awards)) = release.get("awards") else {
        return None;
    };
    let details = bid_details(release)?;
    let mut complete = Vec::new();
    for award in awards {
        if let Some(Value::String(status)) = award.get("status") {
            match status.as_str() {
                "active" => complete.push(award),
                "cancelled" | "unsuccessful" => {}
                _ => return None,
            }
        }
    }
    Some((complete, details))
}

/// A bid's money: `value.amount` (a JSON number) and `value.currency` (a string).
pub fn bid_value(bid: &Value) -> Option<Money<'_>> {
    let Some(Value::Object(value)) = bid.get("value") else {
        return None;
    };
    money(value)
}

pub fn money(value: &Map<String, Value>) -> Option<Money<'_>> {
    let Some(Value::Number(number)) = value.get("amount") else {
        return None;
    };
    let Some(Value::String(currency)) = value.get("currency") else {
        return None;
    };
    Some(Money { amount: number.as_f64()?, number, currency })
}

#[derive(Debug, Clone, Copy)]
pub struct Money<'a> {
    pub amount: f64,
    /// The amount as the publisher wrote it.
    pub number: &'a Number,
    pub currency: &'a str,
}

/// Valid bids with exactly one tenderer that has an id, and a value: (tenderer id, money).
pub fn valid_single_tenderer_bids(details: &[Value]) -> Vec<(&str, Money<'_>)> {
    let mut bids = Vec::new();
    for bid in details {
        if let Some(Value::String(status)) = bid.get("status") {
            if let Some(money) = bid_value(bid) {
                if let Some(Value::Array(tenderers)) = bid.get("tenderers") {
                    if tenderers.len() == 1 {
                        if let Some(Value::String(id)) = tenderers[0].get("id") {
                            if status == "valid" {
                                bids.push((id.as_str(), money));
                            }
                        }
                    }
                }
            }
        }
    }
    bids
}

/// The ids of an array of organization references (`tenderers`, `suppliers`), skipping those
/// without a string id.
pub fn ids(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|item| item.get("id")?.as_str()).collect(),
        _ => Vec::new(),
    }
}

pub fn str_at<'a>(value: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str()
}

/// `release[first][second]` as a string.
pub fn str_in<'a>(release: &'a Map<String, Value>, first: &str, second: &str) -> Option<&'a str> {
    release.get(first)?.get(second)?.as_str()
}

/// The id of `buyer`, or of `tender.procuringEntity`.
pub fn organization_id<'a>(release: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let mut value = release.get(path[0])?;
    for key in &path[1..] {
        value = value.get(*key)?;
    }
    match value {
        Value::Object(organization) => str_at(organization, "id"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn allow_and_deny_lists_on_procurement_method_details() {
        let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
        let with = |details: &str| object(json!({"tender": {"procurementMethodDetails": details}}));
        let without = object(json!({"tender": {}}));
        // Cardinal's rstest cases: value, include, exclude, matches.
        assert!(matches_procurement_method_details(&with("X"), &set(&[]), &set(&[])));
        assert!(matches_procurement_method_details(&with("X"), &set(&["X"]), &set(&[])));
        assert!(!matches_procurement_method_details(&with("X"), &set(&[]), &set(&["X"])));
        assert!(!matches_procurement_method_details(&with("N"), &set(&["X"]), &set(&[])));
        assert!(matches_procurement_method_details(&without, &set(&[]), &set(&["X"])));
        assert!(!matches_procurement_method_details(&without, &set(&["X"]), &set(&[])));
    }

    #[test]
    fn a_pending_award_makes_the_process_unstable() {
        let release = object(json!({"awards": [{"status": "active"}, {"status": "pending"}], "bids": {"details": []}}));
        assert!(complete_awards_and_bids(&release).is_none());
        let release =
            object(json!({"awards": [{"status": "active"}, {"status": "cancelled"}, {}], "bids": {"details": []}}));
        assert_eq!(complete_awards_and_bids(&release).unwrap().0.len(), 1);
        assert!(complete_awards_and_bids(&object(json!({"awards": []}))).is_none());
    }

    #[test]
    fn submitted_bids_leave_out_invited_withdrawn_and_statusless() {
        let release = object(json!({"bids": {"details": [
            {"status": "invited"}, {"status": "withdrawn"}, {}, {"status": "pending"}, {"status": "valid"}, {"status": "disqualified"}
        ]}}));
        assert_eq!(submitted_bids(&release).len(), 3);
    }

    #[test]
    fn amounts_must_be_numbers_with_a_currency() {
        assert!(bid_value(&json!({"value": {"amount": "1", "currency": "USD"}})).is_none());
        assert!(bid_value(&json!({"value": {"amount": 1}})).is_none());
        assert_eq!(bid_value(&json!({"value": {"amount": 1.5, "currency": "USD"}})).unwrap().amount, 1.5);
    }
}
