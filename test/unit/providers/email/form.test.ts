import { describe, expect, it } from 'vitest';
import { encodeFormData, fieldNamed, formFingerprint, numberedFields, readForm, type FormField } from '../../../../functions/providers/email/form.ts';

const field = (name: string, value: string, file?: { filename: string; contentType: string }): FormField => ({ name, bytes: Buffer.from(value), ...file });

describe('readForm', () => {
  it('reads a urlencoded body, decoding + as a space', () => {
    // Prepare
    const body = Buffer.from('recipient=support%40mg.example.com&subject=Order+%231042&empty=');

    // Act
    const fields = readForm(body, 'application/x-www-form-urlencoded');

    // Assess
    expect(fields?.map(({ name, bytes }) => [name, bytes.toString()])).toEqual([
      ['recipient', 'support@mg.example.com'],
      ['subject', 'Order #1042'],
      ['empty', ''],
    ]);
  });

  it('reads a multipart/form-data body with a file part, whatever the Content-Type case and parameters', () => {
    const body = encodeFormData([field('subject', 'Hi'), field('attachment-1', 'a,b\r\n1,2\r\n', { filename: 'data.csv', contentType: 'text/csv' })], 'BoUnDaRy');

    const fields = readForm(body, 'Multipart/Form-Data; charset=utf-8; boundary="BoUnDaRy"');

    expect(fieldNamed(fields ?? [], 'subject')?.bytes.toString()).toBe('Hi');
    expect(fieldNamed(fields ?? [], 'attachment-1')).toMatchObject({ filename: 'data.csv', contentType: 'text/csv' });
    expect(fieldNamed(fields ?? [], 'attachment-1')?.bytes.toString()).toBe('a,b\r\n1,2\r\n');
  });

  it('keeps the bytes of a field as they were sent, whatever their charset', () => {
    const latin1 = Buffer.from('Como usted pidi\xa2', 'latin1');
    const body = encodeFormData([{ name: 'subject', bytes: latin1 }], 'xYzZY');

    const [subject] = readForm(body, 'multipart/form-data; boundary=xYzZY') ?? [];

    expect(subject?.bytes).toEqual(latin1);
  });

  it('skips parts that are not form-data fields', () => {
    const body = Buffer.from('--b\r\nContent-Disposition: attachment; filename="x"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name="kept"\r\n\r\ny\r\n--b--\r\n');

    expect(readForm(body, 'multipart/form-data; boundary=b')?.map(({ name }) => name)).toEqual(['kept']);
  });

  it.each([undefined, 'application/json', 'multipart/form-data', 'text/plain'])('reads nothing from a %s body', (contentType) => {
    expect(readForm(Buffer.from('{"a":1}'), contentType)).toBeUndefined();
  });
});

describe('numberedFields', () => {
  it('returns the fields with that prefix and a number, in number order', () => {
    const fields = [field('attachment10', 'j'), field('attachment-info', '{}'), field('attachment2', 'b'), field('attachments', '2'), field('attachment1', 'a')];

    expect(numberedFields(fields, 'attachment').map(({ name }) => name)).toEqual(['attachment1', 'attachment2', 'attachment10']);
  });
});

describe('formFingerprint', () => {
  const hashOf = (parts: Uint8Array[]) => Buffer.concat(parts).toString('hex');

  it('is the same for the same fields in other multipart framing', () => {
    const fields = [field('to', 'a@example.com'), field('text', 'hi')];
    const framed = (boundary: string) => readForm(encodeFormData(fields, boundary), `multipart/form-data; boundary=${boundary}`) ?? [];

    expect(hashOf(formFingerprint(framed('one')))).toBe(hashOf(formFingerprint(framed('two'))));
  });

  it('leaves out the fields a retry changes, and tells a moved byte apart', () => {
    const signed = (token: string) => [field('to', 'a@example.com'), field('token', token)];

    expect(hashOf(formFingerprint(signed('t1'), new Set(['token'])))).toBe(hashOf(formFingerprint(signed('t2'), new Set(['token']))));
    expect(hashOf(formFingerprint([field('ab', 'c')]))).not.toBe(hashOf(formFingerprint([field('a', 'bc')])));
  });
});
