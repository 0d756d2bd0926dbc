import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROBLEM_JSON } from './problem.ts';
import { describedProblem, problemResponses } from './problem-responses.ts';
import { ProblemDocumentSchema } from './problem-schema.ts';

test('problemResponses gives exactly the statuses asked for, each a problem document with its standard description', () => {
  const responses = problemResponses(400, 401, 413);
  assert.deepEqual(Object.keys(responses), ['400', '401', '413']);
  assert.equal(responses[400].description, 'Invalid request');
  assert.equal(responses[413].description, 'Body too large');
  for (const response of Object.values(responses)) {
    assert.deepEqual(Object.keys(response.content), [PROBLEM_JSON]);
    assert.equal(response.content[PROBLEM_JSON].schema, ProblemDocumentSchema);
  }
  assert.deepEqual(problemResponses(), {});
});

test('a status means the same on every route, and describedProblem says what it means on one', () => {
  assert.deepEqual(problemResponses(404)[404], problemResponses(400, 404)[404]);
  const conflict = describedProblem('The plan cannot move from where it stands');
  assert.equal(conflict.description, 'The plan cannot move from where it stands');
  assert.equal(conflict.content, problemResponses(500)[500].content);
});
