import type { AssertionResult } from './model.ts';

/**
 * Assertions on an HTTP check's response, written as Gatus and Checkly write them:
 * `<subject> <operator> <value>`.
 *
 * Subjects: `status`, `responseTime` (ms), `header.<name>`, `body`, `json` followed by
 * `.key` and `[index]` steps (`json.items[0].id`, `json.items.length`), and
 * `certificate.expiresInDays`. Operators: `==`, `!=`, `<`, `<=`, `>`, `>=`, `contains`,
 * `!contains`. Values: numbers, `"quoted strings"` (with `\"` and `\\`), `true`, `false`,
 * `null`, or a bare word (`json`, `application/json`).
 *
 * A JSON path reads own properties only: `json.__proto__` or `json.constructor` is the
 * document's own key of that name if it has one, never a prototype's. Pure.
 *
 * @example
 * const parsed = parseAssertion('json.items.length > 0');
 * if (parsed.ok) evaluateAssertion(parsed.assertion, response); // { passed: true, actual: '3' }
 */

export const MAX_ASSERTION = 1000;
export const MAX_PATH_STEPS = 32;
/** What an outcome shows of the value it saw. */
export const MAX_ACTUAL = 200;

export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | '!contains';
const OPERATORS: readonly Operator[] = ['==', '!=', '<=', '>=', '<', '>', '!contains', 'contains'];

export type Subject =
  | { kind: 'status' }
  | { kind: 'responseTime' }
  | { kind: 'header'; name: string }
  | { kind: 'body' }
  | { kind: 'json'; path: readonly (string | number)[] }
  | { kind: 'certificateExpiresInDays' };

export type Literal = string | number | boolean | null;

export interface Assertion {
  text: string;
  subject: Subject;
  operator: Operator;
  value: Literal;
}

export interface AssertionError {
  message: string;
  /** 1-based column in the assertion's text. */
  column: number;
}

export type ParsedAssertion = { ok: true; assertion: Assertion } | { ok: false; error: AssertionError };

/** What assertions are judged against: one response. */
export interface ResponseFacts {
  status: number;
  responseTimeMs: number;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  /** The body as read (bounded by the executor). */
  body: string;
  /** Days the server's certificate has left; undefined without TLS. */
  certificateExpiresInDays?: number;
}

const fail = (message: string, column: number): ParsedAssertion => ({ ok: false, error: { message, column } });

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** Reads the subject at the start of `text`; answers it and where it ended, or an error. */
function parseSubject(text: string): { subject: Subject; end: number } | AssertionError {
  const word = /^[A-Za-z]+/.exec(text)?.[0] ?? '';
  if (word === 'status') return { subject: { kind: 'status' }, end: 6 };
  if (word === 'responseTime') return { subject: { kind: 'responseTime' }, end: 12 };
  if (word === 'body') return { subject: { kind: 'body' }, end: 4 };
  if (word === 'certificate') {
    if (text.startsWith('certificate.expiresInDays')) return { subject: { kind: 'certificateExpiresInDays' }, end: 25 };
    return { message: 'certificate has one field: certificate.expiresInDays', column: 12 };
  }
  if (word === 'header') {
    if (text[6] !== '.') return { message: 'header needs a name: header.content-type', column: 7 };
    const name = HEADER.exec(text.slice(7))?.[0];
    if (!name) return { message: 'header needs a name: header.content-type', column: 8 };
    return { subject: { kind: 'header', name: name.toLowerCase() }, end: 7 + name.length };
  }
  if (word === 'json') {
    const path: (string | number)[] = [];
    let i = 4;
    while (i < text.length && (text[i] === '.' || text[i] === '[')) {
      if (path.length >= MAX_PATH_STEPS)
        return { message: `a JSON path has at most ${MAX_PATH_STEPS} steps`, column: i + 1 };
      if (text[i] === '.') {
        const key = IDENTIFIER.exec(text.slice(i + 1))?.[0];
        if (!key) return { message: 'expected a key after "."', column: i + 2 };
        path.push(key);
        i += 1 + key.length;
      } else {
        const index = /^\[(\d{1,9})\]/.exec(text.slice(i));
        if (!index) return { message: 'expected an index such as [0]', column: i + 1 };
        path.push(Number(index[1]));
        i += index[0].length;
      }
    }
    return { subject: { kind: 'json', path }, end: i };
  }
  return {
    message: 'expected status, responseTime, header.<name>, body, json… or certificate.expiresInDays',
    column: 1,
  };
}

/** Reads the value: a quoted string (escapes \" and \\), a number, true/false/null or a bare word. */
function parseValue(text: string, at: number): { value: Literal } | AssertionError {
  const rest = text.slice(at);
  if (rest.startsWith('"')) {
    let out = '';
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i] as string;
      if (c === '\\') {
        const next = rest[i + 1];
        if (next !== '"' && next !== '\\') return { message: 'only \\" and \\\\ are escapes', column: at + i + 1 };
        out += next;
        i++;
      } else if (c === '"') {
        const after = rest.slice(i + 1);
        if (after.trim() !== '')
          return {
            message: 'unexpected text after the value',
            column: at + i + 2 + (after.length - after.trimStart().length),
          };
        return { value: out };
      } else out += c;
    }
    return { message: 'the string is not closed', column: at + 1 };
  }
  const word = rest.trimEnd();
  if (word === '') return { message: 'expected a value', column: at + 1 };
  const space = word.search(/\s/);
  if (space >= 0)
    return { message: 'unexpected text after the value (quote a value with spaces)', column: at + space + 1 };
  if (word === 'true') return { value: true };
  if (word === 'false') return { value: false };
  if (word === 'null') return { value: null };
  if (NUMBER.test(word)) return { value: Number(word) };
  return { value: word };
}

