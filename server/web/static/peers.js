// Peers: one RTCPeerConnection per remote peer, negotiated as
// docs/protocol.md and rtcterm's rtc package do it, and its recovery.
//
// Roles: whoever was in the room first offers. The joiner announces itself
// with a broadcast ready-for-offer; each existing peer offers to it. The
// answerer of a pair asks for a fresh offer (ICE restart, or a track it could
// not send before) with a directed ready-for-offer. If both sides offer
// anyway (glare), the lower peer id keeps the offerer role.

import { call, MAX_RESTARTS, logError } from './state.js';
import { send } from './signaling.js';
import { localTrack } from './media.js';
import { makeTile, renderTile, attachRemote } from './ui.js';
import { connectionCode } from './verify.js';
import { sfuActive, meshEnded } from './sfu.js';

export function ensurePeer(id, name) {
  let p = call.peers.get(id);
  if (!p) {
    p = {
      id,
      name: name || '',
      pc: null,
      offerer: false,
      candidates: [],
      chain: Promise.resolve(),
      media: null,
      remote: new MediaStream(),
      tile: null,
      restarts: 0,
      restartTimer: 0,
      stats: {},
      prev: null,
      code: '', // verification code of the connection, once connected
      member: false, // in the signaling room (welcome, peer-joined)
      lk: null, // its LiveKit participant and tracks, once on LiveKit (sfu.js)
      meshCloseTimer: 0, // the mesh connection's end, once LiveKit carries its media
    };
    call.peers.set(id, p);
    p.tile = makeTile(p);
  } else if (name) {
    p.name = name;
  }
  renderTile(p);
  return p;
}

// enqueue runs fn after everything queued before for p, so descriptions
// and candidates are applied in the order they arrived.
export function enqueue(p, what, fn) {
  p.chain = p.chain.then(fn).catch((err) => logError(`${what} (${p.name || p.id})`, err));
  return p.chain;
}

function closeConnection(p) {
  if (p.restartTimer) clearTimeout(p.restartTimer);
  p.restartTimer = 0;
  if (p.pc) {
    const pc = p.pc;
    p.pc = null;
    pc.close();
  }
  p.code = '';
  for (const t of p.remote.getTracks()) p.remote.removeTrack(t);
}

export function removePeer(id) {
  const p = call.peers.get(id);
  if (!p) return;
  call.peers.delete(id);
  closeConnection(p);
  clearTimeout(p.meshCloseTimer);
  p.lk = null;
  if (p.tile) p.tile.remove();
}

// closeMesh ends p's mesh connection after the move to LiveKit, keeping
// the LiveKit tracks its tile already shows.
export function closeMesh(p) {
  if (p.restartTimer) clearTimeout(p.restartTimer);
  p.restartTimer = 0;
  clearTimeout(p.meshCloseTimer);
  p.meshCloseTimer = 0;
  p.candidates = [];
  const pc = p.pc;
  if (!pc) return;
  p.pc = null;
  p.code = '';
  const mesh = new Set(pc.getReceivers().map((r) => r.track));
  pc.close();
  for (const t of p.remote.getTracks()) if (mesh.has(t)) p.remote.removeTrack(t);
}

function newConnection(p) {
  const pc = new RTCPeerConnection({ iceServers: call.iceServers });
  p.pc = pc;
  pc.onicecandidate = (e) => {
    if (p.pc !== pc) return;
    send({ type: 'ice-candidate', to: p.id, candidate: e.candidate ? e.candidate.toJSON() : { candidate: '' } });
  };
  pc.onconnectionstatechange = () => {
    if (p.pc === pc) connectionStateChanged(p);
  };
  pc.ontrack = (e) => {
    if (p.pc !== pc) return;
    for (const old of p.remote.getTracks()) {
      if (old.kind === e.track.kind) p.remote.removeTrack(old);
    }
    p.remote.addTrack(e.track);
    if (e.track.kind === 'video') {
      // A stopped or silent video track turns the tile to "camera off".
      for (const ev of ['mute', 'unmute', 'ended']) e.track.addEventListener(ev, () => renderTile(p));
    }
    attachRemote(p);
  };
  return pc;
}

