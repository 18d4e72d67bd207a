// LiveKit: when the server moves the room off the mesh (docs/protocol.md
// v1.1: sfu-switch, or welcome.sfu for a joiner), the page joins the LiveKit
// room with LiveKit's own SDK (vendored, vendor/README.md) and publishes the
// same microphone, camera and screen tracks the mesh sends. Tiles stay keyed
// by peer id, which is each member's LiveKit identity.
//
// The handover is per peer: a peer's mesh connection keeps carrying media
// until LiveKit carries it both ways — its LiveKit tracks reach us
// (subscribed and receiving, or muted), which we tell it (sfu-receiving),
// and it has told us the same of ours — and is closed MESH_OVERLAP_MS
// later; if the peer closes its end first, ours goes at once. Connections
// to peers that never get that far are closed after MESH_GRACE_MS, as the
// server has moved the room. The signaling WebSocket stays open for presence, chat and
// notices.

// LiveKit's SDK (1.4 MB of JavaScript) is loaded only when the room moves
// there: importing it with the page made every call, mesh ones included,
// wait for it to be parsed (about 4 s on a loaded 2-core machine). Loaded
// at the move, it delays only the move, while the mesh carries the call.
let Room, RoomEvent, Track;
let loading = null;

// loadLiveKit imports the SDK once; a failed import may be tried again.
function loadLiveKit() {
  loading ??= import('./vendor/livekit-client.esm.mjs').then(
    (m) => {
      ({ Room, RoomEvent, Track } = m);
    },
    (err) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}
import { $, call, logError, cleanText } from './state.js';
import { send } from './signaling.js';
import { ensurePeer, removePeer, closeMesh } from './peers.js';
import { attachRemote, renderTile } from './ui.js';

// MESH_GRACE_MS bounds how long a mesh connection outlives our arrival on
// LiveKit when its peer does not show up there (an old client, or one
// whose own switch failed).
const MESH_GRACE_MS = 15000;

// MESH_GRACE_COMING_MS bounds it for a peer that is in the LiveKit room but
// has not yet carried media both ways with us (a starved member).
const MESH_GRACE_COMING_MS = 30000;

// MESH_OVERLAP_MS is how long a peer's mesh connection outlives the moment
// LiveKit carries media both ways between us (we have its tracks and it
// said it has ours): packets already on their way over the mesh land.
const MESH_OVERLAP_MS = 1000;

// MAX_TOKEN bounds the token we hand to the SDK (a LiveKit JWT is < 2 kB).
const MAX_TOKEN = 8192;

// sfuActive: the page is on LiveKit or on its way there, so the mesh takes
// no new negotiation (neither offers nor answers nor ICE restarts).
export function sfuActive() {
  return !!call.sfu && call.sfu.state !== 'failed';
}

// showMode puts a line about the call's mode (or a server's notice) under
// the header, as text; '' hides it.
export function showMode(text, level) {
  const el = $('mode');
  el.textContent = text;
  el.hidden = !text;
  el.dataset.level = level || 'info';
}

// serverNotice shows a notice message from the server (e.g. why the room
// stays on the mesh), cleaned of control characters and bounded.
export function serverNotice(m) {
  if (typeof m.message !== 'string') return;
  const level = m.level === 'warn' || m.level === 'error' ? m.level : 'info';
  showMode(cleanText(m.message, 300), level);
}

function validOffer(info) {
  return (
    !!info &&
    typeof info === 'object' &&
    typeof info.url === 'string' &&
    /^wss?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(info.url) &&
    typeof info.token === 'string' &&
    info.token.length > 0 &&
    info.token.length <= MAX_TOKEN
  );
}

// sfuOffered joins the LiveKit room the server named. direct: the offer
// came in our welcome, so there is no mesh to hand over from.
export function sfuOffered(info, direct) {
  if (!validOffer(info)) {
    logError('sfu', 'malformed LiveKit offer ignored');
    return;
  }
  const s = call.sfu;
  if (s && s.url === info.url && s.room === info.room && (s.state === 'connecting' || s.state === 'connected')) {
    return; // already there (a resumed welcome repeats the offer)
  }
  if (s) leaveSFU();
  const sfu = {
    url: info.url,
    room: String(info.room || ''),
    lk: null, // once the SDK is loaded
    state: 'connecting',
    direct: !!direct,
    publishing: false,
    published: new Map(), // 'audio' | 'video' | 'screen' → LocalTrackPublication
    screenChain: Promise.resolve(), // screen-share changes, in order
    graceTimer: 0,
  };
  call.sfu = sfu; // from now on the mesh takes no new negotiation
  showMode(direct ? 'joining the room on LiveKit…' : 'moving to LiveKit…');
  for (const p of call.peers.values()) renderTile(p);
  loadLiveKit()
    .then(() => {
      if (call.sfu !== sfu) return;
      sfu.lk = newRoom();
      bindRoom(sfu);
      return join(sfu, info.token);
    })
    .catch((err) => joinFailed(sfu, err));
}

function newRoom() {
  return new Room({
    adaptiveStream: false,
    dynacast: false,
    // The two-connection path (publisher and subscriber), which
    // livekit-server v1.13 speaks; the single-connection one is newer.
    singlePeerConnection: false,
    stopLocalTrackOnUnpublish: false, // the tracks are ours: the mesh and the preview use them
    disconnectOnPageLeave: true,
    publishDefaults: { videoCodec: 'vp8', backupCodec: false, simulcast: false, red: false, dtx: false },
  });
}

async function join(sfu, token) {
  await sfu.lk.connect(sfu.url, token, { autoSubscribe: true });
  if (call.sfu !== sfu) return;
  sfu.state = 'connected';
  for (const rp of sfu.lk.remoteParticipants.values()) participantSeen(rp);
  const l = call.local;
  if (l.audio) await publish(sfu, 'audio', l.audio, Track.Source.Microphone, !l.audioOn);
  if (l.video) await publish(sfu, 'video', l.video, Track.Source.Camera, !l.videoOn);
  if (call.sfu !== sfu) return;
  sfu.publishing = true;
  if (l.screen) await sfuScreen(l.screen);
  if (call.sfu !== sfu) return;
  send({ type: 'sfu-joined' });
  showCount();
  for (const p of call.peers.values()) maybeCloseMesh(p);
  // A sweep rather than one timer: a mesh connection can still appear
  // after this point (a negotiation queued before the move, on a starved
  // page), and a peer's word may come while its tracks are not yet here.
  const since = Date.now();
  sfu.graceTimer = setInterval(() => {
    if (call.sfu !== sfu) return;
    const waited = Date.now() - since;
    for (const p of call.peers.values()) {
      // A peer in the LiveKit room (its media or its word on the way) is
      // waited for longer than one that is not there at all.
      if (p.pc && waited >= (p.lk ? MESH_GRACE_COMING_MS : MESH_GRACE_MS)) {
        closeMesh(p);
        renderTile(p);
      } else {
        maybeCloseMesh(p);
      }
    }
  }, 1000);
}

async function publish(sfu, slot, track, source, muted) {
  const pub = await sfu.lk.localParticipant.publishTrack(track, { source, name: source });
  if (call.sfu !== sfu) return;
  sfu.published.set(slot, pub);
  if (muted) await pub.mute();
}

function joinFailed(sfu, err) {
  if (call.sfu !== sfu) return;
  logError('LiveKit', err);
  sfu.state = 'failed';
  clearInterval(sfu.graceTimer);
  if (sfu.lk) sfu.lk.disconnect(false).catch(() => {});
  call.sfu = null;
  const why = cleanText(err && err.message ? err.message : String(err), 200);
  showMode(`could not join LiveKit (${why}); staying on the mesh`, 'warn');
  // Peers we have no connection to (the server sent us straight to
  // LiveKit, or they closed theirs) get asked for one again.
  for (const p of call.peers.values()) {
    if (!p.pc) send({ type: 'ready-for-offer', to: p.id });
    renderTile(p);
  }
}

// leaveSFU disconnects from LiveKit (leaving the call, or a new offer).
export function leaveSFU() {
  const sfu = call.sfu;
  if (!sfu) return;
  call.sfu = null;
  clearInterval(sfu.graceTimer);
  if (sfu.lk) {
    sfu.lk.removeAllListeners();
    sfu.lk.disconnect(false).catch(() => {});
  }
  for (const p of call.peers.values()) dropLiveKit(p);
  showMode('');
}

function showCount() {
  const sfu = call.sfu;
  if (!sfu || sfu.state !== 'connected') return;
  const n = sfu.lk.remoteParticipants.size + 1;
  showMode(`moved to LiveKit: ${n} ${n === 1 ? 'person' : 'people'}`);
}

function bindRoom(sfu) {
  const lk = sfu.lk;
  const mine = (fn) => (...args) => {
    if (call.sfu === sfu) fn(...args);
  };
  lk.on(RoomEvent.ParticipantConnected, mine((rp) => participantSeen(rp)));
  lk.on(RoomEvent.ParticipantDisconnected, mine((rp) => participantGone(rp)));
  lk.on(RoomEvent.ParticipantNameChanged, mine((_name, rp) => rp && participantSeen(rp)));
  lk.on(RoomEvent.TrackSubscribed, mine((track, pub, rp) => trackArrived(track, pub, rp)));
  lk.on(RoomEvent.TrackUnsubscribed, mine((track, pub, rp) => trackGone(track, rp)));
  for (const ev of [RoomEvent.TrackMuted, RoomEvent.TrackUnmuted, RoomEvent.TrackPublished, RoomEvent.TrackUnpublished]) {
    lk.on(ev, mine((_pub, rp) => rp && !rp.isLocal && participantSeen(rp)));
  }
  lk.on(RoomEvent.Reconnecting, mine(() => showMode('LiveKit connection lost; reconnecting…', 'warn')));
  lk.on(RoomEvent.Reconnected, mine(() => showCount()));
  lk.on(
    RoomEvent.Disconnected,
    mine((reason) => {
      if (sfu.state === 'connecting') return; // join() reports it
      sfu.state = 'disconnected';
      showMode(`disconnected from LiveKit (${cleanText(String(reason), 60)})`, 'warn');
      for (const p of call.peers.values()) dropLiveKit(p);
    }),
  );
}

// lkPeer is the tile's peer for a LiveKit participant (identity = peer id).
function lkPeer(rp) {
  const id = String(rp.identity || '');
  if (!id || id === call.selfId) return null;
  const p = ensurePeer(id, cleanText(rp.name || '', 64));
  if (!p.lk) p.lk = { participant: rp, tracks: { audio: null, video: null, screen: null } };
  p.lk.participant = rp;
  return p;
}

function participantSeen(rp) {
  const p = lkPeer(rp);
  if (!p) return;
  p.media = mediaOf(rp);
  showCount();
  showTracks(p);
}

function participantGone(rp) {
  const p = call.peers.get(String(rp.identity || ''));
  showCount();
  if (!p) return;
  dropLiveKit(p);
  if (!p.member && !p.pc) removePeer(p.id); // not in the signaling room either
}

// mediaOf reads a participant's switches from its publications, as the
// terminal engine does (lkengine): what is published and not muted is on.
function mediaOf(rp) {
  const on = (source) => {
    const pub = rp.getTrackPublication(source);
    return !!pub && !pub.isMuted;
  };
  return { audio: on(Track.Source.Microphone), video: on(Track.Source.Camera), screen: on(Track.Source.ScreenShare) };
}

function slotOf(pub) {
  if (pub.source === Track.Source.ScreenShare) return 'screen';
  return pub.kind === Track.Kind.Audio ? 'audio' : 'video';
}

function trackArrived(track, pub, rp) {
  const p = lkPeer(rp);
  if (!p) return;
  const mst = track.mediaStreamTrack;
  p.lk.tracks[slotOf(pub)] = mst;
  // A remote track is muted until its first packets arrive: show it (and
  // let the mesh go) from then on, so the picture and sound never pause.
  for (const ev of ['unmute', 'mute', 'ended']) mst.addEventListener(ev, () => call.peers.get(p.id) === p && showTracks(p));
  p.media = mediaOf(rp);
  showTracks(p);
}

function trackGone(track, rp) {
  const p = call.peers.get(String(rp.identity || ''));
  if (!p || !p.lk) return;
  const mst = track.mediaStreamTrack;
  for (const slot of Object.keys(p.lk.tracks)) if (p.lk.tracks[slot] === mst) p.lk.tracks[slot] = null;
  if (p.remote.getTracks().includes(mst)) p.remote.removeTrack(mst);
  showTracks(p);
}

// showTracks puts the peer's LiveKit tracks in its tile once they carry
// media (or once there is no mesh connection left to show instead); a
// shared screen is shown instead of the camera, as on the mesh.
function showTracks(p) {
  if (!p.lk) return;
  const t = p.lk.tracks;
  const live = (mst) => !!mst && mst.readyState !== 'ended' && (!mst.muted || !p.pc);
  const want = { audio: t.audio, video: live(t.screen) ? t.screen : t.video };
  let changed = false;
  for (const kind of ['audio', 'video']) {
    const mst = want[kind];
    if (!live(mst) || p.remote.getTracks().includes(mst)) continue;
    for (const old of p.remote.getTracks()) if (old.kind === kind) p.remote.removeTrack(old);
    p.remote.addTrack(mst);
    changed = true;
  }
  if (changed) attachRemote(p);
  renderTile(p);
  maybeCloseMesh(p);
}

// maybeCloseMesh tells p once every track p publishes on LiveKit reaches
// us (or is muted, so nothing would): sfu-receiving, docs/protocol.md. It
// closes p's mesh connection MESH_OVERLAP_MS after that, once p has told
// us the same of ours, so neither end cuts the other's mesh media before
// LiveKit's has taken over there (a loaded terminal took 2.6–4 s).
function maybeCloseMesh(p) {
  const sfu = call.sfu;
  if (!sfu || !sfu.lk || !p.lk) return;
  // Nothing published yet is not "every track reaches us" (a member that
  // sends nothing at all is let go at the grace instead).
  if (p.lk.participant.trackPublications.size === 0) return;
  for (const pub of p.lk.participant.trackPublications.values()) {
    if (pub.kind !== Track.Kind.Audio && pub.kind !== Track.Kind.Video) continue;
    if (pub.isMuted) continue;
    const mst = pub.track && pub.track.mediaStreamTrack;
    if (!mst || mst.muted) return;
  }
  if (!p.toldSFU && !sfu.direct) {
    // Told even without a mesh connection of ours: p's end of a half
    // built one may be up, and p waits for this to close it. (A page
    // sent straight to LiveKit never had a mesh.)
    p.toldSFU = true;
    send({ type: 'sfu-receiving', to: p.id });
  }
  // The word goes out as soon as p's tracks reach us, our own publishing
  // done or not (a starved page took 13 s to publish); the close waits
  // for p's word, which implies we publish.
  if (!p.pc || !sfu.publishing || p.meshCloseTimer) return;
  // A connection that is not up carries none of our media to p: no word
  // to wait for.
  if (!p.receivesUs && p.pc.connectionState === 'connected') return;
  const pc = p.pc;
  p.meshCloseTimer = setTimeout(() => {
    p.meshCloseTimer = 0;
    if (call.sfu !== sfu || p.pc !== pc) return;
    closeMesh(p);
    renderTile(p);
  }, MESH_OVERLAP_MS);
}

// sfuReceiving: a peer says it gets our media through LiveKit now.
export function sfuReceiving(m) {
  const p = typeof m.from === 'string' ? call.peers.get(m.from) : undefined;
  if (!p) return;
  p.receivesUs = true;
  maybeCloseMesh(p);
}

// meshEnded: p's end closed our mesh connection (it has our LiveKit media)
// while p is on LiveKit: ours goes now rather than failing slowly.
export function meshEnded(p) {
  if (!sfuActive() || !p.lk || !p.pc) return false;
  closeMesh(p);
  renderTile(p);
  return true;
}

function dropLiveKit(p) {
  p.toldSFU = false;
  p.receivesUs = false;
  if (!p.lk) return;
  for (const mst of Object.values(p.lk.tracks)) {
    if (mst && p.remote.getTracks().includes(mst)) p.remote.removeTrack(mst);
  }
  p.lk = null;
  renderTile(p);
}

// Local switches while on LiveKit: mute and unmute the publication (the
// others' tiles follow it), publish and unpublish a shared screen.

export function sfuMute(slot, muted) {
  const pub = call.sfu && call.sfu.published.get(slot);
  if (!pub) return;
  (muted ? pub.mute() : pub.unmute()).catch((err) => logError('LiveKit mute', err));
}

// sfuScreen publishes track as the screen share (null: none). The changes
// run one after another: a share stopped while its publication is still
// under way is unpublished once that is done, never left published.
export function sfuScreen(track) {
  const sfu = call.sfu;
  if (!sfu || !sfu.publishing) return Promise.resolve(); // join() publishes what is there then
  sfu.screenChain = sfu.screenChain.then(() => setScreen(sfu, track)).catch((err) => logError('LiveKit screen', err));
  return sfu.screenChain;
}

async function setScreen(sfu, track) {
  if (call.sfu !== sfu) return;
  const old = sfu.published.get('screen');
  if (old && old.track && old.track.mediaStreamTrack === track) return;
  if (old) {
    sfu.published.delete('screen');
    await sfu.lk.localParticipant.unpublishTrack(old.track, false);
  }
  if (track && call.local.screen === track) await publish(sfu, 'screen', track, Track.Source.ScreenShare, false);
}

// sfuStatsSources are the reports behind p's stats line on LiveKit: its
// tracks' receivers (what reaches us from it through the SFU, and the
// subscriber connection's candidate pair) and our senders (what we send
// to the SFU, the same for every tile).
export async function sfuStatsReports(p) {
  const sfu = call.sfu;
  if (!sfu || !p.lk) return [];
  const tracks = [];
  for (const pub of p.lk.participant.trackPublications.values()) if (pub.track) tracks.push(pub.track);
  for (const pub of sfu.published.values()) if (pub.track) tracks.push(pub.track);
  const reports = await Promise.all(tracks.map((t) => t.getRTCStatsReport().catch(() => undefined)));
  return reports.filter(Boolean);
}
