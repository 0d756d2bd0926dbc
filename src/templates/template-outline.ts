/**
 * What a Template's page shows of it: the forms its parameters make (each field's key,
 * title, type and whether it is required) and the steps it would run (id, name, action).
 * Only read, never evaluated: placeholders such as `${{ parameters.name }}` stay text. Pure.
 */

export interface TemplateField {
  key: string;
  title?: string;
  type?: string;
  required: boolean;
}

export interface TemplateForm {
  title?: string;
  fields: TemplateField[];
}

export interface TemplateStepOutline {
  id?: string;
  name?: string;
  action: string;
  /** The step has an `if:`: whether it runs depends on the answers. */
  conditional: boolean;
}

export interface TemplateOutline {
  forms: TemplateForm[];
  steps: TemplateStepOutline[];
  /** v1alpha1 templates name the tool that fills in their skeleton (e.g. cookiecutter) and where it is. */
  templater?: string;
  path?: string;
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** One JSON Schema object as a form: its `properties` in the order written, `required` marking some. */
function formOf(schema: Mapping): TemplateForm {
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : []);
  const properties = isMapping(schema.properties) ? schema.properties : {};
  const fields = Object.entries(properties).map(([key, property]) => {
    const p = isMapping(property) ? property : {};
    // A type may be a list in JSON Schema (["string", "null"]).
    const type = Array.isArray(p.type) ? p.type.filter((t) => typeof t === 'string').join(' or ') : str(p.type);
    return { key, title: str(p.title), type: type || undefined, required: required.has(key) };
  });
  return { title: str(schema.title), fields };
}

/** The outline of a Template's spec, whichever apiVersion it was written in; what is not there is left out. */
export function templateOutline(spec: unknown): TemplateOutline {
  const s = isMapping(spec) ? spec : {};
  // v1beta2/v1beta3: `parameters` is one schema or a list of them (one page of the form each); v1alpha1: `schema`.
  const schemas = Array.isArray(s.parameters) ? s.parameters : s.parameters !== undefined ? [s.parameters] : [s.schema];
  const forms = schemas.filter(isMapping).map(formOf);
  const steps = (Array.isArray(s.steps) ? s.steps : []).filter(isMapping).map((step) => ({
    id: str(step.id),
    name: str(step.name),
    action: typeof step.action === 'string' ? step.action : '',
    conditional: step.if !== undefined,
  }));
  return { forms, steps, templater: str(s.templater), path: str(s.path) };
}
