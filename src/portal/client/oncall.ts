import { answerAt } from '../../oncall/answer.ts';
import type { EscalationLevel, OnCallPerson, OnCallPlan } from '../../oncall/model.ts';

/**
 * The "On call now" card, computed again in the browser from the plan it carries (and,
 * on the live portal, a fresh plan from the API, for overrides set since the page was
 * cached), with the same code as the server: a cached page, a static export or an offline
 * copy shows who is on call at the moment it is read. Text only through textContent;
 * links are the ones the server wrote into the plan (people's pages, mailto, checked chat URLs).
 */

interface Embedded {
  plan: OnCallPlan;
  links: Record<string, string>;
}

const when = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function time(iso: string): HTMLTimeElement {
  const node = document.createElement('time');
  node.dateTime = iso;
  node.title = iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
  node.textContent = when.format(new Date(iso));
  return node;
}

function link(href: string | undefined, text: string): Node {
  if (!href) return document.createTextNode(text);
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

function span(className: string, ...children: (Node | string)[]): HTMLSpanElement {
  const node = document.createElement('span');
  node.className = className;
  node.append(...children);
  return node;
}

function person(p: OnCallPerson, links: Embedded['links']): (Node | string)[] {
  const out: (Node | string)[] = [link(p.ref && links[p.ref], p.name)];
  if (p.email) out.push(' · ', link(`mailto:${p.email}`, p.email));
  if (p.chat) out.push(' · ', link(p.chat.url, p.chat.title));
  return out;
}

function levelItem(l: EscalationLevel, links: Embedded['links']): HTMLLIElement {
  const item = document.createElement('li');
  item.append(
    span('oncall-level', `Level ${l.level} · `, link(l.rotation.ref && links[l.rotation.ref], l.rotation.title)),
  );
  const who = l.person ? person(l.person, links) : [span('muted', 'nobody on call now')];
  if (l.override) who.push(' ', span('badge badge-quiet', 'override'));
  item.append(span('oncall-person', ...who));
  if (l.until) item.append(span('oncall-until', 'until ', time(l.until)));
  if (l.next)
    item.append(
      span(
        'oncall-next',
        'next: ',
        link(l.next.person.ref && links[l.next.person.ref], l.next.person.name),
        ' from ',
        time(l.next.from),
      ),
    );
  return item;
}

function render(card: HTMLElement, embedded: Embedded, fresh: boolean): void {
  const answer = answerAt(embedded.plan, Date.now());
  card
    .querySelector('[data-oncall-levels]')
    ?.replaceChildren(...answer.levels.map((l) => levelItem(l, embedded.links)));
  const note = card.querySelector('[data-oncall-computed]');
  note?.replaceChildren(
    `Computed at ${clock.format(new Date(answer.computedAt))} in your browser`,
    fresh ? '.' : ' from the rotations and overrides known when this page was saved.',
  );
}

async function freshPlan(api: string): Promise<OnCallPlan | undefined> {
  try {
    const response = await fetch(api, { headers: { accept: 'application/json' } });
    return response.ok ? ((await response.json()) as { plan: OnCallPlan }).plan : undefined;
  } catch {
    return undefined;
  }
}

export async function showOnCall(isStatic: boolean): Promise<void> {
  for (const card of document.querySelectorAll<HTMLElement>('[data-oncall-plan]')) {
    let embedded: Embedded;
    try {
      embedded = JSON.parse(card.dataset.oncallPlan ?? '') as Embedded;
    } catch {
      continue; // the server's answer stays
    }
    const api = card.dataset.oncallApi;
    const plan = !isStatic && api ? await freshPlan(api) : undefined;
    render(card, plan ? { ...embedded, plan } : embedded, plan !== undefined);
  }
}
