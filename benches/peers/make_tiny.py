#!/usr/bin/env python3
"""Write a small, messy test set in the benchmark's input format.

    python make_tiny.py OUT_DIR [--customers 120] [--seed 7]

Writes OUT_DIR/records.csv and OUT_DIR/truth.csv. Standard library only. The data is a stand-in
for developing the peer harness: a few hundred records of customers seen through several channels,
with households (shared last name, city and landline), namesakes (same name, different person),
phones in national and international formats, e-mails with case, dots and +tags, names in
Latin and Cyrillic, dates in several formats, junk placeholders and gaps. It is not a substitute
for omnilink's own generator.
"""

import argparse
import csv
import os
import random

COLUMNS = [
    "record_id", "source", "country", "phone", "email", "card", "device_id", "social_network",
    "social", "full_name", "first_name", "middle_name", "last_name", "birth_date", "city",
    "updated_at",
]
TRUTH_COLUMNS = ["record_id", "entity_id", "household_id", "namesake_group", "tags"]
SOURCES = ["web", "app", "store", "call_centre", "social", "email_campaign"]

# Small hand-written name lists. RU/KZ entries carry a Latin spelling for translit noise.
MARKETS = {
    "RU": {
        "code": "7", "trunk": "8", "nsn_len": 10, "mobile_prefix": "9",
        "cities": ["Москва", "Санкт-Петербург", "Казань", "Новосибирск"],
        "male": [("Александр", "Aleksandr"), ("Дмитрий", "Dmitry"), ("Сергей", "Sergey"),
                 ("Иван", "Ivan"), ("Михаил", "Mikhail")],
        "female": [("Анна", "Anna"), ("Мария", "Maria"), ("Елена", "Elena"),
                   ("Ольга", "Olga"), ("Татьяна", "Tatiana")],
        "last": [("Иванов", "Ivanov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"),
                 ("Попов", "Popov"), ("Соколов", "Sokolov"), ("Лебедев", "Lebedev")],
        "mail": ["mail.ru", "yandex.ru", "gmail.com"],
    },
    "KZ": {
        "code": "7", "trunk": "8", "nsn_len": 10, "mobile_prefix": "70",
        "cities": ["Алматы", "Астана", "Шымкент"],
        "male": [("Нурлан", "Nurlan"), ("Ерлан", "Yerlan"), ("Асхат", "Askhat")],
        "female": [("Айгерим", "Aigerim"), ("Динара", "Dinara"), ("Жанар", "Zhanar")],
        "last": [("Ахметов", "Akhmetov"), ("Сулейменов", "Suleimenov"), ("Омаров", "Omarov")],
        "mail": ["mail.ru", "gmail.com"],
    },
    "GB": {
        "code": "44", "trunk": "0", "nsn_len": 10, "mobile_prefix": "7",
        "cities": ["London", "Manchester", "Leeds", "Bristol"],
        "male": [("James", None), ("Oliver", None), ("Harry", None), ("George", None)],
        "female": [("Emily", None), ("Olivia", None), ("Amelia", None), ("Isla", None)],
        "last": [("Smith", None), ("Jones", None), ("Taylor", None), ("Brown", None),
                 ("Williams", None)],
        "mail": ["gmail.com", "outlook.com", "btinternet.com"],
    },
    "US": {
        "code": "1", "trunk": "", "nsn_len": 10, "mobile_prefix": "",
        "cities": ["New York", "Chicago", "Houston", "Seattle"],
        "male": [("Michael", None), ("William", None), ("David", None), ("Robert", None)],
        "female": [("Jennifer", None), ("Linda", None), ("Sarah", None), ("Jessica", None)],
        "last": [("Johnson", None), ("Miller", None), ("Davis", None), ("Garcia", None)],
        "mail": ["gmail.com", "yahoo.com", "hotmail.com"],
    },
}
JUNK_PHONES = ["0000000", "n/a", "-"]
JUNK_EMAILS = ["test@test.com", "no@email.com"]
TYPO_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def latin_or_native(pair, latin):
    native, lat = pair
    return lat if (latin and lat) else native


