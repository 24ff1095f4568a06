/*
 * i3gw.js: the chat page's logic: one WebSocket to /ws, JSON-RPC both
 * ways, events rendered by the gateway as HTML (the "html" profile).
 */
'use strict';

const $ = (id) => document.getElementById(id);
let ws = null, nextId = 1, me = '', current = null, muds = [];
const waiting = new Map();
const chanLogs = new Map();	/* channel -> [html lines] */
const SCROLLBACK = 500;

function esc(s) {
	return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;',
	    '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function stamp() {
	const d = new Date();
	return '<span class="t">' + d.toTimeString().slice(0, 5) + '</span> ';
}

function status(msg) {
	$('status').textContent = msg;
}

function rpc(method, params) {
	return new Promise((resolve, reject) => {
		if (ws === null || ws.readyState !== WebSocket.OPEN) {
			reject(new Error('not connected'));
			return;
		}
		const id = nextId++;
		waiting.set(id, { resolve, reject });
		ws.send(JSON.stringify({ jsonrpc: '2.0', id, method,
		    params: params || {} }));
	});
}

function from(params) {
	if (me !== '')
		params.from_user = me;
	return params;
}

/* A line (already HTML) at the end of a log, keeping it scrolled. */
function append(el, html, cls) {
	const div = document.createElement('div');
	if (cls)
		div.className = cls;
	div.innerHTML = html;
	const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
	el.appendChild(div);
	while (el.childNodes.length > SCROLLBACK)
		el.removeChild(el.firstChild);
	if (atEnd)
		el.scrollTop = el.scrollHeight;
}

function chanLine(chan, html) {
	if (!chanLogs.has(chan))
		chanLogs.set(chan, []);
	const log = chanLogs.get(chan);
	log.push(html);
	if (log.length > SCROLLBACK)
		log.shift();
	if (chan === current)
		append($('chan-log'), html);
}

function onEvent(method, p) {
	switch (method) {
	case 'channel_message':
	case 'channel_emote':
	case 'channel_targeted':
		chanLine(p.channel, stamp() + (p.text !== undefined ? p.text :
		    esc(p.originator_user + '@' + p.originator_mud + ': ' +
		    p.message)));
		break;
	case 'tell_received':
	case 'emoteto_received':
	case 'beep_received':
		append($('tell-log'), stamp() + (p.text !== undefined ?
		    p.text : esc(p.message)));
		break;
	case 'error_received':
	case 'send_failed':
		append($('tell-log'), stamp() + '<b>' + esc(method) + ':</b> ' +
		    esc(p.text || p.message || p.reason || JSON.stringify(p)));
		break;
	case 'router_connected':
	case 'router_disconnected':
		health();
		break;
	case 'mud_online':
	case 'mud_offline':
		loadMuds();
		break;
	default:
		break;
	}
}

function connect(key) {
	const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') +
	    location.host + '/ws';
	ws = new WebSocket(url);
	ws.onopen = () => {
		rpc('authenticate', { key, render: 'html' }).then((r) => {
			$('login').hidden = true;
			$('app').hidden = false;
			$('login-error').hidden = true;
			if (r.mud_name)
				$('mud').textContent = r.mud_name;
			status('logged in as key ' + r.key);
			loadChannels();
			loadMuds();
		}, (e) => {
			$('login-error').textContent = e.message;
			$('login-error').hidden = false;
			ws.close();
		});
	};
	ws.onmessage = (ev) => {
		let m;
		try {
			m = JSON.parse(ev.data);
		} catch (e) {
			return;
		}
		if (m.id !== undefined && m.method === undefined) {
			const w = waiting.get(m.id);
			if (w === undefined)
				return;
			waiting.delete(m.id);
			if (m.error)
				w.reject(new Error(m.error.message +
				    ' (' + m.error.code + ')'));
			else
				w.resolve(m.result);
		} else if (m.method)
			onEvent(m.method, m.params || {});
	};
	ws.onclose = (ev) => {
		for (const w of waiting.values())
			w.reject(new Error('connection closed'));
		waiting.clear();
		status('disconnected (' + ev.code + ')');
		$('app').hidden = true;
		$('login').hidden = false;
		ws = null;
	};
}

async function health() {
	try {
		const r = await (await fetch('/health')).json();
		const el = $('router');
		el.textContent = 'router ' + (r.router.name || '?') + ': ' +
		    r.router.state;
		el.className = 'state' + (r.router.ready ? ' ready' : '');
		if (r.mud)
			$('mud').textContent = r.mud;
	} catch (e) {
		$('router').textContent = 'router: ?';
	}
}

async function loadChannels() {
	const r = await rpc('channel_list', {});
	const ul = $('chanlist');
	ul.textContent = '';
	for (const c of r.channels.filter((x) => x.joined)) {
		const li = document.createElement('li');
		const name = document.createElement('span');
		name.textContent = c.name;
		name.onclick = () => select(c.name);
		const leave = document.createElement('button');
		leave.textContent = '×';
		leave.title = 'leave ' + c.name;
		leave.onclick = () => rpc('channel_leave', { channel: c.name })
		    .then(() => { if (current === c.name) select(null);
		    loadChannels(); }, (e) => status(e.message));
		li.append(name, leave);
		li.dataset.chan = c.name;
		if (c.name === current)
			li.className = 'cur';
		ul.appendChild(li);
	}
}

