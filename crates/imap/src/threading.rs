//! THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3): pure, over what each message
//! says of itself, so the command is only the reading around it.

use imap_codec::imap_types::core::{Vec1, Vec2};
use imap_codec::imap_types::extensions::thread::Thread;
use std::collections::HashMap;
use std::num::NonZeroU32;

/// What threading reads of one message.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The number the answer names it by (sequence number or UID).
    pub number: u32,
    /// Its sequence number: the tie-break after the sent date.
    pub seq: u32,
    /// Seconds since the epoch: the Date: field, or the internal date without one.
    pub sent: i64,
    /// The base subject (RFC 5256 §2.1), compared as is: callers fold its case.
    pub subject: String,
    /// Whether the subject said reply or forward.
    pub reply: bool,
    pub id: Option<String>,
    /// References (or In-Reply-To), oldest first.
    pub references: Vec<String>,
}

/// A tree: a message, or a dummy holding siblings that share a parent not in the folder.
#[derive(Debug, Clone, Default)]
struct Node {
    message: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// ORDEREDSUBJECT: messages with one base subject form a thread under the earliest.
pub fn ordered_subject(messages: &[Message]) -> Vec<Thread> {
    let mut order: Vec<usize> = (0..messages.len()).collect();
    let key = |i: &usize| {
        let m = messages.get(*i);
        m.map(|m| (m.subject.clone(), m.sent, m.seq))
    };
    order.sort_by_cached_key(key);
    let mut threads: Vec<Vec<usize>> = Vec::new();
    for i in order {
        let same = threads
            .last()
            .and_then(|t| t.first())
            .and_then(|first| messages.get(*first))
            .zip(messages.get(i))
            .is_some_and(|(a, b)| a.subject == b.subject);
        match (same, threads.last_mut()) {
            (true, Some(thread)) => thread.push(i),
            _ => threads.push(vec![i]),
        }
    }
    threads.sort_by_key(|t| {
        t.first()
            .and_then(|i| messages.get(*i))
            .map(|m| (m.sent, m.seq))
    });
    threads
        .into_iter()
        .filter_map(|t| {
            let (root, rest) = t.split_first()?;
            let children = rest.iter().filter_map(|i| leaf(messages, *i)).collect();
            with_children(number(messages, *root)?, children)
        })
        .collect()
}

/// REFERENCES: parents from References/In-Reply-To, then threads joined by base subject.
pub fn references(messages: &[Message]) -> Vec<Thread> {
    let mut t = Tree::default();
    t.link(messages);
    let roots: Vec<usize> = (0..t.nodes.len())
        .filter(|n| t.nodes.get(*n).is_some_and(|n| n.parent.is_none()))
        .collect();
    t.flatten_deep(&roots);
    let mut roots = t.prune(roots, None);
    t.sort(&mut roots, messages);
    let mut roots = t.group_by_subject(roots, messages);
    t.sort(&mut roots, messages);
    roots
        .into_iter()
        .filter_map(|r| t.thread(r, messages))
        .collect()
}

/// Replies nested deeper than this hang from the message at this depth: the tree's walks
/// recurse, and a crafted chain of replies must not exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A parent with more ancestors than this takes no children.
const MAX_ANCESTRY: usize = 1024;

#[derive(Default)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn new_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    fn node(&self, n: usize) -> Option<&Node> {
        self.nodes.get(n)
    }

    /// Step 1: a container per Message-ID, linked as each message's References say.
    fn link(&mut self, messages: &[Message]) {
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        for (i, m) in messages.iter().enumerate() {
            let mut chain = Vec::new();
            for id in &m.references {
                let n = *by_id.entry(id.as_str()).or_insert_with(|| self.new_node());
                chain.push(n);
            }
            for pair in chain.windows(2) {
                if let [parent, child] = pair
                    && self.node(*child).is_some_and(|c| c.parent.is_none())
                {
                    self.set_parent(*child, *parent);
                }
            }
            let own = match m.id.as_deref().and_then(|id| by_id.get(id).copied()) {
                Some(n) if self.node(n).is_some_and(|n| n.message.is_none()) => n,
                Some(_) => self.new_node(),
                None => {
                    let n = self.new_node();
                    if let Some(id) = m.id.as_deref() {
                        by_id.insert(id, n);
                    }
                    n
                }
            };
            if let Some(node) = self.nodes.get_mut(own) {
                node.message = Some(i);
            }
            // A message's own References outrank what others presumed of it: its old parent
            // goes, even when the new one would close a loop or there is none.
            self.unlink(own);
            if let Some(last) = chain.last() {
                self.set_parent(own, *last);
            }
        }
    }

    /// Makes `child` a child of `parent` unless that would close a loop, or `parent` has
    /// more ancestors than any real thread (looking for the loop is what costs).
    fn set_parent(&mut self, child: usize, parent: usize) {
        let mut up = Some(parent);
        for _ in 0..MAX_ANCESTRY {
            let Some(a) = up else {
                break;
            };
            if a == child {
                return;
            }
            up = self.node(a).and_then(|n| n.parent);
        }
        if up.is_some() {
            return;
        }
        self.unlink(child);
        if let Some(c) = self.nodes.get_mut(child) {
            c.parent = Some(parent);
        }
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.push(child);
        }
    }

    /// Makes every node below `MAX_DEPTH` a child of its ancestor at that depth (without
    /// recursion: this is what bounds the depth for the rest).
    fn flatten_deep(&mut self, roots: &[usize]) {
        let children =
            |t: &Tree, n: usize| t.node(n).map(|x| x.children.clone()).unwrap_or_default();
        let mut stack: Vec<(usize, usize)> = roots.iter().map(|r| (*r, 0)).collect();
        while let Some((n, depth)) = stack.pop() {
            if depth + 1 < MAX_DEPTH {
                stack.extend(children(self, n).into_iter().map(|c| (c, depth + 1)));
                continue;
            }
            let mut below = children(self, n);
            let mut all = Vec::new();
            while let Some(c) = below.pop() {
                below.extend(children(self, c));
                all.push(c);
            }
            for c in &all {
                if let Some(node) = self.nodes.get_mut(*c) {
                    node.children.clear();
                    node.parent = Some(n);
                }
            }
            if let Some(node) = self.nodes.get_mut(n) {
                node.children = all;
            }
        }
    }

    fn unlink(&mut self, child: usize) {
        let Some(old) = self.nodes.get_mut(child).and_then(|n| n.parent.take()) else {
            return;
        };
        if let Some(o) = self.nodes.get_mut(old) {
            o.children.retain(|c| *c != child);
        }
    }

    /// Step 4: dummies without children go; others give their children to their own level,
    /// except at the top when they hold more than one.
    fn prune(&mut self, level: Vec<usize>, parent: Option<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        for n in level {
            let children = self.node(n).map(|n| n.children.clone()).unwrap_or_default();
            let children = self.prune(children, Some(n));
            let top = parent.is_none();
            let dummy = self.node(n).is_some_and(|n| n.message.is_none());
            if dummy && (!top || children.len() < 2) {
                out.extend(children);
            } else {
                if let Some(node) = self.nodes.get_mut(n) {
                    node.children = children;
                }
                out.push(n);
            }
        }
        for n in &out {
            if let Some(node) = self.nodes.get_mut(*n) {
                node.parent = parent;
            }
        }
        out
    }

    /// The message a node stands for: its own, or a dummy's first child's.
    fn representative(&self, n: usize) -> Option<usize> {
        let node = self.node(n)?;
        match node.message {
            Some(m) => Some(m),
            None => self.representative(*node.children.first()?),
        }
    }

    /// Steps 5 and 7: siblings by sent date, then sequence number, at every level.
    fn sort(&mut self, level: &mut [usize], messages: &[Message]) {
        for n in level.iter() {
            let mut children = self
                .node(*n)
                .map(|n| n.children.clone())
                .unwrap_or_default();
            self.sort(&mut children, messages);
            if let Some(node) = self.nodes.get_mut(*n) {
                node.children = children;
            }
        }
        level.sort_by_key(|n| {
            self.representative(*n)
                .and_then(|m| messages.get(m))
                .map(|m| (m.sent, m.seq))
        });
    }

    /// Step 6: top-level threads with one base subject join.
    fn group_by_subject(&mut self, roots: Vec<usize>, messages: &[Message]) -> Vec<usize> {
        let subject = |t: &Tree, n: usize| {
            t.representative(n)
                .and_then(|m| messages.get(m))
                .filter(|m| !m.subject.is_empty())
                .map(|m| (m.subject.clone(), m.reply))
        };
        let mut table: HashMap<String, usize> = HashMap::new();
        for n in &roots {
            let Some((s, reply)) = subject(self, *n) else {
                continue;
            };
            let better = match table.get(&s) {
                None => true,
                Some(old) => {
                    let old_dummy = self.is_dummy(*old);
                    let old_reply = subject(self, *old).is_some_and(|(_, r)| r);
                    (self.is_dummy(*n) && !old_dummy) || (!old_dummy && old_reply && !reply)
                }
            };
            if better {
                table.insert(s, *n);
            }
        }
        let mut top = roots.clone();
        let mut slot: HashMap<usize, usize> =
            roots.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        for n in roots {
            let Some((s, reply)) = subject(self, n) else {
                continue;
            };
            let Some(&held) = table.get(&s) else {
                continue;
            };
            if held == n {
                continue;
            }
            let held_reply = subject(self, held).is_some_and(|(_, r)| r);
            match (self.is_dummy(held), self.is_dummy(n)) {
                (true, true) => {
                    let moved = self.node(n).map(|x| x.children.clone()).unwrap_or_default();
                    for c in moved {
                        self.set_parent(c, held);
                    }
                }
                (true, false) => self.set_parent(n, held),
                (false, true) => {
                    self.set_parent(held, n);
                    table.insert(s, n);
                }
                (false, false) if reply && !held_reply => self.set_parent(n, held),
                (false, false) => {
                    let dummy = self.new_node();
                    self.set_parent(held, dummy);
                    self.set_parent(n, dummy);
                    if let Some(i) = slot.remove(&held) {
                        if let Some(place) = top.get_mut(i) {
                            *place = dummy;
                        }
                        slot.insert(dummy, i);
                    }
                    table.insert(s, dummy);
                }
            }
        }
        // What joined another thread has a parent now; a dummy that gave its children away
        // has none.
        top.retain(|n| {
            self.node(*n).is_some_and(|x| {
                x.parent.is_none() && (x.message.is_some() || !x.children.is_empty())
            })
        });
        top
    }

    fn is_dummy(&self, n: usize) -> bool {
        self.node(n).is_some_and(|n| n.message.is_none())
    }

    /// A node as the response nests it: a chain of only children is one list.
    fn thread(&self, n: usize, messages: &[Message]) -> Option<Thread> {
        let node = self.node(n)?;
        let Some(m) = node.message else {
            let answers: Vec<Thread> = node
                .children
                .iter()
                .filter_map(|c| self.thread(*c, messages))
                .collect();
            return match Vec2::try_from(answers) {
                Ok(answers) => Some(Thread::Nested { answers }),
                Err(_) => node
                    .children
                    .first()
                    .and_then(|c| self.thread(*c, messages)),
            };
        };
        let mut prefix = vec![number(messages, m)?];
        let mut at = node;
        while let [only] = at.children.as_slice() {
            let next = self.node(*only)?;
            let Some(m) = next.message else {
                break;
            };
            prefix.push(number(messages, m)?);
            at = next;
        }
        let answers: Vec<Thread> = at
            .children
            .iter()
            .filter_map(|c| self.thread(*c, messages))
            .collect();
        Some(Thread::Members {
            prefix: Vec1::try_from(prefix).ok()?,
            answers: Vec2::try_from(answers).ok(),
        })
    }
}

