// In-browser verification of the public ledger page (no server trust): recomputes each entry's
// RFC 6962 leaf hash from its RFC 8785 canonical JSON, checks its inclusion proof against the
// signed checkpoint's root, and checks the checkpoint's Ed25519 signature with the published key.
// Format-3 entries: each personal field's commitment SHA-256(salt || UTF-8 value) is opened with the
// served value and salt, or the field is reported redacted (with its reason). A redacted format-1/2
// entry cannot be recomputed (its leaf hashed the removed value): its served leaf hash is used and
// the entry is reported as "redacted, unverifiable". Mirrors libs/transparency/src/domain/public-entry.ts.
// "Verify from the tiles" (a button the script shows; the page works without it): the same entries
// checked against the campaign's C2SP tlog-tiles alone, with no proof API: the checkpoint text, the
// root recomputed from the partial tiles, and each entry's leaf found in its level-0 tile and proven
// by an inclusion proof computed from the tiles. Mirrors libs/transparency/src/domain/tiles.ts.
// Designated funds: when the page shows a payout, the log up to it is replayed (replayDesignations):
// each payout's drawn-from list adds up per part and is first in, first out within its designation,
// never from what a refund or dispute took from a gift; no designation goes below zero.
// Loaded as a module (the CSP forbids inline scripts); data comes from #verification's attributes.

const LEAF_FIELDS = ['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donor', 'donorCommitment', 'message', 'purpose', 'balance'];
/** Leaf format 2 (a `terms_changed` entry before format 3): format 1 plus the committed `terms`. */
const LEAF_FIELDS_V2 = [...LEAF_FIELDS, 'terms'];
/** Leaf format 3 (every entry since): personal fields replaced by their commitments; `terms` on a terms_changed entry. */
const LEAF_FIELDS_V3 = ['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donorHash', 'donorCommitment', 'messageHash', 'purpose', 'balance'];
/** The personal fields: value, its commitment in the leaf, its salt (PERSONAL_FIELDS). */
const PERSONAL_FIELDS = [
  { field: 'donor', hash: 'donorHash', salt: 'donorSalt' },
  { field: 'message', hash: 'messageHash', salt: 'messageSalt' },
];
const ANONYMOUS = 'Anonymous';
const REASONS = ['erased', 'hidden'];
const HEX64 = /^[0-9a-f]{64}$/;

function leafFieldsOf(entry) {
  // Format 4 (designated funds): format 3 plus the designation, plus the gifts drawn from on a payout.
  if (entry.v === 4) return entry.kind === 'payout' ? [...LEAF_FIELDS_V3, 'designation', 'draws'] : [...LEAF_FIELDS_V3, 'designation'];
  // Format 5 (a payout split across designations, or its reversal): format 3 plus its parts.
  if (entry.v === 5) return [...LEAF_FIELDS_V3, 'parts'];
  if (entry.v === 2) return LEAF_FIELDS_V2;
  if (entry.v === 3) return entry.kind === 'terms_changed' ? [...LEAF_FIELDS_V3, 'terms'] : LEAF_FIELDS_V3;
  return LEAF_FIELDS;
}

/** RFC 8785 canonical JSON (the same rules as libs/transparency/src/domain/canonical-json.ts). */
export function canonicalJson(value) {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

const encoder = new TextEncoder();
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function leafHashOf(entry) {
  const leaf = {};
  for (const f of leafFieldsOf(entry)) leaf[f] = entry[f] === undefined ? null : entry[f];
  return sha256(concat(new Uint8Array([0]), encoder.encode(canonicalJson(leaf))));
}

const fromHex = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));
const isPersonal = (field, value) => typeof value === 'string' && value.length > 0 && !(field === 'donor' && value === ANONYMOUS);

/**
 * The personal fields of a served entry (checkPersonalFields in the domain): returns
 * { redacted: [{ field, reason, note }], unverifiable } or throws naming the entry when a value,
 * salt, commitment or redaction record was tampered with.
 */
