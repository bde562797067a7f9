//! The charge loop for a shell that writes to disk once per group of pages: acknowledgements
//! grouped over `acknowledge_after_pages` pages, the numbers finished in a run kept by the shell
//! (`feed_with`, `forget_finished`, `confirm_items`), and a state that keeps only the key of a
//! confirmed charge.

use crmcom_netflix::{
    ChargeSync, Method, PreparedRequest, SyncOptions, SyncState, Token, ViolationCode,
    MAX_ACKNOWLEDGE_AFTER_PAGES, SYNC_STATE_FORMAT,
};
use serde_json::{json, Value};

fn ok(data: Value) -> Vec<u8> {
    json!({"status": {"code": "OK", "description": "", "message": ""}, "data": data})
        .to_string()
        .into_bytes()
}

fn charge(number: &str) -> Value {
    json!({
        "number": number,
        "billing_system_customer_identifier": format!("pci-{number}"),
        "amount": 5.989999771118164,
        "currency": "USD",
        "paid_through_date": "2024-02-01T00:00:00",
        "charge_status": "APPROVED",
        "received_on": "2024-01-01T00:00:00",
        "set_as_approved_on": null,
        "set_as_declined_on": null,
        "set_as_bad_request_on": null,
        "set_as_rejected_request_on": null
    })
}

fn page(numbers: &[&str]) -> Vec<u8> {
    ok(json!({"charges_set": numbers.iter().map(|n| charge(n)).collect::<Vec<_>>()}))
}

fn acknowledged() -> Vec<u8> {
    ok(json!({"failed_charges_set": []}))
}

fn next(sync: &mut ChargeSync) -> Option<PreparedRequest> {
    sync.next_request(&Token::new("T")).unwrap()
}

fn offset(r: &PreparedRequest) -> String {
    r.query
        .iter()
        .find(|(k, _)| k == "offset")
        .map(|(_, v)| v.clone())
        .unwrap()
}

