//! Building blocks of response objects: forward-compatible decoding (unknown fields and enum values
//! kept), presence rules (documented non-nullable fields required unless projected away), and a
//! schema derived from the same declaration.

use compact_str::CompactString;
use serde_json::Value;

use crate::error::{join, Error};
use crate::release::Release;

/// How a response field may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Documented and non-nullable: present unless a `fields_set` left it out.
    Required,
    /// May be `null`, and so may be absent too.
    Nullable,
}

/// A field of a response object, as `fields_set` and the schema see it.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    /// Wire name.
    pub name: &'static str,
    /// Other wire names read as this field.
    pub aliases: &'static [&'static str],
    /// How the field may be missing.
    pub presence: Presence,
    /// Release that introduced it, when later than R12.0.0.
    pub since: Option<Release>,
    /// The `pattern` its wire rule gives it in the schema (an identifier's: no control
    /// character), if any.
    pub pattern: Option<&'static str>,
}

/// What became of one field of a decoded object ([`ResponseObject::field_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldState {
    /// The field came with a value.
    Value,
    /// The field came as `null`, or is absent though it was asked for (a nullable field, or one
    /// that a release after R12.0.0 introduced).
    Null,
    /// A `fields_set` left the field out, and the server did not send it.
    NotRequested,
}

/// A decoded response object whose field presence can be checked after decoding.
pub trait ResponseObject {
    /// The object's documented fields, in documented order.
    #[doc(hidden)]
    fn field_names() -> Vec<&'static str>;
    #[doc(hidden)]
    fn fields() -> &'static [FieldInfo];
    /// What became of the field with wire name `field` (an alias works too), given the
    /// `fields_set` the object was decoded with; `None` for a name that is not one of its fields.
    fn field_state(&self, field: &str, fields_set: Option<&[String]>) -> Option<FieldState>;
}

