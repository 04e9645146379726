//! The settings of a run as a config file gives them: `[resolve]` (the pipeline's
//! [`Config`]) and `[input]` (how to read the files). The command line, the Python package
//! and any other front end read them here, so one config means the same run everywhere.
//!
//! ```
//! use omnilink::settings::Settings;
//! let s = Settings::from_toml(
//!     "[resolve]\nmatch_probability = 0.95\n[input.columns]\n\"Моб. тел\" = \"phone\"\n",
//!     "omnilink.toml",
//! )
//! .unwrap();
//! assert_eq!(s.resolve.match_probability, 0.95);
//! assert_eq!(s.input.columns.len(), 1);
//! assert!(Settings::from_toml("[resolve]\nno_such_key = 1\n", "x.toml").is_err());
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::io::{Column, ReadOptions};
use crate::normalize::Region;
use crate::{Config, Error, Result};

/// A config file: `[resolve]` and `[input]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// The pipeline's settings.
    pub resolve: Config,
    /// How inputs are read.
    pub input: InputSettings,
}

/// The `[input]` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct InputSettings {
    /// Header name -> column kind; these win over the automatic mapping.
    pub columns: BTreeMap<String, Column>,
    /// Field delimiter of CSV inputs; detected when not given.
    pub delimiter: Option<char>,
}

impl Settings {
    /// Parses TOML text; `origin` (a file name) prefixes errors, which give the line of the
    /// offending key and never its value.
    pub fn from_toml(text: &str, origin: &str) -> Result<Settings> {
        toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(String::new(), |s| {
                let line = text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1;
                format!("line {line}: ")
            });
            Error::config(format!("{origin}: {at}{}", without_values(e.message())))
        })
    }

    /// Parses JSON text of the same shape as the TOML file.
    pub fn from_json(text: &str) -> Result<Settings> {
        serde_json::from_str(text).map_err(|e| {
            Error::config(format!(
                "settings: line {} column {}: {}",
                e.line(),
                e.column(),
                without_values(&e.to_string())
            ))
        })
    }

    /// Reads a TOML config file.
    pub fn read(path: &Path) -> Result<Settings> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
        Settings::from_toml(&text, &path.display().to_string())
    }

    /// Sets the default region from a two-letter country code.
    pub fn set_region(&mut self, code: &str) -> Result<()> {
        self.resolve.context.region = Some(parse_region(code, "region")?);
        Ok(())
    }

    /// Sets the candidate regions of numbers without a country code.
    pub fn set_regions<S: AsRef<str>>(&mut self, codes: &[S]) -> Result<()> {
        let list = codes
            .iter()
            .map(|c| parse_region(c.as_ref(), "regions"))
            .collect::<Result<Vec<Region>>>()?;
        self.resolve.context.candidate_regions = list.into();
        Ok(())
    }

    /// The defaults every front end applies before a run: numbers without a country code
    /// are tried in the markets the crate knows ([`Region::MARKETS`]) when no candidate
    /// regions are set.
    pub fn with_defaults(mut self) -> Settings {
        if self.resolve.context.candidate_regions.is_empty() {
            self.resolve.context.candidate_regions = Region::MARKETS.to_vec().into();
        }
        self
    }

    /// Read options for an input of `source` under these settings.
    pub fn read_options(&self, source: impl Into<String>) -> Result<ReadOptions> {
        let mut o = ReadOptions::new(source);
        o.columns = self.input.columns.clone();
        o.delimiter = match self.input.delimiter {
            Some(c) if c.is_ascii() => Some(c as u8),
            Some(_) => return Err(Error::config("the delimiter must be an ASCII character")),
            None => None,
        };
        Ok(o)
    }
}

fn parse_region(code: &str, what: &str) -> Result<Region> {
    code.parse()
        .map_err(|_| Error::config(format!("{what}: `{code}` is not a two-letter country code")))
}

/// A serde message without the value it may quote (`invalid type: string "...", expected
/// f64`): config values may be keys or names.
fn without_values(message: &str) -> String {
    let m = message.split(" at line ").next().unwrap_or(message);
    if !m.starts_with("invalid") {
        return m.to_string();
    }
    match (m.find('"'), m.rfind('"')) {
        (Some(a), Some(b)) if b > a => format!("{}(value not shown){}", &m[..a], &m[b + 1..]),
        _ => m.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_the_line_not_the_value() {
        let e = Settings::from_toml(
            "[resolve]\nmatch_probability = \"secret-value\"\n",
            "a.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("a.toml: line 2"), "{e}");
        assert!(!e.contains("secret-value"), "{e}");
    }

    #[test]
    fn json_is_the_same_shape_and_hides_values() {
        let s = Settings::from_json(
            r#"{"resolve": {"match_probability": 0.8}, "input": {"columns": {"tel": "phone"}}}"#,
        )
        .unwrap();
        assert_eq!(s.resolve.match_probability, 0.8);
        assert_eq!(s.input.columns.get("tel"), Some(&Column::Phone));
        let e = Settings::from_json(r#"{"resolve": {"match_probability": "secret"}}"#)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
        assert!(Settings::from_json(r#"{"nope": 1}"#).is_err());
    }

    #[test]
    fn defaults_fill_candidate_regions_only_when_unset() {
        let s = Settings::default().with_defaults();
        assert_eq!(
            s.resolve.context.candidate_regions.len(),
            Region::MARKETS.len()
        );
        let mut t = Settings::default();
        t.set_regions(&["KZ"]).unwrap();
        assert_eq!(t.with_defaults().resolve.context.candidate_regions.len(), 1);
        let mut u = Settings::default();
        assert!(u.set_region("Narnia").is_err());
        assert!(u.set_region("ru").is_ok());
    }

    #[test]
    fn a_non_ascii_delimiter_is_refused() {
        let mut s = Settings::default();
        s.input.delimiter = Some('§');
        assert!(s.read_options("x").is_err());
        s.input.delimiter = Some(';');
        assert_eq!(s.read_options("x").unwrap().delimiter, Some(b';'));
    }
}
