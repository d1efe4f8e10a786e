// A programmable fake Rapport backend for the e2e tests (node:http, no dependencies).
//
// It speaks the read and write endpoints of docs/http-api.md from an in-memory fixture, with the
// JSON shapes of crates/core's serde output, CORS for any origin, and a live event stream. Tests
// inject faults per path:
//
//   const mock = await startMock({ fixture });           // fixture: defaults to baseFixture()
//   mock.setFault(/\/conversations\?view=/, { status: 500, times: 1 });
//   mock.clearFaults();
//   mock.requests      // every request seen: { method, path, headers, body, fault }
//   mock.injected      // every fault applied: { path, method, fault }
//   await mock.close();
//
// A fault is one of
//   { status: 500|502|503|404|422 }   the JSON error body of the contract ({ code, detail } overridable)
//   { status: 429, retryAfter: 2 }    plus a Retry-After header
//   { status: 409 }                   the conflict body (code "conflict")
//   { raw: '<html>…', status }        a non-JSON body (as a proxy's error page)
//   { timeout: true }                 never answers (the socket is kept until close())
//   { reset: true }                   destroys the socket
//   { malformed: true }               200 with broken JSON
//   { body: <JSON> | (orig) => JSON } 200 (or `status`) with that body instead
//   { huge: N }                       the list in the answer padded to N items
//   { huge: '5MB' }                   the last text field of the answer padded to that size
// plus optional `times: k` (only the next k matching requests), `method: 'PATCH'` (only that
// method; preflights are never faulted unless method is 'OPTIONS') and `delay: ms`.
// The path regex is tested against the path and query, e.g. "/api/v1/conversations?view=open&…".
// A view is read three ways, each its own path for faults:
//   /api/v1/conversations?view=…        the paged list (older clients; the fallback)
//   /api/v1/conversation-ids?view=…     the view's ids in list order ({ ids }; `huge` pads them)
//   /api/v1/conversations?ids=a,b,…     rows by id ({ items }; padded ids `<id>-padN` resolve)
// A 404 fault on /conversation-ids/ makes the mock an older server without those two.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const API = '/api/v1';
const MINUTE = 60_000;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,POST,PATCH,PUT,DELETE,OPTIONS',
  'access-control-allow-headers': 'Authorization,Content-Type,If-Match,X-Agent-Id,Last-Event-ID,Accept',
  'access-control-expose-headers': 'ETag,Retry-After',
  'access-control-max-age': '600',
};

const ERRORS = {
  400: ['invalid', 'The request was not understood.'],
  401: ['unauthorized', 'Sign in again: the access token is missing or wrong.'],
  404: ['not_found', 'That no longer exists.'],
  409: ['conflict', 'Someone else changed this conversation meanwhile; it now shows the latest state.'],
  422: ['invalid', 'That change is not allowed.'],
  429: ['rate_limited', 'Too many requests; slow down and try again in a moment.'],
  500: ['internal', 'The server had an internal problem.'],
  502: ['bad_gateway', 'The upstream server did not answer.'],
  503: ['unavailable', 'The server is down for maintenance.'],
};

/** The item `type` a message on `channel` has. */
export const ITEM_KIND = {
  CHAT: 'CHAT_MESSAGE',
  EMAIL: 'EMAIL',
  SMS: 'SMS',
  PHONE_CALL: 'PHONE_CALL',
  VOICEMAIL: 'VOICEMAIL',
  WHATSAPP: 'WHATSAPP',
  FB_MESSENGER: 'FACEBOOK_MESSAGE',
  INSTAGRAM_DIRECT: 'INSTAGRAM_DIRECT',
};

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Plain text of an item, as `ItemContent::text` (previews and search). */
export function itemText(content) {
  switch (content?.type) {
    case 'CONVERSATION_NOTE':
      return content.body;
    case 'PHONE_CALL':
      return content.summary;
    case 'VOICEMAIL':
      return content.transcript;
    case 'CUSTOMER_ACTIVITY':
      return content.title;
    case 'TASK':
      return content.body;
    default:
      return typeof content?.content === 'string' ? content.content : undefined;
  }
}

const isMessage = (content) => Object.values(ITEM_KIND).includes(content?.type);

/**
 * A small organisation: three agents, two inboxes, four customers with an open, a new, a waiting
 * and a closed conversation, a folded past chapter, an email with HTML, a note, an activity and
 * a task. Everything the app reads, nothing hostile.
 */
