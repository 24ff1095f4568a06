#!/usr/bin/python3
# wsraw.py: a WebSocket peer that breaks the rules on purpose, on a plain
# socket (the handshake by hand):
#   wsraw.py HOST PORT unmasked   send an unmasked text frame; print
#                                 "close CODE" for the server's close
#   wsraw.py HOST PORT badutf8    the same with a text frame not UTF-8
#   wsraw.py HOST PORT nopong     never answer pings; print "ping" for each
#                                 one, then "eof" when the server drops us
#   wsraw.py HOST PORT slowread KEY N S
#                                 a 4 kB receive buffer, read nothing for S
#                                 seconds (the gateway's writes go part
#                                 way, the rest waits in its buffer), then
#                                 read N channel messages m1..mN: print "N
#                                 in order", or where the first is wrong
# Frames are parsed only as far as the test needs.  Exit 2 on a timeout.
import base64
import json
import os
import socket
import struct
import sys
import time

host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
extra = ""
if mode == "slowread":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect((host, port))
    extra = "X-API-Key: %s\r\n" % sys.argv[4]
else:
    s = socket.create_connection((host, port), timeout=5)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n%s\r\n" %
           (host, port, key, extra)).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        print("no handshake")
        sys.exit(1)
    buf += d
head, buf = buf.split(b"\r\n\r\n", 1)
if not head.startswith(b"HTTP/1.1 101"):
    print(head.split(b"\r\n")[0].decode())
    sys.exit(1)


def frame():
    global buf
    while True:
        if len(buf) >= 2:
            op, ln = buf[0] & 0x0f, buf[1] & 0x7f
            off = {126: 4, 127: 10}.get(ln, 2)
            if ln == 126 and len(buf) >= off:
                ln = struct.unpack(">H", buf[2:4])[0]
            elif ln == 127 and len(buf) >= off:
                ln = struct.unpack(">Q", buf[2:10])[0]
            if len(buf) >= off + ln:
                p = buf[off:off + ln]
                buf = buf[off + ln:]
                return op, p
        d = s.recv(4096)
        if not d:
            return None, None
        buf += d


try:
    if mode in ("unmasked", "badutf8"):
        msg = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
        if mode == "unmasked":
            s.sendall(bytes([0x81, len(msg)]) + msg)
        else:
            msg = b'"\xff\xfe"'
            mask = os.urandom(4)
            s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask +
                      bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
        while True:
            op, p = frame()
            if op is None:
                print("eof")
                break
            if op == 8:
                print("close %d" % struct.unpack(">H", p[:2])[0])
                break
    elif mode == "nopong":
        s.settimeout(10)
        t0 = time.time()
        while True:
            op, p = frame()
            if op is None:
                print("eof after %.1f s" % (time.time() - t0))
                break
            if op == 9:
                print("ping")
    elif mode == "slowread":
        n, pause = int(sys.argv[5]), float(sys.argv[6])
        print("ready", flush=True)
        time.sleep(pause)
        s.settimeout(15)
        i = 0
        while i < n:
            op, p = frame()
            if op is None:
                print("eof after %d" % i)
                break
            if op != 1:
                continue
            m = json.loads(p)
            if m.get("method") != "channel_message":
                continue
            i += 1
            want = "m%d" % i
            if not m["params"]["message"].startswith(want + " "):
                print("message %d is %.20s" % (i, m["params"]["message"]))
                break
        else:
            print("%d in order" % n)
except socket.timeout:
    print("timeout")
    sys.exit(2)
