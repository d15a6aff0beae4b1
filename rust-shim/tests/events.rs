//! A call's events (spec 8.1) as `tracing` events, target `connguard::events`,
//! for a call to a fake server on loopback (tests/vectors/events.json holds
//! their order for every scripted case, through the hooks).

#[allow(dead_code)] // each test file uses part of it
mod support;

use connguard::connect;
use connguard::Policy;
use support::fake_server::{Answer, FakeServer};
use support::Captured;

#[tokio::test]
async fn every_event_is_a_debug_event_with_the_specs_fields_and_no_password() {
    let fake = FakeServer::start([Answer::Code(1040), Answer::Network, Answer::Ok]).await;
    let options = fake.options().password("Sup3r-Secret-pw");
    let policy = Policy::parse("[service.api]\n", "<string>", Some("api")).unwrap();
    let log = Captured::of("connguard::events");
    let conn = connect(&options, &policy).await.expect("connected");
    conn.close().await.expect("closed");
    let records = log.records();
    let names: Vec<&str> = records.iter().map(|r| r.fields["event"].as_str()).collect();
    assert_eq!(
        names,
        [
            "granted",
            "attempt",
            "failed",
            "limit",
            "retry",
            "granted",
            "attempt",
            "failed",
            "retry",
            "granted",
            "attempt",
            "limit",
            "connected",
            "released"
        ]
    );
    assert!(records
        .iter()
        .all(|r| r.level == tracing::Level::DEBUG && !format!("{r:?}").contains("Sup3r")));
    let target = format!("mariadb://app:***@127.0.0.1:{}/main", fake.port);
    let failed = &records[2].fields;
    let field = |name: &str| failed.get(name).map(String::as_str);
    assert_eq!(
        ["service", "target", "attempt", "code", "class"].map(field),
        [
            Some("api"),
            Some(target.as_str()),
            Some("1"),
            Some("1040"),
            Some("capacity")
        ]
    );
    assert!(field("elapsed").is_some());
    let network = &records[7].fields;
    assert_eq!(network.get("class").map(String::as_str), Some("transient"));
    assert!(!network.contains_key("code"), "null for a network error");
    let retry = &records[4].fields;
    assert!(!retry.contains_key("delay"), "queued at the gate: no delay");
    let server = format!("127.0.0.1:{}", fake.port);
    for record in [&records[3], &records[13]] {
        assert_eq!(record.fields.get("server"), Some(&server));
    }
    assert_eq!(records[3].fields["limit"], "0");
}