def make_person(rng, market_key, pid, household=None):
    m = MARKETS[market_key]
    female = rng.random() < 0.5
    first = rng.choice(m["female"] if female else m["male"])
    if household:
        last = household["last"]
        city = household["city"]
    else:
        last = rng.choice(m["last"])
        city = rng.choice(m["cities"])
    if female and market_key in ("RU", "KZ"):
        last = (last[0] + "а", last[1] + "a" if last[1] else None)
    year = rng.randint(1950, 2004)
    dob = (year, rng.randint(1, 12), rng.randint(1, 28))
    nsn = m["mobile_prefix"] + "".join(
        str(rng.randint(0, 9)) for _ in range(m["nsn_len"] - len(m["mobile_prefix"])))
    handle = (latin_or_native(first, True) + "." + latin_or_native(last, True)).lower()
    handle = handle.replace(" ", "")
    r = rng.random()
    if r < 0.4:
        handle += str(year % 100)
    elif r < 0.9:
        handle += str(rng.randint(1, 9999))
    person = {
        "id": pid, "market": market_key, "first": first, "last": last, "city": city, "dob": dob,
        "mobile": nsn, "email": handle + "@" + rng.choice(m["mail"]),
        "card": "".join(str(rng.randint(0, 9)) for _ in range(13)),
        "device": "%08x-%04x" % (rng.getrandbits(32), rng.getrandbits(16)),
        "social": ("vk" if market_key in ("RU", "KZ") else "facebook",
                   handle.replace(".", "_")),
        "household": household["id"] if household else "",
        "landline": household["landline"] if household else None,
    }
    return person


def fmt_phone(rng, m, nsn):
    style = rng.randrange(5)
    if style == 0:
        return "+" + m["code"] + nsn
    if style == 1:
        return "+%s (%s) %s-%s" % (m["code"], nsn[:3], nsn[3:6], nsn[6:])
    if style == 2 and m["trunk"]:
        return m["trunk"] + nsn
    if style == 3:
        return "%s %s %s" % (m["trunk"] + nsn[:3], nsn[3:6], nsn[6:])
    return "00" + m["code"] + " " + nsn


def fmt_email(rng, email):
    user, domain = email.split("@")
    r = rng.random()
    if r < 0.25:
        return email.upper() if rng.random() < 0.3 else email.capitalize()
    if r < 0.4 and domain == "gmail.com":
        return user.replace(".", "") + "@" + domain
    if r < 0.55:
        return user + "+" + rng.choice(["shop", "promo", "news"]) + "@" + domain
    if r < 0.6:
        return " " + email + " "
    return email


def fmt_date(rng, dob):
    y, mo, d = dob
    style = rng.randrange(5)
    if style == 0:
        return "%04d-%02d-%02d" % (y, mo, d)
    if style == 1:
        return "%02d.%02d.%04d" % (d, mo, y)
    if style == 2:
        return "%02d/%02d/%04d" % (d, mo, y)
    if style == 3:
        return "%d %s %d" % (d, ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                 "Sep", "Oct", "Nov", "Dec"][mo - 1], y)
    return "%04d%02d%02d" % (y, mo, d)


def typo(rng, s):
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.randrange(3)
    if op == 0:
        return s[:i] + s[i + 1:]
    if op == 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + rng.choice(TYPO_ALPHABET) + s[i + 1:]


