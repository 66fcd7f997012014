"""The dashboard driven as an admin drives it: headless Chromium through Playwright.

usage: dashboard_browser.py PORT MODE [ARGS...]
  password-form             live checks, disabled Save, the generator, CSRF refusal
  save-password             saves ann's password in the Security tab; prints ENDED n
  recovery                  the recovery dialog: code shown once, gone once closed
  pill                      prints READY, then waits for ann's 2FA pill to turn on live
                            (prints ON), then off (prints OFF), on two open pages
  isolation B_EMAIL B_PASSWORD ANN_ID
                            account B signed in: every page and form of ann's answers 404
  owner-2fa                 Account → Security: turn 2FA on with a code from oathtool, sign in
                            with a fresh code, a reused code refused, turn it off (waits for
                            the next 30 s step)
  own-password NEW          the owner changes their own password in one browser; the other
                            browser's dashboard session ends live
  create-and-storage        creates a mailbox on the Mailboxes page, edits its storage, and
                            meets the plan's limit with a clear message
  delete                    deletes ann through the dialog that names her; prints ENDED n
  no-script                 with JavaScript off: save a password, make a recovery code and
                            delete a mailbox through the plain forms and confirmation pages
  routing-tabs              with JavaScript off: the tab strip in the spec's order, then the
                            Aliases, Forwarding, Auto-Reply and Filters tabs' forms, bad input
                            first; prints ROUTING OK
  sieve-tab                 with JavaScript off: the Sieve tab's Check shows a broken script's
                            errors with line and column and keeps the text, then saves,
                            activates and deactivates a script; prints SIEVE OK
  token NAME                makes an API token in Account → Security; prints TOKEN value
  screenshots DIR           saves the Mailboxes page and the Security tab as PNG
Every mode signs in as owner@example.com with OWNER_PASSWORD from the environment unless
told otherwise, and exits non-zero with a message on the first thing that is wrong.
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

from browser_kit import launch, oathtool

PORT, MODE, ARGS = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
BASE = f"http://127.0.0.1:{PORT}"
OWNER = "owner@example.com"
OWNER_PASSWORD = os.environ["OWNER_PASSWORD"]
CONFUSABLE = set("0Oo1lIi|`'\"")
expect.set_options(timeout=5000)



def sign_in(page, email=OWNER, password=None, code=None):
    page.goto(BASE + "/signin")
    page.fill("#email", email)
    page.fill("#password", password or OWNER_PASSWORD)
    page.click("button[type=submit]")
    if code is not None:
        page.wait_for_selector("#code")
        page.fill("#code", code)
        page.click("button[type=submit]")
    page.wait_for_url("**/mailboxes")


def open_security(page, address="ann@example.com"):
    page.goto(BASE + "/mailboxes")
    page.click(f"text={address}")
    page.wait_for_url("**/security")



def post(page, path, form):
    """A form POST from inside the signed-in page (its cookies, no token unless given)."""
    return page.evaluate(
        """async ([path, form]) => {
            const r = await fetch(path, { method: "POST", body: new URLSearchParams(form) });
            return { status: r.status, text: await r.text() };
        }""",
        [path, form],
    )


def check_rule(page, rule, met):
    item = page.locator(f'#password-section [data-rule="{rule}"]')
    if met:
        expect(item).to_have_class(re.compile(r"\bmet\b"))
    else:
        expect(item).not_to_have_class(re.compile(r"\bmet\b"))


def password_form(page):
    open_security(page)
    save = page.get_by_role("button", name="Save password")
    expect(save).to_be_disabled()
    steps = [
        ("short", {"length": False, "uppercase": False, "lowercase": True, "digit": False}),
        ("shortA1", {"length": False, "uppercase": True, "lowercase": True, "digit": True}),
        ("longenoughpassword", {"length": True, "uppercase": False, "lowercase": True, "digit": False}),
        ("Longenoughpassword", {"length": True, "uppercase": True, "lowercase": True, "digit": False}),
        ("Longenoughpassword7", {"length": True, "uppercase": True, "lowercase": True, "digit": True}),
    ]
    for typed, rules in steps:
        page.fill("#password", typed)
        for rule, met in rules.items():
            check_rule(page, rule, met)
        expect(save).to_be_disabled()
    page.fill("#confirm", "Longenoughpassword8")
    check_rule(page, "match", False)
    expect(save).to_be_disabled()
    page.fill("#confirm", "Longenoughpassword7")
    check_rule(page, "match", True)
    expect(save).to_be_enabled()

    made = set()
    previous = "Longenoughpassword7"
    for _ in range(3):
        page.get_by_role("button", name="Generate strong password").click()
        expect(page.locator("#password")).to_have_attribute("type", "text")
        expect(page.locator("#confirm")).to_have_attribute("type", "text")
        # Each click must bring a new value; wait for it rather than read the old one.
        expect(page.locator("#password")).not_to_have_value(previous)
        value = page.input_value("#password")
        expect(page.locator("#confirm")).to_have_value(value)
        previous = value
        assert len(value) == 18, value
        assert re.search(r"[A-Z]", value) and re.search(r"[a-z]", value), value
        assert re.search(r"[0-9]", value), value
        assert not (set(value) & CONFUSABLE), f"confusable in {value}"
        for rule in ["length", "uppercase", "lowercase", "digit", "match"]:
            check_rule(page, rule, True)
        expect(save).to_be_enabled()
        made.add(value)
    assert len(made) == 3, made

    # The server enforces the same rules when the script is bypassed.
    csrf = page.get_attribute("[data-csrf]", "data-csrf")
    mailbox = page.get_attribute(".mailbox-head", "data-mailbox")
    weak = post(page, f"/mailboxes/{mailbox}/password", {"csrf": csrf, "password": "weakpass", "confirm": "weakpass"})
    assert weak["status"] == 200 and "does not meet" in weak["text"], weak["text"][:400]
    assert "at least 12 characters" in weak["text"], weak["text"][:400]
    # A form without this session's token changes nothing.
    for token in ["", "0" * 64]:
        forged = post(page, f"/mailboxes/{mailbox}/password", {"csrf": token, "password": "Forged-pass-2026", "confirm": "Forged-pass-2026"})
        assert forged["status"] == 403, forged
    forged = post(page, f"/mailboxes/{mailbox}/recovery-code", {})
    assert forged["status"] == 403, forged
    forged = post(page, f"/mailboxes/{mailbox}/delete", {"csrf": "x"})
    assert forged["status"] == 403, forged
    open_security(page)
    expect(page.locator("[data-recovery-status]")).to_contain_text("Not issued yet")
    print("PASSWORD FORM OK", flush=True)


def save_password(page):
    open_security(page)
    page.get_by_role("button", name="Generate strong password").click()
    expect(page.get_by_role("button", name="Save password")).to_be_enabled()
    new = page.input_value("#password")
    page.get_by_role("button", name="Save password").click()
    notice = page.locator(".notice")
    expect(notice).to_contain_text("Password saved.")
    ended = re.search(r"(\d+) live session", notice.inner_text()).group(1)
    print("NEW", new, flush=True)
    print("ENDED", ended, flush=True)


def recovery(page):
    open_security(page)
    status = page.locator("[data-recovery-status]")
    expect(status).to_contain_text("Not issued yet")
    codes = []
    for _ in range(2):
        page.get_by_role("link", name="Generate new code").click()
        dialog = page.locator("#recovery-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Generate a new recovery code?")
        # Focus is inside the dialog.
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
        dialog.get_by_role("button", name="Generate new code").click()
        code_box = dialog.locator("[data-code]")
        expect(code_box).to_have_text(re.compile(r"\S{8,}"))
        expect(dialog.get_by_role("button", name="Copy")).to_be_visible()
        code = code_box.inner_text().strip()
        codes.append(code)
        dialog.get_by_role("button", name="Done").click()
        expect(dialog).to_be_hidden()
        expect(status).to_contain_text("Issued just now")
        expect(code_box).to_have_text("")
        assert code not in page.content(), "the code is still in the page"
    assert codes[0] != codes[1], codes
    page.reload()
    expect(status).to_contain_text("Issued just now")
    assert page.get_attribute("[data-recovery-status] time", "title").endswith("UTC")
    for code in codes:
        assert code not in page.content(), "a code is shown again"
    print("CODES", " ".join(codes), flush=True)


def pill(browser):
    first = browser.new_context().new_page()
    sign_in(first)
    open_security(first)
    second = browser.new_context().new_page()
    sign_in(second)
    row = second.locator('tr:has-text("ann@example.com")')
    pills = [
        (first.locator(".mailbox-head [data-2fa-on]"), first.locator(".mailbox-head [data-2fa-off]")),
        (first.locator("#two-factor [data-2fa-on]"), first.locator("#two-factor [data-2fa-off]")),
        (row.locator("[data-2fa-on]"), row.locator("[data-2fa-off]")),
    ]
    for on, off in pills:
        expect(on).to_be_hidden()
        expect(off).to_be_visible()
    # Let both event streams connect before the change is made.
    time.sleep(0.5)
    print("READY", flush=True)
    for on, off in pills:
        expect(on).to_be_visible(timeout=1500)
        expect(on).to_contain_text("On" if "two-factor" in str(on) else "2FA on")
        expect(off).to_be_hidden()
    print("ON", flush=True)
    for on, off in pills:
        expect(off).to_be_visible(timeout=1500)
        expect(on).to_be_hidden()
    print("OFF", flush=True)


def isolation(page, b_email, b_password, ann_id):
    sign_in(page, b_email, b_password)
    assert "ann@example.com" not in page.content()
    csrf = page.get_attribute("[data-csrf]", "data-csrf")
    for path in ["security", "recovery-code", "delete"]:
        answer = page.goto(f"{BASE}/mailboxes/{ann_id}/{path}")
        assert answer.status == 404, (path, answer.status)
        assert "ann@example.com" not in page.content()
    page.goto(BASE + "/mailboxes")
    for path, form in [
        ("password", {"password": "Taken-over-2026", "confirm": "Taken-over-2026"}),
        ("recovery-code", {}),
        ("storage", {"quota_mb": "5"}),
        ("delete", {}),
    ]:
        answer = post(page, f"/mailboxes/{ann_id}/{path}", {"csrf": csrf, **form})
        assert answer["status"] == 404, (path, answer)
        assert "ann@example.com" not in answer["text"]
    print("ISOLATED", flush=True)


def owner_two_factor(browser):
    page = browser.new_context().new_page()
    sign_in(page)
    page.goto(BASE + "/account/security")
    page.get_by_role("button", name="Set up 2FA").click()
    expect(page.locator(".qr svg")).to_be_visible()
    key = page.locator("[data-key]").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key), key
    page.fill("#on-code", "000000" if oathtool(key) != "000000" else "111111")
    page.get_by_role("button", name="Turn on 2FA").click()
    expect(page.locator("#two-factor .error")).to_contain_text("not right")
    # Shown again, same key: the owner need not scan anew.
    assert page.locator("[data-key]").inner_text().replace(" ", "") == key
    page.fill("#on-code", oathtool(key))
    page.get_by_role("button", name="Turn on 2FA").click()
    expect(page.locator(".notice")).to_contain_text("Two-factor authentication is on")
    expect(page.locator("#two-factor .pill-on")).to_contain_text("2FA on")
    assert key not in page.content()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    # The password alone no longer signs in.
    page.fill("#email", OWNER)
    page.fill("#password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#code")).to_be_visible()

    # The enrolment used this step's code: the next one is fresh, and good once.
    code = oathtool(key, 30)
    sign_in(page, code=code)
    other = browser.new_context().new_page()
    other.goto(BASE + "/signin")
    other.fill("#email", OWNER)
    other.fill("#password", OWNER_PASSWORD)
    other.click("button[type=submit]")
    other.fill("#code", code)
    other.click("button[type=submit]")
    expect(other.locator(".error")).to_contain_text("not right, was already used")

    # Turning it off needs the password and a current code.
    page.goto(BASE + "/account/security")
    page.fill("#off-password", "Wrong-password-1")
    page.fill("#off-code", oathtool(key, 30))
    page.get_by_role("button", name="Turn off 2FA").click()
    expect(page.locator("#two-factor .error")).to_contain_text("not right")
    expect(page.locator("#two-factor .pill-on")).to_be_visible()
    # `code` is spent: wait until its step is the current one, then use the next.
    deadline = time.time() + 35
    while oathtool(key) != code and time.time() < deadline:
        time.sleep(1)
    page.fill("#off-password", OWNER_PASSWORD)
    page.fill("#off-code", oathtool(key, 30))
    page.get_by_role("button", name="Turn off 2FA").click()
    expect(page.locator(".notice")).to_contain_text("Two-factor authentication is off")
    print("OWNER 2FA OK", flush=True)


def own_password(browser, new):
    mine = browser.new_context().new_page()
    sign_in(mine)
    other = browser.new_context().new_page()
    sign_in(other)
    time.sleep(0.5)
    mine.goto(BASE + "/account/security")
    mine.fill("#current", "Wrong-password-1")
    mine.fill("#password", new)
    mine.fill("#confirm", new)
    mine.get_by_role("button", name="Change password").click()
    expect(mine.locator("#password-section .error")).to_contain_text("current password is not right")
    mine.fill("#current", OWNER_PASSWORD)
    mine.fill("#password", new)
    mine.fill("#confirm", new)
    mine.get_by_role("button", name="Change password").click()
    expect(mine.locator(".notice")).to_contain_text("Password changed")
    # The other browser is sent to the sign-in page without touching anything.
    other.wait_for_url("**/signin", timeout=3000)
    # This one stays signed in.
    mine.goto(BASE + "/mailboxes")
    expect(mine.get_by_role("heading", name="Mailboxes")).to_be_visible()
    other.fill("#email", OWNER)
    other.fill("#password", OWNER_PASSWORD)
    other.click("button[type=submit]")
    expect(other.locator(".error")).to_contain_text("Wrong e-mail or password.")
    sign_in(other, password=new)
    print("OWN PASSWORD OK", flush=True)


def create_and_storage(page):
    page.goto(BASE + "/mailboxes")
    page.fill("#local_part", "bea")
    page.fill("#display_name", "Bea Example")
    page.fill("#quota_mb", "100000000")
    page.get_by_role("button", name="Generate strong password").click()
    page.get_by_role("button", name="Create mailbox").click()
    expect(page.locator("#new .error")).to_contain_text("storage")
    # The form comes back as it was typed, with the password to type again.
    expect(page.locator("#local_part")).to_have_value("bea")
    expect(page.locator("#display_name")).to_have_value("Bea Example")
    page.fill("#quota_mb", "50")
    page.get_by_role("button", name="Generate strong password").click()
    page.get_by_role("button", name="Create mailbox").click()
    page.wait_for_url("**/security?created=1")
    expect(page.locator(".notice")).to_contain_text("Mailbox created.")
    expect(page.locator(".mailbox-head h1")).to_have_text("bea@example.com")
    page.get_by_role("link", name="Edit storage").click()
    dialog = page.locator("#storage-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#dialog-quota").fill("80")
    dialog.get_by_role("button", name="Save storage").click()
    expect(page.locator(".notice")).to_contain_text("Storage saved.")
    expect(page.locator(".mailbox-head")).to_contain_text("80 MB")
    # Past the browser's own check (the field's max), the server's, on the page without script.
    page.goto(page.url.split("?")[0].replace("/security", "/storage"))
    page.evaluate("document.querySelector('#quota_mb').removeAttribute('max')")
    page.fill("#quota_mb", "100000000")
    page.get_by_role("button", name="Save storage").click()
    expect(page.locator(".error")).to_be_visible()
    expect(page.locator("#quota_mb")).to_have_value("100000000")
    open_security(page, "bea@example.com")
    expect(page.locator(".mailbox-head")).to_contain_text("80 MB")
    page.goto(BASE + "/mailboxes")
    row = page.locator('tr:has-text("bea@example.com")')
    expect(row).to_contain_text("Bea Example")
    expect(row).to_contain_text("2FA off")
    # The whole row opens the mailbox.
    row.locator("td").nth(2).click()
    page.wait_for_url("**/security")
    print("CREATED", flush=True)


def delete(page):
    open_security(page)
    page.get_by_role("link", name="Delete mailbox").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete ann@example.com?")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Cancel"
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("link", name="Delete mailbox").click()
    dialog.get_by_role("button", name="Delete mailbox").click()
    page.wait_for_url(re.compile(r"/mailboxes\?deleted=\d+$"))
    notice = page.locator(".notice")
    expect(notice).to_contain_text("Mailbox deleted.")
    assert "ann@example.com" not in page.content()
    print("ENDED", re.search(r"(\d+) live session", notice.inner_text()).group(1), flush=True)


def no_script(browser):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    open_security(page)
    # No live checks: the server answers for the rules.
    page.fill("#password", "too-weak")
    page.fill("#confirm", "too-weak")
    page.get_by_role("button", name="Save password").click()
    expect(page.locator("#password-section .error")).to_contain_text("does not meet")
    page.fill("#password", "No-script-pass-2026")
    page.fill("#confirm", "No-script-pass-2026")
    page.get_by_role("button", name="Save password").click()
    expect(page.locator(".notice")).to_contain_text("Password saved.")
    page.get_by_role("link", name="Generate new code").click()
    expect(page.get_by_role("heading")).to_contain_text("Generate a new recovery code for ann@example.com?")
    page.get_by_role("button", name="Generate new code").click()
    code = page.locator("[data-code]").inner_text().strip()
    assert len(code) >= 8, code
    page.get_by_role("link", name="Done").click()
    expect(page.locator("[data-recovery-status]")).to_contain_text("Issued just now")
    assert code not in page.content()
    page.get_by_role("link", name="Delete mailbox").click()
    expect(page.get_by_role("heading")).to_contain_text("Delete ann@example.com?")
    page.get_by_role("button", name="Delete mailbox").click()
    expect(page.locator(".notice")).to_contain_text("Mailbox deleted.")
    print("NO SCRIPT OK", flush=True)


def routing_tabs(browser, scripted):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    open_security(page)
    tabs = page.locator("nav.tabs a")
    expect(tabs).to_have_text(["Aliases", "Forwarding", "Filters", "Auto-Reply", "Sieve", "Security"])
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("Security")
    page.get_by_role("link", name="Aliases", exact=True).click()
    page.wait_for_url("**/aliases")
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("Aliases")
    # Bad input comes back with its message and what was typed; nothing is added.
    for typed, message in [("ann", "in use"), ("two words", "letters, digits"), ("x+y", "cannot hold +")]:
        page.fill("#alias_local_part", typed)
        page.get_by_role("button", name="Add alias").click()
        expect(page.locator("#alias-error")).to_contain_text(message)
        expect(page.locator("#alias_local_part")).to_have_value(typed)
        expect(page.locator("#alias_local_part")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#aliases .empty")).to_have_text("No aliases yet.")
    page.fill("#alias_local_part", "sales")
    page.get_by_role("button", name="Add alias").click()
    expect(page.locator(".notice")).to_contain_text("Alias added.")
    expect(page.locator("#aliases tbody")).to_contain_text("sales@example.com")
    page.get_by_label("File it into the folder named by the tag").check()
    page.get_by_role("button", name="Save sub-addressing").click()
    expect(page.locator(".notice")).to_contain_text("Saved.")
    expect(page.get_by_label("File it into the folder named by the tag")).to_be_checked()
    row = page.locator('#catch-all tr:has-text("example.com")')
    expect(row).to_contain_text("None")
    row.get_by_role("button", name="Make this mailbox the catch-all").click()
    expect(page.locator('#catch-all tr:has-text("example.com")')).to_contain_text("This mailbox")

    page.get_by_role("link", name="Forwarding", exact=True).click()
    page.wait_for_url("**/forwarding")
    expect(page.locator("#forwards .empty")).to_have_text("Mail is not forwarded.")
    for typed, message in [("ann@example.com", "would loop"), ("no way@far.example", "The destination: the part before @")]:
        page.evaluate("document.querySelector('#destination').type = 'text'")
        page.fill("#destination", typed)
        page.get_by_role("button", name="Add destination").click()
        expect(page.locator("#forward-error")).to_contain_text(message)
        expect(page.locator("#destination")).to_have_value(typed)
    page.fill("#destination", "walker@far.example")
    page.get_by_role("button", name="Add destination").click()
    expect(page.locator(".notice")).to_contain_text("Destination added.")
    expect(page.locator('#forwards tr:has-text("walker@far.example")')).to_contain_text("Another server")
    expect(page.get_by_label("Keep a copy of forwarded mail in ann@example.com")).to_be_checked()
    page.get_by_label("Keep a copy of forwarded mail in ann@example.com").uncheck()
    page.locator("#keep-copy").get_by_role("button", name="Save").click()
    expect(page.get_by_label("Keep a copy of forwarded mail in ann@example.com")).not_to_be_checked()

    page.get_by_role("link", name="Auto-Reply", exact=True).click()
    page.wait_for_url("**/auto-reply")
    page.get_by_label("Send an auto-reply").check()
    page.fill("#subject", "Away")
    page.fill("#text", "Back on the 10th.")
    page.fill("#starts_on", "2026-12-10")
    page.fill("#ends_on", "2026-12-04")
    page.get_by_role("button", name="Save auto-reply").click()
    expect(page.locator("#auto-reply-error")).to_contain_text("before the start date")
    expect(page.locator("#text")).to_have_value("Back on the 10th.")
    expect(page.locator("#ends_on")).to_have_value("2026-12-04")
    page.fill("#ends_on", "2026-12-24")
    page.get_by_role("button", name="Save auto-reply").click()
    expect(page.locator(".notice")).to_contain_text("Auto-reply saved.")
    expect(page.locator("#starts_on")).to_have_value("2026-12-10")
    page.fill("#zone", "Mars/Olympus")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.locator("#zone-error")).to_contain_text("not a time zone name")
    page.fill("#zone", "Europe/Paris")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.locator(".notice")).to_contain_text("Time zone saved.")
    expect(page.locator("#auto-reply")).to_contain_text("in Europe/Paris")

    page.get_by_role("link", name="Filters", exact=True).click()
    page.wait_for_url("**/filters")
    page.fill("#pattern", "not a sender")
    page.get_by_role("button", name="Add sender").click()
    expect(page.locator("#filter-error")).to_contain_text("neither an address")
    expect(page.locator("#pattern")).to_have_value("not a sender")
    page.fill("#pattern", "@Spam.example")
    page.get_by_role("button", name="Add sender").click()
    expect(page.locator(".notice")).to_contain_text("Sender added.")
    page.fill("#pattern", "friend@spam.example")
    page.select_option("#list", "allowed")
    page.get_by_role("button", name="Add sender").click()
    page.fill("#pattern", "@spam.example")
    page.get_by_role("button", name="Add sender").click()
    expect(page.locator("#filter-error")).to_contain_text("on the lists already")
    expect(page.locator('table[aria-labelledby="blocked-list"]')).to_contain_text("@spam.example")
    expect(page.locator('table[aria-labelledby="allowed-list"]')).to_contain_text("friend@spam.example")
    page.get_by_label("File it into Junk").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_label("File it into Junk")).to_be_checked()
    page.get_by_role("button", name="Remove friend@spam.example").click()
    expect(page.locator(".notice")).to_contain_text("Sender removed.")
    expect(page.locator("#allowed-list + .empty")).to_have_text("None.")
    # With JavaScript on, every tab loads without a script error (the caller watches for them).
    mailbox = page.url.split("/mailboxes/")[1].split("/")[0]
    for tab in ["aliases", "forwarding", "filters", "auto-reply", "security"]:
        scripted.goto(f"{BASE}/mailboxes/{mailbox}/{tab}")
        expect(scripted.locator('nav.tabs a[aria-current="page"]')).to_have_count(1)
    print("ROUTING OK", flush=True)


def token(page, name):
    page.goto(BASE + "/account/security")
    page.fill("#token-name", name)
    page.select_option("#token-lifetime", "30")
    # The password is asked again: a wrong one makes no token.
    page.fill("#token-password", "Wrong-pass-2026")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#api-tokens .error")).to_contain_text("The current password is not right.")
    assert page.locator("[data-token]").count() == 0
    page.fill("#token-name", name)
    page.fill("#token-password", OWNER_PASSWORD)
    page.get_by_role("button", name="Create token").click()
    value = page.locator("[data-token]").inner_text().strip()
    assert value.startswith("tmk_"), value
    page.reload()
    assert value not in page.content(), "the token is shown twice"
    expect(page.locator("#api-tokens")).to_contain_text(name)
    expect(page.locator("#api-tokens tbody tr").first).to_contain_text(" UTC")  # its expiry
    print("TOKEN", value, flush=True)


def screenshots(page, out):
    page.set_viewport_size({"width": 1100, "height": 760})
    page.goto(BASE + "/mailboxes")
    page.screenshot(path=os.path.join(out, "dashboard-mailboxes.png"), full_page=True)
    open_security(page)
    page.fill("#password", "Harbour-light-7")
    page.screenshot(path=os.path.join(out, "dashboard-security-tab.png"), full_page=True)
    print("SHOTS", flush=True)


BROKEN_SIEVE = 'require "fileinto";\nfileinot "Trips";\n'
GOOD_SIEVE = 'require ["fileinto", "mailbox"];\nif header :contains "subject" "trip" {\n  fileinto :create "Trips";\n}\n'


def sieve_tab(browser):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    open_security(page)
    page.get_by_role("link", name="Sieve", exact=True).click()
    page.wait_for_url("**/sieve")
    expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_text("Sieve")
    expect(page.locator("[data-scripts]")).to_contain_text("No scripts yet.")
    page.fill("#script-name", "rules")
    page.fill("#script-source", BROKEN_SIEVE)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("[data-script-errors] li").first).to_have_text('Line 2, column 1: unknown command "fileinot"')
    expect(page.locator("#script-source")).to_have_value(BROKEN_SIEVE)
    expect(page.locator("#script-name")).to_have_value("rules")
    # Saving a broken script keeps nothing.
    page.get_by_role("button", name="Save script").click()
    expect(page.locator("#script-errors")).to_contain_text("was not saved")
    expect(page.locator("[data-scripts]")).to_contain_text("No scripts yet.")
    page.fill("#script-source", GOOD_SIEVE)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("[data-script-checked]")).to_contain_text("No errors found")
    expect(page.locator("[data-scripts]")).to_contain_text("No scripts yet.")
    page.get_by_role("button", name="Save script").click()
    expect(page.locator(".notice")).to_contain_text("Script saved.")
    row = page.locator('tr[data-script="rules"]')
    expect(row).to_contain_text("Inactive")
    expect(page.locator("#script-source")).to_have_value(GOOD_SIEVE)
    row.get_by_role("button", name="Activate").click()
    expect(page.locator(".notice")).to_contain_text("Script activated.")
    row = page.locator('tr[data-script="rules"]')
    expect(row).to_contain_text("Active")
    expect(row.get_by_role("button", name="Delete")).to_have_count(0)
    print("SIEVE OK", flush=True)


with sync_playwright() as p:
    browser = launch(p)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if MODE == "pill":
        pill(browser)
    elif MODE == "isolation":
        isolation(page, *ARGS)
    elif MODE == "owner-2fa":
        owner_two_factor(browser)
    elif MODE == "no-script":
        no_script(browser)
    elif MODE == "routing-tabs":
        sign_in(page)
        routing_tabs(browser, page)
    elif MODE == "sieve-tab":
        sieve_tab(browser)
    elif MODE == "own-password":
        own_password(browser, ARGS[0])
    else:
        sign_in(page)
        {
            "password-form": lambda: password_form(page),
            "save-password": lambda: save_password(page),
            "recovery": lambda: recovery(page),
            "token": lambda: token(page, ARGS[0]),
            "create-and-storage": lambda: create_and_storage(page),
            "delete": lambda: delete(page),
            "screenshots": lambda: screenshots(page, ARGS[0]),
        }[MODE]()
    assert not errors, f"script errors in the page: {errors}"
    browser.close()
