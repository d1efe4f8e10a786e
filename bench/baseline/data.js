// The baseline's data: the same size and shape as the Rapport demo seed (crates/core/src/seed.rs),
// generated in the page with a seeded PRNG, like the demo backend generates its store in wasm.
// Not the same bytes: equal counts and shapes (customers with 1–6 conversations, about a third of
// them with a current one, ~9–13 timeline items per conversation, the same scripts, names, agents,
// inboxes and topics, one "Morgan Longhistory" with at least `heavy` items) are what matter.

export const AGENTS = [
  ['ag1', 'Ava Thompson'], ['ag2', 'Noah Patel'], ['ag3', 'Mia Rossi'], ['ag4', "Liam O'Brien"],
  ['ag5', 'Zoe Nakamura'], ['ag6', 'Ethan Brooks'], ['ag7', 'Sofia García'], ['ag8', 'Lucas Meyer'],
  ['ag9', 'Amara Okafor'], ['ag10', 'Jonas Lindqvist'],
].map(([id, name]) => ({ id, name }));

export const INBOXES = [
  { id: 'support', name: 'General Support', agents: ['ag1', 'ag2', 'ag3', 'ag4', 'ag5', 'ag7'], topicsRequired: true },
  { id: 'email', name: 'Email Care', agents: ['ag1', 'ag3', 'ag6', 'ag8'], topicsRequired: false },
  { id: 'voice', name: 'Phone Team', agents: ['ag2', 'ag5', 'ag9', 'ag10'], topicsRequired: true },
  { id: 'billing', name: 'Billing', agents: ['ag1', 'ag6', 'ag7', 'ag9'], topicsRequired: true },
];

const TOPIC_TREE = [
  ['Orders', ['Where is my order', 'Change order', 'Cancel order']],
  ['Shipping', ['Delayed delivery', 'Damaged item', 'Wrong address']],
  ['Returns & refunds', ['Return request', 'Refund status']],
  ['Billing', ['Double charge', 'Invoice copy', 'Payment failed']],
  ['Account', ['Password reset', 'Update details']],
  ['Product question', []],
  ['Feedback', ['Compliment', 'Complaint']],
];
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
export const TOPICS = [];
for (const [parent, children] of TOPIC_TREE) {
  TOPICS.push({ id: slug(parent), name: parent, parent: null });
  for (const c of children) TOPICS.push({ id: slug(c), name: c, parent: slug(parent) });
}

// Channel: [key for the css class, label, data-kind of its messages, can reply, inbox]
export const CHANNELS = {
  Chat: ['chat', 'Chat', 'CHAT_MESSAGE', true, 'support'],
  Email: ['email', 'Email', 'EMAIL', true, 'email'],
  Sms: ['sms', 'SMS', 'SMS', true, 'support'],
  Phone: ['phone', 'Voice', 'PHONE_CALL', true, 'voice'],
  Voicemail: ['voicemail', 'Voicemail', 'VOICEMAIL', false, 'voice'],
  Whatsapp: ['whatsapp', 'WhatsApp', 'WHATSAPP', true, 'support'],
  FacebookMessenger: ['facebookmessenger', 'Messenger', 'FACEBOOK_MESSAGE', true, 'support'],
  InstagramDirect: ['instagramdirect', 'Instagram', 'INSTAGRAM_DIRECT', true, 'support'],
};

