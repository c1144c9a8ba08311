// @vitest-environment happy-dom
// useConsent with the real tracker of @trackpoint/core: components re-render on every change.
import { StrictMode } from 'react'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { createTracker, type Consent } from '@trackpoint/core'
import { TrackProvider, useConsent } from '../index'

let appSeq = 0
const options = (extra = {}) => ({
  endpoint: 'https://collect.invalid',
  appId: `react_consent_${++appSeq}`,
  persist: false,
  ...extra,
})

/** What each render of a component saw, by component name. */
const seen: Record<string, Consent[]> = {}

function Banner() {
  const { consent, optedOut, setConsent } = useConsent()
  ;(seen.banner ??= []).push(consent)
  return (
    <div>
      <p data-testid="banner">{`${consent}/${optedOut}`}</p>
      <button onClick={() => setConsent('granted')}>accept</button>
    </div>
  )
}

function Settings() {
  const { consent, optOut, optIn } = useConsent()
  ;(seen.settings ??= []).push(consent)
  return (
    <div>
      <p data-testid="settings">{consent}</p>
      <button onClick={optOut}>opt out</button>
      <button onClick={optIn}>opt in</button>
    </div>
  )
}

afterEach(() => {
  cleanup()
  for (const key of Object.keys(seen)) delete seen[key]
  localStorage.clear()
})

describe('useConsent', () => {
  it('re-renders every component that uses it when consent changes', async () => {
    render(
      <StrictMode>
        <TrackProvider options={options({ consent: 'pending' })}>
          <Banner />
          <Settings />
        </TrackProvider>
      </StrictMode>,
    )
    expect(screen.getByTestId('banner').textContent).toBe('pending/false')
    fireEvent.click(screen.getByText('accept'))
    expect(screen.getByTestId('banner').textContent).toBe('granted/false')
    expect(screen.getByTestId('settings').textContent).toBe('granted')
    fireEvent.click(screen.getByText('opt out'))
    expect(screen.getByTestId('banner').textContent).toBe('denied/true')
    expect(screen.getByTestId('settings').textContent).toBe('denied')
    fireEvent.click(screen.getByText('opt in'))
    expect(screen.getByTestId('banner').textContent).toBe('granted/false')
  })

  it('renders the stored decision from the first render, before the tracker exists', () => {
    const given = options({ consent: 'pending' })
    localStorage.setItem(`trackpoint:${given.appId}:consent`, 'denied')
    render(
      <TrackProvider options={given}>
        <Banner />
      </TrackProvider>,
    )
    expect(seen.banner![0]).toBe('denied')
    expect(seen.banner!.every((c) => c === 'denied')).toBe(true)
  })

  it("follows another tab's decision and a tracker the app owns", async () => {
    const given = options({ consent: 'pending' })
    const tracker = createTracker(given)
    render(
      <TrackProvider tracker={tracker}>
        <Banner />
      </TrackProvider>,
    )
    expect(screen.getByTestId('banner').textContent).toBe('pending/false')
    act(() => {
      dispatchEvent(
        new StorageEvent('storage', {
          key: `trackpoint:${given.appId}:consent`,
          newValue: 'granted',
        }),
      )
    })
    expect(screen.getByTestId('banner').textContent).toBe('granted/false')
    act(() => tracker.optOut())
    expect(screen.getByTestId('banner').textContent).toBe('denied/true')
    await tracker.shutdown()
  })
})
