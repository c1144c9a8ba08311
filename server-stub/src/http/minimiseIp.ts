import { isIPv4, isIPv6 } from 'node:net'
import { normalizeIp } from './clientIp'

/**
 * How much of the client's IP address an event keeps (`TRACKPOINT_IP_MODE`, issue 14; §八 forbids
 * collecting complete personal identity information): `full` keeps it, `truncated` keeps the
 * network (IPv4 /24, IPv6 /48: a city-level location, not a subscriber), `none` keeps nothing.
 */
export const IP_MODES = ['full', 'truncated', 'none'] as const

/** One of {@link IP_MODES}. */
export type IpMode = (typeof IP_MODES)[number]

/** The eight 16-bit groups of an IPv6 address (`::` expanded, an embedded IPv4 tail as two). */
function groupsOf(ip: string): number[] {
  let text = ip.toLowerCase().replace(/%.*$/, '') // a zone id (`fe80::1%eth0`) is not the address
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16))
}

/** The address with its host part zeroed: IPv4 keeps its /24, IPv6 its /48; '' when not an IP. */
function truncate(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0`
  if (!isIPv6(ip)) return ''
  const [a = 0, b = 0, c = 0] = groupsOf(ip)
  return `${[a, b, c].map((group) => group.toString(16)).join(':')}::`
}

/**
 * The client IP as an event may keep it under `mode`. Applied in the collector to the address it
 * read (socket peer, or `X-Forwarded-For` behind trusted proxies), before the event reaches the
 * bus or the store; the rate limiter and allow-lists still see the full address, in memory only.
 * An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is treated as the IPv4 address it carries.
 *
 * @param ip - The client's address; anything not an IP address is dropped ('').
 * @param mode - The configured mode.
 */
export function minimiseIp(ip: string, mode: IpMode): string {
  if (mode === 'none') return ''
  const address = normalizeIp(ip)
  if (mode === 'full') return address
  return truncate(address)
}