const S = (topic, subject, opener, reply, follow_up, wrap_up) => ({ topic, subject, opener, reply, follow_up, wrap_up });
const SCRIPTS = [
  S('where-is-my-order', 'Where is my order {order}?', "Hi, I ordered a rain jacket last week ({order}) and the tracking hasn't moved in four days. Any idea where it is?", 'Hi {first}, I checked with the carrier: {order} is at their regional hub and should arrive by Thursday.', "Thanks! Will I get a text when it's out for delivery?", 'Yes, the carrier texts you on the morning of delivery. Enjoy the jacket!'),
  S('change-order', 'Change size on {order}', 'Can I still change the size on {order}? I picked M but need L.', "Hi {first}, it hasn't shipped yet, so I've switched it to L for you.", 'Perfect, thank you so much.', "You're welcome! The updated confirmation is in your inbox."),
  S('cancel-order', 'Cancel {order}', 'Please cancel {order}, I found the boots locally.', "Done, {first}: {order} is cancelled and you won't be charged.", 'Great, appreciate the quick help.', 'Anytime. Have a good week!'),
  S('delayed-delivery', 'Delivery is late', "My delivery was supposed to come yesterday and nothing arrived. It's a birthday gift!", "I'm sorry, {first}. The carrier reports a one-day delay; I've upgraded the shipping so it arrives tomorrow morning.", 'It just arrived, thank you!', 'Wonderful, happy birthday to the lucky one!'),
  S('damaged-item', 'Tent arrived damaged', 'The tent I received has a torn rain fly. Photos attached. What can I do?', "That's not the quality we promise, {first}. A replacement ships today and you can keep the damaged one.", "Oh wow, that's generous. Thanks.", 'Our pleasure. Let me know when the new one lands.'),
  S('wrong-address', 'Wrong shipping address', 'I just noticed {order} is going to my old address!', "Good catch, {first}. I've updated the address with the carrier before it left the depot.", 'Phew. Thank you!', "All set; you'll get a new tracking email shortly."),
  S('return-request', 'Return for {order}', "I'd like to return the hiking boots from {order}, they're too narrow.", "Of course, {first}. I've emailed you a prepaid return label; drop it at any post office.", 'Got the label, sending them tomorrow.', "Great, the refund goes out as soon as they're scanned."),
  S('refund-status', 'Refund not received', "I returned my order two weeks ago and haven't seen the refund yet.", 'Hi {first}, the refund was issued on Monday; banks take 3–5 business days to show it.', 'I see it now, thanks.', 'Glad it arrived. Thanks for your patience!'),
  S('double-charge', 'Charged twice', 'I was charged twice for {order}. Can you fix this?', "I'm sorry about that, {first}. The second charge was a pre-authorisation; I've voided it so it drops off within two days.", "OK, I'll keep an eye on it.", "Please write back here if it's still there on Friday."),
  S('invoice-copy', 'Invoice for {order}', 'Could you send me an invoice for {order}? I need it for expenses.', 'Sure, {first}, the invoice is attached to this message.', 'Received, thanks.', "You're welcome!"),
  S('payment-failed', 'Payment keeps failing', 'My card keeps getting declined at checkout even though it works elsewhere.', 'Hi {first}, our payment provider flagged a postcode mismatch. Could you check the billing address on file?', 'That was it, it went through now.', 'Great! Your order is confirmed.'),
  S('password-reset', "Can't log in", "I can't log in to my account, the reset email never arrives.", "I've sent a fresh reset link, {first}; please also check your spam folder.", "Found it in spam. I'm in, thanks!", "Glad you're back in."),
  S('update-details', 'New phone number', 'I have a new phone number, can you update my account?', 'Updated, {first}. Texts will go to the new number from now on.', 'Thanks a lot.', 'Anytime!'),
  S('product-question', 'Sleeping bag temperature rating', 'Is the Alpine 600 sleeping bag warm enough for -10°C?', "Hi {first}, its comfort rating is -7°C and its limit -14°C; for -10°C I'd add a liner.", "Makes sense, I'll order both.", 'Great choice. Happy camping!'),
  S('compliment', 'Great service', 'Just wanted to say your team was super helpful last week. Thank you!', "That's lovely to hear, {first}. I'll pass it on to the team.", 'Please do!', 'Done. Thanks for being a customer.'),
  S('complaint', 'Disappointed with delivery', "Third late delivery this year. I'm honestly considering shopping elsewhere.", "I understand, {first}, and I'm sorry. I've added free express shipping to your account for a year.", 'Alright, that helps. Thanks for listening.', 'Thank you for giving us another chance.'),
];

