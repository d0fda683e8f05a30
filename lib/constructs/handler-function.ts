import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { functionSizes, type FunctionName } from '../definitions/functions.ts';

// Resolved from this file, not the working directory, so synth works from any folder.
const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface HandlerFunctionProps {
  /** The handler's folder under `functions/`; it also picks the function's memory and timeout. */
  readonly name: FunctionName;
  /**
   * The variables the handler's `readConfig` asks for.
   *
   * @default - only the variables every function gets (source maps, Powertools service name)
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The function's share of the account's Lambda concurrency, which is also its cap: for the
   * functions a caller can keep busy, so that they cannot starve the others.
   *
   * @default - none reserved: the function draws on the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
}

/**
 * The one place that decides how a Switchboard handler is built and run: Node.js 24 on arm64,
 * sized as lib/definitions/functions.ts says, bundled by esbuild as minified ESM with the AWS
 * SDK inside, traced, logging to a log group of its own (its retention is set stack-wide),
 * under a role that may write to that log group and nothing else until a construct grants it more.
 */
export class HandlerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
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
      memorySize: functionSizes[props.name].memoryMb,
      timeout: Duration.seconds(functionSizes[props.name].timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...(props.reservedConcurrency !== undefined && { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'switchboard',
        ...props.environment,
      },
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
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions get Resource "*": X-Ray PutTraceSegments and PutTelemetryRecords (tracing), CloudWatch GetMetricData (health) and DynamoDB ListStreams (stream mapping).',
    });
  }
}
