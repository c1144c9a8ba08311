// @vitest-environment happy-dom
// The tracker createTrackpoint(options) owns: created when installed, shut down with the app.
import { createApp, h } from 'vue'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as Core from '@trackpoint/core'
import {
  recordingTracker,
  type RecordingTracker,
} from '../../../react/src/__tests__/recordingTracker'

const created: RecordingTracker[] = []
vi.mock('@trackpoint/core', async (importOriginal) => ({
  ...(await importOriginal<typeof Core>()),
  createTracker: () => {
    const tracker = recordingTracker()
    created.push(tracker)
    return tracker
  },
}))

// Imported after the mock so that the plugin's createTracker is the recording one.
const { createTrackpoint, useTrack } = await import('../index')

afterEach(() => {
  created.length = 0
})

describe('createTrackpoint', () => {
  it('creates the tracker from options when installed and shuts it down when the app unmounts', () => {
    const app = createApp({
      setup() {
        useTrack().track('page_view', { page_name: 'onchain_landing' })
        return () => h('p', 'landing')
      },
    })
    app.use(createTrackpoint({ endpoint: 'https://collect.example.com', appId: 'onchain_app' }))
    app.mount(document.createElement('div'))
    expect(created).toHaveLength(1)
    const [tracker] = created as [RecordingTracker]
    expect(tracker.events).toEqual([
      { name: 'page_view', properties: { page_name: 'onchain_landing' } },
    ])
    app.unmount()
    expect(tracker.shutdown).toHaveBeenCalledTimes(1)
  })

  it('leaves a tracker passed in alone', () => {
    const tracker = recordingTracker()
    const app = createApp({ render: () => h('p') }).use(createTrackpoint({ tracker }))
    app.mount(document.createElement('div'))
    app.unmount()
    expect(tracker.shutdown).not.toHaveBeenCalled()
    expect(created).toEqual([])
  })

  it('throws at app.use when given { tracker: undefined }', () => {
    const app = createApp({ render: () => h('p') })
    expect(() => app.use(createTrackpoint({ tracker: undefined as never }))).toThrow(
      /createTrackpoint\(\{ tracker \}\) needs a tracker from createTracker/,
    )
  })
})