export function baseFixture(now = Date.now()) {
  const t = (minutesAgo) => iso(now - minutesAgo * MINUTE);
  const conv = (id, customerId, status, inboxId, agentId, channels, createdMin, extra = {}) => ({
    id,
    customerId,
    status,
    assignee: agentId ? { inboxId, agentId } : { inboxId },
    topicIds: [],
    createdAt: t(createdMin),
    updatedAt: t(createdMin - 5),
    version: 3,
    channels,
    lastActivityAt: t(createdMin - 5),
    reopenCount: 0,
    ...extra,
  });
  const item = (id, customerId, conversationId, minutesAgo, initiator, content) => ({
    id,
    customerId,
    ...(conversationId ? { conversationId } : {}),
    timestamp: t(minutesAgo),
    initiator,
    content,
  });
  const C = { type: 'CUSTOMER' };
  const S = { type: 'SYSTEM' };
  const A = (id) => ({ type: 'AGENT', id });
  const customer = (id, name, phone, email, extra = {}) => ({
    id,
    name,
    address: '12 Harbour Road, Portland, OR',
    emails: email ? [{ original: email, primary: true }] : [],
    phones: phone ? [{ original: phone, primary: true, type: 'MOBILE' }] : [],
    handles: [],
    externalCustomerIds: {},
    customAttributes: { Plan: 'Gold' },
    createdAt: t(60 * 24 * 400),
    ...extra,
  });
  return {
    organization: { name: 'Mock Outfitters' },
    agents: [
      { id: 'ag1', name: 'Ava Thompson', emailAddress: 'ava@mock.example' },
      { id: 'ag2', name: 'Noah Patel', emailAddress: 'noah@mock.example' },
      { id: 'ag3', name: 'Mia Rossi', emailAddress: 'mia@mock.example' },
    ],
    inboxes: [
      {
        id: 'support',
        name: 'General Support',
        agentIds: ['ag1', 'ag2', 'ag3'],
        channels: ['CHAT', 'SMS', 'WHATSAPP'],
        reopenWindowHours: 24,
        topicsRequiredToClose: false,
      },
      { id: 'email', name: 'Email Care', agentIds: ['ag1', 'ag3'], channels: ['EMAIL'], reopenWindowHours: 72, topicsRequiredToClose: false },
    ],
    teams: [{ id: 'frontline', name: 'Frontline', agentIds: ['ag1', 'ag2', 'ag3'] }],
    topics: [
      { id: 'orders', name: 'Orders', disabled: false },
      { id: 'where-is-my-order', name: 'Where is my order', parentId: 'orders', disabled: false },
      { id: 'returns', name: 'Returns & refunds', disabled: false },
    ],
    answers: [
      { id: 'an1', name: 'Greeting', body: 'Hi {customer.firstName}, thanks for reaching out! This is {agent.firstName}.' },
      { id: 'an2', name: 'Refund on its way', body: 'Hi {customer.firstName}, I have issued a refund of {refund.amount}.' },
    ],
    customers: [
      customer('cu1', 'Olivia Bennett', '+1 (555) 010-0001', 'olivia@mail.example', {
        handles: [{ channel: 'CHAT', value: 'olivia.b' }],
      }),
      customer('cu2', 'Marcus Lee', '+1 (555) 010-0002', null, { handles: [{ channel: 'CHAT', value: 'marcus' }] }),
      customer('cu3', 'Priya Shah', '+1 (555) 010-0003', 'priya@mail.example'),
      customer('cu4', 'Tom Becker', null, 'tom@mail.example'),
    ],
    conversations: [
      conv('co0', 'cu1', 'CLOSED', 'support', 'ag1', ['SMS'], 60 * 24 * 30, { closedAt: t(60 * 24 * 29), topicIds: ['returns'], version: 6 }),
      conv('co1', 'cu1', 'OPEN', 'support', 'ag1', ['SMS', 'EMAIL'], 120, { customerWaitingSince: t(30) }),
      conv('co2', 'cu2', 'NEW', 'support', null, ['CHAT'], 45, { customerWaitingSince: t(45), version: 2 }),
      conv('co3', 'cu3', 'WAITING', 'email', 'ag1', ['EMAIL'], 300),
      conv('co4', 'cu4', 'CLOSED', 'email', 'ag3', ['EMAIL'], 60 * 24 * 3, { closedAt: t(60 * 24 * 2), version: 5 }),
    ],
    timeline: {
      cu1: [
        item('it01', 'cu1', 'co0', 60 * 24 * 30, C, { type: 'ASSIGNMENT_CHANGE', inboxId: 'support' }),
        item('it02', 'cu1', 'co0', 60 * 24 * 30, C, { type: 'CONVERSATION_STATUS_CHANGE', status: 'NEW' }),
        item('it03', 'cu1', 'co0', 60 * 24 * 30, C, { type: 'SMS', content: 'The zip on my jacket broke.', direction: 'INBOUND' }),
        item('it04', 'cu1', 'co0', 60 * 24 * 29.5, A('ag1'), { type: 'SMS', content: 'Sorry to hear that, a replacement is on its way.', direction: 'OUTBOUND' }),
        item('it05', 'cu1', 'co0', 60 * 24 * 29, A('ag1'), { type: 'CONVERSATION_STATUS_CHANGE', status: 'CLOSED' }),
        item('it06', 'cu1', null, 60 * 24 * 10, S, { type: 'CUSTOMER_ACTIVITY', title: 'Order #40213 shipped', body: 'Carrier: UPS', link: 'https://shop.example/orders/40213' }),
        item('it10', 'cu1', 'co1', 120, C, { type: 'ASSIGNMENT_CHANGE', inboxId: 'support' }),
        item('it11', 'cu1', 'co1', 120, C, { type: 'CONVERSATION_STATUS_CHANGE', status: 'NEW' }),
        item('it12', 'cu1', 'co1', 120, C, { type: 'SMS', content: 'Where is my order? It said two days.', direction: 'INBOUND' }),
        item('it13', 'cu1', 'co1', 110, S, { type: 'ASSIGNMENT_CHANGE', inboxId: 'support', agentId: 'ag1' }),
        item('it14', 'cu1', 'co1', 110, S, { type: 'CONVERSATION_STATUS_CHANGE', status: 'OPEN' }),
        item('it15', 'cu1', 'co1', 90, A('ag1'), {
          type: 'EMAIL',
          subject: 'Your order',
          content: 'Hi Olivia, your order left the warehouse today.',
          html: '<p>Hi Olivia, your order <b>left the warehouse</b> today.</p>',
          from: 'ava@mock.example',
          to: ['olivia@mail.example'],
          direction: 'OUTBOUND',
        }),
        item('it16', 'cu1', 'co1', 80, A('ag1'), { type: 'CONVERSATION_NOTE', body: 'Checked with the warehouse.' }),
        item('it17', 'cu1', 'co1', 30, C, { type: 'SMS', content: 'Still nothing here, can you check again?', direction: 'INBOUND' }),
      ],
      cu2: [
        item('it20', 'cu2', 'co2', 45, C, { type: 'ASSIGNMENT_CHANGE', inboxId: 'support' }),
        item('it21', 'cu2', 'co2', 45, C, { type: 'CONVERSATION_STATUS_CHANGE', status: 'NEW' }),
        item('it22', 'cu2', 'co2', 45, C, { type: 'CHAT_MESSAGE', content: 'Hi, do you ship to Canada?', direction: 'INBOUND' }),
      ],
      cu3: [
        item('it30', 'cu3', 'co3', 300, C, { type: 'EMAIL', subject: 'Exchange', content: 'Can I exchange for a size M?', direction: 'INBOUND' }),
        item('it31', 'cu3', 'co3', 200, A('ag1'), { type: 'EMAIL', subject: 'Re: Exchange', content: 'Of course, here is the label.', direction: 'OUTBOUND' }),
        item('it32', 'cu3', 'co3', 200, A('ag1'), { type: 'CONVERSATION_STATUS_CHANGE', status: 'WAITING' }),
      ],
      cu4: [
        item('it40', 'cu4', 'co4', 60 * 24 * 3, C, { type: 'EMAIL', subject: 'Thanks', content: 'All good now, thanks!', direction: 'INBOUND' }),
        item('it41', 'cu4', 'co4', 60 * 24 * 2, A('ag3'), { type: 'CONVERSATION_STATUS_CHANGE', status: 'CLOSED' }),
      ],
    },
    tasks: [
      {
        id: 'ta1',
        customerId: 'cu1',
        body: 'Call Olivia back about the replacement',
        dueAt: t(-60 * 5),
        assignee: { inboxId: 'support', agentId: 'ag1' },
        status: 'OPEN',
        createdAt: t(100),
        createdBy: 'ag1',
        comments: [{ id: 'tc1', agentId: 'ag1', body: 'Left a voicemail.', createdAt: t(50) }],
        version: 2,
      },
    ],
    // Optional overrides: `search` (SearchResults, or (q, state) => SearchResults),
    // `previews` ({ conversationId: text }).
  };
}