// preferCodecs limits a transceiver to VP8 or Opus (what rtcterm speaks),
// keeping the retransmission entries that go with them.
function preferCodecs(t, kind) {
  if (!t.setCodecPreferences || !window.RTCRtpReceiver || !RTCRtpReceiver.getCapabilities) return;
  const caps = RTCRtpReceiver.getCapabilities(kind);
  if (!caps) return;
  const want = kind === 'video' ? ['video/vp8', 'video/rtx'] : ['audio/opus'];
  const codecs = caps.codecs.filter((c) => want.includes(c.mimeType.toLowerCase()));
  try {
    if (codecs.length) t.setCodecPreferences(codecs);
  } catch (err) {
    logError('codec preferences', err);
  }
}

export function transceiverKind(t) {
  return t.receiver && t.receiver.track ? t.receiver.track.kind : '';
}

// addTransceivers sets up an offerer's connection: one audio and one video
// transceiver, sending when we have the track, receive-only otherwise.
function addTransceivers(p) {
  const streams = call.local.stream ? [call.local.stream] : [];
  for (const kind of ['audio', 'video']) {
    const track = localTrack(kind);
    const t = p.pc.addTransceiver(track || kind, { direction: track ? 'sendrecv' : 'recvonly', streams });
    preferCodecs(t, kind);
  }
}

// attachTracks binds our tracks to the transceivers an offer created (or
// after a track appeared, e.g. screen share without a camera). It returns
// whether the SDP must change for it.
export async function attachTracks(p) {
  let renegotiate = false;
  const seen = new Set();
  for (const t of p.pc.getTransceivers()) {
    const kind = transceiverKind(t);
    if (!kind || t.stopped || t.currentDirection === 'stopped' || seen.has(kind)) continue;
    seen.add(kind);
    preferCodecs(t, kind);
    const track = localTrack(kind);
    if (!track) continue;
    if (t.sender.track !== track) await t.sender.replaceTrack(track);
    if (t.direction !== 'sendrecv') {
      t.direction = 'sendrecv';
      if (call.local.stream && t.sender.setStreams) t.sender.setStreams(call.local.stream);
      renegotiate = true;
    }
  }
  return renegotiate;
}

async function makeOffer(p, iceRestart) {
  const pc = p.pc;
  if (!pc || (pc.signalingState !== 'stable' && pc.signalingState !== 'have-local-offer')) return;
  const offer = await pc.createOffer({ iceRestart });
  if (p.pc !== pc) return;
  await pc.setLocalDescription(offer);
  send({ type: 'offer', to: p.id, sdp: pc.localDescription.sdp });
}

// readyForOffer: a peer that just joined asks for our offer, or the
// answerer of an existing pair asks for a fresh one (ICE restart).
export function readyForOffer(from) {
  if (!from || from === call.selfId || sfuActive()) return;
  const p = ensurePeer(from);
  enqueue(p, 'offer', async () => {
    if (!p.pc) {
      p.offerer = true;
      newConnection(p);
      addTransceivers(p);
      await makeOffer(p, false);
    } else if (p.offerer) {
      await makeOffer(p, true);
    }
    // Otherwise we answer in this pair; a broadcast from its join raced ours.
  });
}

export function offerReceived(from, sdp) {
  if (!from || sfuActive()) return;
  const p = ensurePeer(from);
  enqueue(p, 'answer', async () => {
    if (p.pc && p.offerer) {
      if (call.selfId < p.id) return; // glare: we keep the offerer role
      closeConnection(p);
    }
    const fresh = !p.pc;
    if (fresh) {
      p.offerer = false;
      newConnection(p);
    }
    const pc = p.pc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await attachTracks(p);
    await flushCandidates(p);
    const answer = await pc.createAnswer();
    if (p.pc !== pc) return;
    await pc.setLocalDescription(answer);
    send({ type: 'answer', to: p.id, sdp: pc.localDescription.sdp });
  });
}

