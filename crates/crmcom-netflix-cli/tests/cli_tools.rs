//! `crmnf` as a script would run it: the request tools, the mock command, the usage errors, and
//! their exit codes.

mod common;

use common::{http, run, run_with, write, Mock};
use serde_json::{json, Value};

#[test]
fn help_and_version_exit_0_and_every_command_has_examples() {
    let (code, out, _) = run(&["--help"], None);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes:") && out.contains("CRMNF_"));
    for command in ["validate", "prepare", "decode", "mock"] {
        let (code, out, _) = run(&[command, "--help"], None);
        assert_eq!(code, 0, "{command}");
        assert!(
            out.contains("Examples:"),
            "{command} --help has no examples"
        );
    }
    let (code, out, _) = run(&["--version"], None);
    assert_eq!(
        (code, out.trim()),
        (0, format!("crmnf {}", env!("CARGO_PKG_VERSION")).as_str())
    );
}

#[test]
fn usage_errors_exit_64() {
    for args in [
        &["frobnicate"][..],
        &["mock", "--bogus"],
        &["mock", "--release", "R13"],
        &["mock", "--user", "nopassword"],
        &["mock", "--fault", "netflix/charges/list:explode"],
        &["mock", "--port", "99999"],
        &["validate"],
        &["validate", "netflix/charges/list", "--param", "offset"],
        &[],
    ] {
        let (code, _, err) = run(args, None);
        assert_eq!(code, 64, "{args:?}: {err}");
        assert!(!err.is_empty());
    }
    let (_, _, err) = run(&["mock", "--release", "R13"], None);
    assert!(err.contains("R12.0.0, R14.1.0, R14.2.0, R16.1.0"), "{err}");
}

#[test]
fn validate_exits_0_when_valid_and_65_with_every_violation() {
    let (code, out, err) = run(
        &[
            "validate",
            "netflix/charges/list",
            "-p",
            "number_of_results:=50",
            "-p",
            "offset:=0",
            "-p",
            "charge_status=PROCESSED",
        ],
        None,
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, out, err) = run(
        &["validate", "netflix/charges/list", "-"],
        Some(br#"{"number_of_results": 51, "offset": -1}"#),
    );
    assert_eq!((code, out.as_str()), (65, ""));
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "charge_status: required: is mandatory");
    assert!(
        lines[1].starts_with("number_of_results: out_of_range: "),
        "{err}"
    );
    assert!(lines[2].starts_with("offset: out_of_range: "), "{err}");
    assert_eq!(lines[3], "crmnf: invalid request: 3 violations");
    // An unknown parameter, with --json, for scripts.
    let (code, out, _) = run(
        &[
            "validate",
            "netflix/subscriptions/suspend",
            "--json",
            "-p",
            "billing_system_customer_identifer=pci1",
        ],
        None,
    );
    assert_eq!(code, 65);
    let v: Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "billing_system_customer_identifer",
            "billing_system_customer_identifier"
        ]
    );
    // The release decides.
    let (code, _, err) = run(
        &[
            "validate",
            "netflix/charges/accept",
            "--release",
            "R12.0.0",
            "-",
        ],
        Some(b"{}"),
    );
    assert_eq!(code, 65);
    assert!(err.contains("method: not_in_release"), "{err}");
    // An unknown method is a violation at `method`.
    let (code, _, err) = run(&["validate", "netflix/charges/cancel", "-"], Some(b"{}"));
    assert_eq!(code, 65);
    assert!(err.starts_with("method: invalid_enum"), "{err}");
    // Parameters that are not JSON.
    let (code, _, err) = run(&["validate", "netflix/charges/list", "-"], Some(b"{"));
    assert_eq!(code, 65, "{err}");
    // --fields-set is checked against the response object.
    let (code, _, err) = run(
        &[
            "validate",
            "netflix/charges/list",
            "-p",
            "number_of_results:=5",
            "-p",
            "offset:=0",
            "-p",
            "charge_status=PROCESSED",
            "--fields-set",
            "number,amout",
        ],
        None,
    );
    assert_eq!(code, 65);
    assert!(err.contains("fields_set[1]: invalid_enum"), "{err}");
}

#[test]
fn validate_reads_a_file_and_names_an_unreadable_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "params.json",
        r#"{"billing_system_customer_identifier": "pci1"}"#,
    );
    let (code, _, err) = run(&["validate", "netflix/subscriptions/suspend", &file], None);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        &[
            "validate",
            "netflix/subscriptions/suspend",
            "/nonexistent/params.json",
        ],
        None,
    );
    assert_eq!(code, 78);
    assert!(err.contains("/nonexistent/params.json"), "{err}");
}

