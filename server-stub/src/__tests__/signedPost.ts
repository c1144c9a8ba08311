// A signed POST to a collector, as the SDK sends it, for the server's end-to-end tests.
import { computeSign } from '@trackpoint/core'

/** POSTs `events` to `${baseUrl}/api/v1/track` for the development app, signed now. */
export function postSigned(baseUrl: string, events: unknown[]): Promise<Response> {
  const timestamp = Date.now()
  return fetch(`${baseUrl}/api/v1/track`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      app_id: 'dev_app',
      timestamp,
      sign: computeSign('dev_app', timestamp, 'dev_secret'),
      sdk_version: 'test',
      events,
    }),
  })
}