const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

function errorBody(status, fault = {}) {
  const [code, detail] = ERRORS[status] ?? ['error', `The server answered ${status}.`];
  return { errors: [{ attr: fault.attr ?? null, code: fault.code ?? code, detail: fault.detail ?? detail }] };
}

/** Pads the list in `body` (an array, or `.items`, `.messages` or `.ids`) to `n` entries. */
function padList(body, n) {
  if (Array.isArray(body?.ids)) return padIds(body, n);
  const list = Array.isArray(body)
    ? body
    : Array.isArray(body?.items)
      ? body.items
      : Array.isArray(body?.messages)
        ? body.messages
        : null;
  if (!list || list.length === 0) return body;
  // Copies of the last entry, so a padded timeline stays in one chapter and a list keeps its order.
  const last = list[list.length - 1];
  for (let i = 0; list.length < n; i++) {
    const copy = clone(last);
    const tag = `-pad${i}`;
    for (const obj of [copy, copy.conversation].filter(Boolean)) {
      if (typeof obj.id === 'string') obj.id += tag;
      if (typeof obj.itemId === 'string') obj.itemId += tag;
    }
    if (copy.conversation && typeof copy.conversation.customerId === 'string') copy.conversation.customerId += tag;
    list.push(copy);
  }
  return body;
}

