"""Webmail's compose, driven as the owner drives it: headless Chromium through Playwright, and
Python's imaplib reading what arrived (clients we did not write).

usage: webmail_compose_browser.py WEBMAIL_PORT IMAP_PORT MODE
  send        ann writes to herself and to bob@far.example with a file (uploaded by the page's
              script, with progress); INBOX gets it with the right MIME, Sent keeps a copy,
              Drafts is left empty; then Reply, Forward and Forward as attachment of a message
              in INBOX carry In-Reply-To/References and the original; with JavaScript off a
              message is written and sent through the plain form; prints SEND OK
  bad-input   a line break in Subject or in an address, an invalid address, an unknown hosted
              recipient and files over the 1 MB limit (checked by the page before upload, and
              by the server without it) each show a clear message, send nothing and keep the
              draft; the draft is saved as ann types and when she leaves, and Discard removes it; prints
              BAD INPUT OK
Ann is ann@example.com with ANN_PASSWORD from the environment. Exits non-zero on the first
thing that is wrong.
"""
import email
import email.policy
import imaplib
import os
import sys
import time

from playwright.sync_api import expect, sync_playwright

from browser_kit import launch, webmail_sign_in

PORT, IMAP, MODE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
BASE = f"http://127.0.0.1:{PORT}"
ANN = "ann@example.com"
ANN_PASSWORD = os.environ["ANN_PASSWORD"]
expect.set_options(timeout=8000)
FILE = bytes(range(256)) * 40


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")


def imap():
    client = imaplib.IMAP4("127.0.0.1", IMAP)
    client.login(ANN, ANN_PASSWORD)
    return client


def messages(folder):
    """Every message of `folder`, parsed."""
    client = imap()
    client.select(folder, readonly=True)
    _, data = client.uid("SEARCH", None, "ALL")
    found = []
    for uid in data[0].split():
        _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
        found.append(email.message_from_bytes(parts[0][1], policy=email.policy.default))
    client.logout()
    return found


def by_subject(folder, subject):
    found = [m for m in messages(folder) if m["Subject"] == subject]
    check(len(found) == 1, f"one {subject!r} in {folder}, found {len(found)}")
    return found[0]


def eventually(what, done, seconds=10):
    deadline = time.time() + seconds
    while not done():
        check(time.time() < deadline, what)
        time.sleep(0.2)


def sign_in(page):
    webmail_sign_in(page, BASE, ANN, ANN_PASSWORD)


def append(folder, raw):
    client = imap()
    client.append(folder, None, None, raw)
    client.logout()


def open_message(page, subject):
    """Opens the oldest listed message whose subject holds `subject` (the list is newest first,
    and replies to it hold it too)."""
    page.goto(BASE + "/")
    href = page.locator("a[href^='/read?']", has_text=subject).last.get_attribute("href")
    page.goto(BASE + href)


def send_mode(browser):
    page = browser.new_page()
    sign_in(page)
    page.goto(BASE + "/compose")
    page.fill("#to", f"{ANN}, Bob <bob@far.example>")
    page.fill("#subject", "Photos ü")
    page.fill("#text", "Here they are.\nAnn")
    uploads = []
    page.on("request", lambda r: uploads.append(r) if r.method == "POST" else None)
    page.set_input_files("#files", files=[{"name": "a.bin", "mimeType": "application/octet-stream", "buffer": FILE}])
    page.wait_for_url("**/compose?draft=*")
    check(len(uploads) == 1, f"one upload, saw {len(uploads)}")
    expect(page.locator("[data-attachment-name]")).to_have_text(["a.bin"])
    check(page.input_value("#subject") == "Photos ü", "the upload kept the typed subject")
    page.click("button[value=send]")
    expect(page.locator("[data-sent]")).to_contain_text("bob@far.example")
    got = by_subject("INBOX", "Photos ü")
    check(got.get_content_type() == "multipart/mixed", f"multipart/mixed, got {got.get_content_type()}")
    parts = list(got.iter_attachments())
    check([p.get_filename() for p in parts] == ["a.bin"], "the attachment's name")
    check(parts[0].get_content() == FILE, "the attachment's bytes")
    text = got.get_body(("plain",)).get_content().replace("\r\n", "\n")
    check(text.strip() == "Here they are.\nAnn", f"the text: {text!r}")
    check(got["Bcc"] is None, "no Bcc line")
    check(got["Message-ID"].endswith("@example.com>"), f"Message-ID {got['Message-ID']}")
    by_subject("Sent", "Photos ü")
    check(messages("Drafts") == [], "the sent draft is gone from Drafts")

    # Reply all and Reply, and both forwards, of a message in INBOX.
    append("INBOX", (
        "From: Ann <ann@example.com>\r\nTo: ann@example.com\r\nCc: Bo <bo@far.example>\r\n"
        "Subject: Plans\r\n"
        "Message-ID: <orig-1@far.example>\r\nReferences: <root@far.example>\r\n"
        "Date: Mon, 1 Jun 2026 10:00:00 +0000\r\n\r\nSee you at noon.\r\n").encode())
    open_message(page, "Plans")
    page.click("text=Reply all")
    check(page.input_value("#to") == "Ann <ann@example.com>", "Reply all answers the sender")
    check(page.input_value("#cc") == "Bo <bo@far.example>", "and copies the others but not ann")
    open_message(page, "Plans")
    page.get_by_role("link", name="Reply", exact=True).click()
    check(page.input_value("#cc") == "", "Reply copies nobody")
    check(page.input_value("#subject") == "Re: Plans", "the reply's subject")
    check("> See you at noon." in page.input_value("#text"), "the quoted text")
    page.click("button[value=send]")
    expect(page.locator("[data-sent]")).to_be_visible()
    reply = by_subject("INBOX", "Re: Plans")
    check(reply["In-Reply-To"] == "<orig-1@far.example>", f"In-Reply-To {reply['In-Reply-To']}")
    check(reply["References"].split() == ["<root@far.example>", "<orig-1@far.example>"], f"References {reply['References']}")

    open_message(page, "Plans")
    page.click("text=Forward as attachment")
    page.fill("#to", ANN)
    page.click("button[value=send]")
    expect(page.locator("[data-sent]")).to_be_visible()
    attached = by_subject("INBOX", "Fwd: Plans")
    inner = [p for p in attached.iter_attachments() if p.get_content_type() == "message/rfc822"]
    check(len(inner) == 1, "the original attached as message/rfc822")
    check(inner[0].get_content()["Message-ID"] == "<orig-1@far.example>", "the attached original")

    open_message(page, "Plans")
    page.get_by_role("link", name="Forward", exact=True).click()
    page.fill("#to", ANN)
    page.fill("#subject", "Fwd: Plans inline")
    page.click("button[value=send]")
    expect(page.locator("[data-sent]")).to_be_visible()
    inline = by_subject("INBOX", "Fwd: Plans inline")
    text = inline.get_body(("plain",)).get_content()
    check("Forwarded message" in text and "See you at noon." in text, f"the inline forward: {text}")

    # With JavaScript off, the plain form writes and sends.
    plain = browser.new_context(java_script_enabled=False).new_page()
    sign_in(plain)
    plain.goto(BASE + "/compose")
    plain.fill("#to", ANN)
    plain.fill("#subject", "No script")
    plain.fill("#text", "typed without JavaScript")
    plain.set_input_files("#files", files=[{"name": "n.txt", "mimeType": "text/plain", "buffer": b"plain file"}])
    plain.click("button[value=save]")
    expect(plain.locator("[data-compose-notice]")).to_have_text("Draft saved.")
    expect(plain.locator("[data-attachment-name]")).to_have_text(["n.txt"])
    plain.click("button[value=send]")
    expect(plain.locator("[data-sent]")).to_be_visible()
    sent = by_subject("INBOX", "No script")
    check([p.get_filename() for p in sent.iter_attachments()] == ["n.txt"], "the plain form's file")
    print("SEND OK")


