// Stats: each peer's getStats(), sampled once a second, as the line under
// its tile (RTT, ↓/↑ kbps, loss, fps).

import { call, logError, STATS_EVERY_MS } from './state.js';

// collectStats reads one peer's getStats() into p.stats: from the change
// since the last sample, the figures on the tile.
async function collectStats(p) {
  const pc = p.pc;
  if (!pc) return;
  const report = await pc.getStats();
  const now = performance.now();
  const cur = { recvBytes: 0, sentBytes: 0, recvPackets: 0, lost: 0, fps: 0 };
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
        if (s.kind === 'video') cur.fps += s.framesPerSecond || 0;
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

// statsTick samples every peer, then schedules itself again.
export async function statsTick() {
  await Promise.all([...call.peers.values()].map((p) => collectStats(p).catch((err) => logError('stats', err))));
  setTimeout(statsTick, STATS_EVERY_MS);
}
