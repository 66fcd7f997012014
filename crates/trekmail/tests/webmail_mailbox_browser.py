"""The webmail's mailbox beside a mail app: Python's imaplib (a client we did not write) and
smtplib put mail in and read what webmail did; headless Chromium through Playwright uses the
list, with JavaScript on (live updates) and off (every action as a plain form).

usage: webmail_mailbox_browser.py WEBMAIL_PORT IMAP_PORT SMTP_INBOUND_PORT MODE [ARGS...]
  append FOLDER N PREFIX  N messages "PREFIX 1".."PREFIX N" appended over IMAP, one connection
                          (FOLDER created if it is not INBOX); prints APPENDED N
  messages FOLDER         prints "MSG UID FLAGS|SUBJECT" per message, then COUNT N
  folders                 prints "FOLDER NAME" per folder LIST shows
  flag FOLDER SUBJECT     UID STORE +FLAGS (\\Flagged) on the message with that subject
  move FOLDER SUBJECT TO  UID MOVE of the message with that subject to TO
  live                    the list open in Chromium with a message ticked: a message delivered
                          over SMTP, then one appended and one flagged over IMAP, show within
                          seconds with no navigation, the tick kept; prints LIVE OK
  no-script               with JavaScript off: tick 2 of 3, Archive; Flag; Move to; Delete;
                          Trash: Empty Trash; Junk and Not junk; Manage folders (create, a bad
                          name shown again, rename, delete with its tick); "Older" and "Newer";
                          prints NO SCRIPT OK
Ann is ann@example.com with ANN_PASSWORD from the environment. Exits non-zero on the first
thing that is wrong.
"""
import imaplib
import os
import re
import smtplib
import sys
import time

PORT, IMAP, SMTP = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
MODE, ARGS = sys.argv[4], sys.argv[5:]
BASE = f"http://127.0.0.1:{PORT}"
ANN = "ann@example.com"
ANN_PASSWORD = os.environ["ANN_PASSWORD"]


def body(subject, multipart=False):
    if not multipart:
        return (
            f"From: Bob <bob@example.net>\r\nTo: {ANN}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{time.time_ns()}@test>\r\n\r\nAbout {subject}.\r\n"
        ).encode()
    return (
        f"From: Bob <bob@example.net>\r\nTo: {ANN}\r\nSubject: {subject}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        "--b1\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        "Content-Disposition: attachment; filename=a.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1--\r\n"
    ).encode()


def imap():
    client = imaplib.IMAP4("127.0.0.1", IMAP, timeout=15)
    client.login(ANN, ANN_PASSWORD)
    return client


