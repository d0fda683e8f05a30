import { describe, expect, it } from 'vitest';
import { parseParameterizedHeader } from '../../../../functions/providers/email/parameters.ts';

describe('parseParameterizedHeader', () => {
  it('lower-cases the value and unquotes parameters', () => {
    const header = parseParameterizedHeader('Multipart/Mixed; Boundary="----=_Part_1; x"; charset=UTF-8');

    expect(header).toEqual({ value: 'multipart/mixed', parameters: { boundary: '----=_Part_1; x', charset: 'UTF-8' } });
  });

  it('unescapes quoted pairs', () => {
    expect(parseParameterizedHeader('form-data; name="a\\"b"').parameters.name).toBe('a"b');
  });

  it("decodes an RFC 2231 encoded parameter (the RFC's own example)", () => {
    // https://www.rfc-editor.org/rfc/rfc2231#section-4
    const header = parseParameterizedHeader("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");

    expect(header.parameters.title).toBe('This is ***fun***');
  });

  it("joins RFC 2231 continuations in order (the RFC's example, pieces shuffled)", () => {
    // https://www.rfc-editor.org/rfc/rfc2231#section-3
    const header = parseParameterizedHeader('message/external-body; access-type=URL; URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"; URL*0="ftp://"');

    expect(header.parameters.url).toBe('ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar');
  });

  it('decodes a UTF-8 filename split into encoded continuations, preferring it to the plain one', () => {
    const header = parseParameterizedHeader("attachment; filename=\"fallback.pdf\"; filename*0*=UTF-8''%E2%82%AC%20invoice; filename*1=\".pdf\"");

    expect(header.parameters.filename).toBe('€ invoice.pdf');
  });

  it('decodes a crafted 300,000-escape value in one pass, without exhausting the stack', () => {
    const header = `attachment; filename*=utf-8''${'%41'.repeat(300_000)}`;

    expect(parseParameterizedHeader(header).parameters.filename).toBe('A'.repeat(300_000));
  });

  it('keeps a percent sign that starts no escape', () => {
    expect(parseParameterizedHeader("attachment; filename*=utf-8''100%25%20off%zz.pdf").parameters.filename).toBe('100% off%zz.pdf');
  });

  it('returns an empty value for an empty header', () => {
    expect(parseParameterizedHeader('')).toEqual({ value: '', parameters: {} });
  });
});
