import type { TrackerOptions } from '@trackpoint/core'

const endpoint =
  document.querySelector<HTMLMetaElement>('meta[name="trackpoint-endpoint"]')?.content ??
  'http://127.0.0.1:8080'

/**
 * The development app of `npm start` (scripts/devServer.mjs). A secret in a page is public:
 * a production app signs through its backend with the `sign` option instead.
 */
export const trackerOptions: TrackerOptions = {
  endpoint,
  appId: 'dev_app',
  secret: 'dev_secret',
  appVersion: '1.0.0',
  onError: (error) => console.warn('[trackpoint]', error.kind, error.message),
}
