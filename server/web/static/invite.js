// The invite: the room's browser link and the line a terminal user types,
// copied in one go. Neither carries a name (the invited person picks one)
// nor a token (a secret is handed out on its own, not in a pasted link).

import { $, call } from './state.js';

// safeWord is what a shell takes without quotes.
const safeWord = /^[A-Za-z0-9._\-]+$/;

// shellWord quotes s for a POSIX shell unless it needs none, so a pasted
// line cannot run anything a crafted room name would smuggle in.
function shellWord(s) {
  return safeWord.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

// inviteText is the two lines: the browser link, then the terminal command.
export function inviteText(origin, room) {
  const link = `${origin}/?room=${encodeURIComponent(room)}`;
  return `${link}\nrtcterm join --server ${origin} --room ${shellWord(room)}`;
}

let feedbackTimer = 0;

function feedback(text) {
  const el = $('invite-feedback');
  el.textContent = text;
  el.hidden = !text;
  clearTimeout(feedbackTimer);
  if (text) feedbackTimer = setTimeout(() => feedback(''), 3000);
}

// showFallback puts the invite in a read-only field, selected, for the
// user to copy by hand (no clipboard API, or the browser refused it).
function showFallback(text) {
  const f = $('invite-text');
  f.value = text;
  f.hidden = false;
  f.focus();
  f.select();
  feedback('select and copy the invite');
}

export async function copyInvite() {
  const text = inviteText(location.origin, call.room);
  $('invite-text').hidden = true;
  if (!navigator.clipboard || !navigator.clipboard.writeText) {
    showFallback(text);
    return;
  }
  try {
    await navigator.clipboard.writeText(text);
    feedback('copied');
  } catch {
    showFallback(text);
  }
}

export function bindInvite() {
  $('invite').addEventListener('click', () => copyInvite());
}

// hideInvite clears the fallback field and the feedback (on leaving).
export function hideInvite() {
  $('invite-text').hidden = true;
  feedback('');
}
