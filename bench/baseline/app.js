// The vanilla-JS twin of Rapport for bench/run.mjs: no framework, hand-written DOM code that
// renders the same DOM (same elements, classes, test ids, the app's own stylesheet) for data of the
// same size and shape (data.js). It does only the unavoidable work: a fixed-height virtualized list
// keyed by conversation id, a customer page built in one fragment with a virtualized timeline
// (measured row heights, the app's parameters), status changes that touch only the nodes that
// change. Served under /baseline/; the same size query as the app:
// /baseline/inbox/closed?demo-conversations=10000&demo-heavy=5000
import { generate, AGENTS, INBOXES, TOPICS, CHANNELS } from './data.js';

const BASE = '/baseline';
const ROW_HEIGHT = 96;
const OVERSCAN = 6;
const ME = 'ag1';
const STATUSES = ['New', 'Open', 'Waiting', 'Closed'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---------- data ----------
const query = new URLSearchParams(location.search);
const sized = (name, max, dflt) => {
  const n = Number(query.get(name));
  return Number.isInteger(n) && n >= 1 && n <= max ? n : dflt;
};
const data = generate({ conversations: sized('demo-conversations', 50000, 1000), heavy: sized('demo-heavy', 20000, 0) });
const agentName = (id) => AGENTS.find((a) => a.id === id)?.name ?? id;
const inboxName = (id) => INBOXES.find((i) => i.id === id)?.name ?? id;
const topicName = (id) => TOPICS.find((t) => t.id === id)?.name ?? id;

const VIEWS = [
  { slug: 'mine', title: 'Mine', match: (c) => c.status !== 'Closed' && c.agent === ME },
  ...STATUSES.map((s) => ({ slug: s.toLowerCase(), title: s, match: (c) => c.status === s })),
  ...INBOXES.map((i) => ({ slug: `inbox-${i.id}`, title: i.name, inbox: true, match: (c) => c.status !== 'Closed' && c.inbox === i.id })),
];
const viewOf = (slug) => VIEWS.find((v) => v.slug === slug);
const sortKey = (c) => (c.status === 'Closed' ? [2, -(c.closedAt ?? 0)] : c.waitingSince != null ? [0, c.waitingSince] : [1, -c.lastActivityAt]);
function listOf(view) {
  const rows = [];
  for (const c of data.conversations) if (view.match(c)) rows.push({ c, k: sortKey(c) });
  rows.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || (a.c.id < b.c.id ? -1 : 1));
  return rows.map((r) => r.c);
}
const counts = new Map();
function countAll() {
  counts.clear();
  for (const v of VIEWS) counts.set(v.slug, 0);
  for (const c of data.conversations) for (const v of VIEWS) if (v.match(c)) counts.set(v.slug, counts.get(v.slug) + 1);
}
countAll();

