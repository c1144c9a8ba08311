// @vitest-environment happy-dom
// The tracker <TrackProvider options> owns: created once, shut down once, StrictMode included.
import { StrictMode, version } from 'react'
import { cleanup, render } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type * as Core from '@trackpoint/core'
import { usePageView, useTrack } from '../index'
import { recordingTracker, type RecordingTracker } from './recordingTracker'

const created: RecordingTracker[] = []
vi.mock('@trackpoint/core', async (importOriginal) => ({
  ...(await importOriginal<typeof Core>()),
  createTracker: () => {
    const tracker = recordingTracker()
    created.push(tracker)
    return tracker
  },
}))

// Imported after the mock so that the provider's createTracker is the recording one.
const { TrackProvider } = await import('../index')
const options = { endpoint: 'https://collect.example.com', appId: 'onchain_app' }

function Landing() {
  usePageView('onchain_landing')
  return <p>landing</p>
}

afterEach(() => {
  cleanup()
  created.length = 0
})

describe(`<TrackProvider options> with React ${version}`, () => {
  it('creates one tracker under StrictMode, keeps it through the double mount and shuts it down on unmount', async () => {
    const { unmount } = render(
      <StrictMode>
        <TrackProvider options={options}>
          <Landing />
        </TrackProvider>
      </StrictMode>,
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(created).toHaveLength(1)
    const [tracker] = created as [RecordingTracker]
    expect(tracker.events).toEqual([
      { name: 'page_view', properties: { page_name: 'onchain_landing' } },
    ])
    expect(tracker.shutdown).not.toHaveBeenCalled()

    unmount()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(tracker.shutdown).toHaveBeenCalledTimes(1)
    expect(created).toHaveLength(1)
  })

  it('leaves a tracker passed in alone when it unmounts', async () => {
    const tracker = recordingTracker()
    const { unmount } = render(
      <TrackProvider tracker={tracker}>
        <Landing />
      </TrackProvider>,
    )
    unmount()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(tracker.events).toHaveLength(1)
    expect(tracker.shutdown).not.toHaveBeenCalled()
    expect(created).toEqual([])
  })
  it('ignores calls after the provider shut its tracker down, instead of creating another', async () => {
    let late: Core.Tracker | undefined
    function Holder() {
      late = useTrack()
      return null
    }
    const { unmount } = render(
      <TrackProvider options={options}>
        <Holder />
      </TrackProvider>,
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    unmount()
    await new Promise((resolve) => setTimeout(resolve, 10))
    // e.g. a fetch().then(track) that resolves after the page component went away
    late!.track('navbar_click', { target: 'late' })
    expect(created).toHaveLength(1)
    expect(created[0]!.events).toEqual([])
  })

  it('hands over to a tracker passed in later and shuts its own down; refuses the reverse', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const mine = recordingTracker()
    const { rerender } = render(
      <TrackProvider options={options}>
        <Landing />
      </TrackProvider>,
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    rerender(
      <TrackProvider options={options} tracker={mine}>
        <Landing />
      </TrackProvider>,
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(created).toHaveLength(1)
    expect(created[0]!.shutdown).toHaveBeenCalledTimes(1)

    const passed = recordingTracker()
    const second = render(<TrackProvider tracker={passed}>x</TrackProvider>)
    expect(() => second.rerender(<TrackProvider options={options}>x</TrackProvider>)).toThrow(
      /cannot switch from `tracker` to `options`/,
    )
  })
})
