import { describe, expect, it } from 'vitest';
import { signedUrlVariants, twilioSignature } from '../../../../functions/providers/twilio/signature.ts';

const docsUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';

describe('twilioSignature', () => {
  it("matches Twilio's documented example", () => {
    // Prepare
    const params = new URLSearchParams({
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    });

    // Act
    const signature = twilioSignature('12345', docsUrl, params);

    // Assess
    expect(signature).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it("matches twilio-node's vector for a repeated parameter", () => {
    const params = new URLSearchParams([
      ['Sid', 'CA123'],
      ['SidAccount', 'AC123'],
      ['Digits', '5678'],
      ['Digits', '1234'],
      ['Digits', '1234'],
    ]);

    const signature = twilioSignature('12345', docsUrl, params);

    expect(signature).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });

  it('does not depend on the order of the parameters in the body', () => {
    const fields: [string, string][] = [
      ['To', '+18005551212'],
      ['Body', 'hi there'],
      ['From', '+14158675309'],
      ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
    ];

    const forward = twilioSignature('12345', docsUrl, new URLSearchParams(fields));
    const reversed = twilioSignature('12345', docsUrl, new URLSearchParams([...fields].reverse()));

    expect(reversed).toBe(forward);
  });

  it('changes with the URL, a value or the token', () => {
    const params = new URLSearchParams({ Body: 'hi', From: '+14158675309' });
    const base = twilioSignature('12345', docsUrl, params);

    expect(twilioSignature('12345', `${docsUrl}&baz=3`, params)).not.toBe(base);
    expect(twilioSignature('12345', docsUrl, new URLSearchParams({ Body: 'hi!', From: '+14158675309' }))).not.toBe(base);
    expect(twilioSignature('54321', docsUrl, params)).not.toBe(base);
  });
});

describe('signedUrlVariants', () => {
  it('adds the :443 variant to an https URL without a port, keeping the query string', () => {
    const variants = signedUrlVariants('https://mycompany.com/myapp.php?foo=1&bar=2');

    expect(variants).toEqual(['https://mycompany.com/myapp.php?foo=1&bar=2', 'https://mycompany.com:443/myapp.php?foo=1&bar=2']);
  });

  it('adds the variant without a port to an https URL with :443', () => {
    const variants = signedUrlVariants('https://mycompany.com:443/myapp.php?foo=1&bar=2');

    expect(variants).toEqual(['https://mycompany.com/myapp.php?foo=1&bar=2', 'https://mycompany.com:443/myapp.php?foo=1&bar=2']);
  });

  it('treats :80 as the default port of http', () => {
    const variants = signedUrlVariants('http://mycompany.com:80/myapp.php?foo=1&bar=2');

    expect(variants).toEqual(['http://mycompany.com/myapp.php?foo=1&bar=2', 'http://mycompany.com:80/myapp.php?foo=1&bar=2']);
  });

  it('returns a URL with a non-default port as it is, and only it', () => {
    const variants = signedUrlVariants('https://mycompany.com:8443/myapp.php?foo=1&bar=2');

    expect(variants).toEqual(['https://mycompany.com:8443/myapp.php?foo=1&bar=2']);
  });
});
