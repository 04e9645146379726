//! Stage 3b: the Fellegi-Sunter model that turns a [`Comparison`] into a match weight.
//!
//! For each field and level, `m` is the probability of that level among pairs of records of
//! one person and `u` among pairs of different people; the level's weight is `log2(m / u)`.
//! A pair's score is the prior log-odds plus the sum of its weights: the log2 odds that the
//! two records are one person. `u` is estimated from random pairs, `m` and the prior by
//! expectation-maximisation over the candidate pairs, so no labels are needed. An exact match
//! on a value carried by many records (a household phone) weighs less than one on a rare value:
//! its `u` is that value's frequency.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::compare::{Comparison, Field, Level};

/// Probabilities per field and level, indexed `[field][level]`.
pub type LevelTable = [[f64; Level::COUNT]; Field::COUNT];

/// A trained (or default) Fellegi-Sunter model. Serialises with serde and can be reused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Proportion of matches among candidate pairs.
    pub prior: f64,
    /// `m` probabilities, `[field][level]`; the `Missing` column is unused.
    pub m: LevelTable,
    /// `u` probabilities, `[field][level]`; the `Missing` column is unused.
    pub u: LevelTable,
    /// Number of records the model was trained on (for reference).
    pub records: u64,
    /// Cap on the weight of one field, in bits, so one field cannot outvote everything.
    pub max_field_weight: f64,
}

/// The weight of one field in a pair's score: a bar of a waterfall chart.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FieldWeight {
    /// The field.
    pub field: Field,
    /// Its level for this pair.
    pub level: Level,
    /// The weight in bits (0 for missing).
    pub weight: f64,
    /// How many records carry the shared value, for term-frequency adjusted exact matches.
    pub frequency: Option<u32>,
}

/// A pair's score, field by field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The prior log2 odds.
    pub prior: f64,
    /// One entry per field, in [`Field::ALL`] order.
    pub fields: Vec<FieldWeight>,
    /// Prior plus the field weights: the log2 odds of a match.
    pub score: f64,
    /// The score as a probability.
    pub probability: f64,
    /// The pair carries a confident contradiction and is never linked.
    pub contradiction: bool,
}

const MIN_P: f64 = 1e-6;

impl Default for Model {
    /// Hand-set starting values: sensible before training, the starting point of EM.
    fn default() -> Self {
        let ident = [0.0, 0.25, 0.05, 0.70];
        let ident_u = [0.0, 0.9999, 0.00005, 0.00005];
        let mut m = [[0.0; Level::COUNT]; Field::COUNT];
        let mut u = [[0.0; Level::COUNT]; Field::COUNT];
        for f in Field::ALL {
            let (mm, uu) = match f {
                Field::Phone | Field::Email | Field::Card | Field::Device | Field::Social => {
                    (ident, ident_u)
                }
                Field::FirstName => ([0.0, 0.03, 0.12, 0.85], [0.0, 0.95, 0.03, 0.02]),
                Field::LastName => ([0.0, 0.03, 0.10, 0.87], [0.0, 0.97, 0.02, 0.01]),
                Field::BirthDate => ([0.0, 0.02, 0.08, 0.90], [0.0, 0.9990, 0.0009, 0.0001]),
                Field::City => ([0.0, 0.10, 0.0, 0.90], [0.0, 0.90, 0.0, 0.10]),
            };
            m[f as usize] = mm;
            u[f as usize] = uu;
        }
        Model {
            prior: 0.3,
            m,
            u,
            records: 0,
            max_field_weight: 20.0,
        }
    }
}

fn log2_ratio(m: f64, u: f64) -> f64 {
    (m.max(MIN_P) / u.max(MIN_P)).log2()
}

impl Model {
    /// The prior log2 odds of a match.
    pub fn prior_weight(&self) -> f64 {
        let p = self.prior.clamp(MIN_P, 1.0 - MIN_P);
        (p / (1.0 - p)).log2()
    }

    /// The weight of `field` at `level`, before term-frequency adjustment.
    pub fn weight(&self, field: Field, level: Level) -> f64 {
        if level == Level::Missing {
            return 0.0;
        }
        let (f, l) = (field as usize, level as usize);
        log2_ratio(self.m[f][l], self.u[f][l]).clamp(-self.max_field_weight, self.max_field_weight)
    }