#[test]
fn prepare_prints_the_request_with_the_placeholder_or_a_token_from_the_environment() {
    let (code, out, _) = run(
        &[
            "prepare",
            "netflix/charges/list",
            "-p",
            "number_of_results:=50",
            "-p",
            "offset:=0",
            "-p",
            "charge_status=PROCESSED",
        ],
        None,
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({"verb": "GET", "path": "netflix/charges/list", "body": null,
               "query": [["token", "{{token}}"], ["number_of_results", "50"], ["offset", "0"],
                         ["charge_status", "PROCESSED"]]})
    );
    let (code, out, _) = run_with(
        common::crmnf()
            .args([
                "prepare",
                "netflix/subscriptions/suspend",
                "-p",
                "billing_system_customer_identifier=pci123",
                "--token-env",
                "MY_TOKEN",
            ])
            .env("MY_TOKEN", "T0K3N"),
        None,
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["body"],
        json!({"token": "T0K3N", "billing_system_customer_identifier": "pci123"})
    );
    let (code, _, err) = run(
        &[
            "prepare",
            "netflix/promotions/list",
            "--token-env",
            "CRMNF_NOT_SET_ANYWHERE",
        ],
        None,
    );
    assert_eq!(code, 78);
    assert!(err.contains("CRMNF_NOT_SET_ANYWHERE"), "{err}");
    let (code, _, err) = run(
        &["prepare", "netflix/subscriptions/suspend", "-"],
        Some(b"{}"),
    );
    assert_eq!(code, 65);
    assert!(
        err.contains("billing_system_customer_identifier: required"),
        "{err}"
    );
}

#[test]
fn decode_prints_data_exits_1_on_an_api_error_and_65_on_a_malformed_body() {
    let ok = br#"{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":[
        {"number":"I1","billing_system_customer_identifier":"pci1","amount":5.989999771118164,
         "currency":"USD","charge_status":"APPROVED","paid_through_date":"2024-03-01T00:00:00",
         "received_on":"2024-02-01T00:00:00.000Z","set_as_approved_on":null,"set_as_declined_on":null,
         "set_as_bad_request_on":null,"set_as_rejected_request_on":null}]}}"#;
    let (code, out, err) = run(&["decode", "netflix/charges/list", "-"], Some(ok));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["charges_set"][0]["received_on"], "2024-02-01T00:00:00");
    let error = br#"{"status":{"code":"ERROR","description":"The token has expired","message":"TOKEN_EXPIRED"},"data":null}"#;
    let (code, out, err) = run(
        &["decode", "netflix/charges/list", "--json", "-"],
        Some(error),
    );
    assert_eq!(code, 1);
    assert!(err.contains("TOKEN_EXPIRED"));
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["api_error"]["message"],
        "TOKEN_EXPIRED"
    );
    let malformed = br#"{"status":{"code":"OK","description":"","message":""},"data":{"charges_set":[{"number":"I1","amount":"5.99"}]}}"#;
    let (code, _, err) = run(
        &[
            "decode",
            "netflix/charges/list",
            "--fields-set",
            "number,amount",
            "-",
        ],
        Some(malformed),
    );
    assert_eq!(code, 65);
    assert!(err.contains("data.charges_set[0].amount"), "{err}");
    let (code, _, _) = run(&["decode", "netflix/charges/list"], None);
    assert_eq!(code, 64);
}

#[test]
fn mock_prints_its_base_url_first_serves_and_stops_cleanly_on_sigterm() {
    let mock = Mock::start(&["--charges", "12", "--seed", "5"]);
    assert!(
        mock.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        mock.base_url
    );
    let health = mock.get("/_mock/health");
    assert_eq!(
        (health["status"].as_str(), health["charges"].as_u64()),
        (Some("ok"), Some(12))
    );
    let (status, body) = http(
        &mock.base_url,
        "POST",
        "/crmapi/rest/v2/authentication/token",
        Some(r#"{"username":"billing","password":"secret","organisation":"NETFLIXOP"}"#),
    );
    assert_eq!(status, 200);
    assert!(body.contains("\"token\""));
    let (code, err) = mock.terminate();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("crmnf mock: stopped"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn mock_takes_users_fixtures_faults_and_a_frozen_clock() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = write(
        dir.path(),
        "fixtures.json",
        r#"{"charges": [
        {"billing_system_customer_identifier": "pci1", "amount": "2.500", "currency": "KWD"}]}"#,
    );
    let faults = write(
        dir.path(),
        "faults.json",
        r#"[{"method": "netflix/promotions/list", "fault": "http_status", "status": 502}]"#,
    );
    let mock = Mock::start(&[
        "--fixtures",
        &fixtures,
        "--user",
        "ops:p:w:ORG",
        "--faults-file",
        &faults,
        "--fault",
        "netflix/charges/list:latency:ms=1",
        "--clock",
        "2024-03-01T02:00:00",
        "--freeze-clock",
    ]);
    let state = mock.get("/_mock/state");
    assert_eq!(state["now"], "2024-03-01T02:00:00");
    assert_eq!(
        state["summary"]["charges"], 1,
        "fixtures alone generate nothing"
    );
    assert_eq!(state["users"][0]["username"], "ops");
    assert_eq!(state["faults"].as_array().unwrap().len(), 2);
    assert_eq!(state["charges"][0]["amount"], "2.500");
    // The generator joins the fixtures when asked.
    drop(mock);
    let mock = Mock::start(&["--fixtures", &fixtures, "--charges", "3"]);
    assert_eq!(mock.get("/_mock/health")["charges"], 4);
}