fn number(messages: &[Message], i: usize) -> Option<NonZeroU32> {
    NonZeroU32::new(messages.get(i)?.number)
}

fn leaf(messages: &[Message], i: usize) -> Option<Thread> {
    Some(Thread::Members {
        prefix: Vec1::from(number(messages, i)?),
        answers: None,
    })
}

/// `(root child)` for one child, `(root (a)(b))` for more.
fn with_children(root: NonZeroU32, children: Vec<Thread>) -> Option<Thread> {
    let mut prefix = vec![root];
    if let [Thread::Members { prefix: only, .. }] = children.as_slice() {
        prefix.extend(only.as_ref());
        return Some(Thread::Members {
            prefix: Vec1::try_from(prefix).ok()?,
            answers: None,
        });
    }
    Some(Thread::Members {
        prefix: Vec1::try_from(prefix).ok()?,
        answers: Vec2::try_from(children).ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Message `n` (sequence number n), sent at `sent`, with a subject, id and references.
    fn m(n: u32, sent: i64, subject: &str, id: &str, refs: &[&str]) -> Message {
        let base = crate::base_subject::base_subject(subject);
        Message {
            number: n,
            seq: n,
            sent,
            subject: base.text.to_uppercase(),
            reply: base.reply,
            id: (!id.is_empty()).then(|| id.to_owned()),
            references: refs.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    fn show(threads: &[Thread]) -> String {
        threads.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn ordered_subject_groups_by_base_subject() {
        let ms = [
            m(1, 50, "Lunch", "", &[]),
            m(2, 10, "Plans", "", &[]),
            m(3, 60, "Re: lunch", "", &[]),
            m(4, 20, "plans", "", &[]),
            m(5, 40, "Re: Lunch", "", &[]),
            m(6, 30, "Other", "", &[]),
            m(7, 55, "Re: plans", "", &[]),
        ];
        assert_eq!(show(&ordered_subject(&ms)), "(2 (4)(7))(6)(5 (1)(3))");
        assert_eq!(show(&ordered_subject(&ms[..2])), "(2)(1)");
        assert_eq!(
            show(&ordered_subject(&[ms[0].clone(), ms[2].clone()])),
            "(1 3)"
        );
        assert_eq!(show(&ordered_subject(&[])), "");
    }

    #[test]
    fn references_link_replies() {
        let ms = [
            m(1, 10, "Plans", "a", &[]),
            m(2, 20, "Re: Plans", "b", &["a"]),
            m(3, 30, "Re: Plans", "c", &["a", "b"]),
            m(4, 25, "Re: Plans", "d", &["a"]),
            m(5, 15, "Elsewhere", "e", &[]),
        ];
        assert_eq!(show(&references(&ms)), "(1 (2 3)(4))(5)");
    }

    #[test]
    fn a_missing_parent_is_a_dummy_and_subjects_join() {
        // 2 and 3 answer "x", which is not in the folder: a dummy holds them at the top.
        let ms = [
            m(1, 10, "Alone", "a", &[]),
            m(2, 20, "Re: Topic", "b", &["x"]),
            m(3, 30, "Re: Topic", "c", &["x"]),
            m(4, 5, "Topic", "d", &[]),
            m(5, 40, "Re: Alone", "e", &[]),
            m(6, 45, "Other", "f", &[]),
            m(7, 50, "Other", "g", &[]),
        ];
        // 4 ("Topic") joins the dummy of 2 and 3; 5 is a reply to 1 by subject; 6 and 7
        // are neither reply nor original: a new dummy holds both.
        assert_eq!(show(&references(&ms)), "((4)(2)(3))(1 5)((6)(7))");
    }

    #[test]
    fn loops_and_duplicate_ids_do_not_break_it() {
        let ms = [
            m(1, 10, "A", "a", &["b"]),
            m(2, 20, "B", "b", &["a"]),
            m(3, 30, "C", "a", &[]),
            m(4, 40, "D", "", &["zz", "yy"]),
        ];
        // 1 says it answers 2; 2's claim to answer 1 would close a loop.
        assert_eq!(show(&references(&ms)), "(2 1)(3)(4)");
        // 2's References presume c under a; c's own say it answers b, which is below it:
        // that link would loop, and the presumed one goes.
        let ms = [
            m(1, 30, "", "a", &[]),
            m(2, 10, "", "b", &["a", "c"]),
            m(3, 20, "", "c", &["b"]),
        ];
        assert_eq!(show(&references(&ms)), "(3 2)(1)");
        assert_eq!(show(&references(&[])), "");
    }

    #[test]
    fn deep_reply_chains_are_cut_at_a_depth() {
        // Every "a" message has two replies, the next "a" and a "b": 10,000 levels deep.
        let mut ms = Vec::new();
        for k in 0..10_000u32 {
            let parent = format!("a{}", k.saturating_sub(1));
            let refs: Vec<&str> = if k == 0 {
                vec![]
            } else {
                vec![parent.as_str()]
            };
            let sent = i64::from(k);
            ms.push(m(2 * k + 1, sent, "", &format!("a{k}"), &refs));
            ms.push(m(2 * k + 2, sent, "", &format!("b{k}"), &refs));
        }
        let shown = show(&references(&ms));
        let numbers = shown
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty());
        assert_eq!(numbers.count(), 20_000);
        let mut depth = 0usize;
        let mut deepest = 0;
        for c in shown.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            deepest = deepest.max(depth);
        }
        assert!(deepest <= MAX_DEPTH + 2, "{deepest}");
        assert!(deepest > MAX_DEPTH / 2, "{deepest}");
    }
}
