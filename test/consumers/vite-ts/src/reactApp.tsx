import { createRoot } from 'react-dom/client'
import { Impression, TrackProvider, useImpression, useTrack } from '@trackpoint/react'
import { tracker } from './tracker.js'

function Card() {
  const { track } = useTrack()
  const ref = useImpression({ delivery_id: 'd_2', content_type: 'action' })
  return (
    <article ref={ref}>
      <button onClick={() => track('card_click', { card_id: 'c_1' })}>Open</button>
    </article>
  )
}

export const mountReact = (element: Element) =>
  createRoot(element).render(
    <TrackProvider tracker={tracker}>
      <Card />
      <Impression as="li" props={{ delivery_id: 'd_3', content_type: 'banner' }}>
        Banner
      </Impression>
    </TrackProvider>,
  )
