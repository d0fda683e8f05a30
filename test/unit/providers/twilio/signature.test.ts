import { describe, expect, it } from 'vitest';
import { portForms, reencodedForms, twilioSignature } from '../../../../functions/providers/twilio/signature.ts';

const docsUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';

describe('twilioSignature', () => {
  it("matches Twilio's documented example", () => {
    // Prepare: https://www.twilio.com/docs/usage/webhooks/webhooks-security, and
    // twilio/twilio-node spec/validation.spec.js @005ea9cdbad2969f1d6c1f5059aa7df509f2d934
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

  it("matches twilio-node's vector for an array parameter, whatever the order of its values", () => {
    // twilio/twilio-node spec/validation.spec.js @005ea9cd…: "MessagingBinding.Address".
    const forward = twilioSignature('12345', docsUrl, [
      ['MessagingBinding.Address', '+1325xxxxxxx'],
      ['MessagingBinding.Address', '+1415xxxxxxx'],
    ]);
    const reversed = twilioSignature('12345', docsUrl, [
      ['MessagingBinding.Address', '+1415xxxxxxx'],
      ['MessagingBinding.Address', '+1325xxxxxxx'],
    ]);

    expect(forward).toBe('83O6e2vORAoJHUNzJjDWN1jz+BA=');
    expect(reversed).toBe(forward);
  });

  it("matches twilio-node's vector for a JSON body: the URL with its bodySHA256, without parameters", () => {
    // twilio/twilio-node spec/validation.spec.js @005ea9cd…: requestUrlWithHash.
    const url = `${docsUrl}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;

    expect(twilioSignature('12345', url)).toBe('a9nBmqA0ju/hNViExpshrM61xv4=');
  });

  it('does not depend on the order of the parameters in the body', () => {
    const fields: [string, string][] = [
      ['To', '+18005551212'],
      ['Body', 'hi there'],
      ['From', '+14158675309'],
      ['MessageSid', 'SM0123456789abcdef0123456789abcdef'],
    ];

    const forward = twilioSignature('12345', docsUrl, fields);
    const reversed = twilioSignature('12345', docsUrl, [...fields].reverse());

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

describe('portForms', () => {
  it('starts with the URL as received, then adds :443, keeping the query string', () => {
    const forms = portForms('https://mycompany.com/myapp.php?foo=1&bar=2');

    expect(forms).toEqual(['https://mycompany.com/myapp.php?foo=1&bar=2', 'https://mycompany.com:443/myapp.php?foo=1&bar=2']);
  });

  it('adds the form without a port to an https URL with :443', () => {
    const forms = portForms('https://mycompany.com:443/myapp.php?foo=1&bar=2');

    expect(forms).toEqual(['https://mycompany.com:443/myapp.php?foo=1&bar=2', 'https://mycompany.com/myapp.php?foo=1&bar=2']);
  });

  it('treats :80 as the default port of http', () => {
    const forms = portForms('http://mycompany.com:80/myapp.php?foo=1&bar=2');

    expect(forms).toEqual(['http://mycompany.com:80/myapp.php?foo=1&bar=2', 'http://mycompany.com/myapp.php?foo=1&bar=2']);
  });

  it('adds the form without a port to a URL with another port, as twilio-node does', () => {
    // twilio/twilio-node spec/validation.spec.js @005ea9cd…: "should validate https urls with ports by stripping them".
    const forms = portForms('https://mycompany.com:1234/myapp.php?foo=1&bar=2');

    expect(forms).toEqual(['https://mycompany.com:1234/myapp.php?foo=1&bar=2', 'https://mycompany.com/myapp.php?foo=1&bar=2']);
  });

  it('keeps credentials in the URL and puts the port after the host', () => {
    const forms = portForms('https://user:pass@mycompany.com/myapp.php');

    expect(forms).toEqual(['https://user:pass@mycompany.com/myapp.php', 'https://user:pass@mycompany.com:443/myapp.php']);
  });

  it('puts the port after the brackets of an IPv6 host', () => {
    const forms = portForms('https://[2001:db8::1]/hooks');

    expect(forms).toEqual(['https://[2001:db8::1]/hooks', 'https://[2001:db8::1]:443/hooks']);
  });

  it.each(['not a url', 'ftp://example.com/hooks', 'https://example.com:/hooks'])('gives only %s itself when it cannot place a port', (url) => {
    expect(portForms(url)).toEqual([url]);
  });
});

describe('reencodedForms', () => {
  it("gives the WHATWG form, which escapes ', and the legacy querystring form, which does not", () => {
    const forms = reencodedForms("https://example.com/path?test=param'With+Quote");

    expect(forms).toEqual([
      'https://example.com/path?test=param%27With+Quote',
      'https://example.com:443/path?test=param%27With+Quote',
      "https://example.com/path?test=param'With%20Quote",
      "https://example.com:443/path?test=param'With%20Quote",
    ]);
  });

  it('gives nothing for a URL that no re-encoding changes', () => {
    expect(reencodedForms('https://example.com/path?a=1')).toEqual([]);
  });

  it('gives nothing for a URL it cannot parse', () => {
    expect(reencodedForms('not a url')).toEqual([]);
  });
});
