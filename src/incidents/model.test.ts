import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyPatch,
  DEFAULT_SEVERITIES,
  declareProblems,
  editsBetween,
  type Incident,
  isEscalation,
  isOpen,
  lineProblem,
  milestoneProblems,
  mttaSeconds,
  mttrSeconds,
  normaliseMilestones,
  patchProblems,
  reachMilestone,
  severityRank,
  textProblem,
} from './model.ts';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 7,
  title: 'Card payments fail',
  severity: 'SEV2',
  status: 'detected',
  services: ['component:default/checkout'],
  milestones: { started: '2026-12-07T09:00:00.000Z', detected: '2026-12-07T09:05:00.000Z' },
  roles: {},
  customerImpact: '',
  linkedDeployment: null,
  windowHours: 6,
  source: 'manual',
  externalId: null,
  declaredBy: 'ada',
  createdAt: '2026-12-07T09:05:00.000Z',
  updatedAt: '2026-12-07T09:05:00.000Z',
  ...over,
});

describe('severities', () => {
  it('rank most severe first, unknown names are -1, and only a move up the scale is an escalation', () => {
    assert.equal(severityRank(DEFAULT_SEVERITIES, 'SEV1'), 0);
    assert.equal(severityRank(DEFAULT_SEVERITIES, 'SEV4'), 3);
    assert.equal(severityRank(DEFAULT_SEVERITIES, 'sev1'), -1);
    assert.equal(isEscalation(DEFAULT_SEVERITIES, 'SEV3', 'SEV1'), true);
    assert.equal(isEscalation(DEFAULT_SEVERITIES, 'SEV1', 'SEV3'), false);
    assert.equal(isEscalation(DEFAULT_SEVERITIES, 'SEV2', 'SEV2'), false);
    assert.equal(isEscalation(DEFAULT_SEVERITIES, 'SEV9', 'SEV1'), false);
  });
  it('every default severity has a description', () => {
    assert.deepEqual(
      DEFAULT_SEVERITIES.map((s) => s.name),
      ['SEV1', 'SEV2', 'SEV3', 'SEV4'],
    );
    for (const s of DEFAULT_SEVERITIES) assert.ok(s.description.length > 10);
  });
});

describe('statuses', () => {
  it('an incident is open until resolved', () => {
    assert.equal(isOpen('started'), true);
    assert.equal(isOpen('mitigated'), true);
    assert.equal(isOpen('resolved'), false);
    assert.equal(isOpen('postmortem'), false);
    assert.equal(isOpen('closed'), false);
  });
  it('reaching a milestone stamps it once; an edited time is kept; skipped ones stay unset', () => {
    const reached = reachMilestone({ started: 'a' }, 'resolved', 'z');
    assert.deepEqual(reached, { started: 'a', resolved: 'z' });
    assert.deepEqual(reachMilestone({ started: 'a', resolved: 'b' }, 'resolved', 'z'), { started: 'a', resolved: 'b' });
  });
});

describe('milestone times', () => {
  it('started must be set and the earliest; none in the future; each must be a time', () => {
    assert.deepEqual(milestoneProblems({ started: '2026-12-07T09:00:00Z', resolved: '2026-12-07T09:30:00Z' }, NOW), []);
    assert.deepEqual(
      milestoneProblems({ detected: '2026-12-07T09:00:00Z' }, NOW).map((p) => p.field),
      ['milestones.started'],
    );
    assert.deepEqual(
      milestoneProblems({ started: '2026-12-07T09:00:00Z', acknowledged: '2026-12-07T08:59:59Z' }, NOW).map(
        (p) => p.message,
      ),
      ['is before the incident started (started is the earliest)'],
    );
    assert.match(milestoneProblems({ started: '2026-12-07T10:05:00Z' }, NOW)[0]?.message ?? '', /in the future/);
    assert.deepEqual(milestoneProblems({ started: '2026-12-07T10:00:30Z' }, NOW), [], 'a minute of clock slack');
    for (const bad of ['yesterday', '12/07/2026', ''])
      assert.match(milestoneProblems({ started: bad }, NOW)[0]?.message ?? '', /not an ISO-8601/);
  });
  it('offsets are normalised to UTC', () => {
    assert.deepEqual(normaliseMilestones({ started: '2026-12-07T11:00:00+02:00' }), {
      started: '2026-12-07T09:00:00.000Z',
    });
  });
  it('MTTA and MTTR count from the start, not the declaration', () => {
    const i = incident({
      milestones: {
        started: '2026-12-07T09:00:00.000Z',
        detected: '2026-12-07T09:05:00.000Z',
        acknowledged: '2026-12-07T09:07:00.000Z',
        resolved: '2026-12-07T10:00:00.000Z',
      },
    });
    assert.equal(mttaSeconds(i), 420);
    assert.equal(mttrSeconds(i), 3600);
    assert.equal(mttaSeconds(incident()), null);
    assert.equal(mttrSeconds(incident()), null);
  });
});

