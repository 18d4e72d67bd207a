// In-call chat (docs/protocol.md, "Chat"): lines go to the server, which
// relays them to the whole room, us included, stamped with the sender's id,
// name and the server's time. Our own line shows at once as pending and is
// confirmed by its echo. Remote text only ever goes in through textContent.

import { $, call } from './state.js';
import { send } from './signaling.js';

const MAX_LINES = 200; // the history kept on the page, as in the terminal
const MAX_CHARS = 500; // the protocol's limit

let unread = 0;

function isOpen() {
  return !$('chat').hidden;
}

function renderUnread() {
  const b = $('chat-unread');
  b.textContent = unread > 99 ? '99+' : String(unread);
  b.hidden = unread === 0;
  $('chat-toggle').setAttribute('aria-label', unread ? `chat, ${unread} unread` : 'chat');
}

function clock(at) {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '--:--';
  return d.toTimeString().slice(0, 5); // HH:MM, local time
}

// addLine appends one line to the log and returns its element.
function addLine(name, text, at, own) {
  const li = document.createElement('li');
  if (own) li.classList.add('own');
  const time = document.createElement('time');
  time.textContent = clock(at);
  const who = document.createElement('b');
  who.textContent = name;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  li.append(time, ' ', who, ': ', body);
  const log = $('chat-log');
  log.append(li);
  while (log.children.length > MAX_LINES) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
  return li;
}

// chatReceived shows a line the server relayed.
export function chatReceived(m) {
  if (typeof m.text !== 'string' || m.text.length > 2 * MAX_CHARS) return;
  const from = typeof m.from === 'string' ? m.from : '';
  const peer = call.peers.get(from);
  const name = String(m.userName || (peer && peer.name) || 'someone').slice(0, 64);
  if (from && from === call.selfId) {
    for (const li of $('chat-log').querySelectorAll('li.pending')) {
      if (li.querySelector('.text').textContent === m.text) {
        li.classList.remove('pending');
        li.querySelector('time').textContent = clock(m.at);
        li.querySelector('b').textContent = name;
        return;
      }
    }
    addLine(name, m.text, m.at, true);
    return;
  }
  addLine(name, m.text, m.at, false);
  if (!isOpen() || document.hidden) {
    unread++;
    renderUnread();
  }
}

// chatRefused marks our oldest pending line as not sent: the server answers
// lines in order, with one echo or one error each.
export function chatRefused(code, text) {
  const li = $('chat-log').querySelector('li.pending');
  if (!li) return;
  li.classList.remove('pending');
  li.classList.add('refused');
  const why = document.createElement('small');
  why.textContent = code === 'unknown-type' ? ' not sent: this server does not relay chat' : ` not sent: ${text}`;
  li.append(why);
}

function sendLine(text) {
  text = text.trim();
  if (!text) return;
  const li = addLine(call.name || 'me', text, Date.now(), true);
  li.classList.add('pending');
  send({ type: 'chat', text });
}

// bindChat wires the chat panel: the toggle, the form and its Enter key.
export function bindChat() {
  $('chat-toggle').addEventListener('click', () => {
    const open = !isOpen();
    $('chat').hidden = !open;
    $('chat-toggle').setAttribute('aria-pressed', String(open));
    if (open) {
      unread = 0;
      renderUnread();
      $('chat-input').focus();
    }
  });
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('chat-input');
    sendLine(input.value.slice(0, MAX_CHARS));
    input.value = '';
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && isOpen()) {
      unread = 0;
      renderUnread();
    }
  });
}

// clearChat empties the log when a call ends: nothing is kept.
export function clearChat() {
  $('chat-log').replaceChildren();
  unread = 0;
  renderUnread();
}
