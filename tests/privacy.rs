//! No identifier value leaks into `Debug` output, statistics, hub reports or errors.

use omnilink::io::{read_csv_bytes, ReadOptions};
use omnilink::normalize::{normalize_record, Context, Region};
use omnilink::{resolve, synth, Config};

/// Identifier values of the data set, as written and normalised, long enough to be telling.
fn secrets(data: &synth::Dataset) -> Vec<String> {
    let ctx = Context::new().candidate_regions(Region::MARKETS.to_vec());
    let mut out = Vec::new();
    for r in data.records.iter().take(300) {
        out.extend(r.phones.iter().cloned());
        out.extend(r.emails.iter().cloned());
        out.extend(r.cards.iter().cloned());
        out.extend(r.devices.iter().cloned());
        let n = normalize_record(r, &ctx);
        out.extend(n.phones.iter().map(|p| p.e164()));
        out.extend(n.emails.iter().map(|e| e.as_str().to_string()));
        out.extend(n.cards.iter().map(|c| c.as_str().to_string()));
    }
    // A placeholder such as `0000000` is no one's, and a timing such as `0.30000000000000004`
    // in the figures contains it: values of one repeated character are not telling.
    out.retain(|s| {
        let mut chars = s.chars().filter(|c| c.is_alphanumeric());
        let first = chars.next();
        s.trim().len() >= 7 && !chars.all(|c| Some(c) == first)
    });
    out
}

#[test]
fn debug_and_reports_carry_no_values() {
    let data = synth::generate(&synth::Config::new(300, 5)).unwrap();
    let mut cfg = Config::default();
    cfg.context.candidate_regions = Region::MARKETS.to_vec().into();
    let res = resolve(&data.records, &cfg).unwrap();
    let ctx = cfg.context.clone();
    let mut text = format!("{res:?}\n{:?}\n{:?}\n", res.stats, res.hubs);
    for r in data.records.iter().take(300) {
        text.push_str(&format!("{r:?}\n{:?}\n", normalize_record(r, &ctx)));
    }
    for c in res.customers.iter().take(100) {
        text.push_str(&format!("{:?}\n", c.golden));
    }
    text.push_str(&serde_json::to_string(&res.stats).unwrap());
    let leaks: Vec<String> = secrets(&data)
        .into_iter()
        .filter(|s| text.contains(s.as_str()))
        .collect();
    assert!(
        leaks.is_empty(),
        "{} values leaked, e.g. one of length {}",
        leaks.len(),
        leaks[0].len()
    );
}

#[test]
fn input_errors_name_positions_not_values() {
    let bad = "id,colour\n1,+79123456789\n";
    let e = read_csv_bytes(bad.as_bytes(), &ReadOptions::new("t"))
        .unwrap_err()
        .to_string();
    assert!(!e.contains("9123456789"), "{e}");
    let ragged = "id,phone\n1,+79123456789,extra@mail.ru\n2,+79031234567\n";
    let out = read_csv_bytes(ragged.as_bytes(), &ReadOptions::new("t")).unwrap();
    let report = format!(
        "{:?} {}",
        out.skipped,
        serde_json::to_string(&out.skipped).unwrap()
    );
    assert!(
        !report.contains("extra@mail.ru") && !report.contains("9123456789"),
        "{report}"
    );
    assert_eq!(out.skipped[0].line, 2);
}

// ---------------------------------------------------------------------------------------
// A scan of everything a run prints or reports, over the synthetic data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use omnilink::privacy::{pseudonymize, IdentifierKey};
use omnilink::Record;

const BIN: &str = env!("CARGO_BIN_EXE_omnilink");

/// What must never be printed: every identifier of the input in several renderings (as
/// written; canonical; phones also without `+` and as their last ten digits), and name words
/// of four letters or more (matched as whole words).
struct Secrets {
    values: BTreeSet<String>,
    /// The last ten digits of each phone, looked for also with separators removed.
    phone_digits: BTreeSet<String>,
    name_words: BTreeSet<String>,
}

