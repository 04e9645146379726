//! A CRM feeding one long-lived resolver from a store till, a website and a call centre.
//!
//! Run with `cargo run --release --example crm`.
//!
//! It shows a customer who changes phone number (kept as one customer through her e-mail), a
//! household sharing one loyalty card (kept as two customers), "who is this?" lookups at the
//! till, a deletion request, and saving and loading the state.

use omnilink::normalize::FieldKind;
use omnilink::resolver::Resolver;
use omnilink::{Config, Record};

fn main() -> Result<(), omnilink::Error> {
    let crm = Resolver::new(Config::for_region("RU")).expect("config");
    let show = |what: &str, out: &omnilink::resolver::AddOutcome| {
        println!("{what:<55} -> {}  {:?}", out.customer, out.events);
    };

    // Monday: Maria signs up on the website, then buys in a store with a new loyalty card.
    let web = crm.add(
        Record::new("w-1001", "web")
            .email("Maria.Sokolova@gmail.com")
            .phone("+7 (916) 123-45-67")
            .first_name("Мария")
            .last_name("Соколова")
            .birth_date("1988-04-12"),
    )?;
    show("web sign-up (Maria)", &web);
    let till = crm.add(
        Record::new("t-55", "store")
            .card("LC 0004 7712")
            .phone("8 916 123 45 67")
            .full_name("Соколова Мария"),
    )?;
    show("store till, new card, same phone (Maria)", &till);

    // Her husband uses the same family card at the till.
    let husband = crm.add(
        Record::new("t-56", "store")
            .card("LC-0004-7712")
            .first_name("Алексей")
            .last_name("Соколов")
            .birth_date("15.09.1985"),
    )?;
    show("store till, shared family card (Alexey)", &husband);

    // Months later Maria calls from a new number and gives her e-mail.
    let call = crm.add(
        Record::new("cc-9", "call_centre")
            .phone("+7 925 765 43 21")
            .email("mariasokolova+orders@gmail.com")
            .full_name("Мария Соколова"),
    )?;
    show("call centre, new phone, e-mail with a +tag (Maria)", &call);

    // At the till: who is this?
    for (kind, raw) in [
        (FieldKind::Phone, "89257654321"),
        (FieldKind::Card, "000047712"),
        (FieldKind::Email, "maria.sokolova@googlemail.com"),
    ] {
        println!("lookup {:<6} -> {:?}", kind.as_str(), crm.lookup(kind, raw));
    }
    if let Some(c) = crm.customer(&web.customer) {
        println!(
            "golden record of {}: {} records, phones {:?}, sources {:?}",
            c.id,
            c.members.len(),
            c.golden.phones,
            c.golden.sources
        );
    }

    // A deletion request for the call-centre record.
    println!(
        "remove cc-9 -> {:?}",
        crm.remove("call_centre", "cc-9").expect("remove")
    );

    let path = std::env::temp_dir().join("omnilink-crm-example.bin");
    crm.save(&path)?;
    let again = Resolver::load(&path)?;
    println!(
        "saved and loaded: {} records, {} customers",
        again.len(),
        again.customer_count()
    );
    std::fs::remove_file(&path).ok();
    Ok(())
}
