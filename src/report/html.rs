//! The report page: headline figures, tables and the charts, in one HTML file with its style
//! inline and no script.

use std::fmt::Write as _;

use super::chart::{self, BLUE, GREEN, RED};
use super::data::{Outputs, LARGEST};

/// Hubs listed in the hubs table.
const HUBS_LISTED: usize = 50;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;\
color:#1f2328;background:#f6f8fa}\
main{max-width:860px;margin:0 auto;padding:24px}\
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:32px 0 8px;\
border-bottom:1px solid #d0d7de;padding-bottom:4px}\
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 16px 16px;\
margin:16px 0}\
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#fff;border:1px solid #d0d7de;\
border-radius:6px;padding:8px 12px;min-width:120px}.card b{display:block;font-size:1.3em}\
.card span{color:#59636e;font-size:.85em}\
table{border-collapse:collapse;font-size:.9em;margin:8px 0}td,th{padding:3px 8px;\
border-bottom:1px solid #eaeef2;text-align:left}td.n,th.n{text-align:right;\
font-variant-numeric:tabular-nums}\
.note{color:#59636e;font-size:.9em}.warn{color:#9a3412}\
svg{max-width:100%;height:auto;display:block}code{font-size:.9em}";

/// `s` with the characters HTML gives a meaning escaped.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A count with thousands separated by thin spaces.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// Appends a chart as a figure with the element id `id`, or the reason it could not be drawn.
fn figure(page: &mut String, id: &str, svg: Result<String, String>, caption: &str) {
    match svg {
        Ok(svg) => {
            let _ = write!(
                page,
                "<figure id=\"{id}\">{svg}<figcaption class=\"note\">{}</figcaption></figure>",
                esc(caption)
            );
        }
        Err(e) => {
            let _ = write!(page, "<p class=\"warn\">chart not drawn: {}</p>", esc(&e));
        }
    }
}

fn table(page: &mut String, head: &[&str], numeric: &[bool], rows: &[Vec<String>]) {
    page.push_str("<table><thead><tr>");
    for (i, h) in head.iter().enumerate() {
        let class = if numeric.get(i) == Some(&true) {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(page, "<th{class}>{}</th>", esc(h));
    }
    page.push_str("</tr></thead><tbody>");
    for row in rows {
        page.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if numeric.get(i) == Some(&true) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(page, "<td{class}>{}</td>", esc(cell));
        }
        page.push_str("</tr>");
    }
    page.push_str("</tbody></table>");
}

fn probability(bits: f64) -> f64 {
    1.0 / (1.0 + (-bits).exp2())
}

/// Cluster sizes grouped for a chart: every size when they are few, else ranges.
fn size_groups(sizes: &std::collections::BTreeMap<u32, u64>) -> (Vec<String>, Vec<u64>) {
    if sizes.len() <= 24 {
        return (
            sizes.keys().map(|k| k.to_string()).collect(),
            sizes.values().copied().collect(),
        );
    }
    let mut edges: Vec<u32> = (1..=10).collect();
    let mut e = 10u32;
    while e < u32::MAX / 10 {
        edges.extend([e * 2, e * 5, e * 10]);
        e *= 10;
    }
    let (mut labels, mut counts) = (Vec::new(), Vec::new());
    for (i, &a) in edges.iter().enumerate() {
        let b = edges.get(i + 1).map_or(u32::MAX, |&b| b - 1);
        let c: u64 = sizes.range(a..=b).map(|(_, n)| n).sum();
        if c == 0 && sizes.range(a..).next().is_none() {
            break;
        }
        labels.push(if a == b {
            a.to_string()
        } else {
            format!("{}-{b}", a)
        });
        counts.push(c);
    }
    (labels, counts)
}

/// The whole page.
pub(crate) fn page(o: &Outputs) -> String {
    let s = &o.summary;
    let st = &s.stats;
    let m = &o.memberships;
    let mut p = String::with_capacity(64 * 1024);
    let _ = write!(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>omnilink report</title><style>{STYLE}</style></head><body><main>"
    );
    p.push_str("<h1>omnilink report</h1>");
    let inputs: Vec<String> = s.inputs.iter().map(|i| esc(i)).collect();
    let _ = write!(
        p,
        "<p class=\"note\">Inputs: {}. Drawn from the run's outputs; counts, hashed keys and \
         ids only, no identifier value.</p>",
        if inputs.is_empty() {
            "not named".to_string()
        } else {
            inputs.join(", ")
        }
    );

    // Headline figures.
    let model = if !st.trained {
        "not trained (starting weights)".to_string()
    } else if st.em_converged {
        format!("EM converged in {} iterations", st.em_iterations)
    } else {
        format!("EM did not converge in {} iterations", st.em_iterations)
    };
    let cards: [(String, &str); 10] = [
        (count(s.rows_read), "rows read"),
        (count(s.records_resolved), "records resolved"),
        (count(s.rows_skipped), "rows skipped"),
        (count(s.duplicate_ids), "duplicate ids (kept)"),
        (count(st.customers), "customers"),
        (count(s.hubs), "hubs"),
        (count(st.candidate_pairs), "candidate pairs"),
        (count(st.accepted_pairs), "pairs over the threshold"),
        (format!("{:.2} bits", st.threshold), "match threshold"),
        (model, "model"),
    ];
    p.push_str("<h2>Summary</h2><div class=\"cards\">");
    for (v, k) in &cards {
        let _ = write!(
            p,
            "<div class=\"card\"><b>{}</b><span>{}</span></div>",
            esc(v),
            esc(k)
        );
    }
    p.push_str("</div>");
    let _ = write!(
        p,
        "<p class=\"note\">Threshold {:.2} bits is a match probability of {:.4}. Reduction ratio \
         {:.6}; {} candidate pairs contradicted each other, {} links were guarded against \
         joining contradicting clusters, {} records were left out as ambiguous.{}</p>",
        st.threshold,
        probability(st.threshold),
        st.reduction_ratio,
        count(st.contradicting_pairs),
        count(st.guarded_edges),
        count(st.ambiguous_records),
        if st.identifier_key {
            " Privacy mode: identifiers were compared as keyed hashes only."
        } else {
            ""
        }
    );

    // Records read and skipped.
    p.push_str("<h2>Records read and skipped</h2><section id=\"records\">");
    let mut by_source: Vec<(String, u64)> = m
        .sources
        .iter()
        .cloned()
        .zip(m.records_per_source.iter().copied())
        .collect();
    by_source.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rows: Vec<Vec<String>> = by_source
        .iter()
        .map(|(src, n)| vec![src.clone(), count(*n)])
        .collect();
    p.push_str("<p>Records per source (channel):</p>");
    table(&mut p, &["source", "records"], &[false, true], &rows);
    if s.skipped.is_empty() {
        p.push_str("<p>No row was skipped.</p>");
    } else {
        let mut reasons: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
        for k in &s.skipped {
            *reasons
                .entry((k.input.as_str(), k.reason.as_str()))
                .or_default() += 1;
        }
        let rows: Vec<Vec<String>> = reasons
            .iter()
            .map(|((input, reason), n)| {
                vec![input.to_string(), reason.replace('_', " "), count(*n)]
            })
            .collect();
        p.push_str("<p>Rows skipped, by input and reason (lines are in summary.json):</p>");
        table(
            &mut p,
            &["input", "reason", "rows"],
            &[false, false, true],
            &rows,
        );
    }
    p.push_str("</section>");

    // Scores.
    p.push_str("<h2>Match scores</h2><section id=\"scores\">");
    let mark = format!("threshold {:.2}", st.threshold);
    if m.scores.is_empty() {
        p.push_str("<p>No record was linked to another: there are no scores to show.</p>");
    } else {
        figure(
            &mut p,
            "chart-scores",
            chart::histogram_log(
                &chart::bins(&m.scores, st.threshold),
                st.threshold,
                &mark,
                "score of the link holding a record in its customer (log2 odds, bits)",
            ),
            &format!(
                "Scores of the strongest link of each of {} linked records (memberships.csv); \
                 {} records are alone in their customer and have none. Links below the \
                 threshold do not join records.",
                count(m.scores.len() as u64),
                count(m.unscored)
            ),
        );
    }
    match &o.pairs {
        Some(pairs) if !pairs.scores.is_empty() => {
            figure(
                &mut p,
                "chart-pair-scores",
                chart::histogram_log(
                    &chart::bins(&pairs.scores, st.threshold),
                    st.threshold,
                    &mark,
                    "score of a pair of records in one customer (bits)",
                ),
                &format!(
                    "Scores of all {} pairs of records inside a customer (pairs.csv).",
                    count(pairs.scores.len() as u64)
                ),
            );
            if !pairs.nearest.is_empty() {
                p.push_str(
                    "<p>How the pairs nearest the threshold are scored: each field's weight \
                     added to the prior (the numbers <code>omnilink explain</code> gives).</p>",
                );
            }
            for (i, (score, weights)) in pairs.nearest.iter().enumerate() {
                let prior = score - weights.iter().sum::<f64>();
                let mut steps = vec![("prior and name frequency".to_string(), prior)];
                steps.extend(
                    pairs
                        .fields
                        .iter()
                        .zip(weights)
                        .filter(|(_, &w)| w != 0.0)
                        .map(|(f, &w)| (f.clone(), w)),
                );
                figure(
                    &mut p,
                    &format!("chart-waterfall-{}", i + 1),
                    chart::waterfall(&steps, st.threshold),
                    &format!("Pair {} near the threshold: score {score:.2} bits.", i + 1),
                );
            }
        }
        Some(_) => p.push_str("<p class=\"note\">pairs.csv holds no pair.</p>"),
        None => p.push_str(
            "<p class=\"note\">Run <code>resolve</code> with <code>--pairs</code> to add the \
             scores of every linked pair and waterfalls of the pairs near the threshold.</p>",
        ),
    }
    p.push_str("</section>");

    // Model.
    p.push_str("<h2>Model</h2><section id=\"model\">");
    match &o.model {
        None => p.push_str(
            "<p class=\"note\">No model.json in the outputs (written by <code>resolve</code> \
             since the report was added): the model's figures are not shown.</p>",
        ),
        Some(model) => {
            let _ = write!(
                p,
                "<p>Prior: {:.2} bits (a random pair of records is one person with odds \
                 1 : {:.0}); {:.2} expected other records per person over {} records. Each \
                 level's weight is log2(m / u), capped at {:.0} bits; an exact match on an \
                 identifier or a family name is weighed by how common the value is, from \
                 this weight.</p>",
                model.prior,
                (-model.prior).exp2(),
                model.model.matches_per_record,
                count(model.model.records),
                model.model.max_field_weight
            );
            let (mut labels, mut values, mut colors) = (Vec::new(), Vec::new(), Vec::new());
            let mut rows = Vec::new();
            for f in &model.fields {
                for l in &f.levels {
                    let level = serde_json::to_string(&l.level).unwrap_or_default();
                    let level = level.trim_matches('"').to_string();
                    labels.push(format!("{} {level}", f.name));
                    values.push(l.weight);
                    colors.push(if l.weight < 0.0 { RED } else { GREEN });
                    rows.push(vec![
                        f.name.clone(),
                        level,
                        format!("{:.5}", l.m),
                        format!("{:.3e}", l.u),
                        format!("{:.2}", l.weight),
                    ]);
                }
            }
            figure(
                &mut p,
                "chart-model",
                chart::hbars(&labels, &values, &colors, "match weight (bits)"),
                "Match weight per field and comparison level.",
            );
            table(
                &mut p,
                &["field", "level", "m", "u", "weight (bits)"],
                &[false, false, true, true, true],
                &rows,
            );
        }
    }
    p.push_str("</section>");

    // Clusters.
    p.push_str("<h2>Customers</h2><section id=\"customers\">");
    let (labels, counts) = size_groups(&st.cluster_sizes);
    figure(
        &mut p,
        "chart-cluster-sizes",
        chart::vbars_log(
            &labels,
            &counts,
            "records per customer",
            "customers (log scale)",
        ),
        "Cluster size distribution: how many customers hold so many records.",
    );
    let _ = write!(
        p,
        "<p>The {} largest customers and their channel mix:</p>",
        LARGEST.min(m.largest.len())
    );
    let rows: Vec<Vec<String>> = m
        .largest
        .iter()
        .map(|c| {
            let mix: Vec<String> = c
                .mix
                .iter()
                .map(|&(s, n)| format!("{} {}", m.sources.get(s).map_or("?", |x| x.as_str()), n))
                .collect();
            vec![c.id.clone(), count(c.records), mix.join(", ")]
        })
        .collect();
    table(
        &mut p,
        &["customer", "records", "records per source"],
        &[false, true, false],
        &rows,
    );
    p.push_str("</section>");

    // Channel x channel.
    p.push_str("<h2>Channels linked</h2><section id=\"channels\">");
    p.push_str(
        "<p>Customers holding records of both sources (on the diagonal: customers holding \
         records of the source).</p><table><thead><tr><th></th>",
    );
    for src in &m.sources {
        let _ = write!(p, "<th class=\"n\">{}</th>", esc(src));
    }
    p.push_str("</tr></thead><tbody>");
    let top = m.links.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    for (a, row) in m.links.iter().enumerate() {
        let _ = write!(p, "<tr><th>{}</th>", esc(&m.sources[a]));
        for &n in row {
            let alpha = (n as f64 / top).sqrt() * 0.55;
            let _ = write!(
                p,
                "<td class=\"n\" style=\"background:rgba({},{},{},{alpha:.2})\">{}</td>",
                BLUE.0,
                BLUE.1,
                BLUE.2,
                count(n)
            );
        }
        p.push_str("</tr>");
    }
    p.push_str("</tbody></table></section>");

    // Blocking and hubs.
    p.push_str("<h2>Blocking and hubs</h2><section id=\"blocking\">");
    let rules: Vec<_> = st.rules.iter().filter(|r| r.rule.is_some()).collect();
    if !rules.is_empty() {
        let labels: Vec<String> = rules
            .iter()
            .map(|r| r.rule.clone().unwrap_or_default())
            .collect();
        let values: Vec<f64> = rules.iter().map(|r| r.pairs as f64).collect();
        figure(
            &mut p,
            "chart-rules",
            chart::hbars(&labels, &values, &[], "candidate pairs"),
            "Candidate pairs per blocking rule, before pairs found by several rules are counted once.",
        );
        let rows: Vec<Vec<String>> = rules
            .iter()
            .map(|r| {
                vec![
                    r.rule.clone().unwrap_or_default(),
                    count(r.pairs),
                    count(r.hubs),
                    if r.skipped {
                        "over the pair limit: skipped".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        table(
            &mut p,
            &["rule", "pairs", "hubs", ""],
            &[false, true, true, false],
            &rows,
        );
    }
    if o.hubs.is_empty() {
        p.push_str("<p>No value was set aside as a hub.</p>");
    } else {
        let _ = write!(
            p,
            "<p>Values shared by too many records to block on (hubs), largest first{}; the \
             value is shown only as its hash.</p>",
            if o.hubs.len() > HUBS_LISTED {
                format!(
                    ", {HUBS_LISTED} of {} (all are in hubs.csv)",
                    count(o.hubs.len() as u64)
                )
            } else {
                String::new()
            }
        );
        let rows: Vec<Vec<String>> = o
            .hubs
            .iter()
            .take(HUBS_LISTED)
            .map(|h| {
                let sources: Vec<String> =
                    h.sources.iter().map(|(s, n)| format!("{s} {n}")).collect();
                vec![
                    h.key_hash.clone(),
                    h.rule.clone(),
                    count(h.records),
                    sources.join(", "),
                ]
            })
            .collect();
        table(
            &mut p,
            &["hashed key", "kind (rule)", "records", "sources"],
            &[false, false, true, false],
            &rows,
        );
    }
    p.push_str("</section>");

    // Rejected values.
    p.push_str("<h2>Rejected values</h2><section id=\"rejected\">");
    if st.rejected.is_empty() {
        p.push_str("<p>No value was rejected by normalisation.</p>");
    } else {
        let mut rejected: Vec<(&String, &u64)> = st.rejected.iter().collect();
        rejected.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let labels: Vec<String> = rejected.iter().map(|(k, _)| k.replace('/', ": ")).collect();
        let values: Vec<f64> = rejected.iter().map(|(_, &n)| n as f64).collect();
        figure(
            &mut p,
            "chart-rejected",
            chart::hbars(&labels, &values, &[], "values rejected"),
            "Values that did not normalise, per kind and reason (the record is kept without them).",
        );
        let rows: Vec<Vec<String>> = rejected
            .iter()
            .map(|(k, &n)| {
                let (kind, reason) = k.split_once('/').unwrap_or((k.as_str(), ""));
                vec![kind.to_string(), reason.replace('_', " "), count(n)]
            })
            .collect();
        table(
            &mut p,
            &["kind", "reason", "values"],
            &[false, false, true],
            &rows,
        );
    }
    p.push_str("</section>");

    // Times.
    p.push_str("<h2>Stage times</h2><section id=\"times\">");
    let mut labels = vec!["read".to_string()];
    let mut values = vec![s.read_ms];
    // The pipeline's order, then any stage it does not know.
    let order = crate::resolve::STAGES;
    let rank = |k: &str| order.iter().position(|&o| o == k).unwrap_or(order.len());
    let mut stages: Vec<(&String, &f64)> = st.stage_ms.iter().collect();
    stages.sort_by_key(|(k, _)| rank(k));
    for (k, v) in stages {
        labels.push(k.clone());
        values.push(*v);
    }
    labels.push("write".to_string());
    values.push(s.write_ms);
    figure(
        &mut p,
        "chart-stage-times",
        chart::hbars(&labels, &values, &[], "milliseconds"),
        &format!("Wall time per stage; {:.0} ms in all.", s.total_ms),
    );
    p.push_str("</section>");
    p.push_str("</main></body></html>\n");
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_counts() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(count(1234567), "1\u{2009}234\u{2009}567");
        assert_eq!(count(999), "999");
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn hubs_skips_and_names_are_shown_escaped() {
        use super::super::data::{HubRow, Memberships, SkipRow, Summary};
        let summary = Summary {
            inputs: vec!["a<b>.csv".into()],
            rows_skipped: 2,
            skipped: vec![
                SkipRow {
                    input: "a<b>.csv".into(),
                    reason: "ragged".into(),
                };
                2
            ],
            ..Summary::default()
        };
        let o = Outputs {
            summary,
            memberships: Memberships {
                sources: vec!["web".into(), "till".into()],
                records_per_source: vec![3, 1],
                links: vec![vec![2, 1], vec![1, 1]],
                ..Memberships::default()
            },
            hubs: vec![HubRow {
                rule: "phone".into(),
                key_hash: "9f86d081884c".into(),
                records: 412,
                sources: vec![("till".into(), 400), ("web".into(), 12)],
            }],
            model: None,
            pairs: None,
        };
        let page = page(&o);
        assert!(page.contains("a&lt;b&gt;.csv") && !page.contains("a<b>"));
        assert!(page.contains("<td>9f86d081884c</td><td>phone</td><td class=\"n\">412</td>"));
        assert!(page.contains("till 400, web 12"));
        assert!(page.contains("<td>ragged</td><td class=\"n\">2</td>"));
        assert!(page.contains("No record was linked"));
    }

    #[test]
    fn many_cluster_sizes_are_grouped() {
        let few: std::collections::BTreeMap<u32, u64> = [(1, 10), (2, 3), (7, 1)].into();
        assert_eq!(
            size_groups(&few),
            (vec!["1".into(), "2".into(), "7".into()], vec![10, 3, 1])
        );
        let many: std::collections::BTreeMap<u32, u64> = (1..=40).map(|k| (k, 1)).collect();
        let (labels, counts) = size_groups(&many);
        assert_eq!(labels[..3], ["1", "2", "3"]);
        assert_eq!(labels.last().unwrap(), "20-49");
        assert_eq!(counts.iter().sum::<u64>(), 40);
    }
}
