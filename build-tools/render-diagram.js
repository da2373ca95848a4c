// Renders the README's architecture diagram (its ```mermaid block) to docs/architecture.png, with no network:
// mermaid's browser build inside Debian's headless Chromium (installed by `npx projen setup`). Registries show the
// README but not Mermaid, hence the picture. The PNG records the SHA-256 of the source it was drawn from (a tEXt
// chunk), so that test/docs.test.ts can tell when the picture is stale. Run by `npx projen docs:diagram`.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const ROOT = path.join(__dirname, '..');
const OUTPUT = path.join(ROOT, 'docs', 'architecture.png');
const SOURCE_KEY = 'mermaid-source-sha256';

function readDiagramSource() {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const source = readme.match(/```mermaid\n([\s\S]*?)```/)?.[1];
  if (!source) {
    throw new Error('README.md has no ```mermaid block to render');
  }
  return source;
}

async function renderPng(source) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    // Twice the pixels of the layout, so that the text stays sharp where a page scales the picture down.
    const page = await browser.newPage({ deviceScaleFactor: 2, viewport: { width: 1600, height: 900 } });
    await page.setContent('<!doctype html><body style="margin:0;background:#fff"><div id="diagram"></div></body>');
    await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
    await page.evaluate(async (text) => {
      const { mermaid } = globalThis;
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
      const { svg } = await mermaid.render('architecture', text);
      document.getElementById('diagram').innerHTML = svg;
    }, source);
    return await page.locator('#diagram svg').screenshot({ omitBackground: false });
  } finally {
    await browser.close();
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) {
    c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The PNG with a tEXt chunk `key\0value` inserted before its last chunk (IEND, always 12 bytes). */
function withTextChunk(png, key, value) {
  const typeAndData = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`${key}\0${value}`, 'latin1')]);
  const chunk = Buffer.alloc(typeAndData.length + 8);
  chunk.writeUInt32BE(typeAndData.length - 4, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData), chunk.length - 4);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

async function main() {
  const source = readDiagramSource();
  const sha256 = crypto.createHash('sha256').update(source).digest('hex');
  const png = await renderPng(source);
  fs.writeFileSync(OUTPUT, withTextChunk(png, SOURCE_KEY, sha256));
  console.log(`${path.relative(ROOT, OUTPUT)}: ${png.length} bytes, from the README's Mermaid source ${sha256}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
