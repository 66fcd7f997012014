"""The webmail driven as a mailbox owner drives it: headless Chromium through Playwright, TOTP
codes from oathtool (not from TrekMail's own code).

usage: webmail_browser.py WEBMAIL_PORT DASHBOARD_PORT MODE [ARGS...]
  enrol                  ann sets up 2FA (QR code and key); the dashboard's pill, open in another
                         context, flips live; the open session stays; a new sign-in needs a code,
                         a reused code is refused (waits for the next 30 s step); prints KEY
  change-password        with an IMAP and an SMTP session open, ann changes her password in one
                         context (generator, live checks); the other webmail context goes to
                         sign-in live, this one stays; prints NEW
  dashboard-ends         the dashboard's "Save password" sends an open webmail page to sign-in
  recovery CODE NEW      Forgot password? with a wrong code, then CODE: the password is NEW, 2FA
                         off (the dashboard's pill flips live), the code cannot be used again
  brand HOST MAILBOX PASSWORD OWNER OWNER_PASSWORD
                         OWNER names the brand "Acme Mail" in the dashboard's Account → Security;
                         on http://HOST:PORT it shows; ann is refused like a wrong password;
                         MAILBOX signs in
  sessions               Active sessions: "End session" on the IMAP row, then "End all other
                         sessions" sends the other webmail context to sign-in; this one stays
  no-script              with JavaScript off: sign in, change the password through the plain
                         form (a mismatch is shown again with its message); prints NEW
  incoming               with JavaScript off: Settings → Incoming mail lists ann's addresses;
                         she blocks a domain (bad input first), allows one of its addresses and
                         removes it again, sees her forwarding, and sets her auto-reply;
                         prints INCOMING OK
  sieve                  with JavaScript off: Settings → Sieve shows a broken script's errors
                         with line and column, then saves and activates a fixed one, which
                         the dashboard's operator then sees; prints SIEVE OK
  screenshot PATH        Settings → Security as a PNG
Ann is ann@example.com with ANN_PASSWORD from the environment; the dashboard's owner is
owner@example.com with OWNER_PASSWORD. Exits non-zero on the first thing that is wrong.
"""
import os
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

from browser_kit import launch, oathtool

PORT, DASH, MODE, ARGS = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
BASE = f"http://127.0.0.1:{PORT}"
DASH_BASE = f"http://127.0.0.1:{DASH}"
ANN = "ann@example.com"
ANN_PASSWORD = os.environ["ANN_PASSWORD"]
OWNER_PASSWORD = os.environ["OWNER_PASSWORD"]
WRONG = "Wrong address or password."
expect.set_options(timeout=5000)




def sign_in(page, address=ANN, password=None, code=None, base=BASE):
    page.goto(base + "/signin")
    page.fill("#address", address)
    page.fill("#password", password or ANN_PASSWORD)
    page.click("button[type=submit]")
    if code is not None:
        page.wait_for_selector("#code")
        page.fill("#code", code)
        page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def dashboard_on_ann(browser):
    """A dashboard page on ann's Security tab, its event stream connected."""
    page = browser.new_context().new_page()
    page.goto(DASH_BASE + "/signin")
    page.fill("#email", "owner@example.com")
    page.fill("#password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mailboxes")
    page.click(f"text={ANN}")
    page.wait_for_url("**/security")
    time.sleep(0.5)
    return page


def next_step():
    """Sleeps into the next 30-second TOTP step."""
    time.sleep(30 - time.time() % 30 + 0.5)