    /// The weight of an exact match on a value that `frequency` records carry: a value on
    /// `k` records is `k` times as likely to be shared by chance as a value on one record, so
    /// its `u` is `k` times the field's `u`. (Scaling by the count rather than by the share of
    /// all records keeps the weight meaningful on small inputs and in incremental use.)
    fn tf_weight(&self, field: Field, frequency: u32) -> f64 {
        let f = field as usize;
        let u = (self.u[f][Level::Exact as usize] * frequency as f64).min(1.0);
        log2_ratio(self.m[f][Level::Exact as usize], u)
            .clamp(-self.max_field_weight, self.max_field_weight)
    }

    fn field_weight(&self, c: &Comparison, field: Field) -> (Level, f64, Option<u32>) {
        let level = c.level(field);
        let freq = c.freq[field as usize];
        if level == Level::Exact && freq > 1 {
            (level, self.tf_weight(field, freq), Some(freq))
        } else {
            (level, self.weight(field, level), None)
        }
    }

    /// The log2 odds that the pair is a match. Pure arithmetic, no allocation.
    pub fn score(&self, c: &Comparison) -> f64 {
        let mut s = self.prior_weight();
        for f in Field::ALL {
            s += self.field_weight(c, f).1;
        }
        s
    }

    /// The score, field by field.
    pub fn explain(&self, c: &Comparison) -> Explanation {
        let prior = self.prior_weight();
        let fields: Vec<FieldWeight> = Field::ALL
            .iter()
            .map(|&field| {
                let (level, weight, frequency) = self.field_weight(c, field);
                FieldWeight {
                    field,
                    level,
                    weight,
                    frequency,
                }
            })
            .collect();
        let score = prior + fields.iter().map(|f| f.weight).sum::<f64>();
        Explanation {
            prior,
            fields,
            score,
            probability: probability(score),
            contradiction: c.contradicts(),
        }
    }

    /// Sets `u` from the comparison levels of (mostly non-matching) random pairs.
    /// Unseen levels get a small smoothed probability.
    pub fn set_u_from_sample(&mut self, sample: &[Comparison]) {
        for field in Field::ALL {
            let mut counts = [0u64; Level::COUNT];
            for c in sample {
                counts[c.level(field) as usize] += 1;
            }
            let present: u64 = counts[1..].iter().sum();
            if present == 0 {
                continue;
            }
            let denom = present as f64 + 1.0;
            for (l, &count) in counts.iter().enumerate().skip(1) {
                self.u[field as usize][l] = ((count as f64 + 0.5 / 3.0) / denom).max(MIN_P);
            }
        }
    }

    /// Estimates `m` and the prior by expectation-maximisation over comparison patterns
    /// (`pattern -> number of pairs`), holding `u` fixed. Returns the iterations used.
    pub fn fit_em(&mut self, patterns: &HashMap<u32, u64>, max_iter: usize, tol: f64) -> usize {
        let mut pats: Vec<(u32, u64)> = patterns.iter().map(|(&p, &n)| (p, n)).collect();
        pats.sort_unstable();
        let total: f64 = pats.iter().map(|&(_, n)| n as f64).sum();
        if total == 0.0 {
            return 0;
        }
        for iter in 1..=max_iter {
            let mut m_num = [[0.0f64; Level::COUNT]; Field::COUNT];
            let mut matches = 0.0;
            for &(p, n) in &pats {
                let c = Comparison {
                    pattern: p,
                    freq: [0; Field::COUNT],
                };
                let mut lm = self.prior.ln();
                let mut lu = (1.0 - self.prior).ln();
                for f in Field::ALL {
                    let l = c.level(f) as usize;
                    if l != 0 {
                        lm += self.m[f as usize][l].max(MIN_P).ln();
                        lu += self.u[f as usize][l].max(MIN_P).ln();
                    }
                }
                let post = 1.0 / (1.0 + (lu - lm).exp());
                let w = post * n as f64;
                matches += w;
                for f in Field::ALL {
                    let l = c.level(f) as usize;
                    if l != 0 {
                        m_num[f as usize][l] += w;
                    }
                }
            }
            let mut change: f64 = 0.0;
            let new_prior = (matches / total).clamp(MIN_P, 1.0 - MIN_P);
            change = change.max((new_prior - self.prior).abs());
            self.prior = new_prior;
            for (num, m) in m_num.iter().zip(self.m.iter_mut()) {
                let present: f64 = num[1..].iter().sum();
                if present <= 0.0 {
                    continue;
                }
                for (n, slot) in num.iter().zip(m.iter_mut()).skip(1) {
                    let v = (n / present).max(MIN_P);
                    change = change.max((v - *slot).abs());
                    *slot = v;
                }
            }
            if change < tol {
                return iter;
            }
        }
        max_iter
    }
}

