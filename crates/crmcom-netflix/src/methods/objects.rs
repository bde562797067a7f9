//! Objects shared by several methods: the Address, Email, Phone and Country identifier parameters
//! of `subscriptions/create`, `fields_set`, and the empty response data.

// `#[derive(Validate)]` calls `validate()` on nested values: the trait must be in scope.
use validator::Validate as _;

use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::object::ResponseObject;

/// The kind of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum AddressType {
    Home,
    Business,
    Pobox,
    Custom1,
    Custom2,
    Custom3,
    Custom4,
    Custom5,
}

/// The kind of an email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum EmailType {
    Personal,
    Business,
    Custom1,
    Custom2,
    Custom3,
    Custom4,
    Custom5,
}

/// The kind of a phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[allow(missing_docs)]
pub enum PhoneType {
    Landline,
    Mobile,
    Fax,
    Custom1,
    Custom2,
    Custom3,
    Custom4,
    Custom5,
}

/// A country, named by any one of its identifiers (at least one is mandatory).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate,
)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "crate::schema::extension_rules"))]
#[schemars(extend("x-one-of-required" = [["id", "name", "alternative_code", "two_character_code", "three_character_code"]]))]
pub struct CountryIdentifier {
    /// CRM.COM country ID.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub id: Option<String>,
    /// Country name (`"CYPRUS"`).
    #[validate(regex(path = *crate::schema::TEXT))]
    pub name: Option<String>,
    /// Alternative code.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub alternative_code: Option<String>,
    /// Two-letter code (`"CY"`).
    #[validate(regex(path = *crate::schema::TEXT))]
    pub two_character_code: Option<String>,
    /// Three-letter code (`"CYP"`).
    #[validate(regex(path = *crate::schema::TEXT))]
    pub three_character_code: Option<String>,
}

/// The customer's address (`customer_address`), in the CRM.COM address format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Kind of address.
    #[serde(rename = "type")]
    pub address_type: AddressType,
    /// Whether this is the primary address (from R16.1.0; its condition is undocumented).
    #[schemars(extend("x-since" = "R16.1.0"))]
    pub is_primary: Option<bool>,
    /// Postal code.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub postal_code: Option<String>,
    /// Street name: mandatory before R14.2.0; from R14.2.0 only for the CRM.COM address format,
    /// which the server enforces.
    #[schemars(extend("x-required-until" = "R14.2.0"))]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub street_name: Option<String>,
    /// Street number.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub street_number: Option<String>,
    /// Floor: -2147483648 to 2147483647 (CRM.COM's integers are taken to be 32-bit).
    #[validate(range(min = -2_147_483_648, max = 2_147_483_647))]
    pub floor: Option<i64>,
    /// Apartment number.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub apartment_number: Option<String>,
    /// Area.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub area: Option<String>,
    /// Town or city.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub town_city: Option<String>,
    /// District.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub district: Option<String>,
    /// Municipality.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub municipality: Option<String>,
    /// Country.
    #[validate(nested)]
    pub country_identifier: Option<CountryIdentifier>,
    /// PO box.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub po_box: Option<String>,
    /// PO box postal code.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub po_box_postal_code: Option<String>,
    /// "Care of" person.
    #[validate(regex(path = *crate::schema::TEXT))]
    pub care_of: Option<String>,
    /// Notes: free text, which may hold tabs and line breaks.
    #[schemars(extend("x-free-text" = true))]
    #[validate(regex(path = *crate::schema::FREE_TEXT))]
    pub notes: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_1: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_2: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_3: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_4: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_5: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_6: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_7: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_8: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_9: Option<String>,
    #[allow(missing_docs)]
    #[validate(regex(path = *crate::schema::TEXT))]
    pub udf_string_10: Option<String>,
}

