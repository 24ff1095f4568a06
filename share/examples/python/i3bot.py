#!/usr/bin/env python3
# i3bot.py: an Intermud-3 bot in plain Python: spawns `i3gw --stdio`, speaks
# JSON-RPC one object a line (NDJSON), answers tells and a channel command.
#
#   python3 i3bot.py -f i3gw.conf [-g /path/to/i3gw] [-c chat] [-n bot]
#
# Standard library only.  The same loop fits a Python MUD (Evennia-style
# servers have their own reactor: hand them proc.stdout's fd instead of
# using selectors here).  See docs/INTEGRATION.md and docs/API.md.

import argparse
import itertools
import json
import os
import selectors
import signal
import subprocess
import sys
import time


class Gateway:
    """A child i3gw and the JSON-RPC session with it."""

    def __init__(self, i3gw, config, extra=()):
        self.argv = [i3gw, "--stdio", "-f", config, *extra]
        self.ids = itertools.count(1)
        self.waiting = {}       # request id -> callback(result, error)
        self.handlers = {}      # event name -> [callback(params)]
        self.buf = b""
        self.proc = None
        self.backoff = 0.5
        self.next_try = 0.0
        self.channels = set()   # joined again after a respawn

    def start(self):
        # No shell; the gateway's logs (stderr) go to ours.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, bufsize=0)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""
        for ch in self.channels:
            self.call("channel_join", {"channel": ch})

    def call(self, method, params=None, callback=None):
        """Send a request; callback(result, error) gets the answer."""
        if method == "channel_join":
            self.channels.add(params["channel"])
        req = {"jsonrpc": "2.0", "id": next(self.ids), "method": method}
        if params is not None:
            req["params"] = params
        self.waiting[req["id"]] = callback
        try:
            self.proc.stdin.write((json.dumps(req) + "\n").encode())
        except (BrokenPipeError, OSError):
            pass                # noticed in pump(): the gateway is gone
        return req["id"]

    def on(self, event, callback):
        self.handlers.setdefault(event, []).append(callback)

    def pump(self):
        """Read what is there and dispatch whole lines; never blocks."""
        try:
            data = self.proc.stdout.read(65536)
        except BlockingIOError:
            data = None
        if data is None:            # nothing there after all
            return
        if data == b"":             # end of file: the gateway exited
            self.lost()
            return
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                self.dispatch(json.loads(line))

    def dispatch(self, msg):
        if "id" in msg and msg["id"] in self.waiting:
            cb = self.waiting.pop(msg["id"])
            if cb is not None:
                cb(msg.get("result"), msg.get("error"))
            elif "error" in msg:
                print("error:", msg["error"]["message"], flush=True)
        elif "method" in msg:
            for cb in self.handlers.get(msg["method"], []):
                cb(msg.get("params", {}))

    def lost(self):
        code = self.proc.wait()
        print(f"gateway exited ({code}); respawning", flush=True)
        for cb in self.waiting.values():
            if cb is not None:
                cb(None, {"code": -32100, "message": "gateway lost"})
        self.waiting.clear()
        self.proc = None
        self.next_try = time.monotonic() + self.backoff
        self.backoff = min(self.backoff * 2, 30)

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()     # EOF: the gateway shuts down
            self.proc.wait(timeout=5)


def main():
    ap = argparse.ArgumentParser(description="an I3 bot over i3gw --stdio")
    ap.add_argument("-f", "--config", required=True)
    ap.add_argument("-g", "--i3gw", default="i3gw")
    ap.add_argument("-c", "--channel", default="chat")
    ap.add_argument("-n", "--name", default="bot")
    ap.add_argument("-s", "--seconds", type=float, default=0,
                    help="stop after this long (0: run until ^C)")
    ap.add_argument("--state-dir", help="passed to i3gw")
    args = ap.parse_args()

    extra = ["--state-dir", args.state_dir] if args.state_dir else []
    gw = Gateway(args.i3gw, args.config, extra)
    gw.start()
    me = args.name

    def print_text(params):
        print(params.get("text", ""), flush=True)

    # A tell to the bot: answer it, to the sender's MUD.
    def on_tell(params):
        print_text(params)
        if params.get("target_user") != me.lower():
            return
        gw.call("tell", {"from_user": me, "visname": me.capitalize(),
                         "target_user": params["originator_user"],
                         "target_mud": params["originator_mud"],
                         "message": "You said: " + params["message"]})

    # "!ping" on the channel: answer on the channel.
    def on_channel(params):
        print_text(params)
        if params.get("message", "").strip() == "!ping":
            gw.call("channel_send", {"channel": params["channel"],
                                     "from_user": me,
                                     "visname": me.capitalize(),
                                     "message": "pong"})

    gw.on("tell_received", on_tell)
    gw.on("channel_message", on_channel)
    gw.on("router_connected", lambda p: print("connected to", p["router"],
                                              flush=True))
    gw.call("channel_join", {"channel": args.channel},
            lambda res, err: print("joined", args.channel if res else err,
                                   flush=True))

    # SIGTERM (kill, systemd, a MUD's shutdown script): stop cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    fd = gw.proc.stdout.fileno()
    sel.register(fd, selectors.EVENT_READ)
    stop = time.monotonic() + args.seconds if args.seconds else None
    try:
        while stop is None or time.monotonic() < stop:
            if gw.proc is None:             # down: respawn when due
                if time.monotonic() >= gw.next_try:
                    gw.start()
                    fd = gw.proc.stdout.fileno()
                    sel.register(fd, selectors.EVENT_READ)
                else:
                    time.sleep(0.1)
                continue
            for _key, _ev in sel.select(timeout=0.1):
                gw.pump()
            if gw.proc is None:
                sel.unregister(fd)
            # ... a MUD's own work for this tick goes here ...
    except KeyboardInterrupt:
        pass
    finally:
        gw.close()      # the gateway leaves the router cleanly
    return 0


if __name__ == "__main__":
    sys.exit(main())
