import type { LookupAddress } from 'node:dns';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  type AddressLookup,
  checkEndpointUrl,
  forbiddenAddressReason,
  isForbiddenAddress,
  MAX_ENDPOINT_URL_LENGTH,
  resolveCheckedAddress,
} from './endpoint-guard';

const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:4700::1111';

function refusalCode(text: string, policy?: Parameters<typeof checkEndpointUrl>[1]): string {
  const result = checkEndpointUrl(text, policy);
  return result.ok ? 'accepted' : result.code;
}

function fixedLookup(...addresses: string[]): AddressLookup & jest.Mock {
  return jest.fn((_hostname: string, _options: { all: true; verbatim: true }) =>
    Promise.resolve(addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }))),
  );
}

describe('checkEndpointUrl', () => {
  it('accepts a public https URL and returns what the parser made of it', () => {
    const result = checkEndpointUrl('https://Hooks.Example.com/ringfence?x=1');
    expect(result).toEqual({
      ok: true,
      url: new URL('https://hooks.example.com/ringfence?x=1'),
      hostname: 'hooks.example.com',
      port: 443,
      literalAddress: null,
    });
  });

  it('accepts public IP literals, v4 and v6, in canonical form', () => {
    expect(checkEndpointUrl(`https://${PUBLIC_V4}/`)).toMatchObject({ ok: true, literalAddress: PUBLIC_V4 });
    expect(checkEndpointUrl(`https://[${PUBLIC_V6}]/`)).toMatchObject({ ok: true, hostname: PUBLIC_V6 });
    expect(checkEndpointUrl('https://[2606:4700:0:0:0:0:0:1111]/')).toMatchObject({ ok: true, literalAddress: PUBLIC_V6 });
  });

  it('refuses what is not an absolute URL', () => {
    for (const text of ['', 'hooks.example.com/path', '/relative', 'https://', 'https://[::1', 'https://exa mple.com/']) {
      expect([text, refusalCode(text)]).toEqual([text, 'invalid_url']);
    }
  });

  it('refuses every scheme but https, and http unless development allows it [V1.2.2]', () => {
    for (const text of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'ws://example.com/', 'data:,x']) {
      expect([text, refusalCode(text, { allowHttp: true })]).toEqual([text, 'scheme_not_allowed']);
    }
    expect(refusalCode('http://example.com/')).toBe('scheme_not_allowed');
    expect(refusalCode('HTTP://example.com/')).toBe('scheme_not_allowed');
    expect(refusalCode('http://example.com/', { allowHttp: true })).toBe('accepted');
    expect(checkEndpointUrl('http://example.com/', { allowHttp: true })).toMatchObject({ ok: true, port: 80 });
  });

  it('refuses userinfo and never echoes it', () => {
    for (const text of [
      // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
      'https://admin:s3cr3t-pa55@example.com/',
      // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
      'https://s3cr3t-pa55@example.com/',
      // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
      'https://:s3cr3t-pa55@example.com/',
      // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
      'https://admin:s3cr3t-pa55@127.0.0.1/',
    ]) {
      const result = checkEndpointUrl(text);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.code).toBe('userinfo_not_allowed');
      expect(result.message).toMatch(/^url\b/);
      expect(result.message).not.toContain('s3cr3t');
      expect(result.message).not.toContain('admin');
    }
    // the parser drops an empty userinfo: nothing to refuse
    expect(refusalCode('https://@example.com/')).toBe('accepted');
  });

  it('never echoes the submitted URL in any refusal', () => {
    const secret = 'tok3n-s3cr3t';
    for (const text of [
      `https://${secret}:x@example.com/`,
      `https://127.0.0.1/${secret}`,
      `https://localhost/${secret}`,
      `https://example.com:8443/${secret}`,
      `https://example.com/#${secret}`,
      `http://example.com/${secret}`,
      `https://example.com/${secret}${'a'.repeat(MAX_ENDPOINT_URL_LENGTH)}`,
    ]) {
      const result = checkEndpointUrl(text);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.message).toMatch(/^url\b/);
        expect(result.message).not.toContain(secret);
        expect(result.message).not.toContain('example.com');
      }
    }
  });

  it('allows ports 443 and 80 (and the scheme default) and others only when configured', () => {
    expect(refusalCode('https://example.com:443/')).toBe('accepted');
    expect(refusalCode('https://example.com:0443/')).toBe('accepted');
    expect(refusalCode('https://example.com:80/')).toBe('accepted');
    for (const port of [22, 25, 6379, 5432, 8080, 8443, 9200, 65535]) {
      expect([port, refusalCode(`https://example.com:${port}/`)]).toEqual([port, 'port_not_allowed']);
    }
    expect(checkEndpointUrl('https://example.com:8443/', { allowedPorts: [8443] })).toMatchObject({ ok: true, port: 8443 });
    expect(refusalCode('https://example.com:8080/', { allowedPorts: [8443] })).toBe('port_not_allowed');
    expect(refusalCode('https://example.com:65536/')).toBe('invalid_url');
  });

  it('refuses a fragment, an empty one included', () => {
    expect(refusalCode('https://example.com/hook#part')).toBe('fragment_not_allowed');
    expect(refusalCode('https://example.com/hook#')).toBe('fragment_not_allowed');
    expect(refusalCode('https://example.com/hook?q=%23')).toBe('accepted');
  });

  it('refuses a URL longer than 2048 characters, before or after normalisation', () => {
    const base = 'https://example.com/';
    expect(refusalCode(base + 'a'.repeat(MAX_ENDPOINT_URL_LENGTH - base.length))).toBe('accepted');
    expect(refusalCode(base + 'a'.repeat(MAX_ENDPOINT_URL_LENGTH - base.length + 1))).toBe('too_long');
    // 1,000 spaces are 1,000 characters submitted and 3,000 once percent-encoded
    expect(refusalCode(base + ' '.repeat(1000) + 'x')).toBe('too_long');
  });

  it('refuses localhost and *.localhost in every spelling', () => {
    for (const text of [
      'https://localhost/',
      'https://LOCALHOST/',
      'https://localhost./',
      'https://api.localhost/',
      'https://a.b.localhost./',
      'https://ｌｏｃａｌｈｏｓｔ/',
      'https://localhost:443/',
    ]) {
      expect([text, refusalCode(text)]).toEqual([text, 'host_not_allowed']);
    }
    expect(refusalCode('https://localhost.example.com/')).toBe('accepted');
    expect(refusalCode('https://notlocalhost/')).toBe('accepted');
  });

  it('judges what the parser made of every IPv4 notation of loopback and metadata', () => {
    for (const text of [
      'https://127.0.0.1/',
      'https://2130706433/',
      'https://0x7f.1/',
      'https://0x7f000001/',
      'https://0x7F.0x0.0x0.0x1/',
      'https://0177.0.0.1/',
      'https://017700000001/',
      'https://127.1/',
      'https://127.0.1/',
      'https://１２７.０.０.１/',
      'https://%31%32%37.0.0.1/',
      'https://127.0.0.1./',
      'https://0/',
      'https://0.0.0.0/',
      'https://169.254.169.254/',
      'https://0xa9fea9fe/',
      'https://0251.0376.0251.0376/',
      'https://2852039166/',
      'https://10.0.0.1/',
      'https://012.1/',
      'https://172.16.0.1/',
      'https://192.168.1.1/',
      'https://100.64.0.1/',
      'https://255.255.255.255/',
      'https://224.0.0.1/',
      'https://192.0.2.1/',
      'https://198.51.100.7/',
      'https://203.0.113.9/',
      'https://240.0.0.1/',
    ]) {
      expect([text, refusalCode(text)]).toEqual([text, 'address_forbidden']);
    }
  });

  it('judges every IPv6 form of loopback, private, link-local and metadata', () => {
    for (const text of [
      'https://[::1]/',
      'https://[0:0:0:0:0:0:0:1]/',
      'https://[::]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:7f00:1]/',
      'https://[::ffff:169.254.169.254]/',
      'https://[::ffff:10.0.0.1]/',
      'https://[::127.0.0.1]/',
      'https://[64:ff9b::127.0.0.1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://[2002:7f00:1::]/',
      'https://[2002:a9fe:a9fe::1]/',
      'https://[fe80::1]/',
      'https://[fc00::1]/',
      'https://[fd12:3456::1]/',
      'https://[fd00:ec2::254]/',
      'https://[ff02::1]/',
      'https://[2001:db8::1]/',
    ]) {
      expect([text, refusalCode(text)]).toEqual([text, 'address_forbidden']);
    }
  });
});