export function answerReceived(from, sdp) {
  const p = call.peers.get(from);
  if (!p) return;
  enqueue(p, 'apply answer', async () => {
    const pc = p.pc;
    if (!pc || !p.offerer || pc.signalingState !== 'have-local-offer') return; // stale
    await pc.setRemoteDescription({ type: 'answer', sdp });
    await flushCandidates(p);
  });
}

// candidateReceived adds a trickled candidate, holding it until the remote
// description is there (a candidate can overtake the offer it belongs to).
export function candidateReceived(from, c) {
  const p = call.peers.get(from);
  if (!p || !c || typeof c.candidate !== 'string') return;
  enqueue(p, 'candidate', async () => {
    if (!p.pc || !p.pc.remoteDescription) {
      p.candidates.push(c);
      return;
    }
    try {
      await p.pc.addIceCandidate(c);
    } catch {
      // Most likely for an ICE restart whose offer has not arrived yet:
      // try again after the next remote description.
      p.candidates.push(c);
    }
  });
}

async function flushCandidates(p) {
  const held = p.candidates;
  p.candidates = [];
  for (const c of held) {
    try {
      await p.pc.addIceCandidate(c);
    } catch {
      // An old generation's candidate: dropped, as Pion does.
    }
  }
}

// Recovery.

function connectionStateChanged(p) {
  const st = p.pc.connectionState;
  if ((st === 'disconnected' || st === 'failed' || st === 'closed') && meshEnded(p)) return;
  if (st === 'connected') {
    showCode(p, p.pc);
    p.restarts = 0;
    if (p.restartTimer) clearTimeout(p.restartTimer);
    p.restartTimer = 0;
  } else if (st === 'failed') {
    scheduleRestart(p);
  }
  renderTile(p);
}

// showCode computes the verification code from the descriptions the
// connection now runs on (a renegotiation may carry a new certificate).
function showCode(p, pc) {
  connectionCode(pc)
    .then((code) => {
      if (p.pc !== pc || code === p.code) return;
      p.code = code;
      renderTile(p);
    })
    .catch((err) => logError('verification code', err));
}

function scheduleRestart(p) {
  if (p.restartTimer || sfuActive()) return; // the mesh is being left
  if (p.restarts >= MAX_RESTARTS) {
    p.gaveUp = true;
    renderTile(p);
    return;
  }
  p.restarts++;
  const delay = 1000 * 2 ** (p.restarts - 1);
  p.restartTimer = setTimeout(() => {
    p.restartTimer = 0;
    if (call.peers.get(p.id) !== p || (p.pc && p.pc.connectionState === 'connected') || sfuActive()) return;
    restart(p);
  }, delay);
  renderTile(p);
}

// restart runs one ICE restart: the offerer offers with new credentials;
// the answerer asks the offerer for such an offer.
function restart(p) {
  if (p.restartTimer) clearTimeout(p.restartTimer);
  if (p.pc && p.offerer) {
    enqueue(p, 'ice restart', () => makeOffer(p, true));
  } else {
    send({ type: 'ready-for-offer', to: p.id });
  }
  // The request may get no reply at all: check again later.
  p.restartTimer = setTimeout(() => {
    p.restartTimer = 0;
    if (call.peers.get(p.id) === p && !(p.pc && p.pc.connectionState === 'connected')) scheduleRestart(p);
  }, 15000);
}

// renegotiate asks for new SDP after we started sending a track the
// connection was set up without.
export function renegotiate(p) {
  if (sfuActive()) return;
  if (p.offerer) enqueue(p, 'renegotiate', () => makeOffer(p, false));
  else send({ type: 'ready-for-offer', to: p.id });
}
