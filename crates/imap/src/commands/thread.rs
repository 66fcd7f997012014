//! THREAD and UID THREAD (RFC 5256): the messages SEARCH would choose, threaded by
//! `threading.rs`.

use super::search::known_charset;
use super::search_keys::{Facts, Needs};
use crate::base_subject::base_subject;
use crate::connection::Connection;
use crate::threading::{self, Message};
use imap_codec::imap_types::core::{Charset, Tag, Vec1};
use imap_codec::imap_types::extensions::thread::ThreadingAlgorithm;
use imap_codec::imap_types::response::Data;
use imap_codec::imap_types::search::SearchKey;

impl Connection {
    pub(crate) async fn thread(
        &mut self,
        tag: Tag<'static>,
        algorithm: ThreadingAlgorithm<'static>,
        charset: Charset<'static>,
        search: Vec1<SearchKey<'static>>,
        by_uid: bool,
    ) {
        let run = match algorithm {
            ThreadingAlgorithm::OrderedSubject => threading::ordered_subject,
            ThreadingAlgorithm::References => threading::references,
            ThreadingAlgorithm::Other(_) => {
                return self.bad(tag, "Only ORDEREDSUBJECT and REFERENCES");
            }
        };
        if !known_charset(&charset) {
            return self.refuse_charset(tag);
        }
        let keys = search.into_inner();
        let keep = |f: &Facts<'_>| threadable(f, by_uid);
        let Some(hits) = self.matching(&tag, &keys, Needs::Header, keep).await else {
            return;
        };
        let messages: Vec<Message> = hits.into_iter().map(|h| h.kept).collect();
        self.server.enqueue_data(Data::Thread(run(&messages)));
        self.done(tag, "THREAD completed");
    }
}

fn threadable(f: &Facts<'_>, by_uid: bool) -> Message {
    let arrival = f.internal_date.timestamp();
    let mut m = Message {
        number: if by_uid { f.uid } else { f.seq },
        seq: f.seq,
        sent: arrival,
        ..Message::default()
    };
    if let Some(c) = f.content {
        let base = base_subject(c.subject());
        m.sent = c.sent().map_or(arrival, |d| d.timestamp());
        m.subject = base.text.to_uppercase();
        m.reply = base.reply;
        m.id = c.message_id();
        m.references = c.references();
    }
    m
}
