// The verification code of a connection, computed exactly as rtcterm's
// terminal UI does it (tui.VerificationCode): both users read four groups
// of four digits to each other; if a server in the middle swapped a DTLS
// certificate, the codes differ. Only the page's own connections feed it.

// sdpFingerprint returns the value of the first a=fingerprint line of an
// SDP ("sha-256 AB:CD:…"), as rtcterm reads it from the descriptions.
export function sdpFingerprint(sdp) {
  for (const raw of String(sdp || '').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('a=fingerprint:')) return line.slice('a=fingerprint:'.length);
  }
  return '';
}

const norm = (fp) => String(fp).trim().toUpperCase();

// verificationCode: the fingerprints normalised (trimmed, upper case),
// sorted so the order of the ends does not matter (by UTF-16 code unit,
// which for these ASCII strings is Go's byte order), joined by a newline
// and hashed with SHA-256; each group is two bytes of the hash, big-endian,
// modulo 10000. With local "" the code covers the remote alone. It returns
// "" where the browser offers no SHA-256 (not a secure context).
export async function verificationCode(local, remote) {
  if (!globalThis.crypto || !crypto.subtle) return '';
  const fps = [norm(remote)];
  if (local) fps.push(norm(local));
  fps.sort();
  const sum = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(fps.join('\n'))));
  const groups = [];
  for (let i = 0; i < 4; i++) {
    groups.push(String(((sum[2 * i] << 8) | sum[2 * i + 1]) % 10000).padStart(4, '0'));
  }
  return groups.join(' ');
}

// connectionCode is the code of a connected RTCPeerConnection, from the
// descriptions both ends agreed on.
export function connectionCode(pc) {
  const l = pc.currentLocalDescription;
  const r = pc.currentRemoteDescription;
  const remote = r ? sdpFingerprint(r.sdp) : '';
  if (!remote) return Promise.resolve('');
  return verificationCode(l ? sdpFingerprint(l.sdp) : '', remote);
}