const FIRST = ['Olivia', 'James', 'Emma', 'Mateo', 'Charlotte', 'Benjamin', 'Amelia', 'Elijah', 'Harper', 'Lucas', 'Evelyn', 'Henry', 'Aria', 'Alexander', 'Chloe', 'Daniel', 'Priya', 'Omar', 'Hana', 'Diego', 'Fatima', 'Kenji', 'Ingrid', 'Tomás', 'Leila', 'Samuel', 'Grace', 'Ravi', 'Nora', 'Felix', 'Yara', 'Owen', 'Elena', 'Isaac', 'Maya', 'Theo'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Martin', 'Lee', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Lopez', 'Hill', 'Green', 'Adams', 'Baker', 'Nelson', 'Carter', 'Mitchell', 'Perez', 'Roberts', 'Turner', 'Phillips', 'Chen', 'Singh', 'Kowalski', 'Haddad'];
const CITIES = ['Portland, OR', 'Denver, CO', 'Austin, TX', 'Madison, WI', 'Burlington, VT', 'Boise, ID', 'Asheville, NC', 'Santa Fe, NM', 'Bend, OR', 'Duluth, MN'];
const ACTIVITIES = [
  ['Order {order} placed', '3 items · web store'],
  ['Order {order} shipped', 'Carrier: UPS Ground'],
  ['Left a 5-star review', "“Best rain jacket I've owned.”"],
  ['Joined the loyalty programme', 'Welcome bonus: 500 points'],
];
const NOTE = 'Customer was happy with the outcome. Flagged for the monthly quality review.';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** mulberry32: small, fast, deterministic. */
function prng(seed) {
  let a = seed >>> 0;
  const f = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  f.int = (lo, hi) => lo + Math.floor(f() * (hi - lo + 1)); // inclusive
  f.pick = (list) => list[Math.floor(f() * list.length)];
  return f;
}

/**
 * Conversations: { id, customer, status, inbox, agent, channels, topics, createdAt, closedAt,
 * lastActivityAt, waitingSince, reopenCount, version, preview }. Customers: { id, name, first,
 * emails, phones, handles, address, attrs, since, items, convs, tasks }. Items: { id, ts, conv,
 * kind, who ('customer' | agent id | 'system'), text, channel, outbound, subject, status, ... }.
 */
