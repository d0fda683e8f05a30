import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addEndpoint } from '../../../lib/cli/endpoint.ts';
import { send } from '../../../lib/cli/send.ts';
import { hasControls } from '../../../lib/cli/terminal-text.ts';
import { inMemoryTarget } from '../../helpers/cli-target.ts';

/** What bash makes of a printed shell word. */
const shellValue = (word: string): string => execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'utf8' });

describe('switchboard send --curl', () => {
  it("prints a multipart body's CRLFs escaped, in a word the shell turns back into the exact body", async () => {
    // Prepare
    const { target } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'sendgrid', tenant: 'acme', secrets: ['parse-user:parse-password'] });

    // Act
    const lines = await send(target, endpointId, { text: "it's \\ fine", curl: true });

    // Assess
    const word = lines.at(-1)?.replace(/^ {2}--data-raw /, '') ?? '';
    const body = shellValue(word);
    expect(lines.some(hasControls)).toBe(false);
    expect(word.startsWith("$'")).toBe(true);
    expect(body).toContain('\r\nContent-Disposition: form-data; name="text"\r\n\r\nit\'s \\ fine\r\n');
  });

  it('quotes a body without controls plainly', async () => {
    const { target } = inMemoryTarget();
    const { endpointId } = await addEndpoint(target, { provider: 'twilio', tenant: 'acme', secrets: ['an-auth-token'] });

    const lines = await send(target, endpointId, { text: "it's", curl: true });

    const word = lines.at(-1)?.replace(/^ {2}--data-raw /, '') ?? '';
    expect(word.startsWith("'")).toBe(true);
    expect(new URLSearchParams(shellValue(word)).get('Body')).toBe("it's");
  });
});
