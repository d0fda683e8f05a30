import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import type { StackResources } from './stack-resources.ts';
import { addEventSources } from './triggers.ts';

export interface MediaKeepingProps {
  /** The messages stream and table, the endpoints table, the body bucket, the send key and the stream failure queue its definition names. */
  readonly resources: StackResources;
}

/** The media function: a second consumer of the messages stream that keeps inbound files in the body bucket. */
export class MediaKeeping extends Construct {
  public readonly mediaFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: MediaKeepingProps) {
    super(scope, id);
    this.mediaFunction = new HandlerFunction(this, 'MediaFunction', { name: 'media', resources: props.resources });
    addEventSources(this.mediaFunction, 'media', props.resources);
  }
}
