//! Which names a LIST or LSUB answers with, and what it says of each: the folders, and the
//! parents the client needs to see the hierarchy (`\Noselect`, `\NonExistent`, CHILDINFO).
//! Pure, so every rule of RFC 3501 §6.3.8–9, RFC 5258 and RFC 3348 is tested here.

use crate::names::{self, DELIMITER};
use std::collections::{BTreeMap, HashSet};
use trekmail_core::mail::INBOX;

/// A name as LIST sees it: a folder, a subscription, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// A folder has the name; a subscription may outlive its folder.
    pub exists: bool,
    pub subscribed: bool,
    pub special_use: Option<&'static str>,
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Ask<'a> {
    /// Full patterns, the reference already in front.
    pub patterns: &'a [String],
    /// Only subscribed folders (LSUB, or LIST's SUBSCRIBED selection).
    pub subscribed: bool,
    /// Only special-use folders (RFC 6154's selection option).
    pub special_use: bool,
    /// List the parents of selected folders the patterns miss: LSUB's `\Noselect` parents
    /// (RFC 3501 §6.3.9), RECURSIVEMATCH's CHILDINFO (RFC 5258 §3).
    pub parents: bool,
}

/// One name in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub name: String,
    /// The folder exists; a parent named only by its children does not.
    pub exists: bool,
    pub subscribed: bool,
    /// A folder exists below it (RFC 3348).
    pub has_children: bool,
    /// It is listed for the sake of selected folders below it that no pattern matches:
    /// LSUB's `\Noselect`, RECURSIVEMATCH's CHILDINFO.
    pub for_children: bool,
    pub special_use: Option<&'static str>,
}

/// The answer, parents before their children, INBOX first.
pub(crate) fn list(folders: &BTreeMap<String, Node>, ask: Ask<'_>) -> Vec<Listed> {
    let selected = |name: &str| folders.get(name).is_some_and(|node| selects(node, ask));
    let by_selection = ask.subscribed || ask.special_use;
    // Each name is matched once; the look below a parent then costs a set look-up per child.
    let names = with_parents(folders);
    let matched: HashSet<&str> = names
        .iter()
        .filter(|name| ask.patterns.iter().any(|p| pattern_matches(p, name)))
        .map(String::as_str)
        .collect();
    let mut out = Vec::new();
    for name in &names {
        if !matched.contains(name.as_str()) {
            continue;
        }
        let node = folders.get(name);
        let exists = node.is_some_and(|n| n.exists);
        let below = descendants(folders, name);
        // Selected folders below that the client would not see: the reason to list a parent.
        let hidden_below = below
            .clone()
            .any(|(child, node)| selects(node, ask) && !matched.contains(child.as_str()));
        let (listed, for_children) = if by_selection {
            let for_children = hidden_below && ask.parents;
            (selected(name) || for_children, for_children)
        } else {
            (exists || hidden_below, false)
        };
        if listed {
            out.push(Listed {
                exists,
                subscribed: node.is_some_and(|n| n.subscribed),
                has_children: below.clone().any(|(_, node)| node.exists),
                for_children,
                special_use: node.and_then(|n| n.special_use),
                name: name.clone(),
            });
        }
    }
    out
}

/// Whether the selection takes this name: without one, any folder that exists.
fn selects(node: &Node, ask: Ask<'_>) -> bool {
    let by_subscription = if ask.subscribed {
        node.subscribed
    } else {
        node.exists
    };
    by_subscription && (!ask.special_use || node.special_use.is_some())
}

/// Every folder's name and every level above one, each once, in order, INBOX first.
fn with_parents(folders: &BTreeMap<String, Node>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in folders.keys() {
        for (i, c) in name.char_indices() {
            if c == DELIMITER && i > 0 {
                names.push(name.get(..i).unwrap_or_default().to_owned());
            }
        }
        names.push(name.clone());
    }
    names.sort();
    names.dedup();
    if let Some(i) = names.iter().position(|n| n == INBOX) {
        let inbox = names.remove(i);
        names.insert(0, inbox);
    }
    names
}

/// The names strictly below `name`.
fn descendants<'a>(
    folders: &'a BTreeMap<String, Node>,
    name: &str,
) -> impl Iterator<Item = (&'a String, &'a Node)> + Clone + use<'a> {
    let prefix = format!("{name}{DELIMITER}");
    folders
        .range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
}

