// rtcterm web client: one RTCPeerConnection per remote peer, negotiated
// through the signaling server exactly as docs/protocol.md and rtcterm's
// rtc package do it, so browsers and terminals form one full mesh.
//
// Roles: whoever was in the room first offers. The joiner announces itself
// with a broadcast ready-for-offer; each existing peer offers to it. The
// answerer of a pair asks for a fresh offer (ICE restart, or a track it could
// not send before) with a directed ready-for-offer. If both sides offer
// anyway (glare), the lower peer id keeps the offerer role.
'use strict';

(() => {
  const params = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const $ = (id) => document.getElementById(id);

  // reportURL is a test hook: only with &report=URL does the page send its
  // state anywhere (see reportState).
  const reportURL = (() => {
    const raw = params.get('report');
    if (!raw) return '';
    try {
      const u = new URL(raw);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
    } catch {
      return '';
    }
  })();

  const MAX_RESTARTS = 5;
  const STATS_EVERY_MS = reportURL ? 500 : 1000;

  const call = {
    room: '',
    name: '',
    token: fragment.get('token') || '',
    ws: null,
    selfId: '',
    joined: false, // welcome received on the current WebSocket
    welcomes: 0, // joins and resumes so far
    resume: null,
    iceServers: [],
    peers: new Map(), // peer id → peer
    outbox: [], // messages waiting for the signaling connection
    active: false, // in a call (until leave)
    fatal: false, // the server refused us: do not reconnect
    attempt: 0,
    reconnectTimer: 0,
    signaling: 'idle',
    errors: [],
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

  // ---- small helpers -------------------------------------------------

  function note(text) {
    const n = $('notice');
    n.textContent = text;
    n.hidden = !text;
  }

  function setStatus(text) {
    $('status').textContent = text;
  }

  function logError(where, err) {
    const text = `${where}: ${err && err.message ? err.message : err}`;
    console.warn(text);
    call.errors.push(text);
    if (call.errors.length > 20) call.errors.shift();
  }
  window.addEventListener('error', (e) => logError('page', e.message));
  window.addEventListener('unhandledrejection', (e) => logError('promise', e.reason));

  function send(msg) {
    if (call.ws && call.ws.readyState === WebSocket.OPEN && call.joined) {
      call.ws.send(JSON.stringify(msg));
    } else {
      call.outbox.push(msg);
    }
  }

  // ---- local media -----------------------------------------------------

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

  async function openMedia() {
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

  function localTrack(kind) {
    const l = call.local;
    if (kind === 'audio') return l.audio;
    return l.screen || l.video;
  }

  function mediaState() {
    const l = call.local;
    return {
      audio: !!l.audio && l.audioOn,
      video: !!l.video && l.videoOn,
      screen: !!l.screen,
    };
  }

  function sendMediaState() {
    send({ type: 'media-state', ...mediaState() });
    renderControls();
  }

  // ---- peers -------------------------------------------------------------

  function ensurePeer(id, name) {
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
        offerAt: 0,
        offerToConnectedMs: null,
        negotiations: 0, // offer/answer exchanges completed
        stats: {},
        prev: null,
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
  function enqueue(p, what, fn) {
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
    for (const t of p.remote.getTracks()) p.remote.removeTrack(t);
  }

  function removePeer(id) {
    const p = call.peers.get(id);
    if (!p) return;
    call.peers.delete(id);
    closeConnection(p);
    if (p.tile) p.tile.remove();
  }

  function newConnection(p) {
    const pc = new RTCPeerConnection({ iceServers: call.iceServers });
    p.pc = pc;
    p.offerToConnectedMs = null;
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

  function transceiverKind(t) {
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
  async function attachTracks(p) {
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
    if (!p.offerAt) p.offerAt = performance.now();
    const offer = await pc.createOffer({ iceRestart });
    if (p.pc !== pc) return;
    await pc.setLocalDescription(offer);
    send({ type: 'offer', to: p.id, sdp: pc.localDescription.sdp });
  }

  // readyForOffer: a peer that just joined asks for our offer, or the
  // answerer of an existing pair asks for a fresh one (ICE restart).
  function readyForOffer(from) {
    if (!from || from === call.selfId) return;
    const p = ensurePeer(from);
    enqueue(p, 'offer', async () => {
      if (!p.pc) {
        p.offerer = true;
        p.offerAt = performance.now();
        newConnection(p);
        addTransceivers(p);
        await makeOffer(p, false);
      } else if (p.offerer) {
        await makeOffer(p, true);
      }
      // Otherwise we answer in this pair; a broadcast from its join raced ours.
    });
  }

  function offerReceived(from, sdp) {
    if (!from) return;
    const p = ensurePeer(from);
    enqueue(p, 'answer', async () => {
      if (p.pc && p.offerer) {
        if (call.selfId < p.id) return; // glare: we keep the offerer role
        closeConnection(p);
      }
      const fresh = !p.pc;
      if (fresh) {
        p.offerer = false;
        p.offerAt = performance.now();
        newConnection(p);
      }
      const pc = p.pc;
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await attachTracks(p);
      await flushCandidates(p);
      const answer = await pc.createAnswer();
      if (p.pc !== pc) return;
      await pc.setLocalDescription(answer);
      p.negotiations++;
      send({ type: 'answer', to: p.id, sdp: pc.localDescription.sdp });
    });
  }

  function answerReceived(from, sdp) {
    const p = call.peers.get(from);
    if (!p) return;
    enqueue(p, 'apply answer', async () => {
      const pc = p.pc;
      if (!pc || !p.offerer || pc.signalingState !== 'have-local-offer') return; // stale
      await pc.setRemoteDescription({ type: 'answer', sdp });
      p.negotiations++;
      await flushCandidates(p);
    });
  }

  // candidateReceived adds a trickled candidate, holding it until the remote
  // description is there (a candidate can overtake the offer it belongs to).
  function candidateReceived(from, c) {
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

  // ---- recovery ----------------------------------------------------------

  function connectionStateChanged(p) {
    const st = p.pc.connectionState;
    if (st === 'connected') {
      if (p.offerToConnectedMs === null && p.offerAt) p.offerToConnectedMs = performance.now() - p.offerAt;
      p.restarts = 0;
      if (p.restartTimer) clearTimeout(p.restartTimer);
      p.restartTimer = 0;
    } else if (st === 'failed') {
      scheduleRestart(p);
    }
    renderTile(p);
  }

  function scheduleRestart(p) {
    if (p.restartTimer) return;
    if (p.restarts >= MAX_RESTARTS) {
      p.gaveUp = true;
      renderTile(p);
      return;
    }
    p.restarts++;
    const delay = 1000 * 2 ** (p.restarts - 1);
    p.restartTimer = setTimeout(() => {
      p.restartTimer = 0;
      if (call.peers.get(p.id) !== p || (p.pc && p.pc.connectionState === 'connected')) return;
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
  function renegotiate(p) {
    if (p.offerer) enqueue(p, 'renegotiate', () => makeOffer(p, false));
    else send({ type: 'ready-for-offer', to: p.id });
  }

  // ---- signaling -----------------------------------------------------------

  function connect() {
    clearTimeout(call.reconnectTimer);
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const ws = new WebSocket(scheme + location.host + '/ws');
    call.ws = ws;
    call.signaling = call.attempt ? 'reconnecting' : 'connecting';
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
      call.signaling = 'reconnecting';
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
        if (typeof m.peerId === 'string' && m.peerId !== call.selfId) ensurePeer(m.peerId, String(m.userName || ''));
        break;
      case 'peer-left':
        removePeer(m.peerId);
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
          p.media = { audio: !!m.audio, video: !!m.video, screen: !!m.screen };
          renderTile(p);
        }
        break;
      }
      case 'error':
        serverError(m);
        break;
      default:
      // Unknown types are ignored (forward compatibility).
    }
  }

  function welcome(w) {
    const prev = call.selfId;
    const resumed = !!prev && prev === w.peerId;
    call.selfId = w.peerId;
    call.joined = true;
    call.welcomes++;
    call.resume = w.resume || null;
    call.iceServers = Array.isArray(w.iceServers) ? w.iceServers : [];
    call.attempt = 0;
    call.signaling = 'connected';
    setStatus(`in room ${w.room || call.room}`);
    if (prev && !resumed) {
      // The server did not keep our identity: everyone is new to us.
      for (const id of [...call.peers.keys()]) removePeer(id);
    }
    const present = new Set();
    for (const info of Array.isArray(w.peers) ? w.peers : []) {
      if (!info || typeof info.peerId !== 'string') continue;
      present.add(info.peerId);
      const p = ensurePeer(info.peerId, String(info.userName || ''));
      if (info.media) {
        p.media = { audio: !!info.media.audio, video: !!info.media.video, screen: !!info.media.screen };
        renderTile(p);
      }
    }
    if (resumed) {
      for (const id of [...call.peers.keys()]) if (!present.has(id)) removePeer(id);
    }
    // What we said while away only matters to peers who still know us.
    const queued = resumed ? call.outbox : [];
    call.outbox = [];
    sendMediaState();
    for (const msg of queued) if (msg.type !== 'media-state') send(msg);
    if (resumed) {
      for (const p of call.peers.values()) if (!p.pc) send({ type: 'ready-for-offer', to: p.id });
    } else {
      send({ type: 'ready-for-offer' });
    }
  }

  function serverError(m) {
    const text = String(m.message || m.code || 'error');
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
          showJoinForm(false);
          note(`Could not join: ${text}`);
          setStatus('not joined');
          if (call.ws) call.ws.close(1000);
          return;
        }
        break;
      default:
    }
    logError(`server (${m.code})`, text);
  }

  // ---- starting and leaving ------------------------------------------------

  async function start(room, name) {
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
  function leave(keepMedia) {
    call.active = false;
    clearTimeout(call.reconnectTimer);
    const ws = call.ws;
    call.ws = null;
    call.joined = false;
    if (ws) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'leave' }));
      ws.close(1000);
    }
    for (const id of [...call.peers.keys()]) removePeer(id);
    call.selfId = '';
    call.resume = null;
    call.signaling = 'left';
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

  function showJoinForm(askToken) {
    const f = $('join');
    f.room.value = call.room || params.get('room') || '';
    f.name.value = call.name || params.get('name') || '';
    $('token-field').hidden = !askToken;
    f.hidden = false;
    if (askToken) f.token.focus();
  }

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

  // ---- controls -----------------------------------------------------------------

  function setMic(on) {
    const l = call.local;
    l.audioOn = on;
    if (l.audio) l.audio.enabled = on;
    sendMediaState();
  }

  function setCamera(on) {
    const l = call.local;
    l.videoOn = on;
    if (l.video) l.video.enabled = on;
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

  async function startScreen() {
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
    await setVideoTrack(track);
    sendMediaState();
    renderSelf();
  }

  async function stopScreen() {
    const l = call.local;
    if (!l.screen) return;
    l.screen.stop();
    l.screen = null;
    await setVideoTrack(l.video);
    sendMediaState();
    renderSelf();
  }

  $('mic').addEventListener('click', () => setMic(!call.local.audioOn));
  $('cam').addEventListener('click', () => setCamera(!call.local.videoOn));
  $('screen').addEventListener('click', () => (call.local.screen ? stopScreen() : startScreen()));
  $('leave').addEventListener('click', () => leave(false));
  $('sound').addEventListener('click', () => {
    for (const a of document.querySelectorAll('.tile audio')) a.play().catch(() => {});
    $('sound').hidden = true;
  });
  window.addEventListener('pagehide', () => {
    if (call.active) leave(false);
  });

  // ---- rendering (names and texts only ever through textContent) ----------------

  function makeTile(p) {
    const tile = $('tile-template').content.firstElementChild.cloneNode(true);
    tile.dataset.peer = p.id;
    tile.querySelector('video').srcObject = p.remote;
    tile.querySelector('audio').srcObject = p.remote;
    $('tiles').append(tile);
    return tile;
  }

  function attachRemote(p) {
    const v = p.tile.querySelector('video');
    const a = p.tile.querySelector('audio');
    if (v.srcObject !== p.remote) v.srcObject = p.remote;
    if (a.srcObject !== p.remote) a.srcObject = p.remote;
    v.play().catch(() => {});
    a.play().catch(() => {
      $('sound').hidden = false; // autoplay with sound needs a click
    });
  }

  function renderTile(p) {
    const t = p.tile;
    if (!t) return;
    t.querySelector('.name').textContent = p.name || 'someone';
    const m = p.media;
    t.querySelector('.mic-off').hidden = !m || m.audio;
    t.querySelector('.cam-off').hidden = !m || m.video || m.screen;
    t.querySelector('.sharing').hidden = !m || !m.screen;
    let st = p.pc ? p.pc.connectionState : 'waiting';
    if (p.restartTimer && st !== 'connected') st += ` (retry ${p.restarts}/${MAX_RESTARTS})`;
    if (p.gaveUp && st === 'failed') st = 'failed: no route to peer';
    const el = t.querySelector('.state');
    el.textContent = st;
    el.className = `state ${p.pc ? p.pc.connectionState : ''}`;
  }

  function renderSelf() {
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
    tile.querySelector('.state').textContent = l.stream ? '' : 'receive-only';
  }

  function renderControls() {
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

  // ---- stats ---------------------------------------------------------------------

  // collectStats reads one peer's getStats() into p.stats: totals for tests
  // and, from the change since the last sample, the figures on the tile.
  async function collectStats(p) {
    const pc = p.pc;
    if (!pc) return;
    const report = await pc.getStats();
    const now = performance.now();
    const cur = { recvBytes: 0, sentBytes: 0, recvPackets: 0, lost: 0, framesDecoded: 0, audioPackets: 0, videoBytes: 0, fps: 0 };
    let rttMs = null;
    let pairId = '';
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    report.forEach((s) => {
      switch (s.type) {
        case 'inbound-rtp':
          cur.recvBytes += s.bytesReceived || 0;
          cur.recvPackets += s.packetsReceived || 0;
          cur.lost += Math.max(0, s.packetsLost || 0);
          if (s.kind === 'video') {
            cur.framesDecoded += s.framesDecoded || 0;
            cur.videoBytes += s.bytesReceived || 0;
            cur.fps += s.framesPerSecond || 0;
          } else if (s.kind === 'audio') {
            cur.audioPackets += s.packetsReceived || 0;
          }
          break;
        case 'outbound-rtp':
          cur.sentBytes += s.bytesSent || 0;
          break;
        case 'candidate-pair':
          if ((pairId ? s.id === pairId : s.nominated && s.state === 'succeeded') && typeof s.currentRoundTripTime === 'number') {
            rttMs = s.currentRoundTripTime * 1000;
          }
          break;
        case 'remote-inbound-rtp':
          if (rttMs === null && typeof s.roundTripTime === 'number') rttMs = s.roundTripTime * 1000;
          break;
        default:
      }
    });
    const st = p.stats;
    st.framesDecoded = cur.framesDecoded;
    st.audioPacketsReceived = cur.audioPackets;
    st.videoBytesReceived = cur.videoBytes;
    st.fps = cur.fps;
    st.rttMs = rttMs;
    const prev = p.prev;
    if (prev && prev.pc === pc && now > prev.at && cur.recvBytes >= prev.recvBytes && cur.sentBytes >= prev.sentBytes) {
      const secs = (now - prev.at) / 1000;
      st.recvKbps = ((cur.recvBytes - prev.recvBytes) * 8) / 1000 / secs;
      st.sendKbps = ((cur.sentBytes - prev.sentBytes) * 8) / 1000 / secs;
      const got = cur.recvPackets - prev.recvPackets;
      const lost = cur.lost - prev.lost;
      st.lossPct = got + lost > 0 && lost > 0 ? (100 * lost) / (got + lost) : 0;
    }
    p.prev = { pc, at: now, ...cur };
    renderStats(p);
  }

  function renderStats(p) {
    const s = p.stats;
    const parts = [];
    const rtt = s.rttMs;
    parts.push(`RTT ${rtt === null || rtt === undefined ? '–' : (rtt < 10 ? rtt.toFixed(1) : Math.round(rtt)) + ' ms'}`);
    if (s.recvKbps !== undefined) {
      parts.push(`↓ ${Math.round(s.recvKbps)} kbps`, `↑ ${Math.round(s.sendKbps)} kbps`, `loss ${s.lossPct.toFixed(1)} %`);
    }
    if (s.fps) parts.push(`${Math.round(s.fps)} fps`);
    p.tile.querySelector('.stats').textContent = parts.join(' · ');
  }

  async function statsTick() {
    await Promise.all([...call.peers.values()].map((p) => collectStats(p).catch((err) => logError('stats', err))));
    if (reportURL) await reportState();
    setTimeout(statsTick, STATS_EVERY_MS);
  }

  // ---- test hook: state reports and commands ---------------------------------------

  function snapshot() {
    return {
      name: call.name,
      room: call.room,
      selfId: call.selfId,
      signaling: call.signaling,
      welcomes: call.welcomes,
      mediaError: call.local.error,
      notice: $('notice').hidden ? '' : $('notice').textContent,
      local: { ...mediaState(), hasAudio: !!call.local.audio, hasVideo: !!call.local.video },
      errors: call.errors,
      peers: [...call.peers.values()].map((p) => ({
        peerId: p.id,
        userName: p.name,
        offerer: p.offerer,
        connectionState: p.pc ? p.pc.connectionState : 'new',
        iceConnectionState: p.pc ? p.pc.iceConnectionState : 'new',
        offerToConnectedMs: p.offerToConnectedMs,
        negotiations: p.negotiations,
        localUfrag: iceUfrag(p.pc && p.pc.localDescription),
        media: p.media,
        framesDecoded: p.stats.framesDecoded || 0,
        audioPacketsReceived: p.stats.audioPacketsReceived || 0,
        videoBytesReceived: p.stats.videoBytesReceived || 0,
        recvKbps: p.stats.recvKbps || 0,
        sendKbps: p.stats.sendKbps || 0,
        rttMs: p.stats.rttMs,
      })),
    };
  }

  function iceUfrag(desc) {
    const m = desc && /^a=ice-ufrag:(\S+)/m.exec(desc.sdp);
    return m ? m[1] : '';
  }

  // reportState POSTs the snapshot to the test's endpoint (a simple request:
  // text/plain, no preflight) and runs the commands in its reply.
  async function reportState() {
    let reply;
    try {
      const res = await fetch(reportURL, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(snapshot()) });
      reply = await res.json();
    } catch {
      return;
    }
    for (const c of (reply && Array.isArray(reply.commands) ? reply.commands : [])) {
      switch (c.do) {
        case 'mic':
          setMic(!!c.on);
          break;
        case 'camera':
          setCamera(!!c.on);
          break;
        case 'rejoin':
          leave(true);
          await start(call.room, call.name);
          break;
        case 'leave':
          leave(false);
          break;
        case 'drop-signaling':
          if (call.ws) call.ws.close(4000, 'test');
          break;
        case 'restart':
          for (const p of call.peers.values()) restart(p);
          break;
        default:
      }
    }
  }

  // ---- boot ------------------------------------------------------------------------

  const room = params.get('room');
  const name = params.get('name');
  if (room && name) {
    start(room, name);
  } else {
    showJoinForm(!!call.token);
  }
  statsTick();
})();
