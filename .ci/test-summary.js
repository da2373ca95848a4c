// Prints "N passed, N failed" from jest-junit's reports (one per test task: test-unit.xml, test-bundle.xml, ...). A build that
// failed outside the tests (set-up, compile, lint, packaging, a dirty tree) counts as one more failure, so the
// closing line never claims success for a failed build.
const fs = require('fs');
const path = require('path');
const [, , reportDir, buildStatus] = process.argv;
let passed = 0;
let failed = 0;
let skipped = 0;
const reports = fs.existsSync(reportDir) ? fs.readdirSync(reportDir).filter((name) => name.endsWith('.xml')) : [];
for (const name of reports) {
  const xml = fs.readFileSync(path.join(reportDir, name), 'utf8');
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const inner = match[2] ?? '';
    if (/<(failure|error)\b/.test(inner)) failed++;
    else if (/<skipped\b/.test(inner)) skipped++;
    else passed++;
  }
}
if (buildStatus !== '0' && failed === 0) {
  console.log(`build failed (exit ${buildStatus}) outside the test cases`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