impl Address {
    /// An address of the given kind with every other field unset.
    pub fn new(address_type: AddressType) -> Address {
        Address {
            address_type,
            is_primary: None,
            postal_code: None,
            street_name: None,
            street_number: None,
            floor: None,
            apartment_number: None,
            area: None,
            town_city: None,
            district: None,
            municipality: None,
            country_identifier: None,
            po_box: None,
            po_box_postal_code: None,
            care_of: None,
            notes: None,
            udf_string_1: None,
            udf_string_2: None,
            udf_string_3: None,
            udf_string_4: None,
            udf_string_5: None,
            udf_string_6: None,
            udf_string_7: None,
            udf_string_8: None,
            udf_string_9: None,
            udf_string_10: None,
        }
    }
}

/// User-defined fields shared by the Email and Phone parameters.
macro_rules! contact_object {
    // Field types are spelt as identifiers (`Option<CountryIdentifier>`), not a `ty` fragment, so that
// `#[derive(Validate)]` sees an `Option` and validates what it holds.
($(#[doc = $doc:literal])* $name:ident, $kind:ty, { $($(#[$fattr:meta])* $field:ident : $fty:ident $(<$fin:ident>)?,)* }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, validator::Validate)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Kind.
            #[serde(rename = "type")]
            pub kind: $kind,
            /// Whether this is the primary one (from R16.1.0; its condition is undocumented).
            #[schemars(extend("x-since" = "R16.1.0"))]
            pub is_primary: Option<bool>,
            $($(#[$fattr])* pub $field: $fty $(<$fin>)?,)*
            /// Notes: free text, which may hold tabs and line breaks.
            #[schemars(extend("x-free-text" = true))]
            #[validate(regex(path = *crate::schema::FREE_TEXT))]
            pub notes: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_1: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_2: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_3: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_4: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_5: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_6: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_7: Option<String>,
            #[validate(regex(path = *crate::schema::TEXT))]
            #[allow(missing_docs)] pub udf_string_8: Option<String>,
            #[allow(missing_docs)] pub udf_float_1: Option<f64>,
            #[allow(missing_docs)] pub udf_float_2: Option<f64>,
            #[allow(missing_docs)] pub udf_float_3: Option<f64>,
            #[allow(missing_docs)] pub udf_float_4: Option<f64>,
            #[allow(missing_docs)] pub udf_date_1: Option<Date>,
            #[allow(missing_docs)] pub udf_date_2: Option<Date>,
            #[allow(missing_docs)] pub udf_date_3: Option<Date>,
            #[allow(missing_docs)] pub udf_date_4: Option<Date>,
        }
    };
}

contact_object!(
    /// The customer's email (`customer_email`).
    Email, EmailType, {
        /// The email address.
        #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
        email_address: String,
    }
);

contact_object!(
    /// The customer's phone (`customer_phone`).
    Phone, PhoneType, {
        /// The phone number (unconstrained format).
        #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
        number: String,
        /// Area code.
        #[validate(regex(path = *crate::schema::TEXT))]
        area_code: Option<String>,
        /// Country of the phone.
        #[validate(nested)]
        country_identifier: Option<CountryIdentifier>,
    }
);

/// Fills every optional field of a contact object with `None`.
macro_rules! contact_new {
    ($name:ident, $kind:ty, $field:ident, { $($extra:ident),* }) => {
        impl $name {
            #[doc = concat!("A ", stringify!($name), " of the given kind with every optional field unset.")]
            pub fn new(kind: $kind, $field: impl Into<String>) -> Self {
                $name {
                    kind,
                    is_primary: None,
                    $field: $field.into(),
                    $($extra: None,)*
                    notes: None,
                    udf_string_1: None,
                    udf_string_2: None,
                    udf_string_3: None,
                    udf_string_4: None,
                    udf_string_5: None,
                    udf_string_6: None,
                    udf_string_7: None,
                    udf_string_8: None,
                    udf_float_1: None,
                    udf_float_2: None,
                    udf_float_3: None,
                    udf_float_4: None,
                    udf_date_1: None,
                    udf_date_2: None,
                    udf_date_3: None,
                    udf_date_4: None,
                }
            }
        }
    };
}

contact_new!(Email, EmailType, email_address, {});
contact_new!(Phone, PhoneType, number, { area_code, country_identifier });

/// The names of the fields a GET method should return, checked against the response object `T`.
/// Sent as one comma-separated query value. Given as a list of names, or as one string of names
/// separated by commas, where spaces (U+0020) around a name and empty names (`"a,,b,"`) are
/// ignored; nothing else is trimmed.
///
/// ```
/// use crmcom_netflix::{Charge, FieldsSet};
/// let fields: FieldsSet<Charge> = FieldsSet::new(["number", "amount"]);
/// assert_eq!(fields.to_query_value(), "number,amount");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsSet<T> {
    names: Vec<String>,
    item: PhantomData<fn() -> T>,
}

/// The names of a comma-separated `fields_set` string: spaces around each name and empty names
/// dropped.
pub(crate) fn split_fields_set(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(|n| n.trim_matches(' '))
        .filter(|n| !n.is_empty())
}

impl<T> FieldsSet<T> {
    /// A `fields_set` from field names.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        FieldsSet {
            names: names.into_iter().map(Into::into).collect(),
            item: PhantomData,
        }
    }
    /// The names.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The comma-separated query value.
    pub fn to_query_value(&self) -> String {
        self.names.join(",")
    }
    /// Reads a comma-separated value (`"number, amount"`); spaces around names and empty names
    /// are dropped.
    ///
    /// ```
    /// use crmcom_netflix::{Charge, FieldsSet};
    /// let fields: FieldsSet<Charge> = FieldsSet::from_query_value("number, amount,");
    /// assert_eq!(fields.names(), ["number", "amount"]);
    /// ```
    pub fn from_query_value(value: &str) -> Self {
        FieldsSet::new(split_fields_set(value))
    }
}

