import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_MARKDOWN_BYTES, renderMarkdown, type MarkdownOptions, type RenderedMarkdown } from './markdown.ts';

/** Serves `*.md` as docs pages and `img/*` as assets; everything else is unavailable. */
const site: MarkdownOptions = {
  resolveLink(target, kind) {
    if (kind === 'image') return target.startsWith('img/') ? `/assets/${target}` : undefined;
    const match = /^([\w./-]+)\.md([?#].*)?$/.exec(target);
    return match ? `/docs/${match[1]}${match[2] ?? ''}` : undefined;
  },
};

function render(source: string, options: MarkdownOptions = site): RenderedMarkdown {
  return renderMarkdown(source, options);
}
const htmlOf = (source: string, options?: MarkdownOptions): string => render(source, options).html.value;

describe('headings', () => {
  test('headings get slug ids, a self link, and equal headings are numbered', () => {
    const out = htmlOf(
      '## Getting Started\n## Getting started\n## Getting Started!\n### Ünïcödé Tëst\n#### ¿¡!?\n## Setup-2\n## Setup\n## Setup',
    );
    assert.match(
      out,
      /<h2 id="getting-started">Getting Started <a class="anchor" href="#getting-started" aria-label="Link to this section: Getting Started">#<\/a><\/h2>/,
    );
    assert.match(out, /<h2 id="getting-started-2">/);
    assert.match(out, /<h2 id="getting-started-3">/);
    assert.match(out, /<h3 id="unicode-test">/);
    assert.match(out, /<h4 id="section">/);
    // "Setup-2" took the id the second "Setup" would have had.
    assert.match(out, /<h2 id="setup-2">Setup-2 /);
    assert.match(out, /<h2 id="setup">Setup /);
    assert.match(out, /<h2 id="setup-3">Setup /);
  });

  test('the title is the first h1 and the table of contents lists h2 to h4', () => {
    const result = render('# The *Title*\n\n## One\n### Two `code`\n#### Three\n##### Five\n# Other h1\n## One');
    assert.equal(result.title, 'The Title');
    assert.deepEqual(result.toc, [
      { level: 2, id: 'one', text: 'One' },
      { level: 3, id: 'two-code', text: 'Two code' },
      { level: 4, id: 'three', text: 'Three' },
      { level: 2, id: 'one-2', text: 'One' },
    ]);
  });

  test('a document without an h1 has no title', () => {
    assert.equal(render('## Only h2').title, undefined);
  });

  test('heading text with markup cannot break out of the id or label attribute', () => {
    const out = htmlOf('## "><img src=x onerror=alert(1)>');
    assert.doesNotMatch(out, /<img/);
    assert.match(out, /aria-label="Link to this section: &quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;"/);
  });
});

describe('code', () => {
  test('fenced code is highlighted in a code block marked with its language', () => {
    const out = htmlOf('```yaml\nname: <svc>\n```');
    assert.equal(
      out,
      '<pre class="code" tabindex="0"><code class="language-yaml"><span class="tok-key">name</span><span class="tok-punct">:</span> &lt;svc&gt;\n</code></pre>\n',
    );
  });

  test('fences without a language or with an unknown one show escaped text', () => {
    assert.equal(htmlOf('```\n<b>\n```'), '<pre class="code" tabindex="0"><code>&lt;b&gt;\n</code></pre>\n');
    assert.equal(
      htmlOf('```cobol\n<b>\n```'),
      '<pre class="code" tabindex="0"><code class="language-cobol">&lt;b&gt;\n</code></pre>\n',
    );
    assert.equal(htmlOf('    <b>'), '<pre class="code" tabindex="0"><code>&lt;b&gt;\n</code></pre>\n');
  });

  test('hostile language names are reduced to safe class names', () => {
    for (const info of [
      'js" onclick="alert(1)',
      '"><script>alert(1)</script>',
      'JS&quot;onclick=x',
      'ts{.x}',
      '<img/src/onerror=alert(1)>',
    ]) {
      const out = htmlOf(`\`\`\`${info}\nx\n\`\`\``);
      const className = /<code class="language-([^"]*)">/.exec(out)?.[1] ?? '';
      assert.match(className, /^[a-z0-9_-]*$/, info);
      assert.doesNotMatch(out, /<script|<img|onclick="/, info);
    }
  });
});

describe('links', () => {
  test('relative links go through resolveLink with their fragment and query intact', () => {
    const seen: string[] = [];
    const out = htmlOf('[restart](../ops/restart.md#step-2) [search](find.md?q=a&b=c)', {
      resolveLink: (target, kind) => {
        seen.push(`${kind}:${target}`);
        return `/site/${target}`;
      },
    });
    assert.deepEqual(seen, ['link:../ops/restart.md#step-2', 'link:find.md?q=a&b=c']);
    assert.match(out, /<a href="\/site\/..\/ops\/restart.md#step-2">restart<\/a>/);
    assert.match(out, /<a href="\/site\/find.md\?q=a&amp;b=c">search<\/a>/);
  });

  test('fragment-only links stay on the page without asking resolveLink', () => {
    const out = htmlOf('[up](#getting-started)', { resolveLink: () => assert.fail('not relative') });
    assert.match(out, /<a href="#getting-started">up<\/a>/);
  });

  test('a link that cannot be served is plain text with a title saying why', () => {
    const out = htmlOf('[secret](../private/keys.txt)');
    assert.match(
      out,
      /<span class="link-unavailable" title="Not available in this portal: ..\/private\/keys.txt">secret<\/span>/,
    );
    assert.doesNotMatch(out, /<a /);
  });

  test('an unsafe answer from resolveLink is not used', () => {
    const out = htmlOf('[x](a.md)', { resolveLink: () => 'javascript:alert(1)' });
    assert.doesNotMatch(out, /<a |javascript:alert/);
  });

  test('external links open without passing the opener or referrer', () => {
    const out = htmlOf('[site](https://example.com/a?b=1) [mail](mailto:team@example.com) https://example.org/x');
    assert.match(out, /<a href="https:\/\/example.com\/a\?b=1" rel="noopener noreferrer">site<\/a>/);
    assert.match(out, /<a href="mailto:team@example.com" rel="noopener noreferrer">mail<\/a>/);
    assert.match(out, /<a href="https:\/\/example.org\/x" rel="noopener noreferrer">https:\/\/example.org\/x<\/a>/);
  });

  test('every unsafe scheme and disguise becomes plain text', () => {
    const targets = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java&#x09;script:alert(1)',
      'java&#10;script:alert(1)',
      '&#106;avascript:alert(1)',
      'javascript&colon;alert(1)',
      'javascript%3Aalert(1)',
      '<java script:alert(1)>',
      '<\x01javascript:alert(1)>',
      'vbscript:msgbox(1)',
      'VBScript:msgbox(1)',
      'file:///etc/passwd',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'data:image/png;base64,AAAA',
      '//evil.example/x',
      '/\\evil.example/x',
      '\\\\\\\\evil.example', // two backslashes after markdown unescaping
      'ftp://example.com/x',
      'chrome:settings',
    ];
    for (const target of targets) {
      for (const source of [`[click](${target})`, `[click][r]\n\n[r]: ${target}`]) {
        const out = htmlOf(source, { resolveLink: () => '/resolved' });
        assert.doesNotMatch(out, /<a /, source);
        assert.match(out, /<span class="link-unavailable" title="[^"]+">click<\/span>/, source);
      }
    }
    assert.doesNotMatch(htmlOf('<javascript:alert(1)> <JAVASCRIPT:alert(1)>'), /<a /);
  });
});