export async function checkPersonalFields(entry) {
  const redacted = [];
  let unverifiable = false;
  const tampered = (field, problem) => new Error(`entry ${entry.index} was tampered with: ${field}: ${problem}`);
  for (const { field, hash: hashKey, salt: saltKey } of PERSONAL_FIELDS) {
    const value = entry[field] ?? null;
    const record = entry.redacted ? entry.redacted[field] ?? null : null;
    if (record !== null && (typeof record !== 'object' || !REASONS.includes(record.reason))) throw tampered(field, 'the redaction record is malformed');
    if (value !== null && typeof value !== 'string') throw tampered(field, 'the value is not text');
    if (entry.v !== 3 && entry.v !== 4 && entry.v !== 5) {
      if (record === null) continue;
      if (value !== null) throw tampered(field, 'a value was put back into a redacted field');
      unverifiable = true;
      redacted.push({ field, reason: record.reason, note: record.note ?? null });
      continue;
    }
    const hash = entry[hashKey] ?? null;
    const salt = entry[saltKey] ?? null;
    if (hash !== null && (typeof hash !== 'string' || !HEX64.test(hash))) throw tampered(field, 'the commitment is malformed');
    if (hash === null) {
      if (salt !== null || record !== null || isPersonal(field, value)) throw tampered(field, 'a value, salt or redaction the leaf does not commit to');
      continue;
    }
    if (record !== null) {
      if (value !== null || salt !== null) throw tampered(field, 'a value or salt was put back into a redacted field');
      redacted.push({ field, reason: record.reason, note: record.note ?? null });
      continue;
    }
    if (value === null || typeof salt !== 'string' || !HEX64.test(salt)) throw tampered(field, 'the value or its salt is missing, with no redaction record');
    if (toHex(await sha256(concat(fromHex(salt), encoder.encode(value)))) !== hash) throw tampered(field, 'the value and salt do not open the commitment');
  }
  return { redacted, unverifiable };
}

// ---- Designated funds (mirrors DesignationReplay, libs/transparency/src/domain/designations.ts) ----

const isDrawList = (v) => Array.isArray(v) && v.every((d, i) => d && typeof d === 'object' && Object.keys(d).sort().join(',') === 'amount,index'
  && Number.isSafeInteger(d.index) && (i === 0 || d.index > v[i - 1].index) && typeof d.amount === 'string' && /^[1-9]\d{0,17}$/.test(d.amount));
const isPartList = (v, withDraws) => Array.isArray(v) && v.length > 0 && v.length <= 21 && v.every((p, i) => p && typeof p === 'object'
  && Object.keys(p).sort().join(',') === (withDraws ? 'amount,designation,draws' : 'amount,designation')
  && typeof p.designation === 'string' && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(p.designation) && (i === 0 || p.designation > v[i - 1].designation)
  && typeof p.amount === 'string' && /^[1-9]\d{0,17}$/.test(p.amount)
  && (!withDraws || (isDrawList(p.draws) && p.draws.reduce((s, d) => s + BigInt(d.amount), 0n) === BigInt(p.amount))));
const GIFT_REFERENCE = { refund: /^refund of entry (0|[1-9]\d{0,14}): ([1-9]\d{0,17})$/, dispute: /^dispute of entry (0|[1-9]\d{0,14})$/, dispute_reversal: /^dispute reversal of entry (0|[1-9]\d{0,14})$/ };

/**
 * Replays a campaign's entries from index 0, in order: every payout's draws (each part's, when
 * split) must add up and be exactly what first in, first out within its designation gives, never
 * drawing what refunds and disputes took from a gift (their purpose names it); no designation may
 * go below zero. Returns the problems found (empty: consistent).
 */
