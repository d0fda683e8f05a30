import { describe, expect, it } from 'vitest';
import { maxSubjectLength, signatureBurstAlert, subjectOf } from '../../../functions/core/alerts.ts';

const burst = { tenantId: 'acme', endpointId: 'ep_4kQ2v9XbLw0aZt7Rm3cYd1EuPs8', provider: 'twilio', failures: 5 };

describe('signatureBurstAlert', () => {
  it('names the endpoint in the subject', () => {
    // Act
    const { subject } = signatureBurstAlert(burst);

    // Assess
    expect(subject).toBe('Switchboard: signature failures on endpoint ep_4kQ2v9XbLw0aZt7Rm3cYd1EuPs8');
  });

  it('says which endpoint, provider and tenant, how many failures, what they mean and the commands that fix it', () => {
    // Act
    const { message } = signatureBurstAlert(burst);

    // Assess
    expect(message).toBe(
      [
        'Endpoint ep_4kQ2v9XbLw0aZt7Rm3cYd1EuPs8 (provider twilio, tenant acme) has refused 5 webhooks with a bad signature this hour.',
        '',
        'What it means: the signing secret Switchboard holds for this endpoint is wrong, or it was rotated at the provider;',
        "or someone is sending forged requests to its URL. Until it is fixed, the provider's webhooks to it are refused.",
        '',
        'What to do:',
        '  1. See the refused requests: switchboard recent --endpoint ep_4kQ2v9XbLw0aZt7Rm3cYd1EuPs8 --outcome refused',
        '  2. If the provider signs with a new secret: switchboard endpoint secret add ep_4kQ2v9XbLw0aZt7Rm3cYd1EuPs8 --secret <new>',
        "  3. Once the provider's webhooks pass again: switchboard endpoint secret remove ep_4kQ2v9XbLw0aZt7Rm3cYd1EuPs8 --secret <old>",
        '',
        "If the secret is right, the requests are not the provider's: nothing was accepted from them.",
        'This alert is sent once per endpoint and hour.',
      ].join('\n'),
    );
  });

  it('keeps the subject within what SNS accepts whatever the endpoint id holds, and the message keeps the id whole', () => {
    // Prepare
    const endpointId = `ep_é\n${'x'.repeat(120)}`;

    // Act
    const { subject, message } = signatureBurstAlert({ ...burst, endpointId });

    // Assess
    expect(subject).toBe(`Switchboard: signature failures on endpoint ep_??${'x'.repeat(48)}...`);
    expect(subject).toHaveLength(maxSubjectLength);
    expect(message).toContain(`switchboard recent --endpoint ${endpointId} --outcome refused`);
  });
});

describe('subjectOf', () => {
  it('keeps printable ASCII of up to 100 characters as it is', () => {
    const text = `Switchboard: ${'a'.repeat(maxSubjectLength - 13)}`;
    expect(subjectOf(text)).toBe(text);
  });

  it('replaces line breaks, tabs, escapes and non-ASCII characters', () => {
    expect(subjectOf('a\r\nb\tc\u001b[31md ü')).toBe('a??b?c?[31md ?');
  });
});
