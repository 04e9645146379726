//! The hard cases of identity resolution, end to end through `resolve`.

use omnilink::block::Rule;
use omnilink::{resolve, Config, Record, Resolution};

fn same(res: &Resolution, a: usize, b: usize) -> bool {
    res.memberships[a].customer == res.memberships[b].customer
}

#[test]
fn one_person_across_channels_in_three_scripts_of_phone_format() {
    let recs = vec![
        Record::new("t1", "store")
            .phone("8 (912) 345-67-89")
            .card("LC-0047 1192 305")
            .full_name("Петрова Анна Сергеевна"),
        Record::new("w1", "web")
            .phone("+7 912 345 67 89")
            .email("Anna.Petrova@gmail.com")
            .first_name("Anna")
            .last_name("Petrova")
            .birth_date("1990-02-01"),
        Record::new("a1", "app")
            .email("annapetrova+promo@gmail.com")
            .device("6D92078A-8246-4BA4-AE5B-76104861E7DC"),
        Record::new("c1", "call_centre")
            .phone("89123456789")
            .full_name("Анна Петрова")
            .birth_date("01.02.1990"),
    ];
    let res = resolve(&recs, &Config::for_region("RU")).unwrap();
    assert_eq!(res.customers.len(), 1, "{:?}", res.stats);
    let g = &res.customers[0].golden;
    assert_eq!(g.phones, vec!["+79123456789".to_string()]);
    assert_eq!(g.birth_date.as_deref(), Some("1990-02-01"));
    assert_eq!(g.sources.len(), 4);
}

#[test]
fn household_sharing_a_phone_and_card_stays_apart() {
    let recs = vec![
        Record::new("1", "store")
            .phone("+7 912 000 11 22")
            .card("7700123")
            .first_name("Ольга")
            .last_name("Смирнова")
            .birth_date("12.03.1965"),
        Record::new("2", "web")
            .phone("+7 912 000 11 22")
            .email("olga.smirnova@mail.ru")
            .first_name("Olga")
            .last_name("Smirnova")
            .birth_date("1965-03-12"),
        Record::new("3", "store")
            .phone("+7 912 000 11 22")
            .card("7700123")
            .first_name("Дмитрий")
            .last_name("Смирнов")
            .birth_date("30.11.1962"),
        Record::new("4", "app")
            .phone("+7 912 000 11 22")
            .email("dima.smirnov@yandex.ru")
            .first_name("Дима")
            .last_name("Смирнов"),
    ];
    let res = resolve(&recs, &Config::for_region("RU")).unwrap();
    assert!(same(&res, 0, 1), "Olga's two records");
    assert!(same(&res, 2, 3), "Dmitry and his diminutive");
    assert!(!same(&res, 0, 2), "household members merged");
}

#[test]
fn changed_phone_is_bridged_by_email_and_namesakes_are_not_merged() {
    let recs = vec![
        Record::new("1", "web")
            .phone("+7 903 111 22 33")
            .email("ivan.kuznetsov@mail.ru")
            .full_name("Иван Кузнецов")
            .birth_date("05.06.1980"),
        Record::new("2", "app")
            .phone("+7 916 444 55 66")
            .email("ivan.kuznetsov@mail.ru")
            .full_name("Ivan Kuznetsov"),
        Record::new("3", "store")
            .phone("+7 916 444 55 66")
            .full_name("Кузнецов Иван"),
        Record::new("4", "call_centre")
            .phone("+7 925 777 88 99")
            .full_name("Иван Кузнецов")
            .birth_date("17.09.1991")
            .city("Москва"),
    ];
    let res = resolve(&recs, &Config::for_region("RU")).unwrap();
    assert!(
        same(&res, 0, 1) && same(&res, 1, 2),
        "phone change not bridged"
    );
    assert!(!same(&res, 0, 3), "namesake merged");
}

#[test]
fn a_placeholder_phone_typed_for_walk_ins_is_a_hub() {
    let first = [
        "Анна",
        "Борис",
        "Виктор",
        "Галина",
        "Дарья",
        "Егор",
        "Жанна",
        "Зоя",
    ];
    let last = [
        "Иванова",
        "Петров",
        "Сидоров",
        "Орлова",
        "Белова",
        "Котов",
        "Лисина",
        "Жукова",
    ];
    let mut recs = Vec::new();
    for i in 0..40 {
        recs.push(
            Record::new(format!("w{i}"), "store")
                .phone("+7 495 123 45 67")
                .first_name(first[i % 8])
                .last_name(last[(i / 8) % 8])
                .card(format!("{}", 500_000 + i * 7919)),
        );
    }
    let res = resolve(&recs, &Config::for_region("RU")).unwrap();
    assert!(res
        .hubs
        .iter()
        .any(|h| h.rule == Rule::Phone && h.size == 40 && h.sources[0].0 == "store"));
    assert!(
        res.customers.len() >= 35,
        "walk-ins merged through the hub: {} customers",
        res.customers.len()
    );
}

#[test]
fn explain_adds_up() {
    let recs = vec![
        Record::new("1", "web")
            .phone("+7 912 345 67 89")
            .full_name("Anna Petrova"),
        Record::new("2", "app")
            .phone("89123456789")
            .full_name("Анна Петрова"),
    ];
    let res = resolve(&recs, &Config::for_region("RU")).unwrap();
    let x = res
        .explain(&recs, omnilink::RecordId(0), omnilink::RecordId(1))
        .unwrap();
    let sum: f64 = x.prior + x.fields.iter().map(|f| f.weight).sum::<f64>();
    assert!((sum - x.score).abs() < 1e-9);
    assert!(x.score > res.threshold());
    assert!(same(&res, 0, 1));
}
