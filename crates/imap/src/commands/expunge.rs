//! EXPUNGE and UID EXPUNGE (RFC 4315): remove `\Deleted` messages and say which went.

use crate::connection::Connection;
use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::sequence::SequenceSet;

impl Connection {
    pub(crate) async fn expunge(&mut self, tag: Tag<'static>, uids: Option<&SequenceSet>) {
        let everything = SequenceSet::from(..);
        let Some(target) = self.target(&tag, uids.unwrap_or(&everything), true, false) else {
            return;
        };
        if target.read_only {
            return self.no(tag, Some("READ-ONLY"), "The folder is open read-only");
        }
        let only: Option<Vec<u32>> =
            uids.map(|_| target.chosen.iter().map(|(uid, _)| *uid).collect());
        let core = self.core.clone();
        match core
            .expunge(&target.access, &target.folder, only.as_deref())
            .await
        {
            Ok(removed) => {
                self.announce_expunged(&removed).await;
                self.done(tag, "EXPUNGE completed");
            }
            Err(e) => self.core_no(tag, &e, "No such folder"),
        }
    }
}
