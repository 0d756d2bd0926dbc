import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countedItems,
  dateOfDay,
  dayNumber,
  MAX_ACTION_ITEMS,
  ownerKeyOf,
  reasonProblemOf,
  tooManyItems,
  validateActionItem,
  type ActionItemRules,
} from './action-items.ts';

const known = new Set(['group:default/checkout', 'user:default/jane']);
const rules: ActionItemRules = { today: '2026-03-10', horizonDays: 90, ownerExists: (k) => known.has(k) };
const good = {
  title: 'Alert on queue depth',
  owner: 'group:default/checkout',
  deadline: '2026-03-24',
  type: 'prevent',
};

const fieldsOf = (input: Record<string, unknown>) => {
  const result = validateActionItem(input, rules);
  return result.ok ? [] : result.problems.map((p) => p.field);
};

describe('validateActionItem', () => {
  it('accepts a complete item and keys its owner', () => {
    assert.deepEqual(validateActionItem({ ...good, owner: 'checkout', ticket: 'https://jira.example/OPS-1' }, rules), {
      ok: true,
      item: { ...good, ticket: 'https://jira.example/OPS-1' },
    });
    const user = validateActionItem({ ...good, owner: 'user:jane', type: 'Process' }, rules);
    assert.ok(user.ok);
    assert.equal(user.item.owner, 'user:default/jane');
    assert.equal(user.item.type, 'process');
  });

  it('refuses an item without an owner or a deadline, saying why each is needed', () => {
    const result = validateActionItem({ title: 'Be more careful', type: 'process' }, rules);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => p.field),
      ['owner', 'deadline'],
    );
    assert.match(result.problems[0]?.message ?? '', /without one nobody does it/);
    assert.match(result.problems[1]?.message ?? '', /never late/);
  });

  it('refuses owners that are not Users or Groups of the catalog', () => {
    assert.deepEqual(fieldsOf({ ...good, owner: 'component:default/checkout' }), ['owner']);
    assert.deepEqual(fieldsOf({ ...good, owner: 'group:default/nobody' }), ['owner']);
    assert.deepEqual(fieldsOf({ ...good, owner: 'group:' }), ['owner']);
    assert.deepEqual(fieldsOf({ ...good, owner: 42 }), ['owner']);
    assert.deepEqual(fieldsOf({ ...good, owner: '   ' }), ['owner']);
  });

  it('takes deadlines from today to the horizon, real dates only', () => {
    assert.deepEqual(fieldsOf({ ...good, deadline: '2026-03-10' }), []);
    assert.deepEqual(fieldsOf({ ...good, deadline: '2026-06-08' }), [], 'today + 90 days');
    assert.deepEqual(fieldsOf({ ...good, deadline: '2026-06-09' }), ['deadline']);
    assert.deepEqual(fieldsOf({ ...good, deadline: '2026-03-09' }), ['deadline']);
    assert.deepEqual(fieldsOf({ ...good, deadline: '2026-02-29' }), ['deadline'], '2026 is no leap year');
    assert.deepEqual(fieldsOf({ ...good, deadline: '10/03/2026' }), ['deadline']);
    assert.deepEqual(fieldsOf({ ...good, deadline: '2026-3-10' }), ['deadline']);
    assert.deepEqual(fieldsOf({ ...good, deadline: 20260310 }), ['deadline']);
    const far = validateActionItem({ ...good, deadline: '2027-01-01' }, rules);
    assert.ok(!far.ok);
    assert.match(far.problems[0]?.message ?? '', /at most 90 days ahead \(by 2026-06-08\)/);
  });

  it('leaves the owner’s existence to the server where no catalog is at hand', () => {
    const { ownerExists: _, ...offline } = rules;
    assert.ok(validateActionItem({ ...good, owner: 'group:default/nobody' }, offline).ok);
    assert.ok(!validateActionItem({ ...good, owner: 'component:default/x' }, offline).ok);
  });

  it('uses the configured horizon', () => {
    const short = { ...rules, horizonDays: 14 };
    assert.ok(validateActionItem({ ...good, deadline: '2026-03-24' }, short).ok);
    assert.ok(!validateActionItem({ ...good, deadline: '2026-03-25' }, short).ok);
  });

  it('accepts leap days in leap years', () => {
    const leap = { ...rules, today: '2028-02-28' };
    assert.ok(validateActionItem({ ...good, deadline: '2028-02-29' }, leap).ok);
  });

  it('refuses titles that are empty, too long or more than one line', () => {
    assert.deepEqual(fieldsOf({ ...good, title: '' }), ['title']);
    assert.deepEqual(fieldsOf({ ...good, title: 'x'.repeat(201) }), ['title']);
    assert.deepEqual(fieldsOf({ ...good, title: 'two\nlines' }), ['title']);
    assert.deepEqual(fieldsOf({ ...good, title: ['array'] }), ['title']);
    assert.deepEqual(fieldsOf({ ...good, title: '<script>alert(1)</script>' }), [], 'escaped where shown, not refused');
  });

  it('refuses unknown types', () => {
    assert.deepEqual(fieldsOf({ ...good, type: 'blame' }), ['type']);
    assert.deepEqual(fieldsOf({ ...good, type: undefined }), ['type']);
  });

  it('takes http(s) ticket links only', () => {
    assert.deepEqual(fieldsOf({ ...good, ticket: 'http://tickets.example/1' }), []);
    assert.deepEqual(fieldsOf({ ...good, ticket: '' }), [], 'empty means none');
    assert.deepEqual(fieldsOf({ ...good, ticket: 'javascript:alert(1)' }), ['ticket']);
    assert.deepEqual(fieldsOf({ ...good, ticket: 'jira/OPS-1' }), ['ticket']);
    assert.deepEqual(fieldsOf({ ...good, ticket: `https://x.example/${'a'.repeat(2000)}` }), ['ticket']);
    assert.deepEqual(fieldsOf({ ...good, ticket: 7 }), ['ticket']);
  });

  it('reports every problem at once', () => {
    assert.deepEqual(fieldsOf({}), ['title', 'owner', 'deadline', 'type']);
  });
});

