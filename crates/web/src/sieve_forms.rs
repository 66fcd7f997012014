//! The Sieve scripts forms, shared by the dashboard's Sieve tab (an admin) and webmail's
//! settings (the mailbox's owner): the list with its one active script, the editor whose
//! "Check" shows every error with its line and column before anything is saved, activate,
//! deactivate and delete, all through the core.

use crate::error::{WebError, form_message};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trekmail_core::services::{Actor, Manager};
use trekmail_core::{Core, CoreError};
use trekmail_sieve::CompileError;

/// The editor's form: "Check" or "Save" (`intent`), the name, and the name it had when
/// opened (empty for a new script), so that saving under a new name renames it.
#[derive(Deserialize)]
pub struct ScriptForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    intent: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    original: String,
    #[serde(default)]
    source: String,
}

/// A form that names one script: activate (empty: deactivate all) or delete.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    name: String,
}

/// Which script the page opens in the editor, and what it was sent back for.
#[derive(Deserialize, Default)]
pub struct Opened {
    script: Option<String>,
    saved: Option<u8>,
    activated: Option<u8>,
    deactivated: Option<u8>,
    deleted: Option<u8>,
}

impl Opened {
    pub fn notice(&self) -> Option<&'static str> {
        match (self.saved, self.activated, self.deactivated, self.deleted) {
            (Some(_), ..) => Some("Script saved."),
            (_, Some(_), ..) => Some("Script activated. It runs on the next message."),
            (_, _, Some(_), _) => Some("No script is active now."),
            (.., Some(_)) => Some("Script deleted."),
            _ => None,
        }
    }
}

pub struct ScriptRow {
    pub name: String,
    pub active: bool,
    /// The page with this script in the editor.
    pub href: String,
}

/// The tab as the page shows it.
pub struct SieveView {
    /// Where the forms post: `{base}`, `{base}/active`, `{base}/delete`.
    pub base: String,
    pub scripts: Vec<ScriptRow>,
    pub name: String,
    pub original: String,
    pub source: String,
    /// What "Check" or "Save" found wrong in the script, each with its line and column.
    pub errors: Vec<CompileError>,
    /// Why the form was refused otherwise (a name, a limit).
    pub error: Option<String>,
    /// "Check" found nothing wrong.
    pub checked: bool,
    pub extensions: String,
    pub max_bytes: usize,
}

/// The tab with `opened`'s script (or a new one) in the editor.
pub async fn view(
    core: &Core,
    manager: Manager<'_>,
    base: &str,
    opened: &Opened,
) -> Result<SieveView, WebError> {
    let scripts = core.sieve_scripts(manager).await?;
    let editing = opened
        .script
        .as_deref()
        .and_then(|name| scripts.iter().find(|s| s.name == name));
    let (name, source) = match editing {
        Some(script) => (script.name.clone(), script.source.clone()),
        None => (String::new(), String::new()),
    };
    Ok(SieveView {
        base: base.to_owned(),
        scripts: scripts
            .iter()
            .map(|s| ScriptRow {
                name: s.name.clone(),
                active: s.active,
                href: format!("{base}?script={}", query_value(&s.name)),
            })
            .collect(),
        original: name.clone(),
        name,
        source,
        errors: Vec::new(),
        error: None,
        checked: false,
        extensions: trekmail_sieve::EXTENSIONS.join(" "),
        max_bytes: core.sieve_limits().max_script_bytes,
    })
}

/// What the editor's form led to.
pub enum Submitted {
    /// Saved: back to the page with the script open.
    Saved(Response),
    /// Checked, or refused: the page again with the form as typed.
    Shown(SieveView),
}

pub async fn submit(
    core: &Core,
    manager: Manager<'_>,
    form: ScriptForm,
    actor: &Actor,
    base: &str,
) -> Result<Submitted, WebError> {
    let source = form.source.replace("\r\n", "\n");
    let (errors, checked, error) = match core.check_sieve(&source) {
        Err(errors) => (errors.0, false, None),
        Ok(()) if form.intent == "check" => (Vec::new(), true, None),
        Ok(()) => match save(core, manager, &form, &source, actor).await {
            Ok(()) => {
                let to = format!(
                    "{base}?script={}&saved=1#editor",
                    query_value(form.name.trim())
                );
                return Ok(Submitted::Saved(Redirect::to(&to).into_response()));
            }
            Err(e) => (
                Vec::new(),
                false,
                Some(form_message(&e).ok_or(WebError::from(e))?),
            ),
        },
    };
    let mut shown = view(core, manager, base, &Opened::default()).await?;
    shown.errors = errors;
    shown.checked = checked;
    shown.error = error;
    shown.name = form.name;
    shown.original = form.original;
    shown.source = source;
    Ok(Submitted::Shown(shown))
}

/// Saves the script, renaming it first when it was opened under another name.
async fn save(
    core: &Core,
    manager: Manager<'_>,
    form: &ScriptForm,
    source: &str,
    actor: &Actor,
) -> Result<(), CoreError> {
    let (name, original) = (form.name.trim(), form.original.as_str());
    if !original.is_empty() && original != name {
        core.rename_sieve_script(manager, original, name, actor)
            .await?;
    }
    core.put_sieve_script(manager, name, source, actor)
        .await
        .map(|_| ())
}

/// Activates the named script, or deactivates all for an empty name.
pub async fn activate(
    core: &Core,
    manager: Manager<'_>,
    form: &NameForm,
    actor: &Actor,
    base: &str,
) -> Result<Response, WebError> {
    let name = form.name.as_str();
    let active = (!name.is_empty()).then_some(name);
    core.activate_sieve_script(manager, active, actor).await?;
    let done = match active {
        Some(name) => format!("script={}&activated=1", query_value(name)),
        None => "deactivated=1".to_owned(),
    };
    Ok(Redirect::to(&format!("{base}?{done}#scripts")).into_response())
}

/// Deletes a script that is not the active one.
pub async fn delete(
    core: &Core,
    manager: Manager<'_>,
    form: &NameForm,
    actor: &Actor,
    base: &str,
) -> Result<Result<Response, SieveView>, WebError> {
    match core.delete_sieve_script(manager, &form.name, actor).await {
        Ok(()) => Ok(Ok(
            Redirect::to(&format!("{base}?deleted=1#scripts")).into_response()
        )),
        Err(e) => {
            let message = form_message(&e).ok_or(WebError::from(e))?;
            let mut shown = view(core, manager, base, &Opened::default()).await?;
            shown.error = Some(message);
            Ok(Err(shown))
        }
    }
}

/// A script name as a query value: everything but unreserved characters percent-encoded.
pub(crate) fn query_value(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::query_value;

    #[test]
    fn names_survive_the_query() {
        assert_eq!(query_value("Ferien ☀&x=1"), "Ferien%20%E2%98%80%26x%3D1");
    }
}
