// Stats: each peer's getStats(), sampled once a second, as the line under
// its tile (RTT, ↓/↑ kbps, loss, fps). On the mesh they are the figures of
// the connection to that peer; on LiveKit they take the SFU's meaning: RTT
// to the SFU, ↓ what reaches us from that peer through it, ↑ what we send
// to the SFU (the same on every tile), and the line says "via LiveKit".

import { call, logError, STATS_EVERY_MS } from './state.js';
import { sfuStatsReports } from './sfu.js';

// readReports sums what the reports say into one sample. The RTT is the
// first report's selected candidate pair (on LiveKit, the first reports are
// the peer's receivers, on the subscriber connection).
function readReports(reports) {
  const cur = { recvBytes: 0, sentBytes: 0, recvPackets: 0, lost: 0, fps: 0 };
  let rttMs = null;
  const seen = new Set(); // one RTP stream may appear in several reports
  for (const report of reports) {
    let pairId = '';
    let pairRtt = null;
    let remoteRtt = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    report.forEach((s) => {
      const fresh = !seen.has(s.id);
      seen.add(s.id);
      switch (s.type) {
        case 'inbound-rtp':
          if (!fresh) break;
          cur.recvBytes += s.bytesReceived || 0;
          cur.recvPackets += s.packetsReceived || 0;
          cur.lost += Math.max(0, s.packetsLost || 0);
          if (s.kind === 'video') cur.fps += s.framesPerSecond || 0;
          break;
        case 'outbound-rtp':
          if (fresh) cur.sentBytes += s.bytesSent || 0;
          break;
        case 'candidate-pair':
          if ((pairId ? s.id === pairId : s.nominated && s.state === 'succeeded') && typeof s.currentRoundTripTime === 'number') {
            pairRtt = s.currentRoundTripTime * 1000;
          }
          break;
        case 'remote-inbound-rtp':
          if (remoteRtt === null && typeof s.roundTripTime === 'number') remoteRtt = s.roundTripTime * 1000;
          break;
        default:
      }
    });
    if (rttMs === null) rttMs = pairRtt !== null ? pairRtt : remoteRtt;
  }
  return { cur, rttMs };
}

// collectStats reads one peer's reports into p.stats: from the change
// since the last sample, the figures on the tile.
async function collectStats(p) {
  const pc = p.pc;
  let source;
  let reports;
  if (pc) {
    source = pc;
    reports = [await pc.getStats()];
  } else if (p.lk) {
    source = p.lk; // a new LiveKit participant starts the deltas afresh
    reports = await sfuStatsReports(p);
  } else {
    return;
  }
  const now = performance.now();
  const { cur, rttMs } = readReports(reports);
  const st = p.stats;
  st.fps = cur.fps;
  st.rttMs = rttMs;
  st.via = pc ? '' : 'LiveKit';
  const prev = p.prev;
  if (prev && prev.source === source && now > prev.at && cur.recvBytes >= prev.recvBytes && cur.sentBytes >= prev.sentBytes) {
    const secs = (now - prev.at) / 1000;
    st.recvKbps = ((cur.recvBytes - prev.recvBytes) * 8) / 1000 / secs;
    st.sendKbps = ((cur.sentBytes - prev.sentBytes) * 8) / 1000 / secs;
    const got = cur.recvPackets - prev.recvPackets;
    const lost = cur.lost - prev.lost;
    st.lossPct = got + lost > 0 && lost > 0 ? (100 * lost) / (got + lost) : 0;
  } else if (!prev || prev.source !== source) {
    delete st.recvKbps; // figures of the old transport would mislead
  }
  p.prev = { source, at: now, ...cur };
  renderStats(p);
}

function renderStats(p) {
  const s = p.stats;
  const parts = [];
  const rtt = s.rttMs;
  const rttText = rtt === null || rtt === undefined ? '–' : (rtt < 10 ? rtt.toFixed(1) : Math.round(rtt)) + ' ms';
  parts.push(s.via ? `via ${s.via}` : '', `RTT ${rttText}`);
  if (s.recvKbps !== undefined) {
    parts.push(`↓ ${Math.round(s.recvKbps)} kbps`, `↑ ${Math.round(s.sendKbps)} kbps`, `loss ${s.lossPct.toFixed(1)} %`);
  }
  if (s.fps) parts.push(`${Math.round(s.fps)} fps`);
  p.tile.querySelector('.stats').textContent = parts.filter(Boolean).join(' · ');
}

// statsTick samples every peer, then schedules itself again.
export async function statsTick() {
  await Promise.all([...call.peers.values()].map((p) => collectStats(p).catch((err) => logError('stats', err))));
  setTimeout(statsTick, STATS_EVERY_MS);
}
