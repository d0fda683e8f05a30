import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigurationError, resolveSettings, settingsFromContext } from '../lib/config.ts';
import { SwitchboardStack } from '../lib/switchboard-stack.ts';

const app = new App();

// Every setting is CDK context (`-c key=value` or cdk.json); README "Deploy to AWS" lists them.
const { stackName, settings, problems } = settingsFromContext((key) => app.node.tryGetContext(key));
const allProblems = [...problems, ...resolveSettings(settings).problems];
if (allProblems.length > 0) {
  // A configuration mistake is the user's to fix: every problem at once, and no stack trace.
  console.error(new ConfigurationError(allProblems).message);
  process.exit(1);
}

new SwitchboardStack(app, stackName, {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...settings,
});

// Synth fails on any AwsSolutions finding not acknowledged, with its reason, on its resource.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
