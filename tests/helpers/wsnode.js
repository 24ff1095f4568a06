// wsnode.js: a WebSocket client for the tests on Node's ws (Debian node-ws),
// not ours: sends the messages, prints every text message received on a
// line, then "close CODE" when the server closed first, or "status CODE"
// when the handshake was refused.
//   NODE_PATH=/usr/share/nodejs node wsnode.js URL [--header 'K: V']...
//       [--count N] [--timeout S] [--cafile F] [MESSAGE]...
// Exit 0; 2 on a timeout.
'use strict';
const fs = require('fs');
const WebSocket = require('ws');

const args = process.argv.slice(2);
const url = args.shift();
const headers = {};
let count = 0, timeout = 5, ca = null;
const msgs = [];
while (args.length > 0) {
	const a = args.shift();
	if (a === '--header') {
		const h = args.shift(), i = h.indexOf(':');
		headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
	} else if (a === '--count')
		count = Number(args.shift());
	else if (a === '--timeout')
		timeout = Number(args.shift());
	else if (a === '--cafile')
		ca = fs.readFileSync(args.shift());
	else
		msgs.push(a);
}
const opts = { headers };
if (ca !== null) {
	opts.ca = ca;
	opts.checkServerIdentity = () => undefined;
}
const ws = new WebSocket(url, opts);
let got = 0, done = false;
const timer = setTimeout(() => { done = true; process.exit(2); },
    timeout * 1000);
function finish() {
	if (done)
		return;
	done = true;
	clearTimeout(timer);
	ws.close(1000);
	setTimeout(() => process.exit(0), 50);
}
ws.on('unexpected-response', (req, res) => {
	console.log('status ' + res.statusCode);
	done = true;
	process.exit(0);
});
ws.on('open', () => {
	for (const m of msgs)
		ws.send(m);
	if (count === 0)
		finish();
});
ws.on('message', (data, isBinary) => {
	console.log(data.toString());
	if (++got >= count)
		finish();
});
ws.on('close', (code) => {
	if (done)
		return;
	console.log('close ' + code);
	done = true;
	process.exit(0);
});
ws.on('error', (e) => {
	if (!done)
		console.log('error ' + e.message);
});