export function replayDesignations(entries) {
  const pools = new Map();
  const pool = (d) => {
    if (!pools.has(d)) pools.set(d, { gifts: [], byIndex: new Map(), draws: [], funds: 0n });
    return pools.get(d);
  };
  const free = (g) => { const left = g.amount - g.reduced - g.drawn; return left > 0n ? left : 0n; };
  const plan = (p, amount) => {
    const out = [];
    let left = amount;
    for (const g of p.gifts) {
      if (left <= 0n) break;
      const take = free(g) < left ? free(g) : left;
      if (take > 0n) { out.push({ index: g.index, amount: take.toString() }); left -= take; }
    }
    return left > 0n ? null : out;
  };
  const problems = [];
  const take = (p, designation, entry, amount, draws, what) => {
    if (!isDrawList(draws)) return problems.push(`entry ${entry.index} ${what} has a malformed draws list`);
    const sum = draws.reduce((s, d) => s + BigInt(d.amount), 0n);
    if (sum !== amount) return problems.push(`entry ${entry.index} ${what} draws ${sum} from its gifts but pays out ${amount}`);
    const expected = plan(p, amount);
    if (expected === null || JSON.stringify(expected) !== JSON.stringify(draws)) {
      return problems.push(`entry ${entry.index} ${what} does not draw first in, first out within ${designation}`);
    }
    for (const d of draws) {
      const g = p.byIndex.get(d.index);
      g.drawn += BigInt(d.amount);
      p.draws.push({ g, amount: BigInt(d.amount) });
    }
  };
  const giveBack = (p, amount) => {
    let left = amount;
    while (left > 0n && p.draws.length > 0) {
      const last = p.draws[p.draws.length - 1];
      const back = last.amount < left ? last.amount : left;
      last.g.drawn -= back; last.amount -= back; left -= back;
      if (last.amount === 0n) p.draws.pop();
    }
  };
  for (const e of entries) {
    if (['offline_gift', 'offline_gift_void', 'terms_changed', 'evidence'].includes(e.kind)) continue;
    const amount = BigInt(e.amount);
    if (e.v === 5) {
      const payout = e.kind === 'payout';
      if ((!payout && e.kind !== 'payout_reversal') || !isPartList(e.parts, payout)) { problems.push(`entry ${e.index} has malformed parts`); continue; }
      const total = e.parts.reduce((s, x) => s + BigInt(x.amount), 0n);
      if (total !== (payout ? -amount : amount)) { problems.push(`entry ${e.index} has parts adding up to ${total}`); continue; }
      for (const part of e.parts) {
        const p = pool(part.designation);
        const share = BigInt(part.amount);
        if (payout) {
          p.funds -= share;
          if (p.funds < 0n) problems.push(`entry ${e.index} pays out ${share} from ${part.designation}, beyond its funds`);
          take(p, part.designation, e, share, part.draws, `(payout, part ${part.designation})`);
        } else {
          p.funds += share;
          giveBack(p, share);
        }
      }
      continue;
    }
    const designation = e.v === 4 && typeof e.designation === 'string' ? e.designation : 'general';
    const p = pool(designation);
    p.funds += amount;
    if (e.kind === 'donation') {
      const g = { index: e.index, amount, drawn: 0n, reduced: 0n };
      p.gifts.push(g);
      p.byIndex.set(e.index, g);
    } else if (e.kind === 'payout') {
      if (p.funds < 0n) problems.push(`entry ${e.index} pays out ${-amount} from ${designation}, beyond its funds`);
      if (e.v === 4) take(p, designation, e, -amount, e.draws, '(payout)');
    } else if (e.kind === 'payout_reversal') {
      giveBack(p, amount);
    } else if (GIFT_REFERENCE[e.kind] && e.purpose !== null && e.purpose !== undefined) {
      const m = GIFT_REFERENCE[e.kind].exec(e.purpose);
      const g = m ? p.byIndex.get(Number(m[1])) : undefined;
      if (!m || !g || g.index >= e.index) { problems.push(`entry ${e.index} (${e.kind}) does not name an earlier gift of ${designation}`); continue; }
      const magnitude = amount < 0n ? -amount : amount;
      if (e.kind === 'refund') {
        if (BigInt(m[2]) < magnitude) { problems.push(`entry ${e.index} (refund) takes more than it says was refunded`); continue; }
        g.reduced += BigInt(m[2]);
      } else if (e.kind === 'dispute') g.reduced += magnitude;
      else g.reduced -= magnitude;
      if (g.reduced < 0n || g.reduced > g.amount) problems.push(`entry ${e.index} (${e.kind}) takes entry ${g.index} beyond its amount`);
    }
  }
  return problems;
}

/**
 * When the page shows a designated payout (format 4 or 5), reads the log from its start up to the
 * last such payout and replays it (`replayDesignations`). The earlier entries are checked here only
 * for their draws; the CLI verifier checks every entry of the log against the signed root.
 */
