// TRACKPOINT_IP_MODE (issue 14): what an event keeps of the client IP, checked in ClickHouse
// (the embedded server: collector, in-process bus, chdb) for each mode, for an IPv4 peer and for
// IPv6 and IPv4-mapped IPv6 clients behind a trusted proxy (X-Forwarded-For).
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { computeSign } from '@trackpoint/core'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config'
import { silentLogger } from '../http/logger'
import { minimiseIp, type IpMode } from '../http/minimiseIp'
import { startServer } from '../startServer'

describe('minimiseIp', () => {
  it.each([
    ['203.0.113.77', 'truncated', '203.0.113.0'],
    ['::ffff:203.0.113.77', 'truncated', '203.0.113.0'],
    ['::FFFF:203.0.113.77', 'full', '203.0.113.77'],
    ['2001:db8:abcd:12:34:56:78:9a', 'truncated', '2001:db8:abcd::'],
    ['2001:db8::1', 'truncated', '2001:db8:0::'],
    ['2001::1', 'truncated', '2001:0:0::'],
    ['::1', 'truncated', '0:0:0::'],
    ['fe80::1%eth0', 'truncated', 'fe80:0:0::'],
    ['64:ff9b:1::1.2.3.4', 'truncated', '64:ff9b:1::'],
    ['2001:db8:abcd:12::9a', 'full', '2001:db8:abcd:12::9a'],
    ['2001:db8:abcd:12::9a', 'none', ''],
    ['203.0.113.77', 'none', ''],
    ['not an ip', 'truncated', ''],
  ] as const)('%s under %s keeps %j', (ip, mode, kept) => {
    expect(minimiseIp(ip, mode)).toBe(kept)
  })

  it('is configured by TRACKPOINT_IP_MODE, truncated by default, and refuses other values', () => {
    expect(loadConfig({}).ipMode).toBe('truncated')
    expect(loadConfig({ TRACKPOINT_IP_MODE: 'none' }).ipMode).toBe('none')
    expect(() => loadConfig({ TRACKPOINT_IP_MODE: 'partial' })).toThrow(ConfigError)
    expect(() => loadConfig({ TRACKPOINT_IP_MODE: 'partial' })).toThrow(/full, truncated, none/)
  })
})

/** Posts one signed event for the development app, as a client behind `forwardedFor` if set. */
async function post(url: string, userId: string, forwardedFor?: string): Promise<number> {
  const timestamp = Date.now()
  const response = await fetch(`${url}/api/v1/track`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(forwardedFor && { 'X-Forwarded-For': forwardedFor }),
    },
    body: JSON.stringify({
      app_id: 'dev_app',
      timestamp,
      sign: computeSign('dev_app', timestamp, 'dev_secret'),
      sdk_version: 'test',
      events: [
        {
          event_id: randomUUID(),
          event_name: 'page_view',
          user_id: userId,
          timestamp,
          platform: 'web',
          page: '/onchain',
          session_id: 's1',
          properties: { page_name: 'home' },
        },
      ],
    }),
  })
  await response.arrayBuffer()
  return response.status
}

const CASES: [IpMode, Record<string, string>][] = [
  ['full', { peer: '127.0.0.1', v6: '2001:db8:abcd:12:34:56:78:9a', mapped: '198.51.100.23' }],
  ['truncated', { peer: '127.0.0.0', v6: '2001:db8:abcd::', mapped: '198.51.100.0' }],
  ['none', { peer: '', v6: '', mapped: '' }],
]

describe.each(CASES)('TRACKPOINT_IP_MODE=%s', (mode, expected) => {
  it('stores in ClickHouse only what the mode keeps', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), `trackpoint-ip-${mode}-`))
    // One trusted proxy: the address is read from X-Forwarded-For, as behind a load balancer.
    const server = await startServer({
      config: loadConfig({
        TRACKPOINT_DATA_DIR: dataDir,
        PORT: '0',
        TRACKPOINT_ADMIN_TOKEN: 'admin',
        TRACKPOINT_TRUST_PROXY: '1',
        TRACKPOINT_IP_MODE: mode,
      }),
      logger: silentLogger,
    })
    try {
      const url = server.url!
      expect(await post(url, 'peer')).toBe(200)
      expect(await post(url, 'v6', '2001:db8:abcd:12:34:56:78:9a')).toBe(200)
      expect(await post(url, 'mapped', '::ffff:198.51.100.23')).toBe(200)
      const rows = await server.store!.query<{ user_id: string; client_ip: string }>(
        'SELECT user_id, client_ip FROM events ORDER BY user_id',
      )
      expect(Object.fromEntries(rows.map((row) => [row.user_id, row.client_ip]))).toEqual(expected)
    } finally {
      await server.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