def enrol(browser):
    dash = dashboard_on_ann(browser)
    pill_on = dash.locator(".mailbox-head [data-2fa-on]")
    expect(pill_on).to_be_hidden()
    page = browser.new_context().new_page()
    sign_in(page)
    page.get_by_role("link", name="Settings → Security").click()
    expect(page.locator("#two-factor")).to_contain_text("2FA off")
    page.get_by_role("button", name="Set up 2FA").click()
    expect(page.locator(".qr svg")).to_be_visible()
    key = page.locator("[data-key]").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{16,}", key), key
    page.fill("#on-code", "000000" if oathtool(key) != "000000" else "111111")
    page.get_by_role("button", name="Turn on 2FA").click()
    expect(page.locator(".error")).to_contain_text("not right")
    page.fill("#on-code", oathtool(key))
    page.get_by_role("button", name="Turn on 2FA").click()
    expect(page.locator(".notice")).to_contain_text("Two-factor authentication is on")
    # The dashboard shows it without a reload.
    expect(pill_on).to_be_visible(timeout=1500)
    print("PILL FLIPPED", flush=True)
    print("KEY", key, flush=True)
    # This session is not affected.
    page.goto(BASE + "/")
    expect(page).to_have_url(BASE + "/")
    # A new sign-in needs the code; the password alone leads to the code step.
    fresh = browser.new_context().new_page()
    fresh.goto(BASE + "/signin")
    fresh.fill("#address", ANN)
    fresh.fill("#password", ANN_PASSWORD)
    fresh.click("button[type=submit]")
    fresh.wait_for_selector("#code")
    # The confirming code was used up: wait for a fresh one.
    next_step()
    code = oathtool(key)
    sign_in(fresh, code=code)
    print("SIGNED IN WITH CODE", flush=True)
    again = browser.new_context().new_page()
    again.goto(BASE + "/signin")
    again.fill("#address", ANN)
    again.fill("#password", ANN_PASSWORD)
    again.click("button[type=submit]")
    again.wait_for_selector("#code")
    again.fill("#code", code)
    again.click("button[type=submit]")
    expect(again.locator(".error")).to_contain_text("already used")
    print("REUSED CODE REFUSED", flush=True)


def change_password(browser):
    other = browser.new_context().new_page()
    sign_in(other)
    page = browser.new_context().new_page()
    sign_in(page)
    page.goto(BASE + "/settings/security")
    rows = page.locator("#sessions tbody tr")
    expect(page.locator('#sessions tr[data-session="imap"]')).to_have_count(1)
    expect(page.locator('#sessions tr[data-session="smtp"]')).to_have_count(1)
    expect(page.locator('#sessions tr[data-session="webmail"]')).to_have_count(2)
    expect(page.locator("#sessions")).to_contain_text("This session")
    assert rows.count() == 4, rows.count()
    # Live checks, from the server's rule list.
    save = page.get_by_role("button", name="Change password")
    page.fill("#password", "short")
    expect(save).to_be_disabled()
    expect(page.locator('#password-section [data-rule="length"]')).not_to_have_class(re.compile(r"\bmet\b"))
    page.get_by_role("button", name="Generate strong password").click()
    expect(page.locator("#password")).to_have_value(re.compile(r"^.{18}$"))
    new = page.input_value("#password")
    assert len(new) == 18 and page.input_value("#confirm") == new, new
    expect(page.locator('#password-section [data-rule="length"]')).to_have_class(re.compile(r"\bmet\b"))
    page.fill("#current", ANN_PASSWORD)
    expect(save).to_be_enabled()
    save.click()
    expect(page.locator(".notice")).to_contain_text("3 other session(s) were ended")
    # The other browser is sent to sign-in by its event stream; this one stays.
    other.wait_for_url("**/signin", timeout=3000)
    page.goto(BASE + "/")
    expect(page).to_have_url(BASE + "/")
    page.goto(BASE + "/settings/security")
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    print("NEW", new, flush=True)


def dashboard_ends(browser):
    page = browser.new_context().new_page()
    sign_in(page)
    time.sleep(0.5)
    dash = dashboard_on_ann(browser)
    dash.fill("#password", "Dashboard-set-pass-7")
    dash.fill("#confirm", "Dashboard-set-pass-7")
    dash.get_by_role("button", name="Save password").click()
    expect(dash.locator(".notice")).to_contain_text("1 live session(s) were ended")
    page.wait_for_url("**/signin", timeout=3000)
    page.goto(BASE + "/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    print("WEBMAIL SESSION ENDED", flush=True)


def recover(page, code, new, address=ANN):
    page.goto(BASE + "/signin")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.locator("h2")).to_contain_text("Recovery code mode")
    expect(page.locator("main")).to_contain_text("Ask your admin")
    # The same live checks and generator as everywhere else.
    page.get_by_role("button", name="Generate strong password").click()
    expect(page.locator("#confirm")).to_have_value(re.compile(r"^.{18}$"))
    expect(page.get_by_role("button", name="Set new password")).to_be_enabled()
    page.fill("#address", address)
    page.fill("#code", code)
    page.fill("#password", new)
    page.fill("#confirm", new)
    page.get_by_role("button", name="Set new password").click()


