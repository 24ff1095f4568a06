#!/usr/bin/python3
# wsc.py: a WebSocket client for the tests, on Python's websockets (not
# ours): sends messages, prints every text message received on a line,
# then "close CODE" when the server closed, or "status CODE" when the
# handshake was refused.
#
#   wsc.py URL [--header 'K: V']... [--count N] [--timeout S]
#       [--fragment] [--binary] [--hold S] [--cafile F] [--big N]
#       [MESSAGE]...
# A MESSAGE "sleep:S" waits S seconds.  Exit 0; 2 on a timeout.
import argparse
import asyncio
import ssl
import sys

import websockets


async def main(a):
    headers = []
    for h in a.header:
        k, v = h.split(":", 1)
        headers.append((k.strip(), v.strip()))
    ctx = None
    if a.url.startswith("wss:"):
        ctx = ssl.create_default_context(cafile=a.cafile)
        ctx.check_hostname = False
    got = 0
    try:
        async with websockets.connect(a.url, extra_headers=headers,
                                      max_size=None, ping_interval=None,
                                      ssl=ctx, open_timeout=5) as ws:
            if a.big:
                await ws.send("x" * a.big)
            for m in a.message:
                if m.startswith("sleep:"):
                    await asyncio.sleep(float(m[6:]))
                elif a.binary:
                    await ws.send(m.encode())
                elif a.fragment:
                    n = max(1, len(m) // 3)
                    await ws.send([m[i:i + n] for i in range(0, len(m), n)])
                else:
                    await ws.send(m)
            try:
                while got < a.count:
                    r = await asyncio.wait_for(ws.recv(), a.timeout)
                    print(r, flush=True)
                    got += 1
                if a.hold:
                    await asyncio.sleep(a.hold)
            except asyncio.TimeoutError:
                return 2
    except websockets.exceptions.InvalidStatusCode as e:
        print("status %d" % e.status_code, flush=True)
        return 0
    except websockets.exceptions.ConnectionClosed as e:
        code = e.rcvd.code if e.rcvd is not None else 1006
        print("close %d %s" % (code, e.rcvd.reason if e.rcvd else ""),
              flush=True)
        return 0
    except websockets.exceptions.InvalidMessage as e:
        # No HTTP answer at all (e.g. plain ws:// to a TLS listener).
        print("no handshake: %s" % e, flush=True)
        return 3
    return 0


p = argparse.ArgumentParser()
p.add_argument("url")
p.add_argument("--header", action="append", default=[])
p.add_argument("--count", type=int, default=0)
p.add_argument("--timeout", type=float, default=5)
p.add_argument("--hold", type=float, default=0)
p.add_argument("--fragment", action="store_true")
p.add_argument("--binary", action="store_true")
p.add_argument("--cafile")
p.add_argument("message", nargs="*")
p.add_argument("--big", type=int, default=0,
               help="first send a text message of that many bytes")
sys.exit(asyncio.run(main(p.parse_intermixed_args())))
