import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import type { StackResources } from './stack-resources.ts';
import { addEventSources } from './triggers.ts';

export interface ProcessingProps {
  /** The ingest queue, the tables and the bucket the processor's definition names. */
  readonly resources: StackResources;
}

/** The processor: parses, dedupes, threads and stores queued webhooks, reporting failures per record. */
export class Processing extends Construct {
  public readonly processorFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: ProcessingProps) {
    super(scope, id);
    this.processorFunction = new HandlerFunction(this, 'ProcessorFunction', { name: 'processor', resources: props.resources });
    addEventSources(this.processorFunction, 'processor', props.resources);
  }
}
