#!/usr/bin/python3
# webpage.py: i3gw's chat page in headless Chromium through Selenium, as a
# person would use it: log in with a key, join a channel, wait for a
# message another MUD sends (the test sends it once "joined" is printed),
# send a tell, find the other MUD in the mudlist, ask who is on it, save a
# screenshot.
#   webpage.py URL KEY CHANNEL EXPECT TELL_TO TELL_MSG SCREENSHOT
# Prints one line per step ("loaded", "logged in", "joined", "received",
# "told", "found", "who"); exit 1 with the reason on the first step that fails.
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

url, key, chan, expect, tell_to, tell_msg, shot = sys.argv[1:8]
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--window-size=412,915",
          "--no-first-run", "--disable-extensions"):
    o.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
step = "load"


def say(s):
    print(s, flush=True)


try:
    w = WebDriverWait(d, 10)
    d.get(url)
    w.until(EC.visibility_of_element_located((By.ID, "key")))
    w.until(EC.text_to_be_present_in_element((By.ID, "router"), "ready"))
    say("loaded")
    step = "log in"
    d.find_element(By.ID, "key").send_keys(key)
    d.find_element(By.ID, "me").send_keys("webann")
    d.find_element(By.ID, "login-btn").click()
    w.until(EC.visibility_of_element_located((By.ID, "app")))
    say("logged in")
    step = "join"
    d.find_element(By.ID, "join-name").send_keys(chan)
    d.find_element(By.CSS_SELECTOR, "#join button").click()
    w.until(EC.text_to_be_present_in_element((By.ID, "chanlist"), chan))
    w.until(EC.text_to_be_present_in_element((By.ID, "chan-title"), chan))
    say("joined")
    step = "receive"
    WebDriverWait(d, 15).until(EC.text_to_be_present_in_element(
        (By.ID, "chan-log"), expect))
    say("received")
    step = "tell"
    d.find_element(By.CSS_SELECTOR, 'nav button[data-tab="tells"]').click()
    d.find_element(By.ID, "tell-to").send_keys(tell_to)
    d.find_element(By.ID, "tell-msg").send_keys(tell_msg)
    d.find_element(By.CSS_SELECTOR, "#tell-send button").click()
    w.until(EC.text_to_be_present_in_element((By.ID, "tell-log"),
                                             "you tell " + tell_to))
    say("told")
    step = "mudlist"
    mud = tell_to.split("@")[1]
    d.find_element(By.CSS_SELECTOR, 'nav button[data-tab="muds"]').click()
    d.find_element(By.ID, "mud-search").send_keys(mud[:3].lower())
    w.until(EC.text_to_be_present_in_element((By.ID, "mud-table"), mud))
    w.until(EC.text_to_be_present_in_element((By.ID, "mud-count"), "1 of"))
    say("found")
    step = "who"
    d.find_element(By.CSS_SELECTOR, 'nav button[data-tab="who"]').click()
    d.find_element(By.ID, "who-mud").send_keys(mud)
    d.find_element(By.CSS_SELECTOR, "#who-form button").click()
    WebDriverWait(d, 15).until(EC.text_to_be_present_in_element(
        (By.ID, "who-out"), " on " + mud))
    say("who")
    d.find_element(By.CSS_SELECTOR, 'nav button[data-tab="channels"]').click()
    d.save_screenshot(shot)
except Exception as e:
    say("failed at %s: %s" % (step, str(e).splitlines()[0] if str(e)
                              else type(e).__name__))
    try:
        d.save_screenshot(shot)
    except Exception:
        pass
    d.quit()
    sys.exit(1)
d.quit()
