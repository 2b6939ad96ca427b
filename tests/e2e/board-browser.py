#!/usr/bin/python3
"""Drives `relctl board` in a real headless Chromium, by clicks and form fills only.

    board-browser.py SHOTS_DIR PHASE URL [PHASE URL]...

Each PHASE is what one teammate does on their own board (URL is the one
`relctl board` printed, with its token); all phases run in one browser
session, in order.  A page is reloaded until what the phase waits for is
there (a teammate's change arrives with the board's background sync).
Screenshots go to SHOTS_DIR as PHASE.png (and PHASE-N.png); the last line
printed names every page the phase saw.  Exits 1 with the page's text when
something it expects is missing.
"""
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

STEP = "test-voyager"
FOOTAGE = "https://videos.example.com/2.6.3/voyager"


class Failed(Exception):
    pass


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1100,1400", "--user-data-dir=" + profile, "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Board:
    def __init__(self, driver, shots):
        self.d = driver
        self.shots = shots
        self.count = 0

    def until(self, xpath, seconds=30):
        """The element at xpath, reloading the page until it is there."""
        end = time.time() + seconds
        while True:
            try:
                return self.d.find_element(By.XPATH, xpath)
            except NoSuchElementException:
                if time.time() > end:
                    raise Failed("never found %s on %s:\n%s" % (xpath, self.d.current_url,
                                                                 self.d.find_element(By.TAG_NAME, "body").text))
                time.sleep(0.4)
                self.d.refresh()

    def click(self, element, key=None):
        """Clicks (or presses key on) element and waits for the page that leads to."""
        html = self.d.find_element(By.TAG_NAME, "html")
        if key:
            element.send_keys(key)
        else:
            element.click()
        end = time.time() + 20
        while time.time() < end:
            try:
                html.tag_name  # raises once the old page is gone
                time.sleep(0.05)
            except WebDriverException:  # stale, or "does not belong to the document"
                break
        refusal = self.d.find_elements(By.ID, "refusal")
        if refusal:
            raise Failed("refused: " + refusal[0].text)

    def shot(self, name):
        self.count += 1
        self.d.save_screenshot(os.path.join(self.shots, "%s.png" % name))

    def open(self, url):
        self.d.get(url)  # the token becomes a cookie; the board sends us to "/"
        if "token=" in self.d.current_url:
            raise Failed("the token stayed in the address bar: " + self.d.current_url)
        self.console_clean()

    def console_clean(self):
        """Nothing the page loads or runs is blocked by its Content-Security-Policy, and no script fails."""
        for entry in self.d.get_log("browser"):
            if entry["level"] in ("SEVERE", "WARNING") or "Content Security Policy" in entry["message"]:
                raise Failed("browser console: %s" % entry["message"])

    def item_div(self, item):
        return self.until("//div[@id='item-%s']" % item)

    def record(self, div, result, evidence=None):
        """Records one checklist item: its result radio, an evidence link, Record."""
        div.find_element(By.ID, "%s-%s-%s" % (STEP, div.get_attribute("id")[5:], result)).click()
        if evidence:
            div.find_element(By.NAME, "evidence").send_keys(evidence)
        self.click(div.find_element(By.XPATH, ".//button[text()='Record']"))

    def mark_done(self, evidence, note=None):
        done = self.until("//form[.//button[@id='done']]")
        if note:
            done.find_element(By.NAME, "note").send_keys(note)
        done.find_element(By.NAME, "evidence").send_keys(evidence)
        self.click(done.find_element(By.ID, "done"))


def support(b, url):
    """David claims the Voyager test, records every item (footage where required) and marks it done."""
    b.open(url)
    b.click(b.until("//ul[@id='claim']/li[a[text()='%s']]//button" % STEP))
    b.shot("support-claimed")
    b.click(b.until("//ul[@id='hold']/li/a[text()='%s']" % STEP))
    ids = [div.get_attribute("id")[5:] for div in b.d.find_elements(By.XPATH, "//div[@class='item'][.//fieldset]")]
    if len(ids) < 10:
        raise Failed("only %d checklist forms on the step page" % len(ids))
    for item in ids:
        div = b.item_div(item)
        b.record(div, "pass", "%s/%s.mp4" % (FOOTAGE, item) if "(evidence required)" in div.text else None)
    b.shot("support-checked")
    b.mark_done(FOOTAGE + "/session.mp4", "every item passes on a Voyager 2a")
    b.shot("support-done")
    phone(b)


