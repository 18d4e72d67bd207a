// Signaling: the WebSocket to the server (docs/protocol.md), reconnecting
// with backoff and resuming our membership after a drop.

import { call, note, setStatus, logError } from './state.js';
import { ensurePeer, removePeer, readyForOffer, offerReceived, answerReceived, candidateReceived } from './peers.js';
import { sendMediaState } from './media.js';
import { renderTile, showJoinForm, refused } from './ui.js';
import { chatReceived, chatRefused } from './chat.js';
import { sfuOffered, sfuActive, serverNotice, leaveSFU, sfuReceiving } from './sfu.js';

// MAX_OUTBOX bounds what waits for the next welcome during an outage: the
// oldest messages go first (candidates and chat lines long out of date).
const MAX_OUTBOX = 256;

// send delivers msg now when joined, else keeps it for after the next welcome.
export function send(msg) {
  if (call.ws && call.ws.readyState === WebSocket.OPEN && call.joined) {
    call.ws.send(JSON.stringify(msg));
  } else {
    call.outbox.push(msg);
    if (call.outbox.length > MAX_OUTBOX) call.outbox.splice(0, call.outbox.length - MAX_OUTBOX);
  }
}

export function connect() {
  clearTimeout(call.reconnectTimer);
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const ws = new WebSocket(scheme + location.host + '/ws');
  call.ws = ws;
  setStatus(call.attempt ? `reconnecting (attempt ${call.attempt})…` : 'connecting…');
  ws.onopen = () => {
    const join = { type: 'join', room: call.room, userName: call.name };
    if (call.token) join.token = call.token;
    if (call.resume) join.resume = call.resume;
    ws.send(JSON.stringify(join));
  };
  ws.onmessage = (e) => {
    if (call.ws !== ws || typeof e.data !== 'string') return;
    let m;
    try {
      m = JSON.parse(e.data);
    } catch {
      return;
    }
    if (m && typeof m === 'object') handleMessage(m);
  };
  ws.onclose = () => {
    if (call.ws !== ws) return;
    call.ws = null;
    call.joined = false;
    if (!call.active || call.fatal) return;
    call.attempt++;
    // 250 ms doubling to 10 s, each delay jittered to 50–100 %.
    const base = Math.min(10000, 250 * 2 ** (call.attempt - 1));
    const delay = base * (0.5 + Math.random() / 2);
    setStatus(`signaling lost; reconnecting in ${(delay / 1000).toFixed(1)} s`);
    call.reconnectTimer = setTimeout(connect, delay);
  };
}

function handleMessage(m) {
  switch (m.type) {
    case 'welcome':
      welcome(m);
      break;
    case 'peer-joined':
      if (typeof m.peerId === 'string' && m.peerId !== call.selfId) ensurePeer(m.peerId, String(m.userName || '')).member = true;
      break;
    case 'peer-left':
      peerLeft(m.peerId);
      break;
    case 'sfu-switch':
      sfuOffered(m, false);
      break;
    case 'sfu-receiving':
      sfuReceiving(m);
      break;
    case 'notice':
      serverNotice(m);
      break;
    case 'ready-for-offer':
      readyForOffer(m.from);
      break;
    case 'offer':
      if (typeof m.sdp === 'string') offerReceived(m.from, m.sdp);
      break;
    case 'answer':
      if (typeof m.sdp === 'string') answerReceived(m.from, m.sdp);
      break;
    case 'ice-candidate':
      candidateReceived(m.from, m.candidate);
      break;
    case 'media-state': {
      const p = call.peers.get(m.from);
      if (p) {
        p.media = { audio: !!m.audio, video: !!m.video, screen: !!m.screen, videoPaused: !!m.videoPaused };
        renderTile(p);
      }
      break;
    }
    case 'chat':
      chatReceived(m);
      break;
    case 'error':
      serverError(m);
      break;
    default:
    // Unknown types are ignored (forward compatibility).
  }
}

// peerLeft removes a peer that left the signaling room, unless it is still
// in our LiveKit room (its signaling connection dropped, its media did not).
function peerLeft(id) {
  const p = call.peers.get(id);
  if (p && p.lk && sfuActive()) {
    p.member = false;
    return;
  }
  removePeer(id);
}

function welcome(w) {
  const prev = call.selfId;
  const resumed = !!prev && prev === w.peerId;
  call.selfId = w.peerId;
  call.joined = true;
  call.resume = w.resume || null;
  call.iceServers = Array.isArray(w.iceServers) ? w.iceServers : [];
  call.attempt = 0;
  setStatus(`in room ${w.room || call.room}`);
  if (prev && !resumed) {
    // The server did not keep our identity: everyone is new to us, and our
    // LiveKit identity (the old peer id) is stale; a welcome.sfu below
    // brings us back with the new one.
    leaveSFU();
    for (const id of [...call.peers.keys()]) removePeer(id);
  }
  const present = new Set();
  for (const info of Array.isArray(w.peers) ? w.peers : []) {
    if (!info || typeof info.peerId !== 'string') continue;
    present.add(info.peerId);
    const p = ensurePeer(info.peerId, String(info.userName || ''));
    p.member = true;
    if (info.media) {
      p.media = { audio: !!info.media.audio, video: !!info.media.video, screen: !!info.media.screen };
      renderTile(p);
    }
  }
  if (resumed) {
    for (const id of [...call.peers.keys()]) if (!present.has(id)) peerLeft(id);
  }
  // What we said while away only matters to peers who still know us.
  const queued = resumed ? call.outbox : [];
  call.outbox = [];
  sendMediaState();
  for (const msg of queued) if (msg.type !== 'media-state') send(msg);
  // v1.1: a room already on LiveKit sends us straight there; no mesh.
  if (w.sfu && typeof w.sfu === 'object') sfuOffered(w.sfu, true);
  if (sfuActive()) return;
  if (resumed) {
    for (const p of call.peers.values()) if (!p.pc) send({ type: 'ready-for-offer', to: p.id });
  } else {
    send({ type: 'ready-for-offer' });
  }
}

function serverError(m) {
  const text = String(m.message || m.code || 'error');
  if (m.ref === 'chat') {
    chatRefused(m.code, text); // the line is marked; the call is fine
    return;
  }
  if (m.ref === 'sfu-joined' || m.ref === 'sfu-receiving') return; // a server without them: the deadlines decide
  switch (m.code) {
    case 'unknown-peer':
      return; // a peer that just left
    case 'unauthorized':
      call.fatal = true;
      showJoinForm(true);
      note(call.token ? `The server refused the token: ${text}. Enter a valid one.` : 'This server needs a join token. Ask the host for one (rtcterm token) and enter it.');
      setStatus('not joined');
      return;
    case 'room-full':
    case 'bad-message':
      if (m.ref === 'join') {
        call.fatal = true;
        refused(text);
        return;
      }
      break;
    default:
  }
  logError(`server (${m.code})`, text);
}