describe('raw HTML', () => {
  test('raw HTML is shown as text and never rendered', () => {
    const sources = [
      '<script>alert(1)</script>',
      'text <script>alert(1)</script> text',
      '<img src=x onerror=alert(1)>',
      'inline <img src=x onerror="alert(1)"> here',
      '<a href=javascript:alert(1)>x</a>',
      '<a href="javascript:alert(1)">x</a>',
      '<div>\n<iframe src="https://evil.example"></iframe>\n</div>',
      '<!-- comment --><style>*{}</style>',
    ];
    for (const source of sources) {
      const out = htmlOf(source);
      // (a URL inside the escaped text is still linkified, safely)
      assert.doesNotMatch(out, /<(script|img|iframe|style|div|!--)|<a href="?javascript/i, source);
      assert.match(out, /&lt;/, source);
    }
  });
});

describe('images', () => {
  test('relative images are resolved and shown', () => {
    const out = htmlOf('![Architecture](img/arch.png "Overview")');
    assert.match(out, /<img src="\/assets\/img\/arch.png" alt="Architecture" title="Overview" loading="lazy">/);
  });

  test('remote images are not loaded but linked by their alt text', () => {
    const out = htmlOf('![Build status](https://ci.example.com/badge.svg)');
    assert.doesNotMatch(out, /<img/);
    assert.match(
      out,
      /<a href="https:\/\/ci.example.com\/badge.svg" rel="noopener noreferrer" class="remote-image"[^>]*>Build status<\/a>/,
    );
  });

  test('a remote image inside a link does not nest links', () => {
    const out = htmlOf('[![ci](https://ci.example.com/b.svg)](https://ci.example.com)');
    assert.doesNotMatch(out, /<img/);
    assert.equal(out.match(/<a /g)?.length, 1);
    assert.match(out, />ci<\/span><\/a>/);
  });

  test('images that cannot be served or have unsafe addresses are plain text', () => {
    for (const source of [
      '![gone](missing.png)',
      '![x](data:image/png;base64,AAAA)',
      '![x](javascript:alert(1))',
      '![x](//evil.example/a.png)',
    ]) {
      const out = htmlOf(source);
      assert.doesNotMatch(out, /<img|<a /, source);
      assert.match(out, /<span class="link-unavailable"/, source);
    }
  });
});

describe('tables and text', () => {
  test('tables are wrapped in a scrolling box', () => {
    const out = htmlOf('| a | b |\n|---|--:|\n| 1 | 2 |');
    assert.match(
      out,
      /^<div class="table-scroll">\n<table>\n[\s\S]*<td style="text-align:right">2<\/td>[\s\S]*<\/table>\n<\/div>\n$/,
    );
  });

  test('bare URLs are linked and typography is left alone', () => {
    const out = htmlOf('See https://example.com -- "quoted" (c)');
    assert.match(
      out,
      /<a href="https:\/\/example.com" rel="noopener noreferrer">https:\/\/example.com<\/a> -- &quot;quoted&quot; \(c\)/,
    );
  });

  test('each call uses its own resolver', () => {
    assert.match(htmlOf('[a](x.md)', { resolveLink: () => '/one' }), /href="\/one"/);
    assert.match(htmlOf('[a](x.md)', { resolveLink: () => '/two' }), /href="\/two"/);
  });
});

describe('limits', () => {
  test('input over 2 MiB is cut with a visible note', () => {
    const source = `${'€ word\n'.repeat(Math.ceil(MAX_MARKDOWN_BYTES / 9) + 10)}TAIL`;
    const out = htmlOf(source);
    assert.doesNotMatch(out, /TAIL/);
    assert.doesNotMatch(out, /\uFFFD/);
    assert.match(out, /<p class="truncated-note">[^<]*2 MiB[^<]*<\/p>\n$/);
    assert.doesNotMatch(htmlOf('short'), /truncated-note/);
  });

  test('deeply nested quotes, lists and brackets do not crash', () => {
    const sources = [
      `${'>'.repeat(10_000)} deep`,
      Array.from({ length: 10_000 }, (_, i) => `${'>'.repeat(i + 1)} x`).join('\n'),
      `${'- '.repeat(10_000)}deep`,
      Array.from({ length: 10_000 }, (_, i) => `${'  '.repeat(i)}- x`).join('\n'),
      `${'!['.repeat(10_000)}x${'](a)'.repeat(10_000)}`,
      `${'['.repeat(10_000)}x${'](a.md)'.repeat(10_000)}`,
      `${'*'.repeat(10_000)}x${'*'.repeat(10_000)}`,
    ];
    for (const source of sources) assert.equal(typeof htmlOf(source), 'string');
  });

  test('embedded Markdown keeps its headings out of the page outline: bold paragraphs, no ids, no table of contents', () => {
    const out = renderMarkdown('# Title\n\n## Section\n\ntext', { resolveLink: () => undefined, embedded: true });
    assert.doesNotMatch(out.html.value, /<h[1-6]|\sid=/);
    assert.match(out.html.value, /<p class="md-heading md-h2">Section<\/p>/);
    assert.deepEqual(out.toc, []);
    assert.equal(out.title, undefined);
  });
});
