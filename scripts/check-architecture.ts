/**
 * The architecture check (`npm run lint`): reads the imports of every non-test module of
 * src/ with TypeScript's own pre-processor (imports, re-exports, dynamic imports, type-only
 * imports alike) and fails when the rules of scripts/architecture-rules.ts are broken:
 * a cycle between rooms (folders of src/), a foundation importing a capability, a pure
 * module importing I/O, or more imports up the layers than allowed. Tests are left out:
 * a test may import whatever it checks.
 *
 * Usage: node --import tsx scripts/check-architecture.ts [--src DIR] [--verbose]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import { FOUNDATIONS, LAYERS, MAX_UPWARD, PURE, PURE_PACKAGES } from './architecture-rules.ts';

export interface Import {
  from: string;
  to: string;
}

export interface ModuleGraph {
  modules: string[];
  /** Imports of modules of src/ (src-relative, posix paths). */
  internal: Import[];
  /** Imports of packages and node builtins, by module. */
  external: Map<string, string[]>;
}

function listModules(dir: string, root: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'assets' && name !== 'node_modules') listModules(path, root, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
      out.push(relative(root, path).split(sep).join('/'));
    }
  }
  return out;
}

export function readGraph(srcDir: string): ModuleGraph {
  const modules = listModules(srcDir, srcDir, []);
  const internal: Import[] = [];
  const external = new Map<string, string[]>();
  for (const module of modules) {
    const info = ts.preProcessFile(readFileSync(join(srcDir, module), 'utf8'), true, true);
    const packages: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.'))
        internal.push({ from: module, to: posix.normalize(posix.join(posix.dirname(module), fileName)) });
      else packages.push(fileName);
    }
    external.set(module, packages);
  }
  return { modules, internal, external };
}

/** The room of a module: its first folder under src/; a file at the top (main.ts) is a room of its own. */
export function roomOf(module: string): string {
  const slash = module.indexOf('/');
  return slash < 0 ? module.replace(/\.ts$/, '') : module.slice(0, slash);
}

function layerOf(room: string): number {
  const layer = LAYERS.findIndex((rooms) => rooms.includes(room));
  if (layer < 0) throw new Error(`src/${room}/ is in no layer: add it to LAYERS in scripts/architecture-rules.ts`);
  return layer;
}

/** Strongly connected sets of rooms with more than one member: the cycles between folders. */
export function roomCycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    const a = roomOf(from);
    const b = roomOf(to);
    if (!edges.has(a)) edges.set(a, new Set());
    if (!edges.has(b)) edges.set(b, new Set());
    if (a !== b) edges.get(a)?.add(b);
  }
  // Tarjan's algorithm; the graph has a few dozen nodes, so recursion is fine.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const members: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1) found.push(members.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

export interface Verdict {
  failures: string[];
  upward: Import[];
  cycles: string[][];
}

export function checkGraph(graph: ModuleGraph): Verdict {
  const failures: string[] = [];
  const known = new Set(graph.modules);
  for (const { from, to } of graph.internal) {
    if (!known.has(to)) failures.push(`${from} imports ${to}, which is not a module of src/`);
  }
  const imports = graph.internal.filter(({ to }) => known.has(to));

  const cycles = roomCycles(imports);
  for (const cycle of cycles) {
    const inside = imports.filter(
      (i) => roomOf(i.from) !== roomOf(i.to) && cycle.includes(roomOf(i.from)) && cycle.includes(roomOf(i.to)),
    );
    failures.push(`a cycle between ${cycle.join(', ')}:\n${inside.map((i) => `    ${i.from} -> ${i.to}`).join('\n')}`);
  }

  for (const { from, to } of imports) {
    const a = roomOf(from);
    const b = roomOf(to);
    if (FOUNDATIONS.includes(a) && !FOUNDATIONS.includes(b))
      failures.push(`${from} imports ${to}: ${a}/ imports no capability`);
    else if (FOUNDATIONS.includes(a) && layerOf(b) > layerOf(a))
      failures.push(`${from} imports ${to}: ${a}/ is below ${b}/`);
  }

  for (const module of PURE) {
    if (!known.has(module))
      failures.push(`${module} is listed as pure in scripts/architecture-rules.ts but does not exist`);
  }
  const pure = new Set(PURE);
  for (const { from, to } of imports) {
    if (pure.has(from) && !pure.has(to)) failures.push(`${from} is pure but imports ${to}, which is not`);
  }
  for (const module of PURE) {
    for (const name of graph.external.get(module) ?? []) {
      if (!PURE_PACKAGES.some((p) => name === p || name.startsWith(`${p}/`)))
        failures.push(`${module} is pure but imports ${name}`);
    }
  }

  const upward = imports.filter(({ from, to }) => layerOf(roomOf(from)) < layerOf(roomOf(to)));
  if (upward.length > MAX_UPWARD) {
    failures.push(
      `${upward.length} imports run up the layers (at most ${MAX_UPWARD}):\n${upward.map((i) => `    ${i.from} -> ${i.to}`).join('\n')}`,
    );
  }
  return { failures, upward, cycles };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split(sep).join('/'))) {
  const args = process.argv.slice(2);
  const srcAt = args.indexOf('--src');
  const srcDir = srcAt >= 0 ? (args[srcAt + 1] ?? 'src') : join(dirname(import.meta.dirname), 'src');
  const graph = readGraph(srcDir);
  const verdict = checkGraph(graph);
  const between = graph.internal.filter((i) => roomOf(i.from) !== roomOf(i.to)).length;
  if (args.includes('--verbose') || verdict.failures.length === 0) {
    for (const i of verdict.upward) console.log(`upward (tolerated): ${i.from} -> ${i.to}`);
  }
  for (const failure of verdict.failures) console.error(`architecture: ${failure}`);
  console.log(
    `architecture: ${graph.modules.length} modules, ${between} imports between rooms, ${verdict.cycles.length} cycles, ${verdict.upward.length} upward (at most ${MAX_UPWARD}), ${verdict.failures.length} problems`,
  );
  process.exit(verdict.failures.length === 0 ? 0 : 1);
}