fn acked(r: &PreparedRequest) -> Vec<String> {
    r.body.as_ref().unwrap()["acknowledged_charges_set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect()
}

fn grouped(pages: u32) -> SyncOptions {
    SyncOptions {
        page_size: 2,
        acknowledge_after_pages: pages,
        ..SyncOptions::default()
    }
}

/// Lists, takes and confirms every charge of one page.
fn take_page(sync: &mut ChargeSync, numbers: &[&str]) {
    let r = next(sync).expect("a list");
    assert_eq!(r.method, Method::ChargesList, "{r:?}");
    sync.feed(&page(numbers)).unwrap();
    let taken = sync.take_charges();
    sync.confirm(taken.iter().map(|c| c.charge.number()))
        .unwrap();
}

#[test]
fn acknowledgements_wait_for_the_group_of_pages_and_the_cursor_counts_what_is_in_place() {
    let mut sync = ChargeSync::new(grouped(3)).unwrap();
    take_page(&mut sync, &["I1", "I2"]);
    take_page(&mut sync, &["I3", "I4"]);
    // The third page is listed past the two confirmed and not yet acknowledged.
    let r = next(&mut sync).unwrap();
    assert_eq!((r.method, offset(&r)), (Method::ChargesList, "4".into()));
    sync.feed(&page(&["I5", "I6"])).unwrap();
    let taken = sync.take_charges();
    sync.confirm(taken.iter().map(|c| c.charge.number()))
        .unwrap();
    // Three pages: the group's acknowledgements, oldest confirmation first, in one request.
    let r = next(&mut sync).unwrap();
    assert_eq!(r.method, Method::ChargesAcknowledge);
    assert_eq!(acked(&r), ["I1", "I2", "I3", "I4", "I5", "I6"]);
    sync.feed(&acknowledged()).unwrap();
    // All six left the list: the next page is at 0 again.
    let r = next(&mut sync).unwrap();
    assert_eq!((r.method, offset(&r)), (Method::ChargesList, "0".into()));
    // The end of the list acknowledges what is left at once.
    sync.feed(&page(&["I7"])).unwrap();
    let taken = sync.take_charges();
    sync.confirm(taken.iter().map(|c| c.charge.number()))
        .unwrap();
    assert_eq!(acked(&next(&mut sync).unwrap()), ["I7"]);
    sync.feed(&acknowledged()).unwrap();
    assert!(next(&mut sync).is_none());
    let report = sync.report();
    assert_eq!((report.acknowledged, report.acknowledge_requests), (7, 2));
    assert!(report.finished);
}

#[test]
fn one_page_per_group_acknowledges_after_every_page() {
    let mut sync = ChargeSync::new(grouped(1)).unwrap();
    take_page(&mut sync, &["I1", "I2"]);
    assert_eq!(acked(&next(&mut sync).unwrap()), ["I1", "I2"]);
}

#[test]
fn acknowledge_after_pages_is_1_to_its_maximum() {
    for (pages, ok) in [
        (0, false),
        (1, true),
        (MAX_ACKNOWLEDGE_AFTER_PAGES, true),
        (MAX_ACKNOWLEDGE_AFTER_PAGES + 1, false),
    ] {
        let result = ChargeSync::new(grouped(pages));
        assert_eq!(result.is_ok(), ok, "{pages}");
        if let Err(e) = result {
            let v = &e.violations()[0];
            assert_eq!(
                (v.path.as_str(), v.code),
                ("acknowledge_after_pages", ViolationCode::OutOfRange)
            );
        }
    }
}

#[test]
fn a_confirmed_charge_is_saved_as_its_key_and_acknowledged_after_a_resume() {
    let mut sync = ChargeSync::new(grouped(5)).unwrap();
    take_page(&mut sync, &["I1", "I2"]);
    let saved = sync.state().to_json();
    let v: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(v["format"], SYNC_STATE_FORMAT);
    let kept = &v["charges"]["I1"];
    assert!(kept.get("charge").is_none(), "{kept}");
    assert_eq!(
        kept["key"],
        json!({"number": "I1", "billing_system_customer_identifier": "pci-I1"})
    );
    let mut resumed = ChargeSync::from_state(SyncState::from_json(&saved).unwrap()).unwrap();
    // The in-flight-free state lists on; the page shorter than the page size ends the list.
    let r = next(&mut resumed).unwrap();
    assert_eq!(r.method, Method::ChargesList);
    resumed.feed(&page(&[])).unwrap();
    let r = next(&mut resumed).unwrap();
    assert_eq!(acked(&r), ["I1", "I2"]);
    let items = &r.body.as_ref().unwrap()["acknowledged_charges_set"];
    assert_eq!(items[0]["billing_system_customer_identifier"], "pci-I1");
}

#[test]
fn a_state_of_format_1_with_a_whole_confirmed_charge_still_loads() {
    let mut sync = ChargeSync::new(grouped(5)).unwrap();
    let _ = next(&mut sync).unwrap();
    sync.feed(&page(&["I1"])).unwrap();
    let _ = sync.take_charges();
    // As version 1 wrote it: the charge kept whole once confirmed.
    let mut v: Value = serde_json::from_str(&sync.state().to_json()).unwrap();
    v["format"] = json!(1);
    v["charges"]["I1"]["stage"] = json!("confirmed");
    let mut old = ChargeSync::from_state(SyncState::from_json(&v.to_string()).unwrap()).unwrap();
    assert_eq!(acked(&next(&mut old).unwrap()), ["I1"]);
    assert_eq!(
        serde_json::from_str::<Value>(&old.state().to_json()).unwrap()["format"],
        SYNC_STATE_FORMAT
    );
}

#[test]
fn a_saved_state_must_keep_a_charge_not_yet_confirmed_whole_and_a_key_valid() {
    let mut sync = ChargeSync::new(grouped(5)).unwrap();
    take_page(&mut sync, &["I1"]);
    let mut v: Value = serde_json::from_str(&sync.state().to_json()).unwrap();
    // A handed-over charge with only a key cannot be handed over again.
    let mut handed = v.clone();
    handed["charges"]["I1"]["stage"] = json!("handed");
    let e = ChargeSync::from_state(SyncState::from_json(&handed.to_string()).unwrap()).unwrap_err();
    assert_eq!(e.violations()[0].path, "charges.I1", "{e}");
    // A key with a control character is refused when the state is read.
    v["charges"]["I1"]["key"]["billing_system_customer_identifier"] = json!("pci\u{7}");
    let e = SyncState::from_json(&v.to_string()).unwrap_err();
    assert!(
        e.to_string().contains("billing_system_customer_identifier"),
        "{e}"
    );
    // A format this version does not know is refused.
    let mut later: Value = serde_json::from_str(&sync.state().to_json()).unwrap();
    later["format"] = json!(SYNC_STATE_FORMAT + 1);
    let e = ChargeSync::from_state(SyncState::from_json(&later.to_string()).unwrap()).unwrap_err();
    assert_eq!(e.violations()[0].path, "format");
}

#[test]
fn numbers_kept_by_the_shell_are_not_handed_over_again_in_the_run() {
    let mut sync = ChargeSync::new(grouped(1)).unwrap();
    take_page(&mut sync, &["I1", "I2"]);
    let _ = next(&mut sync).unwrap();
    sync.feed(&acknowledged()).unwrap();
    // The shell takes the finished numbers out of the state and answers for them.
    let mut forgotten = sync.forget_finished();
    forgotten.sort();
    assert_eq!(forgotten, ["I1", "I2"]);
    assert!(sync.forget_finished().is_empty());
    let _ = next(&mut sync).unwrap();
    let mut asked = Vec::new();
    // A server that lists I1 again (after its acknowledgement) beside a new charge.
    sync.feed_with(&page(&["I1", "I3"]), |numbers| {
        asked.extend(numbers.iter().map(|n| n.to_string()));
        numbers.iter().map(|n| *n == "I1").collect()
    })
    .unwrap();
    assert_eq!(
        asked,
        ["I1", "I3"],
        "asked once, about what the state does not know"
    );
    let taken = sync.take_charges();
    let numbers: Vec<&str> = taken.iter().map(|c| c.charge.number()).collect();
    assert_eq!(numbers, ["I3"]);
    // Confirming a finished charge again is harmless when the shell says it is finished.
    assert_eq!(
        sync.confirm_items([("I3", None), ("I1", None)], |n| n == "I1")
            .unwrap(),
        1
    );
    // Without the shell's answer it is a charge never handed over.
    let e = sync.confirm_items([("I1", None)], |_| false).unwrap_err();
    assert_eq!(e.violations()[0].path, "taken[0].number");
}

#[test]
fn confirming_items_is_all_or_nothing_and_a_reference_twice_in_a_call_is_a_duplicate() {
    let mut sync = ChargeSync::new(grouped(5)).unwrap();
    let _ = next(&mut sync).unwrap();
    sync.feed(&page(&["I1", "I2"])).unwrap();
    let _ = sync.take_charges();
    let e = sync
        .confirm_items([("I1", Some("R1")), ("I2", Some("R1"))], |_| false)
        .unwrap_err();
    let v = &e.violations()[0];
    assert_eq!(
        (v.path.as_str(), v.code),
        ("taken[1].reference_number", ViolationCode::Duplicate)
    );
    let e = sync
        .confirm_items([("I1", Some("R1")), ("I9", None)], |_| false)
        .unwrap_err();
    assert_eq!(e.violations()[0].path, "taken[1].number");
    assert_eq!(sync.report().confirmed, 0, "nothing recorded");
    assert_eq!(
        sync.confirm_items([("I1", Some("R1")), ("I2", Some("R2"))], |_| false)
            .unwrap(),
        2
    );
}

/// `page_ahead` names the request `next_request` gives after a full page, whatever the group,
/// the mode and the length of the list; after a short page, an acknowledgement due or in flight,
/// it names none or one that is not sent.
#[test]
fn the_page_ahead_is_the_next_request_after_a_full_page() {
    use crmcom_netflix::SyncMode;
    let token = Token::new("T");
    let mut hits = 0;
    for mode in [SyncMode::Acknowledge, SyncMode::ReadOnly] {
        for pages in 1..=4 {
            for total in 0..=9usize {
                let names: Vec<String> = (0..total).map(|i| format!("I{i:03}")).collect();
                let mut remaining: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut sync = ChargeSync::new(SyncOptions {
                    mode,
                    ..grouped(pages)
                })
                .unwrap();
                let mut pending = next(&mut sync);
                while let Some(r) = pending {
                    let ahead = sync.page_ahead(&token);
                    let full = match r.method {
                        Method::ChargesList => {
                            let at = offset(&r).parse::<usize>().unwrap().min(remaining.len());
                            let listed = &remaining[at..(at + 2).min(remaining.len())];
                            sync.feed(&page(listed)).unwrap();
                            let taken = sync.take_charges();
                            sync.confirm(taken.iter().map(|c| c.charge.number()))
                                .unwrap();
                            listed.len() == 2
                        }
                        _ => {
                            assert_eq!(ahead, None, "no page goes ahead of an acknowledgement");
                            let done = acked(&r);
                            remaining.retain(|n| !done.iter().any(|d| d == n));
                            sync.feed(&acknowledged()).unwrap();
                            false
                        }
                    };
                    pending = next(&mut sync);
                    if let (Some(a), true) = (&ahead, full) {
                        assert_eq!(
                            pending.as_ref(),
                            Some(a),
                            "{mode:?}, {pages} pages, {total}"
                        );
                        hits += 1;
                    }
                    if mode == SyncMode::Acknowledge && pages == 1 {
                        assert_eq!(ahead, None, "every page is followed by its acknowledgement");
                    }
                }
                if mode == SyncMode::Acknowledge {
                    assert!(
                        remaining.is_empty(),
                        "{pages} pages, {total}: {remaining:?}"
                    );
                }
            }
        }
    }
    assert!(hits > 50, "{hits} pages ahead");
}

#[test]
fn the_shell_is_asked_only_about_charges_the_state_does_not_know_and_a_missing_answer_is_false() {
    let mut sync = ChargeSync::new(SyncOptions {
        page_size: 4,
        acknowledge_after_pages: 1,
        ..SyncOptions::default()
    })
    .unwrap();
    let _ = next(&mut sync).unwrap();
    sync.feed(&page(&["I1", "I2", "I3", "I6"])).unwrap();
    assert_eq!(sync.take_charges().len(), 4);
    // I6 is handed over and not taken: the state still tracks it.
    sync.confirm(["I1", "I2", "I3"]).unwrap();
    let ack = next(&mut sync).unwrap();
    assert_eq!(acked(&ack), ["I1", "I2", "I3"]);
    sync.feed(&acknowledged()).unwrap();
    // The next page: I1 finished (the state remembers it), I6 tracked, I4 and I5 new to it.
    let _ = next(&mut sync).unwrap();
    let mut asked = Vec::new();
    sync.feed_with(&page(&["I1", "I6", "I4", "I5"]), |numbers| {
        asked.extend(numbers.iter().map(|n| n.to_string()));
        // I4 was finished elsewhere in the run; no answer for I5.
        vec![true]
    })
    .unwrap();
    assert_eq!(asked, ["I4", "I5"]);
    let numbers: Vec<String> = sync
        .take_charges()
        .iter()
        .map(|c| c.charge.number().to_owned())
        .collect();
    assert_eq!(numbers, ["I5"]);
}
