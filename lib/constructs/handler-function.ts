import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { environmentOf, grantsOf } from '../definitions/environment.ts';
import { functionDefinitions, type FunctionDefinition, type FunctionName } from '../definitions/functions.ts';
import { grant } from './grants.ts';
import { resourceValuesOf, type StackResources } from './stack-resources.ts';

// Resolved from this file, not the working directory, so synth works from any folder.
const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface HandlerFunctionProps {
  /** The function's definition (lib/definitions/functions.ts), and its handler's folder under `functions/`. */
  readonly name: FunctionName;
  /** What its variables and grants name: the tables, queues, bucket, secret and URLs made so far. */
  readonly resources: StackResources;
}

/**
 * The one place that decides how a Switchboard handler is built and run: Node.js 24 on arm64,
 * sized, configured and granted as its definition in lib/definitions/functions.ts says, bundled by esbuild as minified ESM with the AWS
 * SDK inside, traced, logging to a log group of its own (its retention is set stack-wide),
 * under a role that may write to that log group and nothing else until a construct grants it more.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const definition: FunctionDefinition = functionDefinitions[props.name];
    const { reservedConcurrency } = props.resources.settings;
    const values = resourceValuesOf(props.resources);
    const logGroup = new LogGroup(scope, `${id}Logs`);
    // Not AWSLambdaBasicExecutionRole, which may create log groups and write to any of them.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: path.join(repositoryRoot, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      projectRoot: repositoryRoot,
      depsLockFilePath: path.join(repositoryRoot, 'package-lock.json'),
      memorySize: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...(definition.reservedConcurrency && reservedConcurrency && { reservedConcurrentExecutions: reservedConcurrency[definition.reservedConcurrency] }),
      environment: environmentOf(props.name, values),
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not the sources: a smaller map loads faster at cold start.
        sourcesContent: false,
        format: OutputFormat.ESM,
        target: 'node24',
        // The bundled SDK is the version the code was tested with, and tree-shaken to what it uses.
        bundleAwsSDK: true,
        // Prefer packages' ESM builds, which esbuild can tree-shake.
        mainFields: ['module', 'main'],
        // CommonJS dependencies inside an ESM bundle still call require().
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    for (const declared of grantsOf(props.name, values.tokenMode)) grant(this, declared, props.resources);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions get Resource "*": X-Ray PutTraceSegments and PutTelemetryRecords (tracing), CloudWatch GetMetricData (health) and DynamoDB ListStreams (stream mapping).',
    });
  }
}
