// Synthesizes the matrix with cdk-nag 3 (validation plugins) and aws-cdk-lib's CloudFormation schema validation,
// then prints every violation as JSON.
const fs = require('fs');
const path = require('path');
const { App, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag');
const { addStacks } = require('./stacks');

const outdir = process.argv[2];
const app = new App({
  outdir,
  context: {
    '@aws-cdk/core:validateAgainstDefaultRules': true,
    '@aws-cdk/core:failSynthOnValidationErrors': false,
    '@aws-cdk/core:validationReportJson': true,
  },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
const stacks = addStacks(app);
app.synth();

const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
const violations = report.pluginReports.flatMap((plugin) =>
  (plugin.violations ?? []).flatMap((v) =>
    (v.violatingConstructs ?? v.violatingResources ?? []).map((r) => ({
      plugin: plugin.pluginName,
      rule: v.ruleName,
      severity: v.severity,
      path: r.constructPath ?? r.resourceLogicalId,
    })),
  ),
);
process.stdout.write(JSON.stringify({ stacks: stacks.map((s) => s.stackName), violations }));