describe('isForbiddenAddress', () => {
  it('allows public addresses, v4 and v6, and their mapped and translated forms', () => {
    for (const address of [
      PUBLIC_V4,
      '8.8.8.8',
      '1.1.1.1',
      PUBLIC_V6,
      '2001:4860:4860::8888',
      `::ffff:${PUBLIC_V4}`,
      `64:ff9b::${PUBLIC_V4}`,
      '2002:5db8:d822::1',
    ]) {
      expect([address, forbiddenAddressReason(address)]).toEqual([address, null]);
      expect(isForbiddenAddress(address)).toBe(false);
    }
  });

  it('refuses each named class with its reason', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.0.1', 'private'],
      ['169.254.1.1', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['100.127.255.255', 'carrierGradeNat'],
      ['224.0.0.251', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.10', 'reserved'],
      ['198.51.100.10', 'reserved'],
      ['203.0.113.10', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['169.254.169.254', 'metadata'],
      ['100.100.100.200', 'metadata'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'linkLocal'],
      ['febf:ffff::1', 'linkLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['fdff::1', 'uniqueLocal'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'reserved'],
      ['fd00:ec2::254', 'metadata'],
      ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
      ['4000::1', 'reserved'],
      ['::ffff:127.0.0.1', 'ipv4Mapped:loopback'],
      ['::ffff:10.0.0.1', 'ipv4Mapped:private'],
      ['::ffff:169.254.169.254', 'ipv4Mapped:metadata'],
      ['::ffff:0:192.168.0.1', 'rfc6145:private'],
      ['64:ff9b::127.0.0.1', 'nat64:loopback'],
      ['64:ff9b::a9fe:a9fe', 'nat64:metadata'],
      ['64:ff9b::100.64.0.1', 'nat64:carrierGradeNat'],
      ['64:ff9b:1::8.8.8.8', 'rfc6052'],
      ['2002:7f00:0001::', '6to4:loopback'],
      ['2002:c0a8:0101::1', '6to4:private'],
      ['2002:a9fe:a9fe::', '6to4:metadata'],
      ['::7f00:1', 'ipv4Compatible:loopback'],
      ['0:0:0:0:0:0:127.0.0.1', 'ipv4Compatible:loopback'],
      ['::a00:1', 'ipv4Compatible:private'],
      // ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`: judged by the same IPv4 either way
      ['::127.0.0.1', 'ipv4Mapped:loopback'],
      ['fe80::1%eth0', 'zoned'],
    ];
    for (const [address, reason] of cases) {
      expect([address, forbiddenAddressReason(address)]).toEqual([address, reason]);
      expect(isForbiddenAddress(address)).toBe(true);
    }
  });

  it('refuses anything unparsable', () => {
    for (const text of ['', 'example.com', '256.0.0.1', '1.2.3.4.5', ':::1', 'fe80::1::2', '[::1]', ' 8.8.8.8', 'gggg::1']) {
      expect([text, forbiddenAddressReason(text)]).toEqual([text, 'unparsable']);
    }
  });

  // Ranges ipaddr.js classifies as something other than `unicast`, without the translated
  // forms (judged by their embedded IPv4 below).
  const SPECIAL_V4 = [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.31.196.0/24',
    '192.52.193.0/24',
    '192.88.99.0/24',
    '192.168.0.0/16',
    '192.175.48.0/24',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/4',
    '240.0.0.0/4',
  ];
  const SPECIAL_V6 = [
    'fe80::/10',
    'ff00::/8',
    'fc00::/7',
    'fec0::/10',
    '100::/64',
    '64:ff9b:1::/48',
    '2001::/23',
    '2001:db8::/32',
    '2001:10::/28',
    '2001:20::/28',
    '3fff::/20',
    '5f00::/16',
  ];

  function addressIn(cidr: string, random: bigint): string {
    const [network, prefix] = ipaddr.parseCIDR(cidr);
    const width = network.kind() === 'ipv4' ? 32 : 128;
    const bytes = network.toByteArray();
    let value = bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
    const hostBits = BigInt(width - prefix);
    value = ((value >> hostBits) << hostBits) | (random & ((1n << hostBits) - 1n));
    const out: number[] = [];
    for (let i = width / 8 - 1; i >= 0; i -= 1) out.push(Number((value >> BigInt(i * 8)) & 0xffn));
    return ipaddr.fromByteArray(out).toString();
  }

  it('refuses every address ipaddr.js classifies in a special range (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPECIAL_V4, ...SPECIAL_V6), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (cidr, random) => {
        const address = addressIn(cidr, random);
        expect(ipaddr.parse(address).range()).not.toBe('unicast');
        expect(isForbiddenAddress(address)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every mapped and translated form of a special IPv4 address (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPECIAL_V4), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), (cidr, random) => {
        const v4 = ipaddr.IPv4.parse(addressIn(cidr, random));
        const [a, b, c, d] = v4.octets as [number, number, number, number];
        const high = ((a << 8) | b).toString(16);
        const low = ((c << 8) | d).toString(16);
        for (const form of [
          `::ffff:${v4.toString()}`,
          `::ffff:0:${v4.toString()}`,
          `64:ff9b::${high}:${low}`,
          `2002:${high}:${low}::1`,
          `::${high}:${low}`,
          `::${v4.toString()}`,
        ]) {
          expect([form, isForbiddenAddress(form)]).toEqual([form, true]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('allows every IPv4 address ipaddr.js calls unicast, and its mapped forms, unless it is a metadata service (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        fc.pre(ipaddr.parse(address).range() === 'unicast' && !['168.63.129.16'].includes(address));
        expect(isForbiddenAddress(address)).toBe(false);
        expect(isForbiddenAddress(`::ffff:${address}`)).toBe(false);
        expect(isForbiddenAddress(`::${ipaddr.IPv4.parse(address).toIPv4MappedAddress().toString().slice('::ffff:'.length)}`)).toBe(false);
        expect(isForbiddenAddress(`64:ff9b::${address}`)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('resolveCheckedAddress', () => {
  it('returns the checked address of a public host, asking for every address at once', async () => {
    const lookup = fixedLookup(PUBLIC_V4, PUBLIC_V6);
    await expect(resolveCheckedAddress('hooks.example.com', lookup)).resolves.toEqual({
      ok: true,
      address: PUBLIC_V4,
      family: 4,
    });
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith('hooks.example.com', { all: true, verbatim: true });
  });

  it('refuses a host that resolves to a private address', async () => {
    const lookup = fixedLookup('10.0.0.5');
    await expect(resolveCheckedAddress('internal.example.com', lookup)).resolves.toMatchObject({
      ok: false,
      code: 'address_forbidden',
    });
  });

  it('refuses a host when any of its addresses is forbidden, wherever it is in the answer', async () => {
    for (const answer of [
      [PUBLIC_V4, '127.0.0.1'],
      ['169.254.169.254', PUBLIC_V4],
      [PUBLIC_V6, 'fd00:ec2::254'],
      [PUBLIC_V4, '::ffff:192.168.1.1'],
      [PUBLIC_V4, PUBLIC_V6, '64:ff9b::a00:1'],
    ]) {
      const result = await resolveCheckedAddress('mixed.example.com', fixedLookup(...answer));
      expect([answer, result.ok ? 'accepted' : result.code]).toEqual([answer, 'address_forbidden']);
    }
  });

  it('resolves once and returns what it checked, whatever a rebinding resolver answers next', async () => {
    let calls = 0;
    const rebinding: AddressLookup = (_hostname, _options) => {
      calls += 1;
      const address = calls === 1 ? PUBLIC_V4 : '127.0.0.1';
      return Promise.resolve([{ address, family: 4 }]);
    };
    await expect(resolveCheckedAddress('rebind.example.com', rebinding)).resolves.toEqual({
      ok: true,
      address: PUBLIC_V4,
      family: 4,
    });
    expect(calls).toBe(1);
    // a second, independent check sees the rebound answer and refuses it
    await expect(resolveCheckedAddress('rebind.example.com', rebinding)).resolves.toMatchObject({
      ok: false,
      code: 'address_forbidden',
    });
  });

  it('judges IP literals without a lookup', async () => {
    const lookup = fixedLookup(PUBLIC_V4);
    await expect(resolveCheckedAddress('127.0.0.1', lookup)).resolves.toMatchObject({ ok: false, code: 'address_forbidden' });
    await expect(resolveCheckedAddress('[::1]', lookup)).resolves.toMatchObject({ ok: false, code: 'address_forbidden' });
    await expect(resolveCheckedAddress('0x7f.1', lookup)).resolves.toMatchObject({ ok: false, code: 'address_forbidden' });
    await expect(resolveCheckedAddress('[fd00:ec2::254]', lookup)).resolves.toMatchObject({ ok: false, code: 'address_forbidden' });
    await expect(resolveCheckedAddress('8.8.8.8', lookup)).resolves.toEqual({ ok: true, address: '8.8.8.8', family: 4 });
    await expect(resolveCheckedAddress(`[${PUBLIC_V6}]`, lookup)).resolves.toEqual({ ok: true, address: PUBLIC_V6, family: 6 });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('reports a lookup failure and an empty answer as their own reasons', async () => {
    const failing: AddressLookup = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(resolveCheckedAddress('nowhere.example.com', failing)).resolves.toMatchObject({ ok: false, code: 'lookup_failed' });
    await expect(resolveCheckedAddress('empty.example.com', fixedLookup())).resolves.toMatchObject({ ok: false, code: 'no_address' });
  });

  it('refuses an answer that is not an address', async () => {
    await expect(resolveCheckedAddress('odd.example.com', fixedLookup('not-an-address'))).resolves.toMatchObject({
      ok: false,
      code: 'address_forbidden',
    });
  });

  it('returns an IPv6 answer in canonical form with its family', async () => {
    await expect(resolveCheckedAddress('v6.example.com', fixedLookup('2606:4700:0:0:0:0:0:1111'))).resolves.toEqual({
      ok: true,
      address: PUBLIC_V6,
      family: 6,
    });
  });
});

describe('allowLoopbackForTests', () => {
  const escape = { allowHttp: true, allowedPorts: [8080], allowLoopbackForTests: true };

  it('admits loopback only, and only when set', async () => {
    expect(refusalCode('http://127.0.0.1:8080/', escape)).toBe('accepted');
    expect(refusalCode('http://[::1]:8080/', escape)).toBe('accepted');
    expect(refusalCode('http://127.0.0.1:8080/', { allowHttp: true, allowedPorts: [8080] })).toBe('address_forbidden');
    expect(refusalCode('http://[::ffff:127.0.0.1]:8080/', escape)).toBe('address_forbidden');
    expect(refusalCode('http://10.0.0.1:8080/', escape)).toBe('address_forbidden');
    expect(refusalCode('http://169.254.169.254:8080/', escape)).toBe('address_forbidden');
    expect(refusalCode('http://localhost:8080/', escape)).toBe('host_not_allowed');

    const lookup: AddressLookup = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    expect(await resolveCheckedAddress('sink.test', lookup, escape)).toMatchObject({ ok: true, address: '127.0.0.1' });
    expect(await resolveCheckedAddress('sink.test', lookup)).toMatchObject({ ok: false, code: 'address_forbidden' });
    const privateLookup: AddressLookup = () => Promise.resolve([{ address: '192.168.1.1', family: 4 }]);
    expect(await resolveCheckedAddress('sink.test', privateLookup, escape)).toMatchObject({ ok: false, code: 'address_forbidden' });
  });
});
