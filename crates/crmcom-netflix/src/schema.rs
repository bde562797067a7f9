//! Request rules, read from the JSON Schema that `schemars` derives from the request types.
//!
//! The request structs and their attributes are the single source of the rules. Bounds, set
//! sizes and string patterns are `validator` attributes (`range`, `length`, `regex`), which both
//! `validator::Validate` and `schemars` read; what `validator` cannot say stays in schema
//! extensions: releases (`x-since`, `x-required-since`, `x-required-until`), semi-optional groups
//! (`x-one-of-required`) and unique keys (`x-unique-items-by`). This module compiles that schema
//! once into a [`Node`] tree and walks parameters against it, collecting every violation and
//! producing the normalized parameters (nulls and blank optional texts dropped, dates canonical,
//! integral floats written as integers).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::date::Date;
use crate::error::{index, join, ViolationCode as Code, Violations};
use crate::release::Release;
use crate::token::SECRET_PARAMETERS;

/// The characters `str::trim` removes (Unicode `White_Space`), as the body of a regex class in
/// the syntax that ECMA-262, Python's `re` and Rust's `regex` read alike (`\uHHHH` escapes, no
/// `\s`, whose meaning differs between the three).
// Spelt out in NON_BLANK_PATTERN; a test builds the pattern from these two and compares.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const WHITESPACE_CLASS: &str =
    "\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

/// The control characters no string may hold (U+0000 to U+001F, U+007F), as a class body.
#[cfg_attr(not(test), allow(dead_code))]
const CONTROL_CLASS: &str = "\\x00-\\x1F\\x7F";

/// A text without control characters: the `pattern` of every optional string parameter and of
/// the identifiers of the responses.
pub(crate) const TEXT_PATTERN: &str = "^[^\\x00-\\x1F\\x7F]*$";

/// [`TEXT_PATTERN`] for request strings.
pub(crate) static TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(TEXT_PATTERN).expect("valid regex"));

/// A free text (`x-free-text`, notes): tab, line feed and carriage return allowed.
pub(crate) static FREE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*$").expect("valid regex")
});

/// A text that is not blank: no control character, and at least one character that is not white
/// space. The `pattern` of every mandatory string parameter and of the keys of the responses (a
/// charge's number and customer identifier), with `minLength: 1`. Written out because a field's
/// schema needs it as a constant; a test checks it against [`CONTROL_CLASS`] and
/// [`WHITESPACE_CLASS`].
pub(crate) const NON_BLANK_PATTERN: &str = "^[^\\x00-\\x1F\\x7F]*[^\\x00-\\x1F\\x7F\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\x00-\\x1F\\x7F]*$";

/// [`NON_BLANK_PATTERN`] for request strings.
pub(crate) static NON_BLANK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(NON_BLANK_PATTERN).expect("valid regex"));

/// A Web API key: printable ASCII without space or colon (the colon would end the HTTP Basic
/// user name).
pub(crate) static API_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[!-9;-~]+$").expect("valid regex"));

/// A compiled schema node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Any,
    /// A string; `free_text` ones may hold tabs and line breaks, no string any other control
    /// character (NUL would cut the value short in C, and the API has no use for the rest).
    String {
        date: bool,
        free_text: bool,
        pattern: Option<Regex>,
    },
    Integer {
        min: Option<i128>,
        max: Option<i128>,
    },
    Number,
    Boolean,
    Enum(Vec<String>),
    Object(Object),
    Array(Array),
    FieldsSet(Vec<ItemField>),
}

/// A field of a response item object that `fields_set` may name.
#[derive(Debug, Clone)]
pub(crate) struct ItemField {
    pub(crate) name: String,
    pub(crate) since: Option<Release>,
}

#[derive(Debug, Clone)]
pub(crate) struct Object {
    pub(crate) fields: Vec<Field>,
    pub(crate) one_of_required: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Array {
    pub(crate) items: Box<Node>,
    pub(crate) min: Option<usize>,
    pub(crate) max: Option<usize>,
    pub(crate) unique_by: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) node: Node,
    pub(crate) required: bool,
    pub(crate) since: Option<Release>,
    pub(crate) required_since: Option<Release>,
    pub(crate) required_until: Option<Release>,
}