fn all_secrets(records: &[Record]) -> Secrets {
    let ctx = Context::new().candidate_regions(Region::MARKETS.to_vec());
    let mut values = BTreeSet::new();
    let mut phone_digits = BTreeSet::new();
    let mut name_words = BTreeSet::new();
    for r in records {
        // Values as written, where they are valid identifiers (a placeholder such as
        // `0000000` is no one's and is a common string).
        let rctx = match r.country.as_deref().and_then(Region::new) {
            Some(c) => ctx.clone().region(c),
            None => ctx.clone(),
        };
        use omnilink::normalize::{card, device, email, phone, social, split_values};
        let ok = |cells: &[String], f: &dyn Fn(&str) -> bool| -> Vec<String> {
            cells
                .iter()
                .flat_map(|c| {
                    split_values(c)
                        .filter(|v| f(v))
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        values.extend(ok(&r.phones, &|v| phone::normalize(v, &rctx).is_ok()));
        values.extend(ok(&r.emails, &|v| email::normalize(v, &rctx).is_ok()));
        values.extend(ok(&r.cards, &|v| card::normalize(v, &rctx).is_ok()));
        values.extend(ok(&r.devices, &|v| device::normalize(v, &rctx).is_ok()));
        for s in &r.socials {
            let sctx = rctx.clone().social_network(s.network);
            values.extend(ok(std::slice::from_ref(&s.value), &|v| {
                social::normalize(v, &sctx).is_ok()
            }));
        }
        let n = normalize_record(r, &ctx);
        for p in &n.phones {
            let e = p.e164();
            values.insert(e[1..].to_string());
            values.insert(e[e.len().saturating_sub(10)..].to_string());
            phone_digits.insert(e[e.len().saturating_sub(10)..].to_string());
            values.insert(e);
        }
        values.extend(n.emails.iter().map(|e| e.as_str().to_string()));
        values.extend(n.cards.iter().map(|c| c.as_str().to_string()));
        values.extend(n.devices.iter().map(|d| d.to_canonical_string()));
        values.extend(n.socials.iter().map(|s| s.handle().to_string()));
        for name in [&r.full_name, &r.first_name, &r.middle_name, &r.last_name]
            .into_iter()
            .flatten()
        {
            name_words.extend(
                name.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() >= 4)
                    .map(str::to_string),
            );
        }
    }
    // Short values (a four-digit card tail, a short handle) are common strings: not telling.
    values.retain(|v| v.chars().count() >= 6);
    Secrets {
        values,
        phone_digits,
        name_words,
    }
}

/// The secrets found in `text`, for the failure message: kinds and lengths, not values.
fn leaks(secrets: &Secrets, text: &str) -> Vec<String> {
    let words: BTreeSet<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
    let mut out: Vec<String> = secrets
        .values
        .iter()
        .filter(|v| text.contains(v.as_str()))
        .map(|v| format!("identifier of {} chars", v.chars().count()))
        .collect();
    let collapsed: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{a0}'))
        .collect();
    out.extend(
        secrets
            .phone_digits
            .iter()
            .filter(|d| collapsed.contains(d.as_str()))
            .map(|_| "phone digits with separators".to_string()),
    );
    out.extend(
        secrets
            .name_words
            .iter()
            .filter(|w| words.contains(w.as_str()))
            .map(|w| format!("name word of {} chars", w.chars().count())),
    );
    out
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("omnilink-privacy-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary; returns stdout and stderr together, with the exit code.
fn cli(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn no_identifier_or_name_in_any_output_of_a_run() {
    let data = synth::generate(&synth::Config::new(400, 23)).unwrap();
    let secrets = all_secrets(&data.records);
    assert!(secrets.values.len() > 500 && secrets.name_words.len() > 100);
    let dir = Dir::new("scan");
    data.write_csv(&dir.0).unwrap();
    // Damaged rows whose cells hold identifiers: their skip reports must not show them.
    let records = dir.0.join("records.csv");
    let mut csv = read(&records);
    let r0 = &data.records[0];
    let phone = r0.phones.first().cloned().unwrap_or_default();
    csv.push_str(&format!("bad-1,web,RU,{phone},extra@example.org\n"));
    csv.push_str(&format!("bad-2,web,RU,{},{phone}\n", "9".repeat(70_000)));
    std::fs::write(&records, csv).unwrap();
    let key_file = dir.0.join("key.txt");
    std::fs::write(&key_file, "a key of sixteen bytes or more\n").unwrap();

    let out = dir.0.join("out");
    let mut texts: Vec<(String, String)> = Vec::new();
    let runs: [&[&str]; 4] = [
        &["--threads", "2", "--report"],
        &["--json", "--threads", "1", "--report", "--pairs"],
        &["--key-file", key_file.to_str().unwrap(), "--report"],
        &["--key-env", "OMNILINK_TEST_KEY", "--json", "--report"],
    ];
    for extra in runs {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "resolve".as_ref(),
            records.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        let (code, text) = cli(&args, &[("OMNILINK_TEST_KEY", "another key, 16+ bytes")]);
        assert_eq!(code, 0, "{extra:?}: {text}");
        assert!(text.contains("records") || text.contains("rows"), "{text}");
        texts.push((format!("output of {extra:?}"), text));
        assert!(out.join("report.html").is_file(), "{extra:?}: no report");
        for f in ["summary.json", "hubs.csv", "model.json", "report.html"] {
            texts.push((format!("{f} of {extra:?}"), read(&out.join(f))));
        }
    }
    // The skip reports are there, by line.
    assert!(texts[0].1.contains("skipped"), "{}", texts[0].1);
    // Errors of a bad key, a missing variable, a bad config.
    for (args, env) in [
        (
            vec![
                "resolve",
                records.to_str().unwrap(),
                "--key-env",
                "OMNILINK_UNSET_VAR",
            ],
            vec![],
        ),
        (
            vec!["resolve", records.to_str().unwrap(), "--key-env", "K"],
            vec![("K", "short")],
        ),
    ] {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let (code, text) = cli(&args, &env);
        assert_ne!(code, 0, "{text}");
        assert!(
            !text.contains("short\n") && !text.contains("`short`"),
            "{text}"
        );
        texts.push(("error run".into(), text));
    }

    // The library with progress: stage names, figures, Debug of the result.
    let stages = std::sync::Mutex::new(String::new());
    let mut cfg = Config::default();
    cfg.context.candidate_regions = Region::MARKETS.to_vec().into();
    let res = omnilink::resolve_with_progress(&data.records, &cfg, &|s| {
        stages.lock().unwrap().push_str(s);
        stages.lock().unwrap().push('\n');
    })
    .unwrap();
    let lib = format!(
        "{}\n{res:?}\n{:?}\n{:?}\n{}",
        stages.lock().unwrap(),
        res.stats,
        res.hubs,
        serde_json::to_string(&res.stats).unwrap()
    );
    assert!(lib.contains("normalize") && lib.contains("cluster"));
    texts.push(("library output".into(), lib));

    for (what, text) in &texts {
        let found = leaks(&secrets, text);
        assert!(found.is_empty(), "{what} leaks: {found:?}");
    }
}

#[test]
fn the_scan_finds_a_planted_value() {
    // The scan itself can fail: a phone in another rendering and a name word are found.
    let r = Record::new("1", "web")
        .phone("8 (912) 345-67-89")
        .full_name("Анна Петрова")
        .country("RU");
    let s = all_secrets(std::slice::from_ref(&r));
    assert!(!leaks(&s, "call 79123456789 now").is_empty());
    assert!(!leaks(&s, "call (912) 345-67-89?").is_empty());
    assert_eq!(leaks(&s, "dear Петрова,").len(), 1);
    assert!(leaks(&s, "phone/invalid 3, rows 7").is_empty());
}

// ---------------------------------------------------------------------------------------
// Privacy-preserving mode gives the clear mode's partition.

fn assignment(records: &[Record], res: &omnilink::Resolution) -> BTreeMap<String, String> {
    records
        .iter()
        .zip(&res.memberships)
        .map(|(r, m)| {
            (
                format!("{}/{}", r.source, r.id),
                res.customers[m.customer as usize].id.0.clone(),
            )
        })
        .collect()
}

#[test]
fn keyed_mode_gives_the_clear_partition() {
    let data = synth::generate(&synth::Config::new(1500, 5)).unwrap();
    let mut cfg = Config::default();
    cfg.context.candidate_regions = Region::MARKETS.to_vec().into();
    let clear = resolve(&data.records, &cfg).unwrap();

    let key = IdentifierKey::new("shared secret of the two parties").unwrap();
    let mut keyed_cfg = cfg.clone();
    keyed_cfg.identifier_key = Some(key.clone());
    let keyed = resolve(&data.records, &keyed_cfg).unwrap();
    assert!(keyed.stats.identifier_key);
    assert_eq!(clear.stats.candidate_pairs, keyed.stats.candidate_pairs);
    assert_eq!(
        assignment(&data.records, &clear),
        assignment(&data.records, &keyed)
    );

    // Two parties: every other record arrives as tokens only, the rest in clear.
    let mixed: Vec<Record> = data
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i % 2 == 0 {
                pseudonymize(r, &cfg.context_for(&r.source), &key)
            } else {
                r.clone()
            }
        })
        .collect();
    let from_tokens = resolve(&mixed, &keyed_cfg).unwrap();
    assert_eq!(
        assignment(&data.records, &clear),
        assignment(&mixed, &from_tokens)
    );
    // No clear identifier of a pseudonymised record is left in it.
    let s = all_secrets(&data.records[..1]);
    let text = format!("{:?}", mixed[0].phones);
    assert!(leaks(&s, &text).is_empty());

    // Without the key, tokens match only tokens: clear values and tokens stay apart.
    let unkeyed = resolve(&mixed, &cfg).unwrap();
    assert!(unkeyed.customers.len() > clear.customers.len());
}

/// The two-party workflow on the command line: one side's export as tokens only, resolved
/// with the key, gives the clear run's memberships; the token file holds no identifier.
#[test]
fn pseudonymised_export_resolves_like_the_clear_one() {
    let data = synth::generate(&synth::Config::new(300, 31)).unwrap();
    let secrets = all_secrets(&data.records);
    let dir = Dir::new("two-party");
    data.write_csv(&dir.0).unwrap();
    let records = dir.0.join("records.csv");
    let key_file = dir.0.join("shared.key");
    std::fs::write(&key_file, "shared by the two parties only\n").unwrap();
    let tokens = dir.0.join("tokens.csv");
    let os = |s: &Path| s.as_os_str().to_owned();
    let run = |args: Vec<std::ffi::OsString>| {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, text) = cli(&args, &[]);
        assert_eq!(code, 0, "{text}");
        text
    };
    let text = run(vec![
        "pseudonymize".into(),
        os(&records),
        "--key-file".into(),
        os(&key_file),
        "-o".into(),
        os(&tokens),
    ]);
    let token_text = read(&tokens);
    assert!(token_text.contains("hmac-sha256:phone:"));
    for (what, t) in [("pseudonymize output", &text), ("token file", &token_text)] {
        let found: Vec<String> = leaks(&secrets, t)
            .into_iter()
            .filter(|l| l.starts_with("identifier") || l.starts_with("phone"))
            .collect();
        assert!(found.is_empty(), "{what} leaks: {found:?}");
    }
    let memberships = |input: &Path, name: &str, keyed: bool| -> Vec<String> {
        let out = dir.0.join(name);
        let mut args = vec!["resolve".into(), os(input), "-o".into(), os(&out)];
        if keyed {
            args.extend(["--key-file".into(), os(&key_file)]);
        }
        run(args);
        let mut lines: Vec<String> = read(&out.join("memberships.csv"))
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let clear = memberships(&records, "clear", false);
    assert!(clear.len() > 300);
    assert_eq!(clear, memberships(&tokens, "tokens", true));
    // Without the key, the token file still resolves (tokens match tokens) the same way.
    assert_eq!(clear, memberships(&tokens, "tokens-no-key", false));
}

/// The incremental resolver in keyed mode: a token joins the clear record it stands for,
/// and `lookup` by a raw value finds the customer through its keyed hash.
#[test]
fn resolver_in_keyed_mode() {
    use omnilink::normalize::FieldKind;
    use omnilink::resolver::Resolver;
    let key = IdentifierKey::new("resolver key, sixteen+ bytes").unwrap();
    let mut cfg = Config::for_region("RU");
    cfg.identifier_key = Some(key.clone());
    let r = Resolver::new(cfg.clone()).unwrap();
    let clear = Record::new("1", "bank")
        .phone("8 912 345-67-89")
        .full_name("Анна Петрова");
    let a = r.add(clear.clone()).unwrap();
    let token = pseudonymize(
        &Record::new("7", "shop")
            .phone("+7 (912) 345 67 89")
            .full_name("Анна Петрова"),
        &cfg.context_for("shop"),
        &key,
    );
    let b = r.add(token).unwrap();
    assert_eq!(a.customer, b.customer);
    assert_eq!(
        r.lookup(FieldKind::Phone, "+79123456789"),
        vec![a.customer.clone()]
    );
    assert!(r.lookup(FieldKind::Phone, "+79030000000").is_empty());
    // A resolver without the key keeps them apart (its keys are of the clear values).
    let plain = Resolver::new(Config::for_region("RU")).unwrap();
    let c = plain.add(clear).unwrap();
    let d = plain
        .add(pseudonymize(
            &Record::new("7", "shop").phone("+79123456789"),
            &cfg.context_for("shop"),
            &key,
        ))
        .unwrap();
    assert_ne!(c.customer, d.customer);
}