/// Converts log2 odds to a probability.
pub fn probability(score: f64) -> f64 {
    1.0 / (1.0 + (-score).exp2())
}

/// Converts a probability to log2 odds.
pub fn log2_odds(p: f64) -> f64 {
    let p = p.clamp(MIN_P, 1.0 - MIN_P);
    (p / (1.0 - p)).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws comparison patterns from known m, u and prior, and checks that EM recovers m.
    #[test]
    fn em_recovers_known_parameters() {
        let mut truth = Model {
            prior: 0.4,
            ..Model::default()
        };
        truth.m[Field::Phone as usize] = [0.0, 0.3, 0.0, 0.7];
        truth.u[Field::Phone as usize] = [0.0, 0.95, 0.0, 0.05];
        truth.m[Field::FirstName as usize] = [0.0, 0.05, 0.15, 0.8];
        truth.u[Field::FirstName as usize] = [0.0, 0.8, 0.1, 0.1];
        truth.m[Field::LastName as usize] = [0.0, 0.1, 0.1, 0.8];
        truth.u[Field::LastName as usize] = [0.0, 0.7, 0.1, 0.2];
        truth.m[Field::BirthDate as usize] = [0.0, 0.1, 0.1, 0.8];
        truth.u[Field::BirthDate as usize] = [0.0, 0.9, 0.05, 0.05];
        let used = [
            Field::Phone,
            Field::FirstName,
            Field::LastName,
            Field::BirthDate,
        ];
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state = crate::hash::mix(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut patterns: HashMap<u32, u64> = HashMap::new();
        for _ in 0..200_000 {
            let is_match = next() < truth.prior;
            let mut pat = 0u32;
            for f in used {
                let probs = if is_match {
                    truth.m[f as usize]
                } else {
                    truth.u[f as usize]
                };
                let r = next();
                let mut acc = 0.0;
                let mut level = 3;
                for (l, p) in probs.iter().enumerate().skip(1) {
                    acc += p;
                    if r < acc {
                        level = l;
                        break;
                    }
                }
                pat |= (level as u32) << (2 * f as u32);
            }
            *patterns.entry(pat).or_default() += 1;
        }
        let mut model = Model {
            u: truth.u,
            ..Model::default()
        };
        let iters = model.fit_em(&patterns, 500, 1e-7);
        assert!(iters < 500, "EM did not converge");
        assert!((model.prior - 0.4).abs() < 0.02, "prior {}", model.prior);
        for f in used {
            for l in 1..4 {
                let (got, want) = (model.m[f as usize][l], truth.m[f as usize][l]);
                assert!(
                    (got - want).abs() < 0.03,
                    "{f:?} level {l}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn term_frequency_lowers_common_values() {
        let mut model = Model {
            records: 1_000_000,
            ..Model::default()
        };
        model.u[Field::Phone as usize][Level::Exact as usize] = 1e-7;
        let mut c = Comparison {
            pattern: (Level::Exact as u32) << (2 * Field::Phone as u32),
            ..Comparison::default()
        };
        let rare = model.score(&c);
        c.freq[Field::Phone as usize] = 40;
        let common = model.score(&c);
        c.freq[Field::Phone as usize] = 2;
        let pair = model.score(&c);
        assert!(rare >= pair && pair > common, "{rare} {pair} {common}");
        let e = model.explain(&c);
        assert!((e.score - pair).abs() < 1e-9);
        assert_eq!(e.fields[0].frequency, Some(2));
    }

    #[test]
    fn serde_round_trip() {
        let m = Model::default();
        let s = serde_json::to_string(&m).unwrap();
        let back: Model = serde_json::from_str(&s).unwrap();
        assert_eq!(m, back);
    }
}