def recovery(browser, code, new):
    dash = dashboard_on_ann(browser)
    pill_on = dash.locator(".mailbox-head [data-2fa-on]")
    expect(pill_on).to_be_visible()
    page = browser.new_context().new_page()
    recover(page, code + "x", new)
    wrong = page.locator(".error").inner_text()
    recover(page, code, new, address="nobody@example.com")
    expect(page.locator(".error")).to_have_text(wrong)
    recover(page, code, new)
    page.wait_for_url("**/settings/security?done=recovered")
    expect(page.locator(".notice")).to_contain_text("set it up again")
    expect(page.locator("#two-factor")).to_contain_text("2FA off")
    expect(pill_on).to_be_hidden(timeout=1500)
    print("PILL OFF", flush=True)
    again = browser.new_context().new_page()
    recover(again, code, "Another-new-pass-9")
    expect(again.locator(".error")).to_have_text(wrong)
    fresh = browser.new_context().new_page()
    sign_in(fresh, password=new)
    print("RECOVERED", flush=True)


def dashboard_brand(browser, owner, owner_password, name):
    """The agency owner renames the brand in Account → Security; a bad colour is refused."""
    dash = browser.new_context().new_page()
    dash.goto(DASH_BASE + "/signin")
    dash.fill("#email", owner)
    dash.fill("#password", owner_password)
    dash.click("button[type=submit]")
    dash.wait_for_url("**/mailboxes")
    dash.goto(DASH_BASE + "/account/security")
    section = dash.locator("#branding")
    expect(section.locator("#brand-host")).to_have_value(ARGS[0])
    dash.fill("#brand-name", "")
    dash.fill("#brand-name", name)
    section.get_by_role("button", name="Save branding").click()
    expect(dash.locator(".notice")).to_contain_text("Webmail branding saved.")
    expect(dash.locator("#brand-name")).to_have_value(name)
    starter = browser.new_context().new_page()
    starter.goto(DASH_BASE + "/signin")
    starter.fill("#email", "owner@example.com")
    starter.fill("#password", OWNER_PASSWORD)
    starter.click("button[type=submit]")
    starter.wait_for_url("**/mailboxes")
    starter.goto(DASH_BASE + "/account/security")
    expect(starter.locator("#branding")).to_contain_text("comes with the Agency plan")
    expect(starter.locator("#brand-host")).to_have_count(0)


def brand(browser, host, mailbox, password, owner, owner_password):
    dashboard_brand(browser, owner, owner_password, "Acme Mail")
    base = f"http://{host}:{PORT}"
    page = browser.new_context().new_page()
    page.goto(base + "/signin")
    name = page.locator("[data-brand]").inner_text()
    assert name != "TrekMail", name
    assert name in page.title(), page.title()
    page.fill("#address", ANN)
    page.fill("#password", ANN_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text(WRONG)
    page.fill("#address", mailbox)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    expect(page.locator("[data-brand]")).to_have_text(name)
    default = browser.new_context().new_page()
    default.goto(BASE + "/signin")
    expect(default.locator("[data-brand]")).to_have_text("TrekMail")
    print("BRAND", name, flush=True)


def sessions(browser):
    other = browser.new_context().new_page()
    sign_in(other)
    page = browser.new_context().new_page()
    sign_in(page)
    page.goto(BASE + "/settings/security")
    imap_row = page.locator('#sessions tr[data-session="imap"]')
    expect(imap_row).to_contain_text("127.0.0.1")
    imap_row.get_by_role("button", name="End session").click()
    expect(page.locator(".notice")).to_contain_text("That session was ended")
    expect(page.locator('#sessions tr[data-session="imap"]')).to_have_count(0)
    print("IMAP ENDED", flush=True)
    # This session's row has no "End session"; sign out is for that.
    this = page.locator('#sessions tr:has-text("This session")')
    expect(this.get_by_role("button", name="End session")).to_have_count(0)
    page.get_by_role("button", name="End all other sessions").click()
    expect(page.locator(".notice")).to_contain_text("1 other session(s) were ended")
    other.wait_for_url("**/signin", timeout=3000)
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    page.goto(BASE + "/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    print("SESSIONS OK", flush=True)


def no_script(browser):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    page.goto(BASE + "/settings/security")
    expect(page.get_by_role("button", name="Generate strong password")).to_be_hidden()
    new = "No-script-pass-31"
    page.fill("#current", ANN_PASSWORD)
    page.fill("#password", new)
    page.fill("#confirm", new + "x")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-section .error")).to_contain_text("do not match")
    page.fill("#current", ANN_PASSWORD)
    page.fill("#password", "weak")
    page.fill("#confirm", "weak")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-section .error")).to_contain_text("does not meet")
    page.fill("#current", ANN_PASSWORD)
    page.fill("#password", new)
    page.fill("#confirm", new)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".notice")).to_contain_text("Password changed.")
    print("NEW", new, flush=True)


