"""The Domains page driven as an account owner drives it: headless Chromium through Playwright.

usage: domains_browser.py PORT MODE [ARGS...]
  add NAME THIRD  opens Domains from the nav; removing example.com (ann is on it) is refused
                  with the reason; NAME is added and its page opens: prints DOMAIN id, then
                  RECORD name<TAB>type<TAB>value for each row of the records table (the value
                  as selectable text, its Copy button putting it on the clipboard); back on
                  Domains, a bad name and then THIRD (past the plan's limit) are refused in the
                  form with the typed name kept
  check ID        on /domains/ID presses Check DNS: prints STATE name<TAB>type<TAB>state<TAB>found
                  for each row (found: the text the row shows of what DNS holds); then rotates
                  the DKIM keys (4 keys, the old 2 rotated out with a Retire button each) and
                  retires the old Ed25519 one; prints KEYS OK
Every mode signs in as owner@example.com with OWNER_PASSWORD from the environment, and exits
non-zero with a message on the first thing that is wrong.
"""
import os
import re
import sys

from playwright.sync_api import expect, sync_playwright

from browser_kit import dashboard_sign_in, launch

PORT, MODE, ARGS = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
BASE = f"http://127.0.0.1:{PORT}"
expect.set_options(timeout=15000)


def rows(page):
    """The records table's rows: (name, type, value, row locator)."""
    table = page.locator("table.records tbody tr[data-record]")
    out = []
    for i in range(table.count()):
        row = table.nth(i)
        out.append(
            (
                row.get_attribute("data-name"),
                row.get_attribute("data-type"),
                row.locator("[data-value]").inner_text().strip(),
                row,
            )
        )
    return out


def add(page, name, third):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Domains").click()
    page.wait_for_url("**/domains")
    expect(page.locator("[data-limit]")).to_contain_text("1 of 2 domains")
    own = page.locator('tr[data-name="example.com"]')
    expect(own.locator("[data-mailboxes]")).to_have_text("1")
    own.get_by_role("button", name="Remove example.com").click()
    expect(page.locator("[data-remove-error]")).to_contain_text(
        "example.com still has mailboxes or aliases"
    )
    expect(page.locator('tr[data-name="example.com"]')).to_have_count(1)

    page.fill("#name", name)
    page.get_by_role("button", name="Add domain").click()
    page.wait_for_url(re.compile(r"/domains/\d+\?added=1$"))
    expect(page.locator(".notice")).to_contain_text("Domain added.")
    expect(page.locator("h1")).to_have_text(name)
    domain_id = page.url.split("/domains/")[1].split("?")[0]
    print("DOMAIN", domain_id, flush=True)
    found = rows(page)
    assert len(found) >= 10, found
    for record_name, kind, value, row in found:
        print(f"RECORD {record_name}\t{kind}\t{value}", flush=True)
        assert row.get_attribute("data-state") is None, "a state before any check"
        expect(row.locator("[data-purpose]")).not_to_be_empty()
    # The longest value, the RSA key, goes to the clipboard whole.
    record_name, kind, value, row = max(found, key=lambda r: len(r[2]))
    assert value.startswith("v=DKIM1; k=rsa; p="), value
    button = row.get_by_role("button", name=f"Copy the value of {record_name} {kind}")
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == value, (copied, value)
    # Without script the value is still there to select: the text itself, nothing hidden.
    style = row.locator("[data-value]").evaluate("e => getComputedStyle(e).userSelect")
    assert style in ("all", "text", "auto"), style

    page.get_by_role("link", name="← Domains").click()
    page.wait_for_url("**/domains")
    expect(page.locator("[data-limit]")).to_contain_text("2 of 2 domains")
    expect(page.locator(f'tr[data-name="{name}"] [data-mailboxes]')).to_have_text("0")
    page.fill("#name", "not a domain")
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator("#add-error")).to_contain_text("is not a domain name")
    expect(page.locator("#name")).to_have_value("not a domain")
    page.fill("#name", third)
    page.get_by_role("button", name="Add domain").click()
    expect(page.locator("#add-error")).to_contain_text("plan allows 2 domain(s)")
    expect(page.locator("#name")).to_have_value(third)
    expect(page.locator("[data-limit]")).to_contain_text("2 of 2 domains")
    print("ADDED", flush=True)


def check(page, domain_id):
    page.goto(f"{BASE}/domains/{domain_id}")
    expect(page.locator("table.records")).to_have_attribute("data-checked", "false")
    page.get_by_role("button", name="Check DNS").click()
    page.wait_for_url(f"**/domains/{domain_id}/check")
    expect(page.locator("table.records")).to_have_attribute("data-checked", "true")
    for record_name, kind, _, row in rows(page):
        state = row.get_attribute("data-state")
        label = row.locator("[data-state-label]").inner_text().strip()
        expected = {
            "present": "Present",
            "missing": "Missing",
            "different": "Different",
            "unknown": "Could not check",
        }[state]
        assert label == expected, (record_name, state, label)
        shown = row.locator("[data-found]")
        found = shown.inner_text().strip() if shown.count() else ""
        print(f"STATE {record_name}\t{kind}\t{state}\t{found}", flush=True)

    keys = page.locator("#dkim tbody tr")
    expect(keys).to_have_count(2)
    expect(page.locator("#dkim")).not_to_contain_text("Rotated out")
    before = [keys.nth(i).get_attribute("data-key") for i in range(2)]
    page.get_by_role("button", name="Rotate DKIM keys").click()
    page.wait_for_url(re.compile(r"\?rotated=1#dkim$"))
    expect(page.locator(".notice")).to_contain_text("New DKIM keys sign mail from now on")
    expect(keys).to_have_count(4)
    old = page.locator('#dkim tr[data-signing="false"]')
    expect(old).to_have_count(2)
    expect(page.locator('#dkim tr[data-signing="true"]')).to_have_count(2)
    for i in range(2):
        expect(old.nth(i)).to_contain_text("Rotated out")
        assert old.nth(i).get_attribute("data-key") in before
        expect(old.nth(i).get_by_role("button", name="Retire")).to_have_count(1)
    expect(page.locator('#dkim tr[data-signing="true"] button')).to_have_count(0)
    # Every key still published is in the records table: the new ones and the old.
    names = [r[0] for r in rows(page)]
    for i in range(4):
        selector = keys.nth(i).get_attribute("data-key")
        assert any(n.startswith(selector + "._domainkey.") for n in names), (selector, names)

    old_ed = page.locator('#dkim tr[data-signing="false"]:has-text("Ed25519")')
    retired = old_ed.get_attribute("data-key")
    old_ed.get_by_role("button", name="Retire").click()
    page.wait_for_url(re.compile(r"\?retired=1#dkim$"))
    expect(page.locator(".notice")).to_contain_text("Key retired")
    expect(keys).to_have_count(3)
    expect(page.locator(f'#dkim tr[data-key="{retired}"]')).to_have_count(0)
    expect(page.locator(f'table.records tr[data-name^="{retired}._domainkey."]')).to_have_count(0)
    print("KEYS OK", flush=True)


with sync_playwright() as p:
    browser = launch(p)
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    dashboard_sign_in(page, BASE, "owner@example.com", os.environ["OWNER_PASSWORD"])
    if MODE == "add":
        add(page, *ARGS)
    else:
        check(page, *ARGS)
    assert not errors, f"script errors in the page: {errors}"
    browser.close()
