//! Stage 3b: the Fellegi-Sunter model that turns a [`Comparison`] into a match weight.
//!
//! For each field and level, `m` is the probability of that level among pairs of records of
//! one person and `u` among pairs of different people; the level's weight is `log2(m / u)`.
//! A pair's score is the prior log-odds plus the sum of its weights: the log2 odds that the
//! two records are one person. The prior is that of a random pair of records (blocking only
//! saves work, it does not change the odds). `u` is estimated from random pairs, `m` and the
//! prior by expectation-maximisation over the candidate pairs, so no labels are needed.
//!
//! Exact matches are term-frequency aware. A family name carried by `k` records has
//! `u = k / n`. An identifier value (phone, e-mail, card, device, handle) is weighed by how
//! many different *people* carry it, as estimated by blocking: a value carried by one person
//! has `u = shared_value_error / n`, a household's phone carried by three people has
//! `u = 2 / n`, so it alone cannot link.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::compare::{Comparison, Field, Level};

/// Probabilities per field and level, indexed `[field][level]`.
pub type LevelTable = [[f64; Level::COUNT]; Field::COUNT];

/// How many comparisons came out at each level of each field: what `u` is estimated from,
/// gathered in parallel without keeping the comparisons.
///
/// ```
/// use omnilink::compare::{Comparison, Field, Level};
/// use omnilink::model::LevelCounts;
/// // Nothing to compare: every field is missing.
/// let c = Comparison::default();
/// let mut counts = LevelCounts::default();
/// counts.add(&c);
/// counts.add(&c);
/// assert_eq!(counts.get(Field::Phone, Level::Missing), 2);
/// assert_eq!(counts.get(Field::Phone, Level::Exact), 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelCounts([[u64; Level::COUNT]; Field::COUNT]);

impl LevelCounts {
    /// Counts the level of every field of `c`.
    pub fn add(&mut self, c: &Comparison) {
        for field in Field::ALL {
            self.0[field as usize][c.level(field) as usize] += 1;
        }
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &LevelCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }

    /// Comparisons with `field` at `level`.
    pub fn get(&self, field: Field, level: Level) -> u64 {
        self.0[field as usize][level as usize]
    }
}

/// A trained (or default) Fellegi-Sunter model. Serialises with serde and can be reused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Expected number of other records of the same person per record (the prior of a
    /// random pair is this over `records - 1`).
    pub matches_per_record: f64,
    /// `m` probabilities, `[field][level]`; the `Missing` column is unused.
    pub m: LevelTable,
    /// `u` probabilities, `[field][level]`; the `Missing` column is unused.
    pub u: LevelTable,
    /// Number of records in the population being resolved (sets the prior and the `u` of
    /// identifier values).
    pub records: u64,
    /// For an identifier value carried by one person: how many people per record, on
    /// average, would share it without the data showing it (a household member with no name
    /// on file). Sets how far a single shared value can be trusted.
    pub shared_value_error: f64,
    /// Cap on the weight of one field, in bits, so one field cannot outvote everything.
    pub max_field_weight: f64,
    /// Per field (in [`Field::ALL`] order; identifiers only), the share of values carried by
    /// more than one person, as estimated from the data ([`crate::block::Sharing`]). When
    /// set (strict households), a value that looks like one person's is trusted only as far
    /// as this rate allows; 0 leaves `shared_value_error` alone.
    #[serde(default)]
    pub shared_value_rates: [f64; Field::COUNT],
}

/// `w` limited to `[-limit, limit]`. Unlike `f64::clamp`, never panics: a model read from a
/// file may hold a negative or NaN limit (then `|limit|` is used, and NaN leaves `w` as is).
fn cap(w: f64, limit: f64) -> f64 {
    let limit = limit.abs();
    if limit.is_nan() {
        w
    } else {
        w.max(-limit).min(limit)
    }
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

/// A full name carried by this many records or fewer is taken as one person's own records
/// and keeps the two names' separate weights; beyond it, the name's frequency takes over.
const FULL_NAME_OWN_RECORDS: u32 = 2;

/// The least population the prior and the frequencies are read against: a handful of
/// records is read as part of a population at least this large, so that a shared name in a
/// small input does not look like a coincidence.
pub const MIN_POPULATION: f64 = 10_000.0;

impl Default for Model {
    /// Hand-set starting values: sensible before training, the starting point of EM.
    fn default() -> Self {
        let ident = [0.0, 0.06, 0.01, 0.93];
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
                Field::IdNumber => ([0.0, 0.04, 0.04, 0.92], ident_u),
                Field::Postcode => ([0.0, 0.08, 0.04, 0.88], [0.0, 0.97, 0.02, 0.01]),
                Field::Address => ([0.0, 0.08, 0.07, 0.85], [0.0, 0.995, 0.004, 0.001]),
                Field::Attribute1 | Field::Attribute2 | Field::Attribute3 | Field::Attribute4 => {
                    ([0.0, 0.08, 0.04, 0.88], [0.0, 0.70, 0.05, 0.25])
                }
            };
            m[f as usize] = mm;
            u[f as usize] = uu;
        }
        Model {
            matches_per_record: 1.5,
            m,
            u,
            records: 0,
            shared_value_error: 0.01,
            max_field_weight: 30.0,
            shared_value_rates: [0.0; Field::COUNT],
        }
    }
}

