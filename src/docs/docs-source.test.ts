import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CatalogRoot } from '../catalog/files.ts';
import { docSlug, DocsSource, pageForSlug, resolveDocLink, type DocsTree } from './docs-source.ts';
import { tempDir, writeFile } from '../../test/support/catalog.ts';
import { markdownOutline } from '../search/search-index.ts';

const tree: DocsTree = { dir: 'svc/docs', pages: ['guides/deploy.md', 'guides/index.md', 'index.md', 'FAQ.md'] };

describe('docs pages', () => {
  test('a page slug drops .md and turns index and README into their folder', () => {
    assert.equal(docSlug('index.md'), '');
    assert.equal(docSlug('README.md'), '');
    assert.equal(docSlug('guides/index.md'), 'guides/');
    assert.equal(docSlug('guides/deploy.md'), 'guides/deploy/');
    assert.equal(pageForSlug(tree, ''), 'index.md');
    assert.equal(pageForSlug(tree, 'guides/deploy/'), 'guides/deploy.md');
    assert.equal(pageForSlug(tree, 'nope/'), undefined);
  });

  test('relative links resolve to pages of the same tree, keeping the fragment', () => {
    assert.deepEqual(resolveDocLink(tree, 'guides/deploy.md', '../index.md#top'), { slug: '', fragment: '#top' });
    assert.deepEqual(resolveDocLink(tree, 'index.md', 'guides/deploy'), { slug: 'guides/deploy/', fragment: '' });
    assert.deepEqual(resolveDocLink(tree, 'index.md', 'guides/'), { slug: 'guides/', fragment: '' });
    assert.deepEqual(resolveDocLink(tree, 'index.md', 'faq.md'), { slug: 'FAQ/', fragment: '' });
    assert.deepEqual(resolveDocLink(tree, 'index.md', '#usage'), { slug: '', fragment: '#usage' });
    assert.deepEqual(resolveDocLink(tree, 'index.md', 'guides%2Fdeploy.md?x=1'), {
      slug: 'guides/deploy/',
      fragment: '',
    });
  });

  test('links that leave the tree or name no page resolve to nothing', () => {
    for (const target of ['../../secret.md', '../outside.md', 'missing.md', '%E0%A4%A', '/etc/passwd'])
      assert.equal(resolveDocLink(tree, 'index.md', target), undefined, target);
  });

  test('a docs folder with a docs/ subfolder serves that subfolder, as TechDocs does', async (t) => {
    const dir = tempDir(t);
    writeFile(dir, 'svc/mkdocs.yml', 'site_name: x\n');
    writeFile(dir, 'svc/docs/index.md', '# Hi\n');
    writeFile(dir, 'svc/docs/a/b.md', '# B\n');
    writeFile(dir, 'svc/docs/image.png', 'not markdown');
    writeFile(dir, 'flat/README.md', '# Flat\n');
    const docs = new DocsSource(() => CatalogRoot.open(dir));
    assert.deepEqual(await docs.tree('svc'), { dir: 'svc/docs', pages: ['a/b.md', 'index.md'] });
    assert.deepEqual(await docs.tree('flat'), { dir: 'flat', pages: ['README.md'] });
    assert.equal(await docs.tree('missing'), undefined);
    assert.deepEqual(await docs.read('svc/docs/index.md'), { ok: true, text: '# Hi\n' });
    assert.equal((await docs.read('../outside.md')).ok, false);
  });

  test('an outline takes the first h1 as title and the other headings, skipping code fences', () => {
    assert.deepEqual(markdownOutline('# Title\n\n## One\n```sh\n# not a heading\n```\n### Two ###\n# Second h1\n'), {
      title: 'Title',
      headings: ['One', 'Two', 'Second h1'],
    });
    assert.deepEqual(markdownOutline('no headings'), { title: undefined, headings: [] });
  });
});
