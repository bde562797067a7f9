//! Every public error type can be printed and used as a `std::error::Error` (with `?` into
//! `Box<dyn Error>`, anyhow, ...), and says what went wrong and where.

use std::error::Error as StdError;

use crmcom_netflix::{
    decode, prepare_json, ApiError, Error, ListCharges, MalformedResponse, Method, Release,
    UnknownMethod, UnknownRelease, Violation, ViolationCode,
};

fn is_error<E: StdError + Send + Sync + 'static>() {}

#[test]
fn every_public_error_type_is_a_std_error() {
    is_error::<Error>();
    is_error::<ApiError>();
    is_error::<MalformedResponse>();
    is_error::<Violation>();
    is_error::<UnknownMethod>();
    is_error::<UnknownRelease>();
}

#[test]
fn each_kind_prints_the_same_sentence_alone_and_inside_error() {
    let api = ApiError {
        code: "ERROR".into(),
        description: Some("Charge not found".into()),
        message: Some("CHARGE_NOT_FOUND".into()),
    };
    assert_eq!(
        api.to_string(),
        "API error ERROR: Charge not found (CHARGE_NOT_FOUND)"
    );
    assert_eq!(Error::Api(api.clone()).to_string(), api.to_string());

    let bare = ApiError {
        code: "ERROR".into(),
        description: Some(String::new()),
        message: None,
    };
    assert_eq!(bare.to_string(), "API error ERROR");

    let at = MalformedResponse {
        path: "data.charges_set[0].amount".into(),
        message: "expected a number".into(),
    };
    assert_eq!(
        at.to_string(),
        "malformed response at data.charges_set[0].amount: expected a number"
    );
    assert_eq!(
        Error::MalformedResponse(at.clone()).to_string(),
        at.to_string()
    );

    let violation = Violation::new("offset", ViolationCode::Required, "is mandatory");
    assert_eq!(violation.to_string(), "offset: is mandatory (required)");
}

#[test]
fn a_body_that_is_not_json_is_at_fault_as_a_whole_in_the_path_and_the_message() {
    let err = decode::<ListCharges>(b"<html>502 Bad Gateway</html>", None).unwrap_err();
    let Error::MalformedResponse(m) = &err else {
        panic!("not a malformed response: {err:?}");
    };
    assert_eq!(m.path, "");
    let text = err.to_string();
    assert!(
        text.starts_with("malformed response body: "),
        "the message names no path the error does not have: {text}"
    );
}

#[test]
fn errors_travel_through_question_mark_into_box_dyn_error() {
    fn prepare_with_typo() -> Result<(), Box<dyn StdError>> {
        prepare_json("netflix/charges/list", r#"{"ofset": 0}"#, None, None)?;
        Ok(())
    }
    fn unknown_method() -> Result<Method, Box<dyn StdError>> {
        Ok("netflix/charges/lst".parse::<Method>()?)
    }
    fn unknown_release() -> Result<Release, Box<dyn StdError>> {
        Ok("R99".parse::<Release>()?)
    }
    let typo = prepare_with_typo().unwrap_err().to_string();
    assert!(typo.starts_with("invalid request: "), "{typo}");
    assert!(typo.contains("ofset"), "{typo}");
    assert!(!unknown_method().unwrap_err().to_string().is_empty());
    assert!(unknown_release().unwrap_err().to_string().contains("R99"));
}