async function checkDesignatedPayouts(api, page) {
  const last = page.entries.filter((e) => e.kind === 'payout' && (e.v === 4 || e.v === 5)).reduce((m, e) => Math.max(m, e.index), -1);
  if (last < 0) return 0;
  const log = [];
  let cursor = null;
  while (log.length <= last) {
    const chunk = await getJson(`${api}/ledger?order=asc&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!Array.isArray(chunk.entries) || chunk.entries.length === 0) break;
    log.push(...chunk.entries);
    cursor = chunk.page?.next ?? null;
    if (!cursor) break;
  }
  const prefix = log.slice(0, last + 1);
  if (prefix.length !== last + 1 || prefix.some((e, i) => e.index !== i)) throw new Error('the ledger did not serve every entry up to its last payout');
  // The replayed fields must be the ones each served leaf hash commits to (a redacted format-1/2 entry
  // cannot be recomputed: its kind and amount are what the replay reads), and the page's entries,
  // proven to the signed root above, must be the log's.
  for (const e of prefix) {
    if (!(e.redacted && e.v !== 3 && e.v !== 4 && e.v !== 5) && toHex(await leafHashOf(e)) !== e.leafHash) throw new Error(`entry ${e.index} does not match its leaf hash`);
  }
  for (const e of page.entries) {
    if (e.index <= last && prefix[e.index].leafHash !== e.leafHash) throw new Error(`entry ${e.index} differs between the page and the log`);
  }
  const problems = replayDesignations(prefix);
  if (problems.length > 0) throw new Error(problems[0]);
  return prefix.filter((e) => e.kind === 'payout').length;
}

const nodeHash = (left, right) => sha256(concat(new Uint8Array([1]), left, right));

/** RFC 9162 section 2.1.3.2. */
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** Parses a signed-note checkpoint and checks its Ed25519 signature; returns { origin, size, root, signatureChecked }. */
export async function verifyCheckpoint(note, key) {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('the checkpoint has no signature');
  const body = note.slice(0, split + 1);
  const [origin, sizeText, rootText, extra] = body.split('\n');
  if (extra !== '' || !/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error('the checkpoint is malformed');
  const root = fromBase64(rootText);
  const lines = note.slice(split + 2).split('\n').filter(Boolean);
  const line = lines.find((l) => l.startsWith(`\u2014 ${key.keyName} `));
  if (!line) throw new Error('the checkpoint is not signed by the published key');
  const blob = fromBase64(line.split(' ')[2]);
  const publicKey = fromBase64(key.publicKey);
  const hash = (await sha256(concat(encoder.encode(key.keyName), new Uint8Array([0x0a, 0x01]), publicKey))).slice(0, 4);
  if (!equal(blob.slice(0, 4), hash)) throw new Error('the checkpoint signature names another key');
  let signatureChecked = false;
  try {
    const cryptoKey = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    signatureChecked = true;
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, cryptoKey, blob.slice(4), encoder.encode(body)))) {
      throw new Error('the checkpoint signature is invalid');
    }
  } catch (error) {
    if (signatureChecked) throw error;
    // Browsers without Ed25519 in WebCrypto: say so, do not pretend.
  }
  return { origin, size: Number(sizeText), root, signatureChecked };
}

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

/** Verifies the page's entries; returns { ok, message }. */
export async function verifyPage({ api, query, origin }) {
  const page = await getJson(`${api}/ledger${query ? `?${query}` : ''}`);
  const [checkpoint, key] = await Promise.all([getJson(`${api}/checkpoint?size=${page.size}`), getJson('/.well-known/ataa-transparency.json')]);
  const signed = await verifyCheckpoint(checkpoint.note, key);
  if (signed.origin !== origin) throw new Error('the checkpoint belongs to another log');
  if (signed.size !== page.size) throw new Error('the checkpoint does not match the ledger size');
  // Every entry's audit path in one request (not one per entry): a page view costs four requests.
  const proofs = page.entries.length === 0 ? []
    : (await getJson(`${api}/proof/inclusions?size=${page.size}&indexes=${page.entries.map((e) => e.index).join(',')}`)).proofs;
  if (proofs.length !== page.entries.length) throw new Error('the server answered the wrong number of inclusion proofs');
  const redactions = [];
  for (let i = 0; i < page.entries.length; i++) {
    const entry = page.entries[i];
    const privacy = await checkPersonalFields(entry);
    for (const r of privacy.redacted) redactions.push({ index: entry.index, ...r, unverifiable: privacy.unverifiable });
    let leaf;
    if (privacy.unverifiable) {
      // Redacted format-1/2 entry: the removed value was in its leaf; its served hash is still bound by the proof below.
      if (typeof entry.leafHash !== 'string' || !HEX64.test(entry.leafHash)) throw new Error(`entry ${entry.index} has a malformed leaf hash`);
      leaf = fromHex(entry.leafHash);
    } else {
      leaf = await leafHashOf(entry);
      if (toHex(leaf) !== entry.leafHash) throw new Error(`entry ${entry.index} does not match its leaf hash`);
    }
    const row = document.querySelector(`tr[data-index="${entry.index}"]`);
    if (row && row.dataset.leafHash !== entry.leafHash) throw new Error(`entry ${entry.index} on the page differs from the ledger`);
    if (proofs[i].index !== entry.index || !(await verifyInclusion(entry.index, page.size, leaf, proofs[i].proof.map(fromBase64), signed.root))) {
      throw new Error(`entry ${entry.index} is not in the signed log`);
    }
  }
  const payoutsReplayed = await checkDesignatedPayouts(api, page);
  return { count: page.entries.length, size: page.size, signatureChecked: signed.signatureChecked, redactions, payoutsReplayed };
}

// ---- Tiles (C2SP tlog-tiles) ------------------------------------------------------------------

/** `N` in zero-padded 3-digit groups, all but the last prefixed with `x`; `.p/<W>` for a partial tile. */
export function tilePath(level, index, width) {
  let digits = String(index);
  while (digits.length % 3 !== 0) digits = `0${digits}`;
  const groups = digits.match(/.{3}/g);
  return `tile/${level}/${groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/')}${width < 256 ? `.p/${width}` : ''}`;
}

const tileWidth = (level, index, size) => Math.max(0, Math.min(256, Math.floor(size / 256 ** level) - index * 256));
const splitPoint = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };

/** The perfect subtrees of an aligned range, largest first (rangeNodes in merkle.ts). */
function rangeNodes(start, end) {
  const out = [];
  let at = start;
  let remaining = end - start;
  while (remaining > 0) {
    let size = 1;
    let level = 0;
    while (size * 2 <= remaining) { size *= 2; level++; }
    out.push({ level, index: at / size });
    at += size;
    remaining -= size;
  }
  return out;
}

/** PATH(m, D[n]) of RFC 6962 as leaf ranges, leaf to root. */
function inclusionRanges(index, size) {
  const out = [];
  const walk = (m, start, end) => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) { walk(m, start, start + k); out.push([start + k, end]); } else { walk(m - k, start + k, end); out.push([start, start + k]); }
  };
  walk(index, 0, size);
  return out;
}