// ---------- formatting ----------
const now = () => data.now;
function relative(n, t) {
  const d = n - t;
  if (d < 0) {
    const a = relative(t, n);
    return a === 'now' ? a : `in ${a}`;
  }
  const m = Math.floor(d / 60000);
  if (m === 0) return 'now';
  if (m < 60) return `${m} m`;
  if (m < 1440) return `${Math.floor(m / 60)} h`;
  if (m < 10080) return `${Math.floor(m / 1440)} d`;
  const days = Math.floor(m / 1440);
  return days < 365 ? `${Math.floor(days / 7)} w` : `${Math.floor(days / 365)} y`;
}
function duration(ms) {
  const m = Math.max(0, Math.floor(ms / 60000));
  if (m < 60) return `${m} m`;
  if (m < 1440) return `${Math.floor(m / 60)} h ${m % 60} m`;
  return `${Math.floor(m / 1440)} d ${Math.floor((m % 1440) / 60)} h`;
}
const pad = (n) => String(n).padStart(2, '0');
const day = (t) => {
  const d = new Date(t);
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`;
};
function stamp(t) {
  const n = new Date(now());
  const d = new Date(t);
  if (n.toDateString() === d.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (n.getFullYear() === d.getFullYear()) return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return day(t);
}
const initials = (name) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join('').toUpperCase();
function hue(name) {
  let h = 7;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  return h % 360;
}

// ---------- DOM helpers ----------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'style') el.style.cssText = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children) if (c != null && c !== false) el.append(c);
  return el;
}
const avatar = (name, large) => h('span', { class: large ? 'avatar large' : 'avatar', style: `--hue: ${hue(name)}`, 'aria-hidden': 'true' }, initials(name));
const pill = (status) => h('span', { class: `status-pill st-${status.toLowerCase()}` }, status);
const badge = (ch) => h('span', { class: `channel-badge ch-${CHANNELS[ch][0]}`, title: CHANNELS[ch][1] }, CHANNELS[ch][1]);
const link = (href, attrs, ...children) => h('a', { href: BASE + href, ...attrs }, ...children);

// ---------- shell ----------
const app = h('div', { class: 'app' });
const navCounts = new Map();
const navLinks = new Map();
function nav() {
  const item = (v) => {
    const count = h('span', { class: 'count', 'aria-label': 'conversations' }, String(counts.get(v.slug)));
    navCounts.set(v.slug, count);
    const a = link(`/inbox/${v.slug}`, { class: 'nav-link' }, h('span', { class: 'nav-label' }, v.title), count);
    navLinks.set(v.slug, a);
    return h('li', null, a);
  };
  const input = h('input', { id: 'search-input', type: 'search', placeholder: 'Search  /', 'aria-label': 'Search customers and messages' });
  const form = h('form', { class: 'search-box', role: 'search' }, input);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate(`/search?q=${encodeURIComponent(input.value.trim())}`);
  });
  const agentSelect = h('select', { 'aria-label': 'Act as agent' }, ...AGENTS.map((a) => h('option', { value: a.id }, a.name)));
  return h('nav', { class: 'nav', 'aria-label': 'Views' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◐'), h('span', { class: 'brand-name' }, 'Rapport')),
    form,
    h('h2', { class: 'nav-heading' }, 'Conversations'),
    h('ul', { class: 'nav-list' }, ...VIEWS.filter((v) => !v.inbox).map(item)),
    h('h2', { class: 'nav-heading' }, 'Inboxes'),
    h('ul', { class: 'nav-list' }, ...VIEWS.filter((v) => v.inbox).map(item)),
    h('ul', { class: 'nav-list' }, h('li', null, link('/tasks', { class: 'nav-link' }, h('span', { class: 'nav-label' }, 'My tasks')))),
    h('div', { class: 'nav-foot' },
      h('details', { class: 'trial' }, h('summary', null, 'Trial controls'),
        h('p', { class: 'hint', 'data-testid': 'demo-clock' }, 'Demo clock: real time'),
        h('div', { class: 'trial-buttons' }, ...['+1 h', '+1 day', '+3 days'].map((t) => h('button', { class: 'btn small' }, t))),
        h('label', { class: 'field' }, h('span', { class: 'hint' }, 'Act as'), agentSelect)),
      link('/settings', { class: 'nav-link' }, h('span', { class: 'nav-label' }, 'Settings')),
      h('p', { class: 'whoami' }, agentName(ME))));
}
function updateCounts() {
  for (const [slug, el] of navCounts) el.firstChild.data = String(counts.get(slug));
}
const toasts = h('div', { class: 'toasts', 'aria-live': 'polite' });
function toast(text, undo) {
  const t = h('div', { class: 'toast', role: 'status', 'data-testid': 'toast' }, h('span', null, text),
    undo ? h('button', { class: 'btn-link' }, 'Undo') : null, h('button', { class: 'btn-link', 'aria-label': 'Dismiss' }, '✕'));
  toasts.append(t);
  setTimeout(() => t.remove(), 5000);
}

// ---------- conversation list (virtualized, fixed 96 px rows, keyed by conversation id) ----------
let list = null; // { slug, rows, pane, scroller, ul, mounted: Map<id, li>, start, end }
function row(c, i, slug, total) {
  const cust = data.customerById.get(c.customer);
  const n = now();
  const due = cust.nextTaskDue != null && cust.nextTaskDue <= n + 24 * 3600_000 ? relative(n, cust.nextTaskDue) : null;
  return h('li', { class: 'conversation-row', 'data-testid': 'conversation-row', style: `top: ${i * ROW_HEIGHT}px`, 'aria-posinset': i + 1, 'aria-setsize': total },
    link(`/inbox/${slug}/${c.customer}`, { class: 'row-link' },
      avatar(cust.name),
      h('div', { class: 'row-main' },
        h('div', { class: 'row-top' },
          h('span', { class: 'customer-name' }, cust.name),
          h('span', { class: 'assignee' }, c.agent ? agentName(c.agent) : 'Unassigned'),
          h('span', { class: 'age' }, c.lastActivityAt ? relative(n, c.lastActivityAt) : '')),
        h('p', { class: 'preview' }, c.preview),
        h('div', { class: 'row-meta' },
          pill(c.status),
          ...c.channels.map(badge),
          c.waitingSince != null ? h('span', { class: 'reason waiting', title: 'Customer waiting' }, 'Waiting ', duration(n - c.waitingSince)) : null,
          c.reopenCount > 0 && c.status !== 'Closed' ? h('span', { class: 'reason reopened' }, 'Reopened') : null,
          due ? h('span', { class: 'reason due' }, 'Task due ', due) : null,
          ...c.topics.map((t) => h('span', { class: 'topic' }, topicName(t)))))));
}
function renderWindow() {
  const { rows, scroller, ul, mounted, slug } = list;
  const total = rows.length;
  const top = scroller.scrollTop;
  const first = Math.floor(Math.max(0, top) / ROW_HEIGHT);
  const visible = Math.ceil(list.viewport / ROW_HEIGHT) + 1;
  const start = Math.min(Math.max(0, first - OVERSCAN), total);
  const end = Math.min(first + visible + OVERSCAN, total);
  if (start === list.start && end === list.end) return;
  list.start = start;
  list.end = end;
  const keep = new Set();
  for (let i = start; i < end; i++) keep.add(rows[i].id);
  for (const [id, li] of mounted) if (!keep.has(id)) { li.remove(); mounted.delete(id); }
  for (let i = start; i < end; i++) {
    const c = rows[i];
    const li = mounted.get(c.id);
    if (li) {
      if (li.dataset.i !== String(i)) { li.style.top = `${i * ROW_HEIGHT}px`; li.setAttribute('aria-posinset', i + 1); li.dataset.i = i; }
    } else {
      const el = row(c, i, slug, total);
      el.dataset.i = i;
      mounted.set(c.id, el);
      ul.append(el);
    }
  }
}
function listPane(slug) {
  const view = viewOf(slug);
  const pane = h('section', { class: 'list-pane', 'aria-labelledby': 'list-title' },
    h('header', { class: 'pane-header' }, h('h1', { id: 'list-title' }, view ? view.title : '')));
  if (!view) {
    pane.append(h('div', { class: 'error-notice', role: 'alert' }, h('ul', null, h('li', null, 'There is no such view.'))));
    list = { slug, pane, rows: [] };
    return pane;
  }
  const rows = listOf(view);
  list = { slug, pane, rows, mounted: new Map(), start: -1, end: -1, viewport: 800 };
  if (!rows.length) {
    pane.append(h('div', { class: 'empty-state' }, h('p', { class: 'empty-title' }, 'Nothing here'), h('p', { class: 'empty-hint' }, 'No conversations in this view right now.')));
    return pane;
  }
  const ul = h('ul', { class: 'conversation-list', role: 'list', 'data-testid': 'conversation-list', 'data-count': rows.length, style: `height: ${rows.length * ROW_HEIGHT}px` });
  const scroller = h('div', { class: 'conversation-scroller' }, ul);
  Object.assign(list, { ul, scroller });
  scroller.addEventListener('scroll', () => { if (list?.scroller === scroller) renderWindow(); }, { passive: true });
  pane.append(scroller);
  return pane;
}
function mountList() {
  if (!list?.scroller) return;
  list.viewport = list.scroller.clientHeight;
  renderWindow();
}
addEventListener('resize', () => {
  if (list?.scroller) { list.viewport = list.scroller.clientHeight; renderWindow(); }
  if (activeTimeline?.section.isConnected) settle(activeTimeline);
});

// ---------- customer page ----------
function allowed(from, hasAgent) {
  const ok = (to) => {
    if (from === to) return true;
    if (to === 'New') return false;
    if (from === 'New') return to === 'Closed';
    if ((from === 'Open' && to === 'Waiting') || (from === 'Waiting' && to === 'Open')) return true;
    if (to === 'Closed') return true;
    if (from === 'Closed' && to === 'Open') return hasAgent;
    return false;
  };
  return STATUSES.filter((s) => s !== from && ok(s));
}
function itemView(item, cust, before) {
  const who = item.who === 'customer' ? cust.name : item.who === 'system' ? 'Rapport' : agentName(item.who);
  const time = h('time', { datetime: new Date(item.ts).toISOString() }, stamp(item.ts));
  const event = (text) => h('div', { class: 'event' }, h('span', null, text), time);
  let body;
  switch (item.kind) {
    case 'CONVERSATION_NOTE':
      body = h('div', { class: 'note' }, h('div', { class: 'item-meta' }, h('span', { class: 'author' }, 'Note · ', who), time), h('p', { class: 'text' }, item.text));
      break;
    case 'CONVERSATION_STATUS_CHANGE': {
      let text;
      if (before == null) text = 'Conversation started';
      else if (before === 'Closed' && item.who === 'customer') text = 'The customer wrote again within the reopen window: conversation reopened';
      else if (before === 'Closed') text = `${who} reopened the conversation`;
      else if (item.status === 'Open' && item.who === 'customer') text = 'The customer replied: back to Open';
      else text = `${who} set the status to ${item.status}`;
      body = event(text);
      break;
    }
    case 'ASSIGNMENT_CHANGE':
      body = event(item.agent ? `Assigned to ${agentName(item.agent)} (${inboxName(item.inbox)})` : `Assigned to ${inboxName(item.inbox)}, unassigned`);
      break;
    case 'TOPIC_CHANGE': {
      const parts = [];
      if (item.added.length) parts.push(`added ${item.added.map(topicName).join(', ')}`);
      if (item.removed.length) parts.push(`removed ${item.removed.map(topicName).join(', ')}`);
      body = event(`${who} ${parts.join(' and ')} as topic`);
      break;
    }
    case 'CUSTOMER_ACTIVITY':
      body = h('div', { class: 'activity' }, h('div', { class: 'item-meta' }, h('span', { class: 'author' }, 'Activity'), time),
        h('p', { class: 'activity-title' }, item.title), h('p', { class: 'text muted' }, item.body));
      break;
    default:
      body = h('div', { class: item.outbound ? 'message outbound' : 'message inbound' },
        h('div', { class: 'item-meta' }, h('span', { class: 'author' }, who), item.channel ? badge(item.channel) : null, time,
          h('button', { class: 'btn-link item-action', title: 'Create a task from this message', 'data-quote': 'task' }, 'Task')),
        item.subject ? h('p', { class: 'subject' }, item.subject) : null,
        h('p', { class: 'text' }, item.text));
  }
  return body;
}

// ---------- the timeline (virtualized: measured row heights, rows keyed, stuck to the bottom) ----------
// The customer's items flattened into rows: a chapter (a run of items of one conversation) is a
// head row plus, while open, its item rows; items of no conversation are rows of their own. Only
// the rows within 800 px of the viewport are in the DOM, between two pads of the other rows' heights.
// Folds are per conversation, as in the app: a conversation's chapters open and close together.
const EST_HEAD = 44; // px, a chapter head before it was measured
const EST_ITEM = 96; // px, an item before it was measured
const TL_OVERSCAN = 800; // px above and below the viewport
const STICK = 40; // px from the bottom that still count as "at the bottom"
const PAST_SHOWN = 12; // the profile lists the latest few conversations
const ALIGN_FRAMES = 4; // frames a jump re-aligns its row while measurements come in
let activeTimeline = null;

const chapterDates = (conv) => (conv.closedAt != null && day(conv.closedAt) !== day(conv.createdAt) ? `${day(conv.createdAt)} – ${day(conv.closedAt)}` : day(conv.createdAt));
const jumpLabel = (conv) => `${chapterDates(conv)}${conv.topics.length ? ` · ${conv.topics.map(topicName).join(', ')}` : ''}`;
const headClass = (ch) => `chapter-head${ch.current ? ' current' : ''}${ch.open ? ' open' : ''}`;
const atBottom = (sc) => sc.scrollHeight - sc.clientHeight - sc.scrollTop <= STICK;
function chapterHead(tl, ch) {
  const conv = ch.conv;
  const button = h('button', { type: 'button', class: 'chapter-toggle', 'aria-expanded': String(ch.open) },
    h('span', { class: 'chapter-dates' }, chapterDates(conv)), pill(conv.status), ...conv.channels.map(badge),
    h('span', { class: 'chapter-topics' }, conv.topics.map(topicName).join(', ')));
  button.addEventListener('click', () => toggleChapter(tl, ch));
  return h('h3', { class: headClass(ch), 'data-testid': 'chapter', 'data-open': String(ch.open), 'data-size-key': ch.head.key }, button);
}
function newChapter(tl, convId, start) {
  const conv = convId ? data.convById.get(convId) : null;
  const current = !!conv && (conv.status !== 'Closed' || conv === tl.cust.convs.at(-1));
  const open = conv ? tl.folds.get(convId) ?? current : true;
  const ch = { index: tl.chapters.length, convId, conv, start, end: start, current, open, prev: null, head: null };
  if (conv) ch.head = { key: `h${ch.index}`, ch, item: -1 };
  tl.chapters.push(ch);
  return ch;
}
/** Files item `i` (the next one) into its chapter: a new chapter when the conversation changes. */
function fileItem(tl, i) {
  const item = tl.items[i];
  let ch = tl.chapters.at(-1);
  if (!ch || ch.convId !== item.conv) ch = newChapter(tl, item.conv, i);
  tl.before[i] = ch.prev; // each status event reads against the one before it in its chapter
  if (item.kind === 'CONVERSATION_STATUS_CHANGE') ch.prev = item.status;
  ch.end = i + 1;
  tl.chapterOf[i] = ch;
  return ch;
}
const itemRow = (tl, i) => (tl.itemRows[i] ??= { key: tl.items[i].id, ch: tl.chapterOf[i], item: i });
function buildRows(tl) {
  const rows = [];
  for (const ch of tl.chapters) {
    if (ch.head) rows.push(ch.head);
    if (ch.open) for (let i = ch.start; i < ch.end; i++) rows.push(itemRow(tl, i));
  }
  tl.rows = rows;
  tl.dirty = true;
}
/** Row tops (prefix sums of measured or estimated heights). */
function layoutRows(tl) {
  const { rows, heights } = tl;
  const off = new Float64Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) off[i + 1] = off[i] + (heights.get(rows[i].key) ?? (rows[i].item < 0 ? EST_HEAD : EST_ITEM));
  tl.off = off;
  tl.dirty = false;
}
function itemClass(ch, i) {
  if (!ch.conv) return 'item';
  return `item in-chapter${ch.current ? ' current' : ''}${i + 1 === ch.end ? ' chapter-end' : ''}`;
}
function rowEl(tl, row) {
  if (row.item < 0) return chapterHead(tl, row.ch);
  const i = row.item;
  const item = tl.items[i];
  return h('article', { class: itemClass(row.ch, i), 'data-testid': 'timeline-item', 'data-kind': item.kind, 'data-size-key': row.key, 'aria-posinset': i + 1, 'aria-setsize': tl.items.length },
    itemView(item, tl.cust, tl.before[i]));
}
/** Puts the rows intersecting [top - 800, top + viewport + 800] in the DOM, in order, and sizes the pads. */
function renderRows(tl, top) {
  const { rows, off, mounted, section, padTop, padBottom } = tl;
  const n = rows.length;
  const lo = top - TL_OVERSCAN - tl.padT;
  const hi = top + tl.viewport + TL_OVERSCAN - tl.padT;
  let a = 0;
  let b = n;
  while (a < b) { const m = (a + b) >> 1; if (off[m + 1] > lo) b = m; else a = m + 1; }
  const start = a;
  b = n;
  while (a < b) { const m = (a + b) >> 1; if (off[m] >= hi) b = m; else a = m + 1; }
  const end = a;
  const keep = new Set();
  for (let i = start; i < end; i++) keep.add(rows[i].key);
  for (const [key, el] of mounted) if (!keep.has(key)) { el.remove(); mounted.delete(key); }
  let ref = padTop.nextSibling;
  for (let i = start; i < end; i++) {
    const row = rows[i];
    let el = mounted.get(row.key);
    if (!el) { el = rowEl(tl, row); mounted.set(row.key, el); }
    if (el === ref) ref = ref.nextSibling;
    else section.insertBefore(el, ref);
  }
  const above = `${off[start]}px`;
  const below = `${off[n] - off[end]}px`;
  if (padTop.style.height !== above) padTop.style.height = above;
  if (padBottom.style.height !== below) padBottom.style.height = below;
}
/** Reads every rendered row's height; true when one differs from what the layout assumed. */
function measureRows(tl) {
  let changed = false;
  for (const [key, el] of tl.mounted) {
    const px = el.offsetHeight;
    if (px > 0 && tl.heights.get(key) !== px) { tl.heights.set(key, px); changed = true; }
  }
  if (changed) tl.dirty = true;
  return changed;
}
/** Window, render, measure, until the measured heights hold; keeps the bottom or a jump's row in place. */
function settle(tl) {
  const sc = tl.section;
  if (!sc.isConnected) return;
  tl.viewport = sc.clientHeight;
  for (let pass = 0; pass < 10; pass++) {
    if (tl.dirty) layoutRows(tl);
    const total = tl.off[tl.rows.length];
    const maxTop = Math.max(0, tl.padT + total + tl.padB - tl.viewport);
    let top = sc.scrollTop;
    const k = tl.align ? tl.rows.indexOf(tl.align) : -1;
    if (k >= 0) top = Math.min(maxTop, tl.padT + tl.off[k]);
    else if (tl.sticky) top = maxTop;
    renderRows(tl, top);
    if (k >= 0) sc.scrollTop = top;
    else if (tl.sticky) sc.scrollTop = sc.scrollHeight; // the real end (measured heights are rounded)
    if (!measureRows(tl)) break;
  }
}
function schedule(tl) {
  if (!tl.raf) tl.raf = requestAnimationFrame(() => { tl.raf = 0; settle(tl); });
}
/** Scrolls `row` to the top of the scroller, again for a few frames while heights get measured. */
function alignTo(tl, row) {
  tl.align = row;
  tl.sticky = false;
  settle(tl);
  let left = ALIGN_FRAMES;
  const again = () => {
    if (tl.align !== row) return;
    settle(tl);
    if (--left > 0) return requestAnimationFrame(again);
    tl.align = null;
    tl.sticky = atBottom(tl.section);
  };
  requestAnimationFrame(again);
}
/** Opens or folds every chapter of a conversation; rebuilds the rows. */
function setOpen(tl, convId, open) {
  tl.folds.set(convId, open);
  for (const ch of tl.chapters) {
    if (ch.convId !== convId || ch.open === open) continue;
    ch.open = open;
    const el = tl.mounted.get(ch.head.key);
    if (el) {
      el.className = headClass(ch);
      el.dataset.open = String(open);
      el.firstChild.setAttribute('aria-expanded', String(open));
    }
  }
  buildRows(tl);
}
function toggleChapter(tl, ch) {
  // The head stays where it is (the rows before it do not change); no pull to the bottom.
  tl.align = null;
  tl.sticky = false;
  setOpen(tl, ch.convId, !ch.open);
  settle(tl);
  tl.sticky = atBottom(tl.section);
}
function jumpToChapter(tl, n) {
  const ch = tl.chapters[n];
  if (!ch?.head) return;
  if (!ch.open) setOpen(tl, ch.convId, true);
  alignTo(tl, ch.head);
}
function jumpToDate(tl, value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return;
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime(); // local midnight
  // The first item on or after it; its conversation opens if folded.
  const i = tl.items.findIndex((it) => it.ts >= t);
  if (i < 0) {
    tl.align = null;
    tl.sticky = true;
    settle(tl);
    return;
  }
  const ch = tl.chapterOf[i];
  if (!ch.open) setOpen(tl, ch.convId, true);
  alignTo(tl, itemRow(tl, i));
}
/** A status change's item, already in `cust.items`: one more row at the end, and the counts. */
function appendItem(tl) {
  const i = tl.items.length - 1;
  const chapters = tl.chapters.length;
  const ch = fileItem(tl, i);
  if (tl.chapters.length > chapters) {
    if (ch.head) tl.rows.push(ch.head);
  } else if (ch.conv) {
    tl.mounted.get(tl.items[i - 1].id)?.classList.remove('chapter-end'); // the chapter's end moved
  }
  if (ch.open) tl.rows.push(itemRow(tl, i));
  tl.dirty = true;
  const n = String(tl.items.length);
  tl.section.dataset.items = n;
  for (const el of tl.mounted.values()) if (el.tagName === 'ARTICLE') el.setAttribute('aria-setsize', n);
  settle(tl);
}
/** A conversation's new status: its chapter heads in the DOM and its jump option. */
function repaintConversation(tl, conv) {
  for (const ch of tl.chapters) {
    const el = ch.conv === conv ? tl.mounted.get(ch.head.key) : null;
    if (el) el.querySelector('.status-pill').replaceWith(pill(conv.status));
  }
  // The profile's line for it, when it is among the latest shown there.
  const line = document.querySelector(`ul.past li[data-conv="${conv.id}"] .status-pill`);
  if (line) line.replaceWith(pill(conv.status));
}
function timeline(cust) {
  const items = cust.items;
  const padTop = h('div', { class: 'timeline-pad', 'aria-hidden': 'true', style: 'height: 0px' });
  const padBottom = h('div', { class: 'timeline-pad', 'aria-hidden': 'true', style: 'height: 0px' });
  const section = h('section', { class: 'timeline', 'data-testid': 'timeline', 'aria-label': 'Timeline', 'data-items': items.length }, padTop, padBottom);
  const tl = {
    cust, items, section, padTop, padBottom, chapters: [], chapterOf: [], before: [], itemRows: [], rows: [], off: null, dirty: true,
    folds: new Map(), heights: new Map(), mounted: new Map(), options: new Map(), viewport: 0, padT: 0, padB: 0, sticky: true, align: null, raf: 0,
  };
  for (let i = 0; i < items.length; i++) fileItem(tl, i);
  buildRows(tl);
  section.addEventListener('scroll', () => {
    tl.sticky = atBottom(section);
    schedule(tl);
  }, { passive: true });
  // The user takes over from a jump's re-alignment.
  for (const type of ['wheel', 'touchstart', 'keydown']) section.addEventListener(type, () => { tl.align = null; }, { passive: true });
  // One option per conversation (its first chapter), newest first; the value is that chapter's
  // index. Built when the user first reaches for the list, as the app does.
  const convSelect = h('select', { class: 'jump-conversation', 'aria-label': 'Jump to a conversation', 'data-testid': 'jump-conversation' },
    h('option', { value: '' }, 'Jump to a conversation…'));
  const fill = () => {
    if (tl.options.size) return;
    const options = [];
    for (const ch of tl.chapters) {
      if (!ch.conv || tl.options.has(ch.convId)) continue;
      const option = h('option', { value: ch.index }, jumpLabel(ch.conv));
      tl.options.set(ch.convId, option);
      options.push(option);
    }
    convSelect.append(...options.reverse());
  };
  convSelect.addEventListener('focus', fill);
  convSelect.addEventListener('pointerdown', fill);
  convSelect.addEventListener('change', () => {
    if (convSelect.value) jumpToChapter(tl, Number(convSelect.value));
    convSelect.value = '';
  });
  const dateInput = h('input', { type: 'date', class: 'jump-date', 'aria-label': 'Jump to a date', 'data-testid': 'jump-date' });
  dateInput.addEventListener('change', () => jumpToDate(tl, dateInput.value));
  tl.tools = h('div', { class: 'timeline-tools', 'data-testid': 'timeline-tools' }, convSelect, dateInput);
  tl.mount = () => {
    const cs = getComputedStyle(section);
    tl.padT = parseFloat(cs.paddingTop) || 0;
    tl.padB = parseFloat(cs.paddingBottom) || 0;
    activeTimeline = tl;
    settle(tl); // starts at the bottom, the newest item in view
  };
  return tl;
}
function conversationHeader(conv, page) {
  const inbox = INBOXES.find((i) => i.id === conv.inbox);
  const meInInbox = inbox.agents.includes(ME);
  const buttons = STATUSES.map((s) => h('button', { class: `seg st-btn-${s.toLowerCase()}`, 'aria-pressed': String(conv.status === s), 'data-status': s }, s));
  const paint = () => {
    const ok = allowed(conv.status, conv.agent != null || (conv.status === 'Closed' && meInInbox));
    buttons.forEach((b, k) => {
      const s = STATUSES[k];
      b.setAttribute('aria-pressed', String(conv.status === s));
      b.disabled = conv.status !== s && !ok.includes(s);
    });
    page.closeNext.hidden = conv.status === 'Closed';
  };
  buttons.forEach((b, k) => b.addEventListener('click', () => setStatus(conv, STATUSES[k], page)));
  const assignee = h('select', { id: 'assignee-select', 'aria-label': 'Assignee', disabled: conv.status === 'Closed', title: conv.status === 'Closed' ? 'Reopen the conversation to reassign it' : 'Assign to an inbox and agent' },
    ...INBOXES.map((i) => h('optgroup', { label: i.name }, h('option', { value: `${i.id}|` }, `${i.name}: unassigned`),
      ...i.agents.map((a) => h('option', { value: `${i.id}|${a}` }, agentName(a))))));
  assignee.value = `${conv.inbox}|${conv.agent ?? ''}`;
  const parents = TOPICS.filter((t) => !t.parent);
  const topicSelect = h('select', { id: 'topic-select', 'aria-label': 'Add a topic' }, h('option', { value: '' }, '+ Topic'),
    ...parents.map((p) => h('optgroup', { label: p.name }, ...[p, ...TOPICS.filter((t) => t.parent === p.id)].filter((t) => !conv.topics.includes(t.id)).map((t) => h('option', { value: t.id }, t.name)))));
  page.closeNext = h('button', { class: 'btn primary', id: 'close-next-btn' }, 'Close & Next');
  const el = h('div', { class: 'conversation-header', 'data-testid': 'conversation-header' },
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'Status' }, ...buttons),
    h('label', { class: 'inline-field' }, h('span', { class: 'sr-only' }, 'Assignee'), assignee),
    h('div', { class: 'topics' }, ...conv.topics.map((t) => h('span', { class: 'topic chip' }, topicName(t), h('button', { class: 'chip-x', 'aria-label': `Remove topic ${topicName(t)}` }, '✕'))), topicSelect),
    page.closeNext);
  page.paintHeader = paint;
  paint();
  return el;
}
function composer(cust) {
  const chans = cust.channels.filter((c) => CHANNELS[c][3]);
  return h('section', { class: 'composer', 'aria-label': 'Composer' },
    h('div', { class: 'composer-bar' },
      h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Reply or note' },
        h('button', { class: 'seg', id: 'mode-reply', role: 'radio', 'aria-checked': 'true' }, 'Reply'),
        h('button', { class: 'seg', id: 'mode-note', role: 'radio', 'aria-checked': 'false' }, 'Note')),
      h('select', { id: 'channel-select', 'aria-label': 'Channel' }, ...chans.map((c) => h('option', { value: c }, CHANNELS[c][1]))),
      h('select', { 'aria-label': 'Insert an answer' }, h('option', { value: '' }, 'Answers…'),
        ...['Greeting', 'Refund on its way', 'Order status', 'Anything else?', 'Password reset'].map((n, k) => h('option', { value: `an${k + 1}` }, n)))),
    h('input', { class: 'subject-input', type: 'text', 'aria-label': 'Subject' }),
    h('textarea', { id: 'composer-text', rows: '3', 'aria-label': 'Message', placeholder: 'Reply (Ctrl+Enter to send)' }),
    h('div', { class: 'composer-foot' }, h('span', { class: 'hint' }), h('button', { class: 'btn primary', id: 'send-btn' }, 'Send')));
}
function profile(cust) {
  const n = now();
  const contacts = h('dl', { class: 'contacts' },
    h('dt', null, 'Email'), ...cust.emails.map((e, k) => h('dd', null, e, k === 0 ? h('span', { class: 'primary-mark', title: 'Primary' }, ' · primary') : null)),
    h('dt', null, 'Phone'), ...cust.phones.map((p, k) => h('dd', null, p, k === 0 ? h('span', { class: 'primary-mark', title: 'Primary' }, ' · primary') : null)),
    ...cust.handles.flatMap((hd) => [h('dt', null, CHANNELS[hd.channel][1]), h('dd', null, hd.value)]),
    cust.address ? h('dt', null, 'Address') : null, cust.address ? h('dd', null, cust.address) : null);
  const open = cust.tasks.filter((t) => t.open);
  return h('aside', { class: 'profile', 'aria-label': 'Customer profile' },
    h('section', null, h('h2', null, 'Contact'), contacts),
    h('section', null, h('h2', null, 'Details'), h('dl', { class: 'attributes' },
      ...cust.attrs.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]), h('dt', null, 'Customer since'), h('dd', null, day(cust.since)))),
    h('section', { class: 'tasks-section' },
      h('div', { class: 'section-head' }, h('h2', null, 'Tasks'), h('button', { class: 'btn-link', 'aria-expanded': 'false' }, 'New task')),
      open.length ? null : h('p', { class: 'muted' }, 'No open tasks'),
      h('ul', { class: 'tasks' }, ...open.map((t) => h('li', { class: t.due < n ? 'task overdue' : 'task', 'data-testid': 'task' },
        h('span', { class: 'task-body' }, t.body), h('span', { class: 'muted' }, 'Due ', relative(n, t.due), ' · ', agentName(t.owner)),
        h('ul', { class: 'task-comments' }),
        h('div', { class: 'task-actions' }, h('input', { type: 'text', 'aria-label': 'Comment on this task', placeholder: 'Comment…' }), h('button', { class: 'btn small' }, 'Close task')))))),
    h('section', { class: 'simulator', 'aria-label': 'Simulate this customer' }, h('h2', null, 'Simulate'), h('p', { class: 'hint' }, 'Demo only: act as the customer.'),
      h('select', { 'aria-label': "Customer's channel" }, ...cust.channels.map((c) => h('option', { value: c }, CHANNELS[c][1]))),
      h('textarea', { rows: '2', 'aria-label': "Customer's message" }), h('button', { class: 'btn', id: 'simulate-inbound' }, 'Customer writes in')),
    h('section', null, h('h2', null, 'Conversations'), h('ul', { class: 'past' },
      ...cust.convs.slice(-PAST_SHOWN).reverse().map((c) => h('li', { 'data-conv': c.id }, pill(c.status), h('span', null, day(c.createdAt)), h('span', { class: 'muted' }, c.topics.length ? c.topics.map(topicName).join(', ') : 'No topic')))),
      cust.convs.length > PAST_SHOWN ? h('p', { class: 'hint' }, `and ${cust.convs.length - PAST_SHOWN} earlier; use Jump to a conversation above the timeline`) : null));
}
function customerPage(id) {
  const cust = data.customerById.get(id);
  const main = h('main', { class: 'workspace', id: 'workspace' });
  if (!cust) {
    main.append(h('div', { class: 'error-notice', role: 'alert' }, h('ul', null, h('li', null, 'There is no such customer.'))));
    return main;
  }
  const page = {};
  const current = cust.convs.findLast((c) => c.status !== 'Closed') ?? cust.convs.at(-1);
  const tl = timeline(cust);
  page.timeline = tl;
  main.append(h('div', { class: 'customer-page' },
    h('header', { class: 'customer-head' }, avatar(cust.name, true),
      h('div', { class: 'customer-head-main' }, h('h1', { class: 'customer-title' }, cust.name),
        current ? conversationHeader(current, page) : h('p', { class: 'muted' }, 'No conversations yet'))),
    h('div', { class: 'customer-body' },
      h('div', { class: 'conversation-column' }, tl.tools, tl.section,
        current && current.status !== 'Closed' ? composer(cust) : h('p', { class: 'composer-closed muted' }, 'No open conversation. When this customer writes in, their message starts or reopens one here.')),
      profile(cust))));
  page.cust = cust;
  main.afterMount = tl.mount;
  return main;
}
function setStatus(conv, to, page) {
  const from = conv.status;
  if (from === to) return;
  const inbox = INBOXES.find((i) => i.id === conv.inbox);
  if (to === 'Closed' && inbox.topicsRequired && !conv.topics.length) return; // the app asks for a topic
  // The data, as the demo store would change it.
  for (const v of VIEWS) if (v.match(conv)) counts.set(v.slug, counts.get(v.slug) - 1);
  conv.status = to;
  conv.version++;
  conv.lastActivityAt = Date.now();
  if (to === 'Closed') conv.closedAt = conv.lastActivityAt;
  for (const v of VIEWS) if (v.match(conv)) counts.set(v.slug, counts.get(v.slug) + 1);
  const item = { id: `it-${conv.version}-${conv.id}`, ts: conv.lastActivityAt, conv: conv.id, kind: 'CONVERSATION_STATUS_CHANGE', status: to, who: ME };
  page.cust.items.push(item);
  // The DOM: the header's buttons, the chapter heads' pills and the jump option's label, one new
  // timeline row (rendered when the window covers it; stuck to the bottom, it does), data-items and
  // aria-setsize, the nav counts, the list row.
  page.paintHeader();
  repaintConversation(page.timeline, conv);
  appendItem(page.timeline);
  updateCounts();
  if (list?.rows && list.mounted) {
    const view = viewOf(list.slug);
    const li = list.mounted.get(conv.id);
    if (view && !view.match(conv) && list.rows.includes(conv)) {
      // Rows that left the view drop out (the app keeps the others in place).
      list.rows = list.rows.filter((c) => c !== conv);
      for (const [, el] of list.mounted) el.remove();
      list.mounted.clear();
      list.start = list.end = -1;
      list.ul.dataset.count = list.rows.length;
      list.ul.style.height = `${list.rows.length * ROW_HEIGHT}px`;
      renderWindow();
    } else if (li) {
      li.querySelector('.status-pill').replaceWith(pill(to));
    }
  }
  toast(`Status set to ${to}.`, true);
}

// ---------- pages and routing ----------
function noSelection() {
  return h('main', { class: 'workspace no-selection', id: 'workspace' },
    h('div', { class: 'empty-state' }, h('p', { class: 'empty-title' }, 'Pick a conversation'), h('p', { class: 'empty-hint' }, 'Choose a customer on the left to see their whole history.')));
}
function searchPage(q) {
  const needle = q.toLowerCase();
  const hits = needle ? data.customers.filter((c) => c.name.toLowerCase().includes(needle) || c.emails.some((e) => e.includes(needle)) || c.phones.some((p) => p.includes(needle))) : [];
  const main = h('main', { class: 'page search-page', id: 'workspace' }, h('h1', null, 'Search'), h('p', { class: 'hint' }, `Results for “${q}”`));
  if (!hits.length) {
    main.append(h('div', { class: 'empty-state' }, h('p', { class: 'empty-title' }, 'No matches'), h('p', { class: 'empty-hint' }, 'Try a name, an email address, a phone number or words from a message.')));
  } else {
    main.append(
      h('section', { class: 'card' }, h('h2', null, 'Customers'), h('ul', { class: 'results', 'data-testid': 'customer-results' },
        ...hits.map((c) => h('li', null, link(`/customers/${c.id}`, { class: 'result-link' }, avatar(c.name), h('span', { class: 'customer-name' }, c.name), h('span', { class: 'muted' }, c.name)))))),
      h('section', { class: 'card' }, h('h2', null, 'Messages'), h('ul', { class: 'results' })));
  }
  return main;
}
function notFound() {
  return h('main', { class: 'page', id: 'workspace' }, h('h1', null, 'Nothing here'), h('p', null, 'This address does not lead anywhere in Rapport.'), link('/inbox/mine', null, 'Go to my conversations'));
}

const navEl = nav();
let workspace = null;
app.append(h('a', { class: 'skip-link', href: '#workspace' }, 'Skip to the conversation'), navEl, toasts);

function route() {
  const path = location.pathname.slice(BASE.length).replace(/\/+$/, '') || '/';
  let m;
  let listSlug = null;
  let next;
  if (path === '/') return navigate('/inbox/mine', true);
  if ((m = path.match(/^\/inbox\/([^/]+)(?:\/([^/]+))?$/))) {
    listSlug = m[1];
    next = m[2] ? customerPage(decodeURIComponent(m[2])) : noSelection();
  } else if ((m = path.match(/^\/customers\/([^/]+)$/))) {
    next = h('div', { class: 'standalone' }, customerPage(decodeURIComponent(m[1])));
    next.afterMount = next.firstChild.afterMount;
  } else if (path === '/search') {
    next = searchPage(new URLSearchParams(location.search).get('q') ?? '');
  } else {
    next = notFound();
  }
  // The list pane stays while its view stays (like the app's parent route).
  if (listSlug !== (list?.pane.isConnected ? list.slug : null)) {
    if (list?.pane.isConnected) list.pane.remove();
    list = null;
    if (listSlug) navEl.after(listPane(listSlug));
  }
  if (workspace) workspace.replaceWith(next);
  else toasts.before(next);
  workspace = next;
  for (const [slug, a] of navLinks) {
    if (slug === listSlug) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!list?.mounted || list.start < 0) mountList();
  next.afterMount?.();
}
function navigate(to, replace = false) {
  history[replace ? 'replaceState' : 'pushState'](null, '', BASE + to);
  route();
}
document.addEventListener('click', (ev) => {
  const a = ev.target.closest?.('a[href]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
  const href = a.getAttribute('href');
  if (!href.startsWith(`${BASE}/`)) return;
  ev.preventDefault();
  navigate(href.slice(BASE.length));
});
addEventListener('popstate', route);

document.body.append(app);
route();
