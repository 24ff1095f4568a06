#!/usr/bin/env python3
"""rawpeer.py: a byte-exact TCP peer for the tap tests.

It stands in for a router or a MUD client where the test must see raw bytes
(the real i3router decodes what it receives, so it cannot show that the tap
changed nothing, and it cannot be made to close in the middle of a frame).

  rawpeer.py serve OUTDIR [--reply FILE] [--close]
      Listen on 127.0.0.1:0, write the port to OUTDIR/port, accept one
      connection, write every byte received to OUTDIR/recv; after the first
      bytes arrive send FILE (if given) and, with --close, hang up at once.
  rawpeer.py send PORT FILE OUT [--wait SECONDS]
      Connect, send FILE, keep reading for SECONDS (default 0.5) or until
      the peer closes, write every byte received to OUT.
"""
import os
import socket
import sys
import time


def serve(outdir, reply=None, close=False):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    tmp = os.path.join(outdir, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(tmp, os.path.join(outdir, "port"))
    ls.settimeout(10)
    c, _ = ls.accept()
    c.settimeout(10)
    sent = False
    with open(os.path.join(outdir, "recv"), "wb") as out:
        while True:
            try:
                b = c.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            out.write(b)
            out.flush()
            if not sent and reply is not None:
                with open(reply, "rb") as f:
                    c.sendall(f.read())
                sent = True
                if close:
                    break
    c.close()


def send(port, path, out, wait=0.5):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
    with open(path, "rb") as f:
        s.sendall(f.read())
    got = b""
    end = time.time() + wait
    s.settimeout(0.05)
    while time.time() < end:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not b:
            break
        got += b
    s.close()
    with open(out, "wb") as f:
        f.write(got)


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "serve":
        reply = a[a.index("--reply") + 1] if "--reply" in a else None
        serve(a[1], reply, "--close" in a)
    elif a and a[0] == "send":
        wait = float(a[a.index("--wait") + 1]) if "--wait" in a else 0.5
        send(a[1], a[2], a[3], wait)
    else:
        sys.exit(__doc__)