async function merkleRootOf(hashes) {
  if (hashes.length === 1) return hashes[0];
  const k = splitPoint(hashes.length);
  return nodeHash(await merkleRootOf(hashes.slice(0, k)), await merkleRootOf(hashes.slice(k)));
}

/** Fetches tiles below `prefix` once each; hashes of perfect subtrees of the tree of `size` from them. */
function tileReader(prefix, size) {
  const fetched = new Map();
  const tile = (level, index) => {
    const width = tileWidth(level, index, size);
    const path = tilePath(level, index, width);
    if (!fetched.has(path)) {
      fetched.set(path, fetch(`${prefix}${path}`).then(async (res) => {
        if (!res.ok) throw new Error(`${prefix}${path} answered ${res.status}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (bytes.length !== width * 32) throw new Error(`${prefix}${path} is not ${width} hashes`);
        return bytes;
      }));
    }
    return fetched.get(path);
  };
  const node = async ({ level, index }) => {
    const tileLevel = Math.floor(level / 8);
    const count = 2 ** (level - tileLevel * 8);
    const start = index * count;
    const bytes = await tile(tileLevel, Math.floor(start / 256));
    const offset = start % 256;
    const hashes = [];
    for (let i = offset; i < offset + count; i++) hashes.push(bytes.slice(i * 32, i * 32 + 32));
    return merkleRootOf(hashes);
  };
  const range = async (start, end) => {
    const hashes = await Promise.all(rangeNodes(start, end).map(node));
    let acc = hashes[hashes.length - 1];
    for (let i = hashes.length - 2; i >= 0; i--) acc = await nodeHash(hashes[i], acc);
    return acc;
  };
  return { node, range, count: () => fetched.size };
}

/**
 * The page's entries from the tiles alone: the checkpoint as text from the tiles' prefix, its
 * signature, the root recomputed from the tiles, and each entry's leaf hash found in its level-0
 * tile and proven to the signed root by an inclusion proof computed from the tiles.
 */
export async function verifyPageFromTiles({ api, query, origin, prefix }) {
  const page = await getJson(`${api}/ledger${query ? `?${query}` : ''}`);
  const noteRes = await fetch(`${prefix}checkpoint`, { headers: { accept: 'text/plain' } });
  if (!noteRes.ok) throw new Error(`${prefix}checkpoint answered ${noteRes.status}`);
  const [note, key] = await Promise.all([noteRes.text(), getJson('/.well-known/ataa-transparency.json')]);
  const signed = await verifyCheckpoint(note, key);
  if (signed.origin !== origin) throw new Error('the checkpoint belongs to another log');
  if (signed.size < page.size) throw new Error('the checkpoint is older than the ledger page');
  const tiles = tileReader(prefix, signed.size);
  if (signed.size > 0 && !equal(await tiles.range(0, signed.size), signed.root)) throw new Error('the tiles do not hash to the signed root');
  const redactions = [];
  for (const entry of page.entries) {
    const privacy = await checkPersonalFields(entry);
    for (const r of privacy.redacted) redactions.push({ index: entry.index, ...r, unverifiable: privacy.unverifiable });
    let leaf;
    if (privacy.unverifiable) {
      if (typeof entry.leafHash !== 'string' || !HEX64.test(entry.leafHash)) throw new Error(`entry ${entry.index} has a malformed leaf hash`);
      leaf = fromHex(entry.leafHash);
    } else {
      leaf = await leafHashOf(entry);
    }
    if (!equal(await tiles.node({ level: 0, index: entry.index }), leaf)) throw new Error(`entry ${entry.index} does not match its leaf in the tiles`);
    const proof = await Promise.all(inclusionRanges(entry.index, signed.size).map(([start, end]) => tiles.range(start, end)));
    if (!(await verifyInclusion(entry.index, signed.size, leaf, proof, signed.root))) throw new Error(`entry ${entry.index} is not in the signed log`);
    const row = document.querySelector(`tr[data-index="${entry.index}"]`);
    if (row && row.dataset.leafHash !== toHex(leaf)) throw new Error(`entry ${entry.index} on the page differs from the ledger`);
  }
  return { count: page.entries.length, size: signed.size, tiles: tiles.count(), signatureChecked: signed.signatureChecked, redactions };
}

const panel = typeof document === 'undefined' ? null : document.getElementById('verification');
if (panel) {
  const messages = JSON.parse(panel.dataset.messages || '{}');
  const status = document.getElementById('verification-status');
  const detail = document.getElementById('verification-detail');
  const redactedText = (result) => (result.redactions.length === 0 ? ''
    : ` ${messages.redacted.replace('{n}', String(result.redactions.length))}`
      + (result.redactions.some((r) => r.unverifiable) ? ` ${messages.unverifiable.replace('{indexes}', [...new Set(result.redactions.filter((r) => r.unverifiable).map((r) => r.index))].join(', '))}` : ''));
  const failed = (error) => {
    panel.dataset.state = 'failed';
    status.textContent = `\u2716 ${messages.failed}`;
    detail.textContent = error instanceof Error ? error.message : String(error);
  };
  const data = { api: panel.dataset.api, query: panel.dataset.query, origin: panel.dataset.origin, prefix: panel.dataset.tiles };
  verifyPage(data)
    .then((result) => {
      panel.dataset.state = 'verified';
      status.textContent = `\u2714 ${messages.verified}`;
      detail.textContent = messages.verifiedDetail.replace('{n}', String(result.count)).replace('{size}', String(result.size))
        + redactedText(result) + (result.signatureChecked ? '' : ` ${messages.unsupported}`);
    })
    .catch(failed);
  const button = document.getElementById('verify-tiles');
  if (button && data.prefix) {
    button.hidden = false;
    button.addEventListener('click', () => {
      button.disabled = true;
      panel.dataset.state = 'pending';
      status.textContent = messages.tilesPending;
      detail.textContent = '';
      verifyPageFromTiles(data)
        .then((result) => {
          panel.dataset.state = 'verified';
          panel.dataset.source = 'tiles';
          status.textContent = `\u2714 ${messages.verified}`;
          detail.textContent = messages.tilesVerifiedDetail.replace('{n}', String(result.count)).replace('{size}', String(result.size)).replace('{tiles}', String(result.tiles))
            + redactedText(result) + (result.signatureChecked ? '' : ` ${messages.unsupported}`);
        })
        .catch(failed)
        .finally(() => { button.disabled = false; });
    });
  }
}