/// A path into a response body, built on the stack while checking and rendered only for an error.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The start (`data`).
    Root(&'a str),
    /// A field of an object.
    Key(&'a Path<'a>, &'a str),
    /// An item of an array.
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The path as text (`data.charges_set[3].number`).
    pub fn render(&self) -> String {
        match self {
            Path::Root(s) => (*s).to_string(),
            Path::Key(parent, key) => join(&parent.render(), key),
            Path::Index(parent, i) => crate::error::index(&parent.render(), *i),
        }
    }
}

/// Checks, after decoding, that every field that must be present is present.
pub(crate) trait CheckPresence {
    fn check_presence(&self, path: &Path<'_>) -> Result<(), Error>;
}

macro_rules! no_presence_rules {
    ($($t:ty),*) => {$(
        impl CheckPresence for $t {
            fn check_presence(&self, _: &Path<'_>) -> Result<(), Error> { Ok(()) }
        }
    )*};
}
no_presence_rules!(
    CompactString,
    String,
    Value,
    bool,
    f64,
    crate::money::Money,
    crate::money::Currency,
    crate::date::Date
);

impl<T: CheckPresence> CheckPresence for Vec<T> {
    fn check_presence(&self, path: &Path<'_>) -> Result<(), Error> {
        for (i, item) in self.iter().enumerate() {
            item.check_presence(&Path::Index(path, i))?;
        }
        Ok(())
    }
}

/// Bit mask of the fields a `fields_set` names, over an object's field list.
pub(crate) fn named_mask(fields: &[FieldInfo], fields_set: &[String]) -> u64 {
    let mut mask = 0;
    for (i, f) in fields.iter().enumerate() {
        if fields_set
            .iter()
            .any(|n| n == f.name || f.aliases.contains(&n.as_str()))
        {
            mask |= 1 << i;
        }
    }
    mask
}

/// The first field that should be present and is not.
pub(crate) fn first_missing(
    fields: &[FieldInfo],
    present: u64,
    named: Option<u64>,
) -> Option<&'static str> {
    fields.iter().enumerate().find_map(|(i, f)| {
        let wanted = match named {
            None => f.presence == Presence::Required,
            Some(mask) => mask & (1 << i) != 0 && f.since.is_none(),
        };
        (wanted && present & (1 << i) == 0).then_some(f.name)
    })
}

pub(crate) fn missing_error(path: &Path<'_>, field: &str) -> Error {
    Error::malformed(
        join(&path.render(), field),
        format!("the mandatory field `{field}` is missing"),
    )
}

/// Builds the JSON Schema of a response object from its field declarations: a nullable field
/// admits `null`; a required field with aliases (`netflix_state` or `netflix_sate`) must come
/// under one of its names (`anyOf` of `required`) and not under two (`dependentSchemas`), each
/// name a property of its own.
pub(crate) fn object_schema(
    doc: &str,
    fields: &[FieldInfo],
    mut property: impl FnMut(usize) -> schemars::Schema,
) -> schemars::Schema {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    let mut any_of = Vec::new();
    // A field under two of its names is the field twice (malformed): its name excludes its aliases.
    let mut dependent = serde_json::Map::new();
    for (i, f) in fields.iter().enumerate() {
        let mut schema = property(i).to_value();
        if let (Some(pattern), Value::Object(map)) = (f.pattern, &mut schema) {
            // The wire rule of an identifier (no control character), where a pattern can say it:
            // on a string, or on the open branch of an enum.
            if map.get("type").is_some_and(|t| t == "string") && !map.contains_key("pattern") {
                if pattern == crate::schema::NON_BLANK_PATTERN {
                    map.insert("minLength".into(), 1.into());
                }
                map.insert("pattern".into(), pattern.into());
            }
        }
        if f.presence == Presence::Nullable {
            schema = nullable(schema);
        }
        if let Value::Object(map) = &mut schema {
            if let Some(since) = f.since {
                map.insert("x-since".into(), since.as_str().into());
            }
        }
        if !f.aliases.is_empty() {
            let aliases: serde_json::Map<String, Value> = f
                .aliases
                .iter()
                .map(|a| ((*a).to_owned(), Value::Bool(false)))
                .collect();
            dependent.insert(
                f.name.to_owned(),
                serde_json::json!({ "properties": aliases }),
            );
        }
        for alias in f.aliases {
            let mut alias_schema = schema.clone();
            alias_schema["x-alias-of"] = f.name.into();
            properties.insert((*alias).to_owned(), alias_schema);
        }
        if let Value::Object(map) = &mut schema {
            if !f.aliases.is_empty() {
                map.insert("x-aliases".into(), f.aliases.to_vec().into());
            }
        }
        match (f.presence, f.aliases.is_empty()) {
            (Presence::Required, true) => required.push(Value::from(f.name)),
            (Presence::Required, false) => {
                let names = std::iter::once(&f.name).chain(f.aliases);
                any_of.push(Value::Array(
                    names
                        .map(|n| serde_json::json!({"required": [n]}))
                        .collect(),
                ));
            }
            _ => {}
        }
        properties.insert(f.name.to_owned(), schema);
    }
    let mut schema = serde_json::Map::new();
    schema.insert("type".into(), "object".into());
    if !doc.is_empty() {
        schema.insert("description".into(), doc.trim().into());
    }
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("required".into(), Value::Array(required));
    match any_of.len() {
        0 => {}
        1 => {
            schema.insert("anyOf".into(), any_of.remove(0));
        }
        _ => {
            let all: Vec<Value> = any_of
                .into_iter()
                .map(|a| serde_json::json!({ "anyOf": a }))
                .collect();
            schema.insert("allOf".into(), Value::Array(all));
        }
    }
    if !dependent.is_empty() {
        schema.insert("dependentSchemas".into(), Value::Object(dependent));
    }
    schema.insert("additionalProperties".into(), true.into());
    schemars::Schema::try_from(Value::Object(schema)).unwrap_or_default()
}

/// The schema admitting `null` as well: `null` added to `type`, or the schema put in an `anyOf`
/// with `{"type": "null"}`.
fn nullable(schema: Value) -> Value {
    match schema {
        Value::Object(mut map) if map.get("type").is_some_and(Value::is_string) => {
            let ty = map.remove("type").unwrap_or_default();
            map.insert("type".into(), serde_json::json!([ty, "null"]));
            Value::Object(map)
        }
        other => serde_json::json!({"anyOf": [other, {"type": "null"}]}),
    }
}

/// Declares a response object: a struct whose documented non-nullable fields are plain values and
/// whose other fields are `Option`s, plus unknown fields kept in `extra`, with its decoder,
/// encoder, presence check and schema. A key given twice is malformed. A field may end with a
/// rule of `crate::json` that its value must pass after decoding (`, identifier`: no control
/// character; `, key`: an identifier that is not blank either).
///
/// `projected Name;` also declares the form a `fields_set` leaves: the same fields, every one an
/// `Option` (absent unless named and sent), with conversions between the two forms.
macro_rules! response_object {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $ty:ty = $wire:literal $(| $alias:literal)?, $presence:ident $(since $since:ident)? $(, $rule:ident)?;
            )*
        }
        projected $pname:ident;
        $(finish = $finish:path, $pfinish:path;)?
    ) => {
        $crate::object::response_object!(@object full [$(#[doc = $doc])*] $name {
            $( $(#[doc = $fdoc])* $field : $ty = $wire $(| $alias)?, $presence $(since $since)? $(, $rule)?; )*
        } [$($finish)?]);
        $crate::object::response_object!(@object projected [
            #[doc = concat!("A [`", stringify!($name), "`] as a `fields_set` projected it: every field \
                is an `Option`, present when the `fields_set` named it (or the server sent it anyway). \
                A named nullable field that came as `null` is `None` too.")]
        ] $pname {
            $( $(#[doc = $fdoc])* $field : $ty = $wire $(| $alias)?, $presence $(since $since)? $(, $rule)?; )*
        } [$($pfinish)?]);

        impl Default for $pname {
            fn default() -> $pname {
                $pname {
                    $( $field: None, )*
                    extra: serde_json::Map::new(),
                    explicit_nulls: 0,
                }
            }
        }

        impl From<$name> for $pname {
            fn from(full: $name) -> $pname {
                $pname {
                    $( $field: $crate::object::response_object!(@wrap full $presence full.$field), )*
                    extra: full.extra,
                    explicit_nulls: full.explicit_nulls,
                }
            }
        }

        impl TryFrom<$pname> for $name {
            type Error = $crate::error::Error;
            /// The full form, if every documented non-nullable field is there; otherwise the
            /// first missing field as a malformed response.
            fn try_from(projected: $pname) -> Result<$name, $crate::error::Error> {
                Ok($name {
                    $( $field: $crate::object::response_object!(@unwrap $presence projected.$field, $wire), )*
                    extra: projected.extra,
                    explicit_nulls: projected.explicit_nulls,
                })
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $ty:ty = $wire:literal $(| $alias:literal)?, $presence:ident $(since $since:ident)? $(, $rule:ident)?;
            )*
        }
        $(finish = $finish:path;)?
    ) => {
        $crate::object::response_object!(@object full [$(#[doc = $doc])*] $name {
            $( $(#[doc = $fdoc])* $field : $ty = $wire $(| $alias)?, $presence $(since $since)? $(, $rule)?; )*
        } [$($finish)?]);
    };
    (
        @object $mode:ident [$(#[doc = $doc:expr])*] $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $ty:ty = $wire:literal $(| $alias:literal)?, $presence:ident $(since $since:ident)? $(, $rule:ident)?;
            )*
        } [$($finish:path)?]
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[doc = $fdoc])*
                pub $field: $crate::object::response_object!(@ty $mode $presence $ty),
            )*
            /// Fields the server sent that this SDK does not know, kept in order and written back.
            pub extra: serde_json::Map<String, serde_json::Value>,
            /// Nullable fields that came as an explicit `null` (bit per field), so that encoding
            /// writes back `null` for them and leaves projected-away fields out.
            explicit_nulls: u64,
        }

        #[allow(unused_mut, unused_variables, unused_imports)]
        const _: () = {
            use $crate::object::{FieldInfo, Presence};
            #[allow(non_camel_case_types, dead_code)]
            #[derive(Clone, Copy)]
            enum Index { $($field),* }

            static FIELDS: &[FieldInfo] = &[$(FieldInfo {
                name: $wire,
                aliases: &[$($alias)?],
                presence: Presence::$presence,
                since: $crate::object::response_object!(@since $($since)?),
                pattern: $crate::object::response_object!(@pattern $($rule)?),
            }),*];

            // A key is one byte: the name of an unknown key goes to a slot of the caller's,
            // so that the dozen known keys of every charge move no string around.
            #[allow(non_camel_case_types)]
            #[derive(Clone, Copy)]
            enum Key { $($field,)* __other }

            struct KeySeed<'a>(&'a mut String);

            impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
                type Value = Key;
                fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
                    d.deserialize_identifier(self)
                }
            }

            impl serde::de::Visitor<'_> for KeySeed<'_> {
                type Value = Key;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a field name")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                    Ok(match v {
                        $($wire $(| $alias)? => Key::$field,)*
                        other => {
                            self.0.clear();
                            self.0.push_str(other);
                            Key::__other
                        }
                    })
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> serde::de::Visitor<'de> for V {
                        type Value = $name;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str(concat!("a ", stringify!($name), " object"))
                        }
                        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                            $( let mut $field: Option<$ty> = None; )*
                            let mut extra = serde_json::Map::new();
                            let mut explicit_nulls = 0u64;
                            // A key given twice is an error at its second occurrence, never an
                            // override (a second `amount` or `charge_status` would be billed).
                            let mut seen = 0u64;
                            let mut other = String::new();
                            while let Some(key) = map.next_key_seed(KeySeed(&mut other))? {
                                match key {
                                    $(Key::$field => {
                                        let bit = 1u64 << Index::$field as u32;
                                        if seen & bit != 0 {
                                            return $crate::json::repeated(&mut map, $wire);
                                        }
                                        seen |= bit;
                                        $crate::object::response_object!(@read $presence, map, explicit_nulls, bit, $field, $ty);
                                    })*
                                    Key::__other => {
                                        if extra.contains_key(&other) {
                                            return $crate::json::repeated(&mut map, &other);
                                        }
                                        let value = map.next_value_seed($crate::json::StrictValue)?;
                                        extra.insert(std::mem::take(&mut other), value);
                                    }
                                }
                            }
                            let mut out = $name {
                                $( $field: $crate::object::response_object!(@take $mode $presence $field, $wire, A::Error), )*
                                extra,
                                explicit_nulls,
                            };
                            $( $finish(&mut out); )?
                            Ok(out)
                        }
                    }
                    d.deserialize_map(V)
                }
            }

            impl serde::Serialize for $name {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap;
                    let mut map = s.serialize_map(None)?;
                    $(
                        match $crate::object::response_object!(@get $mode $presence self.$field) {
                            Some(v) => map.serialize_entry($wire, v)?,
                            None if self.explicit_nulls & (1 << Index::$field as u32) != 0 => {
                                map.serialize_entry($wire, &())?
                            }
                            None => {}
                        }
                    )*
                    for (k, v) in &self.extra {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }

            impl std::fmt::Debug for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    let mut d = f.debug_struct(stringify!($name));
                    $(
                        if let Some(v) = $crate::object::response_object!(@get $mode $presence self.$field) {
                            d.field(stringify!($field), v);
                        }
                    )*
                    if !self.extra.is_empty() {
                        d.field("extra", &self.extra);
                    }
                    d.finish()
                }
            }

            impl $crate::object::ResponseObject for $name {
                fn field_names() -> Vec<&'static str> {
                    FIELDS.iter().map(|f| f.name).collect()
                }
                fn fields() -> &'static [FieldInfo] {
                    FIELDS
                }
                fn field_state(&self, field: &str, fields_set: Option<&[String]>) -> Option<$crate::object::FieldState> {
                    let i = FIELDS.iter().position(|f| f.name == field || f.aliases.contains(&field))?;
                    let bit = 1u64 << i;
                    Some(if self.present_mask() & !self.explicit_nulls & bit != 0 {
                        $crate::object::FieldState::Value
                    } else if fields_set.is_some_and(|names| $crate::object::named_mask(FIELDS, names) & bit == 0) {
                        $crate::object::FieldState::NotRequested
                    } else {
                        $crate::object::FieldState::Null
                    })
                }
            }

            impl $name {
                /// Bit mask of the fields that came (with a value or an explicit `null`).
                pub(crate) fn present_mask(&self) -> u64 {
                    let mut mask = self.explicit_nulls;
                    $(
                        if $crate::object::response_object!(@get $mode $presence self.$field).is_some() {
                            mask |= 1 << Index::$field as u32;
                        }
                    )*
                    mask
                }

                /// Checks presence with the fields a `fields_set` named (`None`: no `fields_set`).
                pub(crate) fn check_fields(&self, path: &$crate::object::Path<'_>, named: Option<u64>) -> Result<(), $crate::error::Error> {
                    if let Some(field) = $crate::object::first_missing(FIELDS, self.present_mask(), named) {
                        return Err($crate::object::missing_error(path, field));
                    }
                    $(
                        if let Some(v) = $crate::object::response_object!(@get $mode $presence self.$field) {
                            let at = $crate::object::Path::Key(path, $wire);
                            $( $crate::json::$rule(v, &at)?; )?
                            $crate::object::CheckPresence::check_presence(v, &at)?;
                        }
                    )*
                    Ok(())
                }

                /// Marks a nullable field as an explicit `null` (written back as `null`).
                #[allow(dead_code)]
                pub(crate) fn set_explicit_null(&mut self, field: &str) {
                    if let Some(i) = FIELDS.iter().position(|f| f.name == field) {
                        self.explicit_nulls |= 1 << i;
                    }
                }
            }

            impl $crate::object::CheckPresence for $name {
                fn check_presence(&self, path: &$crate::object::Path<'_>) -> Result<(), $crate::error::Error> {
                    self.check_fields(path, None)
                }
            }

            impl $crate::decode::ItemCheck for $name {
                fn check_item(&self, path: &$crate::object::Path<'_>, named: Option<u64>) -> Result<(), $crate::error::Error> {
                    self.check_fields(path, named)
                }
            }

            $crate::object::response_object!(@schema $mode $name [$($doc)*] [$($ty),*]);
        };
    };
    (@schema $mode:ident $name:ident [$($doc:expr)*] [$($ty:ty),*]) => {
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let properties: Vec<schemars::Schema> =
                    vec![$( generator.subschema_for::<$ty>() ),*];
                $crate::object::object_schema(
                    concat!($($doc, "\n"),*),
                    FIELDS,
                    |i| properties[i].clone(),
                )
            }
        }
    };
    (@pattern) => { None };
    (@pattern identifier) => { Some($crate::schema::TEXT_PATTERN) };
    (@pattern key) => { Some($crate::schema::NON_BLANK_PATTERN) };
    (@since) => { None };
    (@since $since:ident) => { Some($crate::release::Release::$since) };
    // The type of a field: plain when required in the full form, an `Option` otherwise.
    (@ty full Required $ty:ty) => { $ty };
    (@ty $mode:ident $presence:ident $ty:ty) => { Option<$ty> };
    // A field as an `Option<&T>`.
    (@get full Required $value:expr) => { Some(&$value) };
    (@get $mode:ident $presence:ident $value:expr) => { $value.as_ref() };
    // A decoded field into the struct: a required field of the full form must have come.
    (@take full Required $local:ident, $wire:literal, $error:ty) => {
        match $local {
            Some(v) => v,
            None => return Err(<$error as serde::de::Error>::missing_field($wire)),
        }
    };
    (@take $mode:ident $presence:ident $local:ident, $wire:literal, $error:ty) => { $local };
    // Full form to projected form and back.
    (@wrap full Required $value:expr) => { Some($value) };
    (@wrap full $presence:ident $value:expr) => { $value };
    (@unwrap Required $value:expr, $wire:literal) => {
        match $value {
            Some(v) => v,
            None => return Err($crate::object::missing_error(&$crate::object::Path::Root(""), $wire)),
        }
    };
    (@unwrap $presence:ident $value:expr, $wire:literal) => { $value };
    (@read Nullable, $map:ident, $nulls:ident, $bit:ident, $local:ident, $ty:ty) => {{
        let value: Option<$ty> = $map.next_value()?;
        if value.is_none() {
            $nulls |= $bit;
        }
        $local = value;
    }};
    (@read $other:ident, $map:ident, $nulls:ident, $bit:ident, $local:ident, $ty:ty) => {{
        $local = Some($map.next_value::<$ty>()?);
    }};
}
pub(crate) use response_object;

