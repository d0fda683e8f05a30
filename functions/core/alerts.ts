/**
 * Alerts the functions publish to the alarm topic, as text for a person: what happened, what
 * it means and what to do. Only names and counts, never a request's content or a secret: the
 * topic's subscribers (an email address, a chat hook) are outside the stack.
 */

/** An endpoint whose requests failed their signature check this hour as often as the alert threshold (core/stats.ts). */
export interface SignatureBurst {
  readonly tenantId: string;
  readonly endpointId: string;
  readonly provider: string;
  readonly failures: number;
}

export interface Alert {
  /** An email's subject line. */
  readonly subject: string;
  /** Plain text. */
  readonly message: string;
}

/** SNS refuses a subject over 100 characters, or with anything but printable ASCII (no line breaks). */
export const maxSubjectLength = 100;

/**
 * A subject SNS accepts whatever the names in it hold: other characters become `?`, and a
 * subject too long ends in `...`. The message carries the names as they are.
 */
export const subjectOf = (text: string): string => {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= maxSubjectLength ? ascii : `${ascii.slice(0, maxSubjectLength - 3)}...`;
};

/** The alert for an endpoint whose webhooks keep failing their signature check. */
export const signatureBurstAlert = ({ tenantId, endpointId, provider, failures }: SignatureBurst): Alert => ({
  subject: subjectOf(`Switchboard: signature failures on endpoint ${endpointId}`),
  message: [
    `Endpoint ${endpointId} (provider ${provider}, tenant ${tenantId}) has refused ${failures} webhooks with a bad signature this hour.`,
    '',
    'What it means: the signing secret Switchboard holds for this endpoint is wrong, or it was rotated at the provider;',
    'or someone is sending forged requests to its URL. Until it is fixed, the provider\'s webhooks to it are refused.',
    '',
    'What to do:',
    `  1. See the refused requests: switchboard recent --endpoint ${endpointId} --outcome refused`,
    `  2. If the provider signs with a new secret: switchboard endpoint secret add ${endpointId} --secret <new>`,
    `  3. Once the provider's webhooks pass again: switchboard endpoint secret remove ${endpointId} --secret <old>`,
    '',
    'If the secret is right, the requests are not the provider\'s: nothing was accepted from them.',
    'This alert is sent once per endpoint and hour.',
  ].join('\n'),
});
