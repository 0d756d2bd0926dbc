import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  letterBits,
  loadPackedIndex,
  maxEdits,
  packIndex,
  prepareEntries,
  prepareEntriesInTurns,
  rankEntries,
  resultPath,
  withinEdits,
  type LegacyPackedIndex,
  type PackedIndex,
  type SearchEntry,
} from './rank.ts';
import { sectionsForSearch } from './search-index.ts';

const entry = (title: string, extra: Partial<SearchEntry> = {}): SearchEntry => ({
  type: 'entity',
  title,
  name: title.toLowerCase().replace(/\s+/g, '-'),
  kind: 'component',
  path: `catalog/default/component/${title.toLowerCase().replace(/\s+/g, '-')}/`,
  tags: [],
  text: '',
  context: '',
  ...extra,
});

describe('rankEntries', () => {
  const entries = prepareEntries([
    entry('Payment Service', { tags: ['java'] }),
    entry('Payments database', { kind: 'resource' }),
    entry('Checkout', { text: 'Takes payment from the basket' }),
    entry('Refunds runbook', { type: 'runbook', kind: 'runbook', name: 'runbook.md', context: 'Payment Service' }),
    entry('Ledger', { tags: ['payments'] }),
  ]);
  const titles = (q: string, limit = 10) => rankEntries(entries, q, limit).map((e) => e.title);

  test('an exact name beats a prefix, which beats a tag, which beats the description', () => {
    assert.deepEqual(titles('payment service'), ['Payment Service', 'Refunds runbook']);
    assert.deepEqual(titles('payment'), [
      'Payment Service',
      'Payments database',
      'Ledger',
      'Checkout',
      'Refunds runbook',
    ]);
  });

  test('every word must match somewhere', () => {
    assert.deepEqual(titles('payment nothing'), []);
    assert.deepEqual(titles('refunds payment'), ['Refunds runbook']);
  });

  test('a one-letter word matches whole words only, so typing the first letter does not score the whole catalog', () => {
    const index = prepareEntries([entry('A team'), entry('Alpha'), entry('Beta')]);
    assert.deepEqual(
      rankEntries(index, 'a', 10).map((e) => e.title),
      ['A team'],
    );
    assert.deepEqual(
      rankEntries(index, 'al', 10).map((e) => e.title),
      ['Alpha'],
    );
  });

  test('an empty or punctuation-only query finds nothing, and the limit holds', () => {
    assert.deepEqual(titles(''), []);
    assert.deepEqual(titles('*** ()'), []);
    assert.equal(titles('pay', 2).length, 2);
  });

  test('ties are broken by shorter title then alphabetically, so the order is stable', () => {
    const same = prepareEntries([entry('Beta api'), entry('Alpha api'), entry('Api')]);
    assert.deepEqual(
      rankEntries(same, 'api', 10).map((e) => e.title),
      ['Api', 'Beta api', 'Alpha api'].sort((a, b) => a.length - b.length || a.localeCompare(b)),
    );
  });

  test('a packed index loads to the same entries, and an index saved by an older portal still loads', () => {
    const raw = [
      entry('A', { tags: ['x', 'y'] }),
      entry('B', { type: 'docs', kind: 'docs' }),
      entry('Other namespace', { path: 'catalog/ops/component/other-namespace/' }),
      entry('same', { name: 'same', path: 'catalog/default/component/same/' }),
      entry('Spaced', { name: 'We Ird?', path: 'catalog/default/component/we%20ird%3F/' }),
    ];
    const packed = packIndex(raw);
    assert.deepEqual(
      packed.path,
      ['', raw[1]?.path, raw[2]?.path, '', ''],
      'default-namespace entity paths are left out',
    );
    assert.deepEqual(packed.title, ['A', 'B', 'Other namespace', '', 'Spaced'], 'a title that is the name is left out');
    const loaded = loadPackedIndex(JSON.parse(JSON.stringify(packed)));
    assert.deepEqual(
      loaded.entries.map((e) => e.entry),
      raw.map((e) => (e.type === 'entity' ? e : { ...e, sections: [] })),
    );
    const legacy: LegacyPackedIndex = {
      version: 2,
      entries: [
        ['runbook', 'Refunds', 'runbook.md', 'runbook', 'r/', '', '', 'Payments', [['stuck', 'Stuck', 'queue']]],
      ],
    };
    assert.deepEqual(
      rankEntries(loadPackedIndex(legacy), 'queue', 5).map((r) => r.section),
      [{ anchor: 'stuck', heading: 'Stuck' }],
    );
  });
});

