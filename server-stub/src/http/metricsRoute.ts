import type { FastifyReply } from 'fastify'
import type { Registry } from 'prom-client'

/** Answers a scrape with the registry in the Prometheus text format. */
export async function sendMetrics(reply: FastifyReply, registry: Registry): Promise<void> {
  const text = await registry.metrics()
  reply.code(200).header('Content-Type', registry.contentType).send(text)
}
