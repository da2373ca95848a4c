// Synthesizes the matrix with cdk-nag 2 (Aspects + NagSuppressions metadata) and prints its error and warning
// annotations as JSON.
const { App, Aspects } = require('aws-cdk-lib');
const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag2');
const { addStacks } = require('./stacks');

const app = new App({ outdir: process.argv[2] });
Aspects.of(app).add(new AwsSolutionsChecks());
Aspects.of(app).add(new ServerlessChecks());
addStacks(app);
const assembly = app.synth();
const findings = assembly.stacks.flatMap((stack) =>
  stack.messages
    .filter((m) => m.level === 'error' || m.level === 'warning')
    .map((m) => ({ severity: m.level, path: m.id, message: String(m.entry.data).split(':')[0] })),
);
process.stdout.write(JSON.stringify({ findings }));
