'use client'
import { useTrack } from '@trackpoint/react'

/** A client component: hooks such as `useTrack` run only on the client. */
export function ClaimButton() {
  const { track } = useTrack()
  return (
    <button type="button" onClick={() => track('reward_claim', { reward_type: 'points' })}>
      Claim 100 points
    </button>
  )
}
