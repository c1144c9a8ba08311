import type { IncomingMessage } from 'node:http'

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is the IPv4 address `1.2.3.4`. */
const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i

/** Writes an address the way the allow-lists and logs expect it. */
export function normalizeIp(ip: string): string {
  return MAPPED_V4.exec(ip)?.[1] ?? ip
}

/**
 * The client's IP address. Without trusted proxies it is the socket's peer; the
 * `X-Forwarded-For` header is then ignored, because any client can send one.
 *
 * With `trustedProxies` hops in front of the server, the address is read from the right of
 * `X-Forwarded-For`: each proxy appends the peer it saw, so the entry `trustedProxies` places
 * from the socket is the last one a trusted proxy wrote (entries further left are the
 * client's own claims).
 *
 * @param req - The request.
 * @param trustedProxies - How many reverse proxies of yours stand in front of the server.
 * @default trustedProxies 0
 */
export function clientIp(req: IncomingMessage, trustedProxies = 0): string {
  const peer = normalizeIp(req.socket.remoteAddress ?? '')
  if (trustedProxies <= 0) return peer
  const header = req.headers['x-forwarded-for']
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  const chain = [...forwarded, peer]
  const picked = chain[Math.max(0, chain.length - 1 - trustedProxies)] ?? peer
  return normalizeIp(picked)
}