impl Field {
    fn required_in(&self, release: Release) -> bool {
        self.since.is_none_or(|s| s <= release)
            && (self.required
                || self.required_since.is_some_and(|r| r <= release)
                || self.required_until.is_some_and(|r| release < r))
    }
    fn available_in(&self, release: Release) -> bool {
        self.since.is_none_or(|s| s <= release)
    }
    /// Whether `value` is a blank text that counts as not given: a blank string for a plain text
    /// field, without a control character (which is reported, blank or not).
    fn is_blank_text(&self, value: &Value) -> bool {
        match (&self.node, value) {
            (
                Node::String {
                    date: false,
                    free_text,
                    ..
                },
                Value::String(s),
            ) => s.trim().is_empty() && !has_forbidden_control(s, *free_text),
            _ => false,
        }
    }
}

fn release_of(v: Option<&Value>) -> Option<Release> {
    v.and_then(Value::as_str).and_then(Release::from_name)
}

/// Compiles a schemars schema (with subschemas inlined) into a node.
pub(crate) fn compile(schema: &Value) -> Node {
    let Some(obj) = schema.as_object() else {
        return Node::Any;
    };
    if let Some(fields) = obj.get("x-fields-set").and_then(Value::as_array) {
        return Node::FieldsSet(
            fields
                .iter()
                .filter_map(|f| {
                    Some(ItemField {
                        name: f.get("name")?.as_str()?.to_owned(),
                        since: release_of(f.get("since")),
                    })
                })
                .collect(),
        );
    }
    // Option<T> comes as anyOf/oneOf [T, null]: the non-null branch carries the rules; an enum
    // whose variants have doc comments comes as oneOf [{const}, ...].
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = obj.get(key).and_then(Value::as_array) {
            let non_null: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            let consts: Vec<String> = non_null
                .iter()
                .filter_map(|b| b.get("const").and_then(Value::as_str).map(str::to_owned))
                .collect();
            if !consts.is_empty() && consts.len() == non_null.len() {
                return Node::Enum(consts);
            }
            if let Some(b) = non_null.first() {
                return compile(b);
            }
        }
    }
    if let Some(c) = obj.get("const").and_then(Value::as_str) {
        return Node::Enum(vec![c.to_owned()]);
    }
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        return Node::Enum(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        );
    }
    let types: Vec<&str> = match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let ty = types.into_iter().find(|t| *t != "null").unwrap_or("");
    match ty {
        "string" => Node::String {
            date: obj.get("x-date").and_then(Value::as_bool).unwrap_or(false),
            free_text: obj
                .get("x-free-text")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            pattern: obj
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(|p| Regex::new(p).ok()),
        },
        "integer" => Node::Integer {
            min: obj.get("minimum").and_then(integral),
            max: obj.get("maximum").and_then(integral),
        },
        "number" => Node::Number,
        "boolean" => Node::Boolean,
        "array" => Node::Array(Array {
            items: Box::new(obj.get("items").map(compile).unwrap_or(Node::Any)),
            min: obj
                .get("minItems")
                .and_then(Value::as_u64)
                .map(|n| n as usize),
            max: obj
                .get("maxItems")
                .and_then(Value::as_u64)
                .map(|n| n as usize),
            unique_by: string_list(obj.get("x-unique-items-by")),
        }),
        "object" => {
            let required = string_list(obj.get("required"));
            let fields = obj
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(name, s)| Field {
                            name: name.clone(),
                            node: compile(s),
                            required: required.contains(name),
                            since: release_of(s.get("x-since")),
                            required_since: release_of(s.get("x-required-since")),
                            required_until: release_of(s.get("x-required-until")),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let one_of_required = obj
                .get("x-one-of-required")
                .and_then(Value::as_array)
                .map(|groups| groups.iter().map(|g| string_list(Some(g))).collect())
                .unwrap_or_default();
            Node::Object(Object {
                fields,
                one_of_required,
            })
        }
        _ => Node::Any,
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The exact integer a JSON number stands for, when it stands for one (`3600.0` is 3600, as in
/// JSON Schema); `None` for a fraction or a value beyond `i128`.
fn integral(v: &Value) -> Option<i128> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // `as` saturates: a larger integral double stays beyond every bound, which the bound check
    // reports.
    (f.is_finite() && f.fract() == 0.0).then_some(f as i128)
}

/// A number as a person reads it: an integral double beyond 64 bits in full (`18446744073709551616`)
/// while it is short, else in exponent form (`1e300`).
fn shown(value: &Value) -> String {
    match value.as_f64() {
        Some(f) if value.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        Some(f) if value.is_f64() && f.fract() == 0.0 => format!("{f:e}"),
        _ => value.to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The name of the set when `node` is, in `release`, the plain request of an acknowledge, accept
/// or decline call: one mandatory array field of 1 to [`crate::MAX_SET_ITEMS`] items, unique by
/// `number` and `reference_number`, each an object of a mandatory non-blank `number` and
/// `billing_system_customer_identifier` and an optional plain-text `reference_number`. For such
/// a node, `crate::batch::prepare_set` writes the body the walk would (and falls back to the
/// walk for everything else); a node of any other shape makes it always walk.
pub(crate) fn plain_charge_set(node: &Node, release: Release) -> Option<&str> {
    let Node::Object(request) = node else {
        return None;
    };
    let [set] = request.fields.as_slice() else {
        return None;
    };
    let Node::Array(array) = &set.node else {
        return None;
    };
    let Node::Object(item) = array.items.as_ref() else {
        return None;
    };
    let plain = set.required_in(release)
        && request.one_of_required.is_empty()
        && array.min == Some(1)
        && array.max == Some(crate::batch::MAX_SET_ITEMS)
        && array.unique_by == ["number", "reference_number"]
        && item.one_of_required.is_empty()
        && item.fields.len() == 3 && item.fields.iter().all(|f| {
        let (pattern, required) = match f.name.as_str() {
            "number" | "billing_system_customer_identifier" => (NON_BLANK.as_str(), true),
            "reference_number" => (TEXT.as_str(), false),
            _ => return false,
        };
        f.available_in(release)
            && f.required_in(release) == required
            && matches!(&f.node, Node::String { date: false, free_text: false, pattern: Some(p) }
                    if p.as_str() == pattern)
    });
    plain.then_some(set.name.as_str())
}

/// Walks `value` against `node`; returns the normalized value.
pub(crate) fn check(
    node: &Node,
    value: &Value,
    release: Release,
    path: &str,
    out: &mut Violations,
) -> Value {
    match node {
        Node::Any => value.clone(),
        Node::String {
            date,
            free_text,
            pattern,
        } => match value {
            Value::String(s) if has_forbidden_control(s, *free_text) => {
                let rule = if *free_text {
                    "must not contain control characters other than tab, line feed and carriage \
                     return"
                } else {
                    crate::json::CONTROL_MESSAGE
                };
                out.push(path, Code::InvalidFormat, rule);
                value.clone()
            }
            Value::String(s) if *date => match Date::parse(s) {
                Some(d) => Value::String(d.to_string()),
                None => {
                    out.push(
                        path,
                        Code::InvalidFormat,
                        "must be a date as yyyy-MM-ddTHH:mm:ss",
                    );
                    value.clone()
                }
            },
            Value::String(s) => {
                if pattern.as_ref().is_some_and(|p| !p.is_match(s)) {
                    // The value is not echoed: it may be a secret.
                    out.push(path, Code::InvalidFormat, pattern_message(pattern));
                }
                value.clone()
            }
            other => {
                out.push(
                    path,
                    Code::InvalidType,
                    format!("must be a string, not {}", type_name(other)),
                );
                value.clone()
            }
        },
        Node::Integer { min, max } => match integral(value) {
            Some(n) => {
                let below = min.is_some_and(|m| n < m);
                let above = max.is_some_and(|m| n > m);
                if below || above {
                    let bounds = match (min, max) {
                        (Some(a), Some(b)) => format!("between {a} and {b}"),
                        (Some(a), None) => format!("at least {a}"),
                        (None, Some(b)) => format!("at most {b}"),
                        (None, None) => String::new(),
                    };
                    out.push(
                        path,
                        Code::OutOfRange,
                        format!("must be {bounds}, not {}", shown(value)),
                    );
                    return value.clone();
                }
                // An integral float (`3600.0`) goes out as the integer it is.
                i64::try_from(n)
                    .map(Value::from)
                    .or_else(|_| u64::try_from(n).map(Value::from))
                    .unwrap_or_else(|_| value.clone())
            }
            None if value.is_number() => {
                out.push(
                    path,
                    Code::InvalidType,
                    format!("must be an integer, not {value}"),
                );
                value.clone()
            }
            None => {
                out.push(
                    path,
                    Code::InvalidType,
                    format!("must be an integer, not {}", type_name(value)),
                );
                value.clone()
            }
        },
        Node::Number => {
            if !value.is_number() {
                out.push(
                    path,
                    Code::InvalidType,
                    format!("must be a number, not {}", type_name(value)),
                );
            }
            value.clone()
        }
        Node::Boolean => {
            if !value.is_boolean() {
                out.push(
                    path,
                    Code::InvalidType,
                    format!("must be true or false, not {}", type_name(value)),
                );
            }
            value.clone()
        }
        Node::Enum(values) => {
            match value {
                Value::String(s) if values.iter().any(|v| v == s) => {}
                Value::String(s) => out.push(
                    path,
                    Code::InvalidEnum,
                    format!("`{s}` is not one of {}", values.join(", ")),
                ),
                other => out.push(
                    path,
                    Code::InvalidType,
                    format!(
                        "must be a string, one of {}, not {}",
                        values.join(", "),
                        type_name(other)
                    ),
                ),
            }
            value.clone()
        }
        Node::FieldsSet(fields) => check_fields_set(fields, value, release, path, out),
        Node::Array(array) => check_array(array, value, release, path, out),
        Node::Object(object) => check_object(object, value, release, path, out),
    }
}

fn pattern_message(pattern: &Option<Regex>) -> String {
    match pattern {
        Some(p) if p.as_str() == API_KEY.as_str() => {
            "must be printable ASCII without spaces or colons".to_owned()
        }
        Some(p) if p.as_str() == NON_BLANK.as_str() => "must not be blank".to_owned(),
        Some(p) if p.as_str() == TEXT.as_str() || p.as_str() == FREE_TEXT.as_str() => {
            crate::json::CONTROL_MESSAGE.to_owned()
        }
        Some(p) => format!("must match the pattern {}", p.as_str()),
        None => String::new(),
    }
}

fn check_fields_set(
    fields: &[ItemField],
    value: &Value,
    release: Release,
    path: &str,
    out: &mut Violations,
) -> Value {
    let names: Vec<(usize, &str)> = match value {
        Value::String(s) => crate::methods::objects::split_fields_set(s)
            .enumerate()
            .collect(),
        Value::Array(items) => {
            let mut names = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => names.push((i, s)),
                    None => out.push(
                        &index(path, i),
                        Code::InvalidType,
                        format!("must be a field name, not {}", type_name(item)),
                    ),
                }
            }
            names
        }
        other => {
            out.push(
                path,
                Code::InvalidType,
                format!(
                    "must be a list of field names or a comma-separated string, not {}",
                    type_name(other)
                ),
            );
            return value.clone();
        }
    };
    let count = match value {
        Value::Array(items) => items.len(),
        _ => names.len(),
    };
    if count == 0 {
        out.push(path, Code::TooFewItems, "must name at least one field");
    }
    for &(i, name) in &names {
        match fields.iter().find(|f| f.name == name) {
            None => out.push(
                &index(path, i),
                Code::InvalidEnum,
                format!(
                    "`{name}` is not a field of the result; valid fields: {}",
                    fields
                        .iter()
                        .filter(|f| f.since.is_none_or(|s| s <= release))
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Some(f) if f.since.is_some_and(|s| s > release) => out.push(
                &index(path, i),
                Code::NotInRelease,
                format!(
                    "`{name}` is available from {} (target release {release})",
                    f.since.map(Release::as_str).unwrap_or_default()
                ),
            ),
            Some(_) => {}
        }
    }
    Value::Array(
        names
            .into_iter()
            .map(|(_, n)| Value::String(n.to_owned()))
            .collect(),
    )
}

fn check_array(
    array: &Array,
    value: &Value,
    release: Release,
    path: &str,
    out: &mut Violations,
) -> Value {
    let Value::Array(items) = value else {
        out.push(
            path,
            Code::InvalidType,
            format!("must be an array, not {}", type_name(value)),
        );
        return value.clone();
    };
    if let Some(max) = array.max.filter(|&m| items.len() > m) {
        out.push(
            path,
            Code::TooManyItems,
            format!("must have at most {max} items, not {}", items.len()),
        );
    }
    if let Some(min) = array.min.filter(|&m| items.len() < m) {
        out.push(
            path,
            Code::TooFewItems,
            format!("must have at least {min} item(s), not {}", items.len()),
        );
    }
    let mut seen: Vec<std::collections::HashMap<&str, usize>> =
        vec![Default::default(); array.unique_by.len()];
    let mut normalized = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = index(path, i);
        normalized.push(check(&array.items, item, release, &item_path, out));
        for (k, key) in array.unique_by.iter().enumerate() {
            if let Some(s) = item.get(key).and_then(Value::as_str) {
                if let Some(first) = seen[k].insert(s, i) {
                    seen[k].insert(s, first);
                    out.push(
                        &join(&item_path, key),
                        Code::Duplicate,
                        format!("`{s}` is already at {}", join(&index(path, first), key)),
                    );
                }
            }
        }
    }
    Value::Array(normalized)
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn check_object(
    object: &Object,
    value: &Value,
    release: Release,
    path: &str,
    out: &mut Violations,
) -> Value {
    let Value::Object(map) = value else {
        out.push(
            path,
            Code::InvalidType,
            format!("must be an object, not {}", type_name(value)),
        );
        return value.clone();
    };
    let mut normalized = Map::new();
    for (name, v) in map {
        let field_path = join(path, name);
        let Some(field) = object.fields.iter().find(|f| &f.name == name) else {
            let names: Vec<&str> = object
                .fields
                .iter()
                .filter(|f| f.available_in(release))
                .map(|f| f.name.as_str())
                .collect();
            let hint = closest(name, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            out.push(
                &field_path,
                Code::UnknownField,
                format!("is not a parameter of this request{hint}"),
            );
            continue;
        };
        if v.is_null() {
            // An optional null is the same as absent; a required one is reported below.
            continue;
        }
        if (is_blank(v) && field.required_in(release)) || field.is_blank_text(v) {
            // A blank mandatory string is reported below as `required`; a blank optional text
            // counts as not given and is left out, as `null` is.
            continue;
        }
        if !field.available_in(release) {
            out.push(
                &field_path,
                Code::NotInRelease,
                format!(
                    "is available from {} (target release {release})",
                    field.since.map(Release::as_str).unwrap_or_default()
                ),
            );
            continue;
        }
        normalized.insert(
            name.clone(),
            check(&field.node, v, release, &field_path, out),
        );
    }
    for field in &object.fields {
        if field.required_in(release) && map.get(&field.name).is_none_or(is_blank) {
            let what = if map.get(&field.name).is_some_and(Value::is_string) {
                "must not be blank"
            } else {
                MANDATORY
            };
            out.push(&join(path, &field.name), Code::Required, what);
        }
    }
    for group in &object.one_of_required {
        let members: Vec<&Field> = group
            .iter()
            .filter_map(|n| object.fields.iter().find(|f| &f.name == n))
            .filter(|f| f.available_in(release))
            .collect();
        let given = members
            .iter()
            .any(|f| map.get(&f.name).is_some_and(|v| !is_blank(v)));
        let covered = members.iter().any(|f| f.required_in(release));
        if !given && !covered && !members.is_empty() {
            let names: Vec<&str> = members.iter().map(|f| f.name.as_str()).collect();
            out.push(
                &join(path, names[0]),
                Code::OneOfRequired,
                format!("at least one of {} is mandatory", names.join(", ")),
            );
        }
    }
    Value::Object(normalized)
}

/// The message of a `required` violation for a value that is absent or `null` (not blank).
pub(crate) const MANDATORY: &str = "is mandatory";

/// The known name closest to a misspelt one, for "did you mean" hints.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 8))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn has_forbidden_control(s: &str, free_text: bool) -> bool {
    if free_text {
        s.bytes()
            .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
    } else {
        crate::json::has_control(s)
    }
}

/// Whether a parameter's value must never be echoed.
pub(crate) fn is_secret(name: &str) -> bool {
    SECRET_PARAMETERS.contains(&name)
}

/// The rules of a request type that the `validator` attributes cannot say, for the newest
/// release: semi-optional groups (`x-one-of-required`), keys unique across a set
/// (`x-unique-items-by`) and requiredness that depends on the release (`x-required-since`,
/// `x-required-until`). Used as the struct-level `#[validate(schema(...))]` function of the
/// request types, so that `validator::Validate` says what [`crate::validate`] says for
/// [`Release::LATEST`]; the first broken rule is reported, its path in `params["path"]`. (The
/// derive passes `&self` of `validate(&self)`, hence the double reference.)
pub(crate) fn extension_rules<T>(value: &&T) -> Result<(), validator::ValidationError>
where
    T: serde::Serialize + schemars::JsonSchema + 'static,
{
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    static NODES: OnceLock<Mutex<HashMap<TypeId, Arc<Node>>>> = OnceLock::new();
    let node = {
        let mut nodes = NODES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        nodes
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(compile(&crate::method::schema_of::<T>())))
            .clone()
    };
    let Ok(params) = serde_json::to_value(value) else {
        return Ok(());
    };
    let mut violations = Violations::default();
    check(&node, &params, Release::LATEST, "", &mut violations);
    let first = violations.0.into_iter().find(|v| match v.code {
        Code::OneOfRequired | Code::Duplicate | Code::NotInRelease => true,
        // An absent value (`None`): the attributes only see the values that are there.
        Code::Required => v.message == MANDATORY,
        _ => false,
    });
    match first {
        None => Ok(()),
        Some(v) => {
            let mut error = validator::ValidationError::new(v.code.as_str());
            error.message = Some(v.message.into());
            error.add_param("path".into(), &v.path);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_non_blank_pattern_is_built_of_the_control_and_white_space_classes() {
        assert_eq!(
            NON_BLANK_PATTERN,
            format!("^[^{CONTROL_CLASS}]*[^{CONTROL_CLASS}{WHITESPACE_CLASS}][^{CONTROL_CLASS}]*$")
        );
    }

    /// The published patterns say what the walker's rules say: blank as `str::trim` sees it, the
    /// control characters as `has_forbidden_control` sees them.
    #[test]
    fn patterns_agree_with_the_blank_and_control_rules() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}"), format!("{c} ")] {
                let control = has_forbidden_control(&s, false);
                assert_eq!(TEXT.is_match(&s), !control, "U+{:04X}", c as u32);
                assert_eq!(
                    FREE_TEXT.is_match(&s),
                    !has_forbidden_control(&s, true),
                    "U+{:04X}",
                    c as u32
                );
                assert_eq!(
                    NON_BLANK.is_match(&s),
                    !s.trim().is_empty() && !control,
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn integral_floats_are_integers_and_fractions_are_not() {
        assert_eq!(integral(&serde_json::json!(3600.0)), Some(3600));
        assert_eq!(integral(&serde_json::json!(-0.0)), Some(0));
        assert_eq!(integral(&serde_json::json!(3600.5)), None);
        assert_eq!(
            integral(&serde_json::json!(18446744073709551615u64)),
            Some(i128::from(u64::MAX))
        );
        assert_eq!(
            integral(&serde_json::json!(1.8446744073709552e19)),
            Some(1 << 64)
        );
        assert_eq!(integral(&serde_json::json!(1e300)), Some(i128::MAX));
        assert_eq!(integral(&serde_json::json!("5")), None);
    }

    fn violations(method: &str, params: &str) -> Vec<(String, Code, String)> {
        match crate::validate_json(method, params, None) {
            Err(crate::Error::InvalidRequest(v)) => {
                v.into_iter().map(|v| (v.path, v.code, v.message)).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn integers_beyond_64_bits_are_out_of_range_with_the_bounds() {
        let v = violations(
            "netflix/charges/list",
            r#"{"charge_status":"PROCESSED","number_of_results":50,"offset":18446744073709551616}"#,
        );
        assert_eq!(
            v,
            [(
                "offset".to_owned(),
                Code::OutOfRange,
                "must be between 0 and 2147483647, not 18446744073709551616".to_owned()
            )]
        );
        let v = violations(
            "netflix/charges/list",
            r#"{"charge_status":"PROCESSED","number_of_results":1e300,"offset":0}"#,
        );
        assert_eq!(v[0].1, Code::OutOfRange);
        assert_eq!(v[0].2, "must be between 1 and 50, not 1e300");
        let v = violations(
            "netflix/subscriptions/create",
            r#"{"billing_system_customer_identifier":"p",
                "customer_address":{"type":"HOME","floor":9223372036854775808}}"#,
        );
        assert_eq!(v[0].0, "customer_address.floor");
        assert_eq!(v[0].1, Code::OutOfRange);
        assert_eq!(
            v[0].2,
            "must be between -2147483648 and 2147483647, not 9223372036854775808"
        );
    }

    #[test]
    fn integral_doubles_are_integers_and_fractions_are_not() {
        for (value, code) in [("5.5", Code::InvalidType), ("1e19", Code::OutOfRange)] {
            let v = violations(
                "netflix/charges/list",
                &format!(
                    r#"{{"charge_status":"PROCESSED","number_of_results":50,"offset":{value}}}"#
                ),
            );
            assert_eq!(v[0].1, code, "{value}: {v:?}");
        }
        assert!(crate::validate_json(
            "netflix/charges/list",
            r#"{"charge_status":"PROCESSED","number_of_results":50.0,"offset":0.0}"#,
            None
        )
        .is_ok());
    }
}