/// The pair agrees exactly on a contact identifier (phone, e-mail, card, device, handle):
/// the values a household shares. An identity number is one person's own.
fn shares_identifier(c: &Comparison) -> bool {
    Field::STRONG
        .iter()
        .any(|&f| f != Field::IdNumber && c.level(f) == Level::Exact)
}

fn log2_ratio(m: f64, u: f64) -> f64 {
    (m.max(MIN_P) / u.max(1e-15)).log2()
}

impl Model {
    /// The population size the prior and frequencies are read against. Small inputs are
    /// read as part of a population of at least [`MIN_POPULATION`] records, so that a
    /// handful of records does not make every shared name look like a coincidence.
    fn population(&self) -> f64 {
        (self.records as f64).max(MIN_POPULATION)
    }

    /// The prior log2 odds that a random pair of records is a match.
    pub fn prior_weight(&self) -> f64 {
        let p = (self.matches_per_record / (self.population() - 1.0)).clamp(1e-15, 1.0 - MIN_P);
        (p / (1.0 - p)).log2()
    }

    /// The weight of `field` at `level`, before term-frequency adjustment.
    pub fn weight(&self, field: Field, level: Level) -> f64 {
        if level == Level::Missing {
            return 0.0;
        }
        let (f, l) = (field as usize, level as usize);
        cap(
            log2_ratio(self.m[f][l], self.u[f][l]),
            self.max_field_weight,
        )
    }

    /// The weight of an exact match on a value that `frequency` people (identifiers) or
    /// records (family names) carry.
    fn tf_weight(&self, field: Field, frequency: u32) -> f64 {
        let f = field as usize;
        let n = self.population();
        let u = if field.key_kind().is_some() && field != Field::LastName {
            (frequency.saturating_sub(1) as f64)
                .max(self.shared_value_error)
                .max(self.shared_value_rates[f])
                / n
        } else {
            (frequency as f64 / n).max(self.u[f][Level::Exact as usize])
        };
        cap(
            log2_ratio(self.m[f][Level::Exact as usize], u.min(1.0)),
            self.max_field_weight,
        )
    }

    fn field_weight(&self, c: &Comparison, field: Field) -> (Level, f64, Option<u32>) {
        let level = c.level(field);
        let freq = c.freq[field as usize];
        let identifier = field.key_kind().is_some() && field != Field::LastName;
        let (weight, frequency) = if level == Level::Exact && (identifier || freq > 1) {
            (self.tf_weight(field, freq.max(1)), Some(freq.max(1)))
        } else {
            (self.weight(field, level), None)
        };
        // People who share a phone, a card or a tablet are households: they share a family
        // name, a city and an address too, so beside a shared identifier those agreements say nothing,
        // unless the given names agree as well (household members' given names differ).
        let household_like = match field {
            Field::City | Field::Postcode | Field::Address => true,
            Field::LastName => c.level(Field::FirstName) < Level::Close,
            _ => false,
        };
        if household_like && shares_identifier(c) {
            (level, weight.min(0.0), None)
        } else {
            (level, weight, frequency)
        }
    }

    /// The joint weight of equal given and family names, from how many records carry that
    /// full name: common full names ("Ivan Ivanov") say less than the two names' separate
    /// frequencies suggest. Returns the adjustment to add to the family-name weight.
    fn full_name_adjustment(&self, c: &Comparison, first: f64, last: f64) -> f64 {
        // One person's own records: the record and its expected matches (from EM), at
        // least FULL_NAME_OWN_RECORDS; carriers beyond them are the competition.
        let own = (1.0 + self.matches_per_record).max(f64::from(FULL_NAME_OWN_RECORDS));
        let freq = f64::from(c.full_name_freq);
        if freq <= own
            || c.level(Field::FirstName) != Level::Exact
            || c.level(Field::LastName) != Level::Exact
        {
            return 0.0;
        }
        let m = self.m[Field::FirstName as usize][Level::Exact as usize]
            * self.m[Field::LastName as usize][Level::Exact as usize];
        let u = (freq - own).max(1.0) / self.population();
        let joint = log2_ratio(m, u.min(1.0));
        // Only ever lowers the evidence: independence overcounts shared full names.
        (joint - (first + last)).min(0.0)
    }

