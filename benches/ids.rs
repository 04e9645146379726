//! Cost of the identifier normalisers (e-mail, card, device, social) on typical input.
//!
//! `cargo bench --bench ids`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use omnilink::normalize::{card, device, email, social, Context, Network};

/// A case: name, normaliser (returns whether it kept the value), raw input, context.
type Case<'a> = (&'a str, fn(&str, &Context) -> bool, &'a str, &'a Context);

fn bench(c: &mut Criterion) {
    let ctx = Context::new();
    let ig = Context::new().social_network(Some(Network::Instagram));
    let cases: [Case; 10] = [
        (
            "email/plain",
            |r, c| email::normalize(r, c).is_ok(),
            "Anna.Petrova@Mail.ru",
            &ctx,
        ),
        (
            "email/gmail",
            |r, c| email::normalize(r, c).is_ok(),
            "A.N.N.A+shop@googlemail.com",
            &ctx,
        ),
        (
            "email/idn",
            |r, c| email::normalize(r, c).is_ok(),
            "Иван@Почта.рф",
            &ctx,
        ),
        (
            "card/loyalty",
            |r, c| card::normalize(r, c).is_ok(),
            "LC-0012 3457",
            &ctx,
        ),
        (
            "card/digits",
            |r, c| card::normalize(r, c).is_ok(),
            "7700 1234 5678",
            &ctx,
        ),
        (
            "card/bank_hash",
            |r, c| card::normalize(r, c).is_ok(),
            "4276 3800 1234 5679",
            &ctx,
        ),
        (
            "device/uuid",
            |r, c| device::normalize(r, c).is_ok(),
            "6D92078A-8246-4BA4-AE5B-76104861E7DC",
            &ctx,
        ),
        (
            "device/opaque",
            |r, c| device::normalize(r, c).is_ok(),
            "A1B2C3D4E5F60718",
            &ctx,
        ),
        (
            "social/url",
            |r, c| social::normalize(r, c).is_ok(),
            "https://www.instagram.com/Anna.Petrova/",
            &ctx,
        ),
        (
            "social/handle",
            |r, c| social::normalize(r, c).is_ok(),
            "@anna.petrova",
            &ig,
        ),
    ];
    for (name, f, raw, ctx) in cases {
        assert!(f(raw, ctx), "{name}");
        c.bench_function(name, |b| b.iter(|| f(black_box(raw), black_box(ctx))));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
