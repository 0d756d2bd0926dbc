import { CONTEXT_FIELDS, type FlagContext } from './model.ts';

/** Reads one named context field as a string, or undefined when it is absent (or null). */
export type ContextReader = (context: FlagContext) => string | undefined;

const TOP_LEVEL = new Set<string>(CONTEXT_FIELDS);

function asText(value: string | number | Date | null | undefined): string | undefined {
  return typeof value === 'string' ? value : value === undefined || value === null ? undefined : String(value);
}

/**
 * A reader for the field a constraint, an override or a stickiness setting names, built
 * once per name. As in Unleash, a top-level field falls back to the property of the same
 * name when the field itself is absent, and any other name reads `properties`. Only own
 * properties count, so a name like `constructor` cannot reach Object.prototype.
 */
export function contextReader(name: string): ContextReader {
  const inherited = name in Object.prototype;
  const property = inherited
    ? (context: FlagContext) => {
        const properties = context.properties;
        return properties !== undefined && Object.hasOwn(properties, name) ? asText(properties[name]) : undefined;
      }
    : (context: FlagContext) => asText(context.properties?.[name]);
  if (!TOP_LEVEL.has(name)) return property;
  const field = name as (typeof CONTEXT_FIELDS)[number];
  return (context) => {
    const value = context[field];
    return value == null ? property(context) : asText(value);
  };
}
