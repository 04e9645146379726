//! `model.json`: the model a run used, with each level's figures worked out.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::compare::{Field, Level};
use crate::model::Model;
use crate::{Resolution, Result};

/// The levels a field's figures are given for (`Missing` carries no weight).
const LEVELS: [Level; 3] = [Level::Different, Level::Close, Level::Exact];

/// The content of `model.json`: the prior, per field and level `m`, `u` and the match weight,
/// and the model itself, which serde reads back as a [`Model`] to be reused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// The prior log2 odds that a random pair of records is one person.
    pub prior: f64,
    /// The fields the records were compared on, in comparison order (attribute fields only
    /// when an attribute was configured for them).
    pub fields: Vec<FieldFigures>,
    /// The model.
    pub model: Model,
}

/// One field's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldFigures {
    /// The field.
    pub field: Field,
    /// Its name: the field's, or for an attribute, the attribute's.
    pub name: String,
    /// Per level the field has, from `different` to `exact`.
    pub levels: Vec<LevelFigures>,
}

/// One level's figures.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelFigures {
    /// The level.
    pub level: Level,
    /// The probability of the level among pairs of one person's records.
    pub m: f64,
    /// The probability of the level among pairs of different people's records.
    pub u: f64,
    /// The match weight, `log2(m / u)` capped, in bits (exact matches on identifiers and
    /// family names are weighed by how common the value is; this is the weight before that).
    pub weight: f64,
}

impl ModelFile {
    /// The figures of `res`'s model.
    pub fn of(res: &Resolution) -> ModelFile {
        let model = &res.model;
        let attributes = res.attributes();
        let fields = Field::ALL
            .iter()
            .filter_map(|&field| {
                let name = match field.attribute_slot() {
                    Some(slot) => attributes.get(slot)?.clone(),
                    None => field.as_str().to_string(),
                };
                // A level the field does not have (a city is equal or not) has m = u = 0.
                let levels = LEVELS
                    .iter()
                    .filter(|&&l| {
                        model.m[field as usize][l as usize] > 0.0
                            || model.u[field as usize][l as usize] > 0.0
                    })
                    .map(|&level| LevelFigures {
                        level,
                        m: model.m[field as usize][level as usize],
                        u: model.u[field as usize][level as usize],
                        weight: model.weight(field, level),
                    })
                    .collect();
                Some(FieldFigures {
                    field,
                    name,
                    levels,
                })
            })
            .collect();
        ModelFile {
            prior: model.prior_weight(),
            fields,
            model: model.clone(),
        }
    }
}

/// Writes `model.json`: [`ModelFile::of`] `res`, as pretty JSON.
pub fn write_model(path: &Path, res: &Resolution) -> Result<()> {
    crate::io::write_summary(path, &ModelFile::of(res))
}
