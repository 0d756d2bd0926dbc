import { z } from 'zod';
import type { KindDefinition } from '../catalog/kinds.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';

/**
 * Backstage's `Template` kind (the scaffolder's software templates), read and shown but
 * never run: Atrium has no scaffolder. The shapes follow Backstage's published schemas —
 * `scaffolder.backstage.io/v1beta3` (current), `backstage.io/v1beta2` (same shape, the
 * older apiVersion) and `backstage.io/v1alpha1` (the first, cookiecutter-era shape) — as
 * loose objects: keys outside them are tolerated, as Backstage tolerates them. Pure.
 */

export const TEMPLATE_API_VERSION = 'scaffolder.backstage.io/v1beta3';

const text = z.string().min(1);
/** Backstage's `type: object`: any mapping (never a list, never a scalar). */
const mapping = z.looseObject({});
const condition = z.union([z.string(), z.boolean()]).optional();
const permissions = z.looseObject({ tags: z.array(z.string()).optional() }).optional();

/** One form of parameters: a JSON Schema whose `properties` become fields. */
const parameterForm = z.looseObject({ 'backstage:permissions': permissions });

const step = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  action: z.string(),
  input: mapping.optional(),
  if: condition,
  'backstage:permissions': permissions,
});

const outputLink = z.looseObject({
  if: condition,
  url: text.optional(),
  entityRef: text.optional(),
  title: text.optional(),
  icon: text.optional(),
});
const outputText = z.looseObject({
  if: condition,
  title: text.optional(),
  icon: text.optional(),
  content: z.string().optional(),
});

const templateSpec = z.looseObject({
  type: text,
  owner: text.optional(),
  lifecycle: text.optional(),
  parameters: z.union([parameterForm, z.array(parameterForm)]).optional(),
  secrets: z.looseObject({ schema: mapping.optional() }).optional(),
  presentation: z
    .looseObject({
      buttonLabels: z
        .looseObject({
          backButtonText: z.string().optional(),
          createButtonText: z.string().optional(),
          reviewButtonText: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  steps: z.array(step),
  // Besides its links and texts, a template's output is named strings (templated values).
  output: z
    .object({ links: z.array(outputLink).optional(), text: z.array(outputText).optional() })
    .catchall(z.string())
    .optional(),
});

/** The first Template shape: a cookiecutter-style skeleton at `path`, its inputs one JSON Schema. */
const templateSpecV1alpha1 = z.looseObject({
  type: text,
  templater: text,
  path: z.string().optional(),
  schema: mapping,
});

const UPGRADE = `Move to apiVersion ${TEMPLATE_API_VERSION} (Backstage's migration guide: "Migrating to v1beta3 templates"); Atrium reads this one as Backstage still does.`;

export const templateKind: KindDefinition = {
  kind: 'Template',
  apiVersions: [TEMPLATE_API_VERSION],
  spec: templateSpec,
  legacyApiVersions: [
    // v1beta2 has v1beta3's fields; what changed is the templating syntax inside the values, which Atrium never evaluates.
    { apiVersion: 'backstage.io/v1beta2', spec: templateSpec, hint: UPGRADE },
    { apiVersion: 'backstage.io/v1alpha1', spec: templateSpecV1alpha1, hint: UPGRADE },
  ],
  references: [OWNER_REFERENCE],
  // Its owner is shown under "About", as every kind's is.
  relationPairs: [],
};
