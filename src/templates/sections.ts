import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import { templateSection } from './pages/template-view.ts';
import { type TemplateOutline, templateOutline } from './template-outline.ts';

/** A Template's page: its form and its steps, as the file declares them (the static export shows the same). */
const outlineSection: EntitySection<unknown, TemplateOutline> = {
  id: 'template-outline',
  kinds: ['Template'],
  slot: 'body',
  order: 10,
  load: async (_sources, { page }) => templateOutline(page.detail.entity.spec),
  view: (_site, outline) => templateSection(outline),
};

/** The template capability's cards on entity pages. */
export const templateSections = [outlineSection];