def incoming(browser):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    page.get_by_role("link", name="Settings → Incoming mail").click()
    page.wait_for_url("**/settings/mail")
    expect(page.locator("[data-addresses] li")).to_have_text([ANN, "sales@example.com"])
    page.fill("#pattern", "@nowhere")
    page.get_by_role("button", name="Add sender").click()
    expect(page.locator("#filter-error")).to_contain_text("not a domain name")
    expect(page.locator("#pattern")).to_have_value("@nowhere")
    page.fill("#pattern", "@spam.example")
    page.get_by_role("button", name="Add sender").click()
    expect(page.locator(".notice")).to_contain_text("Sender added.")
    page.fill("#pattern", "friend@spam.example")
    page.select_option("#list", "allowed")
    page.get_by_role("button", name="Add sender").click()
    expect(page.locator('table[aria-labelledby="allowed-list"]')).to_contain_text("friend@spam.example")
    page.get_by_role("button", name="Remove friend@spam.example").click()
    expect(page.locator(".notice")).to_contain_text("Sender removed.")
    expect(page.locator('table[aria-labelledby="blocked-list"]')).to_contain_text("@spam.example")
    expect(page.locator("[data-forwarding]")).to_contain_text("walker@far.example")
    page.get_by_label("Send an auto-reply").check()
    page.fill("#text", "")
    page.get_by_role("button", name="Save auto-reply").click()
    expect(page.locator("#auto-reply-error")).to_contain_text("needs a text")
    page.fill("#text", "On the trail until Sunday.")
    page.get_by_role("button", name="Save auto-reply").click()
    expect(page.locator(".notice")).to_contain_text("Auto-reply saved.")
    expect(page.locator("#text")).to_have_value("On the trail until Sunday.")
    print("INCOMING OK", flush=True)


def sieve(browser):
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page)
    page.get_by_role("link", name="Settings → Sieve").click()
    page.wait_for_url("**/settings/sieve")
    page.fill("#script-name", "mine")
    page.fill("#script-source", 'keep;\nfileinot "x";\n')
    page.get_by_role("button", name="Save script").click()
    expect(page.locator("[data-script-errors] li").first).to_contain_text("Line 2, column 1:")
    expect(page.locator("[data-scripts]")).to_contain_text("No scripts yet.")
    page.fill("#script-source", 'require "imap4flags";\naddflag "\\\\Flagged";\n')
    page.get_by_role("button", name="Save script").click()
    expect(page.locator(".notice")).to_contain_text("Script saved.")
    page.locator('tr[data-script="mine"]').get_by_role("button", name="Activate").click()
    expect(page.locator('tr[data-script="mine"]')).to_contain_text("Active")
    print("SIEVE OK", flush=True)


def screenshot(page, path):
    page.set_viewport_size({"width": 1100, "height": 1300})
    sign_in(page)
    page.goto(BASE + "/settings/security")
    page.get_by_role("button", name="Set up 2FA").click()
    expect(page.locator(".qr svg")).to_be_visible()
    page.screenshot(path=path, full_page=True)
    print("SAVED", path, flush=True)


with sync_playwright() as p:
    extra = [f"--host-resolver-rules=MAP {ARGS[0]} 127.0.0.1"] if MODE == "brand" else []
    b = launch(p, extra)
    try:
        if MODE == "enrol":
            enrol(b)
        elif MODE == "change-password":
            change_password(b)
        elif MODE == "dashboard-ends":
            dashboard_ends(b)
        elif MODE == "recovery":
            recovery(b, *ARGS)
        elif MODE == "brand":
            brand(b, *ARGS)
        elif MODE == "sessions":
            sessions(b)
        elif MODE == "no-script":
            no_script(b)
        elif MODE == "incoming":
            incoming(b)
        elif MODE == "sieve":
            sieve(b)
        elif MODE == "screenshot":
            screenshot(b.new_context().new_page(), *ARGS)
        else:
            sys.exit(f"unknown mode {MODE}")
    finally:
        b.close()
