import { describe, expect, it } from 'vitest';
import { cleanDiagnostic, findStatus, normalizeAddress, statusFromField } from '../../src/bounces/report/status.ts';

describe('findStatus: RFC 3463 codes in free text', () => {
  it.each([
    ['550 5.1.1 <a@b.c>: Recipient address rejected', '5.1.1'],
    ['550-5.1.1 The email account that you tried to reach does not exist', '5.1.1'],
    ['#550 5.2.2 STOREDRV.Deliver: mailbox full', '5.2.2'],
    ["Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound'", '5.1.10'],
    ['Sorry, no mailbox here by that name. (#5.1.1)', '5.1.1'],
    // The enhanced code wins over a reply code of another class.
    ['552 4.2.2 mailbox full', '4.2.2'],
    ['554: delivery error: dd This user doesn\'t have a yahoo.com account', '5.0.0'],
    ['remote host 192.0.2.32 said: 550 Unknown user', '5.0.0'],
    ['421 try again later', '4.0.0'],
  ])('%s → %s', (text, status) => {
    expect(findStatus(text)).toBe(status);
  });

  it.each([
    ['an IP address', 'host mx.example.jp [192.0.2.153] refused'],
    ['a numeric local part', 'Recipient <552@qq.example> rejected'],
    ['a port', 'connect to mx.example.org port 587 timed out'],
    ['a software version', 'Postfix 2.10.1 on host 5.4.3.2'],
    ['a date', 'Thu, 24 Apr 2013 00:00:00 +0900'],
    ['nothing at all', 'Connection timed out'],
  ])('reads no code from %s', (_name, text) => {
    expect(findStatus(text)).toBeUndefined();
  });
});

describe('DSN field values', () => {
  it.each([
    ['5.1.1', '5.1.1'],
    ['5.1.1 (user unknown)', '5.1.1'],
    ['4.4.7', '4.4.7'],
    ['2.0.0', '2.0.0'],
    ['5.1', undefined],
    ['9.9.9', undefined],
    ['5.1.1.1', undefined],
  ])('Status: %s → %s', (value, status) => {
    expect(statusFromField(value)).toBe(status);
  });

  it.each([
    ['rfc822; Nobody@Example.ORG', 'Nobody@example.org'],
    ['RFC822; <x@y.example>', 'x@y.example'],
    ['utf-8; \\x{7528}\\x{6237}@example.cn', '用户@example.cn'],
    ['rfc822; undisclosed-recipients', undefined],
    ['rfc822; a b@c.d', undefined],
    ['', undefined],
  ])('address %j → %s', (value, address) => {
    expect(normalizeAddress(value)).toBe(address);
  });

  it('drops the diagnostic type and control characters', () => {
    expect(cleanDiagnostic('smtp;  550 5.1.1\tuser\u0000 unknown ')).toBe('550 5.1.1 user unknown');
    expect(cleanDiagnostic('X-Postfix; mail for example.org loops back to myself')).toBe('mail for example.org loops back to myself');
    expect(cleanDiagnostic('smtp;')).toBeUndefined();
  });
});