/** An assertion's text as a structure, or what is wrong with it and at which column. */
export function parseAssertion(text: string): ParsedAssertion {
  if (text.length > MAX_ASSERTION)
    return fail(`an assertion is at most ${MAX_ASSERTION} characters`, MAX_ASSERTION + 1);
  const lead = text.length - text.trimStart().length;
  const body = text.slice(lead);
  const subject = parseSubject(body);
  if ('message' in subject) return fail(subject.message, subject.column + lead);
  let at = subject.end;
  while (body[at] === ' ' || body[at] === '\t') at++;
  const operator = OPERATORS.find((op) => body.startsWith(op, at));
  if (!operator) return fail('expected an operator: ==, !=, <, <=, >, >=, contains or !contains', at + lead + 1);
  const wordy = operator.endsWith('contains');
  at += operator.length;
  if (wordy && body[at] !== ' ' && body[at] !== '\t') return fail('expected a space after contains', at + lead + 1);
  if (at === subject.end && !wordy) return fail('expected an operator', at + lead + 1);
  while (body[at] === ' ' || body[at] === '\t') at++;
  const value = parseValue(body, at);
  if ('message' in value) return fail(value.message, value.column + lead);
  const numeric = operator === '<' || operator === '<=' || operator === '>' || operator === '>=';
  if (numeric && typeof value.value !== 'number')
    return fail(`${operator} compares numbers; the value is not a number`, at + lead + 1);
  if (numeric && subject.subject.kind === 'body')
    return fail(`${operator} does not apply to the body; use contains`, lead + 1);
  return { ok: true, assertion: { text, subject: subject.subject, operator, value: value.value } };
}

/** An own property's value (never one inherited from a prototype), or undefined. */
function own(value: unknown, key: string | number): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && key === 'length') return value.length;
    return undefined;
  }
  if (Array.isArray(value)) {
    if (key === 'length') return value.length;
    return typeof key === 'number' && key < value.length ? value[key] : undefined;
  }
  const descriptor = Object.getOwnPropertyDescriptor(value, String(key));
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

/** The subject's value in a response: a number, a string, a JSON value, or undefined when absent. */
function subjectValue(subject: Subject, facts: ResponseFacts, json: () => { ok: boolean; value: unknown }): unknown {
  switch (subject.kind) {
    case 'status':
      return facts.status;
    case 'responseTime':
      return facts.responseTimeMs;
    case 'header':
      return Object.hasOwn(facts.headers, subject.name) ? facts.headers[subject.name] : undefined;
    case 'body':
      return facts.body;
    case 'certificateExpiresInDays':
      return facts.certificateExpiresInDays;
    case 'json': {
      const parsed = json();
      if (!parsed.ok) return undefined;
      let current: unknown = parsed.value;
      for (const step of subject.path) {
        current = own(current, step);
        if (current === undefined) return undefined;
      }
      return current;
    }
  }
}

function shown(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_ACTUAL ? `${text.slice(0, MAX_ACTUAL)}…` : text;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value.trim());
  return undefined;
}

function equal(actual: unknown, expected: Literal): boolean {
  if (typeof expected === 'number') return asNumber(actual) === expected;
  if (expected === null || typeof expected === 'boolean') return actual === expected;
  // A string equals a string; a JSON object or array equals its JSON text; a number or boolean never equals text.
  if (typeof actual === 'string') return actual === expected;
  return actual !== null && typeof actual === 'object' && JSON.stringify(actual) === expected;
}

function contains(actual: unknown, expected: Literal): boolean {
  if (actual === undefined) return false;
  if (Array.isArray(actual)) return actual.some((item) => equal(item, expected));
  const needle = expected === null ? 'null' : String(expected);
  return (typeof actual === 'string' ? actual : JSON.stringify(actual)).includes(needle);
}

function holds(operator: Operator, actual: unknown, expected: Literal): boolean {
  switch (operator) {
    case '==':
      return equal(actual, expected);
    case '!=':
      return actual !== undefined && !equal(actual, expected);
    case 'contains':
      return contains(actual, expected);
    case '!contains':
      return actual !== undefined && !contains(actual, expected);
    default: {
      const a = asNumber(actual);
      const b = expected as number;
      if (a === undefined) return false;
      if (operator === '<') return a < b;
      if (operator === '<=') return a <= b;
      if (operator === '>') return a > b;
      return a >= b;
    }
  }
}

/**
 * Each assertion's outcome against one response. The body is parsed as JSON once, and only
 * when an assertion reads it; a body that is not JSON makes every `json…` assertion fail
 * with `(not JSON)`.
 */
export function evaluateAssertions(assertions: readonly Assertion[], facts: ResponseFacts): AssertionResult[] {
  let parsed: { ok: boolean; value: unknown } | undefined;
  const json = () => {
    if (!parsed)
      try {
        parsed = { ok: true, value: JSON.parse(facts.body) };
      } catch {
        parsed = { ok: false, value: undefined };
      }
    return parsed;
  };
  return assertions.map((a) => {
    const actual = subjectValue(a.subject, facts, json);
    const notJson = a.subject.kind === 'json' && !json().ok;
    return {
      assertion: a.text,
      passed: holds(a.operator, actual, a.value),
      actual: notJson ? '(not JSON)' : shown(actual),
    };
  });
}