/** Pads `{ ids }` (conversation-ids) to `n` ids: copies of the last id with a `-padN` tag. */
function padIds(body, n) {
  const list = body.ids;
  if (list.length === 0) return body;
  const last = list[list.length - 1];
  for (let i = 0; list.length < n; i++) list.push(`${last}-pad${i}`);
  return body;
}

/** Grows the last text field found in `body` to about `size` ('5MB', '300KB' or a byte count). */
function padText(body, size, word = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ') {
  const m = /^(\d+(?:\.\d+)?)\s*(MB|KB|B)?$/i.exec(String(size));
  const bytes = m ? Number(m[1]) * { MB: 1 << 20, KB: 1 << 10, B: 1 }[(m[2] || 'B').toUpperCase()] : Number(size);
  const keys = ['content', 'body', 'preview', 'transcript', 'summary', 'snippet', 'name', 'title'];
  // The last text in the answer: in a timeline, the newest message.
  const visit = (v) => {
    if (Array.isArray(v)) return [...v].reverse().some(visit);
    if (v && typeof v === 'object') {
      for (const k of keys) {
        if (typeof v[k] === 'string') {
          v[k] += ' ' + word.repeat(Math.ceil(bytes / word.length));
          return true;
        }
      }
      return Object.values(v).reverse().some(visit);
    }
    return false;
  };
  visit(body);
  return body;
}

/**
 * Starts the mock on 127.0.0.1 (a free port). `fixture` is used as the live state (pass a fresh
 * one per test); `faults` is a list of [pathRegex, fault] pairs applied from the start.
 */