def phone(b):
    """At a phone's width (the person at the test bench) the step page needs no sideways scrolling."""
    b.d.set_window_size(390, 844)
    b.d.refresh()
    wide = b.d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    b.shot("support-phone")
    b.d.set_window_size(1100, 1400)
    if wide > 0:
        raise Failed("at 390 px the step page is %d px too wide" % wide)


def to_item_review(b, url):
    """Opens the board and follows the You page's "review the item" link of the step."""
    b.open(url)
    b.click(b.until("//ul[@id='review']/li[a[text()='%s']]/a[text()='review the item']" % STEP))


def dev_reject(b, url):
    """Shalom watches the static IP footage and sends that item back."""
    to_item_review(b, url)
    div = b.item_div("static-ip-save")
    form = div.find_element(By.XPATH, ".//form[.//button[text()='Reject']]")
    form.find_element(By.NAME, "note").send_keys("the video stops before the page shows the new address")
    b.click(form.find_element(By.XPATH, ".//button[text()='Reject']"))
    b.shot("dev-rejected")


def support_recheck(b, url):
    """David records the item again with a new take, and marks the step done again."""
    b.open(url)
    b.click(b.until("//ul[@id='hold']/li/a[text()='%s']" % STEP))
    b.record(b.until("//div[@id='item-static-ip-save'][contains(., 'reject')]"), "pass",
             FOOTAGE + "/static-ip-save-take-2.mp4")
    b.mark_done(FOOTAGE + "/session.mp4")
    b.shot("support-rechecked")


def dev_approve(b, url):
    """Shalom approves every item that waits for a dev's review."""
    to_item_review(b, url)
    b.until("//div[@id='item-static-ip-save'][contains(., 'take-2')]")
    while True:
        buttons = b.d.find_elements(By.XPATH, "//div[@class='item']//button[text()='Approve']")
        if not buttons:
            break
        b.click(buttons[0])
    b.shot("dev-approved")


def owner_decide(b, url):
    """Michael reads the brief and ships."""
    b.open(url)
    b.click(b.until("//ul[@id='decisions']//a[text()='read the brief and decide']"))
    brief = b.until("//div[@id='brief']")
    if STEP not in brief.text:
        raise Failed("the brief does not mention %s:\n%s" % (STEP, brief.text))
    b.shot("owner-brief")
    b.d.find_element(By.ID, "decide-ship").click()
    form = b.d.find_element(By.XPATH, "//form[.//fieldset[@id='decide']]")
    form.find_element(By.NAME, "reason").send_keys("all devices green; the static IP fix is verified on video")
    b.click(form.find_element(By.XPATH, ".//button[text()='Decide']"))
    b.shot("owner-decided")
    b.console_clean()


def tab_to(b, matches, most=80):
    """Presses Tab until the focused element matches; that element."""
    for _ in range(most):
        ActionChains(b.d).send_keys(Keys.TAB).perform()
        focused = b.d.switch_to.active_element
        if matches(focused):
            return focused
    raise Failed("Tab never reached the element on %s" % b.d.current_url)


def keyboard(b, url):
    """Michael adds a finding with the keyboard alone: Tab to Findings, Enter, Tab to the form, type, Enter."""
    b.open(url)
    link = tab_to(b, lambda e: e.tag_name == "a" and e.text == "Findings")
    b.click(link, Keys.ENTER)
    title = tab_to(b, lambda e: e.get_attribute("name") == "title")
    title.send_keys("The status LED blinks twice on boot")
    severity = tab_to(b, lambda e: e.get_attribute("name") == "severity", 3)
    severity.send_keys("minor")
    b.click(title, Keys.ENTER)
    b.until("//table[@id='findings']//td[contains(., 'The status LED blinks twice on boot')]")
    b.shot("keyboard-finding")


def nav(b, tab):
    """Follows one of the header's tabs (You, Release, Brief, ...)."""
    b.click(b.until("//nav/a[text()='%s']" % tab))


def fieldset_form(b, fieldset):
    """The form around the fieldset with that id."""
    return b.until("//form[fieldset[@id='%s']]" % fieldset)


def summary_says(b, text):
    summary = b.until("//p[@id='summary']")
    if text not in summary.text:
        raise Failed("the step's summary does not say %r: %s" % (text, summary.text))