describe('full text, typos and identifiers (the demo catalog’s shipment-service)', () => {
  const doc = (file: string) => readFileSync(new URL(`../../examples/acme/services/${file}`, import.meta.url), 'utf8');
  const index = prepareEntries([
    entry('Shipment Service', {
      name: 'shipment-service',
      tags: ['go', 'kafka'],
      text: 'System of record for shipments — books parcels, allocates tracking numbers.',
    }),
    entry('Shipments Database', { name: 'shipments-db', kind: 'resource' }),
    entry('Quote Service', { name: 'quote-service', text: 'Prices a shipment before it is booked.' }),
    entry('Label Printing Service', { name: 'label-printing-service' }),
    entry('Ship', { name: 'ship' }),
    entry('Shipment Booking', { name: 'shipment-booking', kind: 'system' }),
    entry('Shipment Service — Runbook', {
      type: 'runbook',
      kind: 'runbook',
      name: 'runbook.md',
      path: 'catalog/default/component/shipment-service/runbook/',
      context: 'Shipment Service',
      sections: sectionsForSearch(doc('shipment-service/docs/runbook.md')),
    }),
    entry('Shipment Service', {
      type: 'docs',
      kind: 'docs',
      name: 'index.md',
      path: 'catalog/default/component/shipment-service/docs/',
      context: 'Shipment Service',
      sections: sectionsForSearch(doc('shipment-service/docs/index.md')),
    }),
  ]);
  const top = (q: string) => rankEntries(index, q, 10);

  test('a pasted alert name lands on the runbook section that names it', () => {
    const [first] = top('ShipmentCreateErrorRateHigh');
    assert.equal(first?.type, 'runbook');
    assert.deepEqual(first?.section, { anchor: 'alerts-and-symptoms', heading: 'Alerts and symptoms' });
    assert.equal(
      resultPath(first as NonNullable<typeof first>),
      'catalog/default/component/shipment-service/runbook/#alerts-and-symptoms',
    );
    assert.deepEqual(top('shipment create error')[0]?.section?.anchor, 'alerts-and-symptoms');
    assert.deepEqual(top('shipment_create_error_rate_high')[0]?.section?.anchor, 'alerts-and-symptoms');
  });

  test('code blocks are searched: a command finds its section', () => {
    const [first] = top('argocd rollback');
    assert.equal(first?.section?.heading, 'Mitigation');
  });

  test('a typo finds the service, ranked below nothing exact; the entity named like the query comes first', () => {
    assert.equal(top('shipmnt')[0]?.title, 'Shipment Service');
    assert.equal(top('shipmnt')[0]?.type, 'entity');
    assert.equal(
      top('shipmnet servce')[0]?.name,
      'shipment-service',
      'a transposition is two edits: allowed from 8 letters',
    );
    assert.equal(top('qoute')[0]?.name, 'quote-service');
  });

  test('exact beats prefix beats typo', () => {
    const names = top('ship').map((r) => r.name);
    assert.equal(names[0], 'ship', 'the exact name first');
    const typo = prepareEntries([entry('Deploy'), entry('Deploys'), entry('Deplot')]);
    assert.deepEqual(
      rankEntries(typo, 'deploy', 10).map((r) => r.title),
      ['Deploy', 'Deploys', 'Deplot'],
    );
  });

  test('one result per document', () => {
    const paths = top('shipment').map((r) => r.path);
    assert.equal(new Set(paths).size, paths.length);
    assert.equal(paths.filter((p) => p.endsWith('/runbook/')).length, 1);
  });

  test('short words get no typo tolerance: too many short words are one edit apart', () => {
    const short = prepareEntries([entry('Api'), entry('App'), entry('Apps gateway'), entry('Cart'), entry('Card')]);
    assert.deepEqual(
      rankEntries(short, 'api', 10).map((r) => r.title),
      ['Api'],
    );
    assert.deepEqual(
      rankEntries(short, 'cart', 10).map((r) => r.title),
      ['Cart', 'Card'],
      'four letters: one edit',
    );
    assert.deepEqual([maxEdits('abc'), maxEdits('abcd'), maxEdits('abcdefg'), maxEdits('abcdefgh')], [0, 1, 1, 2]);
    assert.equal(maxEdits('v2983'), 0, 'numbers are not typos');
  });

  test('edit distance is bounded and exact', () => {
    assert.equal(withinEdits('shipmnt', 'shipment', 1), true);
    assert.equal(withinEdits('shipmnet', 'shipment', 1), true, 'a swap');
    assert.equal(withinEdits('shpimnet', 'shipment', 1), false, 'two swaps');
    assert.equal(withinEdits('shpimnet', 'shipment', 2), true);
    assert.equal(withinEdits('kitten', 'sitting', 2), false);
    assert.equal(withinEdits('kitten', 'sitting', 3), true);
    assert.equal(withinEdits('', 'ab', 2), true);
    assert.equal(withinEdits('ca', 'abc', 2), false, 'optimal string alignment: no edit after a swap');
  });

  test('hostile and oversized queries are bounded and find nothing odd', () => {
    const started = process.hrtime.bigint();
    assert.deepEqual(top('x'.repeat(10_000)), []);
    assert.deepEqual(top('shipment '.repeat(2_000)).length > 0, true);
    assert.deepEqual(top('.*+?^$\\{}()|[]\\ (?=)'), []);
    assert.deepEqual(top('\u0000\uffff\ud800 🚚 ���'), []);
    assert.equal(top('Shipment\u0301 Sérvice')[0]?.name, 'shipment-service', 'accents are dropped');
    // Not a timing assertion on luck: seconds would mean an unbounded scan, the budget is milliseconds.
    assert.ok(Number(process.hrtime.bigint() - started) < 5e9);
  });

  test('the shipped index ranks exactly as the server does, on every query above', () => {
    const entries = index.entries.map((e) => e.entry);
    const packed: PackedIndex = JSON.parse(JSON.stringify(packIndex(entries)));
    const loaded = loadPackedIndex(packed);
    for (const q of [
      'ShipmentCreateErrorRateHigh',
      'argocd rollback',
      'shipmnt',
      'shipmnet servce',
      'ship',
      'shipment',
    ]) {
      assert.deepEqual(rankEntries(loaded, q, 10), top(q), q);
    }
    assert.ok(packed.words.includes('argocd'), 'body words are in the term dictionary');
    assert.ok(!JSON.stringify(packed.text).includes('argocd'), 'and not as text');
  });

  test('a malformed shipped index is an error, not a half-built index', () => {
    const good: PackedIndex = JSON.parse(JSON.stringify(packIndex(index.entries.map((e) => e.entry))));
    const broken: unknown[] = [
      { ...good, title: good.title.slice(1) },
      { ...good, types: `${good.types.slice(1)}x` },
      { ...good, sections: good.sections.map(() => 300) },
      { ...good, heading: [] },
      { ...good, postings: good.postings.map(() => '!') },
      { ...good, postings: good.postings.map(() => 'ABCDZZZZZZ') },
      { ...good, postings: good.postings.map(() => 'g') },
      { ...good, words: null },
      { version: 2 },
    ];
    for (const b of broken) assert.throws(() => loadPackedIndex(b as PackedIndex), /search index: malformed/);
  });

  test('the letter bits rule out only words more edits away than allowed', () => {
    const bits = (a: string, b: string) => [letterBits(a) & ~letterBits(b), letterBits(b) & ~letterBits(a)];
    for (const [a, b] of [
      ['shipment', 'shipmnt'],
      ['shipment', 'shpimnet'],
      ['queue', 'qeue'],
      ['deploy', 'deplot'],
    ] as const)
      assert.ok(
        bits(a, b).every((v) => v.toString(2).replace(/0/g, '').length <= 1),
        `${a} ${b}`,
      );
  });
});

