// Local media: the camera and microphone, their switches, and screen share.

import { call, note } from './state.js';
import { send } from './signaling.js';
import { enqueue, attachTracks, renegotiate, transceiverKind } from './peers.js';
import { renderControls, renderSelf } from './ui.js';
import { sfuMute, sfuScreen } from './sfu.js';

// explainMediaError turns a getUserMedia failure into what the user can do.
function explainMediaError(err) {
  if (!navigator.mediaDevices) {
    return 'This page is not a secure context (use https or localhost), so the browser offers no camera or microphone. You can see and hear the others; they cannot see or hear you.';
  }
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera and microphone access was denied. You can see and hear the others; they cannot see or hear you. Allow access in the address bar and reload to send.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. You joined receive-only.';
    case 'NotReadableError':
      return 'The camera or microphone is in use by another program. You joined receive-only.';
    default:
      return `Camera and microphone unavailable (${err && err.name ? err.name : err}). You joined receive-only.`;
  }
}

export async function openMedia() {
  const l = call.local;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    l.error = explainMediaError(null);
    return;
  }
  const attempts = [
    { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } },
    { audio: true },
    { video: true },
  ];
  let firstErr = null;
  for (const constraints of attempts) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      l.stream = stream;
      l.audio = stream.getAudioTracks()[0] || null;
      l.video = stream.getVideoTracks()[0] || null;
      if (!l.audio) l.error = 'No microphone: the others cannot hear you.';
      if (!l.video) l.error = 'No camera: the others hear you but cannot see you.';
      return;
    } catch (err) {
      firstErr = firstErr || err;
      if (err && (err.name === 'NotAllowedError' || err.name === 'SecurityError')) break;
    }
  }
  l.error = explainMediaError(firstErr);
}

export function localTrack(kind) {
  const l = call.local;
  if (kind === 'audio') return l.audio;
  return l.screen || l.video;
}

export function mediaState() {
  const l = call.local;
  return {
    audio: !!l.audio && l.audioOn,
    video: !!l.video && l.videoOn,
    screen: !!l.screen,
  };
}

export function sendMediaState() {
  send({ type: 'media-state', ...mediaState() });
  renderControls();
}

export function setMic(on) {
  const l = call.local;
  l.audioOn = on;
  if (l.audio) l.audio.enabled = on;
  sfuMute('audio', !on);
  sendMediaState();
}

export function setCamera(on) {
  const l = call.local;
  l.videoOn = on;
  if (l.video) l.video.enabled = on;
  sfuMute('video', !on);
  sendMediaState();
}

async function setVideoTrack(track) {
  for (const p of call.peers.values()) {
    if (!p.pc) continue;
    enqueue(p, 'switch video', async () => {
      if (await attachTracks(p)) renegotiate(p);
      if (!track) {
        for (const t of p.pc.getTransceivers()) {
          if (transceiverKind(t) === 'video' && t.sender.track) await t.sender.replaceTrack(null);
        }
      }
    });
  }
}

// screenStarting is set while the browser asks what to share: a second
// click then starts no second capture.
let screenStarting = false;

export async function startScreen() {
  if (screenStarting || call.local.screen) return;
  screenStarting = true;
  try {
    await shareScreen();
  } finally {
    screenStarting = false;
  }
}

async function shareScreen() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
    note('This browser cannot share the screen.');
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (err) {
    if (err && err.name !== 'NotAllowedError') note(`Screen share failed: ${err.message || err.name}`);
    return;
  }
  const track = stream.getVideoTracks()[0];
  if (!track) return;
  track.onended = () => stopScreen();
  call.local.screen = track;
  renderControls(); // the button says "Stop sharing" from the first frame on
  await setVideoTrack(track);
  await sfuScreen(track);
  sendMediaState();
  renderSelf();
}

export async function stopScreen() {
  const l = call.local;
  if (!l.screen) return;
  l.screen.stop();
  l.screen = null;
  await setVideoTrack(l.video);
  await sfuScreen(null);
  sendMediaState();
  renderSelf();
}