def make_record(rng, person, rid):
    m = MARKETS[person["market"]]
    tags = []
    source = rng.choice(SOURCES)
    latin = False
    if person["first"][1] and rng.random() < 0.35:
        latin = True
        tags.append("translit")
    first = latin_or_native(person["first"], latin)
    last = latin_or_native(person["last"], latin)
    if rng.random() < 0.15:
        last = typo(rng, last)
        tags.append("typo")
    if rng.random() < 0.2:
        first, last = first.upper(), last.upper()
    rec = {c: "" for c in COLUMNS}
    rec["record_id"] = rid
    rec["source"] = source
    rec["country"] = person["market"] if rng.random() < 0.9 else ""
    if rng.random() < 0.5:
        rec["full_name"] = (first + " " + last) if rng.random() < 0.6 else (last + " " + first)
    else:
        rec["first_name"], rec["last_name"] = first, last
        if rng.random() < 0.08:
            rec["first_name"], rec["last_name"] = last, first
            tags.append("swapped")
    phones = []
    if rng.random() < 0.75:
        phones.append(fmt_phone(rng, m, person["mobile"]))
    if person["landline"] and rng.random() < 0.5:
        phones.append(fmt_phone(rng, m, person["landline"]))
        tags.append("household_phone")
    if rng.random() < 0.04:
        phones = [rng.choice(JUNK_PHONES)]
        tags.append("junk")
    rec["phone"] = ";".join(phones)
    if source in ("web", "app", "email_campaign") or rng.random() < 0.4:
        rec["email"] = fmt_email(rng, person["email"])
        if rng.random() < 0.04:
            rec["email"] = rng.choice(JUNK_EMAILS)
            tags.append("junk")
    if source == "store" or rng.random() < 0.2:
        card = person["card"]
        if rng.random() < 0.3:
            card = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
        rec["card"] = card
    if source == "app":
        rec["device_id"] = person["device"]
    if source == "social" or rng.random() < 0.1:
        rec["social_network"], rec["social"] = person["social"]
        if rng.random() < 0.3:
            rec["social"] = "@" + rec["social"]
    if rng.random() < 0.7:
        rec["birth_date"] = fmt_date(rng, person["dob"])
    if rng.random() < 0.7:
        rec["city"] = person["city"] if rng.random() < 0.8 else person["city"].upper()
    rec["updated_at"] = "2024-%02d-%02dT%02d:%02d:00Z" % (
        rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
    return rec, tags


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--customers", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    people = []
    households = []
    pid = 0
    while len(people) < args.customers:
        market = rng.choice(list(MARKETS))
        m = MARKETS[market]
        if rng.random() < 0.2:
            hh = {
                "id": "h%d" % len(households), "last": rng.choice(m["last"]),
                "city": rng.choice(m["cities"]),
                "landline": "".join(str(rng.randint(0, 9)) for _ in range(m["nsn_len"])),
            }
            households.append(hh)
            for _ in range(rng.randint(2, 3)):
                people.append(make_person(rng, market, "p%d" % pid, hh))
                pid += 1
        else:
            people.append(make_person(rng, market, "p%d" % pid))
            pid += 1
    # Namesakes: copy a person's names into a new, otherwise unrelated person.
    namesake_groups = {}
    for i in range(max(1, args.customers // 15)):
        src = rng.choice(people)
        twin = make_person(rng, src["market"], "p%d" % pid)
        pid += 1
        twin["first"], twin["last"] = src["first"], src["last"]
        group = namesake_groups.setdefault(src["id"], "n%d" % len(namesake_groups))
        twin["namesake"] = group
        src["namesake"] = group
        people.append(twin)

    records, truth = [], []
    rid = 0
    for person in people:
        n = rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
        for _ in range(n):
            rec_id = "r%05d" % rid
            rid += 1
            rec, tags = make_record(rng, person, rec_id)
            records.append(rec)
            truth.append({
                "record_id": rec_id, "entity_id": person["id"],
                "household_id": person["household"],
                "namesake_group": person.get("namesake", ""), "tags": ";".join(sorted(set(tags))),
            })
    order = list(range(len(records)))
    rng.shuffle(order)

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "records.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for i in order:
            w.writerow(records[i])
    with open(os.path.join(args.out_dir, "truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=TRUTH_COLUMNS)
        w.writeheader()
        for i in order:
            w.writerow(truth[i])
    print("wrote %d records of %d customers to %s" % (len(records), len(people), args.out_dir))


if __name__ == "__main__":
    main()
