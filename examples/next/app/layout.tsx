import type { ReactNode } from 'react'
import type { TrackerOptions } from '@trackpoint/core'
import { TrackProvider } from '@trackpoint/react'
import { PageViews } from './pageViews'

// A server component hands these to the client provider, so they must be plain data: no
// `onError` or `sign` functions here (wrap <TrackProvider> in a client component of your own
// for those; docs/react.md). A secret in a page is public: a production app signs through its
// backend with `sign` instead. TRACKPOINT_ENDPOINT is read when the page is rendered at build.
const options: TrackerOptions = {
  endpoint: process.env.TRACKPOINT_ENDPOINT ?? 'http://127.0.0.1:8080',
  appId: 'dev_app',
  secret: 'dev_secret',
  appVersion: '1.0.0',
}

export const metadata = { title: 'Onchain — Trackpoint in Next.js' }

/** The root layout, a server component: the provider lives here, once for every page. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
        <TrackProvider options={options}>
          <PageViews />
          {children}
        </TrackProvider>
      </body>
    </html>
  )
}
