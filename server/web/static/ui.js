// The UI: tiles, controls and the join form, and starting and leaving a
// call from them.

import { $, call, params, note, setStatus, MAX_RESTARTS } from './state.js';
import { connect } from './signaling.js';
import { removePeer } from './peers.js';
import { openMedia, mediaState, setMic, setCamera, startScreen, stopScreen } from './media.js';
import { bindChat, clearChat } from './chat.js';
import { bindInvite, hideInvite } from './invite.js';
import { leaveSFU } from './sfu.js';

// Rendering (names and texts only ever through textContent).

export function makeTile(p) {
  const tile = $('tile-template').content.firstElementChild.cloneNode(true);
  tile.dataset.peer = p.id;
  tile.querySelector('video').srcObject = p.remote;
  tile.querySelector('audio').srcObject = p.remote;
  $('tiles').append(tile);
  return tile;
}

export function attachRemote(p) {
  const v = p.tile.querySelector('video');
  const a = p.tile.querySelector('audio');
  if (v.srcObject !== p.remote) v.srcObject = p.remote;
  if (a.srcObject !== p.remote) a.srcObject = p.remote;
  v.play().catch(() => {});
  a.play().catch(() => {
    $('sound').hidden = false; // autoplay with sound needs a click
  });
}

export function renderTile(p) {
  const t = p.tile;
  if (!t) return;
  t.querySelector('.name').textContent = p.name || 'someone';
  const m = p.media;
  t.querySelector('.mic-off').hidden = !m || m.audio;
  t.querySelector('.cam-off').hidden = !m || m.video || m.screen;
  t.querySelector('.sharing').hidden = !m || !m.screen;
  const onLiveKit = !!p.lk;
  let st = p.pc ? p.pc.connectionState : 'waiting';
  if (p.restartTimer && st !== 'connected') st += ` (retry ${p.restarts}/${MAX_RESTARTS})`;
  if (p.gaveUp && st === 'failed') st = 'failed: no route to peer';
  if (onLiveKit) st = p.pc ? 'connected · moving to LiveKit' : 'connected · LiveKit';
  else if (call.sfu && !p.pc) st = 'not on LiveKit yet';
  // media-state's videoPaused: their camera is on, their link too narrow.
  if (m && m.video && m.videoPaused && st === 'connected') st = 'connected · video paused (their link)';
  showCameraOff(t, p.name, cameraOff(p));
  const code = t.querySelector('.verify');
  code.hidden = !p.code;
  code.querySelector('.code').textContent = p.code || '';
  const el = t.querySelector('.state');
  el.textContent = st;
  const state = onLiveKit ? 'connected' : p.pc ? p.pc.connectionState : 'waiting';
  el.className = `state ${state}`;
  // The same facts in machine-readable form (for scripts and tests that
  // read the page as a user sees it); absent media flags mean not yet heard.
  // transport: mesh, livekit, or both while the mesh is handed over.
  t.dataset.state = state;
  t.dataset.transport = onLiveKit ? (p.pc ? 'both' : 'livekit') : p.pc ? 'mesh' : '';
  for (const kind of ['audio', 'video', 'screen']) {
    if (m) t.dataset[kind] = m[kind] ? 'on' : 'off';
    else delete t.dataset[kind];
  }
}

// cameraOff: the peer said its camera is off (and it shares no screen), or
// the connected peer's video track stopped (muted: no frames come; ended).
// Either way the tile shows so instead of the last frame, frozen.
function cameraOff(p) {
  const m = p.media;
  if (m && !m.video && !m.screen) return true;
  if (!p.lk && (!p.pc || p.pc.connectionState !== 'connected')) return false;
  const v = p.remote.getVideoTracks()[0];
  return !!v && (v.muted || v.readyState === 'ended');
}

function showCameraOff(tile, name, off) {
  const box = tile.querySelector('.camera-off');
  box.hidden = !off;
  box.querySelector('.initial').textContent = [...(name || '?')][0].toUpperCase();
  tile.querySelector('video').classList.toggle('off', off);
  tile.dataset.cameraOff = off ? 'true' : 'false';
}