export async function startMock({ fixture = baseFixture(), faults = [], keepAliveMs = 10_000, host = '127.0.0.1' } = {}) {
  const state = fixture;
  state.timeline ??= {};
  state.tasks ??= [];
  const requests = [];
  const injected = [];
  let active = []; // { re, fault, remaining }
  const sockets = new Set();
  const streams = new Set();
  const events = []; // { seq, data }
  let seq = 0;
  let itemSeq = 0;

  const nowIso = () => iso(Date.now());
  const findCustomer = (id) => state.customers.find((c) => c.id === id);
  const findConv = (id) => state.conversations.find((c) => c.id === id);
  const timelineOf = (id) => (state.timeline[id] ??= []);
  const newId = (prefix) => `${prefix}m${++itemSeq}`;

  function emit(change = {}) {
    seq += 1;
    const data = JSON.stringify({ seq, customerId: change.customerId ?? null, conversationId: change.conversationId ?? null, taskId: change.taskId ?? null });
    events.push({ seq, data });
    for (const res of streams) res.write(`id: ${seq}\nevent: change\ndata: ${data}\n\n`);
    return seq;
  }

  /** Sends raw SSE text to every open stream (hostile or malformed events). */
  function emitRaw(text) {
    for (const res of streams) res.write(text);
  }

  const withFlat = (c) => ({ ...c, agentId: c.assignee.agentId, inboxId: c.assignee.inboxId });

  function summary(c) {
    const items = timelineOf(c.customerId).filter((i) => i.conversationId === c.id);
    const latest = [...items].reverse().find((i) => isMessage(i.content) || i.content?.type === 'CONVERSATION_NOTE');
    const preview = state.previews?.[c.id] ?? itemText(latest?.content) ?? '';
    const due = state.tasks
      .filter((t) => t.customerId === c.customerId && t.status === 'OPEN')
      .map((t) => t.dueAt)
      .sort()[0];
    return {
      conversation: clone(c),
      customerName: findCustomer(c.customerId)?.name ?? '',
      preview,
      ...(latest?.content?.direction ? { previewDirection: latest.content.direction } : {}),
      ...(due ? { nextTaskDue: due } : {}),
    };
  }

  /** A row for an id `padList`/`padIds` made up (`<id>-padN`): the base row, retagged as padList does. */
  function paddedSummary(id) {
    const m = /^(.*)(-pad\d+)$/.exec(id);
    const base = m && findConv(m[1]);
    if (!base) return null;
    const row = summary(base);
    row.conversation.id = id;
    row.conversation.customerId += m[2];
    return row;
  }

  /** A view's conversations in list order (shared by the list and conversation-ids). */
  function viewRows(view, me) {
    return state.conversations
      .filter((c) => matches(view, c, me))
      .sort((a, b) => (a.status === 'CLOSED') - (b.status === 'CLOSED'));
  }

  function matches(view, c, me) {
    const open = c.status !== 'CLOSED';
    if (view === 'mine') return open && me && c.assignee.agentId === me;
    if (view.startsWith('inbox-')) return open && c.assignee.inboxId === view.slice(6);
    return c.status === view.toUpperCase();
  }

  function counts(me) {
    const out = { new: 0, open: 0, waiting: 0, closed: 0, mine: 0, byInbox: {} };
    for (const i of state.inboxes) out.byInbox[i.id] = 0;
    for (const c of state.conversations) {
      const k = String(c.status).toLowerCase();
      if (k in out && k !== 'mine') out[k] += 1;
      if (matches('mine', c, me)) out.mine += 1;
      if (c.status !== 'CLOSED') out.byInbox[c.assignee.inboxId] = (out.byInbox[c.assignee.inboxId] ?? 0) + 1;
    }
    return out;
  }

  function search(q) {
    if (typeof state.search === 'function') return state.search(q, state);
    if (state.search) return clone(state.search);
    const needle = q.trim().toLowerCase();
    const out = { customers: [], messages: [] };
    if (needle.length < 2) return out;
    for (const c of state.customers) {
      const hit = c.name.toLowerCase().includes(needle)
        ? c.name
        : c.emails?.find((e) => e.original.toLowerCase().includes(needle))?.original;
      if (hit) out.customers.push({ customerId: c.id, name: c.name, matched: hit });
    }
    for (const [customerId, items] of Object.entries(state.timeline)) {
      for (const i of items) {
        const text = itemText(i.content);
        if (typeof text === 'string' && text.toLowerCase().includes(needle)) {
          out.messages.push({
            customerId,
            customerName: findCustomer(customerId)?.name ?? '',
            ...(i.conversationId ? { conversationId: i.conversationId } : {}),
            itemId: i.id,
            timestamp: i.timestamp,
            snippet: text.slice(0, 120),
          });
        }
      }
    }
    return out;
  }

  function addItem(customerId, conversationId, initiator, content) {
    const it = { id: newId('it'), customerId, ...(conversationId ? { conversationId } : {}), timestamp: nowIso(), initiator, content };
    timelineOf(customerId).push(it);
    return it;
  }

  function touch(c) {
    c.version += 1;
    c.updatedAt = nowIso();
    c.lastActivityAt = c.updatedAt;
  }

  const json = (status, body, headers = {}) => ({ status, body, headers });
  const notFound = (what = 'That no longer exists.') => json(404, errorBody(404, { detail: what }));

  /** The normal answer to a request, as { status, body, headers }. */
  function route(method, url, headers, body) {
    const p = url.pathname.slice(API.length);
    const q = url.searchParams;
    const agent = headers['x-agent-id'];
    let m;
    if (method === 'GET') {
      if (p === '/organization') return json(200, state.organization);
      if (p === '/agents') return json(200, state.agents);
      if (p === '/inboxes') return json(200, state.inboxes);
      if (p === '/teams') return json(200, state.teams);
      if (p === '/topics') return json(200, state.topics);
      if (p === '/answers') return json(200, state.answers);
      if (p === '/conversation-counts') return json(200, counts(q.get('agentId') ?? agent));
      if (p === '/conversation-ids') {
        return json(200, { ids: viewRows(q.get('view') ?? '', q.get('agentId') ?? agent).map((c) => c.id) });
      }
      if (p === '/conversations' && q.has('ids')) {
        const bad = (detail) => json(400, errorBody(400, { attr: 'ids', detail }));
        if (q.has('view')) return bad('Send either `ids` or `view`, not both.');
        let ids;
        try {
          ids = rawList(url.search, 'ids');
        } catch {
          return bad('`ids` is not valid percent-encoded UTF-8.');
        }
        if (ids.length > IDS_MAX) return bad(`Ask for at most ${IDS_MAX} ids at a time; this request has ${ids.length}.`);
        const items = ids.map((id) => (findConv(id) ? summary(findConv(id)) : paddedSummary(id))).filter(Boolean);
        return json(200, { items });
      }
      if (p === '/conversations') {
        const view = q.get('view') ?? '';
        const me = q.get('agentId') ?? agent;
        const rows = viewRows(view, me).map(summary);
        const limit = Math.min(Number(q.get('limit')) || 100, 500);
        const offset = Number(q.get('cursor')) || 0;
        const items = rows.slice(offset, offset + limit);
        return json(200, { items, ...(offset + limit < rows.length ? { nextCursor: String(offset + limit) } : {}) });
      }
      if ((m = /^\/conversations\/([^/]+)$/.exec(p))) {
        const c = findConv(decodeURIComponent(m[1]));
        return c ? json(200, withFlat(c), { etag: `"${c.version}"` }) : notFound('That conversation no longer exists.');
      }
      if ((m = /^\/conversations\/([^/]+)\/items$/.exec(p))) {
        const c = findConv(decodeURIComponent(m[1]));
        return c ? json(200, timelineOf(c.customerId).filter((i) => i.conversationId === c.id)) : notFound();
      }
      if ((m = /^\/(?:customer-profiles|customers)\/([^/]+)$/.exec(p))) {
        const c = findCustomer(decodeURIComponent(m[1]));
        return c ? json(200, c) : notFound('That customer no longer exists.');
      }
      if ((m = /^\/customers\/([^/]+)\/(conversations|timeline|tasks)$/.exec(p))) {
        const id = decodeURIComponent(m[1]);
        if (!findCustomer(id)) return notFound('That customer no longer exists.');
        if (m[2] === 'conversations') {
          return json(200, state.conversations.filter((c) => c.customerId === id).map(withFlat));
        }
        if (m[2] === 'tasks') return json(200, state.tasks.filter((t) => t.customerId === id));
        const all = timelineOf(id);
        const limit = Math.min(Number(q.get('limit')) || 1000, 5000);
        const end = q.has('before') ? Number(q.get('before')) : all.length;
        const start = Math.max(0, end - limit);
        return json(200, { items: all.slice(start, end), ...(start > 0 ? { nextCursor: String(start) } : {}), total: all.length });
      }
      if (p === '/tasks') {
        const who = q.get('agentId') ?? agent;
        const list = state.tasks
          .filter((t) => t.assignee.agentId === who)
          .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
          .map((t) => ({ ...t, customerName: findCustomer(t.customerId)?.name ?? '' }));
        return json(200, list);
      }
      if (p === '/search') return json(200, search(q.get('q') ?? ''));
      return notFound('No such endpoint.');
    }

    // Writes.
    const A = agent ? { type: 'AGENT', id: agent } : { type: 'SYSTEM' };
    const ifMatch = headers['if-match'];
    const stale = (c) => ifMatch !== undefined && ifMatch.replace(/"/g, '') !== String(c.version);
    if ((m = /^\/conversations\/([^/]+)(\/.*)?$/.exec(p))) {
      const c = findConv(decodeURIComponent(m[1]));
      if (!c) return notFound('That conversation no longer exists.');
      const sub = m[2] ?? '';
      const change = { customerId: c.customerId, conversationId: c.id };
      if (method === 'PATCH' && sub === '') {
        if (stale(c)) return json(409, errorBody(409, { attr: 'If-Match' }));
        if (body?.assignee) {
          c.assignee = body.assignee.agentId ? { inboxId: body.assignee.inboxId, agentId: body.assignee.agentId } : { inboxId: body.assignee.inboxId };
          addItem(c.customerId, c.id, A, { type: 'ASSIGNMENT_CHANGE', ...c.assignee });
          if (!c.assignee.agentId) c.status = 'NEW';
          else if (c.status === 'NEW') c.status = 'OPEN';
        }
        if (body?.status?.value) {
          c.status = body.status.value;
          if (c.status === 'CLOSED') c.closedAt = nowIso();
          else delete c.closedAt;
          addItem(c.customerId, c.id, A, { type: 'CONVERSATION_STATUS_CHANGE', status: c.status });
        }
        touch(c);
        emit(change);
        return json(200, withFlat(c), { etag: `"${c.version}"` });
      }
      if (sub === '/topics' && (method === 'PUT' || method === 'POST')) {
        if (method === 'PUT' && stale(c)) return json(409, errorBody(409, { attr: 'If-Match' }));
        const ids = body?.topicIds ?? [];
        const next = method === 'PUT' ? ids : [...new Set([...c.topicIds, ...ids])];
        const added = next.filter((t) => !c.topicIds.includes(t));
        const removed = c.topicIds.filter((t) => !next.includes(t));
        c.topicIds = next;
        addItem(c.customerId, c.id, A, { type: 'TOPIC_CHANGE', added, removed });
        touch(c);
        emit(change);
        return method === 'PUT' ? json(200, withFlat(c)) : json(204, null);
      }
      if ((m = /^\/topics\/([^/]+)$/.exec(sub)) && method === 'DELETE') {
        const id = decodeURIComponent(m[1]);
        c.topicIds = c.topicIds.filter((t) => t !== id);
        addItem(c.customerId, c.id, A, { type: 'TOPIC_CHANGE', added: [], removed: [id] });
        touch(c);
        emit(change);
        return json(204, null);
      }
      if (sub === '/notes' && method === 'POST') {
        const it = addItem(c.customerId, c.id, A, { type: 'CONVERSATION_NOTE', body: String(body?.body ?? '') });
        touch(c);
        emit(change);
        return json(201, it);
      }
      if (sub === '/replies' && method === 'POST') {
        if (stale(c)) return json(409, errorBody(409, { attr: 'If-Match' }));
        const channel = body?.channel ?? 'SMS';
        const type = ITEM_KIND[channel] ?? 'SMS';
        const text = String(body?.body ?? '');
        const content =
          type === 'EMAIL'
            ? { type, subject: body?.subject ?? '', content: text, from: '', to: [], direction: 'OUTBOUND' }
            : type === 'PHONE_CALL'
              ? { type, direction: 'OUTBOUND', durationSecs: 0, summary: text }
              : { type, content: text, direction: 'OUTBOUND' };
        if (c.status === 'NEW' && agent) {
          c.assignee = { inboxId: c.assignee.inboxId, agentId: agent };
          addItem(c.customerId, c.id, A, { type: 'ASSIGNMENT_CHANGE', ...c.assignee });
        }
        addItem(c.customerId, c.id, A, content);
        if (c.status !== 'WAITING') {
          c.status = 'WAITING';
          addItem(c.customerId, c.id, A, { type: 'CONVERSATION_STATUS_CHANGE', status: 'WAITING' });
        }
        delete c.customerWaitingSince;
        if (!c.channels.includes(channel)) c.channels.push(channel);
        touch(c);
        emit(change);
        return json(201, withFlat(c));
      }
    }
    if ((m = /^\/customers\/([^/]+)\/tasks$/.exec(p)) && method === 'POST') {
      const customerId = decodeURIComponent(m[1]);
      if (!findCustomer(customerId)) return notFound('That customer no longer exists.');
      const task = {
        id: newId('ta'),
        customerId,
        body: String(body?.body ?? ''),
        dueAt: body?.dueAt ?? nowIso(),
        assignee: body?.assignee ?? { inboxId: state.inboxes[0]?.id },
        status: 'OPEN',
        createdAt: nowIso(),
        createdBy: agent ?? 'ag1',
        comments: [],
        version: 1,
      };
      state.tasks.push(task);
      addItem(customerId, null, A, { type: 'TASK', taskId: task.id, event: 'CREATED', body: task.body });
      emit({ customerId, taskId: task.id });
      return json(201, task);
    }
    if ((m = /^\/tasks\/([^/]+)(\/comments)?$/.exec(p))) {
      const task = state.tasks.find((t) => t.id === decodeURIComponent(m[1]));
      if (!task) return notFound('That task no longer exists.');
      if (m[2] && method === 'POST') {
        const comment = String(body?.comment ?? '');
        task.comments.push({ id: newId('tc'), agentId: agent ?? body?.agentId ?? 'ag1', body: comment, createdAt: nowIso() });
        task.version += 1;
        addItem(task.customerId, null, A, { type: 'TASK', taskId: task.id, event: 'COMMENTED', body: comment });
        emit({ customerId: task.customerId, taskId: task.id });
        return json(201, task);
      }
      if (!m[2] && method === 'PATCH') {
        task.status = body?.status ?? task.status;
        task.version += 1;
        addItem(task.customerId, null, A, { type: 'TASK', taskId: task.id, event: task.status === 'CLOSED' ? 'CLOSED' : 'REOPENED', body: task.body });
        emit({ customerId: task.customerId, taskId: task.id });
        return json(200, task);
      }
    }
    if (p === '/inbound' && method === 'POST') {
      const customerId = body?.customerId;
      if (!findCustomer(customerId)) return notFound('That customer no longer exists.');
      let c = state.conversations.find((x) => x.customerId === customerId && x.status !== 'CLOSED');
      let routing = 'APPENDED';
      if (!c) {
        c = { id: newId('co'), customerId, status: 'NEW', assignee: { inboxId: state.inboxes[0].id }, topicIds: [], createdAt: nowIso(), updatedAt: nowIso(), version: 0, channels: [], reopenCount: 0 };
        state.conversations.push(c);
        addItem(customerId, c.id, { type: 'CUSTOMER' }, { type: 'CONVERSATION_STATUS_CHANGE', status: 'NEW' });
        routing = 'STARTED';
      }
      const channel = body?.channel ?? 'SMS';
      const type = ITEM_KIND[channel] ?? 'SMS';
      addItem(customerId, c.id, { type: 'CUSTOMER' }, type === 'EMAIL'
        ? { type, subject: body?.subject ?? '', content: String(body?.text ?? ''), direction: 'INBOUND' }
        : { type, content: String(body?.text ?? ''), direction: 'INBOUND' });
      if (!c.channels.includes(channel)) c.channels.push(channel);
      if (c.status === 'WAITING') c.status = 'OPEN';
      c.customerWaitingSince ??= nowIso();
      touch(c);
      emit({ customerId, conversationId: c.id });
      return json(201, { conversationId: c.id, routing });
    }
    return json(405, errorBody(400, { detail: `This mock does not do ${method} ${p}.` }));
  }

  function takeFault(method, pathAndQuery) {
    for (const f of active) {
      const wantMethod = f.fault.method?.toUpperCase();
      if (method === 'OPTIONS' && wantMethod !== 'OPTIONS') continue;
      if (wantMethod && wantMethod !== method) continue;
      if (!f.re.test(pathAndQuery)) continue;
      if (f.remaining !== undefined) {
        f.remaining -= 1;
        if (f.remaining <= 0) active = active.filter((x) => x !== f);
      }
      return f.fault;
    }
    return null;
  }

  function send(res, status, body, headers = {}) {
    if (res.destroyed) return;
    const text = body === null || body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...CORS,
      ...(text ? { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' } : {}),
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(text);
  }

  function openStream(req, res) {
    res.writeHead(200, { ...CORS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.flushHeaders();
    res.write(': hello\n\n');
    const last = Number(req.headers['last-event-id']);
    if (Number.isFinite(last)) {
      for (const e of events) if (e.seq > last) res.write(`id: ${e.seq}\nevent: change\ndata: ${e.data}\n\n`);
    }
    streams.add(res);
    const timer = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    res.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://mock');
    const pathAndQuery = url.pathname + url.search;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const fault = takeFault(req.method, pathAndQuery);
    const entry = { method: req.method, path: pathAndQuery, headers: req.headers, body, fault: fault ? describeFault(fault) : undefined, at: Date.now() };
    requests.push(entry);
    if (fault) injected.push({ method: req.method, path: pathAndQuery, fault: describeFault(fault) });

    if (fault?.delay) await new Promise((r) => setTimeout(r, fault.delay));
    if (fault?.timeout) return; // the socket stays open until close()
    if (fault?.reset) {
      req.socket.destroy();
      return;
    }
    if (req.method === 'OPTIONS' && !fault) {
      res.writeHead(204, CORS);
      return res.end();
    }
    if (!url.pathname.startsWith(API + '/')) return send(res, 404, errorBody(404, { detail: 'Not an API path.' }));
    if (fault?.raw !== undefined) {
      return send(res, fault.status ?? 502, String(fault.raw), { 'content-type': fault.contentType ?? 'text/html; charset=utf-8' });
    }
    if (fault?.malformed) {
      res.writeHead(fault.status ?? 200, { ...CORS, 'content-type': 'application/json' });
      return res.end('{"items": [{"conversation": {"id": "co1", "status": "OP');
    }
    if (fault?.status && fault.body === undefined && !fault.huge) {
      const extra = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      return send(res, fault.status, errorBody(fault.status, fault), extra);
    }
    if (fault?.body !== undefined && typeof fault.body !== 'function') {
      return send(res, fault.status ?? 200, clone(fault.body));
    }
    if (req.method === 'GET' && url.pathname === `${API}/events`) return openStream(req, res);

    let answer;
    try {
      answer = route(req.method, url, req.headers, body);
    } catch (err) {
      answer = json(500, errorBody(500, { detail: `mock error: ${err.message}` }));
    }
    let out = clone(answer.body);
    if (typeof fault?.body === 'function') out = fault.body(out, state);
    if (typeof fault?.huge === 'number') out = padList(out, fault.huge);
    else if (fault?.huge) out = padText(out, fault.huge, fault.word);
    send(res, fault?.status ?? answer.status, out, answer.headers);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, errorBody(500, { detail: `mock error: ${err.message}` }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;

  for (const f of faults) {
    const [re, fault] = Array.isArray(f) ? f : [f.path, f];
    active.push({ re: toRegex(re), fault, remaining: fault.times });
  }

  return {
    url,
    state,
    requests,
    injected,
    emit,
    emitRaw,
    /** Changes the state as another agent would, without telling the app (no event). */
    mutate(fn) {
      fn(state);
    },
    setFault(pathRegex, fault) {
      active.push({ re: toRegex(pathRegex), fault, remaining: fault.times });
    },
    clearFaults() {
      active = [];
    },
    /** Requests whose path matches `re` (and method, if given). */
    seen(re, method) {
      const r = toRegex(re);
      return requests.filter((x) => r.test(x.path) && (!method || x.method === method));
    },
    close() {
      for (const res of streams) res.destroy();
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const IDS_MAX = 200;

/** A comma-separated query parameter, split before percent-decoding so `%2C` stays inside an item. */
function rawList(search, name) {
  const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
  const out = [];
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const eq = pair.indexOf('=');
    if (decode(eq < 0 ? pair : pair.slice(0, eq)) !== name) continue;
    for (const item of (eq < 0 ? '' : pair.slice(eq + 1)).split(',')) if (item) out.push(decode(item));
  }
  return out;
}

function toRegex(re) {
  return re instanceof RegExp ? re : new RegExp(String(re));
}

/** A short name for a fault, for logs and summary tables. */
export function describeFault(f) {
  if (f.timeout) return 'timeout';
  if (f.reset) return 'connection reset';
  if (f.malformed) return 'malformed JSON';
  if (f.raw !== undefined) return `${f.status ?? 502} (non-JSON body)`;
  if (f.huge !== undefined) return `huge (${f.huge})`;
  if (f.body !== undefined) return f.label ?? 'replaced body';
  if (f.status === 429) return `429 Retry-After: ${f.retryAfter ?? '-'}`;
  if (f.status) return String(f.status);
  if (f.delay) return `delay ${f.delay} ms`;
  return 'fault';
}

// Standalone: `node e2e/mock-server.mjs` serves the base fixture (PORT is ignored; a free port).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const mock = await startMock();
  console.log(`mock Rapport API on ${mock.url}  (Ctrl-C to stop)`);
  process.on('SIGINT', () => mock.close().then(() => process.exit(0)));
}
