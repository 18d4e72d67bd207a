// Installed by the browser tests (Page.addScriptToEvaluateOnNewDocument)
// before the web client's own scripts run. It never ships: the product page
// has no hook. It wraps RTCPeerConnection and WebSocket so the test can
// reach every connection the page makes, and exposes window.__rtcProbe for
// Runtime.evaluate: a snapshot of what the user sees plus each connection's
// state and getStats(), and two ways to disturb the call (a signaling drop,
// a connection failure) that the page must recover from by itself.
(() => {
  const conns = []; // one record per RTCPeerConnection
  let made = 0; // connections made so far (each record's n)
  const sockets = [];
  const welcomes = []; // peer ids from the server's welcome messages
  const keep = (list, max) => {
    while (list.length > max) list.shift();
  };

  const NativePC = window.RTCPeerConnection;
  const realState = Object.getOwnPropertyDescriptor(NativePC.prototype, 'connectionState').get;
  const record = (pc) => conns.find((r) => r.pc === pc);
  // unfail ends a simulated failure once the page renegotiates, and lets the
  // page read the real state again (an ICE restart on a live pair may not
  // change it, so no event would come by itself).
  const unfail = (r) => {
    if (!r || !r.fake) return;
    r.fake = '';
    queueMicrotask(() => r.pc.dispatchEvent(new Event('connectionstatechange')));
  };

  class ProbePC extends NativePC {
    constructor(...args) {
      super(...args);
      const r = { pc: this, n: ++made, offerer: false, offerAt: 0, connectedAt: 0, negotiations: 0, fake: '' };
      conns.push(r);
      keep(conns, 100);
      this.addEventListener('connectionstatechange', () => {
        if (!r.connectedAt && realState.call(this) === 'connected') r.connectedAt = performance.now();
      });
      this.addEventListener('signalingstatechange', () => {
        if (this.signalingState === 'stable') r.negotiations++;
      });
    }

    get connectionState() {
      const r = record(this);
      return r && r.fake ? r.fake : realState.call(this);
    }

    createOffer(...args) {
      const r = record(this);
      r.offerer = true;
      if (!r.offerAt) r.offerAt = performance.now();
      unfail(r);
      return super.createOffer(...args);
    }

    setRemoteDescription(desc, ...rest) {
      const r = record(this);
      if (desc && desc.type === 'offer') {
        if (!r.offerAt) r.offerAt = performance.now();
        unfail(r);
      }
      return super.setRemoteDescription(desc, ...rest);
    }
  }
  window.RTCPeerConnection = ProbePC;

  const NativeWS = window.WebSocket;
  class ProbeWS extends NativeWS {
    constructor(...args) {
      super(...args);
      this.welcomed = false;
      sockets.push(this);
      keep(sockets, 20);
      this.addEventListener('message', (e) => {
        try {
          const m = JSON.parse(e.data);
          if (m && m.type === 'welcome') {
            this.welcomed = true;
            welcomes.push(m.peerId);
            keep(welcomes, 100);
          }
        } catch {
          // not JSON: the page ignores it too
        }
      });
    }
  }
  window.WebSocket = ProbeWS;

  // connectionOf finds the connection whose received tracks the tile shows.
  const connectionOf = (tile) => {
    const stream = tile.querySelector('video') && tile.querySelector('video').srcObject;
    if (!stream) return null;
    const ids = new Set(stream.getTracks().map((t) => t.id));
    if (!ids.size) return null;
    return conns.find((r) => realState.call(r.pc) !== 'closed' && r.pc.getReceivers().some((rc) => rc.track && ids.has(rc.track.id))) || null;
  };

  const ufrag = (desc) => {
    const m = desc && /^a=ice-ufrag:(\S+)/m.exec(desc.sdp);
    return m ? m[1] : '';
  };

  async function connectionFacts(r) {
    const out = {
      offerer: r.offerer,
      connectionState: realState.call(r.pc),
      offerToConnectedMs: r.offerAt && r.connectedAt ? r.connectedAt - r.offerAt : null,
      negotiations: r.negotiations,
      localUfrag: ufrag(r.pc.localDescription),
      framesDecoded: 0,
      audioPacketsReceived: 0,
      videoBytesSent: 0,
      availableOutgoingBitrate: 0,
      remoteOffersTransportCC: /transport-cc/.test((r.pc.remoteDescription || {}).sdp || ''),
    };
    const report = await r.pc.getStats();
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.framesDecoded += s.framesDecoded || 0;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audioPacketsReceived += s.packetsReceived || 0;
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.videoBytesSent += s.bytesSent || 0;
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) out.availableOutgoingBitrate = s.availableOutgoingBitrate;
    });
    return out;
  }

  const text = (el) => (el ? el.textContent : '');

  // signalingSocket is the page's newest WebSocket to its own origin (on
  // LiveKit the SDK has one of its own to the LiveKit server).
  const signalingSocket = () => {
    for (let i = sockets.length - 1; i >= 0; i--) {
      try {
        if (new URL(sockets[i].url).host === location.host) return sockets[i];
      } catch {
        // not a URL: not ours
      }
    }
    return undefined;
  };

  // tileTrackFacts reads the stats of exactly the tracks a tile plays (on
  // LiveKit one connection carries every participant's tracks).
  async function tileTrackFacts(tile) {
    const out = { tileFramesDecoded: 0, tileAudioPackets: 0, tileVideoTrack: '' };
    const stream = tile.querySelector('video') && tile.querySelector('video').srcObject;
    if (!stream) return out;
    const video = stream.getVideoTracks()[0];
    if (video) out.tileVideoTrack = video.id;
    for (const track of stream.getTracks()) {
      const r = conns.find((c) => realState.call(c.pc) !== 'closed' && c.pc.getReceivers().some((rc) => rc.track === track));
      if (!r) continue;
      const report = await r.pc.getStats(track);
      report.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') out.tileFramesDecoded += s.framesDecoded || 0;
        if (s.kind === 'audio') out.tileAudioPackets += s.packetsReceived || 0;
      });
    }
    return out;
  }

  // Gaps: the longest silence on the tracks each tile plays, across a
  // change of track (the move from the mesh to LiveKit): at every sample,
  // the stats' own time minus the time the track's last RTP packet arrived
  // (both from the stats, so a late sample does not count as silence).
  // With each longest silence goes the sampler's own longest interval
  // within it (audioStall, videoStall): that much of the silence is the
  // page starved of CPU, not the switch.
  const GAP_TICK_MS = 100;
  const GAP_TICKS = 600; // a minute of sampler times
  let gaps = null; // peer id → kind → longest silence (ms); tick: the sampler's longest interval
  const stallWithin = (ticks, from, to) => {
    let longest = 0;
    let prev = from;
    for (const at of ticks) {
      if (at <= from) continue;
      if (at > to) break;
      longest = Math.max(longest, at - prev);
      prev = at;
    }
    return Math.max(longest, to - prev);
  };
  async function gapTick(mine, last) {
    if (gaps !== mine) return;
    const now = performance.now();
    if (last) mine.tickMaxMs = Math.max(mine.tickMaxMs, now - last);
    mine.ticks.push(performance.timeOrigin + now);
    if (mine.ticks.length > GAP_TICKS) mine.ticks.shift();
    for (const tile of document.querySelectorAll('#tiles .tile[data-peer]')) {
      const id = tile.dataset.peer;
      const g = mine.peers[id] || (mine.peers[id] = { audio: 0, video: 0, audioStall: 0, videoStall: 0 });
      const stream = tile.querySelector('video') && tile.querySelector('video').srcObject;
      if (!stream) continue;
      for (const track of stream.getTracks()) {
        const r = conns.find((c) => realState.call(c.pc) !== 'closed' && c.pc.getReceivers().some((rc) => rc.track === track));
        if (!r) continue;
        (await r.pc.getStats(track)).forEach((st) => {
          if (st.type !== 'inbound-rtp' || !st.lastPacketReceivedTimestamp) return;
          const silence = st.timestamp - st.lastPacketReceivedTimestamp;
          if (silence > g[track.kind]) {
            g[track.kind] = silence;
            g[track.kind + 'Stall'] = stallWithin(mine.ticks, st.lastPacketReceivedTimestamp, st.timestamp);
            g[track.kind + 'At'] = st.lastPacketReceivedTimestamp; // when it began, ms since the epoch
            g[track.kind + 'Via'] = tile.dataset.transport || ''; // what the tile played then: mesh or LiveKit
          }
        });
      }
    }
    setTimeout(() => gapTick(mine, now), GAP_TICK_MS);
  }

  window.__rtcProbe = {
    // watchGaps starts (or restarts) measuring the tiles' media gaps.
    watchGaps() {
      gaps = { peers: {}, tickMaxMs: 0, ticks: [] };
      gapTick(gaps, 0);
    },

    // gapReport is, per tile's peer id, the longest silence so far of its
    // audio and its video (ms) with the sampler's longest interval within
    // each, and the sampler's longest interval.
    gapReport() {
      return gaps ? { peers: gaps.peers, tickMaxMs: gaps.tickMaxMs } : { peers: {}, tickMaxMs: 0 };
    },

    async snapshot() {
      const ws = signalingSocket();
      const notice = document.getElementById('notice');
      const mic = document.getElementById('mic');
      const cam = document.getElementById('cam');
      const self = document.querySelector('.self-tile');
      const sending = !!self && text(self.querySelector('.state')) !== 'receive-only';
      const peers = [];
      for (const tile of document.querySelectorAll('#tiles .tile[data-peer]')) {
        const d = tile.dataset;
        const p = {
          peerId: d.peer,
          userName: text(tile.querySelector('.name')),
          tileState: d.state || '',
          media: d.audio ? { audio: d.audio === 'on', video: d.video === 'on', screen: d.screen === 'on' } : null,
          statsLine: text(tile.querySelector('.stats')),
          transport: d.transport || '',
          connectionState: 'new',
        };
        const r = connectionOf(tile);
        if (r) Object.assign(p, await connectionFacts(r));
        Object.assign(p, await tileTrackFacts(tile));
        peers.push(p);
      }
      return {
        status: text(document.getElementById('status')),
        notice: notice && !notice.hidden ? notice.textContent : '',
        mode: (() => {
          const m = document.getElementById('mode');
          return m && !m.hidden ? m.textContent : '';
        })(),
        joinFormShown: !document.getElementById('join').hidden,
        selfId: welcomes.length ? welcomes[welcomes.length - 1] : '',
        welcomes: welcomes.length,
        signaling: ws && ws.readyState === NativeWS.OPEN && ws.welcomed ? 'connected' : 'not connected',
        local: {
          hasAudio: sending && !mic.disabled,
          hasVideo: sending && !cam.disabled,
          audio: mic.getAttribute('aria-pressed') === 'true',
          video: cam.getAttribute('aria-pressed') === 'true',
        },
        peers,
      };
    },

    // mediaTotals sums, over every live connection, the counters a
    // measurement under a rate cap needs (chromium_cap_test.go): what the
    // page decodes and sends, its freezes and round-trip time.
    async mediaTotals() {
      const t = { at: performance.now(), framesDecoded: 0, freezeCount: 0, totalFreezesDuration: 0, videoBytesReceived: 0,
        frameWidth: 0, framesSent: 0, videoBytesSent: 0, sentWidth: 0, limitation: '', rttMs: 0, availableOutgoingBitrate: 0 };
      for (const r of conns) {
        if (realState.call(r.pc) !== 'connected') continue;
        (await r.pc.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            t.framesDecoded += s.framesDecoded || 0;
            t.freezeCount += s.freezeCount || 0;
            t.totalFreezesDuration += s.totalFreezesDuration || 0;
            t.videoBytesReceived += s.bytesReceived || 0;
            t.frameWidth = s.frameWidth || t.frameWidth;
          }
          if (s.type === 'outbound-rtp' && s.kind === 'video') {
            t.framesSent += s.framesSent || 0;
            t.videoBytesSent += s.bytesSent || 0;
            t.sentWidth = s.frameWidth || t.sentWidth;
            t.limitation = s.qualityLimitationReason || t.limitation;
          }
          if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
            t.rttMs = (s.currentRoundTripTime || 0) * 1000;
            t.availableOutgoingBitrate = s.availableOutgoingBitrate || 0;
          }
        });
      }
      return t;
    },

    // connections lists every RTCPeerConnection the page made, in order.
    connections() {
      return conns.map((r) => ({ n: r.n, state: realState.call(r.pc) }));
    },

    // dropSignaling closes the page's WebSocket as a network drop would.
    dropSignaling() {
      const ws = signalingSocket();
      if (ws) ws.close(4000, 'test: signaling dropped');
      return !!ws;
    },

    // failConnections makes every live connection report "failed" until the
    // page renegotiates it, which its recovery must do.
    failConnections() {
      let n = 0;
      for (const r of conns) {
        if (realState.call(r.pc) !== 'connected') continue;
        r.fake = 'failed';
        r.pc.dispatchEvent(new Event('connectionstatechange'));
        n++;
      }
      return n;
    },
  };
})();
