#!/usr/bin/python3
# wsaio.py: a WebSocket client for the tests on aiohttp, the stack the
# Python gateway's client library is built on: it connects as that library
# does (ClientSession.ws_connect with X-API-Key and X-MUD-Name), sends
# requests as it does (ids "MUD-N-xxxxxxxx", json.dumps, send_str), and
# prints every text message received on a line; "close CODE" when the
# server closed, "status CODE" when the handshake was refused.
#
#   wsaio.py URL --key KEY --mud NAME [--count N] [--timeout S]
#       [METHOD=JSON-PARAMS | sleep:S]...
# Exit 0; 2 on a timeout.
import argparse
import asyncio
import json
import sys
import uuid

import aiohttp


async def main(a):
    headers = {"X-API-Key": a.key, "X-MUD-Name": a.mud}
    got = 0
    n = 0
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(a.url, headers=headers)
        except aiohttp.WSServerHandshakeError as e:
            print("status %d" % e.status, flush=True)
            return 0
        try:
            for c in a.call:
                if c.startswith("sleep:"):
                    await asyncio.sleep(float(c[6:]))
                    continue
                method, _, params = c.partition("=")
                n += 1
                request = {
                    "jsonrpc": "2.0",
                    "id": "%s-%d-%s" % (a.mud, n, uuid.uuid4().hex[:8]),
                    "method": method,
                    "params": json.loads(params) if params else {},
                }
                await ws.send_str(json.dumps(request))
            try:
                while got < a.count:
                    msg = await asyncio.wait_for(ws.receive(), a.timeout)
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        print(msg.data, flush=True)
                        got += 1
                    elif msg.type in (aiohttp.WSMsgType.CLOSE,
                                      aiohttp.WSMsgType.CLOSING,
                                      aiohttp.WSMsgType.CLOSED):
                        print("close %s" % ws.close_code, flush=True)
                        return 0
                    else:
                        print("unexpected %s" % msg.type, flush=True)
                        return 1
            except asyncio.TimeoutError:
                return 2
        finally:
            await ws.close()
    return 0


p = argparse.ArgumentParser()
p.add_argument("url")
p.add_argument("--key", required=True)
p.add_argument("--mud", required=True)
p.add_argument("--count", type=int, default=0)
p.add_argument("--timeout", type=float, default=5)
p.add_argument("call", nargs="*")
sys.exit(asyncio.run(main(p.parse_intermixed_args())))