def manager(b, url):
    """Cristina, the release manager: assigns test-update to maria, adds an item to its checklist and
    removes one that does not apply, skips then reopens run-e2e-tests, and marks herself away."""
    b.open(url)
    nav(b, "Release")
    b.click(b.until("//table//a[text()='test-update']"))
    form = fieldset_form(b, "assign")
    Select(form.find_element(By.NAME, "person")).select_by_value("maria")
    form.find_element(By.NAME, "reason").send_keys("maria has the update rig set up")
    b.click(form.find_element(By.XPATH, ".//button[text()='Assign']"))
    summary_says(b, "held by maria")
    b.shot("manager-assigned")

    form = fieldset_form(b, "checklist-add")
    form.find_element(By.NAME, "text").send_keys("The LED blinks green after the update")
    form.find_element(By.NAME, "evidence_required").click()
    Select(form.find_element(By.NAME, "review")).select_by_value("dev")
    b.click(form.find_element(By.XPATH, ".//button[text()='Add the item']"))
    b.until("//div[@class='item'][contains(., 'The LED blinks green after the update')]"
            "[contains(., 'evidence required')]")
    form = b.item_div("power-loss").find_element(By.XPATH, ".//form[.//button[text()='Remove the item']]")
    form.find_element(By.NAME, "reason").send_keys("no spare device to pull the power of this time")
    b.click(form.find_element(By.XPATH, ".//button[text()='Remove the item']"))
    b.until("//div[@id='item-power-loss'][contains(., 'removed by cristina')]")
    b.shot("manager-checklist")

    nav(b, "Release")
    b.click(b.until("//table//a[text()='run-e2e-tests']"))
    form = fieldset_form(b, "skip")
    form.find_element(By.NAME, "reason").send_keys("CI ran them on the merge")
    b.click(form.find_element(By.XPATH, ".//button[text()='Skip the step']"))
    summary_says(b, "skipped")
    b.shot("manager-skipped")
    form = fieldset_form(b, "reopen")
    form.find_element(By.NAME, "reason").send_keys("a flaky run hid a failure")
    b.click(form.find_element(By.XPATH, ".//button[text()='Reopen the step']"))
    summary_says(b, "ready")
    b.shot("manager-reopened")

    nav(b, "You")
    form = fieldset_form(b, "away-form")
    form.find_element(By.NAME, "until").send_keys("2099-01-02T09:00:00Z")
    b.click(form.find_element(By.XPATH, ".//button[text()='Mark me away']"))
    away = b.until("//p[@id='away']")
    if "until 2099-01-02" not in away.text:
        raise Failed("the You page does not say she is away: " + away.text)
    b.shot("manager-away")
    b.console_clean()


def press(b, key):
    """Sends one key to the element that has the focus, as a person at the keyboard does; that element."""
    focused = b.d.switch_to.active_element
    focused.send_keys(key)
    return focused


def focus_visible(b, element):
    """The focused element shows it: an outline at least 2px wide, not none, not transparent."""
    style = b.d.execute_script(
        "var s = getComputedStyle(arguments[0]);"
        "return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow];", element)
    if style[0] == "none" or float(style[1].rstrip("px") or 0) < 2 or style[2] in ("transparent", "rgba(0, 0, 0, 0)"):
        raise Failed("no visible focus on <%s %s>: outline %s %s %s" % (
            element.tag_name, element.get_attribute("name") or element.text, *style[:3]))


def tab_keys_to(b, matches, most=120):
    """Presses Tab (sent to the focused element) until the focused element matches, checking that
    every element the focus passes shows it; that element."""
    for _ in range(most):
        press(b, Keys.TAB)
        focused = b.d.switch_to.active_element
        if focused.tag_name != "body":
            focus_visible(b, focused)
        if matches(focused):
            return focused
    raise Failed("Tab never reached the element on %s" % b.d.current_url)


def enter(b, element):
    """Enter on the focused element, and the page it leads to."""
    b.click(element, Keys.ENTER)


def in_list(ul, text):
    """Matches an element inside the list item of ul whose step link is text."""
    def matches(e):
        return bool(e.find_elements(By.XPATH, "ancestor::li[parent::ul[@id='%s']][a[text()='%s']]" % (ul, text)))
    return matches


