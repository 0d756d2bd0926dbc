import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadFeatureSet } from './load.ts';
import type { FlagContext } from './model.ts';
import { validateContext } from './validate.ts';
import { sharedConformance } from '../../test/support/shared-conformance.ts';

/**
 * Conformance: every case of the Unleash client specification, one test each, named after
 * its file and its description. The specification is the contract every Unleash SDK
 * passes; passing it is what lets a team move its flags from Unleash to Atrium unchanged.
 */

/** `shared/` sits beside the repository (in CI too, where the repository is cloned elsewhere), or beside the one it was cloned from. */
const SPEC = sharedConformance('unleash-client-spec');

interface SpecCase {
  description: string;
  context: unknown;
  toggleName: string;
  expectedResult: unknown;
}

interface SpecFile {
  state: Record<string, unknown>;
  tests?: SpecCase[];
  variantTests?: SpecCase[];
}

/** Files testing a protocol rather than evaluation, and why Atrium skips them. */
function skipReason(file: SpecFile): string | undefined {
  if (Array.isArray(file.state.events)) {
    return 'tests the delta API (`/api/client/delta`: hydration and feature/segment update events), a protocol Atrium does not serve; Atrium serves and evaluates whole feature sets (`GET /api/client/features`)';
  }
  return undefined;
}

function contextOf(c: SpecCase): FlagContext {
  const result = validateContext(c.context);
  assert.ok(result.ok, `the case's context is refused: ${JSON.stringify(result.ok ? [] : result.problems)}`);
  return result.value;
}

/** Problem codes the spec's deliberately broken definitions must produce, and no others, by file. */
const EXPECTED_PROBLEMS: Record<string, string[]> = {
  '13-constraint-operators': ['unknown-operator'],
  '15-global-constraints': ['unknown-segment'],
  '17-dependent-features': [
    'transitive-dependency',
    'transitive-dependency',
    'transitive-dependency',
    'unknown-dependency',
  ],
  '21-regex-constraint-operators': ['invalid-regex', 'invalid-regex', 'invalid-regex'],
  '22-cidr-constraint-operators': ['invalid-cidr', 'invalid-cidr', 'invalid-cidr'],
};

function readSpec(): { files: string[]; error?: string } {
  if (!fs.existsSync(SPEC) || !fs.statSync(SPEC).isDirectory()) {
    return {
      files: [],
      error: `The Unleash client specification is missing: it was expected at ${SPEC}. The shared/ folder must sit beside the repository (shared/conformance/unleash-client-spec/), or ATRIUM_SHARED_DIR name it; these tests are not optional.`,
    };
  }
  return { files: JSON.parse(fs.readFileSync(path.join(SPEC, 'index.json'), 'utf8')) as string[] };
}

const spec = readSpec();

describe('Unleash client specification', () => {
  it('is present beside the repository, and its index lists every case file', () => {
    assert.equal(spec.error, undefined, spec.error);
    const onDisk = fs
      .readdirSync(SPEC)
      .filter((f) => /^\d+-.*\.json$/.test(f))
      .sort();
    assert.deepEqual([...spec.files].sort(), onDisk);
  });

  for (const fileName of spec.files) {
    const file = JSON.parse(fs.readFileSync(path.join(SPEC, fileName), 'utf8')) as SpecFile;
    const skip = skipReason(file);
    describe(fileName, () => {
      if (skip === undefined) {
        it('loads, reporting exactly the definitions built never to match', () => {
          const { problems } = loadFeatureSet(file.state);
          assert.deepEqual(
            problems.map((p) => p.code).sort(),
            EXPECTED_PROBLEMS[fileName.replace(/\.json$/, '')] ?? [],
            JSON.stringify(problems, null, 1),
          );
        });
      }
      const load = () => loadFeatureSet(file.state, { hashing: 'utf8' }).engine;
      for (const c of file.tests ?? []) {
        it(`isEnabled: ${c.description}`, { skip }, () => {
          assert.equal(load().isEnabled(c.toggleName, contextOf(c)), c.expectedResult);
        });
      }
      for (const c of file.variantTests ?? []) {
        it(`getVariant: ${c.description}`, { skip }, () => {
          assert.deepEqual(load().getVariant(c.toggleName, contextOf(c)), c.expectedResult);
        });
      }
    });
  }
});
