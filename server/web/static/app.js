// rtcterm web client, the entry module: one RTCPeerConnection per remote
// peer, negotiated through the signaling server exactly as docs/protocol.md
// and rtcterm's rtc package do it, so browsers and terminals form one full
// mesh. The parts live in their own modules:
//
//   state.js      the call's state and small helpers
//   signaling.js  the WebSocket, reconnects and resume
//   peers.js      peer connections, negotiation roles, ICE restarts
//   media.js      camera, microphone, their switches, screen share
//   stats.js      getStats() into each tile's stats line
//   ui.js         tiles, controls, the join form; starting and leaving
//   chat.js       the chat panel: lines, pending echoes, unread badge
//   sfu.js        the move to LiveKit (protocol v1.1) with its vendored SDK
//
// The page talks only to its own origin (and, once the server moves the
// call there, to the LiveKit server it names): no analytics, no test hooks.

import { call, params, logError } from './state.js';
import { bindControls, showJoinForm, start } from './ui.js';
import { statsTick } from './stats.js';

window.addEventListener('error', (e) => logError('page', e.message));
window.addEventListener('unhandledrejection', (e) => logError('promise', e.reason));
bindControls();

const room = params.get('room');
const name = params.get('name');
if (room && name) {
  start(room, name);
} else {
  showJoinForm(!!call.token);
}
statsTick();