export function generate({ conversations = 1000, heavy = 0, now = Date.now(), seed = 2026 } = {}) {
  const rng = prng(seed);
  const data = { now, customers: [], conversations: [], tasks: [], customerById: new Map(), convById: new Map() };
  let itemSeq = 0;
  const agentName = (id) => AGENTS.find((a) => a.id === id)?.name ?? id;
  const inboxName = (id) => INBOXES.find((i) => i.id === id)?.name ?? id;

  const addItem = (cust, conv, ts, kind, fields) => {
    const item = { id: `it${(itemSeq++).toString(16)}`, ts, conv: conv ? conv.id : null, kind, ...fields };
    cust.items.push(item);
    if (conv) {
      conv.lastActivityAt = ts;
      conv.version++;
      if (fields.channel && !conv.channels.includes(fields.channel)) conv.channels.push(fields.channel);
      if (fields.text && (fields.channel || kind === 'CONVERSATION_NOTE')) conv.preview = fields.text;
    }
    return item;
  };
  const setStatus = (cust, conv, ts, status, who) => {
    conv.status = status;
    if (status === 'Closed') {
      conv.closedAt = ts;
      conv.waitingSince = null;
    }
    addItem(cust, conv, ts, 'CONVERSATION_STATUS_CHANGE', { status, who });
  };
  const inbound = (cust, conv, ts, channel, text, subject) => {
    if (conv.status === 'Closed') {
      conv.reopenCount++;
      setStatus(cust, conv, ts, 'Open', 'customer');
    } else if (conv.status === 'Waiting') {
      setStatus(cust, conv, ts, 'Open', 'customer');
    }
    if (conv.waitingSince == null) conv.waitingSince = ts;
    addItem(cust, conv, ts, CHANNELS[channel][2], { who: 'customer', channel, outbound: false, text, subject });
  };
  const reply = (cust, conv, ts, agent, channel, text, subject) => {
    conv.waitingSince = null;
    addItem(cust, conv, ts, CHANNELS[channel][2], { who: agent, channel, outbound: true, text, subject });
    if (conv.status !== 'Waiting') setStatus(cust, conv, ts, 'Waiting', agent);
  };

  const newConversation = (cust, channel, ts, subject, text) => {
    const inbox = CHANNELS[channel][4];
    const conv = {
      id: `co${data.conversations.length.toString(16)}`, customer: cust.id, status: 'New', inbox, agent: null,
      channels: [], topics: [], createdAt: ts, closedAt: null, lastActivityAt: ts, waitingSince: null,
      reopenCount: 0, version: 0, preview: '',
    };
    data.conversations.push(conv);
    data.convById.set(conv.id, conv);
    cust.convs.push(conv);
    addItem(cust, conv, ts, 'ASSIGNMENT_CHANGE', { who: 'system', inbox, agent: null, text: `Assigned to ${inboxName(inbox)}, unassigned` });
    addItem(cust, conv, ts, 'CONVERSATION_STATUS_CHANGE', { status: 'New', who: 'system' });
    conv.waitingSince = ts;
    addItem(cust, conv, ts, CHANNELS[channel][2], { who: 'customer', channel, outbound: false, text, subject });
    return conv;
  };

  // One conversation from first contact; `finish` closes it, else it stops New, Open or Waiting.
  const play = (cust, channel, start, finish) => {
    const script = rng.pick(SCRIPTS);
    const order = `#${rng.int(10000, 99998)}`;
    const fill = (s) => s.replaceAll('{order}', order).replaceAll('{first}', cust.first);
    const subject = channel === 'Email' ? fill(script.subject) : null;
    let at = Math.min(start, now);
    const conv = newConversation(cust, channel, at, subject, fill(script.opener));
    const stage = finish ? 3 : rng.int(0, 2);
    if (stage === 0) return conv;
    const agents = INBOXES.find((i) => i.id === conv.inbox).agents;
    const agent = rng.pick(agents);
    at = Math.min(now, at + rng.int(1, finish ? 240 : 20) * MIN);
    conv.agent = agent;
    addItem(cust, conv, at, 'ASSIGNMENT_CHANGE', { who: 'system', inbox: conv.inbox, agent, text: `Assigned to ${agentName(agent)} (${inboxName(conv.inbox)})` });
    setStatus(cust, conv, at, 'Open', 'system');
    const replyable = cust.channels.filter((c) => CHANNELS[c][3]);
    const replyCh = !CHANNELS[channel][3] || rng() < 0.25 ? rng.pick(replyable) : channel;
    at = Math.min(now, at + rng.int(1, 30) * MIN);
    const reSubject = replyCh === 'Email' ? `Re: ${fill(script.subject)}` : null;
    reply(cust, conv, at, agent, replyCh, fill(script.reply), reSubject);
    if (stage === 1) {
      at = Math.min(now, at + rng.int(1, 90) * MIN);
      inbound(cust, conv, at, replyCh, fill(script.follow_up), null);
      return conv;
    }
    if (stage === 2) return conv;
    at = Math.min(now, at + rng.int(20, 1200) * MIN);
    inbound(cust, conv, at, replyCh, fill(script.follow_up), null);
    at = Math.min(now, at + rng.int(1, 60) * MIN);
    reply(cust, conv, at, agent, replyCh, fill(script.wrap_up), reSubject);
    if (rng() < 0.2) {
      at = Math.min(now, at + rng.int(1, 5) * MIN);
      addItem(cust, conv, at, 'CONVERSATION_NOTE', { who: agent, text: NOTE });
    }
    const topics = [script.topic];
    if (rng() < 0.2) topics.push('complaint');
    at = Math.min(now, at + rng.int(1, 10) * MIN);
    conv.topics = topics;
    addItem(cust, conv, at, 'TOPIC_CHANGE', { who: agent, added: topics, removed: [] });
    at = Math.min(now, at + rng.int(1, 10) * MIN);
    setStatus(cust, conv, at, 'Closed', agent);
    if (rng() < 0.15) {
      at = Math.min(now, at + rng.int(60, 600) * MIN);
      inbound(cust, conv, at, replyCh, 'Sorry, one more question: can I use the same return label for a second item?', null);
      at = Math.min(now, at + rng.int(2, 40) * MIN);
      reply(cust, conv, at, agent, replyCh, 'Yes, as long as both fit in one box.', null);
      at = Math.min(now, at + rng.int(1, 10) * MIN);
      setStatus(cust, conv, at, 'Closed', agent);
    }
    return conv;
  };

  const newCustomer = (first, last, index, since, extra = {}) => {
    const cust = {
      id: `cu${(data.customers.length + 1).toString(16)}`, name: `${first} ${last}`, first,
      emails: [`${first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${last.toLowerCase().replace(/[^a-z]/g, '')}${index}@${rng.pick(['example.com', 'mail.example', 'inbox.example'])}`],
      phones: [`+1 (555) ${String(rng.int(100, 999)).padStart(3, '0')}-${String(index % 10000).padStart(4, '0')}`],
      handles: [], address: `${rng.int(10, 998)} ${rng.pick(['Maple', 'Cedar', 'Pine', 'Oak', 'Birch'])} St, ${rng.pick(CITIES)}`,
      attrs: [['Lifetime value', `$${rng.int(40, 3999)}`], ['Plan', rng.pick(['Basic', 'Silver', 'Gold'])]],
      since, items: [], convs: [], tasks: [], ...extra,
    };
    data.customers.push(cust);
    data.customerById.set(cust.id, cust);
    return cust;
  };

  let made = 0;
  let index = 0;
  while (made < conversations) {
    const wanted = Math.min(rng.int(1, 6), conversations - made);
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const years = rng.int(1, 4);
    const since = now - years * 365 * DAY - rng.int(0, 60 * 24 * 60) * MIN;
    const cust = newCustomer(first, last, index, since);
    for (const ch of ['Chat', 'Whatsapp', 'FacebookMessenger', 'InstagramDirect']) {
      if (rng() < 0.4) cust.handles.push({ channel: ch, value: `${first.toLowerCase()}.${last.toLowerCase()}${index}` });
    }
    cust.channels = ['Email', 'Sms', 'Phone', 'Whatsapp', ...cust.handles.map((h) => h.channel).filter((c) => c !== 'Whatsapp'), 'Voicemail'];
    const current = rng() < 0.35;
    const past = current ? wanted - 1 : wanted;
    const span = now - 4 * DAY - since;
    const step = span / (past + 1);
    let at = since;
    for (let k = 0; k < past; k++) {
      at += Math.max(step, 6 * DAY) - rng.int(0, 60 * 24 * 3) * MIN;
      play(cust, rng.pick(cust.channels), Math.min(at, now - 4 * DAY), true);
    }
    if (current) play(cust, rng.pick(cust.channels), now - rng.int(5, 60 * 24 * 3) * MIN, false);
    if (rng() < 0.3) {
      const [title, body] = rng.pick(ACTIVITIES);
      const ts = now - rng.int(60, 60 * 24 * 20) * MIN;
      addItem(cust, null, ts, 'CUSTOMER_ACTIVITY', { who: 'system', title: title.replace('{order}', `#${rng.int(10000, 99998)}`), body });
      cust.items.sort((a, b) => a.ts - b.ts);
    }
    if (rng() < 0.12) {
      const inbox = rng.pick(INBOXES);
      const task = { id: `ta${data.tasks.length}`, customer: cust.id, body: `Call ${first} back about the replacement order`, due: now + rng.int(-30, 72) * 3600_000, owner: rng.pick(inbox.agents), inbox: inbox.id, open: true };
      data.tasks.push(task);
      cust.tasks.push(task);
    }
    made += wanted;
    index++;
  }

  if (heavy > 0) {
    const gap = 4 * DAY;
    const convCount = Math.floor(heavy / 9) + 1;
    const start = now - gap * (convCount + 2);
    const cust = newCustomer('Morgan', 'Longhistory', 0, start, {
      emails: ['morgan.longhistory@example.com'], phones: ['+1 (555) 010-4242'],
      handles: ['Chat', 'Whatsapp', 'FacebookMessenger'].map((channel) => ({ channel, value: 'morgan.longhistory' })),
      address: '1 Archive Way, Portland, OR', attrs: [['Plan', 'Gold']],
    });
    cust.channels = ['Email', 'Sms', 'Phone', 'Whatsapp', 'Chat', 'FacebookMessenger'];
    let at = start;
    while (cust.items.length < heavy && at < now - gap) {
      at += gap;
      play(cust, rng.pick(cust.channels), at, true);
    }
    data.heavyCustomer = cust.id;
  }

  // Earliest open task due per customer, for the list's "Task due" reason.
  for (const t of data.tasks) {
    const c = data.customerById.get(t.customer);
    if (t.open && (c.nextTaskDue == null || t.due < c.nextTaskDue)) c.nextTaskDue = t.due;
  }
  data.agentName = agentName;
  data.inboxName = inboxName;
  return data;
}
