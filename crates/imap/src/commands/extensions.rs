//! ID (RFC 2971), NAMESPACE (RFC 2342), ENABLE (RFC 5161) and the quota read commands of
//! QUOTA (RFC 9208): small answers about the server and the signed-in mailbox.

use crate::connection::Connection;
use crate::names;
use imap_codec::imap_types::core::{AString, IString, NString, QuotedChar, Tag, Vec1};
use imap_codec::imap_types::extensions::enable::CapabilityEnable;
use imap_codec::imap_types::extensions::namespace::Namespace;
use imap_codec::imap_types::extensions::quota::{QuotaGet, Resource};
use imap_codec::imap_types::mailbox::Mailbox;
use imap_codec::imap_types::response::Data;

/// The one quota root: the whole mailbox, named by the empty string.
const ROOT: &str = "";

impl Connection {
    /// ID: the client's identification goes to the log; the server names itself.
    pub(crate) fn id(&mut self, tag: Tag<'static>, parameters: &[(IString<'_>, NString<'_>)]) {
        let client: Vec<String> = parameters
            .iter()
            .map(|(k, v)| {
                let value = v.0.as_ref().map(|v| String::from_utf8_lossy(v.as_ref()));
                format!(
                    "{}={}",
                    String::from_utf8_lossy(k.as_ref()),
                    value.unwrap_or_default()
                )
            })
            .collect();
        tracing::debug!(client = %client.join(" "), "IMAP ID");
        let ours = [("name", "TrekMail"), ("version", env!("CARGO_PKG_VERSION"))]
            .into_iter()
            .filter_map(|(k, v)| {
                Some((
                    IString::try_from(k.to_owned()).ok()?,
                    NString(Some(IString::try_from(v.to_owned()).ok()?)),
                ))
            })
            .collect();
        self.server.enqueue_data(Data::Id {
            parameters: Some(ours),
        });
        self.done(tag, "ID completed");
    }

    /// NAMESPACE: one personal namespace, no prefix, `/` between levels.
    pub(crate) fn namespace(&mut self, tag: Tag<'static>) {
        let (Ok(prefix), Ok(delimiter)) = (
            IString::try_from(String::new()),
            QuotedChar::try_from(names::DELIMITER),
        ) else {
            return self.no(tag, Some("SERVERBUG"), "Cannot describe the namespace");
        };
        self.server.enqueue_data(Data::Namespace {
            personal: vec![Namespace::new(prefix, Some(delimiter))],
            other: Vec::new(),
            shared: Vec::new(),
        });
        self.done(tag, "NAMESPACE completed");
    }

    /// ENABLE: no extension this server has needs enabling (no CONDSTORE, no UTF8=ACCEPT), so
    /// the answer names none, as RFC 5161 asks for unknown ones.
    /// ENABLE (RFC 5161): CONDSTORE and QRESYNC (which implies CONDSTORE, RFC 7162 §3.2.3);
    /// other names are ignored, as the RFC asks.
    pub(crate) fn enable(&mut self, tag: Tag<'static>, asked: &[CapabilityEnable<'static>]) {
        let mut enabled = Vec::new();
        if let Some(signed_in) = self.signed_in.as_mut() {
            for capability in asked {
                let qresync = capability.to_string().eq_ignore_ascii_case("QRESYNC");
                if qresync && !signed_in.qresync {
                    signed_in.qresync = true;
                    signed_in.condstore = true;
                    enabled.push(capability.clone());
                } else if matches!(capability, CapabilityEnable::CondStore) && !signed_in.condstore
                {
                    signed_in.condstore = true;
                    enabled.push(capability.clone());
                }
            }
        }
        self.server.enqueue_data(Data::Enabled {
            capabilities: enabled,
        });
        self.done(tag, "ENABLE completed");
    }

    /// GETQUOTAROOT: every folder is under the mailbox's one root.
    pub(crate) async fn quota_root(&mut self, tag: Tag<'static>, mailbox: &Mailbox<'static>) {
        let Some(signed_in) = self.signed_in.as_ref() else {
            return self.bad(tag, "Sign in first");
        };
        let name = names::folder_name(mailbox).unwrap_or_default();
        if let Err(e) = self.core.folder(&signed_in.access, &name).await {
            return self.core_no(tag, &e, "No such folder");
        }
        let Ok(root) = AString::try_from(ROOT.to_owned()) else {
            return self.no(tag, Some("SERVERBUG"), "No quota root");
        };
        self.server.enqueue_data(Data::QuotaRoot {
            mailbox: mailbox.clone(),
            roots: vec![root],
        });
        self.quota_data(tag, "GETQUOTAROOT completed").await;
    }

    /// GETQUOTA: the mailbox's storage limit and what its messages take, in KiB.
    pub(crate) async fn quota(&mut self, tag: Tag<'static>, root: &AString<'_>) {
        if root.as_ref() != ROOT.as_bytes() {
            return self.no(tag, Some("NONEXISTENT"), "No such quota root");
        }
        self.quota_data(tag, "GETQUOTA completed").await;
    }

    async fn quota_data(&mut self, tag: Tag<'static>, done: &str) {
        let Some(signed_in) = self.signed_in.as_ref() else {
            return self.bad(tag, "Sign in first");
        };
        let mailbox = match self.core.own_mailbox(&signed_in.access).await {
            Ok(m) => m,
            Err(e) => return self.core_no(tag, &e, "The mailbox is gone"),
        };
        let kib = |bytes: i64| u64::try_from(bytes).unwrap_or(0).div_ceil(1024);
        let storage = QuotaGet::new(
            Resource::Storage,
            kib(mailbox.used_bytes),
            kib(mailbox.quota_bytes),
        );
        let Ok(root) = AString::try_from(ROOT.to_owned()) else {
            return self.no(tag, Some("SERVERBUG"), "No quota root");
        };
        self.server.enqueue_data(Data::Quota {
            root,
            quotas: Vec1::from(storage),
        });
        self.done(tag, done);
    }
}
