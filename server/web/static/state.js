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

export function logError(where, err) {
  console.warn(`${where}: ${err && err.message ? err.message : err}`);
}