def refused(page, fields, message):
    """Sends the compose form as the page holds it, with `fields` changed (as raw bytes, which a
    browser's own inputs would not send): it must come back with `message`."""
    form = page.evaluate("() => Object.fromEntries(new FormData(document.querySelector('form[data-compose]')))")
    form.pop("files", None)
    form.update(fields)
    form["action"] = "send"
    answer = page.request.post(BASE + "/compose", multipart=form)
    check(answer.status == 422, f"refused with 422, got {answer.status}")
    check(message in answer.text(), f"{message!r} in the answer")


def bad_input_mode(browser):
    page = browser.new_page()
    sign_in(page)
    page.goto(BASE + "/compose")
    page.fill("#to", ANN)
    page.fill("#subject", "Draft one")
    # Saved as she types.
    expect(page.locator("[data-autosave]")).to_have_text("Draft saved.")
    by_subject("Drafts", "Draft one")
    before = len(messages("INBOX"))

    refused(page, {"subject": "Hi\r\nBcc: victim@far.example"}, "Line breaks are not allowed here.")
    refused(page, {"subject": "Fine", "to": "ann@example.com\r\nBcc: victim@far.example"}, "Line breaks are not allowed here.")
    refused(page, {"to": "not-an-address"}, "is not an email address.")
    refused(page, {"to": "nobody@example.com"}, "Not sent: there is no mailbox at nobody@example.com.")
    check(len(messages("INBOX")) == before, "nothing was sent")
    drafts = messages("Drafts")
    check(len(drafts) == 1, f"one draft kept, found {len(drafts)}")

    # Over the limit: the page refuses the files before any byte is sent.
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.set_input_files("#files", files=[{"name": "big.bin", "mimeType": "application/octet-stream", "buffer": b"x" * (1024 * 1024 + 10)}])
    expect(page.locator("[data-upload-error]")).to_have_text("The attachments are larger than the 1 MB limit.")
    check(posts == [], "no upload of a file over the limit")

    # Without the script the server refuses it before reading it, and the draft stays.
    plain = browser.new_context(java_script_enabled=False).new_page()
    sign_in(plain)
    plain.goto(BASE + "/compose")
    plain.fill("#to", ANN)
    plain.set_input_files("#files", files=[{"name": "big.bin", "mimeType": "application/octet-stream", "buffer": b"x" * (2 * 1024 * 1024)}])
    plain.click("button[value=send]")
    expect(plain.locator("[data-compose-error]")).to_contain_text("larger than the 1 MB limit")
    check(len(messages("INBOX")) == before, "nothing was sent")

    # Leaving the page saves what was typed since.
    page.goto(BASE + "/compose")
    page.fill("#to", ANN)
    page.fill("#subject", "Written then left")
    page.goto(BASE + "/")
    eventually("the draft saved on leaving", lambda: any(m["Subject"] == "Written then left" for m in messages("Drafts")))

    # Discard removes the draft.
    plain.goto(BASE + "/compose")
    plain.fill("#subject", "To discard")
    plain.click("button[value=save]")
    expect(plain.locator("[data-compose-notice]")).to_have_text("Draft saved.")
    by_subject("Drafts", "To discard")
    plain.click("button[value=discard]")
    plain.wait_for_url(BASE + "/")
    check(not any(m["Subject"] == "To discard" for m in messages("Drafts")), "the discarded draft is gone")
    print("BAD INPUT OK")


with sync_playwright() as p:
    browser = launch(p)
    {"send": send_mode, "bad-input": bad_input_mode}[MODE](browser)
    browser.close()
