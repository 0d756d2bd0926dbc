// Temporary probe (not committed): A4-like load on a running serve.
import { formatStats, runOpenLoopInWorker } from './load-generator.ts';
const port = Number(process.argv[2]);
const urls: string[] = [];
for (const kind of ['component', 'api', 'user', 'group', 'system', 'resource']) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/entities?limit=500&kind=${kind}`);
  const items = ((await res.json()) as { items: { namespace: string; name: string }[] }).items;
  urls.push(...items.map((i) => `http://127.0.0.1:${port}/catalog/${i.namespace}/${kind}/${i.name}/`));
}
urls.sort(() => 0);
for (const u of urls) await (await fetch(u)).arrayBuffer();
await new Promise((r) => setTimeout(r, Number(process.env.PAUSE ?? 0)));
const stats = await runOpenLoopInWorker({ urls, rate: 778, burstRate: 3000, burstEverySec: 10, burstLengthSec: 1, durationSec: 10, seed: 1 });
console.log(formatStats('a4 probe', stats));