    /// The log2 odds that the pair is a match. Pure arithmetic, no allocation.
    pub fn score(&self, c: &Comparison) -> f64 {
        let mut s = self.prior_weight();
        let mut w = [0.0; Field::COUNT];
        for f in Field::ALL {
            w[f as usize] = self.field_weight(c, f).1;
            s += w[f as usize];
        }
        s + self.full_name_adjustment(c, w[Field::FirstName as usize], w[Field::LastName as usize])
    }

    /// `true` when the pair is never to be linked: it shares only what namesakes share
    /// against identifiers that differ ([`Comparison::names_against_identifiers`]), or it
    /// carries a confident contradiction ([`Comparison::contradicts`]) that its other
    /// evidence does not overrule.
    ///
    /// One disagreement (the given name or the birth date) is overruled when the other of
    /// the two agrees, or both when the pair shares an identity number, and the evidence a
    /// household could not share (everything but phones, e-mails, cards, devices and
    /// handles, which families hold in common) reaches `threshold` on its own, disagreement
    /// included: a typo in a name on a record that
    /// shares the birth date, the address and an identity number. A family sharing a phone
    /// and an address but not a birth date stays apart, and so do two people of one name
    /// whose birth dates differ.
    pub fn contradicts(&self, c: &Comparison, threshold: f64) -> bool {
        if c.names_against_identifiers() {
            return true;
        }
        if !c.contradicts() {
            return false;
        }
        let first = c.level(Field::FirstName) == Level::Different;
        let dob = c.level(Field::BirthDate) == Level::Different;
        if first && dob {
            // Both disagree: only a shared identity number lets the rest of the evidence
            // speak ([`Comparison::contradicts`]).
            if c.level(Field::IdNumber) != Level::Exact {
                return true;
            }
        } else {
            let other = if first {
                c.level(Field::BirthDate)
            } else {
                c.level(Field::FirstName)
            };
            if other < Level::Close {
                return true;
            }
        }
        let contact: f64 = Field::STRONG
            .iter()
            .filter(|&&f| f != Field::IdNumber)
            .map(|&f| self.field_weight(c, f).1.max(0.0))
            .sum();
        self.score(c) - contact < threshold
    }

    /// The score, field by field.
    pub fn explain(&self, c: &Comparison) -> Explanation {
        let prior = self.prior_weight();
        let mut fields: Vec<FieldWeight> = Field::ALL
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
        let adj = self.full_name_adjustment(
            c,
            fields[Field::FirstName as usize].weight,
            fields[Field::LastName as usize].weight,
        );
        if adj != 0.0 {
            let last = &mut fields[Field::LastName as usize];
            last.weight += adj;
            last.frequency = Some(c.full_name_freq);
        }
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
        let mut counts = LevelCounts::default();
        for c in sample {
            counts.add(c);
        }
        self.set_u_from_counts(&counts);
    }

    /// Sets `u` from level counts of (mostly non-matching) random pairs, as
    /// [`Model::set_u_from_sample`] does from the comparisons themselves.
    pub fn set_u_from_counts(&mut self, counts: &LevelCounts) {
        for field in Field::ALL {
            let counts = &counts.0[field as usize];
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

    /// Estimates `m` by expectation-maximisation over comparison patterns of candidate pairs
    /// (`pattern -> number of pairs`), holding `u` fixed. Returns the share of matches among
    /// the candidates and the iterations used.
    pub fn fit_em(
        &mut self,
        patterns: &HashMap<u32, u64>,
        max_iter: usize,
        tol: f64,
    ) -> (f64, usize) {
        let mut lambda = 0.5f64;
        let mut pats: Vec<(u32, u64)> = patterns.iter().map(|(&p, &n)| (p, n)).collect();
        pats.sort_unstable();
        let total: f64 = pats.iter().map(|&(_, n)| n as f64).sum();
        if total == 0.0 {
            return (0.0, 0);
        }
        for iter in 1..=max_iter {
            let mut m_num = [[0.0f64; Level::COUNT]; Field::COUNT];
            let mut matches = 0.0;
            for &(p, n) in &pats {
                let c = Comparison {
                    pattern: p,
                    ..Comparison::default()
                };
                let mut lm = lambda.ln();
                let mut lu = (1.0 - lambda).ln();
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
            // Kept off 0 and 1 so that neither class collapses.
            let new_lambda = (matches / total).clamp(0.001, 0.999);
            change = change.max((new_lambda - lambda).abs());
            lambda = new_lambda;
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
                return (lambda, iter);
            }
        }
        (lambda, max_iter)
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
        let truth = Model::default();
        let truth_prior = 0.4;
        let mut truth = truth;
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
            let is_match = next() < truth_prior;
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
        let (lambda, iters) = model.fit_em(&patterns, 500, 1e-7);
        assert!(iters < 500, "EM did not converge");
        assert!((lambda - 0.4).abs() < 0.02, "prior {lambda}");
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
        let model = Model {
            records: 1_000_000,
            ..Model::default()
        };
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
