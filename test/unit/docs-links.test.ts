/**
 * The docs hold together: every link to a file of this repository names one that exists (and a heading it has), the
 * README reaches every page of docs/ by an absolute URL that registries can follow, and the architecture picture is
 * drawn from the README's current Mermaid source.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const REPOSITORY = 'cdk-streaming-bedrock-api/cdk-streaming-bedrock-api';
const BLOB_URL = `https://github.com/${REPOSITORY}/blob/main/`;
const RAW_URL = `https://raw.githubusercontent.com/${REPOSITORY}/main/`;

const DOCS_PAGES = fs
  .readdirSync(path.join(ROOT, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file}`);
const MARKDOWN_FILES = ['README.md', 'CONTRIBUTING.md', 'examples/README.md', ...DOCS_PAGES];

interface Link {
  readonly file: string;
  readonly target: string;
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The text outside code blocks and code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

function linksOf(file: string): Link[] {
  return [...prose(read(file)).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => ({ file, target: m[1] }));
}

/** GitHub's anchor of each heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of read(file)
    .replace(/^```[\s\S]*?^```/gm, '')
    .matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** The repository file (and anchor) a link names, or undefined for a link that leaves the repository. */
function repositoryTarget(link: Link): { path: string; anchor?: string } | undefined {
  const [address, anchor] = link.target.split('#');
  if (address.startsWith(BLOB_URL) || address.startsWith(RAW_URL)) {
    return { path: address.slice(address.startsWith(BLOB_URL) ? BLOB_URL.length : RAW_URL.length), anchor };
  }
  if (/^[a-z]+:/i.test(address)) {
    return undefined;
  }
  const own =
    address === '' ? link.file : path.posix.normalize(path.posix.join(path.posix.dirname(link.file), address));
  return { path: own, anchor };
}

const REPOSITORY_LINKS = MARKDOWN_FILES.flatMap(linksOf)
  .map((link) => ({ link, target: repositoryTarget(link) }))
  .filter((entry): entry is { link: Link; target: { path: string; anchor?: string } } => entry.target !== undefined);

test.each(REPOSITORY_LINKS.map(({ link, target }) => [link.file, link.target, target] as const))(
  '%s: the link %s names a file of the repository',
  (_file, _link, target) => {
    expect(fs.existsSync(path.join(ROOT, target.path))).toBe(true);
  },
);

test.each(
  REPOSITORY_LINKS.filter(({ target }) => target.anchor && target.path.endsWith('.md')).map(
    ({ link, target }) => [link.file, link.target, target] as const,
  ),
)('%s: the link %s names a heading of its page', (_file, _link, target) => {
  expect([...anchorsOf(target.path)]).toContain(target.anchor);
});

test('the README links files of the repository by absolute URL, which npm, PyPI, Maven, NuGet and Go can all follow', () => {
  const relative = linksOf('README.md').filter((link) => !/^(https:|#)/.test(link.target));
  expect(relative).toEqual([]);
});

test('the README links every page of docs/', () => {
  const linked = linksOf('README.md').map((link) => link.target.split('#')[0]);
  expect(DOCS_PAGES.filter((page) => !linked.includes(`${BLOB_URL}${page}`))).toEqual([]);
});

test('the README shows the architecture picture, drawn from its current Mermaid source', () => {
  const source = read('README.md').match(/```mermaid\n([\s\S]*?)```/)?.[1] ?? '';
  const drawnFrom = pngText(fs.readFileSync(path.join(ROOT, 'docs', 'architecture.png')), 'mermaid-source-sha256');
  expect(linksOf('README.md').map((link) => link.target)).toContain(`${RAW_URL}docs/architecture.png`);
  // A stale picture: run `npx projen docs:diagram` and commit docs/architecture.png.
  expect(drawnFrom).toBe(createHash('sha256').update(source).digest('hex'));
});

/** The value of a PNG's tEXt chunk `key\0value`. */
function pngText(png: Buffer, key: string): string | undefined {
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.toString('latin1', offset + 8, offset + 8 + length);
    if (type === 'tEXt' && data.startsWith(`${key}\0`)) {
      return data.slice(key.length + 1);
    }
    offset += length + 12;
  }
  return undefined;
}
