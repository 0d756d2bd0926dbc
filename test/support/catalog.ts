import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throwaway catalog root on disk, written from a map of relative path to content. */
export interface TempCatalog {
  dir: string;
  write(path: string, content: string | Buffer): void;
  remove(path: string): void;
  cleanup(): void;
}

export function tempCatalog(files: Record<string, string> = {}): TempCatalog {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-catalog-'));
  const catalog: TempCatalog = {
    dir,
    write(path, content) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    },
    remove(path) {
      rmSync(join(dir, path), { force: true });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const [path, content] of Object.entries(files)) catalog.write(path, content);
  return catalog;
}

/** A minimal valid Component descriptor (`kind` may name another kind, to test that). */
export function component(
  name: string,
  extra: {
    kind?: string;
    namespace?: string;
    owner?: string;
    title?: string;
    system?: string;
    dependsOn?: string[];
    tags?: string[];
    spec?: string[];
  } = {},
): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    `kind: ${extra.kind ?? 'Component'}`,
    'metadata:',
    `  name: ${name}`,
    ...(extra.namespace ? [`  namespace: ${extra.namespace}`] : []),
    ...(extra.title ? [`  title: ${extra.title}`] : []),
    ...(extra.tags ? [`  tags: [${extra.tags.join(', ')}]`] : []),
    'spec:',
    '  type: service',
    '  lifecycle: production',
    `  owner: ${extra.owner ?? 'team-a'}`,
    ...(extra.system ? [`  system: ${extra.system}`] : []),
    ...(extra.dependsOn ? ['  dependsOn:', ...extra.dependsOn.map((d) => `    - ${d}`)] : []),
    ...(extra.spec ?? []),
    '',
  ].join('\n');
}

export function group(name: string, children: string[] = []): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Group',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  type: team',
    `  children: [${children.join(', ')}]`,
    '',
  ].join('\n');
}

export function location(targets: string[]): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Location',
    'metadata:',
    '  name: root',
    'spec:',
    '  targets:',
    ...targets.map((t) => `    - ${t}`),
    '',
  ].join('\n');
}

/** A temporary directory removed when the test ends. */
export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a file below `dir`, creating its folders. */
export function writeFile(dir: string, rel: string, content: string | Buffer): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), content);
}