describe('input checks', () => {
  it('one-line fields: not empty, bounded, no line breaks or control characters (bidi overrides included)', () => {
    assert.equal(lineProblem(' ok ', 10), undefined);
    assert.equal(lineProblem('   ', 10), 'must not be empty');
    assert.equal(lineProblem('x'.repeat(11), 10), 'at most 10 characters');
    for (const bad of ['a\nb', 'a\rb', 'a\u0000b', 'a\u202eb'])
      assert.equal(lineProblem(bad, 10), 'one line, no control characters');
  });
  it('free text keeps line breaks and tabs but no other control characters', () => {
    assert.equal(textProblem('a\n\tb', 10, true), undefined);
    assert.equal(textProblem('', 10, false), undefined);
    assert.equal(textProblem(' ', 10, true), 'must not be empty');
    assert.equal(textProblem('a\u0007', 10, false), 'control characters are not allowed');
  });
  it('a declaration names its bad fields together', () => {
    const problems = declareProblems(
      { service: 'checkout', severity: 'P1', title: '', lead: 'x\ny', windowHours: 0, customerImpact: 'a\u0000' },
      DEFAULT_SEVERITIES,
    );
    assert.deepEqual(
      problems.map((p) => p.field),
      ['title', 'severity', 'customerImpact', 'lead', 'windowHours'],
    );
    assert.deepEqual(declareProblems({ service: 'checkout', severity: 'SEV1', title: 'Down' }, DEFAULT_SEVERITIES), []);
  });
  it('an edit checks only what it changes; services cannot be emptied', () => {
    assert.deepEqual(patchProblems({}, DEFAULT_SEVERITIES), []);
    assert.deepEqual(
      patchProblems({ severity: 'SEV0', services: [], roles: { lead: '' }, windowHours: 73 }, DEFAULT_SEVERITIES).map(
        (p) => p.field,
      ),
      ['severity', 'roles.lead', 'windowHours', 'services'],
    );
    assert.deepEqual(patchProblems({ roles: { lead: null } }, DEFAULT_SEVERITIES), []);
  });
});

describe('edits', () => {
  it('applying an edit stamps the new status, sets and clears roles, and records one edit per changed field, milestone and role', () => {
    const before = incident({ roles: { communications: 'Lin' } });
    const after = applyPatch(
      before,
      { severity: 'SEV1', status: 'acknowledged', roles: { lead: ' Grace ', communications: null }, title: ' Down ' },
      '2026-12-07T09:10:00.000Z',
    );
    assert.equal(after.title, 'Down');
    assert.equal(after.milestones.acknowledged, '2026-12-07T09:10:00.000Z');
    assert.deepEqual(after.roles, { lead: 'Grace' });
    assert.deepEqual(editsBetween(before, after), [
      { field: 'title', before: '"Card payments fail"', after: '"Down"' },
      { field: 'severity', before: '"SEV2"', after: '"SEV1"' },
      { field: 'status', before: '"detected"', after: '"acknowledged"' },
      { field: 'milestones.acknowledged', before: null, after: '"2026-12-07T09:10:00.000Z"' },
      { field: 'roles.lead', before: null, after: '"Grace"' },
      { field: 'roles.communications', before: '"Lin"', after: null },
    ]);
  });
  it('an edit that changes nothing records nothing', () => {
    const before = incident();
    assert.deepEqual(editsBetween(before, applyPatch(before, { severity: 'SEV2' }, 'x')), []);
  });
});
