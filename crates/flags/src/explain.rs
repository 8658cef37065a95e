//! A flag in plain sentences: what was found, how sure openreg is, and each fact it rests on, with
//! where to check it.

use openreg_model::flag::Flag;
use openreg_model::link::Label;
use serde_json::Value;

fn value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".into(),
        other => other.to_string(),
    }
}

/// The explanation of a flag, as text a journalist can check against the sources.
pub fn explain(flag: &Flag) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} ({}), flag {}\n", flag.name, flag.code, flag.id));
    if let Some(ocid) = &flag.ocid {
        out.push_str(&format!("Contracting process: {ocid}"));
        if let Some(date) = &flag.date {
            out.push_str(&format!(", awarded {}", &date[..date.len().min(10)]));
        }
        if let (Some(amount), Some(currency)) = (flag.amount, &flag.currency) {
            out.push_str(&format!(", {amount} {currency}"));
        }
        out.push('\n');
    }
    let certainty = match flag.certainty {
        Label::Confirmed => "confirmed: it rests on published data and shared identifiers only.".to_string(),
        Label::Probable => "probable: it rests on at least one link made by comparing names (no shared identifier). \
             Check that link before reporting this."
            .to_string(),
        Label::Possible => {
            "possible: it rests on at least one weak name link. This is a lead to check, not a finding.".to_string()
        }
    };
    out.push_str(&format!("Certainty: {certainty}\n"));
    out.push_str(
        &format!("Severity: {:?}. Serves: {}.\n", flag.severity, flag.policy_areas.join(", "))
            .replace("Severity: L", "Severity: l")
            .replace("Severity: M", "Severity: m")
            .replace("Severity: H", "Severity: h"),
    );
    if !flag.entities.is_empty() {
        out.push_str("Who:\n");
        for e in &flag.entities {
            out.push_str(&format!("  - {} ({}), {}\n", e.name, e.role, e.id));
        }
    }
    if !flag.figures.is_empty() {
        out.push_str("What triggered it:\n");
        for (k, v) in &flag.figures {
            out.push_str(&format!("  - {}: {}\n", k.replace('_', " "), value(v)));
        }
    }
    if !flag.thresholds.is_empty() {
        out.push_str("Thresholds used:\n");
        for (k, v) in &flag.thresholds {
            out.push_str(&format!("  - {}: {}\n", k.replace('_', " "), value(v)));
        }
    }
    out.push_str("Evidence, to check against the sources:\n");
    for (i, e) in flag.evidence.iter().enumerate() {
        let how = match (e.label, e.score) {
            (Some(label), Some(score)) => format!(" [{} link, score {score:.2}]", label.as_str()),
            (Some(label), None) => format!(" [{}]", label.as_str()),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {}. {}.{how}\n     Check: {} {}\n",
            i + 1,
            e.text.trim_end_matches('.'),
            e.kind,
            e.id
        ));
    }
    out
}