describe('prepareEntriesInTurns', () => {
  const many = Array.from({ length: 4_500 }, (_, i) =>
    entry(`Service ${i} ${i % 7 === 0 ? 'payments' : 'orders'}`, {
      tags: [`team-${i % 13}`],
      sections: [{ anchor: 'alerts', heading: 'Alerts', text: `Alert${i} error rate high` }],
    }),
  );

  test('builds the same index as prepareEntries, waiting for a turn between slices', async () => {
    let turns = 0;
    const sliced = await prepareEntriesInTurns(many, async () => {
      turns++;
    });
    const whole = prepareEntries(many);
    assert.deepEqual(sliced.words, whole.words);
    assert.deepEqual(sliced.strong, whole.strong);
    assert.deepEqual(sliced.weak, whole.weak);
    assert.deepEqual(sliced.byLength, whole.byLength);
    assert.deepEqual(sliced.letters, whole.letters);
    assert.deepEqual(sliced.sectionBase, whole.sectionBase);
    for (const q of ['payments 14', 'alert4200', 'servce 99', 'team-3'])
      assert.deepEqual(
        rankEntries(sliced, q, 20).map((e) => e.path),
        rankEntries(whole, q, 20).map((e) => e.path),
        q,
      );
    // 4,500 entries are three slices in each pass over the entries, and the words more.
    assert.ok(turns >= 6, `${turns} turns`);
  });

  test('an empty catalog is an empty index, whatever the turns', async () => {
    const empty = await prepareEntriesInTurns([], async () => undefined);
    assert.deepEqual(empty.words, []);
    assert.deepEqual(rankEntries(empty, 'anything', 5), []);
  });
});
