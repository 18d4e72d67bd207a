// The call's state and the small helpers every other module uses. This
// module imports nothing, so it is evaluated first and its bindings are
// ready before any other module's code runs.

export const params = new URLSearchParams(location.search);
export const fragment = new URLSearchParams(location.hash.slice(1));
export const $ = (id) => document.getElementById(id);

export const MAX_RESTARTS = 5;
export const STATS_EVERY_MS = 1000;

export const call = {
  room: '',
  name: '',
  token: fragment.get('token') || '',
  ws: null,
  selfId: '',
  joined: false, // welcome received on the current WebSocket
  resume: null,
  iceServers: [],
  peers: new Map(), // peer id → peer
  sfu: null, // the LiveKit room once the server moved the call there (sfu.js)
  outbox: [], // messages waiting for the signaling connection
  active: false, // in a call (until leave)
  fatal: false, // the server refused us: do not reconnect
  attempt: 0,
  reconnectTimer: 0,
  local: {
    stream: null,
    audio: null, // microphone track
    video: null, // camera track
    screen: null, // screen-share track
    audioOn: true,
    videoOn: true,
    error: '',
  },
};

export function note(text) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = !text;
}

export function setStatus(text) {
  $('status').textContent = text;
}

// cleanText is remote text made safe to show: control and bidirectional
// formatting characters become spaces (no reordered or hidden text), and
// it is cut to max characters.
export function cleanText(s, max) {
  const clean = String(s).replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
  const chars = [...clean];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : clean;
}

export function logError(where, err) {
  console.warn(`${where}: ${err && err.message ? err.message : err}`);
}
