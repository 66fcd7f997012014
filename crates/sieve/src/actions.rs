//! The actions a run collects: duplicates collapse (RFC 5228 section 2.10.3), reject
//! conflicts with the other deliveries (RFC 5429 section 2.1), the implicit keep, and the
//! action and redirect limits.

use crate::{Action, Limits, Outcome, RunError, flags};

pub(crate) struct Actions {
    list: Vec<Action>,
    keep_cancelled: bool,
    taken: usize,
    max_actions: usize,
    max_redirects: usize,
}

/// Where a store action puts the message: keep and `fileinto "INBOX"` are the same.
fn store_folder(action: &Action) -> Option<&str> {
    match action {
        Action::Keep { .. } => Some("INBOX"),
        Action::FileInto { folder, .. } => Some(folder),
        _ => None,
    }
}

/// What reject may not be combined with.
fn conflicts_with_reject(action: &Action) -> bool {
    matches!(
        action,
        Action::Keep { .. }
            | Action::FileInto { .. }
            | Action::Redirect { copy: false, .. }
            | Action::Vacation(_)
    )
}

fn merge_flags(into: &mut Vec<String>, more: &[String]) {
    *into = flags::normalise(into.iter().chain(more).map(String::as_str));
}

impl Actions {
    pub fn new(limits: &Limits) -> Actions {
        Actions {
            list: Vec::new(),
            keep_cancelled: false,
            taken: 0,
            max_actions: limits.max_actions,
            max_redirects: limits.max_redirects,
        }
    }

    /// Counts one action command (flag commands included) against the limit.
    pub fn count(&mut self) -> Result<(), RunError> {
        self.taken = self.taken.saturating_add(1);
        if self.taken > self.max_actions {
            return Err(RunError(format!(
                "too many actions (limit {})",
                self.max_actions
            )));
        }
        Ok(())
    }

    pub fn cancel_keep(&mut self) {
        self.keep_cancelled = true;
    }

    pub fn add(&mut self, action: Action) -> Result<(), RunError> {
        let rejected = self.list.iter().any(|a| matches!(a, Action::Reject { .. }));
        if let Action::Reject { reason } = &action {
            if self.list.iter().any(conflicts_with_reject) {
                return Err(conflict());
            }
            if let Some(Action::Reject { reason: first }) = self
                .list
                .iter()
                .find(|a| matches!(a, Action::Reject { .. }))
            {
                return if first == reason {
                    Ok(())
                } else {
                    Err(RunError("reject used more than once".into()))
                };
            }
        } else if rejected && conflicts_with_reject(&action) {
            return Err(conflict());
        }
        if self.merge(&action)? {
            return Ok(());
        }
        self.list.push(action);
        Ok(())
    }

    /// Folds `action` into an earlier one of the same target; true when it did.
    fn merge(&mut self, action: &Action) -> Result<bool, RunError> {
        if let Some(folder) = store_folder(action) {
            let same = self
                .list
                .iter_mut()
                .find(|a| store_folder(a).is_some_and(|f| f == folder));
            let Some(existing) = same else {
                return Ok(false);
            };
            let (Action::Keep { flags: more } | Action::FileInto { flags: more, .. }) = action
            else {
                return Ok(false);
            };
            match existing {
                Action::Keep { flags } => merge_flags(flags, more),
                Action::FileInto { flags, create, .. } => {
                    merge_flags(flags, more);
                    *create |= matches!(action, Action::FileInto { create: true, .. });
                }
                _ => {}
            }
            return Ok(true);
        }
        match action {
            Action::Redirect { address, copy } => {
                let same = self.list.iter_mut().find_map(|a| match a {
                    Action::Redirect {
                        address: known,
                        copy,
                    } if known.eq_ignore_ascii_case(address) => Some(copy),
                    _ => None,
                });
                if let Some(known_copy) = same {
                    *known_copy &= *copy;
                    return Ok(true);
                }
                let redirects = self
                    .list
                    .iter()
                    .filter(|a| matches!(a, Action::Redirect { .. }))
                    .count();
                if redirects >= self.max_redirects {
                    return Err(RunError(format!(
                        "too many redirects (limit {})",
                        self.max_redirects
                    )));
                }
                Ok(false)
            }
            Action::Vacation(_) if self.list.iter().any(|a| matches!(a, Action::Vacation(_))) => {
                Err(RunError("vacation used more than once".into()))
            }
            _ => Ok(false),
        }
    }

    /// The outcome, with the implicit keep (carrying `flags`) unless it was cancelled.
    pub fn finish(mut self, flags: Vec<String>) -> Result<Outcome, RunError> {
        if !self.keep_cancelled {
            self.add(Action::Keep { flags })?;
        }
        Ok(Outcome { actions: self.list })
    }
}

fn conflict() -> RunError {
    RunError("reject cannot be combined with keep, fileinto, redirect or vacation".into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn redirect(address: &str, copy: bool) -> Action {
        Action::Redirect {
            address: address.into(),
            copy,
        }
    }

    #[test]
    fn duplicates_collapse() {
        let mut a = Actions::new(&Limits::default());
        a.add(redirect("a@x.org", true)).unwrap();
        a.add(redirect("A@x.org", false)).unwrap();
        a.add(Action::FileInto {
            folder: "INBOX".into(),
            flags: vec!["\\Seen".into()],
            create: false,
        })
        .unwrap();
        let out = a.finish(vec!["x".into()]).unwrap();
        assert_eq!(
            out.actions,
            vec![
                redirect("a@x.org", false),
                Action::FileInto {
                    folder: "INBOX".into(),
                    flags: vec!["\\Seen".into(), "x".into()],
                    create: false,
                },
            ]
        );
    }

    #[test]
    fn reject_conflicts() {
        let mut a = Actions::new(&Limits::default());
        a.add(redirect("a@x.org", true)).unwrap();
        a.add(Action::Reject {
            reason: "no".into(),
        })
        .unwrap();
        assert!(a.add(Action::Keep { flags: vec![] }).is_err());
    }
}
