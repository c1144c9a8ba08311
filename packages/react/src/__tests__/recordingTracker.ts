// A Tracker that records calls, for testing what the adapter asks of the tracker. The tracker
// itself (queue, delivery) is tested in @trackpoint/core; the built examples run the real one
// end to end in Chromium (e2e/reactExample.spec.ts).
import { vi } from 'vitest'
import type { Tracker } from '@trackpoint/core'

export interface RecordingTracker extends Tracker {
  events: { name: string; properties: unknown }[]
}

export function recordingTracker(): RecordingTracker {
  const events: RecordingTracker['events'] = []
  return {
    events,
    track: vi.fn((name: string, properties: unknown) => void events.push({ name, properties })),
    identify: vi.fn(),
    reset: vi.fn(),
    optOut: vi.fn(),
    optIn: vi.fn(),
    setConsent: vi.fn(),
    onConsentChange: vi.fn(() => () => undefined),
    optedOut: false,
    consent: 'granted',
    flush: vi.fn(async () => undefined),
    shutdown: vi.fn(async () => undefined),
    userId: 'u_test',
    sessionId: 's_test',
  }
}
