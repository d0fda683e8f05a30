import { describe, expect, it } from 'vitest';
import { addressesIn, firstAddressIn } from '../../../../functions/providers/email/addresses.ts';

describe('addressesIn', () => {
  it.each([
    ['"Displayed From" <From+Test@Example.org>', ['from+test@example.org']],
    ['"Test Inbound" <test@inbound.example.com>, other@example.com', ['test@inbound.example.com', 'other@example.com']],
    ['"Doe, John" <john@example.com>', ['john@example.com']],
    ['john@example.com (John Doe)', ['john@example.com']],
    ['=?utf-8?q?Op=C3=A9rateur?= de test <sender@example.com>', ['sender@example.com']],
    ['Team: ann@example.com, bob@example.com;, carol@example.com', ['ann@example.com', 'bob@example.com', 'carol@example.com']],
    ['undisclosed-recipients:;', []],
    ['<support@parse.example.com>', ['support@parse.example.com']],
    ['not an address', []],
  ])('finds the addresses in %j', (list, addresses) => {
    expect(addressesIn(list)).toEqual(addresses);
  });
});

describe('firstAddressIn', () => {
  it('takes the first list that has an address', () => {
    expect(firstAddressIn([undefined, 'Nobody', 'A <a@example.com>, b@example.com', 'c@example.com'])).toBe('a@example.com');
  });

  it('is undefined when none has one', () => {
    expect(firstAddressIn([undefined, ''])).toBeUndefined();
  });
});
