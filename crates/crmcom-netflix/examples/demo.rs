//! Prepares a request for every method and decodes every documented example response, printing
//! what a billing system would act on. Everything is embedded: no network, no files.

use crmcom_netflix::*;

const TOKEN: &str = "737C2CC402644029BA7827E41B932C79";

const CHARGES_LIST: &str = include_str!("../../../spec/examples/charges.list-response-1.json");
const PROMOTIONS_LIST: &str =
    include_str!("../../../spec/examples/promotions.list-response-1.json");
const SUSPEND: &str = include_str!("../../../spec/examples/subscriptions.suspend-response-1.json");
const ACCEPT: &str = include_str!("../../../spec/examples/charges.accept-response-1.json");
const LOGIN: &str = include_str!("../../../spec/examples/authentication.token-response-1.json");
const BENCH_50: &str = include_str!("../../../bench/data/charges-list-50.json");

fn show(prepared: &PreparedRequest) {
    match prepared.verb {
        Verb::Get => println!("  GET  {}?{}", prepared.path, prepared.query_string()),
        Verb::Post => println!(
            "  POST {} {}",
            prepared.path,
            prepared
                .body
                .as_ref()
                .map(|b| b.to_string())
                .unwrap_or_default()
        ),
    }
}

fn print_charges(title: &str, body: &str) -> Result<(), Error> {
    let page = decode::<ListCharges>(body.as_bytes(), None)?;
    println!("\n{title}: {} charge(s)", page.charges().len());
    println!(
        "  {:<10} {:<8} {:>10} {:>7} {:<12} {:<8}",
        "number", "customer", "amount", "minor", "status", "bill?"
    );
    for c in page.charges().iter().take(12) {
        println!(
            "  {:<10} {:<8} {:>6} {:<3} {:>7} {:<12} {:<8}",
            c.number,
            c.billing_system_customer_identifier,
            c.amount.to_string(),
            c.currency.code(),
            c.amount
                .minor_units()
                .map(|m| m.to_string())
                .unwrap_or_default(),
            c.charge_status.as_str(),
            if c.billable() {
                "bill"
            } else if c.is_pending() {
                "wait"
            } else {
                "no"
            },
        );
    }
    if page.charges().len() > 12 {
        println!("  ... and {} more", page.charges().len() - 12);
    }
    let billable: Vec<&Charge> = page.charges().iter().filter(|c| c.billable()).collect();
    println!(
        "  {} to bill, {} still pending, {} processed but not billable",
        billable.len(),
        page.charges().iter().filter(|c| c.is_pending()).count(),
        page.charges()
            .iter()
            .filter(|c| c.is_final() && !c.billable())
            .count()
    );
    let totals = total_by_currency(billable.iter().map(|c| (&c.currency, &c.amount)));
    for (currency, total) in totals {
        println!("  billable total: {total} {currency}");
    }
    // Once the billing system has taken them, the charges it billed or recorded are
    // acknowledged, so that they drop out of tomorrow's list; pending ones and approved ones it
    // cannot price stay on the server (`BillingAction::Leave`).
    let acks: Vec<AcknowledgeCharges> = batch(items_from_charges(
        page.charges()
            .iter()
            .filter(|c| c.billing_action() != BillingAction::Leave),
    ));
    for ack in &acks {
        let prepared = prepare(ack, Some(&Token::new(TOKEN)), Release::LATEST)?;
        println!(
            "  then acknowledge {} processed charge(s) in one call ({} bytes)",
            ack.acknowledged_charges_set.len(),
            prepared.body_bytes().map_or(0, |b| b.len())
        );
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    let token = Token::new(TOKEN);
    println!(
        "crmcom-netflix {VERSION}: one prepared request per method (target {}):",
        Release::LATEST
    );
    let login = LoginRequest {
        username: "mpadministrator".into(),
        password: Secret::new("1234"),
        organisation: "CRMDEMO".into(),
        unit: None,
    };
    println!("  (the password is a Secret: {login:?})");
    show(&prepare(&login, None, Release::LATEST)?);
    show(&prepare(&ReleaseToken {}, Some(&token), Release::LATEST)?);
    show(&prepare(
        &ListPromotions::default(),
        Some(&token),
        Release::LATEST,
    )?);
    let show_request = ShowSubscriptions {
        billing_system_customer_identifier: Some("pci123".into()),
        ..Default::default()
    };
    show(&prepare(&show_request, Some(&token), Release::LATEST)?);
    let mut create = CreateSubscription::new("pci123");
    create.promotion_code = Some("14".into());
    create.channel = Some(Channel::Broadband);
    create.validity_duration = Some(86_400);
    show(&prepare(&create, Some(&token), Release::LATEST)?);
    show(&prepare(
        &SuspendSubscription::new("pci123"),
        Some(&token),
        Release::LATEST,
    )?);
    show(&prepare(
        &UnsuspendSubscription::new("pci123"),
        Some(&token),
        Release::LATEST,
    )?);
    show(&prepare(
        &ListCharges::new(Some(ChargeStatusFilter::Processed)),
        Some(&token),
        Release::LATEST,
    )?);
    show(&prepare(
        &AcceptCharges {
            accepted_charges_set: vec![AcceptedCharge::new("I00002706", "pci155")],
        },
        Some(&token),
        Release::LATEST,
    )?);
    show(&prepare(
        &DeclineCharges {
            declined_charges_set: vec![DeclinedCharge::new("I00002706", "pci155")],
        },
        Some(&token),
        Release::LATEST,
    )?);

    println!("\nBad input is refused before it reaches the server, with every violation:");
    create.validity_duration = Some(90_000);
    create.customer_email = None;
    if let Err(e) = prepare(&create, Some(&token), Release::LATEST) {
        println!("  {e}");
    }
    match prepare_json(
        "netflix/charges/list",
        r#"{"number_of_results": 51, "offset": -1, "billing_system_customer_identifer": "x"}"#,
        Some(TOKEN),
        Some("R14.1.0"),
    ) {
        Err(Error::InvalidRequest(violations)) => {
            for v in violations {
                println!("  {:<36} {:<15} {}", v.path, v.code, v.message);
            }
        }
        other => println!("  unexpected: {other:?}"),
    }

    println!("\nDocumented example responses:");
    let login = decode::<LoginRequest>(LOGIN.as_bytes(), None)?;
    println!("  authentication/token: a token ({:?})", login.token);
    let promotions = decode::<ListPromotions>(PROMOTIONS_LIST.as_bytes(), None)?;
    for p in promotions.iter() {
        println!(
            "  promotion {} {:?} from {}",
            p.code, p.name, p.effective_from
        );
    }
    decode::<SuspendSubscription>(SUSPEND.as_bytes(), None)?;
    println!("  subscriptions/suspend: OK");
    let accepted = decode::<AcceptCharges>(ACCEPT.as_bytes(), None)?;
    println!(
        "  charges/accept: {} failed charge(s)",
        accepted.failed().len()
    );
    print_charges("charges/list (documented example, R12.0.0)", CHARGES_LIST)?;
    print_charges("charges/list (50-charge benchmark payload)", BENCH_50)?;
    Ok(())
}
