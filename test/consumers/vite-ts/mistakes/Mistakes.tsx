import { Impression, useTrack } from '@trackpoint/react'

export function Card() {
  const { track } = useTrack()
  return (
    <>
      <Impression props={{ content_type: 'action' }}>Shown</Impression> {/* MISTAKE "delivery_id" */}
      <button onClick={() => track('card_clik', { card_id: 'c_1' })}>Open</button> {/* MISTAKE "card_clik" */}
    </>
  )
}