/// A pattern against a name; INBOX is matched in any case (RFC 3501 §5.1).
pub(crate) fn pattern_matches(pattern: &str, name: &str) -> bool {
    names::matches(pattern, name)
        || (name == INBOX && names::matches(&pattern.to_ascii_uppercase(), INBOX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(folders: &[(&str, bool)]) -> BTreeMap<String, Node> {
        folders
            .iter()
            .map(|(name, subscribed)| {
                let node = Node {
                    exists: true,
                    subscribed: *subscribed,
                    special_use: (*name == "Sent").then_some("Sent"),
                };
                (name.to_string(), node)
            })
            .collect()
    }

    fn patterns(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    /// Each listed name with its flags: `?` does not exist, `s` subscribed, `c` has
    /// children, `i` listed for its children.
    fn shown(listed: &[Listed]) -> Vec<String> {
        listed
            .iter()
            .map(|l| {
                let mut s = l.name.clone();
                for (on, mark) in [
                    (!l.exists, '?'),
                    (l.subscribed, 's'),
                    (l.has_children, 'c'),
                    (l.for_children, 'i'),
                ] {
                    if on {
                        s.push(' ');
                        s.push(mark);
                    }
                }
                s
            })
            .collect()
    }

    fn base() -> BTreeMap<String, Node> {
        tree(&[
            ("INBOX", true),
            ("Sent", true),
            ("m/test", true),
            ("m/test2", false),
            ("m/test2/test", true),
            ("m/test3/test3", true),
            ("m/test4/x/y", false),
        ])
    }

    #[test]
    fn list_shows_missing_parents_only_where_a_pattern_stops() {
        let f = base();
        let p = patterns(&["m/%"]);
        let ask = Ask {
            patterns: &p,
            ..Ask::default()
        };
        assert_eq!(
            shown(&list(&f, ask)),
            ["m/test s", "m/test2 c", "m/test3 ? c", "m/test4 ? c"]
        );
        let p = patterns(&["*"]);
        let ask = Ask {
            patterns: &p,
            ..Ask::default()
        };
        assert_eq!(
            shown(&list(&f, ask)),
            [
                "INBOX s",
                "Sent s",
                "m/test s",
                "m/test2 c",
                "m/test2/test s",
                "m/test3/test3 s",
                "m/test4/x/y"
            ]
        );
        let p = patterns(&["inbox", "m/test4/%"]);
        let ask = Ask {
            patterns: &p,
            ..Ask::default()
        };
        assert_eq!(shown(&list(&f, ask)), ["INBOX s", "m/test4/x ? c"]);
    }

    #[test]
    fn lsub_shows_unsubscribed_parents_as_for_children() {
        let mut f = base();
        f.insert(
            "s/t".into(),
            Node {
                exists: true,
                subscribed: true,
                special_use: None,
            },
        );
        f.insert(
            "s".into(),
            Node {
                exists: true,
                subscribed: true,
                special_use: None,
            },
        );
        let p = patterns(&["s"]);
        let ask = Ask {
            patterns: &p,
            subscribed: true,
            parents: true,
            ..Ask::default()
        };
        assert_eq!(shown(&list(&f, ask)), ["s s c i"]);
        let p = patterns(&["m/%"]);
        let ask = Ask {
            patterns: &p,
            subscribed: true,
            parents: true,
            ..Ask::default()
        };
        assert_eq!(
            shown(&list(&f, ask)),
            ["m/test s", "m/test2 c i", "m/test3 ? c i"]
        );
        let p = patterns(&["*test"]);
        let ask = Ask {
            patterns: &p,
            subscribed: true,
            parents: true,
            ..Ask::default()
        };
        assert_eq!(shown(&list(&f, ask)), ["m/test s", "m/test2/test s"]);
    }

    #[test]
    fn recursive_match_names_parents_of_subscribed_folders_the_patterns_miss() {
        let f = tree(&[
            ("m/test2", false),
            ("m/test2/test1", true),
            ("m/test7/test7", true),
            ("m/test8", false),
            ("m/test8/test8", true),
            ("m/test8/test9", true),
        ]);
        let rec = |p: &[String]| {
            let ask = Ask {
                patterns: p,
                subscribed: true,
                parents: true,
                ..Ask::default()
            };
            shown(&list(&f, ask))
        };
        assert_eq!(rec(&patterns(&["m/test2%"])), ["m/test2 c i"]);
        assert_eq!(rec(&patterns(&["m*test7"])), ["m/test7/test7 s"]);
        assert_eq!(
            rec(&patterns(&["m*test8"])),
            ["m/test8 c i", "m/test8/test8 s"]
        );
        assert_eq!(
            rec(&patterns(&["m/test2", "m/test2/test1"])),
            ["m/test2/test1 s"]
        );
        // Without RECURSIVEMATCH, LIST (SUBSCRIBED) gives no parents.
        let p = patterns(&["m/test2%"]);
        let ask = Ask {
            patterns: &p,
            subscribed: true,
            parents: false,
            special_use: true,
        };
        assert!(list(&f, ask).is_empty());
    }

    #[test]
    fn a_deleted_folder_stays_subscribed_but_does_not_exist() {
        let mut f = tree(&[("m/test1", true), ("m/test7/test7", true)]);
        let gone = Node {
            exists: false,
            subscribed: true,
            special_use: None,
        };
        f.insert("m/test6".into(), gone.clone());
        f.insert("x/gone".into(), gone);
        let p = patterns(&["m/*", "x/*"]);
        let subscribed = Ask {
            patterns: &p,
            subscribed: true,
            ..Ask::default()
        };
        assert_eq!(
            shown(&list(&f, subscribed)),
            ["m/test1 s", "m/test6 ? s", "m/test7/test7 s", "x/gone ? s"]
        );
        // Plain LIST knows only folders: neither the name nor a parent made only by it.
        let all = Ask {
            patterns: &p,
            ..Ask::default()
        };
        assert_eq!(shown(&list(&f, all)), ["m/test1 s", "m/test7/test7 s"]);
        let top = patterns(&["%"]);
        let all = Ask {
            patterns: &top,
            ..Ask::default()
        };
        assert_eq!(shown(&list(&f, all)), ["m ? c"]);
    }

    #[test]
    fn special_use_selection() {
        let f = base();
        let p = patterns(&["*"]);
        let ask = Ask {
            patterns: &p,
            special_use: true,
            ..Ask::default()
        };
        let listed = list(&f, ask);
        assert_eq!(shown(&listed), ["Sent s"]);
        assert_eq!(listed[0].special_use, Some("Sent"));
    }
}