impl<T> Serialize for FieldsSet<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names.serialize(s)
    }
}

impl<'de, T> Deserialize<'de> for FieldsSet<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            List(Vec<String>),
            Joined(String),
        }
        Ok(match Form::deserialize(d)? {
            Form::List(names) => FieldsSet::new(names),
            Form::Joined(s) => FieldsSet::from_query_value(&s),
        })
    }
}

/// Every name a `fields_set` of `T` may carry (aliases included), with its release.
fn field_names<T: ResponseObject>() -> impl Iterator<Item = (&'static str, Option<crate::Release>)>
{
    T::fields().iter().flat_map(|f| {
        std::iter::once(f.name)
            .chain(f.aliases.iter().copied())
            .map(move |name| (name, f.since))
    })
}

/// The names are checked as [`crate::validate`] checks them for the newest release: at least
/// one, each a field of `T`. A broken rule is a struct-level error whose `params["path"]` is
/// the index (`[2]`).
impl<T: ResponseObject> validator::Validate for FieldsSet<T> {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        let mut errors = validator::ValidationErrors::new();
        let mut fail = |code: &'static str, path: String, message: String| {
            let mut e = validator::ValidationError::new(code);
            e.message = Some(message.into());
            e.add_param("path".into(), &path);
            errors.add("__all__", e);
        };
        if self.names.is_empty() {
            fail(
                "too_few_items",
                String::new(),
                "must name at least one field".into(),
            );
        }
        for (i, name) in self.names.iter().enumerate() {
            if !field_names::<T>().any(|(n, _)| n == name) {
                fail(
                    "invalid_enum",
                    format!("[{i}]"),
                    format!("`{name}` is not a field of the result"),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A list of names or one comma-separated string, each name one of `T`'s fields (`enum` on the
/// items, `x-enum-since` for names a later release added); the string's `pattern` accepts
/// exactly what [`FieldsSet::from_query_value`] splits into valid names.
impl<T: ResponseObject> JsonSchema for FieldsSet<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FieldsSet".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut listed = Vec::new();
        let mut names = Vec::new();
        let mut since = serde_json::Map::new();
        for (name, release) in field_names::<T>() {
            listed.push(
                serde_json::json!({"name": name, "since": release.map(crate::Release::as_str)}),
            );
            names.push(name);
            if let Some(r) = release {
                since.insert(name.into(), r.as_str().into());
            }
        }
        // Longest first, so that an alternation never stops at a name's prefix.
        let mut alternatives = names.clone();
        alternatives.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let name = format!("(?:{})", alternatives.join("|"));
        let pattern = format!("^(?: *,)* *{name}(?: *,(?: *,)* *{name})*(?: *,)* *$");
        let mut items = serde_json::json!({"type": "string", "enum": names});
        if !since.is_empty() {
            items["x-enum-since"] = serde_json::Value::Object(since);
        }
        schemars::json_schema!({
            "anyOf": [
                {"type": "array", "items": items, "minItems": 1},
                {"type": "string", "pattern": pattern},
            ],
            "x-fields-set": listed,
        })
    }
}

crate::object::response_object! {
    /// Response data of methods that return none (`data: {}`); anything the server adds is kept.
    pub struct Empty {}
}

impl crate::decode::ResponseData for Empty {
    type Item = Empty;
    const NULL_IS_EMPTY: bool = true;
    fn check(&self, _: Option<u64>) -> Result<(), crate::Error> {
        self.check_fields(&crate::object::Path::Root("data"), None)
    }
}

/// Declares a charges action (acknowledge, accept, decline): its item object, its request with a
/// set of 1 to 50 items without a repeated charge or reference number, and its failed-charges
/// response.
macro_rules! charge_set_request {
    (
        $(#[doc = $doc:literal])*
        $request:ident, $item:ident, $set:ident, $method:ident, $item_doc:literal
    ) => {
        #[doc = $item_doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema, validator::Validate)]
        #[serde(deny_unknown_fields)]
        pub struct $item {
            /// CRM.COM charge number.
            #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
            pub number: String,
            /// The customer's identifier in the operator's billing system; must own the charge.
            #[validate(length(min = 1), regex(path = *crate::schema::NON_BLANK))]
            pub billing_system_customer_identifier: String,
            /// The operator's reconciliation reference; unique per operator when given.
            #[validate(regex(path = *crate::schema::TEXT))]
            pub reference_number: Option<String>,
        }

        impl $item {
            /// An item without a reference number.
            pub fn new(number: impl Into<String>, billing_system_customer_identifier: impl Into<String>) -> Self {
                $item {
                    number: number.into(),
                    billing_system_customer_identifier: billing_system_customer_identifier.into(),
                    reference_number: None,
                }
            }
        }

        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema, validator::Validate)]
        #[serde(deny_unknown_fields)]
        #[validate(schema(function = "crate::schema::extension_rules"))]
        pub struct $request {
            /// The charges: 1 to 50, no charge number or reference number twice.
            #[validate(length(min = 1, max = 50), nested)]
            #[schemars(extend("x-unique-items-by" = ["number", "reference_number"]))]
            pub $set: Vec<$item>,
        }

        impl $crate::method::ApiRequest for $request {
            const METHOD: $crate::method::Method = $crate::method::Method::$method;
            type Response = $crate::methods::charges_acknowledge::FailedCharges;
            type Projected = $crate::methods::charges_acknowledge::FailedCharges;
        }

        impl $crate::batch::ChargeSetRequest for $request {
            type Item = $item;
            fn from_items(items: Vec<$item>) -> Self {
                $request { $set: items }
            }
            fn items(&self) -> &[$item] {
                &self.$set
            }
        }

        impl $crate::batch::ChargeSetItem for $item {
            fn new_item(number: String, billing_system_customer_identifier: String, reference_number: Option<String>) -> Self {
                $item { number, billing_system_customer_identifier, reference_number }
            }
            fn number(&self) -> &str {
                &self.number
            }
            fn reference_number(&self) -> Option<&str> {
                self.reference_number.as_deref()
            }
            fn billing_system_customer_identifier(&self) -> &str {
                &self.billing_system_customer_identifier
            }
            fn set_reference_number(&mut self, reference_number: Option<String>) {
                self.reference_number = reference_number;
            }
        }
    };
}
pub(crate) use charge_set_request;
