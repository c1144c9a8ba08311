import { useState } from 'react'
import { Impression } from '@trackpoint/react'
import { feed } from '../../../shared/onchainData'

/**
 * "More for you": a button that opens a feed of 60 recommendation tiles, each an
 * `<Impression>` of its own delivery, so a feed of 60 cards seen together gives 60 impressions.
 */
export function Feed() {
  const [open, setOpen] = useState(false)
  return (
    <>
      <button type="button" aria-expanded={open} onClick={() => setOpen(true)} disabled={open}>
        More for you
      </button>
      {open && (
        <section aria-label="More for you" className="feed" data-testid="feed">
          {feed.map((item) => (
            <Impression
              key={item.deliveryId}
              as="article"
              data-testid={item.deliveryId}
              props={{ delivery_id: item.deliveryId, content_type: item.contentType }}
            >
              {item.title}
            </Impression>
          ))}
        </section>
      )}
    </>
  )
}