def keyboard_support(b, url):
    """Maria, with the keyboard alone: claims test, records each item pass, marks it done."""
    b.open(url)
    enter(b, tab_keys_to(b, lambda e: e.tag_name == "button" and in_list("claim", "test")(e)))
    b.until("//ul[@id='hold']/li[a[text()='test']]")
    b.shot("keyboard-claimed")
    enter(b, tab_keys_to(b, lambda e: e.tag_name == "a" and e.text == "check its items"))
    for item in ("boots", "video"):
        radio = tab_keys_to(b, lambda e: e.get_attribute("id") == "test-%s-pass" % item)
        press(b, Keys.SPACE)
        if not radio.is_selected():
            raise Failed("Space did not select %s's pass" % item)
        enter(b, tab_keys_to(b, lambda e: e.tag_name == "button" and e.text == "Record", 8))
        b.until("//div[@id='item-%s'][contains(., 'pass by maria')]" % item)
    b.shot("keyboard-checked")
    enter(b, tab_keys_to(b, lambda e: e.get_attribute("id") == "done"))
    summary_says(b, "done")
    b.shot("keyboard-done")


def keyboard_decide(b, url):
    """Cristina, with the keyboard alone: opens the go gate's brief from her You page and decides ship."""
    b.open(url)
    enter(b, tab_keys_to(b, lambda e: e.tag_name == "a" and e.text == "read the brief and decide"))
    b.until("//div[@id='brief']")
    if "/brief" not in b.d.current_url or "gate=go" not in b.d.current_url:
        raise Failed("the decision link led to " + b.d.current_url)
    radio = tab_keys_to(b, lambda e: e.get_attribute("id") == "decide-ship")
    press(b, Keys.SPACE)
    if not radio.is_selected():
        raise Failed("Space did not select ship")
    tab_keys_to(b, lambda e: e.get_attribute("name") == "reason", 6)
    press(b, "the build is good: go")
    enter(b, tab_keys_to(b, lambda e: e.tag_name == "button" and e.text == "Decide", 6))
    b.shot("keyboard-decided")


def gates_owner(b, url):
    """Michael: the Brief tab lists both gates; the go gate's brief offers him no decision (it is the
    release manager's); he decides the ship gate by clicks."""
    b.open(url)
    nav(b, "Brief")
    gates = b.until("//p[@id='gates']")
    for gate in ("go", "ship"):
        if not gates.find_elements(By.XPATH, "a[text()='%s']" % gate):
            raise Failed("the Brief tab does not link the gate %s: %s" % (gate, gates.text))
    b.click(gates.find_element(By.XPATH, "a[text()='go']"))
    b.until("//div[@id='brief']")
    if b.d.find_elements(By.ID, "decide"):
        raise Failed("the go gate's brief offers the product owner a decision")
    b.shot("gates-go-brief")
    b.click(b.until("//p[@id='gates']/a[text()='ship']"))
    brief = b.until("//div[@id='brief']")
    if "test" not in brief.text:
        raise Failed("the ship gate's brief does not mention test:\n" + brief.text)
    b.d.find_element(By.ID, "decide-ship").click()
    form = b.d.find_element(By.XPATH, "//form[.//fieldset[@id='decide']]")
    form.find_element(By.NAME, "reason").send_keys("tested on every device")
    b.click(form.find_element(By.XPATH, ".//button[text()='Decide']"))
    b.shot("gates-ship-decided")
    b.console_clean()


PHASES = {"support": support, "dev-reject": dev_reject, "support-recheck": support_recheck,
          "dev-approve": dev_approve, "owner-decide": owner_decide, "keyboard": keyboard,
          "manager": manager, "keyboard-support": keyboard_support, "keyboard-decide": keyboard_decide,
          "gates-owner": gates_owner}


def main():
    shots, pairs = sys.argv[1], sys.argv[2:]
    if len(pairs) % 2 or any(p not in PHASES for p in pairs[::2]):
        sys.exit("usage: board-browser.py SHOTS_DIR PHASE URL [PHASE URL]... (phases: %s)" % " ".join(PHASES))
    os.makedirs(shots, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(profile)
        try:
            b = Board(driver, shots)
            for phase, url in zip(pairs[::2], pairs[1::2]):
                PHASES[phase](b, url)
                print("%s: ok" % phase)
        except Failed as e:
            print("board-browser: %s" % e)
            return 1
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
