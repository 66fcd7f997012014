//! Evaluating tests against the message, the envelope, variables and flags.

use chrono::{DateTime, FixedOffset};

use crate::ast::{BodyTransform, Index, Match, Test, Zone};
use crate::message::decode_text;
use crate::run::Runner;
use crate::strings::Template;
use crate::{RunError, address, date, flags};

/// The fields `index` selects (all of them without one).
fn pick<T>(mut items: Vec<T>, index: Option<Index>) -> Vec<T> {
    let Some(Index { n, last }) = index else {
        return items;
    };
    let Ok(n) = usize::try_from(n.saturating_sub(1)) else {
        return Vec::new();
    };
    let at = if last {
        items.len().checked_sub(n.saturating_add(1))
    } else {
        Some(n)
    };
    match at.filter(|at| *at < items.len()) {
        Some(at) => vec![items.swap_remove(at)],
        None => Vec::new(),
    }
}

/// Whether a body part of `ctype/subtype` is one `:content` asked for.
fn content_wanted(wanted: &[String], ctype: &str, subtype: &str) -> bool {
    wanted.iter().any(|w| match w.split_once('/') {
        Some((t, s)) => t.eq_ignore_ascii_case(ctype) && s.eq_ignore_ascii_case(subtype),
        None => w.is_empty() || w.eq_ignore_ascii_case(ctype),
    })
}

impl Runner<'_> {
    pub fn test(&mut self, test: &Test) -> Result<bool, RunError> {
        self.step()?;
        Ok(match test {
            Test::True => true,
            Test::False => false,
            Test::Not(inner) => !self.test(inner)?,
            Test::AllOf(tests) => {
                for t in tests {
                    if !self.test(t)? {
                        return Ok(false);
                    }
                }
                true
            }
            Test::AnyOf(tests) => {
                for t in tests {
                    if self.test(t)? {
                        return Ok(true);
                    }
                }
                false
            }
            Test::Exists(names) => self
                .expand_all(names)
                .iter()
                .all(|name| self.mail.has_field(name)),
            Test::MailboxExists(names) => self
                .expand_all(names)
                .iter()
                .all(|name| (self.cx.folder_exists)(name)),
            Test::Size { over, limit } => {
                let size = self.mail.size();
                if *over { size > *limit } else { size < *limit }
            }
            Test::Header {
                names,
                keys,
                how,
                index,
            } => {
                let values = self
                    .expand_all(names)
                    .iter()
                    .flat_map(|name| pick(self.mail.fields(name), *index))
                    .map(decode_text)
                    .collect();
                self.matched(how, values, keys)?
            }
            Test::Address {
                names,
                keys,
                how,
                part,
                index,
            } => {
                let values = self
                    .expand_all(names)
                    .iter()
                    .flat_map(|name| pick(self.mail.fields(name), *index))
                    .flat_map(address::parse_list)
                    .filter_map(|a| address::part(&a, *part))
                    .collect();
                self.matched(how, values, keys)?
            }
            Test::Envelope {
                parts,
                keys,
                how,
                part,
            } => {
                let values = self
                    .expand_all(parts)
                    .iter()
                    .filter_map(|p| match p.to_ascii_lowercase().as_str() {
                        "from" => Some(self.cx.envelope_from),
                        "to" => Some(self.cx.envelope_to),
                        _ => None,
                    })
                    .filter_map(|a| address::part(a, *part))
                    .collect();
                self.matched(how, values, keys)?
            }
            Test::Body {
                transform,
                keys,
                how,
            } => {
                let values = match transform {
                    BodyTransform::Raw => vec![self.mail.raw_body()],
                    BodyTransform::Text => self.mail.texts(),
                    BodyTransform::Content(types) => {
                        let types = self.expand_all(types);
                        self.mail.parts(|t, s| content_wanted(&types, t, s))
                    }
                };
                self.matched(how, values, keys)?
            }
            Test::String { sources, keys, how } => {
                let mut values = self.expand_all(sources);
                if matches!(how.kind, crate::ast::MatchKind::Count(_)) {
                    values.retain(|v| !v.is_empty());
                }
                self.matched(how, values, keys)?
            }
            Test::HasFlag {
                variables,
                keys,
                how,
            } => {
                let values = if variables.is_empty() {
                    flags::normalise(self.flags.split_ascii_whitespace())
                } else {
                    flags::normalise(variables.iter().map(|v| self.vars.get(v)))
                };
                self.matched(how, values, keys)?
            }
            Test::Date {
                header,
                zone,
                part,
                keys,
                how,
                index,
            } => {
                let name = self.expand(header);
                let dates: Vec<DateTime<FixedOffset>> = pick(self.mail.fields(&name), *index)
                    .into_iter()
                    .filter_map(date::parse_header)
                    .collect();
                self.date_matched(dates, zone, part, keys, how)?
            }
            Test::CurrentDate {
                zone,
                part,
                keys,
                how,
            } => self.date_matched(vec![self.cx.now], zone, part, keys, how)?,
        })
    }

    /// Matches `values` against the expanded `keys`, keeping `:matches` captures.
    /// Compares `values` with `keys`, charged to the run by the work it is: for each value
    /// and key, a step per KiB of the value and per 64 bytes of the key, so a long key list
    /// over a large body is bounded like a long script.
    fn matched(
        &mut self,
        how: &Match,
        values: Vec<String>,
        keys: &[Template],
    ) -> Result<bool, RunError> {
        let keys = self.expand_all(keys);
        let value_units: u64 = values.iter().map(|v| (v.len() / 1024 + 1) as u64).sum();
        let key_units: u64 = keys.iter().map(|k| (k.len() / 64 + 1) as u64).sum();
        self.charge(value_units.saturating_mul(key_units))?;
        let result = how.test(&values, &keys);
        if let Some(captures) = result.captures {
            self.vars.set_matches(captures);
        }
        Ok(result.yes)
    }

    fn date_matched(
        &mut self,
        dates: Vec<DateTime<FixedOffset>>,
        zone: &Zone,
        part: &Template,
        keys: &[Template],
        how: &Match,
    ) -> Result<bool, RunError> {
        let offset = match zone {
            Zone::Original => None,
            Zone::Local => Some(*self.cx.now.offset()),
            Zone::Given(z) => match date::parse_zone(&self.expand(z)) {
                Some(offset) => Some(offset),
                None => return Ok(false),
            },
        };
        let part = self.expand(part);
        let values: Option<Vec<String>> = dates
            .iter()
            .map(|d| date::part(&offset.map_or(*d, |o| d.with_timezone(&o)), &part))
            .collect();
        match values {
            Some(values) if !values.is_empty() => self.matched(how, values, keys),
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_picks_one() {
        let items = vec![1, 2, 3];
        assert_eq!(
            pick(items.clone(), Some(Index { n: 1, last: false })),
            vec![1]
        );
        assert_eq!(
            pick(items.clone(), Some(Index { n: 1, last: true })),
            vec![3]
        );
        assert_eq!(
            pick(items.clone(), Some(Index { n: 3, last: true })),
            vec![1]
        );
        assert!(pick(items.clone(), Some(Index { n: 4, last: false })).is_empty());
        assert!(
            pick(
                items,
                Some(Index {
                    n: u64::MAX,
                    last: true
                })
            )
            .is_empty()
        );
    }
}
