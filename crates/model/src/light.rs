//! The JSON value the merge works on: like `serde_json::Value`, but objects keep their fields in a
//! plain list (no hashing while parsing) and numbers keep their text exactly as written.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Light {
    Null,
    Bool(bool),
    /// The number's text, as written.
    Number(String),
    String(String),
    Array(Vec<Light>),
    /// Fields in order of appearance.
    Object(Vec<(String, Light)>),
}

/// The key serde_json uses to hand over a number's text when `arbitrary_precision` is on.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl Light {
    pub fn is_object(&self) -> bool {
        matches!(self, Light::Object(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Light::Null)
    }

    /// A field of an object (the last one, if a publisher repeated it).
    pub fn get(&self, key: &str) -> Option<&Light> {
        match self {
            Light::Object(fields) => fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Writes the value as compact JSON.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Light::Null => out.extend_from_slice(b"null"),
            Light::Bool(true) => out.extend_from_slice(b"true"),
            Light::Bool(false) => out.extend_from_slice(b"false"),
            Light::Number(text) => out.extend_from_slice(text.as_bytes()),
            Light::String(s) => write_str(out, s),
            Light::Array(items) => write_array(out, items),
            Light::Object(fields) => {
                out.push(b'{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, key);
                    out.push(b':');
                    value.write_json(out);
                }
                out.push(b'}');
            }
        }
    }

    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).expect("JSON text is UTF-8")
    }
}

/// Writes a JSON array of values.
pub fn write_array(out: &mut Vec<u8>, items: &[Light]) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_json(out);
    }
    out.push(b']');
}

/// Writes a JSON string literal, escaped as serde_json escapes.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

impl From<Value> for Light {
    fn from(value: Value) -> Light {
        match value {
            Value::Null => Light::Null,
            Value::Bool(b) => Light::Bool(b),
            Value::Number(n) => Light::Number(n.to_string()),
            Value::String(s) => Light::String(s),
            Value::Array(items) => Light::Array(items.into_iter().map(Light::from).collect()),
            Value::Object(map) => Light::Object(map.into_iter().map(|(k, v)| (k, Light::from(v))).collect()),
        }
    }
}

impl<'de> Deserialize<'de> for Light {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Light, D::Error> {
        deserializer.deserialize_any(LightVisitor)
    }
}

struct LightVisitor;

impl<'de> Visitor<'de> for LightVisitor {
    type Value = Light;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Light, E> {
        Ok(Light::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Light, E> {
        Ok(Light::Number(n.to_string()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Light, E> {
        Ok(Light::Number(n.to_string()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Light, E> {
        serde_json::Number::from_f64(n)
            .map(|n| Light::Number(n.to_string()))
            .ok_or_else(|| E::custom("not a JSON number"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Light, E> {
        Ok(Light::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Light, E> {
        Ok(Light::String(s))
    }

    fn visit_unit<E>(self) -> Result<Light, E> {
        Ok(Light::Null)
    }

    fn visit_none<E>(self) -> Result<Light, E> {
        Ok(Light::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Light, D::Error> {
        Deserialize::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Light, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Light::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Light, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.is_empty() && key == NUMBER_TOKEN {
                let text: String = map.next_value()?;
                return Ok(Light::Number(text));
            }
            fields.push((key, map.next_value()?));
        }
        Ok(Light::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order_survive_a_round_trip() {
        // (serde_json writes exponents in one form, 1e+3, whatever the input had.)
        let text = r#"{"b":1311264.00,"a":[1e+3,-0,"x\"y"],"c":{"d":null,"e":true}}"#;
        let light: Light = serde_json::from_str(text).unwrap();
        assert_eq!(light.to_json(), text);
        let via_value = Light::from(serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(via_value, light);
    }
}