describe('tooManyItems', () => {
  const three = [
    { id: 'a1', title: 'One' },
    { id: 'a2', title: 'Two' },
    { id: 'a3', title: 'Three' },
  ];
  it('leaves room below three', () => {
    assert.equal(tooManyItems([]), undefined);
    assert.equal(tooManyItems(three.slice(0, MAX_ACTION_ITEMS - 1)), undefined);
  });
  it('refuses a fourth saying why the rule exists and how to merge or drop one', () => {
    const message = tooManyItems(three);
    assert.ok(message);
    assert.match(message, /#a1 “One”, #a2 “Two”, #a3 “Three”/);
    assert.match(message, /three items get done, ten get forgotten/);
    assert.match(message, /Merge this one into an existing item/);
    assert.match(message, /deprioritising it with a reason/);
  });
});

describe('countedItems', () => {
  it('counts open and done items, not deprioritised ones', () => {
    const items = [{ status: 'open' as const }, { status: 'done' as const }, { status: 'deprioritised' as const }];
    assert.equal(countedItems(items).length, 2);
  });
});

describe('ownerKeyOf, dayNumber and dateOfDay', () => {
  it('key Users and Groups, nothing else', () => {
    assert.equal(ownerKeyOf('Group:Default/Checkout'), 'group:default/checkout');
    assert.equal(ownerKeyOf('user:ops/jane'), 'user:ops/jane');
    assert.equal(ownerKeyOf('system:default/x'), undefined);
    assert.equal(ownerKeyOf(''), undefined);
  });
  it('round-trip calendar dates and refuse impossible ones', () => {
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(dateOfDay(dayNumber('2028-02-29') as number), '2028-02-29');
    assert.equal(dayNumber('2026-13-01'), undefined);
    assert.equal(dayNumber('2026-04-31'), undefined);
    assert.equal(dayNumber('2026-04-30x'), undefined);
  });
});

describe('reasonProblemOf', () => {
  it('needs a one-line reason of bounded length', () => {
    assert.equal(reasonProblemOf('Superseded by the queue rewrite'), undefined);
    assert.match(reasonProblemOf('') ?? '', /needs a reason/);
    assert.match(reasonProblemOf(undefined) ?? '', /needs a reason/);
    assert.ok(reasonProblemOf('x'.repeat(501)));
    assert.ok(reasonProblemOf('a\u0007b'));
  });
});
