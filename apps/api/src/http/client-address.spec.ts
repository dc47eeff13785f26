import { clientAddressOf, plainIp } from './client-address';

describe('the client address', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['203.0.113.9:4711', '203.0.113.9'],
    ['2001:db8::5', '2001:db8::5'],
    ['[2001:db8::5]', '2001:db8::5'],
    ['[2001:db8::5]:443', '2001:db8::5'],
    ['fe80::fc:ff:fe00:1%eth0', 'fe80::fc:ff:fe00:1'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    [' 10.0.0.1 ', '10.0.0.1'],
  ])('reads %j as %j', (raw, plain) => {
    expect(plainIp(raw)).toBe(plain);
  });

  it.each(['not-an-ip', '10.1.1.1%x', '999.1.1.1', '10.1.1', '', 'unknown', '[::1'])('refuses %j', (raw) => {
    expect(plainIp(raw)).toBeUndefined();
  });

  it('falls back to the socket peer when a trusted proxy names no plain IP', () => {
    expect(clientAddressOf({ ip: 'garbage', socket: { remoteAddress: '127.0.0.1' } } as never)).toBe('127.0.0.1');
    expect(clientAddressOf({ ip: 'fe80::1%lo', socket: { remoteAddress: 'fe80::1%lo' } } as never)).toBe('fe80::1');
  });
});