#[test]
fn mock_refuses_bad_data_with_65_and_bad_configuration_with_78() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = write(
        dir.path(),
        "fixtures.json",
        r#"{"charges": [{"billing_system_customer_identifier": "a", "amount": "x", "currency": "USD"}]}"#,
    );
    let (code, _, err) = run(&["mock", "--fixtures", &fixtures], None);
    assert_eq!(code, 65);
    assert!(
        err.contains("charges[0].amount: `x` is not a decimal amount"),
        "{err}"
    );
    let faults = write(dir.path(), "faults.json", r#"[{"fault": "latency"}]"#);
    let (code, _, err) = run(&["mock", "--faults-file", &faults], None);
    assert_eq!(code, 65);
    assert!(err.contains("faults[0].ms: required"), "{err}");
    let state = write(dir.path(), "state.json", "not json");
    let (code, _, err) = run(&["mock", "--state", &state], None);
    assert_eq!(code, 65, "{err}");
    let (code, _, err) = run(&["mock", "--fixtures", "/nonexistent.json"], None);
    assert_eq!(code, 78, "{err}");
    // A port in use.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let (code, _, err) = run(&["mock", "--port", &port], None);
    assert_eq!(code, 78);
    assert!(err.contains("cannot listen on 127.0.0.1"), "{err}");
}

#[test]
fn settings_come_from_crmnf_variables_when_no_flag_is_given() {
    let (code, _, err) = run_with(
        common::crmnf()
            .args([
                "validate",
                "netflix/charges/list",
                "-p",
                "number_of_results:=5",
                "-p",
                "offset:=0",
                "-p",
                "charge_status=PROCESSED",
            ])
            .env("CRMNF_RELEASE", "R12.0.0"),
        None,
    );
    assert_eq!(code, 65);
    assert!(err.contains("charge_status: not_in_release"), "{err}");
    // The flag wins over the variable.
    let (code, _, _) = run_with(
        common::crmnf()
            .args([
                "validate",
                "netflix/charges/list",
                "--release",
                "R16.1.0",
                "-p",
                "number_of_results:=5",
                "-p",
                "offset:=0",
                "-p",
                "charge_status=PROCESSED",
            ])
            .env("CRMNF_RELEASE", "R12.0.0"),
        None,
    );
    assert_eq!(code, 0);
    let (code, _, _) = run_with(
        common::crmnf()
            .args(["validate", "netflix/promotions/list", "-"])
            .env("CRMNF_RELEASE", "R99"),
        Some(b"{}"),
    );
    assert_eq!(code, 64);
}

#[test]
fn a_mock_killed_at_once_restarts_from_its_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json").display().to_string();
    let mock = Mock::start(&["--state", &state, "--charges", "5"]);
    let (_, body) = http(
        &mock.base_url,
        "POST",
        "/crmapi/rest/v2/authentication/token",
        Some(r#"{"username":"billing","password":"secret","organisation":"NETFLIXOP"}"#),
    );
    let token = serde_json::from_str::<Value>(&body).unwrap()["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = mock.get("/_mock/state");
    let charge = before["charges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["charge_status"] == "APPROVED")
        .unwrap()
        .clone();
    let ack = json!({"token": token, "acknowledged_charges_set": [
        {"number": charge["number"], "billing_system_customer_identifier": charge["billing_system_customer_identifier"]}]});
    let (status, _) = http(
        &mock.base_url,
        "POST",
        "/crmapi/rest/v2/netflix/charges/acknowledge",
        Some(&ack.to_string()),
    );
    assert_eq!(status, 200);
    mock.kill();
    let mock = Mock::start(&["--state", &state, "--charges", "500"]);
    let after = mock.get("/_mock/state");
    assert_eq!(after["summary"]["charges"], 5);
    let same = after["charges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == charge["number"])
        .unwrap();
    assert_eq!(same["acknowledged"], true);
    let (_, body) = http(
        &mock.base_url,
        "POST",
        "/crmapi/rest/v2/netflix/charges/acknowledge",
        Some(&ack.to_string()),
    );
    assert!(body.contains("CHARGE_ALREADY_ACKNOWLEDGED"), "{body}");
}