export function renderSelf() {
  let tile = document.querySelector('.self-tile');
  if (!tile) {
    tile = $('tile-template').content.firstElementChild.cloneNode(true);
    tile.classList.add('self-tile');
    tile.querySelector('audio').remove();
    $('tiles').prepend(tile);
  }
  const l = call.local;
  const v = tile.querySelector('video');
  const preview = l.screen ? new MediaStream([l.screen]) : l.stream;
  if (v.srcObject !== preview) v.srcObject = preview;
  tile.classList.toggle('mirror', !l.screen); // a mirrored screen is unreadable
  tile.querySelector('.name').textContent = `${call.name} (you)`;
  const ms = mediaState();
  tile.querySelector('.mic-off').hidden = ms.audio;
  tile.querySelector('.cam-off').hidden = ms.video || ms.screen;
  tile.querySelector('.sharing').hidden = !ms.screen;
  showCameraOff(tile, call.name, !ms.video && !ms.screen);
  tile.querySelector('.state').textContent = l.stream ? '' : 'receive-only';
}

export function renderControls() {
  const l = call.local;
  const mic = $('mic');
  mic.disabled = !l.audio;
  mic.setAttribute('aria-pressed', String(!!l.audio && l.audioOn));
  mic.textContent = l.audio && l.audioOn ? '🎙 Mic on' : '🔇 Mic off';
  const cam = $('cam');
  cam.disabled = !l.video;
  cam.setAttribute('aria-pressed', String(!!l.video && l.videoOn));
  cam.textContent = l.video && l.videoOn ? '📷 Camera on' : '🚫 Camera off';
  const scr = $('screen');
  scr.setAttribute('aria-pressed', String(!!l.screen));
  scr.textContent = l.screen ? '🖥 Stop sharing' : '🖥 Share screen';
  if (document.querySelector('.self-tile')) renderSelf();
}

// Starting and leaving.

export async function start(room, name) {
  call.room = room;
  call.name = name;
  call.active = true;
  call.fatal = false;
  call.attempt = 0;
  call.selfId = '';
  call.resume = null;
  call.outbox = [];
  $('join').hidden = true;
  $('call').hidden = false;
  $('notice').classList.remove('refused');
  note('');
  if (!call.local.stream && !call.local.error) {
    setStatus('starting camera and microphone…');
    await openMedia();
  }
  if (call.local.error) note(call.local.error);
  renderSelf();
  renderControls();
  connect();
}

// leave ends the call: leave sent, connections closed. keepMedia keeps
// the camera running for a rejoin.
export function leave(keepMedia) {
  call.active = false;
  clearTimeout(call.reconnectTimer);
  const ws = call.ws;
  call.ws = null;
  call.joined = false;
  if (ws) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'leave' }));
    ws.close(1000);
  }
  leaveSFU();
  for (const id of [...call.peers.keys()]) removePeer(id);
  clearChat();
  hideInvite();
  call.selfId = '';
  call.resume = null;
  if (!keepMedia) {
    const l = call.local;
    for (const t of [l.audio, l.video, l.screen]) if (t) t.stop();
    Object.assign(l, { stream: null, audio: null, video: null, screen: null, error: '' });
    const self = document.querySelector('.self-tile');
    if (self) self.remove();
    $('call').hidden = true;
    showJoinForm(false);
    setStatus('left the call');
  }
}

// refused ends a join the server turned down for good (the room is full,
// the join was malformed): no preview, no controls, camera and microphone
// released; the server's reason and the join form to try again remain.
export function refused(text) {
  leave(false);
  note(`Could not join: ${text}`);
  $('notice').classList.add('refused');
  setStatus('not joined');
}

export function showJoinForm(askToken) {
  const f = $('join');
  f.room.value = call.room || params.get('room') || '';
  f.name.value = call.name || params.get('name') || '';
  $('token-field').hidden = !askToken;
  f.hidden = false;
  if (askToken) f.token.focus();
}

// bindControls wires the join form and the call buttons to what they do.
export function bindControls() {
  $('join').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    if (!$('token-field').hidden && f.token.value) call.token = f.token.value.trim();
    const room = f.room.value.trim();
    const name = f.name.value.trim();
    const u = new URL(location.href);
    u.searchParams.set('room', room);
    u.searchParams.set('name', name);
    u.hash = ''; // never keep a token in the address bar or history
    history.replaceState(null, '', u);
    if (call.active) leave(true);
    start(room, name);
  });
  $('mic').addEventListener('click', () => setMic(!call.local.audioOn));
  $('cam').addEventListener('click', () => setCamera(!call.local.videoOn));
  $('screen').addEventListener('click', () => (call.local.screen ? stopScreen() : startScreen()));
  $('leave').addEventListener('click', () => leave(false));
  bindChat();
  bindInvite();
  $('sound').addEventListener('click', () => {
    for (const a of document.querySelectorAll('.tile audio')) a.play().catch(() => {});
    $('sound').hidden = true;
  });
  window.addEventListener('pagehide', () => {
    if (call.active) leave(false);
  });
}