def quoted(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def listed(client, folder):
    """(uid, flags, subject) of every message in folder."""
    typ, _ = client.select(quoted(folder))
    assert typ == "OK", folder
    typ, data = client.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK", data
    found = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta = item[0].decode()
        uid = int(re.search(r"UID (\d+)", meta).group(1))
        flags = re.search(r"FLAGS \(([^)]*)\)", meta).group(1)
        subject = item[1].decode().strip().removeprefix("Subject: ")
        found.append((uid, flags, subject))
    return found


def uid_of(client, folder, subject):
    for uid, _, s in listed(client, folder):
        if s == subject:
            return uid
    raise AssertionError(f"no {subject!r} in {folder}")


def append(folder, n, prefix):
    client = imap()
    if folder != "INBOX":
        client.create(quoted(folder))
    for i in range(1, n + 1):
        typ, data = client.append(quoted(folder), None, None, body(f"{prefix} {i}"))
        assert typ == "OK", data
    client.logout()
    print("APPENDED", n, flush=True)


def deliver(subject):
    s = smtplib.SMTP("127.0.0.1", SMTP, timeout=15)
    s.sendmail("bob@example.net", [ANN], body(subject))
    s.quit()


if MODE == "append":
    append(ARGS[0], int(ARGS[1]), ARGS[2])
    sys.exit(0)

if MODE == "messages":
    client = imap()
    found = listed(client, ARGS[0])
    for uid, flags, subject in found:
        print(f"MSG {uid} {flags}|{subject}")
    print("COUNT", len(found), flush=True)
    client.logout()
    sys.exit(0)

if MODE == "folders":
    client = imap()
    typ, data = client.list()
    assert typ == "OK", data
    for line in data:
        name = line.decode().rsplit(' "/" ', 1)[-1].strip().strip('"')
        print("FOLDER", name)
    client.logout()
    sys.exit(0)

if MODE == "flag":
    client = imap()
    uid = uid_of(client, ARGS[0], ARGS[1])
    typ, data = client.uid("STORE", str(uid), "+FLAGS", "(\\Flagged)")
    assert typ == "OK", data
    client.logout()
    print("FLAGGED", uid, flush=True)
    sys.exit(0)

if MODE == "move":
    client = imap()
    uid = uid_of(client, ARGS[0], ARGS[1])
    typ, data = client.uid("MOVE", str(uid), quoted(ARGS[2]))
    assert typ == "OK", data
    client.logout()
    print("MOVED", uid, flush=True)
    sys.exit(0)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from browser_kit import launch, webmail_sign_in  # noqa: E402

expect.set_options(timeout=5000)


def sign_in(page):
    webmail_sign_in(page, BASE, ANN, ANN_PASSWORD)


def row(page, subject):
    return page.locator("table.list tbody tr", has_text=subject)


def live(browser):
    page = browser.new_context().new_page()
    sign_in(page)
    expect(row(page, "First")).to_have_count(1)
    page.check('input[name="uid"] >> nth=0')
    page.select_option("#move-to", label="Archive")
    # The event stream is open before anything is sent.
    time.sleep(0.7)
    page.evaluate("window.__stayed = true")
    deliver("Delivered live")
    expect(row(page, "Delivered live")).to_have_count(1, timeout=4000)
    expect(page.locator("[data-live=counts]")).to_contain_text("2 unread")
    expect(page.locator('nav.folders a[aria-current="page"] [data-unread]')).to_contain_text("2")
    client = imap()
    client.append("INBOX", None, None, body("Appended live", multipart=True))
    expect(row(page, "Appended live")).to_have_count(1, timeout=4000)
    expect(row(page, "Appended live").locator("[data-attachment]")).to_have_count(1)
    expect(row(page, "First").locator("[data-flagged]")).to_have_count(0)
    uid = uid_of(client, "INBOX", "First 1")
    typ, data = client.uid("STORE", str(uid), "+FLAGS", "(\\Flagged)")
    assert typ == "OK", data
    client.logout()
    expect(row(page, "First").locator("[data-flagged]")).to_have_count(1, timeout=4000)
    # No reload happened, and what the owner had chosen is still chosen.
    assert page.evaluate("window.__stayed === true"), "the page was reloaded"
    expect(row(page, "First").locator('input[name="uid"]')).to_be_checked()
    assert page.input_value("#move-to") != "", "the chosen folder was lost"
    print("LIVE OK", flush=True)


def notice(page, text):
    expect(page.locator(".notice")).to_contain_text(text)


def open_folder(page, name):
    page.locator("nav.folders a", has_text=re.compile("^" + re.escape(name))).first.click()
    expect(page.locator("h1")).to_have_text(name)


def tick(page, *subjects):
    for subject in subjects:
        row(page, subject).locator('input[name="uid"]').check()


def no_script(browser):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    expect(page.locator("table.list tbody tr")).to_have_count(3)
    # Several at once: 2 of 3 to Archive.
    tick(page, "Plain 1", "Plain 2")
    page.get_by_role("button", name="Archive").click()
    notice(page, "2 messages moved to Archive.")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    # Flag, then unread counts in the side list.
    tick(page, "Plain 3")
    page.get_by_role("button", name="Flag", exact=True).click()
    notice(page, "1 message flagged.")
    expect(row(page, "Plain 3").locator("[data-flagged]")).to_have_count(1)
    expect(page.locator('nav.folders a:has-text("Archive") [data-unread]')).to_contain_text("2")
    # Move to, with the select.
    open_folder(page, "Archive")
    tick(page, "Plain 1")
    page.select_option("#move-to", label="Junk")
    page.get_by_role("button", name="Move", exact=True).click()
    notice(page, "1 message moved to Junk.")
    # Not junk brings it back to INBOX.
    open_folder(page, "Junk")
    tick(page, "Plain 1")
    page.get_by_role("button", name="Not junk").click()
    notice(page, "1 message moved to INBOX.")
    open_folder(page, "INBOX")
    tick(page, "Plain 1")
    page.get_by_role("button", name="Junk", exact=True).click()
    notice(page, "1 message moved to Junk.")
    # Delete goes to Trash; Empty Trash, once ticked, leaves it empty.
    open_folder(page, "Archive")
    tick(page, "Plain 2")
    page.get_by_role("button", name="Delete", exact=True).click()
    notice(page, "1 message moved to Trash.")
    open_folder(page, "Trash")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.check('input[name="confirm"]')
    page.get_by_role("button", name="Empty Trash").click()
    notice(page, "Trash emptied: 1 message deleted for good.")
    expect(page.locator(".empty")).to_contain_text("No messages in Trash")
    # The read page: its own form, the same actions.
    open_folder(page, "INBOX")
    row(page, "Plain 3").get_by_role("link").click()
    page.get_by_role("button", name="Unflag").click()
    expect(page.get_by_role("button", name="Flag", exact=True)).to_be_visible()
    page.get_by_role("button", name="Archive").click()
    expect(page.locator("h1")).to_have_text("INBOX")
    notice(page, "1 message moved to Archive.")
    # Manage folders: create, a bad name shown again with why, rename, delete with its tick.
    page.get_by_role("link", name="Manage folders").click()
    page.fill("#new-name", "Projects/2026")
    page.get_by_role("button", name="Create folder").click()
    notice(page, "Folder Projects/2026 created.")
    page.fill("#new-name", "Bad*name")
    page.get_by_role("button", name="Create folder").click()
    expect(page.locator("#new-error")).to_contain_text("is not a folder name")
    expect(page.locator("#new-name")).to_have_value("Bad*name")
    folder = page.locator('tr[data-folder="Projects/2026"]')
    folder.locator('input[name="name"]').fill("Projects/Done")
    folder.get_by_role("button", name="Rename").click()
    notice(page, "Folder renamed to Projects/Done.")
    expect(page.locator('tr[data-folder="INBOX"]')).to_contain_text("it stays as it is")
    expect(page.locator('tr[data-folder="Trash"] button')).to_have_count(0)
    folder = page.locator('tr[data-folder="Projects/Done"]')
    folder.locator('input[name="confirm"]').check()
    folder.get_by_role("button", name="Delete folder").click()
    notice(page, "The folder was deleted")
    expect(page.locator('tr[data-folder="Projects/Done"]')).to_have_count(0)
    # Paging by UID: 50, then the next 50, then the rest; and back.
    page.goto(BASE + "/")
    open_folder(page, "Long")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Long 120")
    page.get_by_role("link", name="Older →").click()
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Long 70")
    page.get_by_role("link", name="Older →").click()
    expect(rows).to_have_count(20)
    expect(rows.last).to_contain_text("Long 1")
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)
    page.get_by_role("link", name="← Newer").click()
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Long 70")
    print("NO SCRIPT OK", flush=True)


with sync_playwright() as p:
    browser = launch(p)
    {"live": live, "no-script": no_script}[MODE](browser)
    browser.close()
