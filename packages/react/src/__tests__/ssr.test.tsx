// @vitest-environment node
// Server rendering: nothing touches window or document while rendering, and the tracker that
// <TrackProvider options> would create is never created during render (core's is inert in Node).
import { version } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Impression, TrackProvider, useImpression, usePageView, useTrack } from '../index'

function Landing() {
  usePageView('onchain_landing')
  const { track } = useTrack()
  const ref = useImpression({ delivery_id: 'd_1', content_type: 'action' })
  return (
    <main>
      <button onClick={() => track('navbar_click', { target: 'home' })}>Home</button>
      <article ref={ref}>Recommended</article>
      <Impression as="aside" props={{ delivery_id: 'd_2', content_type: 'article' }}>
        More
      </Impression>
    </main>
  )
}

describe(`server rendering with React ${version}`, () => {
  it('renders the provider, every hook and <Impression> to a string in Node', () => {
    expect(typeof window).toBe('undefined')
    const html = renderToString(
      <TrackProvider options={{ endpoint: 'https://collect.example.com', appId: 'onchain_app' }}>
        <Landing />
      </TrackProvider>,
    )
    expect(html).toBe(
      '<main><button>Home</button><article>Recommended</article><aside>More</aside></main>',
    )
  })
})