/// Declares a forward-compatible enum of the responses: known wire values as variants, anything
/// else kept in `Unknown` (never dropped, never mistaken for a known value).
macro_rules! wire_enum {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])* $variant:ident = $wire:literal $(since $since:ident)?, )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[doc = $vdoc])* $variant, )*
            /// A value this SDK does not know, kept as sent.
            Unknown(compact_str::CompactString),
        }

        impl $name {
            /// Every known wire value.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Unknown(s) => s,
                }
            }

            /// Reads a wire string; unknown values become `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )*
                    other => $name::Unknown(compact_str::CompactString::new(other)),
                }
            }

            /// Whether the value is one this SDK knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        let value = $name::from_wire(v);
                        // Known values hold none; an unknown one is kept, so it must be clean.
                        if !value.is_known() && $crate::json::has_control(v) {
                            return Err(E::custom(format_args!(
                                "a {} {}", stringify!($name), $crate::json::CONTROL_MESSAGE
                            )));
                        }
                        Ok(value)
                    }
                }
                d.deserialize_str(V)
            }
        }

        impl $crate::object::CheckPresence for $name {
            fn check_presence(&self, _: &$crate::object::Path<'_>) -> Result<(), $crate::error::Error> { Ok(()) }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            #[allow(unused_mut)]
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut since = serde_json::Map::new();
                $( $( since.insert($wire.into(), $crate::release::Release::$since.as_str().into()); )? )*
                // Open: a value this SDK does not know decodes too (and is kept), so the known
                // values are one branch of an `anyOf` whose other branch is any string.
                let mut schema = schemars::json_schema!({
                    "anyOf": [
                        {"type": "string", "enum": Self::KNOWN},
                        {"type": "string", "pattern": $crate::schema::TEXT_PATTERN},
                    ],
                    "x-forward-compatible": true
                });
                if !since.is_empty() {
                    schema.insert("x-enum-since".into(), serde_json::Value::Object(since));
                }
                schema
            }
        }
    };
}
pub(crate) use wire_enum;