async function select(chan) {
	current = chan;
	$('chan-title').textContent = chan === null ? 'no channel' : chan;
	const log = $('chan-log');
	log.textContent = '';
	for (const li of $('chanlist').children)
		li.className = li.dataset.chan === chan ? 'cur' : '';
	if (chan === null)
		return;
	/* Scrollback: what the gateway kept, then what came since. */
	try {
		const r = await rpc('channel_history', { channel: chan,
		    limit: 100 });
		for (const m of r.messages || [])
			append(log, '<span class="t">' + esc((m.timestamp ||
			    '').slice(11, 16)) + '</span> ' + (m.text !==
			    undefined ? m.text : esc(m.originator_user + '@' +
			    m.originator_mud + ': ' + m.message)));
	} catch (e) {
		/* No history on this gateway. */
	}
	for (const html of chanLogs.get(chan) || [])
		append(log, html);
}

async function loadMuds() {
	try {
		const r = await rpc('mudlist', $('mud-up').checked ?
		    { status: 'up' } : {});
		muds = r.muds;
		showMuds();
	} catch (e) {
		status(e.message);
	}
}

function showMuds() {
	const q = $('mud-search').value.toLowerCase();
	const tb = $('mud-table').tBodies[0];
	tb.textContent = '';
	const hits = muds.filter((m) => q === '' ||
	    [m.name, m.driver, m.mudlib].some((s) => s &&
	    s.toLowerCase().includes(q)));
	$('mud-count').textContent = hits.length + ' of ' + muds.length +
	    ' MUDs';
	for (const m of hits.slice(0, 300)) {
		const tr = tb.insertRow();
		for (const v of [m.name, m.driver, m.mudlib, m.up ? 'yes' :
		    'no'])
			tr.insertCell().textContent = v || '';
		tr.onclick = () => { $('who-mud').value = m.name; tab('who'); };
	}
}

function userAt(s) {
	const i = s.lastIndexOf('@');
	if (i <= 0 || i === s.length - 1)
		throw new Error('user@MUD expected');
	return [s.slice(0, i), s.slice(i + 1)];
}

function tab(name) {
	for (const b of document.querySelectorAll('nav button[data-tab]'))
		b.className = b.dataset.tab === name ? 'on' : '';
	for (const s of document.querySelectorAll('.tab'))
		s.hidden = s.id !== name;
}

$('login').onsubmit = (e) => {
	e.preventDefault();
	me = $('me').value.trim();
	connect($('key').value.trim());
};
$('logout').onclick = () => { if (ws) ws.close(1000); };
for (const b of document.querySelectorAll('nav button[data-tab]'))
	b.onclick = () => tab(b.dataset.tab);

$('join').onsubmit = (e) => {
	e.preventDefault();
	const c = $('join-name').value.trim();
	rpc('channel_join', { channel: c }).then(() => {
		$('join-name').value = '';
		select(c);
		return loadChannels();
	}, (err) => status(err.message));
};
$('chan-send').onsubmit = (e) => {
	e.preventDefault();
	const msg = $('chan-msg').value;
	if (current === null || msg === '')
		return;
	rpc('channel_send', from({ channel: current, message: esc(msg) }))
	    .then(() => { $('chan-msg').value = ''; },
	    (err) => status(err.message));
};
$('tell-send').onsubmit = (e) => {
	e.preventDefault();
	let user, mud;
	try {
		[user, mud] = userAt($('tell-to').value.trim());
	} catch (err) {
		status(err.message);
		return;
	}
	const msg = $('tell-msg').value;
	rpc('tell', from({ target_mud: mud, target_user: user,
	    message: esc(msg) })).then(() => {
		append($('tell-log'), stamp() + 'you tell ' +
		    esc(user + '@' + mud) + ': ' + esc(msg), 'me');
		$('tell-msg').value = '';
	}, (err) => append($('tell-log'), stamp() + 'not sent: ' +
	    esc(err.message)));
};
$('who-form').onsubmit = (e) => {
	e.preventDefault();
	const out = $('who-out');
	out.textContent = 'asking...';
	rpc('who', { target_mud: $('who-mud').value.trim() }).then((r) => {
		out.textContent = '';
		append(out, esc((r.users || []).length + ' on ' + (r.mud ||
		    $('who-mud').value)));
		for (const u of r.users || [])
			append(out, esc(u.visname + (u.idle ? ' (idle ' +
			    u.idle + ' s)' : '') + (u.extra ? '  ' +
			    u.extra : '')));
	}, (err) => { out.textContent = err.message; });
};
$('finger-form').onsubmit = (e) => {
	e.preventDefault();
	const out = $('who-out');
	let user, mud;
	try {
		[user, mud] = userAt($('finger-who').value.trim());
	} catch (err) {
		out.textContent = err.message;
		return;
	}
	out.textContent = 'asking...';
	rpc('finger', { target_mud: mud, target_user: user }).then((r) => {
		out.textContent = '';
		for (const [k, v] of Object.entries(r))
			if (typeof v !== 'object' && k !== 'text')
				append(out, esc(k + ': ' + v));
	}, (err) => { out.textContent = err.message; });
};
$('mud-search').oninput = showMuds;
$('mud-up').onchange = loadMuds;
$('mud-form').onsubmit = (e) => e.preventDefault();

health();
setInterval(health, 15000);
